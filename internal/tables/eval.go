package tables

import (
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicehq/sluice/internal/rowfilter"
)

// pred evaluates a filter for row i of the bound batch.
type pred func(i int) rowfilter.Truth

// view binds column names to a batch's arrays; when masked, a restricted column's cell is NULL
// unless vis says it is visible.
type view struct {
	index  map[string]int // lower-case column name → slot in cols
	cols   []arrow.Array
	vis    [][]bool // per slot: nil = unrestricted
	masked bool
}

func (v *view) null(slot, i int) bool {
	if v.cols[slot].IsNull(i) {
		return true
	}
	return v.masked && v.vis[slot] != nil && !v.vis[slot][i]
}

// Value implements rowfilter.Row over row i (through rowAt).
type rowAt struct {
	v *view
	i int
}

func (r rowAt) Value(path []string) (any, bool) {
	if len(path) != 1 {
		return nil, false
	}
	slot, ok := r.v.index[strings.ToLower(path[0])]
	if !ok || r.v.null(slot, r.i) {
		return nil, false
	}
	x := valueAt(r.v.cols[slot], r.i)
	return x, x != nil
}

// valueAt returns a cell as rowfilter sees values: int64, float64, string, bool or nil.
// Dates and timestamps are their ISO text; other types their Arrow text form.
func valueAt(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		return string(a.Value(i))
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return int64(a.Value(i))
	case *array.Uint16:
		return int64(a.Value(i))
	case *array.Uint32:
		return int64(a.Value(i))
	case *array.Uint64:
		return float64(a.Value(i))
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC().Format("2006-01-02 15:04:05.999999")
	case *array.Decimal128:
		return a.GetOneForMarshal(i).(string)
	}
	return a.ValueStr(i)
}

// numGetter returns a typed reader of numeric cells, or nil for non-numeric arrays.
func numGetter(a arrow.Array) func(i int) float64 {
	switch a := a.(type) {
	case *array.Int8:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Int16:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Int32:
		v := a.Int32Values()
		return func(i int) float64 { return float64(v[i]) }
	case *array.Int64:
		v := a.Int64Values()
		return func(i int) float64 { return float64(v[i]) }
	case *array.Float32:
		return func(i int) float64 { return float64(a.Value(i)) }
	case *array.Float64:
		v := a.Float64Values()
		return func(i int) float64 { return v[i] }
	}
	return nil
}

func strGetter(a arrow.Array) func(i int) string {
	switch a := a.(type) {
	case *array.String:
		return a.Value
	case *array.LargeString:
		return a.Value
	}
	return nil
}

func truth(b bool) rowfilter.Truth {
	if b {
		return rowfilter.True
	}
	return rowfilter.False
}

// compile turns e into a pred over v: typed closures for comparisons on numeric and string
// arrays; rowfilter.Eval per row for everything else (so both agree).
func (v *view) compile(e rowfilter.Expr) pred {
	switch e := e.(type) {
	case *rowfilter.And:
		ps := make([]pred, len(e.Terms))
		for k, t := range e.Terms {
			ps[k] = v.compile(t)
		}
		return func(i int) rowfilter.Truth {
			out := rowfilter.True
			for _, p := range ps {
				switch p(i) {
				case rowfilter.False:
					return rowfilter.False
				case rowfilter.Unknown:
					out = rowfilter.Unknown
				}
			}
			return out
		}
	case *rowfilter.Or:
		ps := make([]pred, len(e.Terms))
		for k, t := range e.Terms {
			ps[k] = v.compile(t)
		}
		return func(i int) rowfilter.Truth {
			out := rowfilter.False
			for _, p := range ps {
				switch p(i) {
				case rowfilter.True:
					return rowfilter.True
				case rowfilter.Unknown:
					out = rowfilter.Unknown
				}
			}
			return out
		}
	case *rowfilter.Not:
		p := v.compile(e.X)
		return func(i int) rowfilter.Truth {
			switch p(i) {
			case rowfilter.True:
				return rowfilter.False
			case rowfilter.False:
				return rowfilter.True
			}
			return rowfilter.Unknown
		}
	case *rowfilter.IsNull:
		if slot, ok := v.slot(e.Col); ok {
			neg := e.Negate
			return func(i int) rowfilter.Truth { return truth(v.null(slot, i) != neg) }
		}
	case *rowfilter.Compare:
		if p := v.compileCompare(e); p != nil {
			return p
		}
	case *rowfilter.Between:
		lo := v.compileCompare(&rowfilter.Compare{Col: e.Col, Op: rowfilter.Ge, Value: e.Lo})
		hi := v.compileCompare(&rowfilter.Compare{Col: e.Col, Op: rowfilter.Le, Value: e.Hi})
		if lo != nil && hi != nil {
			neg := e.Negate
			return func(i int) rowfilter.Truth {
				a, b := lo(i), hi(i)
				if a == rowfilter.Unknown || b == rowfilter.Unknown {
					return rowfilter.Unknown
				}
				return truth((a == rowfilter.True && b == rowfilter.True) != neg)
			}
		}
	case *rowfilter.In:
		if p := v.compileIn(e); p != nil {
			return p
		}
	}
	return func(i int) rowfilter.Truth { return rowfilter.Eval(e, rowAt{v, i}) }
}

func (v *view) slot(c rowfilter.Column) (int, bool) {
	if len(c.Path) != 1 {
		return 0, false
	}
	s, ok := v.index[strings.ToLower(c.Path[0])]
	return s, ok
}

func cmpOp(op rowfilter.Op, c int) bool {
	switch op {
	case rowfilter.Eq:
		return c == 0
	case rowfilter.Ne:
		return c != 0
	case rowfilter.Lt:
		return c < 0
	case rowfilter.Le:
		return c <= 0
	case rowfilter.Gt:
		return c > 0
	case rowfilter.Ge:
		return c >= 0
	}
	return false
}

func (v *view) compileCompare(e *rowfilter.Compare) pred {
	slot, ok := v.slot(e.Col)
	if !ok {
		return nil
	}
	op := e.Op
	switch e.Value.Kind {
	case rowfilter.Number:
		get := numGetter(v.cols[slot])
		if get == nil {
			return nil
		}
		lit := e.Value.Num
		return func(i int) rowfilter.Truth {
			if v.null(slot, i) {
				return rowfilter.Unknown
			}
			f := get(i)
			switch {
			case f < lit:
				return truth(cmpOp(op, -1))
			case f > lit:
				return truth(cmpOp(op, 1))
			case f == lit:
				return truth(cmpOp(op, 0))
			}
			return rowfilter.Unknown
		}
	case rowfilter.String:
		get := strGetter(v.cols[slot])
		if get == nil {
			return nil
		}
		lit := e.Value.Str
		return func(i int) rowfilter.Truth {
			if v.null(slot, i) {
				return rowfilter.Unknown
			}
			return truth(cmpOp(op, strings.Compare(get(i), lit)))
		}
	}
	return nil
}

func (v *view) compileIn(e *rowfilter.In) pred {
	slot, ok := v.slot(e.Col)
	if !ok {
		return nil
	}
	get := strGetter(v.cols[slot])
	if get == nil {
		return nil
	}
	set := map[string]bool{}
	for _, l := range e.Values {
		if l.Kind != rowfilter.String {
			return nil // mixed kinds: Unknown rules are subtle; let Eval decide
		}
		set[l.Str] = true
	}
	neg := e.Negate
	return func(i int) rowfilter.Truth {
		if v.null(slot, i) {
			return rowfilter.Unknown
		}
		return truth(set[get(i)] != neg)
	}
}

var _ = time.Time{}
