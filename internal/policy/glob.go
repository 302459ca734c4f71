package policy

import (
	"strings"
	"unicode/utf8"
)

// A pattern is a compiled wildcard pattern: a sequence of literal text,
// policy variables, `*` and `?`. Variables are resolved from the request
// Context at match time and their values always match literally, so a
// substituted `*` never acts as a wildcard.
//
// In ARN mode a pattern is split into the six colon-separated ARN
// components (arn:partition:service:region:account:resource). Wildcards in
// any component but the last cannot match ':'; the last component (the
// resource part, or whatever remains when the pattern has fewer than six
// components) may span ':' and '/'. The pattern "*" therefore matches every
// string.
type pattern struct {
	toks  []tok
	nvars int
	fold  bool // ASCII case-insensitive; literal text is stored lower-cased
	raw   string
}

type tokKind uint8

const (
	tLit tokKind = iota
	tVar
	tStar
	tQuest
)

type tok struct {
	kind       tokKind
	restricted bool   // tStar/tQuest: cannot match ':'
	text       string // tLit: the text; tVar: the default
	key        string // tVar: lower-cased context key
	hasDef     bool
	vi         int // tVar: ordinal among the pattern's variables
}

// patternMode says how compilePattern reads its input.
type patternMode struct {
	vars bool // ${...} is a variable (Version 2012-10-17)
	wild bool // * and ? are wildcards
	arn  bool // wildcards cannot cross ':' outside the last ARN component
	fold bool // case-insensitive match
}

// compilePattern compiles s. The error is a bare description; callers add
// the location.
func compilePattern(s string, m patternMode) (*pattern, error) {
	p := &pattern{fold: m.fold, raw: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			t := lit.String()
			if m.fold {
				t = lowerASCII(t)
			}
			p.toks = append(p.toks, tok{kind: tLit, text: t})
			lit.Reset()
		}
	}
	comp := 0
	var comps []int // component index of each wildcard token, parallel to toks
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case m.vars && c == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return nil, errorString("unterminated policy variable in " + quote(s))
			}
			inner := s[i+2 : i+2+end]
			i += end + 3
			switch inner {
			case "*", "?", "$":
				lit.WriteString(inner)
				continue
			}
			key, def, hasDef, err := parseVariable(inner)
			if err != nil {
				return nil, err
			}
			flush()
			p.toks = append(p.toks, tok{kind: tVar, key: key, text: def, hasDef: hasDef, vi: p.nvars})
			p.nvars++
		case m.wild && (c == '*' || c == '?'):
			flush()
			k := tStar
			if c == '?' {
				k = tQuest
			}
			for len(comps) < len(p.toks) {
				comps = append(comps, -1)
			}
			p.toks = append(p.toks, tok{kind: k})
			comps = append(comps, comp)
			i++
		default:
			if c == ':' && comp < 5 {
				comp++
			}
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	if m.arn {
		// Wildcards are restricted in every component but the last one.
		last := comp
		for i, ci := range comps {
			if ci >= 0 && ci < last {
				p.toks[i].restricted = true
			}
		}
	}
	return p, nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

func quote(s string) string { return `"` + s + `"` }

// parseVariable parses the inside of ${...}: `key` or `key, 'default'`.
func parseVariable(inner string) (key, def string, hasDef bool, err error) {
	key = inner
	if i := strings.IndexByte(inner, ','); i >= 0 {
		key = inner[:i]
		d := strings.TrimSpace(inner[i+1:])
		if len(d) < 2 || d[0] != '\'' || d[len(d)-1] != '\'' {
			return "", "", false, errorString("policy variable ${" + inner + "}: default must be quoted with '")
		}
		def, hasDef = d[1:len(d)-1], true
	}
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " \t\r\n'") {
		return "", "", false, errorString("bad policy variable ${" + inner + "}")
	}
	return strings.ToLower(key), def, hasDef, nil
}

// isAll reports whether p matches every string (a lone "*").
func (p *pattern) isAll() bool {
	return len(p.toks) == 1 && p.toks[0].kind == tStar && !p.toks[0].restricted
}

// hasWildcard reports whether p can match more than one string: it holds a wildcard or a
// policy variable.
func (p *pattern) hasWildcard() bool {
	for _, t := range p.toks {
		if t.kind != tLit {
			return true
		}
	}
	return false
}

// match reports whether s matches p, resolving variables from c. A variable
// whose key is absent and has no default makes the pattern match nothing.
func (p *pattern) match(s string, c *Context) bool {
	if p.nvars == 0 {
		return matchToks(p.toks, nil, s, p.fold)
	}
	var buf [4]string
	var vals []string
	if p.nvars <= len(buf) {
		vals = buf[:p.nvars]
	} else {
		vals = make([]string, p.nvars)
	}
	for i := range p.toks {
		t := &p.toks[i]
		if t.kind != tVar {
			continue
		}
		v, ok := c.first(t.key)
		if !ok {
			if !t.hasDef {
				return false
			}
			v = t.text
		}
		vals[t.vi] = v
	}
	return matchToks(p.toks, vals, s, p.fold)
}

// matchToks is an iterative glob matcher with one backtracking point: the
// most recent star. That is complete here because a restricted star (which
// cannot match ':') never follows an unrestricted one, so a later star can
// always absorb whatever an earlier one could. Literal tokens are compared
// whole, and a star followed by a literal skips straight to the literal's
// next occurrence.
func matchToks(toks []tok, vals []string, s string, fold bool) bool {
	ti, si := 0, 0
	bti, bsi := -1, 0 // token after the last star; where that star's match ends
	bres := false
	for {
		if ti == len(toks) {
			if si == len(s) {
				return true
			}
		} else {
			t := &toks[ti]
			switch t.kind {
			case tStar:
				bti, bsi, bres = ti+1, si, t.restricted
				ti++
				continue
			case tQuest:
				if si < len(s) {
					r, n := utf8.DecodeRuneInString(s[si:])
					if !t.restricted || r != ':' {
						ti++
						si += n
						continue
					}
				}
			default:
				txt := t.text
				if t.kind == tVar {
					txt = vals[t.vi]
				}
				if hasPrefix(s[si:], txt, fold) {
					ti++
					si += len(txt)
					continue
				}
			}
		}
		// Mismatch: let the last star swallow more.
		if bti < 0 || bsi >= len(s) {
			return false
		}
		r, n := utf8.DecodeRuneInString(s[bsi:])
		if bres && r == ':' {
			return false
		}
		next := bsi + n
		if bti < len(toks) && !fold && toks[bti].kind == tLit {
			idx := strings.Index(s[next:], toks[bti].text)
			if idx < 0 {
				return false
			}
			if bres && strings.IndexByte(s[bsi:next+idx], ':') >= 0 {
				return false
			}
			next += idx
		}
		bsi = next
		ti, si = bti, bsi
	}
}

// hasPrefix reports whether s starts with prefix, ASCII case-insensitively
// with fold.
func hasPrefix(s, prefix string, fold bool) bool {
	if len(s) < len(prefix) {
		return false
	}
	if !fold {
		return s[:len(prefix)] == prefix
	}
	for i := 0; i < len(prefix); i++ {
		if lowerByte(s[i]) != lowerByte(prefix[i]) {
			return false
		}
	}
	return true
}

func lowerByte(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = lowerByte(b[j])
			}
			return string(b)
		}
	}
	return s
}

// MatchWildcard reports whether s matches pattern, where `*` matches any
// sequence of characters and `?` exactly one. With fold the comparison is
// ASCII case-insensitive (as for actions).
func MatchWildcard(pattern, s string, fold bool) bool {
	p, _ := compilePattern(pattern, patternMode{wild: true, fold: fold})
	return p.match(s, nil)
}

// MatchARN reports whether arn matches pattern component by component:
// wildcards cannot cross ':' except in the last component of pattern (the
// resource part), and matching is case-sensitive. This is the Resource
// element's and ArnLike's matching.
func MatchARN(pattern, arn string) bool {
	p, _ := compilePattern(pattern, patternMode{wild: true, arn: true})
	return p.match(arn, nil)
}
