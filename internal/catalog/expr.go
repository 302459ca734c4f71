package catalog

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// This file is the partition predicate language of GetPartitions (grammar in doc.go).

const (
	maxExprLen   = 2048 // PredicateString
	maxExprDepth = 64
)

// tri is a three-valued truth: a stored value that does not convert to its key's type makes
// a comparison unknown, as NULL does in SQL; only true selects a partition.
type tri int8

const (
	tFalse tri = iota
	tTrue
	tUnknown
)

func triOf(b bool) tri {
	if b {
		return tTrue
	}
	return tFalse
}

func (t tri) not() tri {
	switch t {
	case tTrue:
		return tFalse
	case tFalse:
		return tTrue
	}
	return tUnknown
}

// valueKind is how a partition key's values compare.
type valueKind int8

const (
	kString valueKind = iota
	kInt
	kFloat
)

func kindOfType(hive string) valueKind {
	t := strings.ToLower(strings.TrimSpace(hive))
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = t[:i]
	}
	switch t {
	case "tinyint", "smallint", "int", "integer", "bigint", "long":
		return kInt
	case "float", "double", "decimal", "real":
		return kFloat
	}
	return kString
}

type value struct {
	i int64
	f float64
	s string
}

func convert(k valueKind, s string) (value, bool) {
	switch k {
	case kInt:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		return value{i: i}, err == nil
	case kFloat:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		return value{f: f}, err == nil && f == f
	}
	return value{s: s}, true
}

func compare(k valueKind, a, b value) int {
	switch k {
	case kInt:
		switch {
		case a.i < b.i:
			return -1
		case a.i > b.i:
			return 1
		}
		return 0
	case kFloat:
		switch {
		case a.f < b.f:
			return -1
		case a.f > b.f:
			return 1
		}
		return 0
	}
	return strings.Compare(a.s, b.s)
}

// predicate is a compiled partition expression.
type predicate struct{ root node }

// match reports whether a partition with these values (one per key) is selected.
func (p *predicate) match(values []string) bool {
	return p == nil || p.root.eval(values) == tTrue
}

type node interface{ eval(values []string) tri }

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type notNode struct{ x node }

func (n andNode) eval(v []string) tri {
	l := n.l.eval(v)
	if l == tFalse {
		return tFalse
	}
	r := n.r.eval(v)
	switch {
	case r == tFalse:
		return tFalse
	case l == tTrue && r == tTrue:
		return tTrue
	}
	return tUnknown
}

func (n orNode) eval(v []string) tri {
	l := n.l.eval(v)
	if l == tTrue {
		return tTrue
	}
	r := n.r.eval(v)
	switch {
	case r == tTrue:
		return tTrue
	case l == tFalse && r == tFalse:
		return tFalse
	}
	return tUnknown
}

func (n notNode) eval(v []string) tri { return n.x.eval(v).not() }

// keyRef is one partition key: its position in Values and its comparison kind.
type keyRef struct {
	idx  int
	kind valueKind
}

func (k keyRef) get(v []string) (value, bool) {
	if k.idx >= len(v) {
		return value{}, false
	}
	return convert(k.kind, v[k.idx])
}

type cmpNode struct {
	key keyRef
	op  string
	lit value
}

func (n cmpNode) eval(v []string) tri {
	x, ok := n.key.get(v)
	if !ok {
		return tUnknown
	}
	c := compare(n.key.kind, x, n.lit)
	switch n.op {
	case "=":
		return triOf(c == 0)
	case "!=", "<>":
		return triOf(c != 0)
	case "<":
		return triOf(c < 0)
	case "<=":
		return triOf(c <= 0)
	case ">":
		return triOf(c > 0)
	}
	return triOf(c >= 0) // ">="
}

type betweenNode struct {
	key    keyRef
	lo, hi value
}

func (n betweenNode) eval(v []string) tri {
	x, ok := n.key.get(v)
	if !ok {
		return tUnknown
	}
	return triOf(compare(n.key.kind, x, n.lo) >= 0 && compare(n.key.kind, x, n.hi) <= 0)
}

type inNode struct {
	key  keyRef
	lits []value
}

func (n inNode) eval(v []string) tri {
	x, ok := n.key.get(v)
	if !ok {
		return tUnknown
	}
	for _, l := range n.lits {
		if compare(n.key.kind, x, l) == 0 {
			return tTrue
		}
	}
	return tFalse
}

type likeNode struct {
	key keyRef
	re  *regexp.Regexp
}

func (n likeNode) eval(v []string) tri {
	if n.key.idx >= len(v) {
		return tUnknown
	}
	return triOf(n.re.MatchString(v[n.key.idx]))
}

// likeRegexp translates a SQL LIKE pattern (% any run, _ one character) to a regexp.
func likeRegexp(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s)^")
	for _, r := range pat {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// Lexer.

type tokKind int8

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokOp
	tokLParen
	tokRParen
	tokComma
)

type token struct {
	kind   tokKind
	text   string // identifier (unquoted), string value, number text, operator
	quoted bool   // identifier was quoted: never a keyword
	pos    int
}

func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{kind: tokLParen, pos: i})
			i++
		case c == ')':
			toks = append(toks, token{kind: tokRParen, pos: i})
			i++
		case c == ',':
			toks = append(toks, token{kind: tokComma, pos: i})
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(src) {
					return nil, errInvalid("Unterminated string literal at position %d", i)
				}
				if src[j] == '\'' {
					if j+1 < len(src) && src[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(src[j])
				j++
			}
			toks = append(toks, token{kind: tokString, text: b.String(), pos: i})
			i = j + 1
		case c == '`' || c == '"':
			j := strings.IndexByte(src[i+1:], c)
			if j < 0 {
				return nil, errInvalid("Unterminated quoted identifier at position %d", i)
			}
			toks = append(toks, token{kind: tokIdent, text: src[i+1 : i+1+j], quoted: true, pos: i})
			i += j + 2
		case c == '=':
			toks = append(toks, token{kind: tokOp, text: "=", pos: i})
			i++
		case c == '!' || c == '<' || c == '>':
			op := string(c)
			if i+1 < len(src) && (src[i+1] == '=' || (c == '<' && src[i+1] == '>')) {
				op += string(src[i+1])
			}
			if op == "!" {
				return nil, errInvalid("Unexpected character '!' at position %d", i)
			}
			toks = append(toks, token{kind: tokOp, text: op, pos: i})
			i += len(op)
		case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.' || src[j] == 'e' || src[j] == 'E' ||
				((src[j] == '-' || src[j] == '+') && (src[j-1] == 'e' || src[j-1] == 'E'))) {
				j++
			}
			text := src[i:j]
			if _, err := strconv.ParseFloat(text, 64); err != nil {
				return nil, errInvalid("Invalid number %q at position %d", text, i)
			}
			toks = append(toks, token{kind: tokNumber, text: text, pos: i})
			i = j
		case c == '_' || c >= 0x80 || unicode.IsLetter(rune(c)):
			j := i
			for j < len(src) && (src[j] == '_' || src[j] == '.' || src[j] >= 0x80 || unicode.IsLetter(rune(src[j])) || unicode.IsDigit(rune(src[j]))) {
				j++
			}
			toks = append(toks, token{kind: tokIdent, text: src[i:j], pos: i})
			i = j
		default:
			return nil, errInvalid("Unexpected character %q at position %d", c, i)
		}
	}
	return append(toks, token{kind: tokEOF, pos: len(src)}), nil
}

// Parser.

type parser struct {
	toks  []token
	pos   int
	keys  []column
	depth int
}

// compileExpr parses a partition expression against a table's partition keys. An empty
// expression selects everything (nil predicate).
func compileExpr(src string, keys []column) (*predicate, error) {
	if strings.TrimSpace(src) == "" {
		return nil, nil
	}
	if len(src) > maxExprLen {
		return nil, errInvalid("Expression is longer than %d characters", maxExprLen)
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, keys: keys}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, errInvalid("Unexpected input at position %d", t.pos)
	}
	return &predicate{root: n}, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *parser) keyword(kw string) bool {
	t := p.peek()
	if t.kind == tokIdent && !t.quoted && strings.EqualFold(t.text, kw) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) isKeyword(t token) bool {
	if t.kind != tokIdent || t.quoted {
		return false
	}
	switch strings.ToUpper(t.text) {
	case "AND", "OR", "NOT", "BETWEEN", "IN", "LIKE":
		return true
	}
	return false
}

func (p *parser) or() (node, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *parser) and() (node, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.keyword("AND") {
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
	return l, nil
}

func (p *parser) not() (node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxExprDepth {
		return nil, errInvalid("Expression is nested too deeply")
	}
	if p.keyword("NOT") {
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	}
	return p.primary()
}

func (p *parser) primary() (node, error) {
	t := p.next()
	switch {
	case t.kind == tokLParen:
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.next().kind != tokRParen {
			return nil, errInvalid("Missing ')' for '(' at position %d", t.pos)
		}
		return n, nil
	case t.kind == tokIdent && !p.isKeyword(t):
		key, err := p.key(t)
		if err != nil {
			return nil, err
		}
		return p.comparison(key)
	case t.kind == tokEOF:
		return nil, errInvalid("Unexpected end of expression")
	}
	return nil, errInvalid("Expected a partition key at position %d", t.pos)
}

func (p *parser) key(t token) (keyRef, error) {
	for i, k := range p.keys {
		if strings.EqualFold(k.Name, t.text) {
			return keyRef{idx: i, kind: kindOfType(k.Type)}, nil
		}
	}
	return keyRef{}, errInvalid("Unknown partition key %s at position %d", t.text, t.pos)
}

func (p *parser) comparison(key keyRef) (node, error) {
	if t := p.peek(); t.kind == tokOp {
		p.next()
		lit, err := p.literal(key)
		if err != nil {
			return nil, err
		}
		return cmpNode{key: key, op: t.text, lit: lit}, nil
	}
	neg := p.keyword("NOT")
	var n node
	switch {
	case p.keyword("BETWEEN"):
		lo, err := p.literal(key)
		if err != nil {
			return nil, err
		}
		if !p.keyword("AND") {
			return nil, errInvalid("Expected AND in BETWEEN at position %d", p.peek().pos)
		}
		hi, err := p.literal(key)
		if err != nil {
			return nil, err
		}
		n = betweenNode{key: key, lo: lo, hi: hi}
	case p.keyword("IN"):
		if t := p.next(); t.kind != tokLParen {
			return nil, errInvalid("Expected '(' after IN at position %d", t.pos)
		}
		var lits []value
		for {
			l, err := p.literal(key)
			if err != nil {
				return nil, err
			}
			lits = append(lits, l)
			t := p.next()
			if t.kind == tokRParen {
				break
			}
			if t.kind != tokComma {
				return nil, errInvalid("Expected ',' or ')' in IN list at position %d", t.pos)
			}
		}
		n = inNode{key: key, lits: lits}
	case p.keyword("LIKE"):
		t := p.next()
		if t.kind != tokString {
			return nil, errInvalid("LIKE needs a string pattern at position %d", t.pos)
		}
		n = likeNode{key: key, re: likeRegexp(t.text)}
	default:
		return nil, errInvalid("Expected a comparison at position %d", p.peek().pos)
	}
	if neg {
		n = notNode{n}
	}
	return n, nil
}

func (p *parser) literal(key keyRef) (value, error) {
	t := p.next()
	if t.kind != tokString && t.kind != tokNumber {
		return value{}, errInvalid("Expected a literal at position %d", t.pos)
	}
	v, ok := convert(key.kind, t.text)
	if !ok {
		return value{}, errInvalid("Literal %q at position %d does not match the partition key's type", t.text, t.pos)
	}
	return v, nil
}
