package tables

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicehq/sluice/internal/catalog"
)

type discard struct{ rows int64 }

func (d *discard) Write(rec arrow.RecordBatch) error { d.rows += rec.NumRows(); return nil }

func benchRows(n int) []sampleRow {
	rows := make([]sampleRow, n)
	for i := range rows {
		rows[i] = sampleRow{id: int64(i), name: sp(fmt.Sprintf("name-%d", i)), region: sp(regions[i%3]),
			amount: fp(float64(i%1000) / 4), ok: bp(i%2 == 0), year: 2020}
	}
	return rows
}

const benchN = 200_000

// BenchmarkRead compares the filtered read (row filter on region, a cell filter, projection to
// three columns) with a plain arrow-go scan of the same file (all columns, no filtering).
func BenchmarkRead(b *testing.B) {
	rows := benchRows(benchN)
	acc := &catalog.TableAccess{AuthorizedColumns: []string{"id", "name", "amount"}, RowFilter: "region = 'east' OR amount > 100",
		CellFilters: []catalog.CellFilter{{ColumnName: "name", RowFilterExpression: "region = 'east'"}}}
	for _, format := range []string{"parquet", "csv"} {
		objs := newObjects(b)
		var data []byte
		if format == "parquet" {
			data = parquetFile(b, rows)
			put(b, objs, "data", "t/year=2020/f.parquet", data)
		} else {
			var s strings.Builder
			for _, r := range rows {
				s.WriteString(csvLine(r))
			}
			data = []byte(s.String())
			put(b, objs, "data", "t/year=2020/f.csv", data)
		}
		tbl, err := NewTable(sampleInfo(format, "s3://data/t/"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(format+"/filtered", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				p, err := Compile(tbl, acc, Request{Where: "id >= 0"})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := p.Scan(context.Background(), objs, &discard{}, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(format+"/plain-arrow", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var n int64
				if format == "parquet" {
					pf, err := file.NewParquetReader(bytes.NewReader(data))
					if err != nil {
						b.Fatal(err)
					}
					fr, _ := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 8192}, memory.DefaultAllocator)
					rr, err := fr.GetRecordReader(context.Background(), nil, nil)
					if err != nil {
						b.Fatal(err)
					}
					for rr.Next() {
						n += rr.RecordBatch().NumRows()
					}
					rr.Release()
					pf.Close()
				} else {
					schema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
						{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
						{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true}, {Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true}}, nil)
					r := csv.NewReader(io.Reader(bytes.NewReader(data)), schema, csv.WithChunk(8192), csv.WithNullReader(true, `\N`, ""))
					for r.Next() {
						n += r.RecordBatch().NumRows()
					}
					if err := r.Err(); err != nil {
						b.Fatal(err)
					}
					r.Release()
				}
				if n != benchN {
					b.Fatalf("rows %d", n)
				}
			}
		})
	}
}
