package tables

import (
	"bytes"
	"context"
	"testing"

	"github.com/sluicehq/sluice/internal/catalog"
)

// FuzzSplit: splitting never panics and a record without quotes or escapes splits on every
// delimiter.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"1,\"x, y\"\n", "1\ta\\\tb\n", "1|'a|b'\r\n", `\N,\N`, `"unterminated`, "a,,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o := CSVOptions{Delimiter: ',', Quote: '"', Escape: '\\'}
		fields := split([]byte(s), o, nil, 1<<20)
		if !bytes.ContainsAny([]byte(s), "\"\\\r\n") {
			if want := bytes.Count([]byte(s), []byte(",")) + 1; len(fields) != want {
				t.Fatalf("%q: %d fields, want %d", s, len(fields), want)
			}
		}
	})
}

// FuzzWhere: any where clause either compiles or is refused as Invalid; one that compiles
// never returns a row the principal's row filter hides (region = 'east' only).
func FuzzWhere(f *testing.F) {
	for _, s := range []string{"id > 3", "name IS NULL", "region = 'west' OR id >= 0", "NOT (amount < 0)", "name LIKE '%a%'", "zz = 1", "id ="} {
		f.Add(s)
	}
	rows := benchRows(30)
	objs := newObjects(f)
	tbl := writeSample(f, objs, "csv", rows)
	acc := &catalog.TableAccess{AuthorizedColumns: []string{"id", "region", "amount"}, RowFilter: "region = 'east'"}
	f.Fuzz(func(t *testing.T, where string) {
		p, err := Compile(tbl, acc, Request{Where: where})
		if err != nil {
			if KindOf(err) != Invalid {
				t.Fatalf("%q: %v", where, err)
			}
			return
		}
		var c collect
		if _, err := p.Scan(context.Background(), objs, &c, nil); err != nil {
			t.Fatal(err)
		}
		for _, r := range c.rows {
			if r["region"] != "east" {
				t.Fatalf("%q revealed %v", where, r)
			}
		}
	})
}
