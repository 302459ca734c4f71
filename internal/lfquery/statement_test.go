package lfquery

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var statementCases = []struct {
	name    string
	q       string
	db      string
	want    *Statement
	wantPos int    // for errors: the position the error names
	wantMsg string // for errors
}{
	{name: "star", q: "SELECT * FROM sales.orders", want: &Statement{Database: "sales", Table: "orders"}},
	{name: "default database", q: "select * from orders", db: "sales", want: &Statement{Database: "sales", Table: "orders"}},
	{name: "qualified beats default", q: "SELECT * FROM hr.people", db: "sales", want: &Statement{Database: "hr", Table: "people"}},
	{name: "columns", q: "SELECT id, region ,amount FROM sales.orders", want: &Statement{Columns: []string{"id", "region", "amount"}, Database: "sales", Table: "orders"}},
	{name: "quoted identifiers", q: `SELECT "Order ""Id""" FROM "my db"."my table"`, want: &Statement{Columns: []string{`Order "Id"`}, Database: "my db", Table: "my table"}},
	{name: "where", q: "SELECT * FROM s.o WHERE region = 'CA'", want: &Statement{Database: "s", Table: "o", Where: " region = 'CA'", WherePos: 24}},
	{name: "where and limit", q: "SELECT id FROM s.o WHERE a > 1 AND b IN ('x','y') LIMIT 10;", want: &Statement{Columns: []string{"id"}, Database: "s", Table: "o", Where: " a > 1 AND b IN ('x','y') ", WherePos: 25, Limit: 10}},
	{name: "limit only", q: "SELECT * FROM s.o LIMIT 5", want: &Statement{Database: "s", Table: "o", Limit: 5}},
	{name: "limit inside a string", q: "SELECT * FROM s.o WHERE note = 'LIMIT 3'", want: &Statement{Database: "s", Table: "o", Where: " note = 'LIMIT 3'", WherePos: 24}},
	{name: "column called limit", q: "SELECT * FROM s.o WHERE limit > 3", want: &Statement{Database: "s", Table: "o", Where: " limit > 3", WherePos: 24}},
	{name: "newlines", q: "SELECT *\n FROM s.o\n WHERE x = 1\n LIMIT 2\n", want: &Statement{Database: "s", Table: "o", Where: " x = 1\n ", WherePos: 26, Limit: 2}},

	{name: "not select", q: "DELETE FROM s.o", wantPos: 1, wantMsg: `expected SELECT, found "DELETE"`},
	{name: "empty", q: "", wantPos: 1, wantMsg: "expected SELECT, found the end of the query"},
	{name: "no from", q: "SELECT a b", wantPos: 10, wantMsg: `expected FROM, found "b"`},
	{name: "bad column", q: "SELECT a, FROM s.o", wantPos: 11, wantMsg: "expected a column name or *"},
	{name: "no database", q: "SELECT * FROM o", wantPos: 15, wantMsg: `table "o" must be written db.table (or the query planning context must name its database)`},
	{name: "trailing junk", q: "SELECT * FROM s.o ORDER BY x", wantPos: 19, wantMsg: `expected WHERE, LIMIT or the end of the query, found "ORDER"`},
	{name: "bad limit", q: "SELECT * FROM s.o LIMIT x", wantPos: 24, wantMsg: "LIMIT must be a positive integer"},
	{name: "zero limit", q: "SELECT * FROM s.o LIMIT 0", wantPos: 25, wantMsg: "LIMIT must be a positive integer"},
	{name: "empty where", q: "SELECT * FROM s.o WHERE", wantPos: 24, wantMsg: "WHERE needs a condition"},
	{name: "where syntax positioned in the query", q: "SELECT * FROM s.o WHERE region = ", wantPos: 34, wantMsg: "WHERE: expected a literal but found end of expression"},
	{name: "where junk", q: "SELECT * FROM s.o WHERE a = 1 b", wantPos: 31},
}

func TestParseStatement(t *testing.T) {
	for _, tc := range statementCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseStatement(tc.q, tc.db)
			if tc.want != nil {
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(tc.want, got); d != "" {
					t.Fatalf("(-want +got)\n%s", d)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != Invalid {
				t.Fatalf("err = %v, want an Invalid *Error", err)
			}
			if e.Pos != tc.wantPos || tc.wantMsg != "" && e.Msg != tc.wantMsg {
				t.Fatalf("error at %d %q, want at %d %q", e.Pos, e.Msg, tc.wantPos, tc.wantMsg)
			}
		})
	}
}

// FuzzParseStatement: the parser never panics, errors are positioned inside the query (or just
// past it), and a parsed statement names a table and a database.
func FuzzParseStatement(f *testing.F) {
	for _, tc := range statementCases {
		f.Add(tc.q, tc.db)
	}
	f.Fuzz(func(t *testing.T, q, db string) {
		st, err := ParseStatement(q, db)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind != Invalid || e.Pos < 1 || e.Pos > len(q)+1 && len(q) <= MaxStatementLen {
				t.Fatalf("ParseStatement(%q) = %v", q, err)
			}
			return
		}
		if st.Table == "" || st.Database == "" || st.Limit < 0 {
			t.Fatalf("ParseStatement(%q) = %+v", q, st)
		}
		if st.Where != "" && q[st.WherePos-1:st.WherePos-1+len(st.Where)] != st.Where {
			t.Fatalf("WherePos %d does not locate %q in %q", st.WherePos, st.Where, q)
		}
	})
}

func BenchmarkParseStatement(b *testing.B) {
	q := "SELECT ws_order_number, ws_state FROM tpc.dl_tpc_web_sales WHERE ws_state IN ('CA','TX') AND ws_net_paid > 10 LIMIT 100"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseStatement(q, ""); err != nil {
			b.Fatal(err)
		}
	}
}
