package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSelect(t *testing.T) {
	tests := []struct {
		name, q string
		want    *Select
		wantErr bool
	}{
		{"star", "SELECT * FROM tpc.t", &Select{Database: "tpc", Table: "t"}, false},
		{"cols where limit", "select a, b from db.t where a = 'x LIMIT 3' and b > 2 limit 10;",
			&Select{Columns: []string{"a", "b"}, Database: "db", Table: "t", Where: "a = 'x LIMIT 3' and b > 2", Limit: 10}, false},
		{"limit only", "SELECT a FROM d.t LIMIT 5", &Select{Columns: []string{"a"}, Database: "d", Table: "t", Limit: 5}, false},
		{"from in string", "SELECT a FROM d.t WHERE a = ' from x'", &Select{Columns: []string{"a"}, Database: "d", Table: "t", Where: "a = ' from x'"}, false},
		{"no db", "SELECT * FROM t", nil, true},
		{"no select", "DELETE FROM d.t", nil, true},
		{"junk", "SELECT * FROM d.t ORDER BY a", nil, true},
		{"bad limit", "SELECT * FROM d.t LIMIT x", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSelect(tc.q)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func FuzzParseSelect(f *testing.F) {
	for _, s := range []string{"SELECT * FROM tpc.t", "select a, b from db.t where a = 'x LIMIT 3' limit 10;", "SELECT a FROM d.t WHERE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		ParseSelect(q)
	})
}
