package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"

	"github.com/sluicehq/sluice/internal/uuid"
)

// Event ids say where their record is, so that LookupEvents by EventId needs no index: an id is
// an RFC 9562 version-8 UUID whose 122 free bits hold the first 32 bits of SHA-256(chain id), the
// record's 48-bit sequence number and 42 random bits:
//
//	tttttttt-ssss-8sss-Vsss-sssrrrrrrrrr   (t chain tag, s sequence, r random, V variant 10xx)
//
// The writer assigns the id when it numbers the record (the caller marshals the record with a
// random placeholder of the same length, which the writer overwrites in place), so the id is part
// of the hashed record like every other field.

// maxSeq is the largest sequence number an event id can carry.
const maxSeq = 1<<48 - 1

func chainTag(c ChainID) uint32 {
	sum := sha256.Sum256([]byte(c))
	return binary.BigEndian.Uint32(sum[:4])
}

// encodeEventID returns the id of record seq of chain; rnd supplies 6 random bytes.
func encodeEventID(chain ChainID, seq uint64, rnd [6]byte) string {
	var b [16]byte
	binary.BigEndian.PutUint32(b[0:4], chainTag(chain))
	s := seq & maxSeq
	b[4] = byte(s >> 40)
	b[5] = byte(s >> 32)
	b[6] = 0x80 | byte(s>>28)&0x0f
	b[7] = byte(s >> 20)
	b[8] = 0x80 | byte(s>>14)&0x3f
	b[9] = byte(s >> 6)
	b[10] = byte(s<<2) | rnd[0]&0x03
	copy(b[11:], rnd[1:])
	return uuid.Format(b)
}

var errNotOurs = errors.New("not a Sluice event id")

// decodeEventID returns the chain tag and sequence number an id carries.
func decodeEventID(id string) (tag uint32, seq uint64, err error) {
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
		return 0, 0, errNotOurs
	}
	raw, err := hex.DecodeString(id[0:8] + id[9:13] + id[14:18] + id[19:23] + id[24:])
	if err != nil || len(raw) != 16 || raw[6]>>4 != 8 || raw[8]>>6 != 2 {
		return 0, 0, errNotOurs
	}
	tag = binary.BigEndian.Uint32(raw[0:4])
	seq = uint64(raw[4])<<40 | uint64(raw[5])<<32 | uint64(raw[6]&0x0f)<<28 | uint64(raw[7])<<20 |
		uint64(raw[8]&0x3f)<<14 | uint64(raw[9])<<6 | uint64(raw[10]>>2)
	return tag, seq, nil
}
