// Package rowfilter is the row-filter language of Lake Formation data cells filters: a small
// PartiQL subset, parsed by hand into an AST that prints canonically, type-checks against a
// table's columns and evaluates over a row with SQL's three-valued logic.
//
// # Grammar
//
//	expr      = or
//	or        = and { OR and }
//	and       = not { AND not }
//	not       = NOT not | primary
//	primary   = "(" expr ")" | predicate
//	predicate = column cmp literal
//	          | column [NOT] BETWEEN literal AND literal
//	          | column [NOT] IN "(" literal { "," literal } ")"
//	          | column [NOT] LIKE string
//	          | column IS [NOT] NULL
//	cmp       = "=" | "<>" | "!=" | "<" | "<=" | ">" | ">="
//	column    = ident { "." ident }          ident = [A-Za-z_][A-Za-z0-9_]* | "quoted"
//	literal   = string | number | TRUE | FALSE
//	string    = "'" { char | "''" } "'"     number = [-] digits [ "." digits ] [ e [+-] digits ]
//
// Keywords are case-insensitive; string comparison and LIKE are case-sensitive; LIKE knows
// '%' (any run) and '_' (one character) and no escape character. There are no functions and no
// column-to-column comparisons. An expression is at most MaxLen bytes.
//
// # Types
//
// Check resolves every column against the table (case-insensitively, as Glue lower-cases
// column names) and requires the literal's type to match the column's Hive type: strings for
// string/char/varchar/date/timestamp, numbers for the integer, floating and decimal types,
// TRUE/FALSE for boolean; nested fields name struct members. Array and map columns cannot be
// filtered, and partition columns do not take IS [NOT] NULL (AWS's rules).
//
// # Evaluation
//
// Eval returns True, False or Unknown: any comparison with NULL (a missing or nil value) is
// Unknown, NOT Unknown is Unknown, AND/OR follow SQL's truth tables. A row is visible when the
// filter is True.
package rowfilter

import (
	"fmt"
	"strings"
)

// MaxLen is the longest expression accepted, in bytes (the model's limit on FilterExpression).
const MaxLen = 2048

// Error is a parse or type error, positioned at a 1-based byte offset of the expression.
type Error struct {
	Pos int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("row filter: at position %d: %s", e.Pos, e.Msg) }

func errAt(pos int, format string, args ...any) *Error {
	return &Error{Pos: pos + 1, Msg: fmt.Sprintf(format, args...)}
}

// Expr is a node of the AST: *And, *Or, *Not, *Compare, *Between, *In, *Like, *IsNull.
type Expr interface {
	// write prints the node canonically at precedence prec of its context.
	write(b *strings.Builder, prec int)
	pos() int
}

// Column names a column, possibly a nested field (Path has more than one element).
type Column struct {
	Path []string
	Pos  int // 0-based byte offset
}

// String prints the column, quoting elements that are not plain identifiers.
func (c Column) String() string {
	parts := make([]string, len(c.Path))
	for i, p := range c.Path {
		parts[i] = quoteIdent(p)
	}
	return strings.Join(parts, ".")
}

// Kind is the type of a literal.
type Kind int

const (
	String Kind = iota + 1
	Number
	Bool
)

func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Number:
		return "number"
	case Bool:
		return "boolean"
	}
	return "unknown"
}

// Literal is a constant. Text is the canonical source form of a number; Str the decoded string.
type Literal struct {
	Kind Kind
	Str  string  // String
	Num  float64 // Number
	Text string  // Number, as written
	B    bool    // Bool
	Pos  int
}

func (l Literal) String() string {
	switch l.Kind {
	case String:
		return "'" + strings.ReplaceAll(l.Str, "'", "''") + "'"
	case Number:
		return l.Text
	case Bool:
		if l.B {
			return "TRUE"
		}
		return "FALSE"
	}
	return "?"
}

// Op is a comparison operator.
type Op string

const (
	Eq Op = "="
	Ne Op = "<>" // != is read as <>
	Lt Op = "<"
	Le Op = "<="
	Gt Op = ">"
	Ge Op = ">="
)

type (
	// And is a conjunction of two or more terms.
	And struct{ Terms []Expr }
	// Or is a disjunction of two or more terms.
	Or struct{ Terms []Expr }
	// Not negates X.
	Not struct {
		X   Expr
		Pos int
	}
	// Compare is Col Op Value.
	Compare struct {
		Col   Column
		Op    Op
		Value Literal
	}
	// Between is Col [NOT] BETWEEN Lo AND Hi.
	Between struct {
		Col    Column
		Negate bool
		Lo, Hi Literal
	}
	// In is Col [NOT] IN (Values…).
	In struct {
		Col    Column
		Negate bool
		Values []Literal
	}
	// Like is Col [NOT] LIKE Pattern.
	Like struct {
		Col     Column
		Negate  bool
		Pattern Literal
	}
	// IsNull is Col IS [NOT] NULL.
	IsNull struct {
		Col    Column
		Negate bool
	}
)

func (e *And) pos() int     { return e.Terms[0].pos() }
func (e *Or) pos() int      { return e.Terms[0].pos() }
func (e *Not) pos() int     { return e.Pos }
func (e *Compare) pos() int { return e.Col.Pos }
func (e *Between) pos() int { return e.Col.Pos }
func (e *In) pos() int      { return e.Col.Pos }
func (e *Like) pos() int    { return e.Col.Pos }
func (e *IsNull) pos() int  { return e.Col.Pos }

// Precedences for printing: OR < AND < NOT < predicate.
const (
	precOr = iota + 1
	precAnd
	precNot
)

// Print renders e canonically: upper-case keywords, single spaces, parentheses only where
// precedence needs them. Parse(Print(e)) prints the same again.
func Print(e Expr) string {
	var b strings.Builder
	e.write(&b, 0)
	return b.String()
}

func writeJoined(b *strings.Builder, terms []Expr, sep string, prec, ctx int) {
	if ctx > prec {
		b.WriteByte('(')
	}
	for i, t := range terms {
		if i > 0 {
			b.WriteString(sep)
		}
		t.write(b, prec+1)
	}
	if ctx > prec {
		b.WriteByte(')')
	}
}

func (e *And) write(b *strings.Builder, ctx int) { writeJoined(b, e.Terms, " AND ", precAnd, ctx) }
func (e *Or) write(b *strings.Builder, ctx int)  { writeJoined(b, e.Terms, " OR ", precOr, ctx) }
func (e *Not) write(b *strings.Builder, ctx int) {
	b.WriteString("NOT ")
	e.X.write(b, precNot)
}

func not(b *strings.Builder, neg bool) {
	if neg {
		b.WriteString(" NOT")
	}
}

func (e *Compare) write(b *strings.Builder, _ int) {
	b.WriteString(e.Col.String())
	b.WriteString(" " + string(e.Op) + " ")
	b.WriteString(e.Value.String())
}

func (e *Between) write(b *strings.Builder, _ int) {
	b.WriteString(e.Col.String())
	not(b, e.Negate)
	b.WriteString(" BETWEEN " + e.Lo.String() + " AND " + e.Hi.String())
}

func (e *In) write(b *strings.Builder, _ int) {
	b.WriteString(e.Col.String())
	not(b, e.Negate)
	b.WriteString(" IN (")
	for i, v := range e.Values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.String())
	}
	b.WriteByte(')')
}

func (e *Like) write(b *strings.Builder, _ int) {
	b.WriteString(e.Col.String())
	not(b, e.Negate)
	b.WriteString(" LIKE " + e.Pattern.String())
}

func (e *IsNull) write(b *strings.Builder, _ int) {
	b.WriteString(e.Col.String())
	b.WriteString(" IS")
	not(b, e.Negate)
	b.WriteString(" NULL")
}

var keywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "BETWEEN": true, "IN": true, "LIKE": true,
	"IS": true, "NULL": true, "TRUE": true, "FALSE": true,
}

func plainIdent(s string) bool {
	if s == "" || keywords[strings.ToUpper(s)] {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func quoteIdent(s string) string {
	if plainIdent(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// Columns returns the columns e refers to, in order of appearance, each once (compared by their
// printed form).
func Columns(e Expr) []Column {
	var out []Column
	seen := map[string]bool{}
	walk(e, func(c Column) {
		k := strings.ToLower(c.String())
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	})
	return out
}

func walk(e Expr, fn func(Column)) {
	switch e := e.(type) {
	case *And:
		for _, t := range e.Terms {
			walk(t, fn)
		}
	case *Or:
		for _, t := range e.Terms {
			walk(t, fn)
		}
	case *Not:
		walk(e.X, fn)
	case *Compare:
		fn(e.Col)
	case *Between:
		fn(e.Col)
	case *In:
		fn(e.Col)
	case *Like:
		fn(e.Col)
	case *IsNull:
		fn(e.Col)
	}
}

// AnyOf returns the disjunction of es (nil for none, the expression itself for one).
func AnyOf(es ...Expr) Expr {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	return &Or{Terms: flatten[*Or](es)}
}
