package tables

// Column-at-a-time filter evaluation.
//
// A filter is compiled once per scan into a tree of vnodes; each evaluates its predicate for
// every row of a batch into a slice of truth values (tF, tT, tU, the numeric values of
// rowfilter.False, True and Unknown), typed loops over Arrow buffers for comparisons, BETWEEN
// and IN on integer, float and string arrays and for IS NULL, and rowfilter.Eval row by row for
// everything else, so both agree by construction.

import (
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"

	"github.com/sluicehq/sluice/internal/rowfilter"
)

const (
	tF = uint8(rowfilter.False)
	tT = uint8(rowfilter.True)
	tU = uint8(rowfilter.Unknown)
)

// Truth tables indexed by a*3+b.
var (
	and3Tab = [9]uint8{tF, tF, tF, tF, tT, tU, tF, tU, tU}
	or3Tab  = [9]uint8{tF, tT, tU, tT, tT, tT, tU, tT, tU}
	notTab  = [3]uint8{tT, tF, tU}
)

// vnode evaluates a filter for the first len(out) rows of v.
type vnode interface {
	eval(v *view, out []uint8)
}

// grow returns buf resized to n, reallocating only when too small.
func grow(buf []uint8, n int) []uint8 {
	if cap(buf) < n {
		return make([]uint8, n)
	}
	return buf[:n]
}

// compileVec compiles e against the columns of index (lower-case name → slot).
func compileVec(e rowfilter.Expr, index map[string]int) vnode {
	slot := func(c rowfilter.Column) (int, bool) {
		if len(c.Path) != 1 {
			return 0, false
		}
		s, ok := index[strings.ToLower(c.Path[0])]
		return s, ok
	}
	switch e := e.(type) {
	case *rowfilter.And:
		n := &joinNode{tab: &and3Tab}
		for _, t := range e.Terms {
			n.kids = append(n.kids, compileVec(t, index))
		}
		return n
	case *rowfilter.Or:
		n := &joinNode{tab: &or3Tab}
		for _, t := range e.Terms {
			n.kids = append(n.kids, compileVec(t, index))
		}
		return n
	case *rowfilter.Not:
		return &notNode{x: compileVec(e.X, index)}
	case *rowfilter.IsNull:
		if s, ok := slot(e.Col); ok {
			return &isNullNode{slot: s, negate: e.Negate}
		}
	case *rowfilter.Compare:
		if s, ok := slot(e.Col); ok && e.Value.Kind != rowfilter.Bool {
			return &cmpNode{e: e, slot: s, lo: e.Value, tab: cmpTab(e.Op)}
		}
	case *rowfilter.Between:
		if s, ok := slot(e.Col); ok && e.Lo.Kind == e.Hi.Kind && e.Lo.Kind != rowfilter.Bool {
			return &cmpNode{e: e, slot: s, between: true, lo: e.Lo, hi: e.Hi, negate: e.Negate}
		}
	case *rowfilter.In:
		if s, ok := slot(e.Col); ok {
			n := &inNode{e: e, slot: s, negate: e.Negate, kind: e.Values[0].Kind}
			for _, l := range e.Values {
				if l.Kind != n.kind || l.Kind == rowfilter.Number && math.IsNaN(l.Num) {
					n.kind = 0 // mixed kinds: let Eval decide
				}
			}
			if n.kind == rowfilter.String {
				n.strs = map[string]bool{}
				for _, l := range e.Values {
					n.strs[l.Str] = true
				}
			} else if n.kind == rowfilter.Number {
				for _, l := range e.Values {
					n.nums = append(n.nums, l.Num)
				}
			}
			if n.kind == rowfilter.String || n.kind == rowfilter.Number {
				return n
			}
		}
	}
	return &evalNode{e: e}
}

// cmpTab is the truth of "value op literal" for a value less than, equal to and greater than
// the literal.
func cmpTab(op rowfilter.Op) [3]uint8 {
	var t [3]uint8
	for c := -1; c <= 1; c++ {
		t[c+1] = uint8(truth(cmpOp(op, c)))
	}
	return t
}

type joinNode struct {
	kids []vnode
	tab  *[9]uint8
	tmp  []uint8
}

func (n *joinNode) eval(v *view, out []uint8) {
	n.kids[0].eval(v, out)
	n.tmp = grow(n.tmp, len(out))
	for _, k := range n.kids[1:] {
		k.eval(v, n.tmp)
		for i, b := range n.tmp {
			out[i] = n.tab[out[i]*3+b]
		}
	}
}

type notNode struct{ x vnode }

func (n *notNode) eval(v *view, out []uint8) {
	n.x.eval(v, out)
	for i, a := range out {
		out[i] = notTab[a]
	}
}

// evalNode is the row-by-row fallback.
type evalNode struct{ e rowfilter.Expr }

func (n *evalNode) eval(v *view, out []uint8) {
	for i := range out {
		out[i] = uint8(rowfilter.Eval(n.e, rowAt{v, i}))
	}
}

// setNull writes val for every row whose cell in slot is NULL or (masked) hidden.
func setNull(v *view, slot int, out []uint8, val uint8) {
	a := v.cols[slot]
	if a.NullN() > 0 {
		bits, off := a.NullBitmapBytes(), a.Data().Offset()
		for i := range out {
			if !bitutil.BitIsSet(bits, off+i) {
				out[i] = val
			}
		}
	}
	if v.masked && v.vis[slot] != nil {
		for i, ok := range v.vis[slot][:len(out)] {
			if !ok {
				out[i] = val
			}
		}
	}
}

type isNullNode struct {
	slot   int
	negate bool
}

func (n *isNullNode) eval(v *view, out []uint8) {
	notNull, null := tF, tT
	if n.negate {
		notNull, null = tT, tF
	}
	for i := range out {
		out[i] = notNull
	}
	setNull(v, n.slot, out, null)
}

// cmpNode is a comparison (tab) or a BETWEEN of a number or string column with literals of
// its kind; other arrays fall back to Eval.
type cmpNode struct {
	e       rowfilter.Expr
	slot    int
	between bool
	negate  bool
	lo, hi  rowfilter.Literal
	tab     [3]uint8
}

func (n *cmpNode) eval(v *view, out []uint8) {
	a := v.cols[n.slot]
	ok := false
	switch n.lo.Kind {
	case rowfilter.Number:
		ok = n.evalNum(a, out)
	case rowfilter.String:
		ok = n.evalStr(a, out)
	}
	if !ok {
		(&evalNode{e: n.e}).eval(v, out)
		return
	}
	setNull(v, n.slot, out, tU)
}

// num compares x with the node's literal(s).
func (n *cmpNode) num(x float64) uint8 {
	if n.between {
		if x != x {
			return tU
		}
		in := x >= n.lo.Num && x <= n.hi.Num
		if in != n.negate {
			return tT
		}
		return tF
	}
	switch {
	case x < n.lo.Num:
		return n.tab[0]
	case x > n.lo.Num:
		return n.tab[2]
	case x == n.lo.Num:
		return n.tab[1]
	}
	return tU // NaN
}

func numLoop[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | float32 | float64](vals []T, out []uint8, f func(float64) uint8) {
	for i := range out {
		out[i] = f(float64(vals[i]))
	}
}

func (n *cmpNode) evalNum(a arrow.Array, out []uint8) bool {
	if math.IsNaN(n.lo.Num) || n.between && math.IsNaN(n.hi.Num) {
		return false
	}
	// The common types without a call per row.
	switch a := a.(type) {
	case *array.Int64:
		for i, x := range a.Int64Values()[:len(out)] {
			out[i] = n.num(float64(x))
		}
		return true
	case *array.Float64:
		for i, x := range a.Float64Values()[:len(out)] {
			out[i] = n.num(x)
		}
		return true
	}
	return numValues(a, out, n.num)
}

// numValues applies f to every value of a numeric array as float64; false for other arrays.
func numValues(a arrow.Array, out []uint8, f func(float64) uint8) bool {
	switch a := a.(type) {
	case *array.Int8:
		numLoop(a.Int8Values(), out, f)
	case *array.Int16:
		numLoop(a.Int16Values(), out, f)
	case *array.Int32:
		numLoop(a.Int32Values(), out, f)
	case *array.Int64:
		numLoop(a.Int64Values(), out, f)
	case *array.Uint8:
		numLoop(a.Uint8Values(), out, f)
	case *array.Uint16:
		numLoop(a.Uint16Values(), out, f)
	case *array.Uint32:
		numLoop(a.Uint32Values(), out, f)
	case *array.Float32:
		numLoop(a.Float32Values(), out, f)
	case *array.Float64:
		numLoop(a.Float64Values(), out, f)
	default:
		return false
	}
	return true
}

func (n *cmpNode) str(s string) uint8 {
	if n.between {
		in := s >= n.lo.Str && s <= n.hi.Str
		if in != n.negate {
			return tT
		}
		return tF
	}
	if n.tab[0] == n.tab[2] { // = and <>: equality decides
		if s == n.lo.Str {
			return n.tab[1]
		}
		return n.tab[0]
	}
	return n.tab[strings.Compare(s, n.lo.Str)+1]
}

func (n *cmpNode) evalStr(a arrow.Array, out []uint8) bool {
	switch a := a.(type) {
	case *array.String:
		for i := range out {
			out[i] = n.str(a.Value(i))
		}
	case *array.LargeString:
		for i := range out {
			out[i] = n.str(a.Value(i))
		}
	case *array.Dictionary:
		return dictLoop(a, out, n.str)
	default:
		return false
	}
	return true
}

// dictLoop applies f to each value of a dictionary of strings once and maps the indices;
// false for other dictionaries. Rows with a NULL index get UNKNOWN (callers overwrite them).
func dictLoop(a *array.Dictionary, out []uint8, f func(string) uint8) bool {
	vals, ok := a.Dictionary().(*array.String)
	idx, ok2 := a.Indices().(*array.Int32)
	if !ok || !ok2 || vals.NullN() > 0 {
		return false
	}
	byVal := make([]uint8, vals.Len())
	for k := range byVal {
		byVal[k] = f(vals.Value(k))
	}
	for i, k := range idx.Int32Values()[:len(out)] {
		if uint(k) < uint(len(byVal)) {
			out[i] = byVal[k]
		} else {
			out[i] = tU
		}
	}
	return true
}

// inNode is IN over a number or string column with literals of that kind only.
type inNode struct {
	e      rowfilter.Expr
	slot   int
	negate bool
	kind   rowfilter.Kind
	strs   map[string]bool
	nums   []float64
}

func (n *inNode) eval(v *view, out []uint8) {
	a := v.cols[n.slot]
	hit, miss := tT, tF
	if n.negate {
		hit, miss = tF, tT
	}
	ok := false
	switch n.kind {
	case rowfilter.String:
		ok = true
		switch a := a.(type) {
		case *array.String:
			for i := range out {
				out[i] = miss
				if n.strs[a.Value(i)] {
					out[i] = hit
				}
			}
		case *array.LargeString:
			for i := range out {
				out[i] = miss
				if n.strs[a.Value(i)] {
					out[i] = hit
				}
			}
		case *array.Dictionary:
			ok = dictLoop(a, out, func(s string) uint8 {
				if n.strs[s] {
					return hit
				}
				return miss
			})
		default:
			ok = false
		}
	case rowfilter.Number:
		ok = numValues(a, out, func(x float64) uint8 {
			if x != x {
				return tU
			}
			for _, l := range n.nums {
				if x == l {
					return hit
				}
			}
			return miss
		})
	}
	if !ok {
		(&evalNode{e: n.e}).eval(v, out)
		return
	}
	setNull(v, n.slot, out, tU)
}
