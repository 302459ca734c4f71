package memstore

import (
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// check verifies the B-tree invariants below n: key counts, order, bounds and equal leaf depth.
// It returns the subtree's depth and key count.
func (n *node) check(t *testing.T, root bool, lo, hi *string) (depth, count int) {
	t.Helper()
	if !root && (len(n.keys) < minKeys || len(n.keys) > maxKeys) {
		t.Fatalf("node with %d keys", len(n.keys))
	}
	for i, k := range n.keys {
		if i > 0 && n.keys[i-1] >= k || lo != nil && k <= *lo || hi != nil && k >= *hi {
			t.Fatalf("key %q out of order", k)
		}
	}
	if n.leaf() {
		return 1, len(n.keys)
	}
	if len(n.children) != len(n.keys)+1 {
		t.Fatalf("%d keys, %d children", len(n.keys), len(n.children))
	}
	count = len(n.keys)
	for i, c := range n.children {
		clo, chi := lo, hi
		if i > 0 {
			clo = &n.keys[i-1]
		}
		if i < len(n.keys) {
			chi = &n.keys[i]
		}
		d, m := c.check(t, false, clo, chi)
		if i > 0 && d != depth {
			t.Fatalf("leaves at depths %d and %d", depth, d)
		}
		depth = d
		count += m
	}
	return depth + 1, count
}

func (tr *keyTree) all(from string) []string {
	var out []string
	tr.Ascend(from, func(k string) bool { out = append(out, k); return true })
	return out
}

// runTreeProgram applies a program to a keyTree and a sorted slice and compares them after
// every step (the invariants every 64 steps). Each pair of bytes is an operation: the high bit of the first chooses delete or
// insert, the rest of both the key (from a space small enough to collide often).
func runTreeProgram(t *testing.T, prog []byte) {
	var tr keyTree
	var model []string
	for step := 0; len(prog) >= 2; step++ {
		op := binary.BigEndian.Uint16(prog)
		prog = prog[2:]
		k := fmt.Sprintf("k%04d", op&0x7ff)
		i, found := slices.BinarySearch(model, k)
		if op&0x8000 != 0 {
			if got := tr.Delete(k); got != found {
				t.Fatalf("Delete(%s) = %v, model %v", k, got, found)
			}
			if found {
				model = slices.Delete(model, i, i+1)
			}
		} else {
			if got := tr.Insert(k); got == found {
				t.Fatalf("Insert(%s) = %v, model had it: %v", k, got, found)
			}
			if !found {
				model = slices.Insert(model, i, k)
			}
		}
		if tr.Len() != len(model) {
			t.Fatalf("Len %d, model %d", tr.Len(), len(model))
		}
		if tr.root != nil && (step%64 == 0 || len(prog) < 2) {
			if _, n := tr.root.check(t, true, nil, nil); n != len(model) {
				t.Fatalf("tree holds %d keys, model %d", n, len(model))
			}
		}
	}
	if diff := cmp.Diff(model, tr.all(""), cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("keys (-model +tree):\n%s", diff)
	}
	for _, from := range []string{"", "k0", "k0100", "k01005", "k1", "z"} {
		i, _ := slices.BinarySearch(model, from)
		if diff := cmp.Diff(model[i:], tr.all(from), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("Ascend(%q) (-model +tree):\n%s", from, diff)
		}
	}
}

// treePrograms are named programs for the B-tree model test and the fuzz seeds.
func treePrograms() map[string][]byte {
	seq := func(n int, step, del uint16) []byte {
		var b []byte
		for i := range n {
			b = binary.BigEndian.AppendUint16(b, uint16(i)*step%0x800)
		}
		for i := range n {
			b = binary.BigEndian.AppendUint16(b, 0x8000|uint16(i)*del%0x800)
		}
		return b
	}
	return map[string][]byte{
		"empty":                    nil,
		"ascending then all gone":  seq(2000, 1, 1),
		"strided, deleted reverse": seq(1500, 7, 2047),
		"middle inserts":           seq(2048, 1031, 3),
		"duplicates":               seq(300, 2, 4),
	}
}

func TestKeyTree(t *testing.T) {
	for name, prog := range treePrograms() {
		t.Run(name, func(t *testing.T) { runTreeProgram(t, prog) })
	}
}

func FuzzKeyTree(f *testing.F) {
	for _, prog := range treePrograms() {
		f.Add(prog)
	}
	f.Fuzz(runTreeProgram)
}

func BenchmarkKeyTreeInsertMiddle(b *testing.B) {
	var tr keyTree
	for i := range 100_000 {
		tr.Insert(fmt.Sprintf("a/%08d", i))
	}
	keys := make([]string, 4096)
	for i := range keys {
		keys[i] = fmt.Sprintf("a/%08d/x%d", i*24, i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		k := keys[i%len(keys)]
		tr.Insert(k)
		tr.Delete(k)
	}
}
