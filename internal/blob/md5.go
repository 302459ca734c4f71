package blob

import (
	"crypto/md5"
	"hash"
)

func newMD5() hash.Hash { return md5.New() }
