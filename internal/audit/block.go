package audit

import (
	"bytes"
	"errors"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// A stored log block is its entries, one JSON line each, compressed as one zstd frame. Records
// of one batch repeat most of their bytes (the caller, the service, the account), so a block
// shrinks about tenfold: the audit trail is most of what a busy store holds, and the bytes a
// commit writes are most of what it costs. Blocks written before compression (plain lines, which
// begin with '{') are still read.

// zstdMagic begins every zstd frame.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// maxBlockBytes bounds a block's decompressed size, so that a forged block cannot make a reader
// (LookupEvents, verify, export) allocate without limit: the writer cuts a block once its
// entries pass a quarter of it and refuses a record larger than a quarter (request bodies are
// capped at 10 MiB), and at most two blocks are decompressed at once.
const maxBlockBytes = 128 << 20

var (
	blockEncoder = sync.OnceValue(func() *zstd.Encoder {
		e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderCRC(false), zstd.WithZeroFrames(true))
		if err != nil {
			panic(err) // only for invalid options
		}
		return e
	})
	blockDecoder = sync.OnceValue(func() *zstd.Decoder {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(2), zstd.WithDecoderMaxMemory(maxBlockBytes))
		if err != nil {
			panic(err)
		}
		return d
	})
)

// compressBlock appends the stored form of the block whose entry lines are raw to dst.
func compressBlock(dst, raw []byte) []byte { return blockEncoder().EncodeAll(raw, dst) }

// blockLines returns the entry lines of a stored block, decompressing it when needed.
func blockLines(data []byte) ([]byte, error) {
	if !bytes.HasPrefix(data, zstdMagic) {
		return data, nil
	}
	raw, err := blockDecoder().DecodeAll(data, nil)
	if err != nil {
		return nil, E(Corrupt, "decode block", err)
	}
	if len(raw) == 0 {
		return nil, E(Corrupt, "decode block", errors.New("empty block"))
	}
	return raw, nil
}
