package tables

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/rowfilter"
)

// vecBatch builds one array per type the column-at-a-time evaluator specialises (and two it
// does not), with NULLs, from r; arrays are sliced by one row so offsets are exercised.
func vecBatch(r *rand.Rand, n int) (map[string]int, []arrow.Array) {
	mem := memory.DefaultAllocator
	names := []string{"i8", "i16", "i32", "i64", "u8", "u16", "u32", "f32", "f64", "s", "ls", "b", "d"}
	types := []arrow.DataType{arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32,
		arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32,
		arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64, arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString,
		arrow.FixedWidthTypes.Boolean, arrow.FixedWidthTypes.Date32}
	strs := []string{"", "a", "ab", "b", "Zoë"}
	index := map[string]int{}
	cols := make([]arrow.Array, len(names))
	for k, typ := range types {
		index[names[k]] = k
		b := array.NewBuilder(mem, typ)
		for i := 0; i < n+1; i++ {
			if r.IntN(5) == 0 {
				b.AppendNull()
				continue
			}
			x := r.IntN(7) - 3
			switch b := b.(type) {
			case *array.Int8Builder:
				b.Append(int8(x))
			case *array.Int16Builder:
				b.Append(int16(x))
			case *array.Int32Builder:
				b.Append(int32(x))
			case *array.Int64Builder:
				b.Append(int64(x))
			case *array.Uint8Builder:
				b.Append(uint8(x + 3))
			case *array.Uint16Builder:
				b.Append(uint16(x + 3))
			case *array.Uint32Builder:
				b.Append(uint32(x + 3))
			case *array.Float32Builder:
				f := float32(x) / 2
				if r.IntN(6) == 0 {
					f = float32(math.NaN())
				}
				b.Append(f)
			case *array.Float64Builder:
				f := float64(x) / 2
				if r.IntN(6) == 0 {
					f = math.NaN()
				}
				b.Append(f)
			case *array.StringBuilder:
				b.Append(strs[r.IntN(len(strs))])
			case *array.LargeStringBuilder:
				b.Append(strs[r.IntN(len(strs))])
			case *array.BooleanBuilder:
				b.Append(x > 0)
			case *array.Date32Builder:
				b.Append(arrow.Date32(18262 + x))
			}
		}
		whole := b.NewArray()
		b.Release()
		cols[k] = array.NewSlice(whole, 1, int64(n+1))
		whole.Release()
	}
	// A dictionary-encoded string column, as Parquet's dictionary reads produce.
	dictVals := array.NewBuilder(mem, arrow.BinaryTypes.String).(*array.StringBuilder)
	dictVals.AppendValues(strs, nil)
	dv := dictVals.NewArray()
	dictVals.Release()
	ib := array.NewInt32Builder(mem)
	for i := 0; i < n+1; i++ {
		if r.IntN(5) == 0 {
			ib.AppendNull()
		} else {
			ib.Append(int32(r.IntN(len(strs))))
		}
	}
	ix := ib.NewArray()
	ib.Release()
	whole := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, ix, dv)
	ix.Release()
	dv.Release()
	index["ds"] = len(cols)
	cols = append(cols, array.NewSlice(whole, 1, int64(n+1)))
	whole.Release()
	return index, cols
}

// vecExpr makes a filter over vecBatch's columns.
func vecExpr(r *rand.Rand, depth int) string {
	if depth > 0 && r.IntN(3) == 0 {
		a, b := vecExpr(r, depth-1), vecExpr(r, depth-1)
		return []string{"(" + a + " AND " + b + ")", "(" + a + " OR " + b + ")", "NOT (" + a + ")"}[r.IntN(3)]
	}
	col := []string{"i8", "i16", "i32", "i64", "u8", "u16", "u32", "f32", "f64", "s", "ls", "b", "d", "ds", "nope"}[r.IntN(15)]
	lit := func() string {
		switch r.IntN(5) {
		case 0:
			return "'" + []string{"", "a", "ab", "b", "Zoë", "2020-01-02"}[r.IntN(6)] + "'"
		case 1:
			return []string{"TRUE", "FALSE"}[r.IntN(2)]
		}
		return fmt.Sprint(float64(r.IntN(9)-4) / 2)
	}
	not := []string{"", " NOT"}[r.IntN(2)]
	switch r.IntN(5) {
	case 0:
		return col + not + " BETWEEN " + lit() + " AND " + lit()
	case 1:
		return col + not + " IN (" + lit() + ", " + lit() + ")"
	case 2:
		return col + " IS" + not + " NULL"
	}
	return col + " " + []string{"=", "<>", "<", "<=", ">", ">="}[r.IntN(6)] + " " + lit()
}

// checkVec compares the column-at-a-time result with rowfilter.Eval row by row, raw and with
// some cells of one column hidden.
func checkVec(t *testing.T, expr string, r *rand.Rand) {
	t.Helper()
	e, err := rowfilter.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	n := 1 + r.IntN(40)
	index, cols := vecBatch(r, n)
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	vis := make([][]bool, len(cols))
	hide := make([]bool, n)
	for i := range hide {
		hide[i] = r.IntN(3) > 0
	}
	vis[r.IntN(len(cols))] = hide
	for _, v := range []*view{{index: index, cols: cols}, {index: index, cols: cols, vis: vis, masked: true}} {
		got := make([]uint8, n)
		compileVec(e, index).eval(v, got)
		want := make([]uint8, n)
		for i := range want {
			want[i] = uint8(rowfilter.Eval(e, rowAt{v, i}))
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("%s (masked %v): (-Eval +vec)\n%s", expr, v.masked, d)
		}
	}
}

func TestVecMatchesEval(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for k := 0; k < 3000; k++ {
		checkVec(t, vecExpr(r, 2), r)
	}
}

func FuzzVec(f *testing.F) {
	for _, s := range []string{"i64 > 1", "f64 BETWEEN -1 AND 1", "s IN ('a', 'b')", "NOT (u8 = 2 OR d >= '2020-01-01')", "ls NOT IN ('a', 1)", "f32 <> 0.5", "b = TRUE AND s IS NULL", "ds IN ('a', 'ab') OR ds > 'a'"} {
		f.Add(s, uint64(1))
	}
	f.Fuzz(func(t *testing.T, expr string, seed uint64) {
		if _, err := rowfilter.Parse(expr); err != nil {
			return
		}
		checkVec(t, expr, rand.New(rand.NewPCG(seed, 1)))
	})
}

// TestGather: buffer-to-buffer gathering agrees with the builder path for every specialised
// type, sliced arrays, NULLs, hidden cells and whole batches.
func TestGather(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	index, cols := vecBatch(r, 50)
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	all := make([]int, 50)
	for i := range all {
		all[i] = i
	}
	hidden := make([]bool, 50)
	for i := range hidden {
		hidden[i] = i%3 > 0
	}
	for _, name := range []string{"i32", "i64", "f64", "s", "b"} {
		a := cols[index[name]]
		for _, tc := range []struct {
			name string
			sel  []int
			vis  []bool
		}{
			{"all", all, nil},
			{"all hidden", all, hidden},
			{"some", []int{0, 3, 4, 17, 49}, nil},
			{"some hidden", []int{0, 1, 2, 5, 30}, hidden},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				got := gather(memory.DefaultAllocator, a.DataType(), a, tc.sel, tc.vis)
				defer got.Release()
				b := array.NewBuilder(memory.DefaultAllocator, a.DataType())
				defer b.Release()
				copyCells(b, a, tc.sel, tc.vis)
				want := b.NewArray()
				defer want.Release()
				if !array.ApproxEqual(want, got, array.WithNaNsEqual(true), array.WithAbsTolerance(0)) {
					t.Errorf("gather = %v, want %v", got, want)
				}
			})
		}
	}
}

// BenchmarkFilterBatch: the filters of BenchmarkRead over one in-memory batch of 8192 rows.
func BenchmarkFilterBatch(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	index, cols := vecBatch(r, 8192)
	e := mustParse("(s = 'a' OR f64 > 0.5) AND i64 >= -2")
	n := compileVec(e, index)
	out := make([]uint8, 8192)
	v := &view{index: index, cols: cols}
	for b.Loop() {
		n.eval(v, out)
	}
}

// TestDictLeaf: a string column written with dictionary pages only is found for dictionary reads
// (case-insensitively); other columns and names are not.
func TestDictLeaf(t *testing.T) {
	data := parquetFileGroups(t, benchRows(300), 100)
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, name := range []string{"REGION", "id", "nope"} {
		got[name] = dictLeaf(pf, name)
	}
	want := map[string]int{"REGION": 2, "id": -1, "nope": -1}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
