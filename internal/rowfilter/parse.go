package rowfilter

import (
	"strconv"
	"strings"
)

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tQuoted // "quoted identifier"
	tString
	tNumber
	tOp     // = <> != < <= > >=
	tLParen // (
	tRParen // )
	tComma
	tDot
)

type token struct {
	kind tokKind
	text string // identifier/keyword text, decoded string, number text, operator
	pos  int
}

func (t token) kw(k string) bool { return t.kind == tIdent && strings.EqualFold(t.text, k) }

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tString:
		return "string " + Literal{Kind: String, Str: t.text}.String()
	case tQuoted:
		return quoteIdent(t.text)
	}
	return strconv.Quote(t.text)
}

// lex splits s into tokens.
func lex(s string) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			out = append(out, token{tLParen, "(", i})
			i++
		case c == ')':
			out = append(out, token{tRParen, ")", i})
			i++
		case c == ',':
			out = append(out, token{tComma, ",", i})
			i++
		case c == '.' && !(i+1 < len(s) && isDigit(s[i+1]) && !prevIsIdent(out, i)):
			out = append(out, token{tDot, ".", i})
			i++
		case c == '=':
			out = append(out, token{tOp, "=", i})
			i++
		case c == '<':
			switch {
			case strings.HasPrefix(s[i:], "<="):
				out = append(out, token{tOp, "<=", i})
				i += 2
			case strings.HasPrefix(s[i:], "<>"):
				out = append(out, token{tOp, "<>", i})
				i += 2
			default:
				out = append(out, token{tOp, "<", i})
				i++
			}
		case c == '>':
			if strings.HasPrefix(s[i:], ">=") {
				out = append(out, token{tOp, ">=", i})
				i += 2
			} else {
				out = append(out, token{tOp, ">", i})
				i++
			}
		case c == '!':
			if !strings.HasPrefix(s[i:], "!=") {
				return nil, errAt(i, "unexpected character '!'")
			}
			out = append(out, token{tOp, "<>", i})
			i += 2
		case c == '\'':
			str, n, err := lexQuoted(s, i, '\'')
			if err != nil {
				return nil, err
			}
			out = append(out, token{tString, str, i})
			i = n
		case c == '"':
			str, n, err := lexQuoted(s, i, '"')
			if err != nil {
				return nil, err
			}
			if str == "" {
				return nil, errAt(i, "empty quoted identifier")
			}
			out = append(out, token{tQuoted, str, i})
			i = n
		case isDigit(c) || c == '-' || c == '+' || c == '.':
			n, err := lexNumber(s, i)
			if err != nil {
				return nil, err
			}
			out = append(out, token{tNumber, s[i:n], i})
			i = n
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i + 1
			for j < len(s) && (s[j] == '_' || isDigit(s[j]) || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z') {
				j++
			}
			out = append(out, token{tIdent, s[i:j], i})
			i = j
		default:
			return nil, errAt(i, "unexpected character %q", rune(c))
		}
	}
	out = append(out, token{tEOF, "", len(s)})
	return out, nil
}

// prevIsIdent: a '.' directly after an identifier is a field separator, not a number.
func prevIsIdent(toks []token, i int) bool {
	if len(toks) == 0 {
		return false
	}
	t := toks[len(toks)-1]
	return (t.kind == tIdent || t.kind == tQuoted) && t.pos+len(t.text) <= i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func lexQuoted(s string, start int, q byte) (string, int, error) {
	var b strings.Builder
	i := start + 1
	for i < len(s) {
		if s[i] == q {
			if i+1 < len(s) && s[i+1] == q {
				b.WriteByte(q)
				i += 2
				continue
			}
			return b.String(), i + 1, nil
		}
		b.WriteByte(s[i])
		i++
	}
	if q == '\'' {
		return "", 0, errAt(start, "unterminated string")
	}
	return "", 0, errAt(start, "unterminated quoted identifier")
}

func lexNumber(s string, start int) (int, error) {
	i := start
	if s[i] == '-' || s[i] == '+' {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, errAt(start, "malformed number")
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k == j {
			return 0, errAt(i, "malformed number exponent")
		}
		i = k
	}
	if i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] == '.') {
		return 0, errAt(i, "malformed number")
	}
	return i, nil
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// Parse parses a row-filter expression. Errors are *Error with the position of the problem.
func Parse(s string) (Expr, error) {
	if len(s) > MaxLen {
		return nil, errAt(MaxLen, "expression longer than %d bytes", MaxLen)
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tEOF {
		return nil, errAt(0, "empty expression")
	}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, errAt(t.pos, "unexpected %s", t.describe())
	}
	return e, nil
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 100

func (p *parser) or(depth int) (Expr, error) {
	first, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	terms := []Expr{first}
	for p.peek().kw("OR") {
		p.next()
		t, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return &Or{Terms: flatten[*Or](terms)}, nil
}

func (p *parser) and(depth int) (Expr, error) {
	first, err := p.not(depth)
	if err != nil {
		return nil, err
	}
	terms := []Expr{first}
	for p.peek().kw("AND") {
		p.next()
		t, err := p.not(depth)
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return &And{Terms: flatten[*And](terms)}, nil
}

// flatten merges nested nodes of the same kind (from parentheses), so a AND (b AND c) prints
// as a AND b AND c and printing stays stable.
func flatten[T interface{ *And | *Or }](terms []Expr) []Expr {
	var out []Expr
	for _, t := range terms {
		switch n := any(t).(type) {
		case *And:
			if _, ok := any(T(nil)).(*And); ok {
				out = append(out, n.Terms...)
				continue
			}
		case *Or:
			if _, ok := any(T(nil)).(*Or); ok {
				out = append(out, n.Terms...)
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

func (p *parser) not(depth int) (Expr, error) {
	if depth > maxDepth {
		return nil, errAt(p.peek().pos, "expression nested too deeply")
	}
	if t := p.peek(); t.kw("NOT") {
		p.next()
		x, err := p.not(depth + 1)
		if err != nil {
			return nil, err
		}
		return &Not{X: x, Pos: t.pos}, nil
	}
	return p.primary(depth)
}

func (p *parser) primary(depth int) (Expr, error) {
	t := p.peek()
	if t.kind == tLParen {
		p.next()
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tRParen {
			return nil, errAt(c.pos, "expected ')' but found %s", c.describe())
		}
		return e, nil
	}
	col, err := p.column()
	if err != nil {
		return nil, err
	}
	t = p.next()
	switch {
	case t.kind == tOp:
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		return &Compare{Col: col, Op: Op(t.text), Value: v}, nil
	case t.kw("IS"):
		neg := false
		if p.peek().kw("NOT") {
			p.next()
			neg = true
		}
		if n := p.next(); !n.kw("NULL") {
			return nil, errAt(n.pos, "expected NULL but found %s", n.describe())
		}
		return &IsNull{Col: col, Negate: neg}, nil
	}
	neg := false
	if t.kw("NOT") {
		neg = true
		t = p.next()
	}
	switch {
	case t.kw("BETWEEN"):
		lo, err := p.literal()
		if err != nil {
			return nil, err
		}
		if a := p.next(); !a.kw("AND") {
			return nil, errAt(a.pos, "expected AND in BETWEEN but found %s", a.describe())
		}
		hi, err := p.literal()
		if err != nil {
			return nil, err
		}
		return &Between{Col: col, Negate: neg, Lo: lo, Hi: hi}, nil
	case t.kw("IN"):
		if l := p.next(); l.kind != tLParen {
			return nil, errAt(l.pos, "expected '(' after IN but found %s", l.describe())
		}
		var vals []Literal
		for {
			v, err := p.literal()
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
			n := p.next()
			if n.kind == tRParen {
				break
			}
			if n.kind != tComma {
				return nil, errAt(n.pos, "expected ',' or ')' in IN list but found %s", n.describe())
			}
		}
		return &In{Col: col, Negate: neg, Values: vals}, nil
	case t.kw("LIKE"):
		v, err := p.literal()
		if err != nil {
			return nil, err
		}
		if v.Kind != String {
			return nil, errAt(v.Pos, "LIKE needs a string pattern")
		}
		return &Like{Col: col, Negate: neg, Pattern: v}, nil
	}
	return nil, errAt(t.pos, "expected a comparison, BETWEEN, IN, LIKE or IS after %s but found %s", col, t.describe())
}

func (p *parser) column() (Column, error) {
	t := p.next()
	col := Column{Pos: t.pos}
	for {
		switch {
		case t.kind == tQuoted:
		case t.kind == tIdent && !keywords[strings.ToUpper(t.text)]:
		case t.kind == tString || t.kind == tNumber || t.kw("TRUE") || t.kw("FALSE"):
			return col, errAt(t.pos, "expected a column name but found %s (comparisons must name the column first; no literal-to-column or column-to-column comparisons)", t.describe())
		default:
			return col, errAt(t.pos, "expected a column name but found %s", t.describe())
		}
		col.Path = append(col.Path, t.text)
		if p.peek().kind != tDot {
			return col, nil
		}
		p.next()
		t = p.next()
	}
}

func (p *parser) literal() (Literal, error) {
	t := p.next()
	switch {
	case t.kind == tString:
		return Literal{Kind: String, Str: t.text, Pos: t.pos}, nil
	case t.kind == tNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return Literal{}, errAt(t.pos, "number %s out of range", t.text)
		}
		text := strings.TrimPrefix(t.text, "+")
		return Literal{Kind: Number, Num: f, Text: text, Pos: t.pos}, nil
	case t.kw("TRUE"):
		return Literal{Kind: Bool, B: true, Pos: t.pos}, nil
	case t.kw("FALSE"):
		return Literal{Kind: Bool, B: false, Pos: t.pos}, nil
	case t.kind == tIdent || t.kind == tQuoted:
		return Literal{}, errAt(t.pos, "expected a literal but found column %s (column-to-column comparisons are not supported)", quoteIdent(t.text))
	}
	return Literal{}, errAt(t.pos, "expected a literal but found %s", t.describe())
}
