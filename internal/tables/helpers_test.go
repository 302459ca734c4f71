package tables

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicehq/sluice/internal/blob"
	"github.com/sluicehq/sluice/internal/blob/localfs"
	"github.com/sluicehq/sluice/internal/catalog"
)

func newObjects(t testing.TB) *localfs.FS {
	t.Helper()
	fs, err := localfs.Open(t.TempDir(), &localfs.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fs.Close() })
	return fs
}

func put(t testing.TB, objs blob.Driver, bucket, key string, data []byte) {
	t.Helper()
	if _, err := objs.Put(context.Background(), bucket, key, bytes.NewReader(data), &blob.Attrs{Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// collect is a Sink gathering rows as maps (NULL cells are absent).
type collect struct {
	rows []map[string]any
}

func (c *collect) Write(rec arrow.RecordBatch) error {
	for i := 0; i < int(rec.NumRows()); i++ {
		m := map[string]any{}
		for k, f := range rec.Schema().Fields() {
			if v := valueAt(rec.Column(k), i); v != nil {
				m[f.Name] = v
			}
		}
		c.rows = append(c.rows, m)
	}
	return nil
}

func scanAll(t testing.TB, objs Objects, tbl *Table, acc *catalog.TableAccess, req Request) ([]map[string]any, error) {
	t.Helper()
	rows, _, err := scanStats(t, objs, tbl, acc, req)
	return rows, err
}

// scanStats is scanAll with the scan's Stats.
func scanStats(t testing.TB, objs Objects, tbl *Table, acc *catalog.TableAccess, req Request) ([]map[string]any, Stats, error) {
	t.Helper()
	p, err := Compile(tbl, acc, req)
	if err != nil {
		return nil, Stats{}, err
	}
	var c collect
	st, err := p.Scan(context.Background(), objs, &c, &Options{BatchSize: 7})
	if err != nil {
		return nil, st, err
	}
	return c.rows, st, nil
}

// sample rows: id bigint, name string, region string, amount double, ok boolean; year is a partition.
type sampleRow struct {
	id     int64
	name   *string
	region *string
	amount *float64
	ok     *bool
	year   int64
}

func sp(s string) *string   { return &s }
func fp(f float64) *float64 { return &f }
func bp(b bool) *bool       { return &b }

var sampleColumns = []catalog.ColumnInfo{{Name: "id", Type: "bigint"}, {Name: "name", Type: "string"},
	{Name: "region", Type: "string"}, {Name: "amount", Type: "double"}, {Name: "ok", Type: "boolean"}}

func sampleInfo(format, location string) *catalog.TableInfo {
	return &catalog.TableInfo{Database: "db", Name: "t", Columns: sampleColumns,
		PartitionKeys: []catalog.ColumnInfo{{Name: "year", Type: "int"}},
		Location:      location, Parameters: map[string]string{"classification": format}}
}

func csvLine(r sampleRow) string {
	f := []string{strconv.FormatInt(r.id, 10), `\N`, `\N`, "", ""}
	if r.name != nil {
		f[1] = `"` + strings.ReplaceAll(*r.name, `"`, `""`) + `"`
	}
	if r.region != nil {
		f[2] = *r.region
	}
	if r.amount != nil {
		f[3] = strconv.FormatFloat(*r.amount, 'g', -1, 64)
	}
	if r.ok != nil {
		f[4] = strconv.FormatBool(*r.ok)
	}
	return strings.Join(f, ",") + "\n"
}

func jsonLine(r sampleRow) string {
	parts := []string{fmt.Sprintf(`"id":%d`, r.id)}
	if r.name != nil {
		parts = append(parts, fmt.Sprintf(`"Name":%q`, *r.name))
	}
	if r.region != nil {
		parts = append(parts, fmt.Sprintf(`"region":%q`, *r.region))
	}
	if r.amount != nil {
		parts = append(parts, `"amount":`+strconv.FormatFloat(*r.amount, 'g', -1, 64))
	}
	if r.ok != nil {
		parts = append(parts, fmt.Sprintf(`"ok":%t`, *r.ok))
	}
	return "{" + strings.Join(parts, ",") + "}\n"
}

func parquetFile(t testing.TB, rows []sampleRow) []byte {
	t.Helper()
	return parquetFileGroups(t, rows, rowGroup(len(rows)))
}

// parquetFileGroups writes rows as Parquet with row groups of at most group rows.
func parquetFileGroups(t testing.TB, rows []sampleRow, group int64) []byte {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "region", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.Int64Builder).Append(r.id)
		if r.name != nil {
			b.Field(1).(*array.StringBuilder).Append(*r.name)
		} else {
			b.Field(1).AppendNull()
		}
		if r.region != nil {
			b.Field(2).(*array.StringBuilder).Append(*r.region)
		} else {
			b.Field(2).AppendNull()
		}
		if r.amount != nil {
			b.Field(3).(*array.Float64Builder).Append(*r.amount)
		} else {
			b.Field(3).AppendNull()
		}
		if r.ok != nil {
			b.Field(4).(*array.BooleanBuilder).Append(*r.ok)
		} else {
			b.Field(4).AppendNull()
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(schema, &buf, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(group)), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeSample stores rows as format under s3://data/t/year=Y/ (two files per year, one gzipped
// for text formats) and returns the table.
func writeSample(t testing.TB, objs blob.Driver, format string, rows []sampleRow) *Table {
	t.Helper()
	byYear := map[int64][]sampleRow{}
	var years []int64
	for _, r := range rows {
		if _, ok := byYear[r.year]; !ok {
			years = append(years, r.year)
		}
		byYear[r.year] = append(byYear[r.year], r)
	}
	for _, y := range years {
		rs := byYear[y]
		half := len(rs) / 2
		for part, chunk := range [][]sampleRow{rs[:half], rs[half:]} {
			if len(chunk) == 0 {
				continue
			}
			key := fmt.Sprintf("t/year=%d/part-%d", y, part)
			switch format {
			case "csv":
				var b strings.Builder
				for _, r := range chunk {
					b.WriteString(csvLine(r))
				}
				if part == 1 {
					put(t, objs, "data", key+".csv.gz", gz([]byte(b.String())))
				} else {
					put(t, objs, "data", key+".csv", []byte(b.String()))
				}
			case "json":
				var b strings.Builder
				for _, r := range chunk {
					b.WriteString(jsonLine(r))
				}
				if part == 1 {
					put(t, objs, "data", key+".json.gz", gz([]byte(b.String())))
				} else {
					put(t, objs, "data", key+".json", []byte(b.String()))
				}
			case "parquet":
				put(t, objs, "data", key+".parquet", parquetFile(t, chunk))
			}
		}
	}
	put(t, objs, "data", "t/_SUCCESS", []byte("x"))
	tbl, err := NewTable(sampleInfo(format, "s3://data/t"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// asMap is a sample row as the reference evaluator sees it.
func (r sampleRow) asMap() map[string]any {
	m := map[string]any{"id": r.id, "year": r.year}
	if r.name != nil {
		m["name"] = *r.name
	}
	if r.region != nil {
		m["region"] = *r.region
	}
	if r.amount != nil {
		m["amount"] = *r.amount
	}
	if r.ok != nil {
		m["ok"] = *r.ok
	}
	return m
}

// rowGroup is tiny for test tables (many row groups) and realistic for benchmarks.
func rowGroup(n int) int64 {
	if n > 1000 {
		return 64 << 10
	}
	return 5
}
