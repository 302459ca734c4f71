package audit

import (
	"regexp"
	"testing"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestEventIDRoundTrip(t *testing.T) {
	for _, seq := range []uint64{1, 2, 255, 256, 1 << 20, 1<<33 + 7, maxSeq} {
		for _, rnd := range [][6]byte{{}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {1, 2, 3, 4, 5, 6}} {
			id := encodeEventID("c-test", seq, rnd)
			if !uuidRE.MatchString(id) {
				t.Errorf("%d: %s is not a version-8 UUID", seq, id)
			}
			tag, got, err := decodeEventID(id)
			if err != nil || got != seq || tag != chainTag("c-test") {
				t.Errorf("decode(%s) = %x %d %v, want %d", id, tag, got, err, seq)
			}
		}
	}
	for _, bad := range []string{"", "not-a-uuid", "d6cd36de-b36d-41d8-b4a3-8bb3851e2e19"} {
		if _, _, err := decodeEventID(bad); err == nil {
			t.Errorf("decodeEventID(%q) succeeded", bad)
		}
	}
}

func FuzzDecodeEventID(f *testing.F) {
	f.Add(encodeEventID("c-x", 42, [6]byte{9}))
	f.Add("d6cd36de-b36d-41d8-b4a3-8bb3851e2e19")
	f.Fuzz(func(t *testing.T, id string) {
		tag, seq, err := decodeEventID(id)
		if err != nil {
			return
		}
		if seq > maxSeq || tag == 0 && seq == 0 && len(id) != 36 {
			t.Fatal("impossible decode")
		}
	})
}
