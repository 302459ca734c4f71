package tables

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/rowfilter"
)

var names = []string{"Ann", "O'Brien", "a,b", `say "hi"`, "", "Zoë", "line\nbreak"}
var regions = []string{"east", "west", "north"}

func genRows(r *rand.Rand, n int) []sampleRow {
	rows := make([]sampleRow, n)
	for i := range rows {
		row := sampleRow{id: int64(i + 1), year: int64(2020 + i*3/n)}
		if r.IntN(6) > 0 {
			row.name = sp(names[r.IntN(len(names))])
		}
		if r.IntN(6) > 0 {
			row.region = sp(regions[r.IntN(len(regions))])
		}
		if r.IntN(6) > 0 {
			row.amount = fp(float64(r.IntN(2000)-500) / 4)
		}
		if r.IntN(5) > 0 {
			row.ok = bp(r.IntN(2) == 0)
		}
		rows[i] = row
	}
	return rows
}

func TestReaders(t *testing.T) {
	rows := []sampleRow{
		{id: 1, name: sp("Ann"), region: sp("east"), amount: fp(1.5), ok: bp(true), year: 2020},
		{id: 2, name: sp(`say "hi", then`), region: nil, amount: nil, ok: bp(false), year: 2020},
		{id: 3, name: nil, region: sp("west"), amount: fp(-2), ok: nil, year: 2021},
		{id: 4, name: sp(""), region: sp("north"), amount: fp(1e6), ok: bp(true), year: 2021},
	}
	want := []map[string]any{
		{"id": int64(1), "name": "Ann", "region": "east", "amount": 1.5, "ok": true, "year": int64(2020)},
		{"id": int64(2), "name": `say "hi", then`, "ok": false, "year": int64(2020)},
		{"id": int64(3), "region": "west", "amount": -2.0, "year": int64(2021)},
		{"id": int64(4), "name": "", "region": "north", "amount": 1e6, "ok": true, "year": int64(2021)},
	}
	for _, format := range []string{"csv", "json", "parquet"} {
		t.Run(format, func(t *testing.T) {
			objs := newObjects(t)
			tbl := writeSample(t, objs, format, rows)
			got, err := scanAll(t, objs, tbl, &catalog.TableAccess{Full: true}, Request{})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("rows (-want +got):\n%s", d)
			}
		})
	}
}

func TestCSVSerde(t *testing.T) {
	tests := []struct {
		name  string
		serde *Serde
		data  string
		want  []map[string]any
	}{
		{"header skip and quotes", &Serde{SerializationLibrary: "org.apache.hadoop.hive.serde2.OpenCSVSerde",
			Parameters: map[string]string{"separatorChar": ",", "quoteChar": `"`, "skip.header.line.count": "1"}},
			"id,name\n1,\"x, y\"\n2,\"multi\nline\"\n",
			[]map[string]any{{"id": int64(1), "name": "x, y"}, {"id": int64(2), "name": "multi\nline"}}},
		{"tab separated lazy simple with escape", &Serde{SerializationLibrary: "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
			Parameters: map[string]string{"field.delim": "\t", "escape.delim": `\\`}},
			"1\ta\\\tb\n2\t\\N\n3\t\"q\"\n",
			[]map[string]any{{"id": int64(1), "name": "a\tb"}, {"id": int64(2)}, {"id": int64(3), "name": `"q"`}}},
		{"pipe with single quote", &Serde{SerializationLibrary: "org.apache.hadoop.hive.serde2.OpenCSVSerde",
			Parameters: map[string]string{"separatorChar": "|", "quoteChar": "'", "escapeChar": "\\"}},
			"1|'a|b'\r\nx|'it\\'s'\n",
			[]map[string]any{{"id": int64(1), "name": "a|b"}, {"name": "it's"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs := newObjects(t)
			put(t, objs, "b", "p/f.txt", []byte(tc.data))
			tbl, err := NewTable(&catalog.TableInfo{Database: "d", Name: "t", Location: "s3://b/p/",
				Columns: []catalog.ColumnInfo{{Name: "ID", Type: "int"}, {Name: "name", Type: "string"}}}, tc.serde)
			if err != nil {
				t.Fatal(err)
			}
			got, err := scanAll(t, objs, tbl, &catalog.TableAccess{Full: true}, Request{})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestFiltering(t *testing.T) {
	rows := genRows(rand.New(rand.NewPCG(1, 2)), 40)
	objs := newObjects(t)
	tbl := writeSample(t, objs, "csv", rows)
	tests := []struct {
		name    string
		acc     catalog.TableAccess
		req     Request
		wantErr Kind
	}{
		{"projection", catalog.TableAccess{AuthorizedColumns: []string{"id", "region"}}, Request{}, 0},
		{"requested subset", catalog.TableAccess{Full: true}, Request{Columns: []string{"region", "id"}}, 0},
		{"row filter", catalog.TableAccess{AuthorizedColumns: []string{"id", "region", "amount"}, RowFilter: "region = 'east'"}, Request{}, 0},
		{"cell filters", catalog.TableAccess{AuthorizedColumns: []string{"id", "name", "region"}, RowFilter: "region = 'east' OR id < 10",
			CellFilters: []catalog.CellFilter{{ColumnName: "name", RowFilterExpression: "region = 'east'"}}}, Request{}, 0},
		{"where on hidden cells", catalog.TableAccess{AuthorizedColumns: []string{"id", "name", "region"},
			CellFilters: []catalog.CellFilter{{ColumnName: "name", RowFilterExpression: "region = 'east'"}}}, Request{Where: "name IS NOT NULL"}, 0},
		{"limit", catalog.TableAccess{Full: true}, Request{Limit: 3}, 0},
		{"limit with filter", catalog.TableAccess{Full: true}, Request{Limit: 2, Where: "year = 2021"}, 0},
		{"hidden column requested", catalog.TableAccess{AuthorizedColumns: []string{"id"}}, Request{Columns: []string{"name"}}, Denied},
		{"missing column requested", catalog.TableAccess{AuthorizedColumns: []string{"id"}}, Request{Columns: []string{"nope"}}, Denied},
		{"where on hidden column", catalog.TableAccess{AuthorizedColumns: []string{"id"}}, Request{Where: "name = 'Ann'"}, Invalid},
		{"where syntax", catalog.TableAccess{Full: true}, Request{Where: "id ="}, Invalid},
		{"no select", catalog.TableAccess{}, Request{}, Denied},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := scanAll(t, objs, tbl, &tc.acc, tc.req)
			want, wantErr := reference(tbl, rows, &tc.acc, tc.req)
			if tc.wantErr != 0 || wantErr != nil {
				if KindOf(err) != tc.wantErr || wantErr == nil {
					t.Fatalf("err = %v (kind %v), want kind %v (reference %v)", err, KindOf(err), tc.wantErr, wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestNoLeakThroughErrors: asking for a hidden column or filtering on it answers exactly as for a
// column that does not exist.
func TestNoLeakThroughErrors(t *testing.T) {
	tbl, err := NewTable(sampleInfo("csv", "s3://data/t/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	acc := &catalog.TableAccess{AuthorizedColumns: []string{"id"}}
	for _, pair := range [][2]Request{
		{{Columns: []string{"name"}}, {Columns: []string{"zzzz"}}},
		{{Where: "name = 'x'"}, {Where: "zzzz = 'x'"}},
		{{Where: "name IS NULL"}, {Where: "zzzz IS NULL"}},
	} {
		_, e1 := Compile(tbl, acc, pair[0])
		_, e2 := Compile(tbl, acc, pair[1])
		if e1 == nil || e2 == nil {
			t.Fatalf("want errors, got %v, %v", e1, e2)
		}
		m1 := strings.ReplaceAll(e1.Error(), "name", "X")
		m2 := strings.ReplaceAll(e2.Error(), "zzzz", "X")
		if m1 != m2 || KindOf(e1) != KindOf(e2) {
			t.Errorf("hidden and missing columns answer differently:\n%s\n%s", e1, e2)
		}
	}
}

// reference is the plain row-by-row evaluator the engine must agree with.
func reference(tbl *Table, rows []sampleRow, acc *catalog.TableAccess, req Request) ([]map[string]any, error) {
	all := []string{"id", "name", "region", "amount", "ok", "year"}
	auth := map[string]bool{}
	if acc.Full {
		for _, c := range all {
			auth[c] = true
		}
	} else {
		for _, c := range acc.AuthorizedColumns {
			auth[c] = true
		}
	}
	if len(auth) == 0 {
		return nil, errors.New("no select")
	}
	out := req.Columns
	if out == nil {
		for _, c := range all {
			if auth[c] {
				out = append(out, c)
			}
		}
	}
	for _, c := range out {
		if !auth[c] {
			return nil, errors.New("hidden column")
		}
	}
	var where rowfilter.Expr
	if req.Where != "" {
		e, err := rowfilter.Parse(req.Where)
		if err != nil {
			return nil, err
		}
		for _, c := range rowfilter.Columns(e) {
			if !auth[strings.ToLower(c.Path[0])] {
				return nil, errors.New("where on hidden column")
			}
		}
		var cols []rowfilter.ColumnType
		for _, c := range tbl.Columns {
			cols = append(cols, rowfilter.ColumnType{Name: c.Name, Type: c.Type, Partition: c.Partition})
		}
		if err := rowfilter.Check(e, cols); err != nil {
			return nil, err
		}
		where = e
	}
	var res []map[string]any
	for _, r := range rows {
		m := rowfilter.Map(r.asMap())
		if !acc.Full && acc.RowFilter != "" {
			if rowfilter.Eval(mustParse(acc.RowFilter), m) != rowfilter.True {
				continue
			}
		}
		seen := rowfilter.Map{}
		for k, v := range m {
			if auth[k] {
				seen[k] = v
			}
		}
		if !acc.Full {
			for _, cf := range acc.CellFilters {
				if rowfilter.Eval(mustParse(cf.RowFilterExpression), m) != rowfilter.True {
					delete(seen, cf.ColumnName)
				}
			}
		}
		if where != nil && rowfilter.Eval(where, seen) != rowfilter.True {
			continue
		}
		o := map[string]any{}
		for _, c := range out {
			if v, ok := seen[c]; ok {
				o[c] = v
			}
		}
		res = append(res, o)
		if req.Limit > 0 && int64(len(res)) == req.Limit {
			break
		}
	}
	return res, nil
}

// genExpr makes a random filter over cols (names from the sample table).
func genExpr(r *rand.Rand, cols []string, depth int) string {
	if depth > 0 && r.IntN(3) == 0 {
		a, b := genExpr(r, cols, depth-1), genExpr(r, cols, depth-1)
		switch r.IntN(3) {
		case 0:
			return "(" + a + " AND " + b + ")"
		case 1:
			return "(" + a + " OR " + b + ")"
		default:
			return "NOT (" + a + ")"
		}
	}
	c := cols[r.IntN(len(cols))]
	switch c {
	case "id", "amount", "year":
		lit := map[string]func() string{
			"id":     func() string { return fmt.Sprint(r.IntN(70)) },
			"amount": func() string { return fmt.Sprint(float64(r.IntN(2000)-500) / 4) },
			"year":   func() string { return fmt.Sprint(2019 + r.IntN(4)) },
		}[c]
		switch r.IntN(5) {
		case 0:
			return c + " BETWEEN " + lit() + " AND " + lit()
		case 1:
			return c + " IN (" + lit() + ", " + lit() + ")"
		case 2:
			if c != "year" {
				return c + " IS NULL"
			}
		}
		return c + " " + []string{"=", "<>", "<", "<=", ">", ">=", "!="}[r.IntN(7)] + " " + lit()
	case "ok":
		if r.IntN(3) == 0 {
			return "ok IS NOT NULL"
		}
		return "ok = " + []string{"TRUE", "FALSE"}[r.IntN(2)]
	default:
		vals := names
		if c == "region" {
			vals = regions
		}
		q := func() string { return "'" + strings.ReplaceAll(vals[r.IntN(len(vals))], "'", "''") + "'" }
		switch r.IntN(5) {
		case 0:
			return c + " LIKE '" + []string{"%a%", "e%", "_est", "%"}[r.IntN(4)] + "'"
		case 1:
			return c + " NOT IN (" + q() + ", " + q() + ")"
		case 2:
			return c + " IS NULL"
		}
		return c + " " + []string{"=", "<>", "<", ">="}[r.IntN(4)] + " " + q()
	}
}

// genAccess builds a TableAccess the way §8.4 resolves a set of grants: column grants (all
// rows) and data cells filters (columns + row expression or all rows).
func genAccess(r *rand.Rand) catalog.TableAccess {
	all := []string{"id", "name", "region", "amount", "ok", "year"}
	if r.IntN(6) == 0 {
		return catalog.TableAccess{Full: true}
	}
	pick := func() []string {
		var out []string
		for _, c := range all {
			if r.IntN(2) == 0 {
				out = append(out, c)
			}
		}
		if len(out) == 0 {
			out = []string{all[r.IntN(len(all))]}
		}
		return out
	}
	allRows := map[string]bool{}
	exprs := map[string][]string{}
	var rowExprs []string
	anyAllRows := false
	if r.IntN(3) == 0 {
		for _, c := range pick() {
			allRows[c] = true
		}
		anyAllRows = true
	}
	for k := r.IntN(3); k > 0; k-- {
		cols := pick()
		if r.IntN(4) == 0 {
			anyAllRows = true
			for _, c := range cols {
				allRows[c] = true
			}
			continue
		}
		e := genExpr(r, all, 1)
		rowExprs = append(rowExprs, e)
		for _, c := range cols {
			exprs[c] = append(exprs[c], e)
		}
	}
	acc := catalog.TableAccess{}
	for _, c := range all {
		if allRows[c] || len(exprs[c]) > 0 {
			acc.AuthorizedColumns = append(acc.AuthorizedColumns, c)
		}
		if !allRows[c] && len(exprs[c]) > 0 {
			acc.CellFilters = append(acc.CellFilters, catalog.CellFilter{ColumnName: c, RowFilterExpression: "(" + strings.Join(exprs[c], ") OR (") + ")"})
		}
	}
	if !anyAllRows && len(rowExprs) > 0 {
		acc.RowFilter = "(" + strings.Join(rowExprs, ") OR (") + ")"
	}
	return acc
}

func TestEquivalence(t *testing.T) {
	// parquet-by-amount sorts each year's rows by amount, so its row groups skip on amount.
	for _, format := range []string{"csv", "json", "parquet", "parquet-by-amount"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(7, uint64(len(format))))
			rows := genRows(r, 60)
			objs := newObjects(t)
			file := format
			if format == "parquet-by-amount" {
				file = "parquet"
				sort.SliceStable(rows, func(i, j int) bool {
					a, b := rows[i], rows[j]
					if a.year != b.year {
						return a.year < b.year
					}
					return a.amount != nil && (b.amount == nil || *a.amount < *b.amount)
				})
			}
			tbl := writeSample(t, objs, file, rows)
			all := []string{"id", "name", "region", "amount", "ok", "year"}
			agreeErr, groups, skipped := 0, 0, 0
			for n := 0; n < 200; n++ {
				acc := genAccess(r)
				req := Request{}
				visible := acc.AuthorizedColumns
				if acc.Full {
					visible = all
				}
				if r.IntN(2) == 0 {
					for _, c := range all {
						if r.IntN(2) == 0 && (r.IntN(10) == 0 || contains(visible, c)) {
							req.Columns = append(req.Columns, c)
						}
					}
				}
				if r.IntN(3) > 0 {
					cols := visible
					if r.IntN(10) == 0 {
						cols = all
					}
					if len(cols) > 0 {
						req.Where = genExpr(r, cols, 2)
					}
				}
				if r.IntN(3) == 0 {
					req.Limit = int64(1 + r.IntN(15))
				}
				want, wantErr := reference(tbl, rows, &acc, req)
				got, st, err := scanStats(t, objs, tbl, &acc, req)
				groups += st.RowGroups
				skipped += st.RowGroupsSkipped
				if (err != nil) != (wantErr != nil) {
					t.Fatalf("case %d %+v %+v: err %v, reference err %v", n, acc, req, err, wantErr)
				}
				if err != nil {
					agreeErr++
					continue
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Fatalf("case %d access %+v request %+v (-want +got):\n%s", n, acc, req, d)
				}
			}
			t.Logf("%s: 200 cases, %d refused by both; Parquet row groups: %d read, %d skipped", format, agreeErr, groups, skipped)
			if file == "parquet" && skipped < 100 {
				t.Errorf("only %d row groups skipped: the statistics are not exercised", skipped)
			}
		})
	}
}

func contains(s []string, x string) bool {
	i := sort.SearchStrings(s, x)
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return i < 0
}

func mustParse(s string) rowfilter.Expr {
	e, err := rowfilter.Parse(s)
	if err != nil {
		panic(err)
	}
	return e
}
