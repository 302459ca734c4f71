// Package uuid formats random version-4 UUIDs, the layout of AWS request ids and CloudTrail
// event ids.
package uuid

import (
	"crypto/rand"
	"encoding/hex"
	"io"
)

// New returns a version-4 UUID from 16 bytes of rnd (crypto/rand when rnd is nil or fails).
func New(rnd io.Reader) string {
	var b [16]byte
	if rnd == nil || func() bool { _, err := io.ReadFull(rnd, b[:]); return err != nil }() {
		rand.Read(b[:])
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return Format(b)
}

// Format writes 16 bytes in the 8-4-4-4-12 hexadecimal form of a UUID.
func Format(b [16]byte) string {
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}
