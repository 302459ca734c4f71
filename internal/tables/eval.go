package tables

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicehq/sluice/internal/rowfilter"
)

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
	case *array.Dictionary:
		return valueAt(a.Dictionary(), a.GetValueIndex(i))
	}
	return a.ValueStr(i)
}

func truth(b bool) rowfilter.Truth {
	if b {
		return rowfilter.True
	}
	return rowfilter.False
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
