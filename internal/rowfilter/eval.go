package rowfilter

import (
	"strings"
	"unicode/utf8"
)

// Truth is a value of SQL's three-valued logic.
type Truth int

const (
	False Truth = iota
	True
	Unknown
)

func (t Truth) String() string {
	switch t {
	case True:
		return "TRUE"
	case False:
		return "FALSE"
	}
	return "UNKNOWN"
}

// Row gives Eval the value of a column or nested field. A missing value or nil is NULL.
// Values are string, bool, any Go integer or float type; other types compare as NULL.
type Row interface {
	Value(path []string) (any, bool)
}

// Map is a Row over a map of column name to value; nested fields are map[string]any values.
// Column names are matched exactly first, then case-insensitively.
type Map map[string]any

// Value implements Row.
func (m Map) Value(path []string) (any, bool) {
	var cur any = map[string]any(m)
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			if mm2, ok2 := cur.(Map); ok2 {
				mm, ok = map[string]any(mm2), true
			}
		}
		if !ok {
			return nil, false
		}
		v, ok := mm[p]
		if !ok {
			for k, vv := range mm {
				if strings.EqualFold(k, p) {
					v, ok = vv, true
					break
				}
			}
		}
		if !ok {
			return nil, false
		}
		cur = v
	}
	return cur, cur != nil
}

// Eval evaluates e over row.
func Eval(e Expr, row Row) Truth {
	switch e := e.(type) {
	case *And:
		out := True
		for _, t := range e.Terms {
			switch Eval(t, row) {
			case False:
				return False
			case Unknown:
				out = Unknown
			}
		}
		return out
	case *Or:
		out := False
		for _, t := range e.Terms {
			switch Eval(t, row) {
			case True:
				return True
			case Unknown:
				out = Unknown
			}
		}
		return out
	case *Not:
		switch Eval(e.X, row) {
		case True:
			return False
		case False:
			return True
		}
		return Unknown
	case *IsNull:
		_, ok := value(row, e.Col)
		return truth(ok == e.Negate)
	case *Compare:
		v, ok := value(row, e.Col)
		if !ok {
			return Unknown
		}
		c, ok := compare(v, e.Value)
		if !ok {
			return Unknown
		}
		switch e.Op {
		case Eq:
			return truth(c == 0)
		case Ne:
			return truth(c != 0)
		case Lt:
			return truth(c < 0)
		case Le:
			return truth(c <= 0)
		case Gt:
			return truth(c > 0)
		case Ge:
			return truth(c >= 0)
		}
		return Unknown
	case *Between:
		v, ok := value(row, e.Col)
		if !ok {
			return Unknown
		}
		lo, ok1 := compare(v, e.Lo)
		hi, ok2 := compare(v, e.Hi)
		if !ok1 || !ok2 {
			return Unknown
		}
		return negate(truth(lo >= 0 && hi <= 0), e.Negate)
	case *In:
		v, ok := value(row, e.Col)
		if !ok {
			return Unknown
		}
		out := False
		for _, l := range e.Values {
			c, ok := compare(v, l)
			if !ok {
				out = Unknown
				continue
			}
			if c == 0 {
				return negate(True, e.Negate)
			}
		}
		return negate(out, e.Negate)
	case *Like:
		v, ok := value(row, e.Col)
		if !ok {
			return Unknown
		}
		s, ok := v.(string)
		if !ok {
			return Unknown
		}
		return negate(truth(like(s, e.Pattern.Str)), e.Negate)
	}
	return Unknown
}

func truth(b bool) Truth {
	if b {
		return True
	}
	return False
}

func negate(t Truth, neg bool) Truth {
	if !neg || t == Unknown {
		return t
	}
	if t == True {
		return False
	}
	return True
}

func value(row Row, c Column) (any, bool) {
	v, ok := row.Value(c.Path)
	if !ok || v == nil {
		return nil, false
	}
	return v, true
}

// compare orders v against l; ok is false when the types do not compare (treated as NULL).
func compare(v any, l Literal) (int, bool) {
	switch l.Kind {
	case String:
		s, ok := v.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(s, l.Str), true
	case Bool:
		b, ok := v.(bool)
		if !ok {
			return 0, false
		}
		switch {
		case b == l.B:
			return 0, true
		case !b:
			return -1, true
		}
		return 1, true
	case Number:
		f, ok := number(v)
		if !ok {
			return 0, false
		}
		switch {
		case f < l.Num:
			return -1, true
		case f > l.Num:
			return 1, true
		case f == l.Num:
			return 0, true
		}
		return 0, false // NaN
	}
	return 0, false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int8:
		return float64(n), true
	case int16:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint8:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float32:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// like matches s against a LIKE pattern ('%' any run, '_' one character), case-sensitively,
// by characters (runes).
func like(s, pat string) bool {
	// Iterative matcher with backtracking to the last '%'.
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		if pi < len(pat) {
			pc, pn := utf8.DecodeRuneInString(pat[pi:])
			switch pc {
			case '%':
				starP, starS = pi, si
				pi += pn
				continue
			case '_':
				_, sn := utf8.DecodeRuneInString(s[si:])
				si += sn
				pi += pn
				continue
			default:
				sc, sn := utf8.DecodeRuneInString(s[si:])
				if sc == pc {
					si += sn
					pi += pn
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, sn := utf8.DecodeRuneInString(s[starS:])
		starS += sn
		si = starS
		pi = starP + 1
	}
	for pi < len(pat) && pat[pi] == '%' {
		pi++
	}
	return pi == len(pat)
}
