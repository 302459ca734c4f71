package tables

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/rowfilter"
)

func numStats(lo, hi float64, nulls, rows int64) colStats {
	return colStats{Kind: rowfilter.Number, Lo: lo, Hi: hi, Nulls: nulls, Rows: rows}
}

func strStats(lo, hi string, nulls, rows int64) colStats {
	return colStats{Kind: rowfilter.String, SLo: lo, SHi: hi, Nulls: nulls, Rows: rows}
}

// pruneStats is one row group: n in 10..20 (no NULLs), f a float column in -1.5..2.5 with one
// NULL, s in "b".."d" (no NULLs), d dates in 2020-01-01..2020-12-31 (NULL count unknown), b
// all TRUE, z all NULL, u with no statistics.
var pruneStats = map[string]colStats{
	"n":   numStats(10, 20, 0, 10),
	"f":   {Kind: rowfilter.Number, Lo: -1.5, Hi: 2.5, NaN: true, Nulls: 1, Rows: 10},
	"s":   strStats("b", "d", 0, 10),
	"d":   strStats("2020-01-01", "2020-12-31", -1, 10),
	"b":   {Kind: rowfilter.Bool, Lo: 1, Hi: 1, Nulls: 0, Rows: 10},
	"z":   {Nulls: 10, Rows: 10},
	"u":   unknownStats,
	"one": numStats(5, 5, 0, 10),
}

func lookupIn(m map[string]colStats) lookupStats {
	return func(name string) (colStats, bool) {
		cs, ok := m[name]
		return cs, ok
	}
}

const (
	T   = canTrue
	F   = canFalse
	U   = canUnknown
	TF  = canTrue | canFalse
	TU  = canTrue | canUnknown
	FU  = canFalse | canUnknown
	TFU = anyTruth
)

func TestPossible(t *testing.T) {
	tests := []struct {
		expr   string
		masked string // a column with a cell filter
		want   truths
	}{
		// Comparisons on an integer column without NULLs.
		{"n = 15", "", TF},
		{"n = 9", "", F},
		{"n = 21", "", F},
		{"one = 5", "", T},
		{"one <> 5", "", F},
		{"n <> 15", "", TF},
		{"n != 9", "", T},
		{"n < 10", "", F},
		{"n < 11", "", TF},
		{"n <= 10", "", TF},
		{"n <= 9.5", "", F},
		{"n > 20", "", F},
		{"n > 19", "", TF},
		{"n >= 20", "", TF},
		{"n >= 21", "", F},
		{"n >= 10", "", T},
		{"n < 21", "", T},
		// BETWEEN, IN.
		{"n BETWEEN 12 AND 14", "", TF},
		{"n BETWEEN 0 AND 9", "", F},
		{"n BETWEEN 21 AND 30", "", F},
		{"n BETWEEN 0 AND 30", "", T},
		{"n BETWEEN 14 AND 12", "", F},
		{"n NOT BETWEEN 0 AND 9", "", T},
		{"n NOT BETWEEN 0 AND 30", "", F},
		{"n IN (1, 2)", "", F},
		{"n IN (1, 15)", "", TF},
		{"one IN (5, 7)", "", T},
		{"one NOT IN (5, 7)", "", F},
		{"n NOT IN (1, 2)", "", T},
		{"n IN (1, 'x')", "", U},
		{"n IN (15, 'x')", "", TU},
		{"n NOT IN (1, 'x')", "", U},
		// Literals of another kind compare UNKNOWN.
		{"n = 'x'", "", U},
		{"s = 3", "", U},
		{"b = 1", "", U},
		{"n BETWEEN 'a' AND 3", "", U},
		{"n LIKE 'a%'", "", U},
		// Floats: NaN makes every comparison possibly UNKNOWN; one NULL too.
		{"f > 3", "", FU},
		{"f > 0", "", TFU},
		{"f IS NULL", "", TF},
		{"f IS NOT NULL", "", TF},
		// Strings.
		{"s = 'c'", "", TF},
		{"s = 'a'", "", F},
		{"s = 'e'", "", F},
		{"s < 'b'", "", F},
		{"s >= 'b'", "", T},
		{"s > 'cz'", "", TF},
		{"s IN ('a', 'e')", "", F},
		{"s BETWEEN 'c' AND 'z'", "", TF},
		{"s LIKE 'c%'", "", TF},
		{"s LIKE 'a%'", "", F},
		{"s LIKE 'e_'", "", F},
		{"s LIKE 'b'", "", TF},
		{"s LIKE 'dz%'", "", F},
		{"s LIKE '%z'", "", TF},
		{"s NOT LIKE 'a%'", "", T},
		// Dates compare as text; their NULL count is unknown.
		{"d >= '2021-01-01'", "", FU},
		{"d BETWEEN '2020-06-01' AND '2020-06-30'", "", TFU},
		{"d < '2020-01-01'", "", FU},
		{"d IS NULL", "", TF},
		// Booleans.
		{"b = TRUE", "", T},
		{"b = FALSE", "", F},
		{"b <> TRUE", "", F},
		// IS NULL.
		{"n IS NULL", "", F},
		{"n IS NOT NULL", "", T},
		{"z IS NULL", "", T},
		{"z IS NOT NULL", "", F},
		{"z = 1", "", U},
		{"z = 'x'", "", U},
		{"NOT z = 1", "", U},
		// Unknown statistics, missing columns, nested fields: anything.
		{"u = 1", "", TFU},
		{"u IS NULL", "", TF},
		{"nope = 1", "", TFU},
		{"n.x = 1", "", TFU},
		// Three-valued connectives.
		{"NOT n = 9", "", T},
		{"NOT (n < 10)", "", T},
		{"n = 9 OR s = 'a'", "", F},
		{"n = 9 OR s = 'c'", "", TF},
		{"n = 9 OR z = 1", "", U},
		{"n >= 10 OR z = 1", "", T},
		{"n >= 10 AND z = 1", "", U},
		{"n = 9 AND z = 1", "", F},
		{"NOT (n = 9 OR z = 1)", "", U},
		{"n = 15 AND s = 'a'", "", F},
		{"(n = 15 AND s = 'c') OR b = FALSE", "", TF},
		// A cell filter may NULL any cell of its column: comparisons can be UNKNOWN and
		// IS NULL TRUE, but the bounds still hold for the cells left.
		{"n IS NULL", "n", TF},
		{"n IS NOT NULL", "n", TF},
		{"n = 9", "n", FU},
		{"n >= 10", "n", TU},
		{"z IS NULL", "z", T},
		{"n = 9", "s", F},
	}
	for _, tc := range tests {
		name := tc.expr
		if tc.masked != "" {
			name += " masked " + tc.masked
		}
		t.Run(name, func(t *testing.T) {
			e, err := rowfilter.Parse(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			got := possible(e, lookupIn(pruneStats), map[string]bool{tc.masked: tc.masked != ""})
			if got != tc.want {
				t.Errorf("possible(%s) = %v, want %v", tc.expr, got, tc.want)
			}
		})
	}
}

func TestPrunerSkip(t *testing.T) {
	tests := []struct {
		name      string
		rowFilter string
		where     string
		masked    []string
		want      bool
	}{
		{"no row can match the row filter", "n > 20", "", nil, true},
		{"the row filter may match", "n > 15", "", nil, false},
		{"row filter UNKNOWN only", "z = 1", "", nil, true},
		{"where rules the group out", "n > 15", "s = 'a'", nil, true},
		{"where may match", "", "s = 'c'", nil, false},
		{"where on a masked column cannot skip through IS NULL", "", "n IS NULL", []string{"n"}, false},
		{"where on an unmasked column can", "", "n IS NULL", nil, true},
		{"where on a masked column still uses its bounds", "", "n > 20", []string{"n"}, true},
		{"the row filter sees raw values", "n IS NULL", "", []string{"n"}, true},
		{"a where clause that may be TRUE everywhere", "", "n IS NOT NULL OR s IS NULL", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rf, wh rowfilter.Expr
			if tc.rowFilter != "" {
				rf = mustParse(tc.rowFilter)
			}
			if tc.where != "" {
				wh = mustParse(tc.where)
			}
			masked := map[string]bool{}
			for _, c := range tc.masked {
				masked[c] = true
			}
			pr := newPruner(rf, wh, masked)
			if got := pr.skip(lookupIn(pruneStats)); got != tc.want {
				t.Errorf("skip = %v, want %v", got, tc.want)
			}
		})
	}
	if newPruner(nil, nil, nil) != nil {
		t.Error("a plan without filters has a pruner")
	}
}

// oracleStats computes what a writer's statistics would say about a column's values.
func oracleStats(vals []any) colStats {
	cs := colStats{Rows: int64(len(vals))}
	first := true
	for _, v := range vals {
		if v == nil {
			cs.Nulls++
			continue
		}
		switch v := v.(type) {
		case float64:
			cs.NaN = true
			if math.IsNaN(v) {
				continue
			}
			if first {
				cs.Kind, cs.Lo, cs.Hi, first = rowfilter.Number, v, v, false
			}
			cs.Lo, cs.Hi = min(cs.Lo, v), max(cs.Hi, v)
		case int64:
			f := float64(v)
			if first {
				cs.Kind, cs.Lo, cs.Hi, first = rowfilter.Number, f, f, false
			}
			cs.Lo, cs.Hi = min(cs.Lo, f), max(cs.Hi, f)
		case string:
			if first {
				cs.Kind, cs.SLo, cs.SHi, first = rowfilter.String, v, v, false
			}
			cs.SLo, cs.SHi = min(cs.SLo, v), max(cs.SHi, v)
		case bool:
			f := b2f(v)
			if first {
				cs.Kind, cs.Lo, cs.Hi, first = rowfilter.Bool, f, f, false
			}
			cs.Lo, cs.Hi = min(cs.Lo, f), max(cs.Hi, f)
		}
	}
	return cs
}

// randGroup makes a group of rows over columns i (integers), x (floats, some NaN), s (strings)
// and b (booleans), each possibly NULL, from r.
func randGroup(r *rand.Rand) []rowfilter.Map {
	n := 1 + r.IntN(6)
	strs := []string{"", "a", "ab", "abc", "b", "ba", "Zoë", "é", "\xff"}
	rows := make([]rowfilter.Map, n)
	for k := range rows {
		m := rowfilter.Map{}
		if r.IntN(4) > 0 {
			m["i"] = int64(r.IntN(9) - 4)
		}
		if r.IntN(4) > 0 {
			x := float64(r.IntN(9)-4) / 2
			if r.IntN(8) == 0 {
				x = math.NaN()
			}
			m["x"] = x
		}
		if r.IntN(4) > 0 {
			m["s"] = strs[r.IntN(len(strs))]
		}
		if r.IntN(4) > 0 {
			m["b"] = r.IntN(2) == 0
		}
		rows[k] = m
	}
	return rows
}

// randPred makes a filter over randGroup's columns, literals of every kind included.
func randPred(r *rand.Rand, depth int) string {
	if depth > 0 && r.IntN(3) == 0 {
		a, b := randPred(r, depth-1), randPred(r, depth-1)
		return []string{"(" + a + " AND " + b + ")", "(" + a + " OR " + b + ")", "NOT (" + a + ")"}[r.IntN(3)]
	}
	col := []string{"i", "x", "s", "b"}[r.IntN(4)]
	lit := func() string {
		switch r.IntN(6) {
		case 0:
			return []string{"TRUE", "FALSE"}[r.IntN(2)]
		case 1, 2:
			return "'" + []string{"", "a", "ab", "abd", "b", "Zo", "é"}[r.IntN(7)] + "'"
		}
		return fmt.Sprint(float64(r.IntN(11)-5) / 2)
	}
	not := []string{"", " NOT"}[r.IntN(2)]
	switch r.IntN(6) {
	case 0:
		return col + not + " BETWEEN " + lit() + " AND " + lit()
	case 1:
		return col + not + " IN (" + lit() + ", " + lit() + ")"
	case 2:
		return col + " IS" + not + " NULL"
	case 3:
		return col + not + " LIKE '" + []string{"a%", "ab_", "%", "b%c", "é%", "Z%"}[r.IntN(6)] + "'"
	}
	return col + " " + []string{"=", "<>", "<", "<=", ">", ">="}[r.IntN(6)] + " " + lit()
}

// checkSound fails when some row of the group gives e a truth value possible rules out, with
// masked columns NULLed on some rows.
func checkSound(t *testing.T, e rowfilter.Expr, rows []rowfilter.Map, masked map[string]bool, hide uint64) {
	t.Helper()
	stats := map[string]colStats{}
	for _, c := range []string{"i", "x", "s", "b"} {
		vals := make([]any, len(rows))
		for k, row := range rows {
			vals[k] = row[c]
		}
		stats[c] = oracleStats(vals)
	}
	got := possible(e, lookupIn(stats), masked)
	for k, row := range rows {
		seen := rowfilter.Map{}
		for c, v := range row {
			if masked[c] && hide>>(k%64)&1 == 1 {
				continue
			}
			seen[c] = v
		}
		if tr := rowfilter.Eval(e, seen); !got.has(oneTruth(tr)) {
			t.Fatalf("%s: row %v is %v, possible says %v (stats %+v)", rowfilter.Print(e), seen, tr, got, stats)
		}
	}
}

// TestPossibleSound: for random groups and filters, every row's actual truth value is among
// the possible ones (the skipping decision never drops a row the evaluator would keep).
func TestPossibleSound(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 5000; n++ {
		e, err := rowfilter.Parse(randPred(r, 2))
		if err != nil {
			t.Fatal(err)
		}
		masked := map[string]bool{}
		if r.IntN(3) == 0 {
			masked[[]string{"i", "x", "s", "b"}[r.IntN(4)]] = true
		}
		checkSound(t, e, randGroup(r), masked, r.Uint64())
	}
}

// FuzzPossible: the soundness property over fuzzed filters and groups.
func FuzzPossible(f *testing.F) {
	for _, s := range []string{"i = 1", "x > 0 OR s LIKE 'a%'", "NOT (b = TRUE AND i IS NULL)", "s NOT IN ('a', 3)", "i BETWEEN 2 AND -2", "x <> 0.5"} {
		f.Add(s, uint64(1), false)
	}
	f.Fuzz(func(t *testing.T, expr string, seed uint64, mask bool) {
		e, err := rowfilter.Parse(expr)
		if err != nil {
			return
		}
		r := rand.New(rand.NewPCG(seed, seed>>7))
		masked := map[string]bool{}
		if mask {
			masked[[]string{"i", "x", "s", "b"}[seed%4]] = true
		}
		for k := 0; k < 20; k++ {
			checkSound(t, e, randGroup(r), masked, r.Uint64())
		}
	})
}

// TestChunkStats: statistics of real Parquet column chunks become bounds as the evaluator sees
// the values; types whose order differs are left unbounded.
func TestChunkStats(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "nulls", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Int32Builder).AppendValues([]int32{-3, 7, 2}, []bool{true, true, false})
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{1 << 40, -5, 0}, nil)
	b.Field(2).(*array.Uint32Builder).AppendValues([]uint32{1, 4000000000, 2}, nil)
	b.Field(3).(*array.Float32Builder).AppendValues([]float32{0.5, float32(math.NaN()), -2}, nil)
	b.Field(4).(*array.Float64Builder).AppendValues([]float64{1e10, -1, 3}, []bool{true, true, false})
	b.Field(5).(*array.StringBuilder).AppendValues([]string{"pear", "apple", "Zoë"}, nil)
	b.Field(6).(*array.BinaryBuilder).AppendValues([][]byte{[]byte("x"), []byte("\xff"), nil}, []bool{true, true, false})
	b.Field(7).(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32(18262), arrow.Date32(0), arrow.Date32(19000)}, nil)
	b.Field(8).(*array.BooleanBuilder).AppendValues([]bool{false, false, true}, []bool{true, true, false})
	b.Field(9).AppendNulls(3)
	b.Field(10).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1, 2, 3}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(schema, &buf, parquet.NewWriterProperties(), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	pf, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]colStats{}
	rg := pf.MetaData().RowGroup(0)
	for _, fld := range schema.Fields() {
		idx, typ := parquetLeaf(fr.Manifest.Fields, fld.Name)
		cc, err := rg.ColumnChunk(idx)
		if err != nil {
			t.Fatal(err)
		}
		got[fld.Name] = chunkStats(typ, cc, rg.NumRows())
	}
	want := map[string]colStats{
		"i32":   {Kind: rowfilter.Number, Lo: -3, Hi: 7, Nulls: 1, Rows: 3},
		"i64":   {Kind: rowfilter.Number, Lo: -5, Hi: 1 << 40, Nulls: 0, Rows: 3},
		"u32":   {Nulls: 0, Rows: 3},
		"f32":   {Kind: rowfilter.Number, Lo: -2, Hi: 0.5, NaN: true, Nulls: 0, Rows: 3},
		"f64":   {Kind: rowfilter.Number, Lo: -1, Hi: 1e10, NaN: true, Nulls: 1, Rows: 3},
		"s":     {Kind: rowfilter.String, SLo: "Zoë", SHi: "pear", Nulls: 0, Rows: 3},
		"bin":   {Kind: rowfilter.String, SLo: "x", SHi: "\xff", Nulls: 1, Rows: 3},
		"d":     {Kind: rowfilter.String, SLo: "1970-01-01", SHi: "2022-01-08", Nulls: 0, Rows: 3},
		"b":     {Kind: rowfilter.Bool, Lo: 0, Hi: 0, Nulls: 1, Rows: 3},
		"nulls": {Nulls: 3, Rows: 3},
		"ts":    {Nulls: 0, Rows: 3},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// prunedTable stores n rows sorted by id in one Parquet file with row groups of 100 rows.
func prunedTable(t testing.TB, n int) (*Table, []sampleRow, Objects) {
	t.Helper()
	rows := make([]sampleRow, n)
	for i := range rows {
		rows[i] = sampleRow{id: int64(i), name: sp(fmt.Sprintf("n%04d", i)), region: sp(regions[i%3]), amount: fp(float64(i) / 2), ok: bp(i%2 == 0), year: 2020}
	}
	objs := newObjects(t)
	put(t, objs, "data", "t/year=2020/f.parquet", parquetFileGroups(t, rows, 100))
	tbl, err := NewTable(sampleInfo("parquet", "s3://data/t/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return tbl, rows, objs
}

// TestRowGroupsSkipped: a selective filter on a sorted column reads only the row groups that
// can hold its rows, and the rows are the reference evaluator's.
func TestRowGroupsSkipped(t *testing.T) {
	tbl, rows, objs := prunedTable(t, 1000)
	tests := []struct {
		name        string
		acc         catalog.TableAccess
		req         Request
		wantGroups  int
		wantSkipped int
	}{
		{"no filter", catalog.TableAccess{Full: true}, Request{}, 10, 0},
		{"where between", catalog.TableAccess{Full: true}, Request{Where: "id BETWEEN 250 AND 260"}, 1, 9},
		{"where on a string", catalog.TableAccess{Full: true}, Request{Where: "name >= 'n0950'"}, 1, 9},
		{"where matches nothing", catalog.TableAccess{Full: true}, Request{Where: "id > 5000"}, 0, 10},
		{"row filter", catalog.TableAccess{AuthorizedColumns: []string{"id", "name"}, RowFilter: "id < 150"}, Request{}, 2, 8},
		{"row filter and where", catalog.TableAccess{AuthorizedColumns: []string{"id", "amount"}, RowFilter: "id < 500"},
			Request{Where: "amount >= 200"}, 1, 9},
		{"where OR", catalog.TableAccess{Full: true}, Request{Where: "id IN (5, 995) OR amount < 0"}, 2, 8},
		{"where IS NULL on a column without NULLs", catalog.TableAccess{Full: true}, Request{Where: "name IS NULL"}, 0, 10},
		{"where IS NULL on a cell-filtered column", catalog.TableAccess{AuthorizedColumns: []string{"id", "name"},
			CellFilters: []catalog.CellFilter{{ColumnName: "name", RowFilterExpression: "id >= 500"}}}, Request{Where: "name IS NULL"}, 10, 0},
		{"where on a cell-filtered column keeps its bounds", catalog.TableAccess{AuthorizedColumns: []string{"id", "name"},
			CellFilters: []catalog.CellFilter{{ColumnName: "name", RowFilterExpression: "id >= 500"}}}, Request{Where: "name < 'n0100'"}, 1, 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tbl, &tc.acc, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			var c collect
			st, err := p.Scan(context.Background(), objs, &c, &Options{BatchSize: 64})
			if err != nil {
				t.Fatal(err)
			}
			if st.RowGroups != tc.wantGroups || st.RowGroupsSkipped != tc.wantSkipped {
				t.Errorf("read %d row groups, skipped %d; want %d, %d", st.RowGroups, st.RowGroupsSkipped, tc.wantGroups, tc.wantSkipped)
			}
			if st.RowsRead != int64(100*tc.wantGroups) {
				t.Errorf("rows read %d, want %d", st.RowsRead, 100*tc.wantGroups)
			}
			want, err := reference(tbl, rows, &tc.acc, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, c.rows); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// BenchmarkPrune: a point lookup on a sorted column of a 200k-row file, with and without
// statistics to skip by (the same filter on an unsorted copy).
func BenchmarkPrune(b *testing.B) {
	for _, sorted := range []bool{true, false} {
		rows := benchRows(benchN)
		if !sorted {
			r := rand.New(rand.NewPCG(1, 1))
			r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		}
		objs := newObjects(b)
		put(b, objs, "data", "t/year=2020/f.parquet", parquetFileGroups(b, rows, 10_000))
		tbl, err := NewTable(sampleInfo("parquet", "s3://data/t/"), nil)
		if err != nil {
			b.Fatal(err)
		}
		name := map[bool]string{true: "sorted", false: "shuffled"}[sorted]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				p, err := Compile(tbl, &catalog.TableAccess{Full: true}, Request{Where: "id BETWEEN 123000 AND 123100"})
				if err != nil {
					b.Fatal(err)
				}
				var d discard
				if _, err := p.Scan(context.Background(), objs, &d, nil); err != nil {
					b.Fatal(err)
				}
				if d.rows != 101 {
					b.Fatalf("rows %d", d.rows)
				}
			}
		})
	}
}
