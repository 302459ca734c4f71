package tables

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/sluicehq/sluice/internal/blob"
)

// Objects is the part of a blob.Driver the readers use.
type Objects interface {
	Open(ctx context.Context, bucket, key string) (blob.Object, error)
	List(ctx context.Context, bucket string, opts blob.ListOptions) ([]blob.Entry, error)
}

// dataFile is one object of a table with its partition values (by column index).
type dataFile struct {
	key       string
	size      int64
	partition map[int]string
}

// listFiles lists the data files under the table's location: hidden names (_SUCCESS, .crc) and
// folder markers are skipped; key=value segments give partition values.
func listFiles(ctx context.Context, objs Objects, t *Table) ([]dataFile, error) {
	var out []dataFile
	after := ""
	for {
		ents, err := objs.List(ctx, t.Bucket, blob.ListOptions{Prefix: t.Prefix, StartAfter: after, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			after = e.Key
			rel := strings.TrimPrefix(e.Key, t.Prefix)
			base := path.Base(rel)
			if strings.HasSuffix(rel, "/") || e.Size == 0 || strings.HasPrefix(base, "_") || strings.HasPrefix(base, ".") {
				continue
			}
			f := dataFile{key: e.Key, size: e.Size, partition: map[int]string{}}
			segs := strings.Split(rel, "/")
			for _, s := range segs[:len(segs)-1] {
				k, v, ok := strings.Cut(s, "=")
				if !ok {
					continue
				}
				if i := t.column(k); i >= 0 && t.Columns[i].Partition {
					if u, err := url.PathUnescape(v); err == nil {
						v = u
					}
					f.partition[i] = v
				}
			}
			out = append(out, f)
		}
		if len(ents) < 1000 {
			return out, nil
		}
	}
}

// batchReader yields batches of the needed columns (arrays in need order; types may differ
// from ArrowType for Parquet).
type batchReader interface {
	next() (cols []arrow.Array, n int, err error) // io.EOF at the end
	close()
}

// openReader opens one data file for the needed column indices (into t.Columns).
// For Parquet, row groups that pr proves hold no visible row are skipped and counted in st.
// Columns in dict (filter-only string columns) may come back dictionary-encoded.
func openReader(ctx context.Context, objs Objects, t *Table, f dataFile, need []int, batch int, mem memory.Allocator, pr *pruner, dict map[int]bool, st *Stats) (batchReader, error) {
	var data []int // needed data columns
	for _, i := range need {
		if !t.Columns[i].Partition {
			data = append(data, i)
		}
	}
	var inner batchReader
	var err error
	switch t.Format {
	case Parquet:
		inner, err = openParquet(ctx, objs, t, f, data, batch, mem, pr, dict, st)
	default:
		var rc io.ReadCloser
		rc, err = openText(ctx, objs, t.Bucket, f)
		if err == nil {
			if t.Format == CSV {
				inner = newCSVReader(rc, t, data, batch, mem)
			} else {
				inner = newJSONReader(rc, t, data, batch, mem)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return &partitionReader{inner: inner, t: t, f: f, need: need, data: data, mem: mem}, nil
}

// partitionReader adds the partition columns (constant per file) and orders columns as needed.
type partitionReader struct {
	inner batchReader
	t     *Table
	f     dataFile
	need  []int
	data  []int
	mem   memory.Allocator
}

func (p *partitionReader) next() ([]arrow.Array, int, error) {
	cols, n, err := p.inner.next()
	if err != nil {
		return nil, 0, err
	}
	out := make([]arrow.Array, len(p.need))
	di := 0
	for k, i := range p.need {
		c := p.t.Columns[i]
		if !c.Partition {
			out[k] = cols[di]
			di++
			continue
		}
		typ, _ := ArrowType(c.Type)
		b := array.NewBuilder(p.mem, typ)
		v, ok := p.f.partition[i]
		for j := 0; j < n; j++ {
			if !ok || v == "__HIVE_DEFAULT_PARTITION__" {
				b.AppendNull()
			} else {
				appendText(b, []byte(v), c.Type)
			}
		}
		out[k] = b.NewArray()
		b.Release()
	}
	return out, n, nil
}

func (p *partitionReader) close() { p.inner.close() }

// openText opens a text object, decompressing gzip (by name or magic bytes).
func openText(ctx context.Context, objs Objects, bucket string, f dataFile) (io.ReadCloser, error) {
	obj, err := objs.Open(ctx, bucket, f.key)
	if err != nil {
		return nil, err
	}
	r, err := obj.Range(0, obj.Attrs().Size)
	if err != nil {
		obj.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(r, 256<<10)
	magic, _ := br.Peek(2)
	if strings.HasSuffix(f.key, ".gz") || len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			obj.Close()
			return nil, &Error{Kind: Corrupt, Msg: "gzip " + f.key, Err: err}
		}
		return readCloser{bufio.NewReaderSize(zr, 256<<10), obj}, nil
	}
	return readCloser{br, obj}, nil
}

type readCloser struct {
	*bufio.Reader
	c io.Closer
}

func (r readCloser) Close() error { return r.c.Close() }

// builders is a set of array builders for data columns.
type builders struct {
	t    *Table
	cols []int
	bs   []array.Builder
	n    int
}

func newBuilders(t *Table, cols []int, mem memory.Allocator) *builders {
	b := &builders{t: t, cols: cols}
	for _, i := range cols {
		typ, _ := ArrowType(t.Columns[i].Type)
		b.bs = append(b.bs, array.NewBuilder(mem, typ))
	}
	return b
}

func (b *builders) flush() []arrow.Array {
	out := make([]arrow.Array, len(b.bs))
	for i, bb := range b.bs {
		out[i] = bb.NewArray()
	}
	b.n = 0
	return out
}

func (b *builders) release() {
	for _, bb := range b.bs {
		bb.Release()
	}
}

// appendText appends a textual value as the column's Hive type; text that does not parse as
// the type is NULL (Hive's rule), as are \N and, for non-string types, the empty string.
func appendText(b array.Builder, v []byte, hive string) {
	if len(v) == 2 && v[0] == '\\' && v[1] == 'N' {
		b.AppendNull()
		return
	}
	switch bb := b.(type) {
	case *array.StringBuilder:
		bb.BinaryBuilder.Append(v)
		return
	case *array.BinaryBuilder:
		bb.Append(v)
		return
	}
	s := strings.TrimSpace(string(v))
	if s == "" {
		b.AppendNull()
		return
	}
	ok := true
	switch bb := b.(type) {
	case *array.Int8Builder:
		n, err := strconv.ParseInt(s, 10, 8)
		if ok = err == nil; ok {
			bb.Append(int8(n))
		}
	case *array.Int16Builder:
		n, err := strconv.ParseInt(s, 10, 16)
		if ok = err == nil; ok {
			bb.Append(int16(n))
		}
	case *array.Int32Builder:
		n, err := strconv.ParseInt(s, 10, 32)
		if ok = err == nil; ok {
			bb.Append(int32(n))
		}
	case *array.Int64Builder:
		n, err := strconv.ParseInt(s, 10, 64)
		if ok = err == nil; ok {
			bb.Append(n)
		}
	case *array.Float32Builder:
		f, err := strconv.ParseFloat(s, 32)
		if ok = err == nil; ok {
			bb.Append(float32(f))
		}
	case *array.Float64Builder:
		f, err := strconv.ParseFloat(s, 64)
		if ok = err == nil; ok {
			bb.Append(f)
		}
	case *array.BooleanBuilder:
		switch strings.ToLower(s) {
		case "true":
			bb.Append(true)
		case "false":
			bb.Append(false)
		default:
			ok = false
		}
	case *array.Date32Builder:
		d, err := time.Parse("2006-01-02", s)
		if ok = err == nil; ok {
			bb.Append(arrow.Date32FromTime(d))
		}
	case *array.TimestampBuilder:
		var ts time.Time
		var err error
		for _, layout := range []string{"2006-01-02 15:04:05.999999999", time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
			if ts, err = time.Parse(layout, s); err == nil {
				break
			}
		}
		if ok = err == nil; ok {
			bb.Append(arrow.Timestamp(ts.UnixMicro()))
		}
	default:
		ok = false
	}
	if !ok {
		b.AppendNull()
	}
}

// csvReader reads delimited text with the SerDe's separator, quote and escape characters.
type csvReader struct {
	r      io.ReadCloser
	br     *bufio.Reader
	t      *Table
	o      CSVOptions
	pos    map[int]int // field position → builder index
	maxPos int
	b      *builders
	batch  int
	skip   int
	rec    []byte
	fields [][]byte
	done   bool
}

func newCSVReader(rc io.ReadCloser, t *Table, data []int, batch int, mem memory.Allocator) *csvReader {
	c := &csvReader{r: rc, br: rc.(readCloser).Reader, t: t, o: t.CSV, pos: map[int]int{}, maxPos: -1,
		b: newBuilders(t, data, mem), batch: batch, skip: t.CSV.SkipHeader}
	for k, i := range data {
		c.pos[i] = k // data columns come first in t.Columns, so i is the field position
		c.maxPos = max(c.maxPos, i)
	}
	return c
}

// readRecord reads one record (a line, or several when a quoted field holds newlines).
func (c *csvReader) readRecord() ([]byte, error) {
	c.rec = c.rec[:0]
	inQuote := false
	for {
		line, err := c.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			c.rec = append(c.rec, line...)
			continue
		}
		if len(line) == 0 && err != nil {
			if len(c.rec) > 0 {
				return c.rec, nil
			}
			return nil, err
		}
		if c.o.Quote != 0 {
			for j := 0; j < len(line); j++ {
				switch line[j] {
				case c.o.Escape:
					if c.o.Escape != 0 {
						j++
					}
				case c.o.Quote:
					inQuote = !inQuote
				}
			}
		}
		c.rec = append(c.rec, line...)
		if !inQuote || err != nil {
			return c.rec, nil
		}
	}
}

// split cuts a record into fields, removing quotes and escapes; fields alias a scratch copy.
func split(rec []byte, o CSVOptions, fields [][]byte, limit int) [][]byte {
	rec = bytes.TrimSuffix(rec, []byte{'\n'})
	rec = bytes.TrimSuffix(rec, []byte{'\r'})
	fields = fields[:0]
	simple := (o.Quote == 0 || bytes.IndexByte(rec, o.Quote) < 0) && (o.Escape == 0 || bytes.IndexByte(rec, o.Escape) < 0)
	if simple {
		for len(fields) <= limit {
			i := bytes.IndexByte(rec, o.Delimiter)
			if i < 0 {
				return append(fields, rec)
			}
			fields = append(fields, rec[:i])
			rec = rec[i+1:]
		}
		return fields
	}
	out := make([]byte, 0, len(rec))
	start := 0
	inQuote := false
	for j := 0; j < len(rec); j++ {
		ch := rec[j]
		switch {
		case !inQuote && ch == '\\' && start == len(out) && j+1 < len(rec) && rec[j+1] == 'N' && (j+2 == len(rec) || rec[j+2] == o.Delimiter):
			out = append(out, '\\', 'N') // Hive's NULL marker stays whole
			j++
		case o.Escape != 0 && ch == o.Escape && j+1 < len(rec) && (o.Escape != o.Quote || inQuote && rec[j+1] == o.Quote):
			j++
			out = append(out, rec[j])
		case o.Quote != 0 && ch == o.Quote:
			if inQuote && j+1 < len(rec) && rec[j+1] == o.Quote {
				out = append(out, ch)
				j++
			} else {
				inQuote = !inQuote
			}
		case ch == o.Delimiter && !inQuote:
			fields = append(fields, out[start:])
			start = len(out)
		default:
			out = append(out, ch)
		}
	}
	return append(fields, out[start:])
}

func (c *csvReader) next() ([]arrow.Array, int, error) {
	if c.done {
		return nil, 0, io.EOF
	}
	for c.b.n < c.batch {
		rec, err := c.readRecord()
		if err != nil {
			if err != io.EOF {
				return nil, 0, &Error{Kind: Corrupt, Msg: "reading " + c.t.Name, Err: err}
			}
			c.done = true
			break
		}
		if c.skip > 0 {
			c.skip--
			continue
		}
		if len(bytes.TrimRight(rec, "\r\n")) == 0 {
			continue
		}
		c.fields = split(rec, c.o, c.fields, c.maxPos)
		for k, i := range c.b.cols {
			if i < len(c.fields) {
				appendText(c.b.bs[k], c.fields[i], c.t.Columns[i].Type)
			} else {
				c.b.bs[k].AppendNull()
			}
		}
		c.b.n++
	}
	if c.b.n == 0 {
		return nil, 0, io.EOF
	}
	n := c.b.n
	return c.b.flush(), n, nil
}

func (c *csvReader) close() { c.b.release(); c.r.Close() }

// jsonReader reads JSON lines: one object per line, keys matched case-insensitively.
type jsonReader struct {
	r     io.ReadCloser
	br    *bufio.Reader
	t     *Table
	b     *builders
	batch int
	done  bool
	line  int
}

func newJSONReader(rc io.ReadCloser, t *Table, data []int, batch int, mem memory.Allocator) *jsonReader {
	return &jsonReader{r: rc, br: rc.(readCloser).Reader, t: t, b: newBuilders(t, data, mem), batch: batch}
}

func (j *jsonReader) next() ([]arrow.Array, int, error) {
	if j.done {
		return nil, 0, io.EOF
	}
	for j.b.n < j.batch {
		line, err := j.br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			j.line++
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(line, &obj); err != nil {
				return nil, 0, &Error{Kind: Corrupt, Msg: fmt.Sprintf("%s: line %d", j.t.Name, j.line), Err: err}
			}
			low := make(map[string]json.RawMessage, len(obj))
			for k, v := range obj {
				low[strings.ToLower(k)] = v
			}
			for k, i := range j.b.cols {
				appendJSON(j.b.bs[k], low[j.t.Columns[i].Name], j.t.Columns[i].Type)
			}
			j.b.n++
		}
		if err != nil {
			if err != io.EOF {
				return nil, 0, &Error{Kind: Corrupt, Msg: "reading " + j.t.Name, Err: err}
			}
			j.done = true
			break
		}
	}
	if j.b.n == 0 {
		return nil, 0, io.EOF
	}
	n := j.b.n
	return j.b.flush(), n, nil
}

func (j *jsonReader) close() { j.b.release(); j.r.Close() }

func appendJSON(b array.Builder, raw json.RawMessage, hive string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		b.AppendNull()
		return
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			b.AppendNull()
			return
		}
		if _, isStr := b.(*array.StringBuilder); isStr {
			b.(*array.StringBuilder).Append(s)
			return
		}
		appendText(b, []byte(s), hive)
		return
	}
	appendText(b, raw, hive)
}

// parquetReader reads the needed columns of a Parquet file with pqarrow.
type parquetReader struct {
	obj   *objectReaderAt
	rr    pqarrow.RecordReader // nil when every row group was skipped
	slot  []int                // per needed data column: index into the record's columns, -1 = absent
	types []arrow.DataType
	mem   memory.Allocator
	cur   arrow.RecordBatch
	out   []arrow.Array
}

// parquetLeaf finds the leaf column holding a table column (by name, case-insensitively) and
// the Arrow type pqarrow reads it as; -1 when the file has none (the column reads as NULL).
func parquetLeaf(fields []pqarrow.SchemaField, name string) (int, arrow.DataType) {
	for _, fld := range fields {
		if strings.EqualFold(fld.Field.Name, name) && fld.ColIndex >= 0 {
			return fld.ColIndex, fld.Field.Type
		}
	}
	return -1, nil
}

// dictLeaf is the leaf of a top-level string column stored dictionary-encoded in every row
// group (so reading it as an Arrow dictionary costs no hashing), or -1. Only speed depends on
// it: pqarrow reads any chunk as a dictionary.
func dictLeaf(pf *file.Reader, name string) int {
	md := pf.MetaData()
	for j := 0; j < md.Schema.NumColumns(); j++ {
		c := md.Schema.Column(j)
		if len(c.ColumnPath()) != 1 || !strings.EqualFold(c.Name(), name) {
			continue
		}
		if _, ok := c.LogicalType().(schema.StringLogicalType); !ok || c.PhysicalType() != parquet.Types.ByteArray {
			return -1
		}
		for g := 0; g < md.NumRowGroups(); g++ {
			cc, err := md.RowGroup(g).ColumnChunk(j)
			if err != nil || !cc.HasDictionaryPage() {
				return -1
			}
			for _, e := range cc.EncodingStats() {
				data := e.PageType == 0 || e.PageType == 3 // DATA_PAGE, DATA_PAGE_V2
				if data && e.Encoding != parquet.Encodings.RLEDict && e.Encoding != parquet.Encodings.PlainDict {
					return -1 // some pages fell back to plain encoding
				}
			}
		}
		return j
	}
	return -1
}

// keepGroups returns the row groups of pf that pr cannot rule out (nil = all of them) and how
// many it ruled out.
func keepGroups(pf *file.Reader, fields []pqarrow.SchemaField, t *Table, pr *pruner) ([]int, int) {
	md := pf.MetaData()
	n := md.NumRowGroups()
	if pr == nil || n == 0 {
		return nil, 0
	}
	type leaf struct {
		idx int
		typ arrow.DataType
	}
	leaves := map[string]leaf{}
	for _, name := range pr.cols {
		if i := t.column(name); i >= 0 && !t.Columns[i].Partition {
			idx, typ := parquetLeaf(fields, t.Columns[i].Name)
			leaves[name] = leaf{idx, typ}
		}
	}
	keep := make([]int, 0, n)
	stats := make(map[string]colStats, len(leaves))
	lookup := func(name string) (colStats, bool) {
		cs, ok := stats[name]
		return cs, ok
	}
	for g := 0; g < n; g++ {
		rg := md.RowGroup(g)
		rows := rg.NumRows()
		clear(stats)
		for name, l := range leaves {
			if l.idx < 0 {
				stats[name] = colStats{Nulls: rows, Rows: rows}
				continue
			}
			cc, err := rg.ColumnChunk(l.idx)
			if err != nil {
				continue
			}
			stats[name] = chunkStats(l.typ, cc, rows)
		}
		if !pr.skip(lookup) {
			keep = append(keep, g)
		}
	}
	if len(keep) == n {
		return nil, 0
	}
	return keep, n - len(keep)
}

func openParquet(ctx context.Context, objs Objects, t *Table, f dataFile, data []int, batch int, mem memory.Allocator, pr *pruner, dict map[int]bool, st *Stats) (*parquetReader, error) {
	ra := &objectReaderAt{ctx: ctx, objs: objs, bucket: t.Bucket, key: f.key, size: f.size}
	pf, err := file.NewParquetReader(ra)
	if err != nil {
		return nil, &Error{Kind: Corrupt, Msg: "parquet " + f.key, Err: err}
	}
	props := pqarrow.ArrowReadProperties{BatchSize: int64(batch)}
	for _, i := range data {
		if dict[i] {
			if leaf := dictLeaf(pf, t.Columns[i].Name); leaf >= 0 {
				props.SetReadDict(leaf, true)
			}
		}
	}
	fr, err := pqarrow.NewFileReader(pf, props, mem)
	if err != nil {
		pf.Close()
		return nil, &Error{Kind: Corrupt, Msg: "parquet " + f.key, Err: err}
	}
	p := &parquetReader{obj: ra, mem: mem}
	var leaves []int
	fields := fr.Manifest.Fields
	for _, i := range data {
		slot := -1
		if idx, _ := parquetLeaf(fields, t.Columns[i].Name); idx >= 0 {
			slot = len(leaves)
			leaves = append(leaves, idx)
		}
		p.slot = append(p.slot, slot)
		typ, _ := ArrowType(t.Columns[i].Type)
		p.types = append(p.types, typ)
	}
	p.out = make([]arrow.Array, len(p.slot))
	groups, skipped := keepGroups(pf, fields, t, pr)
	if st != nil {
		total := pf.NumRowGroups()
		st.RowGroupsSkipped += skipped
		st.RowGroups += total - skipped
	}
	if groups != nil && len(groups) == 0 {
		pf.Close()
		return p, nil // nothing left to read
	}
	if len(leaves) == 0 {
		// Only partition columns or absent columns: read the first leaf for the row count.
		leaves = []int{0}
	}
	rr, err := fr.GetRecordReader(ctx, leaves, groups)
	if err != nil {
		pf.Close()
		return nil, &Error{Kind: Corrupt, Msg: "parquet " + f.key, Err: err}
	}
	p.rr = rr
	return p, nil
}

func (p *parquetReader) next() ([]arrow.Array, int, error) {
	if p.cur != nil {
		p.cur.Release()
		p.cur = nil
	}
	if p.rr == nil {
		return nil, 0, io.EOF
	}
	if !p.rr.Next() {
		if err := p.rr.Err(); err != nil && err != io.EOF {
			return nil, 0, &Error{Kind: Corrupt, Msg: "parquet " + p.obj.key, Err: err}
		}
		return nil, 0, io.EOF
	}
	rec := p.rr.RecordBatch()
	rec.Retain()
	p.cur = rec
	n := int(rec.NumRows())
	out := make([]arrow.Array, len(p.slot))
	for k, s := range p.slot {
		if s < 0 {
			out[k] = array.MakeArrayOfNull(p.mem, p.types[k], n)
			continue
		}
		out[k] = rec.Column(s)
		out[k].Retain()
	}
	return out, n, nil
}

func (p *parquetReader) close() {
	if p.cur != nil {
		p.cur.Release()
	}
	if p.rr != nil {
		p.rr.Release()
	}
}

// tailSize is how much of the end of a Parquet object is fetched at once: the footer, and the
// whole object when it is small.
const tailSize = 64 << 10

// objectReaderAt reads an object by ranges (one blob Range per ReadAt), except that reads
// within its last tailSize bytes are served from one fetch of them.
type objectReaderAt struct {
	ctx    context.Context
	objs   Objects
	bucket string
	key    string
	size   int64
	off    int64
	mu     sync.Mutex
	tail   []byte // the object's last len(tail) bytes, once fetched
}

func (o *objectReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= o.size {
		return 0, io.EOF
	}
	n := int64(len(p))
	if off+n > o.size {
		n = o.size - off
	}
	tailOff := o.size - min(o.size, tailSize)
	if off >= tailOff {
		o.mu.Lock()
		tail := o.tail
		if tail == nil {
			tail = make([]byte, o.size-tailOff)
			if _, err := o.fetch(tail, tailOff); err != nil {
				o.mu.Unlock()
				return 0, err
			}
			o.tail = tail
		}
		o.mu.Unlock()
		m := copy(p[:n], tail[off-tailOff:])
		if m < len(p) {
			return m, io.EOF
		}
		return m, nil
	}
	m, err := o.fetch(p[:n], off)
	if err == nil && n < int64(len(p)) {
		err = io.EOF
	}
	return m, err
}

// fetch reads len(p) bytes at off with one Range.
func (o *objectReaderAt) fetch(p []byte, off int64) (int, error) {
	obj, err := o.objs.Open(o.ctx, o.bucket, o.key)
	if err != nil {
		return 0, err
	}
	defer obj.Close()
	r, err := obj.Range(off, int64(len(p)))
	if err != nil {
		return 0, err
	}
	return io.ReadFull(r, p)
}

func (o *objectReaderAt) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		o.off = offset
	case io.SeekCurrent:
		o.off += offset
	case io.SeekEnd:
		o.off = o.size + offset
	}
	return o.off, nil
}
