package audit

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// TestKeyFormats holds the hand-formatted index and log keys to the fmt verbs they replaced:
// stored keys must not change form.
func TestKeyFormats(t *testing.T) {
	times := map[string]time.Time{
		"now":         time.Date(2026, 11, 24, 5, 0, 0, 123456789, time.UTC),
		"epoch":       time.Unix(0, 0),
		"before 1970": time.Unix(-5, 0),
		"far future":  time.Unix(0, math.MaxInt64),
	}
	for name, at := range times {
		if got, want := invTime(at), fmt.Sprintf("%019d", uint64(math.MaxInt64-at.UnixNano())); got != want {
			t.Errorf("invTime(%s) = %s, want %s", name, got, want)
		}
	}
	for _, seq := range []uint64{0, 1, 42, 1 << 40, math.MaxUint64} {
		if got, want := seqKey("c-0123456789abcdef", seq), fmt.Sprintf("%s/%020d", "c-0123456789abcdef", seq); got != want {
			t.Errorf("seqKey(%d) = %s, want %s", seq, got, want)
		}
	}
}
