package audit

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var postingCases = map[string][]posting{
	"one":           {{t0, 7, 32}},
	"unknown block": {{t0, 7, 0}},
	"newest first": {
		{t0.Add(3 * time.Second), 1 << 40, 1<<40 + 31},
		{t0.Add(3 * time.Second), 1<<40 - 1, 1<<40 + 31},
		{t0.Add(2 * time.Second), 1<<40 + 5, 1<<40 + 31}, // a later seq with an earlier time
		{t0, 3, 0},
	},
}

// TestPostingsRoundTrip: rows are written in the binary form and read back exactly.
func TestPostingsRoundTrip(t *testing.T) {
	for name, ps := range postingCases {
		t.Run(name, func(t *testing.T) {
			got, ok := parsePostings(appendPostings(nil, ps))
			if !ok {
				t.Fatal("parse failed")
			}
			if diff := cmp.Diff(ps, got, cmp.AllowUnexported(posting{})); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPostingsText: rows written before the binary form are still read.
func TestPostingsText(t *testing.T) {
	at := t0.Add(1500 * time.Millisecond)
	text := []byte(invTime(at) + " 12 32\n" + invTime(t0) + " 9\n")
	got, ok := parsePostings(text)
	want := []posting{{at, 12, 32}, {t0, 9, 0}}
	if !ok {
		t.Fatal("parse failed")
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(posting{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// FuzzParsePostings: any row value is read or refused without a panic, and what the binary
// reader accepts is written back the same.
func FuzzParsePostings(f *testing.F) {
	for _, ps := range postingCases {
		f.Add(appendPostings(nil, ps))
	}
	f.Add([]byte(invTime(t0) + " 12 32\n"))
	f.Add([]byte{postingsV2, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, v []byte) {
		ps, ok := parsePostings(v)
		if !ok || len(v) == 0 || v[0] != postingsV2 {
			return
		}
		again, ok := parsePostings(appendPostings(nil, ps))
		if !ok || !cmp.Equal(ps, again, cmp.AllowUnexported(posting{})) {
			t.Fatalf("%x read as %v, written back and read as %v", v, ps, again)
		}
	})
}
