package tables

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// gather returns a[sel] as an array of type typ; a cell whose vis entry is false is NULL (vis
// nil: every cell visible). When every row is selected and nothing is hidden, a itself is
// returned (retained). Integer, float and string arrays of the output type are copied buffer
// to buffer; other types go through a builder (copyCells).
func gather(mem memory.Allocator, typ arrow.DataType, a arrow.Array, sel []int, vis []bool) arrow.Array {
	same := arrow.TypeEqual(a.DataType(), typ)
	if same && vis == nil && len(sel) == a.Len() {
		a.Retain()
		return a
	}
	if same {
		m := mask{vis: vis, off: a.Data().Offset()}
		if a.NullN() > 0 {
			m.bits = a.NullBitmapBytes()
		}
		switch a := a.(type) {
		case *array.Int64:
			return gatherFixed(mem, typ, a.Int64Values(), sel, m)
		case *array.Int32:
			return gatherFixed(mem, typ, a.Int32Values(), sel, m)
		case *array.Float64:
			return gatherFixed(mem, typ, a.Float64Values(), sel, m)
		case *array.String:
			return gatherString(mem, typ, a, sel, m)
		}
	}
	b := array.NewBuilder(mem, typ)
	defer b.Release()
	copyCells(b, a, sel, vis)
	return b.NewArray()
}

// mask says which cells read as NULL: those NULL in the array (bits, from bit off) or hidden.
type mask struct {
	bits []byte
	off  int
	vis  []bool
}

func (m mask) dense() bool { return m.bits == nil && m.vis == nil }

func (m mask) null(i int) bool {
	return m.bits != nil && !bitutil.BitIsSet(m.bits, m.off+i) || m.vis != nil && !m.vis[i]
}

// validity builds the validity bitmap of sel under m; nil when every cell is valid.
func validity(mem memory.Allocator, sel []int, m mask) (*memory.Buffer, int) {
	if m.dense() {
		return nil, 0
	}
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(len(sel)))))
	bits := buf.Bytes()
	clear(bits)
	nulls := 0
	for k, i := range sel {
		if m.null(i) {
			nulls++
		} else {
			bitutil.SetBit(bits, k)
		}
	}
	return buf, nulls
}

func gatherFixed[T int32 | int64 | float64](mem memory.Allocator, typ arrow.DataType, vals []T, sel []int, m mask) arrow.Array {
	valid, nulls := validity(mem, sel, m)
	buf := memory.NewResizableBuffer(mem)
	var zero T
	buf.Resize(len(sel) * int(unsafe.Sizeof(zero)))
	var out []T
	if len(sel) > 0 {
		out = unsafe.Slice((*T)(unsafe.Pointer(&buf.Bytes()[0])), len(sel))
	}
	for k, i := range sel {
		out[k] = vals[i] // a NULL cell keeps whatever value it had; its validity bit is off
	}
	return finish(typ, len(sel), nulls, valid, buf)
}

func gatherString(mem memory.Allocator, typ arrow.DataType, a *array.String, sel []int, m mask) arrow.Array {
	valid, nulls := validity(mem, sel, m)
	offs := a.ValueOffsets()
	data := a.ValueBytes()
	base := offs[0]
	total := 0
	for _, i := range sel {
		if valid == nil || !m.null(i) {
			total += int(offs[i+1] - offs[i])
		}
	}
	obuf := memory.NewResizableBuffer(mem)
	obuf.Resize((len(sel) + 1) * 4)
	o := unsafe.Slice((*int32)(unsafe.Pointer(&obuf.Bytes()[0])), len(sel)+1)
	dbuf := memory.NewResizableBuffer(mem)
	dbuf.Resize(total)
	d := dbuf.Bytes()
	pos := int32(0)
	o[0] = 0
	for k, i := range sel {
		if valid == nil || !m.null(i) {
			pos += int32(copy(d[pos:], data[offs[i]-base:offs[i+1]-base]))
		}
		o[k+1] = pos
	}
	defer dbuf.Release()
	arr := array.NewData(typ, len(sel), []*memory.Buffer{valid, obuf, dbuf}, nil, nulls, 0)
	defer arr.Release()
	obuf.Release()
	if valid != nil {
		valid.Release()
	}
	return array.MakeFromData(arr)
}

func finish(typ arrow.DataType, n, nulls int, valid, values *memory.Buffer) arrow.Array {
	data := array.NewData(typ, n, []*memory.Buffer{valid, values}, nil, nulls, 0)
	defer data.Release()
	values.Release()
	if valid != nil {
		valid.Release()
	}
	return array.MakeFromData(data)
}
