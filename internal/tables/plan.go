package tables

import (
	"context"
	"errors"
	"io"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/rowfilter"
)

// Request is what a caller asks to read.
type Request struct {
	Columns []string // nil = every authorized column
	Where   string   // rowfilter grammar; "" = every row
	Limit   int64    // 0 = no limit
}

// Plan is a compiled read: what to read, which rows and cells to return.
type Plan struct {
	t         *Table
	output    []int // column indices of the output, in order
	need      []int // column indices read: output ∪ referenced by filters
	rowFilter rowfilter.Expr
	cells     map[int]rowfilter.Expr // column index → condition for its cells to be visible
	where     rowfilter.Expr
	limit     int64
	schema    *arrow.Schema
	prune     *pruner // nil = read every row group
}

// Compile checks req against the principal's access and compiles the filters once.
func Compile(t *Table, acc *catalog.TableAccess, req Request) (*Plan, error) {
	if acc == nil {
		return nil, errorf(Denied, "no access to %s.%s", t.Database, t.Name)
	}
	if req.Limit < 0 {
		return nil, errorf(Invalid, "limit must not be negative")
	}
	p := &Plan{t: t, cells: map[int]rowfilter.Expr{}, limit: req.Limit}
	authorized := map[int]bool{}
	if acc.Full {
		for i := range t.Columns {
			authorized[i] = true
		}
	} else {
		for _, name := range acc.AuthorizedColumns {
			if i := t.column(name); i >= 0 {
				authorized[i] = true
			}
		}
		if acc.RowFilter != "" {
			e, err := rowfilter.Parse(acc.RowFilter)
			if err != nil {
				return nil, &Error{Kind: Denied, Msg: "a row filter that applies to the caller cannot be evaluated", Err: err}
			}
			p.rowFilter = e
		}
		byCol := map[int][]rowfilter.Expr{}
		for _, cf := range acc.CellFilters {
			i := t.column(cf.ColumnName)
			if i < 0 || !authorized[i] {
				continue
			}
			if cf.RowFilterExpression == "" {
				continue
			}
			e, err := rowfilter.Parse(cf.RowFilterExpression)
			if err != nil {
				return nil, &Error{Kind: Denied, Msg: "a cell filter that applies to the caller cannot be evaluated", Err: err}
			}
			byCol[i] = append(byCol[i], e)
		}
		for i, es := range byCol {
			p.cells[i] = rowfilter.AnyOf(es...)
		}
	}
	if len(authorized) == 0 {
		return nil, errorf(Denied, "no SELECT permission on %s.%s", t.Database, t.Name)
	}
	if len(req.Columns) == 0 {
		for i := range t.Columns {
			if authorized[i] {
				p.output = append(p.output, i)
			}
		}
	} else {
		seen := map[int]bool{}
		for _, name := range req.Columns {
			name = strings.TrimSpace(name)
			i := t.column(name)
			if i < 0 || !authorized[i] {
				// The same answer whether the column is missing or hidden.
				return nil, errorf(Denied, "column %q is not available to the caller", name)
			}
			if !seen[i] {
				seen[i] = true
				p.output = append(p.output, i)
			}
		}
	}
	if strings.TrimSpace(req.Where) != "" {
		e, err := rowfilter.Parse(req.Where)
		if err != nil {
			return nil, &Error{Kind: Invalid, Msg: "where", Err: err}
		}
		var visible []rowfilter.ColumnType
		for i, c := range t.Columns {
			if authorized[i] {
				visible = append(visible, rowfilter.ColumnType{Name: c.Name, Type: c.Type, Partition: c.Partition})
			}
		}
		if err := rowfilter.Check(e, visible); err != nil {
			return nil, &Error{Kind: Invalid, Msg: "where", Err: err}
		}
		p.where = e
	}
	need := map[int]bool{}
	for _, i := range p.output {
		need[i] = true
	}
	addCols := func(e rowfilter.Expr) {
		if e == nil {
			return
		}
		for _, c := range rowfilter.Columns(e) {
			if i := t.column(c.Path[0]); i >= 0 {
				need[i] = true
			}
		}
	}
	addCols(p.rowFilter)
	addCols(p.where)
	for i, e := range p.cells {
		if need[i] {
			addCols(e)
		}
	}
	for i := range need {
		p.need = append(p.need, i)
	}
	sort.Ints(p.need)
	fields := make([]arrow.Field, len(p.output))
	for k, i := range p.output {
		typ, _ := ArrowType(t.Columns[i].Type)
		fields[k] = arrow.Field{Name: t.Columns[i].Name, Type: typ, Nullable: true}
	}
	p.schema = arrow.NewSchema(fields, nil)
	masked := map[string]bool{}
	for i := range p.cells {
		masked[strings.ToLower(t.Columns[i].Name)] = true
	}
	p.prune = newPruner(p.rowFilter, p.where, masked)
	return p, nil
}

// Schema is the schema of the batches Scan produces.
func (p *Plan) Schema() *arrow.Schema { return p.schema }

// Columns names the output columns.
func (p *Plan) Columns() []string {
	out := make([]string, len(p.output))
	for k, i := range p.output {
		out[k] = p.t.Columns[i].Name
	}
	return out
}

// Applied describes the filtering the plan applies, for the audit trail.
func (p *Plan) Applied() map[string]any {
	m := map[string]any{"columns": p.Columns()}
	if p.rowFilter != nil {
		m["rowFilter"] = rowfilter.Print(p.rowFilter)
	}
	if len(p.cells) > 0 {
		cf := map[string]string{}
		for i, e := range p.cells {
			cf[p.t.Columns[i].Name] = rowfilter.Print(e)
		}
		m["cellFilters"] = cf
	}
	if p.where != nil {
		m["where"] = rowfilter.Print(p.where)
	}
	if p.limit > 0 {
		m["limit"] = p.limit
	}
	return m
}

// Sink receives the filtered batches.
type Sink interface {
	Write(rec arrow.RecordBatch) error
}

// Options tunes Scan; nil = defaults.
type Options struct {
	BatchSize int              // rows per batch read; default 8192
	Mem       memory.Allocator // default memory.DefaultAllocator
}

// Stats counts what a scan did.
type Stats struct {
	Files            int
	RowGroups        int // Parquet row groups read
	RowGroupsSkipped int // Parquet row groups whose statistics rule out every row
	RowsRead         int64
	RowsReturned     int64
}

// Scan reads the table's files through objs and writes the visible rows to sink, batch by batch.
func (p *Plan) Scan(ctx context.Context, objs Objects, sink Sink, opts *Options) (Stats, error) {
	var st Stats
	batch, mem := 8192, memory.Allocator(memory.DefaultAllocator)
	if opts != nil {
		if opts.BatchSize > 0 {
			batch = opts.BatchSize
		}
		if opts.Mem != nil {
			mem = opts.Mem
		}
	}
	files, err := listFiles(ctx, objs, p.t)
	if err != nil {
		return st, err
	}
	fs := p.newFilterState()
	// Columns read only for the filters may stay dictionary-encoded (see openParquet).
	dict := map[int]bool{}
	for _, i := range p.need {
		dict[i] = true
	}
	for _, i := range p.output {
		delete(dict, i)
	}
	for _, f := range files {
		if p.limit > 0 && st.RowsReturned >= p.limit {
			break
		}
		if err := ctx.Err(); err != nil {
			return st, err
		}
		st.Files++
		r, err := openReader(ctx, objs, p.t, f, p.need, batch, mem, p.prune, dict, &st)
		if err != nil {
			return st, err
		}
		err = p.scanFile(r, sink, fs, mem, &st)
		r.close()
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// filterState is a scan's compiled filters and the buffers they reuse from batch to batch.
type filterState struct {
	slotOf    map[int]int // column index → slot in the batch's columns
	raw       view
	masked    view
	rowFilter vnode
	cells     []cellFilter
	where     vnode
	rowT      []uint8
	whereT    []uint8
	cellT     []uint8
	sel       []int
}

type cellFilter struct {
	slot int
	n    vnode
}

func (p *Plan) newFilterState() *filterState {
	fs := &filterState{slotOf: map[int]int{}}
	index := map[string]int{}
	for s, i := range p.need {
		fs.slotOf[i] = s
		index[p.t.Columns[i].Name] = s
	}
	fs.raw = view{index: index}
	fs.masked = view{index: index, masked: true, vis: make([][]bool, len(p.need))}
	if p.rowFilter != nil {
		fs.rowFilter = compileVec(p.rowFilter, index)
	}
	for i, e := range p.cells {
		if s, ok := fs.slotOf[i]; ok {
			fs.cells = append(fs.cells, cellFilter{s, compileVec(e, index)})
		}
	}
	if p.where != nil {
		fs.where = compileVec(p.where, index)
	}
	return fs
}

func (p *Plan) scanFile(r batchReader, sink Sink, fs *filterState, mem memory.Allocator, st *Stats) error {
	for {
		if p.limit > 0 && st.RowsReturned >= p.limit {
			return nil
		}
		cols, n, err := r.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		st.RowsRead += int64(n)
		err = p.filterBatch(cols, n, sink, fs, mem, st)
		for _, c := range cols {
			c.Release()
		}
		if err != nil {
			return err
		}
	}
}

// filterBatch evaluates the filters column by column over the batch (rows the row filter
// rejects are never shown, whatever their cells or the where clause say) and writes the
// selected rows, restricted cells NULL.
func (p *Plan) filterBatch(cols []arrow.Array, n int, sink Sink, fs *filterState, mem memory.Allocator, st *Stats) error {
	fs.raw.cols, fs.masked.cols = cols, cols
	var rowT, whereT []uint8
	if fs.rowFilter != nil {
		fs.rowT = grow(fs.rowT, n)
		rowT = fs.rowT
		fs.rowFilter.eval(&fs.raw, rowT)
	}
	for _, c := range fs.cells {
		fs.cellT = grow(fs.cellT, n)
		c.n.eval(&fs.raw, fs.cellT)
		vis := fs.masked.vis[c.slot]
		if cap(vis) < n {
			vis = make([]bool, n)
		}
		vis = vis[:n]
		for i, t := range fs.cellT {
			vis[i] = t == tT
		}
		fs.masked.vis[c.slot] = vis
	}
	if fs.where != nil {
		fs.whereT = grow(fs.whereT, n)
		whereT = fs.whereT
		fs.where.eval(&fs.masked, whereT)
	}
	sel := fs.sel[:0]
	room := n
	if p.limit > 0 {
		room = int(min(int64(n), p.limit-st.RowsReturned))
	}
	for i := 0; i < n && len(sel) < room; i++ {
		if rowT != nil && rowT[i] != tT || whereT != nil && whereT[i] != tT {
			continue
		}
		sel = append(sel, i)
	}
	fs.sel = sel
	if len(sel) == 0 {
		return nil
	}
	out := make([]arrow.Array, len(p.output))
	for k, i := range p.output {
		s := fs.slotOf[i]
		out[k] = gather(mem, p.schema.Field(k).Type, cols[s], sel, fs.masked.vis[s])
	}
	rec := array.NewRecordBatch(p.schema, out, int64(len(sel)))
	for _, a := range out {
		a.Release()
	}
	st.RowsReturned += int64(len(sel))
	err := sink.Write(rec)
	rec.Release()
	return err
}
