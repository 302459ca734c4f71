package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

func TestProgress(t *testing.T) {
	clock := time.Unix(0, 0)
	now := func() time.Time { return clock }
	var term bytes.Buffer
	p := newProgress(strings.NewReader("a,b\n1,2\n3,4\n"), &term, "tpc.t", true, now)
	if _, err := io.ReadAll(p); err != nil {
		t.Fatal(err)
	}
	p.tick()
	if term.Len() != 0 {
		t.Fatalf("a short read shows progress: %q", term.String())
	}
	clock = clock.Add(2500 * time.Millisecond)
	p.tick()
	if want := "\r\033[Ktpc.t: 3 lines · 12 B · 2.5 s"; term.String() != want {
		t.Fatalf("progress line %q, want %q", term.String(), want)
	}
	p.Close()
	p.Close()
	if !strings.HasSuffix(term.String(), "\r\033[K") {
		t.Fatalf("the line is not erased: %q", term.String())
	}

	// Without a terminal nothing is written, even for long reads.
	q := newProgress(strings.NewReader("x"), nil, "tpc.t", false, now)
	q.run(time.Millisecond)
	io.ReadAll(q)
	q.Close()
}

func TestHumanNumbers(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{12: "12 B", 2048: "2.0 kB", 3 << 20: "3.0 MB", 5 << 30: "5.0 GB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
