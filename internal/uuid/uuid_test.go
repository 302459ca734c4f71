package uuid

import (
	"bytes"
	"testing"
)

func TestNew(t *testing.T) {
	if got := New(bytes.NewReader(make([]byte, 16))); got != "00000000-0000-4000-8000-000000000000" {
		t.Errorf("New(zeros) = %s", got)
	}
	seen := map[string]bool{}
	for range 1000 {
		id := New(nil)
		if len(id) != 36 || id[14] != '4' || seen[id] {
			t.Fatalf("bad or repeated %s", id)
		}
		seen[id] = true
	}
}
