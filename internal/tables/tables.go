package tables

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicehq/sluice/internal/catalog"
)

// Kind classifies errors; the set is closed.
type Kind uint8

const (
	// Invalid: a malformed request (columns, where, limit, format).
	Invalid Kind = iota + 1
	// Denied: the principal may not read what it asked for.
	Denied
	// Unsupported: the table's format or a column type cannot be read.
	Unsupported
	// Corrupt: a data file could not be decoded.
	Corrupt
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case Denied:
		return "denied"
	case Unsupported:
		return "unsupported"
	case Corrupt:
		return "corrupt"
	}
	return "unknown"
}

// Error is the package's error type.
type Error struct {
	Kind Kind
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return "tables: " + e.Msg + ": " + e.Err.Error()
	}
	return "tables: " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// KindOf returns the Kind of err (0 when it is not an *Error).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// Format is a table's file format.
type Format uint8

const (
	CSV Format = iota + 1
	JSONLines
	Parquet
)

func (f Format) String() string {
	switch f {
	case CSV:
		return "csv"
	case JSONLines:
		return "json"
	case Parquet:
		return "parquet"
	}
	return "unknown"
}

// CSVOptions are the SerDe parameters of a delimited text table.
type CSVOptions struct {
	Delimiter  byte // field.delim / separatorChar; default ','
	Quote      byte // quoteChar; 0 = no quoting (LazySimpleSerDe)
	Escape     byte // escapeChar / escape.delim; 0 = none
	SkipHeader int  // skip.header.line.count
}

// Column is a table column with its Hive type.
type Column struct {
	Name      string // lower case, as Glue stores it
	Type      string
	Partition bool
}

// Table is a catalog table resolved for reading.
type Table struct {
	Database, Name string
	Columns        []Column // data columns then partition keys
	Bucket, Prefix string   // from the s3:// location; Prefix ends in "/" unless empty
	Format         Format
	CSV            CSVOptions
}

// Serde is the part of a Glue table's StorageDescriptor that TableInfo does not carry.
type Serde struct {
	SerializationLibrary string
	InputFormat          string
	Parameters           map[string]string
}

// NewTable resolves a catalog table for reading. serde may be nil (the format then comes from
// the table's classification parameter).
func NewTable(ti *catalog.TableInfo, serde *Serde) (*Table, error) {
	t := &Table{Database: ti.Database, Name: ti.Name}
	for _, c := range ti.Columns {
		t.Columns = append(t.Columns, Column{Name: strings.ToLower(c.Name), Type: c.Type})
	}
	for _, c := range ti.PartitionKeys {
		t.Columns = append(t.Columns, Column{Name: strings.ToLower(c.Name), Type: c.Type, Partition: true})
	}
	for _, c := range t.Columns {
		if _, err := ArrowType(c.Type); err != nil {
			return nil, err
		}
	}
	loc := ti.Location
	switch {
	case strings.HasPrefix(loc, "s3://"), strings.HasPrefix(loc, "s3a://"):
		loc = loc[strings.Index(loc, "://")+3:]
	default:
		return nil, errorf(Unsupported, "table location %q is not an s3:// location", ti.Location)
	}
	bucket, prefix, _ := strings.Cut(loc, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	t.Bucket, t.Prefix = bucket, prefix
	params := map[string]string{}
	for k, v := range ti.Parameters {
		params[k] = v
	}
	lib, input := "", ""
	if serde != nil {
		for k, v := range serde.Parameters {
			params[k] = v
		}
		lib, input = strings.ToLower(serde.SerializationLibrary), strings.ToLower(serde.InputFormat)
	}
	cls := strings.ToLower(params["classification"])
	switch {
	case cls == "parquet" || strings.Contains(lib, "parquet") || strings.Contains(input, "parquet"):
		t.Format = Parquet
	case cls == "json" || strings.Contains(lib, "json"):
		t.Format = JSONLines
	case cls == "csv" || strings.Contains(lib, "opencsv") || strings.Contains(lib, "lazysimple") || cls == "" && (lib != "" || input != ""):
		t.Format = CSV
	default:
		return nil, errorf(Unsupported, "table format %q is not supported", cls)
	}
	if t.Format == CSV {
		o := CSVOptions{Delimiter: ','}
		opencsv := strings.Contains(lib, "opencsv")
		if opencsv || cls == "csv" && !strings.Contains(lib, "lazysimple") {
			o.Quote, o.Escape = '"', '\\'
		}
		if v := firstOf(params, "field.delim", "separatorChar"); v != "" {
			o.Delimiter = unescapeChar(v)
		}
		if v := firstOf(params, "quoteChar"); v != "" {
			o.Quote = unescapeChar(v)
		}
		if v := firstOf(params, "escapeChar", "escape.delim"); v != "" {
			o.Escape = unescapeChar(v)
		}
		if v := params["skip.header.line.count"]; v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, errorf(Unsupported, "skip.header.line.count %q is not a count", v)
			}
			o.SkipHeader = n
		}
		t.CSV = o
	}
	return t, nil
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return ""
}

// unescapeChar reads a SerDe character parameter: a character, "\t", or a decimal code ("9").
func unescapeChar(s string) byte {
	switch s {
	case `\t`:
		return '\t'
	case `\\`:
		return '\\'
	}
	if len(s) > 1 {
		if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 128 {
			return byte(n)
		}
	}
	return s[0]
}

// column returns the index of the column named name (case-insensitively), or -1.
func (t *Table) column(name string) int {
	for i, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// ArrowType maps a Hive type to the Arrow type the readers produce. Dates are Date32,
// timestamps microsecond timestamps, decimals float64; complex types are read as their text.
func ArrowType(hive string) (arrow.DataType, error) {
	t := strings.ToLower(strings.TrimSpace(hive))
	base := t
	if i := strings.IndexAny(t, "(<"); i >= 0 {
		base = strings.TrimSpace(t[:i])
	}
	switch base {
	case "string", "char", "varchar":
		return arrow.BinaryTypes.String, nil
	case "tinyint":
		return arrow.PrimitiveTypes.Int8, nil
	case "smallint":
		return arrow.PrimitiveTypes.Int16, nil
	case "int", "integer":
		return arrow.PrimitiveTypes.Int32, nil
	case "bigint", "long":
		return arrow.PrimitiveTypes.Int64, nil
	case "float", "real":
		return arrow.PrimitiveTypes.Float32, nil
	case "double", "decimal", "numeric":
		return arrow.PrimitiveTypes.Float64, nil
	case "boolean", "bool":
		return arrow.FixedWidthTypes.Boolean, nil
	case "date":
		return arrow.FixedWidthTypes.Date32, nil
	case "timestamp":
		return arrow.FixedWidthTypes.Timestamp_us, nil
	case "binary":
		return arrow.BinaryTypes.Binary, nil
	case "array", "map", "struct":
		return arrow.BinaryTypes.String, nil
	}
	return nil, errorf(Unsupported, "column type %q is not supported", hive)
}
