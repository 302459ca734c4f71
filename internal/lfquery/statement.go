package lfquery

import (
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/rowfilter"
)

// Statement is a parsed query: SELECT Columns FROM Database.Table [WHERE Where] [LIMIT Limit].
type Statement struct {
	Columns  []string // nil = *
	Database string
	Table    string
	Where    string // row-filter grammar; "" = every row
	WherePos int    // 1-based position of Where in the query string (0 when there is none)
	Limit    int64  // 0 = no limit
}

// MaxStatementLen bounds a query string, in bytes.
const MaxStatementLen = 64 << 10

// ParseStatement parses a query string (see the package documentation for the grammar).
// defaultDatabase names the database of a table written without one. Errors are *Error of kind
// Invalid positioned at a 1-based byte offset of q.
func ParseStatement(q, defaultDatabase string) (*Statement, error) {
	if len(q) > MaxStatementLen {
		return nil, invalidAt(MaxStatementLen, "the query is longer than %d bytes", MaxStatementLen)
	}
	p := &scanner{s: q}
	st := &Statement{}
	if !p.keyword("SELECT") {
		return nil, p.fail("expected SELECT")
	}
	p.space()
	if p.peek() == '*' {
		p.i++
	} else {
		for {
			p.space()
			at := p.i
			name, ok := p.ident()
			if !ok || q[at] != '"' && reserved(name) {
				return nil, invalidAt(at, "expected a column name or *")
			}
			st.Columns = append(st.Columns, name)
			p.space()
			if p.peek() != ',' {
				break
			}
			p.i++
		}
	}
	if !p.keyword("FROM") {
		return nil, p.fail("expected FROM")
	}
	p.space()
	at := p.i
	first, ok := p.ident()
	if !ok {
		return nil, invalidAt(at, "expected a table name")
	}
	if p.peek() == '.' {
		p.i++
		at2 := p.i
		second, ok := p.ident()
		if !ok {
			return nil, invalidAt(at2, "expected a table name after %q.", first)
		}
		st.Database, st.Table = first, second
	} else {
		if defaultDatabase == "" {
			return nil, invalidAt(at, "table %q must be written db.table (or the query planning context must name its database)", first)
		}
		st.Database, st.Table = defaultDatabase, first
	}
	// The rest: [WHERE expr] [LIMIT n] [;]
	end := len(q)
	rest := strings.TrimRight(q, " \t\r\n")
	if strings.HasSuffix(rest, ";") {
		end = len(rest) - 1
	}
	limitAt := -1
	p.space()
	if k := lastKeyword(q[:end], p.i, "LIMIT"); k >= 0 {
		tail := strings.TrimSpace(q[k+5 : end])
		switch {
		case tail != "" && strings.Trim(tail, "0123456789") == "":
			n, err := strconv.ParseInt(tail, 10, 64)
			if err != nil || n < 1 {
				return nil, invalidAt(k+5+strings.Index(q[k+5:], tail), "LIMIT must be a positive integer")
			}
			st.Limit, limitAt = n, k
		case k == p.i:
			return nil, invalidAt(k+5, "LIMIT must be a positive integer")
		}
		// Otherwise LIMIT is a word inside the where clause (a column may be called limit).
	}
	if limitAt >= 0 {
		end = limitAt
	}
	p.space()
	if p.i >= end {
		return st, nil
	}
	if !p.keyword("WHERE") {
		return nil, p.fail("expected WHERE, LIMIT or the end of the query")
	}
	where := q[p.i:end]
	if strings.TrimSpace(where) == "" {
		return nil, invalidAt(p.i, "WHERE needs a condition")
	}
	if _, err := rowfilter.Parse(where); err != nil {
		return nil, whereError(err, p.i+1)
	}
	st.Where, st.WherePos = where, p.i+1
	return st, nil
}

// whereError re-positions a row-filter error inside the query string (base: the 1-based
// position of the where clause's first byte).
func whereError(err error, base int) error {
	if e, ok := err.(*rowfilter.Error); ok {
		return &Error{Kind: Invalid, Pos: base + e.Pos - 1, Msg: "WHERE: " + e.Msg}
	}
	return &Error{Kind: Invalid, Pos: base, Msg: "WHERE: " + err.Error()}
}

type scanner struct {
	s string
	i int
}

func (p *scanner) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *scanner) space() {
	for p.i < len(p.s) && isSpace(p.s[p.i]) {
		p.i++
	}
}

func (p *scanner) fail(msg string) error {
	p.space()
	if p.i >= len(p.s) {
		return invalidAt(p.i, "%s, found the end of the query", msg)
	}
	return invalidAt(p.i, "%s, found %q", msg, word(p.s[p.i:]))
}

// keyword consumes kw (case-insensitively) after optional space, if it is there as a whole word.
func (p *scanner) keyword(kw string) bool {
	j := p.i
	for j < len(p.s) && isSpace(p.s[j]) {
		j++
	}
	if !hasWord(p.s, j, kw) {
		return false
	}
	p.i = j + len(kw)
	return true
}

// ident reads a plain identifier ([A-Za-z_][A-Za-z0-9_]*) or a "quoted" one ("" escapes ").
func (p *scanner) ident() (string, bool) {
	if p.peek() == '"' {
		var b strings.Builder
		for j := p.i + 1; j < len(p.s); j++ {
			if p.s[j] != '"' {
				b.WriteByte(p.s[j])
				continue
			}
			if j+1 < len(p.s) && p.s[j+1] == '"' {
				b.WriteByte('"')
				j++
				continue
			}
			if b.Len() == 0 {
				return "", false
			}
			p.i = j + 1
			return b.String(), true
		}
		return "", false
	}
	j := p.i
	for j < len(p.s) && (isLetter(p.s[j]) || j > p.i && isDigit(p.s[j])) {
		j++
	}
	if j == p.i {
		return "", false
	}
	name := p.s[p.i:j]
	p.i = j
	return name, true
}

// lastKeyword returns the offset of the last whole-word kw at or after from that lies outside
// quotes, or -1.
func lastKeyword(s string, from int, kw string) int {
	last := -1
	var quote byte
	for i := from; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			if c == quote {
				quote = 0
			}
			continue
		}
		if c == '\'' || c == '"' {
			quote = c
			continue
		}
		if hasWord(s, i, kw) {
			last = i
		}
	}
	return last
}

// hasWord reports whether s holds the keyword kw at i, not inside a longer identifier.
func hasWord(s string, i int, kw string) bool {
	if i < 0 || i+len(kw) > len(s) || !strings.EqualFold(s[i:i+len(kw)], kw) {
		return false
	}
	if i > 0 && isIdentByte(s[i-1]) {
		return false
	}
	return i+len(kw) == len(s) || !isIdentByte(s[i+len(kw)])
}

// reserved words cannot be unquoted column names.
func reserved(name string) bool {
	for _, kw := range []string{"SELECT", "FROM", "WHERE", "LIMIT"} {
		if strings.EqualFold(name, kw) {
			return true
		}
	}
	return false
}

func word(s string) string {
	for i := 0; i < len(s); i++ {
		if isSpace(s[i]) || i >= 20 {
			return s[:i]
		}
	}
	return s
}

func isSpace(c byte) bool     { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isLetter(c byte) bool    { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isIdentByte(c byte) bool { return isLetter(c) || isDigit(c) }
