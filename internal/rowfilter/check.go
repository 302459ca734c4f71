package rowfilter

import (
	"fmt"
	"strings"
)

// ColumnType is a table column as Check sees it: its name, Hive type and whether it is a
// partition key.
type ColumnType struct {
	Name      string
	Type      string // string, varchar(10), int, bigint, decimal(10,2), boolean, date, struct<a:int,b:string>…
	Partition bool
}

// Check type-checks e against a table's columns: every column exists, nested fields name
// struct members, literal types match, no array/map columns, no IS NULL on partition columns.
func Check(e Expr, cols []ColumnType) error {
	byName := make(map[string]ColumnType, len(cols))
	for _, c := range cols {
		byName[strings.ToLower(c.Name)] = c
	}
	var err error
	visit(e, func(n Expr) {
		if err != nil {
			return
		}
		err = checkNode(n, byName)
	})
	return err
}

func visit(e Expr, fn func(Expr)) {
	switch e := e.(type) {
	case *And:
		for _, t := range e.Terms {
			visit(t, fn)
		}
	case *Or:
		for _, t := range e.Terms {
			visit(t, fn)
		}
	case *Not:
		visit(e.X, fn)
	default:
		fn(e)
	}
}

func checkNode(n Expr, cols map[string]ColumnType) error {
	var col Column
	var lits []Literal
	isNull := false
	switch n := n.(type) {
	case *Compare:
		col, lits = n.Col, []Literal{n.Value}
	case *Between:
		col, lits = n.Col, []Literal{n.Lo, n.Hi}
	case *In:
		col, lits = n.Col, n.Values
	case *Like:
		col, lits = n.Col, []Literal{n.Pattern}
	case *IsNull:
		col, isNull = n.Col, true
	}
	c, ok := cols[strings.ToLower(col.Path[0])]
	if !ok {
		return errAt(col.Pos, "unknown column %s", quoteIdent(col.Path[0]))
	}
	if isNull && c.Partition {
		return errAt(col.Pos, "IS NULL is not supported on partition column %s", quoteIdent(c.Name))
	}
	typ := c.Type
	for i, f := range col.Path[1:] {
		fields, ok := structFields(typ)
		if !ok {
			return errAt(col.Pos, "%s is not a struct, it has no field %s", Column{Path: col.Path[:i+1]}, quoteIdent(f))
		}
		ft, ok := fields[strings.ToLower(f)]
		if !ok {
			return errAt(col.Pos, "struct %s has no field %s", quoteIdent(c.Name), quoteIdent(f))
		}
		typ = ft
	}
	want, err := kindOf(typ)
	if err != nil {
		return errAt(col.Pos, "column %s: %v", col, err)
	}
	if _, isLike := n.(*Like); isLike && want != String {
		return errAt(col.Pos, "LIKE needs a string column, %s is %s", col, typ)
	}
	for _, l := range lits {
		if l.Kind != want {
			return errAt(l.Pos, "type mismatch: column %s is %s, literal %s is a %s", col, typ, l, l.Kind)
		}
	}
	return nil
}

// kindOf maps a Hive type to the literal kind it compares with.
func kindOf(typ string) (Kind, error) {
	t := strings.ToLower(strings.TrimSpace(typ))
	base := t
	if i := strings.IndexAny(t, "(<"); i >= 0 {
		base = strings.TrimSpace(t[:i])
	}
	switch base {
	case "string", "char", "varchar", "date", "timestamp":
		return String, nil
	case "tinyint", "smallint", "int", "integer", "bigint", "long", "float", "double", "decimal", "numeric", "real":
		return Number, nil
	case "boolean", "bool":
		return Bool, nil
	case "array", "map":
		return 0, fmt.Errorf("%s columns cannot be used in row filters", base)
	case "struct":
		return 0, fmt.Errorf("a struct is compared through its fields (a.b)")
	}
	return 0, fmt.Errorf("unsupported type %s", typ)
}

// structFields parses struct<a:int,b:struct<c:string>> into its top-level fields.
func structFields(typ string) (map[string]string, bool) {
	t := strings.TrimSpace(typ)
	if len(t) < 8 || !strings.EqualFold(t[:7], "struct<") || t[len(t)-1] != '>' {
		return nil, false
	}
	body := t[7 : len(t)-1]
	fields := map[string]string{}
	depth, start := 0, 0
	add := func(part string) bool {
		name, ft, ok := strings.Cut(part, ":")
		if !ok {
			return false
		}
		fields[strings.ToLower(strings.TrimSpace(name))] = strings.TrimSpace(ft)
		return true
	}
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '<', '(':
			depth++
		case '>', ')':
			depth--
		case ',':
			if depth == 0 {
				if !add(body[start:i]) {
					return nil, false
				}
				start = i + 1
			}
		}
	}
	if !add(body[start:]) {
		return nil, false
	}
	return fields, true
}
