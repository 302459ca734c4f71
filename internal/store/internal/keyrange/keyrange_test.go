package keyrange

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

type result struct {
	End string
	OK  bool
}

var cases = []struct {
	name string
	p    string
	want result
}{
	{"empty", "", result{"", false}},
	{"ascii", "abc", result{"abd", true}},
	{"slash", "db/", result{"db0", true}},
	{"tilde", "a~", result{"a\x7f", true}},
	{"two-byte", "é", result{"ê", true}},
	{"ascii to two-byte", "a\x7f", result{"a\u0080", true}},
	{"before surrogates", "x\uD7FF", result{"x\uE000", true}},
	{"max rune dropped", "a\U0010FFFF", result{"b", true}},
	{"only max runes", "\U0010FFFF\U0010FFFF", result{"", false}},
	{"emoji", "😀", result{"😁", true}},
}

func TestPrefixEnd(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			end, ok := PrefixEnd(tc.p)
			if diff := cmp.Diff(tc.want, result{end, ok}); diff != "" {
				t.Errorf("PrefixEnd(%q) mismatch (-want +got):\n%s", tc.p, diff)
			}
		})
	}
}

// FuzzPrefixEnd checks the defining property against strings.HasPrefix: for valid UTF-8 p and k,
// HasPrefix(k, p) == (p <= k && (!ok || k < end)), and end is valid UTF-8.
func FuzzPrefixEnd(f *testing.F) {
	for _, tc := range cases {
		f.Add(tc.p, tc.p+"x")
		f.Add(tc.p, tc.want.End)
	}
	f.Fuzz(func(t *testing.T, p, k string) {
		if !utf8.ValidString(p) || !utf8.ValidString(k) {
			return
		}
		end, ok := PrefixEnd(p)
		if ok && !utf8.ValidString(end) {
			t.Fatalf("PrefixEnd(%q) = %q, invalid UTF-8", p, end)
		}
		in := p <= k && (!ok || k < end)
		if in != strings.HasPrefix(k, p) {
			t.Fatalf("p=%q k=%q end=%q ok=%v: in range %v, HasPrefix %v", p, k, end, ok, in, !in)
		}
	})
}

func BenchmarkPrefixEnd(b *testing.B) {
	for b.Loop() {
		PrefixEnd("catalog/db1/tables/")
	}
}
