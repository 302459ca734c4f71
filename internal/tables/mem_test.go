package tables

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/blob"
	"github.com/sluicehq/sluice/internal/catalog"
)

// csvGen streams n bytes (whole lines) of sample CSV.
type csvGen struct {
	left int64
	i    int64
	buf  []byte
}

func (g *csvGen) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(g.buf) == 0 {
			if g.left <= 0 {
				if n == 0 {
					return 0, io.EOF
				}
				return n, nil
			}
			g.buf = []byte(csvLine(sampleRow{id: g.i, name: sp("name-" + strconv.FormatInt(g.i, 10)), region: sp(regions[g.i%3]),
				amount: fp(float64(g.i%1000) / 4), ok: bp(g.i%2 == 0), year: 2020}))
			g.i++
			g.left -= int64(len(g.buf))
		}
		c := copy(p[n:], g.buf)
		g.buf = g.buf[c:]
		n += c
	}
	return n, nil
}

// TestMemoryFlat (SLUICE_TABLES_MEM=1) scans a 10 MB and a 1 GB CSV table with a row filter,
// a cell filter and projection, sampling the Go heap: peak heap must not grow with the table.
func TestMemoryFlat(t *testing.T) {
	if os.Getenv("SLUICE_TABLES_MEM") == "" {
		t.Skip("set SLUICE_TABLES_MEM=1 to measure")
	}
	acc := &catalog.TableAccess{AuthorizedColumns: []string{"id", "name", "amount"}, RowFilter: "region = 'east' OR amount > 100",
		CellFilters: []catalog.CellFilter{{ColumnName: "name", RowFilterExpression: "region = 'east'"}}}
	for _, size := range []int64{10 << 20, 1 << 30} {
		objs := newObjects(t)
		if _, err := objs.Put(context.Background(), "data", "t/year=2020/f.csv", &csvGen{left: size}, &blob.Attrs{Size: -1}); err != nil {
			t.Fatal(err)
		}
		tbl, _ := NewTable(sampleInfo("csv", "s3://data/t/"), nil)
		p, err := Compile(tbl, acc, Request{})
		if err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		var peak atomic.Uint64
		stop := make(chan struct{})
		go func() {
			var ms runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}()
		start := time.Now()
		st, err := p.Scan(context.Background(), objs, &discard{}, nil)
		close(stop)
		if err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		t.Logf("%s table: %d rows read, %d returned in %v (%.0f MB/s), peak heap in use %.1f MB",
			fmt.Sprintf("%d MB", size>>20), st.RowsRead, st.RowsReturned, el, float64(size)/1e6/el.Seconds(), float64(peak.Load())/(1<<20))
	}
}
