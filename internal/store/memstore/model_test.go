package memstore_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

var errAbort = errors.New("abort")

// FuzzModel runs a program of transactions against memstore and against a plain map, and
// compares every List (inside and outside transactions, where memstore merges its overlay of
// pending writes). Each program byte is an operation: the low 3 bits choose it, the rest the key
// and list options.
func FuzzModel(f *testing.F) {
	f.Add([]byte{0x00, 0x08, 0x11, 0x1a, 0x05, 0x23, 0x2c, 0x07, 0x34, 0x06, 0x3d})
	f.Add([]byte{0x10, 0x18, 0x20, 0x05, 0x2b, 0x33, 0x06, 0x04, 0x3c, 0x45, 0x07})
	f.Add([]byte("sluice store model"))
	keys := []string{"a", "a/", "a/1", "a/2", "b", "b/\u00e9", "c", "\U0010ffff"}
	f.Fuzz(func(t *testing.T, prog []byte) {
		ctx := context.Background()
		s := memstore.New(nil)
		defer s.Close()
		committed := map[string]int64{} // key → version
		var tx store.Tx
		var pending map[string]int64
		var ops []func(store.Tx) error
		listAndCompare := func(where string, r store.Reader, model map[string]int64, b byte) {
			opts := store.ListOptions{Prefix: []string{"", "a", "a/", "b/"}[b>>3&3], StartAfter: keys[b>>5%8], Limit: int(b>>6) % 3}
			if b&0x20 == 0 {
				opts.StartAfter = ""
			}
			var want []string
			for _, k := range slices.Sorted(maps.Keys(model)) {
				if strings.HasPrefix(k, opts.Prefix) && k > opts.StartAfter && (opts.Limit == 0 || len(want) < opts.Limit) {
					want = append(want, k)
				}
			}
			recs, err := r.List(ctx, "ns", opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, r.Key)
				if r.Version != model[r.Key] {
					t.Fatalf("%s: %s version %d, model %d", where, r.Key, r.Version, model[r.Key])
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%s List(%+v) (-model +memstore):\n%s", where, opts, diff)
			}
		}
		_ = tx
		for i := 0; i < len(prog); i++ {
			b := prog[i]
			k := keys[b>>3%8]
			switch b & 7 {
			case 0, 1: // put in the current batch
				ops = append(ops, func(tx store.Tx) error {
					_, err := tx.Put(ctx, "ns", k, nil)
					if err == nil {
						pending[k]++
					}
					return err
				})
			case 2: // delete in the current batch
				ops = append(ops, func(tx store.Tx) error {
					err := tx.Delete(ctx, "ns", k)
					if _, ok := pending[k]; ok != (err == nil) {
						t.Fatalf("Delete(%s) = %v, model has it: %v", k, err, ok)
					}
					delete(pending, k)
					return nil
				})
			case 3: // delete prefix in the current batch
				p := string([]rune(k)[:1])
				ops = append(ops, func(tx store.Tx) error {
					n, err := tx.DeletePrefix(ctx, "ns", p)
					want := 0
					for mk := range pending {
						if strings.HasPrefix(mk, p) {
							delete(pending, mk)
							want++
						}
					}
					if err != nil || n != want {
						t.Fatalf("DeletePrefix(%s) = %d, %v; model %d", p, n, err, want)
					}
					return nil
				})
			case 4: // list inside the current batch
				ops = append(ops, func(tx store.Tx) error { listAndCompare("tx", tx, pending, b); return nil })
			case 5, 6: // run the batch: commit (5) or roll back (6)
				commit := b&7 == 5
				err := s.Update(ctx, func(tx store.Tx) error {
					pending = maps.Clone(committed)
					for _, op := range ops {
						if err := op(tx); err != nil {
							return err
						}
					}
					if !commit {
						return errAbort
					}
					return nil
				})
				if commit && err != nil || !commit && !errors.Is(err, errAbort) {
					t.Fatalf("Update(commit=%v) = %v", commit, err)
				}
				if commit {
					committed = pending
				}
				ops = nil
			case 7: // list outside
				listAndCompare("store", s, committed, b)
			}
		}
	})
}
