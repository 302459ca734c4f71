package tpcgen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/go-cmp/cmp"
)

var small = &Options{Seed: 7, Customers: 30, Items: 12, Sales: 250}

// parseValue reads a rendered value back with the column's type.
func parseValue(t *testing.T, typ Type, s string) any {
	t.Helper()
	switch typ {
	case Int64:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	case Float64:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	return s
}

func allRows(g *Generator, tb TableName) [][]any {
	var rows [][]any
	for i := range g.Rows(tb) {
		rows = append(rows, g.Row(tb, i))
	}
	return rows
}

func TestRow(t *testing.T) {
	g := New(&Options{Seed: 1})
	tests := []struct {
		name  string
		table TableName
		i     int
		check func(row []any) bool
	}{
		{"customer keys count from 1", Customer, 0, func(r []any) bool { return r[0] == int64(1) }},
		{"customer email is an address", Customer, 41, func(r []any) bool {
			return strings.HasSuffix(r[3].(string), "42@example.com") && strings.Contains(r[3].(string), ".")
		}},
		{"customer country round robin", Customer, 4, func(r []any) bool { return r[4] == Countries[4%3] }},
		{"address state round robin", CustomerAddress, 7, func(r []any) bool { return r[2] == States[7%5] }},
		{"item category round robin", Item, 8, func(r []any) bool { return r[2] == "Electronics" }},
		{"sale state round robin", WebSales, 0, func(r []any) bool { return r[2] == "CA" }},
		{"sale refers to an item", WebSales, 99_999, func(r []any) bool { v := r[1].(int64); return v >= 1 && v <= 200 }},
		{"sale amount in cents below 100", WebSales, 12, func(r []any) bool {
			v := r[3].(float64)
			return v >= 0 && v < 100 && v*100 == float64(int(v*100+0.5))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			row := g.Row(tc.table, tc.i)
			if len(row) != len(Schema(tc.table)) {
				t.Fatalf("row %v has %d values, schema %d", row, len(row), len(Schema(tc.table)))
			}
			if !tc.check(row) {
				t.Errorf("row %d of %s = %v", tc.i, tc.table, row)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	for _, tb := range Tables() {
		a, b := New(small), New(small)
		if diff := cmp.Diff(allRows(a, tb), allRows(b, tb)); diff != "" {
			t.Errorf("%s differs between generators (-a +b):\n%s", tb, diff)
		}
		other := New(&Options{Seed: 8, Customers: 30, Items: 12, Sales: 250})
		if tb != Item && cmp.Equal(allRows(a, tb), allRows(other, tb)) {
			t.Errorf("%s does not depend on the seed", tb)
		}
	}
	// The bytes are stable across releases: the demo and the stories rely on them.
	var buf bytes.Buffer
	if err := New(small).WriteCSV(&buf, Customer, true); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	t.Logf("customer CSV sha256 %s", hex.EncodeToString(sum[:]))
}

func TestExactCounts(t *testing.T) {
	g := New(nil)
	count := func(tb TableName, col int, want string) int {
		n := 0
		for i := range g.Rows(tb) {
			if g.Row(tb, i)[col] == want {
				n++
			}
		}
		return n
	}
	got := map[string]int{
		"CA sales":          count(WebSales, 2, "CA"),
		"electronics items": count(Item, 2, "Electronics"),
		"FR customers":      count(Customer, 4, "FR"),
	}
	want := map[string]int{"CA sales": 20_000, "electronics items": 50, "FR customers": 167}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

func TestCSVRoundTrip(t *testing.T) {
	g := New(small)
	for _, tb := range Tables() {
		for _, header := range []bool{true, false} {
			var buf bytes.Buffer
			if err := g.WriteCSV(&buf, tb, header); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if header {
				var names []string
				for _, c := range Schema(tb) {
					names = append(names, c.Name)
				}
				if diff := cmp.Diff(names, recs[0]); diff != "" {
					t.Errorf("%s header: %s", tb, diff)
				}
				recs = recs[1:]
			}
			var got [][]any
			for _, r := range recs {
				var row []any
				for j, c := range Schema(tb) {
					row = append(row, parseValue(t, c.Type, r[j]))
				}
				got = append(got, row)
			}
			if diff := cmp.Diff(allRows(g, tb), got); diff != "" {
				t.Errorf("%s CSV (header %v) round trip (-want +got):\n%s", tb, header, diff)
			}
		}
	}
}

func TestJSONLRoundTrip(t *testing.T) {
	g := New(small)
	for _, tb := range Tables() {
		var buf bytes.Buffer
		if err := g.WriteJSONL(&buf, tb); err != nil {
			t.Fatal(err)
		}
		var got [][]any
		sc := bufio.NewScanner(&buf)
		for sc.Scan() {
			dec := json.NewDecoder(strings.NewReader(sc.Text()))
			dec.UseNumber()
			raw := map[string]any{}
			if err := dec.Decode(&raw); err != nil {
				t.Fatalf("%s: %q: %v", tb, sc.Text(), err)
			}
			var row []any
			for _, c := range Schema(tb) {
				switch v := raw[c.Name].(type) {
				case json.Number:
					row = append(row, parseValue(t, c.Type, v.String()))
				default:
					row = append(row, v)
				}
			}
			got = append(got, row)
		}
		if diff := cmp.Diff(allRows(g, tb), got); diff != "" {
			t.Errorf("%s JSONL round trip (-want +got):\n%s", tb, diff)
		}
	}
}

func TestParquetRoundTrip(t *testing.T) {
	g := New(small)
	for _, tb := range Tables() {
		var buf bytes.Buffer
		if err := g.WriteParquet(&buf, tb, &ParquetOptions{RowGroupRows: 100}); err != nil {
			t.Fatal(err)
		}
		rdr, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if want := (g.Rows(tb) + 99) / 100; rdr.NumRowGroups() != want {
			t.Errorf("%s: %d row groups, want %d", tb, rdr.NumRowGroups(), want)
		}
		fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		table, err := fr.ReadTable(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := make([][]any, table.NumRows())
		for j := range int(table.NumCols()) {
			i := 0
			for _, chunk := range table.Column(j).Data().Chunks() {
				for k := range chunk.Len() {
					var v any
					switch a := chunk.(type) {
					case *array.Int64:
						v = a.Value(k)
					case *array.Float64:
						v = a.Value(k)
					case *array.String:
						v = a.Value(k)
					}
					got[i] = append(got[i], v)
					i++
				}
			}
		}
		table.Release()
		rdr.Close()
		if diff := cmp.Diff(allRows(g, tb), got); diff != "" {
			t.Errorf("%s Parquet round trip (-want +got):\n%s", tb, diff)
		}
	}
}

func TestUnknownTable(t *testing.T) {
	g := New(nil)
	for name, err := range map[string]error{
		"csv":     g.WriteCSV(io.Discard, "nope", true),
		"jsonl":   g.WriteJSONL(io.Discard, "nope"),
		"parquet": g.WriteParquet(io.Discard, "nope", nil),
	} {
		if err == nil {
			t.Errorf("%s accepted an unknown table", name)
		}
	}
	if Schema("nope") != nil || g.Rows("nope") != 0 {
		t.Error("unknown table has a schema or rows")
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "tab\tnew\nline\x01", "é中", "bad\xffutf8"} {
		got := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("%q -> %s: %v", s, got, err)
			continue
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if back != want {
			t.Errorf("%q -> %s -> %q", s, got, back)
		}
	}
}

// FuzzRow checks that any row of any seed survives CSV and JSON lines unchanged.
func FuzzRow(f *testing.F) {
	f.Add(uint64(0), uint8(0), uint32(0))
	f.Add(uint64(7), uint8(1), uint32(41))
	f.Add(uint64(1<<63), uint8(2), uint32(199))
	f.Add(uint64(42), uint8(3), uint32(99_999))
	f.Fuzz(func(t *testing.T, seed uint64, table uint8, i uint32) {
		tb := Tables()[int(table)%4]
		g := New(&Options{Seed: seed, Customers: 1_000_000, Items: 1_000_000, Sales: 1_000_000})
		row := g.Row(tb, int(i%1_000_000))
		var rec []string
		for _, v := range row {
			rec = append(rec, formatValue(v))
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(rec)
		w.Flush()
		back, err := csv.NewReader(&buf).Read()
		if err != nil {
			t.Fatal(err)
		}
		for j, c := range Schema(tb) {
			if got := parseValue(t, c.Type, back[j]); got != row[j] {
				t.Fatalf("column %s: %v -> %q -> %v", c.Name, row[j], back[j], got)
			}
			if s, ok := row[j].(string); ok {
				var js string
				if err := json.Unmarshal(appendJSONString(nil, s), &js); err != nil || js != s {
					t.Fatalf("JSON %q -> %q %v", s, js, err)
				}
			}
		}
	})
}

func benchWrite(b *testing.B, write func(g *Generator, w io.Writer) error) {
	g := New(&Options{Sales: 100_000})
	var n countWriter
	for b.Loop() {
		if err := write(g, &n); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(g.Rows(WebSales)*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.SetBytes(int64(n) / int64(b.N))
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

func BenchmarkWebSalesCSV(b *testing.B) {
	benchWrite(b, func(g *Generator, w io.Writer) error { return g.WriteCSV(w, WebSales, true) })
}

func BenchmarkWebSalesJSONL(b *testing.B) {
	benchWrite(b, func(g *Generator, w io.Writer) error { return g.WriteJSONL(w, WebSales) })
}

func BenchmarkWebSalesParquet(b *testing.B) {
	benchWrite(b, func(g *Generator, w io.Writer) error { return g.WriteParquet(w, WebSales, nil) })
}
