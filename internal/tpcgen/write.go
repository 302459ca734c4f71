package tpcgen

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

func (g *Generator) check(t TableName) error {
	if schemas[t] == nil {
		return fmt.Errorf("tpcgen: unknown table %q", t)
	}
	return nil
}

// formatValue renders a value as CSV and JSON both read it: integers in decimal, floats in the
// shortest form that parses back to the same float64.
func formatValue(v any) string {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		return v
	}
	panic(fmt.Sprintf("tpcgen: unexpected %T", v))
}

// WriteCSV writes t as RFC 4180 CSV (fields with a comma or quote are quoted), with a header
// line of column names when header is true.
func (g *Generator) WriteCSV(w io.Writer, t TableName, header bool) error {
	if err := g.check(t); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	rec := make([]string, len(schemas[t]))
	if header {
		for j, c := range schemas[t] {
			rec[j] = c.Name
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	for i := range g.Rows(t) {
		for j, v := range g.Row(t, i) {
			rec[j] = formatValue(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSONL writes t as JSON lines: one object per row, keys in column order.
func (g *Generator) WriteJSONL(w io.Writer, t TableName) error {
	if err := g.check(t); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	cols := schemas[t]
	var line []byte
	for i := range g.Rows(t) {
		line = append(line[:0], '{')
		for j, v := range g.Row(t, i) {
			if j > 0 {
				line = append(line, ',')
			}
			line = appendJSONString(line, cols[j].Name)
			line = append(line, ':')
			if s, ok := v.(string); ok {
				line = appendJSONString(line, s)
			} else {
				line = append(line, formatValue(v)...)
			}
		}
		line = append(line, '}', '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		}
		i++
	}
	return append(b, '"')
}

// ArrowSchema returns t's schema as Arrow fields (all nullable, as Glue columns are).
func ArrowSchema(t TableName) *arrow.Schema {
	var fields []arrow.Field
	for _, c := range schemas[t] {
		var typ arrow.DataType
		switch c.Type {
		case Int64:
			typ = arrow.PrimitiveTypes.Int64
		case Float64:
			typ = arrow.PrimitiveTypes.Float64
		default:
			typ = arrow.BinaryTypes.String
		}
		fields = append(fields, arrow.Field{Name: c.Name, Type: typ, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

// ParquetOptions tunes WriteParquet; nil = defaults.
type ParquetOptions struct {
	// RowGroupRows is the number of rows per row group (default 16384). Memory use is bounded
	// by one row group.
	RowGroupRows int
}

// WriteParquet writes t as one Parquet file (Snappy-compressed row groups).
func (g *Generator) WriteParquet(w io.Writer, t TableName, opts *ParquetOptions) error {
	if err := g.check(t); err != nil {
		return err
	}
	group := 16384
	if opts != nil && opts.RowGroupRows > 0 {
		group = opts.RowGroupRows
	}
	schema := ArrowSchema(t)
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(int64(group)), parquet.WithCompression(compress.Codecs.Snappy))
	fw, err := pqarrow.NewFileWriter(schema, w, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return err
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	n := g.Rows(t)
	for start := 0; start < n; start += group {
		for i := start; i < min(start+group, n); i++ {
			for j, v := range g.Row(t, i) {
				switch v := v.(type) {
				case int64:
					rb.Field(j).(*array.Int64Builder).Append(v)
				case float64:
					rb.Field(j).(*array.Float64Builder).Append(v)
				case string:
					rb.Field(j).(*array.StringBuilder).Append(v)
				}
			}
		}
		rec := rb.NewRecordBatch()
		err := fw.Write(rec)
		rec.Release()
		if err != nil {
			fw.Close()
			return err
		}
	}
	return fw.Close()
}
