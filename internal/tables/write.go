package tables

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// copyCells appends a[sel] to b; a cell whose vis entry is false is NULL.
func copyCells(b array.Builder, a arrow.Array, sel []int, vis []bool) {
	b.Reserve(len(sel))
	hidden := func(i int) bool { return a.IsNull(i) || vis != nil && !vis[i] }
	switch bb := b.(type) {
	case *array.StringBuilder:
		if s, ok := a.(*array.String); ok {
			for _, i := range sel {
				if hidden(i) {
					bb.AppendNull()
				} else {
					bb.Append(s.Value(i))
				}
			}
			return
		}
	case *array.Int64Builder:
		if s, ok := a.(*array.Int64); ok {
			v := s.Int64Values()
			for _, i := range sel {
				if hidden(i) {
					bb.AppendNull()
				} else {
					bb.UnsafeAppend(v[i])
				}
			}
			return
		}
	case *array.Int32Builder:
		if s, ok := a.(*array.Int32); ok {
			v := s.Int32Values()
			for _, i := range sel {
				if hidden(i) {
					bb.AppendNull()
				} else {
					bb.UnsafeAppend(v[i])
				}
			}
			return
		}
	case *array.Float64Builder:
		if s, ok := a.(*array.Float64); ok {
			v := s.Float64Values()
			for _, i := range sel {
				if hidden(i) {
					bb.AppendNull()
				} else {
					bb.UnsafeAppend(v[i])
				}
			}
			return
		}
	}
	for _, i := range sel {
		if hidden(i) {
			b.AppendNull()
		} else {
			appendAny(b, valueAt(a, i))
		}
	}
}

// appendAny appends a normalized value (int64, float64, string, bool) as b's type.
func appendAny(b array.Builder, x any) {
	if x == nil {
		b.AppendNull()
		return
	}
	switch bb := b.(type) {
	case *array.StringBuilder:
		bb.Append(fmt.Sprint(x))
		return
	case *array.BinaryBuilder:
		bb.Append([]byte(fmt.Sprint(x)))
		return
	case *array.BooleanBuilder:
		if v, ok := x.(bool); ok {
			bb.Append(v)
			return
		}
	case *array.Int8Builder, *array.Int16Builder, *array.Int32Builder, *array.Int64Builder:
		var n int64
		switch v := x.(type) {
		case int64:
			n = v
		case float64:
			n = int64(v)
		default:
			b.AppendNull()
			return
		}
		switch bb := b.(type) {
		case *array.Int8Builder:
			bb.Append(int8(n))
		case *array.Int16Builder:
			bb.Append(int16(n))
		case *array.Int32Builder:
			bb.Append(int32(n))
		case *array.Int64Builder:
			bb.Append(n)
		}
		return
	case *array.Float32Builder:
		switch v := x.(type) {
		case int64:
			bb.Append(float32(v))
			return
		case float64:
			bb.Append(float32(v))
			return
		}
	case *array.Float64Builder:
		switch v := x.(type) {
		case int64:
			bb.Append(float64(v))
			return
		case float64:
			bb.Append(v)
			return
		case string:
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				bb.Append(f)
				return
			}
		}
	case *array.Date32Builder, *array.TimestampBuilder:
		if s, ok := x.(string); ok {
			appendText(b, []byte(s), "")
			return
		}
	}
	b.AppendNull()
}

// Formats lists the output formats NewSink knows.
var Formats = []string{"csv", "jsonl", "arrow", "parquet"}

// ContentType returns the media type of an output format.
func ContentType(format string) string {
	switch format {
	case "csv":
		return "text/csv; charset=utf-8"
	case "jsonl":
		return "application/x-ndjson"
	case "arrow":
		return "application/vnd.apache.arrow.stream"
	case "parquet":
		return "application/vnd.apache.parquet"
	}
	return "application/octet-stream"
}

// WriteSink is a Sink that must be closed to finish its output.
type WriteSink interface {
	Sink
	Close() error
}

// NewSink returns a sink writing schema's batches to w as format (csv, jsonl, arrow, parquet).
func NewSink(w io.Writer, format string, schema *arrow.Schema) (WriteSink, error) {
	switch format {
	case "", "csv":
		s := &csvSink{w: csv.NewWriter(w), schema: schema}
		names := make([]string, schema.NumFields())
		for i, f := range schema.Fields() {
			names[i] = f.Name
		}
		return s, s.w.Write(names)
	case "jsonl":
		return &jsonSink{w: bufio.NewWriterSize(w, 64<<10), schema: schema}, nil
	case "arrow":
		return &ipcSink{w: ipc.NewWriter(w, ipc.WithSchema(schema))}, nil
	case "parquet":
		fw, err := pqarrow.NewFileWriter(schema, nopCloser{w}, parquet.NewWriterProperties(parquet.WithCompression(0)), pqarrow.DefaultWriterProps())
		if err != nil {
			return nil, err
		}
		return &parquetSink{w: fw}, nil
	}
	return nil, errorf(Invalid, "format %q is not one of csv, jsonl, arrow, parquet", format)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// formatCell prints a cell as text ("" for NULL).
func formatCell(a arrow.Array, i int) (string, bool) {
	switch x := valueAt(a, i).(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	default:
		return fmt.Sprint(x), true
	}
}

type csvSink struct {
	w      *csv.Writer
	schema *arrow.Schema
	row    []string
}

func (s *csvSink) Write(rec arrow.RecordBatch) error {
	n := int(rec.NumRows())
	if cap(s.row) < int(rec.NumCols()) {
		s.row = make([]string, rec.NumCols())
	}
	s.row = s.row[:rec.NumCols()]
	for i := 0; i < n; i++ {
		for c := range s.row {
			s.row[c], _ = formatCell(rec.Column(c), i)
		}
		if err := s.w.Write(s.row); err != nil {
			return err
		}
	}
	return s.w.Error()
}

func (s *csvSink) Close() error { s.w.Flush(); return s.w.Error() }

type jsonSink struct {
	w      *bufio.Writer
	schema *arrow.Schema
	buf    []byte
}

func (s *jsonSink) Write(rec arrow.RecordBatch) error {
	n := int(rec.NumRows())
	names := make([][]byte, rec.NumCols())
	for c := range names {
		names[c], _ = json.Marshal(s.schema.Field(c).Name)
	}
	for i := 0; i < n; i++ {
		b := append(s.buf[:0], '{')
		for c := range names {
			if c > 0 {
				b = append(b, ',')
			}
			b = append(b, names[c]...)
			b = append(b, ':')
			switch x := valueAt(rec.Column(c), i).(type) {
			case nil:
				b = append(b, "null"...)
			case string:
				q, _ := json.Marshal(x)
				b = append(b, q...)
			case int64:
				b = strconv.AppendInt(b, x, 10)
			case float64:
				if math.IsNaN(x) || math.IsInf(x, 0) {
					b = append(b, "null"...)
				} else {
					b = strconv.AppendFloat(b, x, 'g', -1, 64)
				}
			case bool:
				b = strconv.AppendBool(b, x)
			default:
				q, _ := json.Marshal(fmt.Sprint(x))
				b = append(b, q...)
			}
		}
		b = append(b, '}', '\n')
		s.buf = b
		if _, err := s.w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func (s *jsonSink) Close() error { return s.w.Flush() }

type ipcSink struct{ w *ipc.Writer }

func (s *ipcSink) Write(rec arrow.RecordBatch) error { return s.w.Write(rec) }
func (s *ipcSink) Close() error                      { return s.w.Close() }

type parquetSink struct{ w *pqarrow.FileWriter }

func (s *parquetSink) Write(rec arrow.RecordBatch) error { return s.w.Write(rec) }
func (s *parquetSink) Close() error                      { return s.w.Close() }

var _ = time.Time{}
