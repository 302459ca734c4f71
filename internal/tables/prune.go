package tables

// Row-group skipping.
//
// A Parquet row group carries per-column statistics: the number of NULLs and the smallest and
// largest non-NULL value. For each filter the plan applies, prune computes the set of truth
// values (TRUE, FALSE, UNKNOWN) that any row of the group could give it, an over-approximation
// built leaf by leaf from the statistics and combined with SQL's three-valued truth tables. A
// group is skipped when TRUE is not in the set of the principal's row filter or of the caller's
// where clause: no row of it could be returned.
//
// Soundness rests on three rules:
//
//   - statistics only bound values as the evaluator sees them (valueAt): signed integers and
//     floats as float64, strings and dates as text ("2006-01-02" sorts like the date for years
//     0000–9999), booleans; any other type, unsigned integers, decimals, timestamps, binary
//     statistics without the type-defined column order, NaN bounds or statistics the Parquet
//     library distrusts give no bounds at all;
//   - float columns may hold NaN, which statistics leave out and every comparison finds
//     UNKNOWN, so a float comparison can always be UNKNOWN;
//   - the where clause sees a column with a cell filter masked: each such cell is its raw
//     value or NULL. Its bounds still hold for the non-NULL cells, so the where clause is
//     analysed with NULL made possible on those columns (a where clause can therefore skip a
//     group, but never because of a value a cell filter hides).

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/sluicehq/sluice/internal/rowfilter"
)

// truths is a set of rowfilter.Truth values.
type truths uint8

const (
	canTrue truths = 1 << iota
	canFalse
	canUnknown
	anyTruth = canTrue | canFalse | canUnknown
)

func (s truths) has(t truths) bool { return s&t != 0 }

// String lists the set, for test failures.
func (s truths) String() string {
	var parts []string
	for _, x := range []struct {
		t    truths
		name string
	}{{canTrue, "T"}, {canFalse, "F"}, {canUnknown, "U"}} {
		if s.has(x.t) {
			parts = append(parts, x.name)
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func oneTruth(t rowfilter.Truth) truths {
	switch t {
	case rowfilter.True:
		return canTrue
	case rowfilter.False:
		return canFalse
	}
	return canUnknown
}

// combine applies a binary truth table to every pair of members.
func combine(a, b truths, op func(x, y rowfilter.Truth) rowfilter.Truth) truths {
	var out truths
	for _, x := range []rowfilter.Truth{rowfilter.True, rowfilter.False, rowfilter.Unknown} {
		if !a.has(oneTruth(x)) {
			continue
		}
		for _, y := range []rowfilter.Truth{rowfilter.True, rowfilter.False, rowfilter.Unknown} {
			if b.has(oneTruth(y)) {
				out |= oneTruth(op(x, y))
			}
		}
	}
	return out
}

func and3(x, y rowfilter.Truth) rowfilter.Truth {
	switch {
	case x == rowfilter.False || y == rowfilter.False:
		return rowfilter.False
	case x == rowfilter.Unknown || y == rowfilter.Unknown:
		return rowfilter.Unknown
	}
	return rowfilter.True
}

func or3(x, y rowfilter.Truth) rowfilter.Truth {
	switch {
	case x == rowfilter.True || y == rowfilter.True:
		return rowfilter.True
	case x == rowfilter.Unknown || y == rowfilter.Unknown:
		return rowfilter.Unknown
	}
	return rowfilter.False
}

// negate swaps TRUE and FALSE; UNKNOWN stays.
func (s truths) negate() truths {
	out := s & canUnknown
	if s.has(canTrue) {
		out |= canFalse
	}
	if s.has(canFalse) {
		out |= canTrue
	}
	return out
}

func (s truths) negateIf(neg bool) truths {
	if neg {
		return s.negate()
	}
	return s
}

// colStats is what a row group's statistics say about one column. Kind is the literal kind
// its values compare with (0 = no bounds known); bounds are Lo..Hi for numbers and booleans
// (false = 0, true = 1) and SLo..SHi for strings and dates. Nulls is the number of NULL cells
// (-1 = unknown) among Rows.
type colStats struct {
	Kind     rowfilter.Kind
	Lo, Hi   float64
	SLo, SHi string
	NaN      bool // values may be NaN (float columns)
	Nulls    int64
	Rows     int64
}

// unknownStats says nothing about a column.
var unknownStats = colStats{Nulls: -1}

func (c colStats) nullPossible() bool { return c.Nulls != 0 }
func (c colStats) allNull() bool      { return c.Nulls >= 0 && c.Nulls == c.Rows }

// lookupStats gives the statistics of a column by lower-case name; ok = false when unknown.
type lookupStats func(name string) (colStats, bool)

// possible returns the truth values that e could take on some row of a group described by
// stats. Columns named in masked (lower-case) may additionally be NULL on any row.
func possible(e rowfilter.Expr, stats lookupStats, masked map[string]bool) truths {
	switch e := e.(type) {
	case *rowfilter.And:
		out := canTrue
		for _, t := range e.Terms {
			out = combine(out, possible(t, stats, masked), and3)
		}
		return out
	case *rowfilter.Or:
		out := canFalse
		for _, t := range e.Terms {
			out = combine(out, possible(t, stats, masked), or3)
		}
		return out
	case *rowfilter.Not:
		return possible(e.X, stats, masked).negate()
	}
	col, ok := leafColumn(e)
	if !ok || len(col.Path) != 1 {
		return anyTruth
	}
	name := strings.ToLower(col.Path[0])
	cs, ok := stats(name)
	if !ok {
		return anyTruth
	}
	if masked[name] && cs.Nulls == 0 {
		cs.Nulls = -1
	}
	if e, ok := e.(*rowfilter.IsNull); ok {
		var out truths
		if cs.nullPossible() {
			out |= canTrue
		}
		if !cs.allNull() {
			out |= canFalse
		}
		return out.negateIf(e.Negate)
	}
	var out truths
	if cs.nullPossible() {
		out |= canUnknown
	}
	if cs.allNull() {
		return out
	}
	if cs.Kind == 0 {
		return anyTruth
	}
	if cs.NaN {
		out |= canUnknown
	}
	return out | valueTruths(e, cs)
}

// leafColumn is the column a predicate tests.
func leafColumn(e rowfilter.Expr) (rowfilter.Column, bool) {
	switch e := e.(type) {
	case *rowfilter.Compare:
		return e.Col, true
	case *rowfilter.Between:
		return e.Col, true
	case *rowfilter.In:
		return e.Col, true
	case *rowfilter.Like:
		return e.Col, true
	case *rowfilter.IsNull:
		return e.Col, true
	}
	return rowfilter.Column{}, false
}

// cmpLit orders a bound against a literal of the column's kind.
func cmpLit(cs colStats, hi bool, l rowfilter.Literal) int {
	if cs.Kind == rowfilter.String {
		b := cs.SLo
		if hi {
			b = cs.SHi
		}
		return strings.Compare(b, l.Str)
	}
	b, x := cs.Lo, l.Num
	if hi {
		b = cs.Hi
	}
	if l.Kind == rowfilter.Bool {
		x = 0
		if l.B {
			x = 1
		}
	}
	switch {
	case b < x:
		return -1
	case b > x:
		return 1
	}
	return 0
}

// cmpLits orders two literals of the same kind.
func cmpLits(a, b rowfilter.Literal) int {
	switch a.Kind {
	case rowfilter.String:
		return strings.Compare(a.Str, b.Str)
	case rowfilter.Bool:
		switch {
		case a.B == b.B:
			return 0
		case !a.B:
			return -1
		}
		return 1
	}
	switch {
	case a.Num < b.Num:
		return -1
	case a.Num > b.Num:
		return 1
	}
	return 0
}

func okLit(cs colStats, l rowfilter.Literal) bool {
	return l.Kind == cs.Kind && !(l.Kind == rowfilter.Number && math.IsNaN(l.Num))
}

// valueTruths is the truth values a predicate can take on the group's non-NULL cells, whose
// values lie within the bounds of cs.
func valueTruths(e rowfilter.Expr, cs colStats) truths {
	switch e := e.(type) {
	case *rowfilter.Compare:
		if !okLit(cs, e.Value) {
			return canUnknown
		}
		lo, hi := cmpLit(cs, false, e.Value), cmpLit(cs, true, e.Value)
		var t, f bool
		switch e.Op {
		case rowfilter.Eq, rowfilter.Ne:
			t, f = lo <= 0 && hi >= 0, !(lo == 0 && hi == 0)
			if e.Op == rowfilter.Ne {
				t, f = f, t
			}
		case rowfilter.Lt:
			t, f = lo < 0, hi >= 0
		case rowfilter.Le:
			t, f = lo <= 0, hi > 0
		case rowfilter.Gt:
			t, f = hi > 0, lo <= 0
		case rowfilter.Ge:
			t, f = hi >= 0, lo < 0
		default:
			return anyTruth
		}
		return pick(t, f)
	case *rowfilter.Between:
		if !okLit(cs, e.Lo) || !okLit(cs, e.Hi) {
			return canUnknown
		}
		empty := cmpLits(e.Lo, e.Hi) > 0
		t := !empty && cmpLit(cs, true, e.Lo) >= 0 && cmpLit(cs, false, e.Hi) <= 0
		f := empty || cmpLit(cs, false, e.Lo) < 0 || cmpLit(cs, true, e.Hi) > 0
		return pick(t, f).negateIf(e.Negate)
	case *rowfilter.In:
		var match truths
		miss := canFalse
		single := cmpBounds(cs) == 0
		allMatch := false
		for _, l := range e.Values {
			if !okLit(cs, l) {
				miss = canUnknown // a value that matches no literal compares UNKNOWN with this one
				continue
			}
			lo, hi := cmpLit(cs, false, l), cmpLit(cs, true, l)
			if lo <= 0 && hi >= 0 {
				match = canTrue
				if single {
					allMatch = true
				}
			}
		}
		out := match
		if !allMatch {
			out |= miss
		}
		return out.negateIf(e.Negate)
	case *rowfilter.Like:
		if cs.Kind != rowfilter.String || e.Pattern.Kind != rowfilter.String {
			return canUnknown
		}
		p := likePrefix(e.Pattern.Str)
		t := true
		if p != "" && (cs.SHi < p || cs.SLo > p && !strings.HasPrefix(cs.SLo, p)) {
			t = false // every value sorts outside the strings that start with p
		}
		return pick(t, true).negateIf(e.Negate)
	}
	return anyTruth
}

// cmpBounds orders the lower bound against the upper one (0: a single value).
func cmpBounds(cs colStats) int {
	if cs.Kind == rowfilter.String {
		return strings.Compare(cs.SLo, cs.SHi)
	}
	switch {
	case cs.Lo < cs.Hi:
		return -1
	case cs.Lo > cs.Hi:
		return 1
	}
	return 0
}

func pick(t, f bool) truths {
	var out truths
	if t {
		out |= canTrue
	}
	if f {
		out |= canFalse
	}
	return out
}

// likePrefix is the literal text a LIKE pattern starts with: every matching string starts with
// these bytes. Empty when unusable (wildcard first, or text whose runes could match invalid
// UTF-8 in a value).
func likePrefix(pat string) string {
	i := strings.IndexAny(pat, "%_")
	if i < 0 {
		i = len(pat)
	}
	p := pat[:i]
	if !utf8.ValidString(p) || strings.ContainsRune(p, utf8.RuneError) {
		return ""
	}
	return p
}

// pruner decides whether a row group can hold a visible row.
type pruner struct {
	rowFilter rowfilter.Expr  // evaluated over raw values
	where     rowfilter.Expr  // evaluated over masked values
	masked    map[string]bool // lower-case names of columns with a cell filter
	cols      []string        // lower-case names the filters reference
}

// newPruner returns nil when there is nothing to prune with.
func newPruner(rowFilter, where rowfilter.Expr, masked map[string]bool) *pruner {
	if rowFilter == nil && where == nil {
		return nil
	}
	pr := &pruner{rowFilter: rowFilter, where: where, masked: masked}
	seen := map[string]bool{}
	for _, e := range []rowfilter.Expr{rowFilter, where} {
		if e == nil {
			continue
		}
		for _, c := range rowfilter.Columns(e) {
			n := strings.ToLower(c.Path[0])
			if len(c.Path) == 1 && !seen[n] {
				seen[n] = true
				pr.cols = append(pr.cols, n)
			}
		}
	}
	return pr
}

// skip reports whether no row of a group described by stats can pass both filters.
func (pr *pruner) skip(stats lookupStats) bool {
	if pr.rowFilter != nil && !possible(pr.rowFilter, stats, nil).has(canTrue) {
		return true
	}
	return pr.where != nil && !possible(pr.where, stats, pr.masked).has(canTrue)
}

// chunkStats converts a column chunk's statistics into bounds as the evaluator sees the
// column's values (typ is the Arrow type the reader produces); rows is the group's row count.
func chunkStats(typ arrow.DataType, cc *metadata.ColumnChunkMetaData, rows int64) colStats {
	cs := colStats{Nulls: -1, Rows: rows}
	st, err := cc.Statistics()
	if err != nil || st == nil {
		return cs
	}
	if st.HasNullCount() {
		cs.Nulls = st.NullCount()
	}
	if !st.HasMinMax() {
		return cs
	}
	descr := st.Descr()
	if d, ok := typ.(*arrow.DictionaryType); ok {
		typ = d.ValueType // read dictionary-encoded; the values are what the evaluator sees
	}
	switch typ.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		if lt, ok := descr.LogicalType().(schema.IntLogicalType); ok && !lt.IsSigned() {
			return cs
		}
		switch s := st.(type) {
		case *metadata.Int32Statistics:
			cs.Kind, cs.Lo, cs.Hi = rowfilter.Number, float64(s.Min()), float64(s.Max())
		case *metadata.Int64Statistics:
			cs.Kind, cs.Lo, cs.Hi = rowfilter.Number, float64(s.Min()), float64(s.Max())
		}
	case arrow.FLOAT32, arrow.FLOAT64:
		var lo, hi float64
		switch s := st.(type) {
		case *metadata.Float32Statistics:
			lo, hi = float64(s.Min()), float64(s.Max())
		case *metadata.Float64Statistics:
			lo, hi = s.Min(), s.Max()
		default:
			return cs
		}
		if math.IsNaN(lo) || math.IsNaN(hi) || lo > hi {
			return cs
		}
		cs.Kind, cs.Lo, cs.Hi, cs.NaN = rowfilter.Number, lo, hi, true
	case arrow.BOOL:
		if s, ok := st.(*metadata.BooleanStatistics); ok {
			cs.Kind, cs.Lo, cs.Hi = rowfilter.Bool, b2f(s.Min()), b2f(s.Max())
		}
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY:
		s, ok := st.(*metadata.ByteArrayStatistics)
		if !ok || descr.ColumnOrder() != parquet.ColumnOrders.TypeDefinedOrder {
			return cs // legacy min/max fields: their byte order is not reliable
		}
		switch descr.LogicalType().(type) {
		case schema.StringLogicalType, schema.NoLogicalType, nil:
		default:
			return cs
		}
		cs.Kind, cs.SLo, cs.SHi = rowfilter.String, string(s.Min()), string(s.Max())
	case arrow.DATE32:
		s, ok := st.(*metadata.Int32Statistics)
		if !ok {
			return cs
		}
		switch descr.LogicalType().(type) {
		case schema.DateLogicalType:
		default:
			return cs
		}
		lo, hi := arrow.Date32(s.Min()).ToTime(), arrow.Date32(s.Max()).ToTime()
		if !isoYear(lo) || !isoYear(hi) {
			return cs // outside 0000–9999 the text does not sort like the date
		}
		cs.Kind, cs.SLo, cs.SHi = rowfilter.String, lo.Format("2006-01-02"), hi.Format("2006-01-02")
	}
	if cs.Kind != 0 && cmpBounds(cs) > 0 {
		cs.Kind = 0 // min above max: not trusted
	}
	return cs
}

func isoYear(t time.Time) bool { return t.Year() >= 0 && t.Year() <= 9999 }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
