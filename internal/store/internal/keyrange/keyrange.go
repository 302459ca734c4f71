// Package keyrange turns a key prefix into a half-open range [prefix, end) of valid UTF-8
// strings, so that drivers can scan a prefix with an index range instead of LIKE.
//
// For valid UTF-8, byte order equals code point order, so "k has prefix p" is equivalent to
// p <= k < end where end is p with its last code point replaced by the next valid code point
// (skipping the surrogates), dropping trailing U+10FFFF code points first. Unlike a byte-wise
// increment, end is itself valid UTF-8 and can be sent to PostgreSQL as text.
package keyrange

import "unicode/utf8"

// PrefixEnd returns the smallest valid UTF-8 string greater than every string with prefix p.
// ok is false when there is none (p is empty or only U+10FFFF code points): the range is then
// unbounded above. p must be valid UTF-8.
func PrefixEnd(p string) (end string, ok bool) {
	for p != "" {
		r, size := utf8.DecodeLastRuneInString(p)
		p = p[:len(p)-size]
		if r == utf8.MaxRune {
			continue
		}
		r++
		if r == 0xD800 { // skip the surrogate block
			r = 0xE000
		}
		return p + string(r), true
	}
	return "", false
}
