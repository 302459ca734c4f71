package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sluicehq/sluice/internal/lfquery"
)

// sluice query reads its SQL with the Lake Formation query API's parser; these are the
// statements users type at the command line.
func TestQueryStatements(t *testing.T) {
	tests := []struct {
		name, q string
		want    *lfquery.Statement
		wantErr bool
	}{
		{"star", "SELECT * FROM tpc.t", &lfquery.Statement{Database: "tpc", Table: "t"}, false},
		{"cols where limit", "select a, b from db.t where a = 'x LIMIT 3' and b > 2 limit 10;",
			&lfquery.Statement{Columns: []string{"a", "b"}, Database: "db", Table: "t", Where: "a = 'x LIMIT 3' and b > 2", Limit: 10}, false},
		{"limit only", "SELECT a FROM d.t LIMIT 5", &lfquery.Statement{Columns: []string{"a"}, Database: "d", Table: "t", Limit: 5}, false},
		{"from in string", "SELECT a FROM d.t WHERE a = ' from x'", &lfquery.Statement{Columns: []string{"a"}, Database: "d", Table: "t", Where: "a = ' from x'"}, false},
		{"no db", "SELECT * FROM t", nil, true},
		{"no select", "DELETE FROM d.t", nil, true},
		{"junk", "SELECT * FROM d.t ORDER BY a", nil, true},
		{"bad limit", "SELECT * FROM d.t LIMIT x", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := lfquery.ParseStatement(tc.q, "")
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if got != nil {
				got.Where = strings.TrimSpace(got.Where) // sluice query sends it trimmed
			}
			if d := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(lfquery.Statement{}, "WherePos")); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
