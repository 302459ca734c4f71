package sigv4

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"sync"
)

// crc64NVMEPoly is the CRC-64/NVME polynomial in reversed form (normal form 0xad93d23594c93659).
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

var crc64NVMETable = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(crc64NVMEPoly) })

// newChecksum returns the hash behind a trailing checksum header name, or nil if unsupported.
func newChecksum(name string) hash.Hash {
	switch name {
	case "x-amz-checksum-crc32":
		return crc32.NewIEEE()
	case "x-amz-checksum-crc32c":
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "x-amz-checksum-crc64nvme":
		return crc64.New(crc64NVMETable())
	case "x-amz-checksum-sha1":
		return sha1.New()
	case "x-amz-checksum-sha256":
		return sha256.New()
	}
	return nil
}

// Checksum returns the base64 value of the x-amz-checksum-* header name (lower-case: crc32,
// crc32c, crc64nvme, sha1, sha256) for data; ok is false for an unsupported name.
func Checksum(name string, data []byte) (value string, ok bool) {
	h := newChecksum(name)
	if h == nil {
		return "", false
	}
	h.Write(data)
	return base64.StdEncoding.EncodeToString(h.Sum(nil)), true
}
