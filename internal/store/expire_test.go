package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

// TestDeleteBefore: the entries below the cutoff go, page after page, with what each stands
// for; the first live one stops the sweep; pages bounds the work.
func TestDeleteBefore(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name        string
		pages       int
		wantIndex   []string
		wantRecords []string
	}{
		{"all pages", 10, []string{"0008/h", "0009/i"}, []string{"h", "i"}},
		{"two pages of three", 2, []string{"0007/g", "0008/h", "0009/i"}, []string{"g", "h", "i"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := memstore.New(nil)
			if err := st.Update(ctx, func(tx store.Tx) error {
				for i, id := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"} {
					if _, err := tx.Put(ctx, "idx", fmt.Sprintf("%04d/%s", i+1, id), []byte("{}")); err != nil {
						return err
					}
					if _, err := tx.Put(ctx, "rec", id, []byte("{}")); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			err := store.DeleteBefore(ctx, st, "idx", "0008/", 3, c.pages, func(tx store.Tx, k string) error {
				return tx.Delete(ctx, "rec", k[len("0000/"):])
			})
			if err != nil {
				t.Fatal(err)
			}
			keys := func(ns string) []string {
				recs, err := st.List(ctx, ns, store.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, r := range recs {
					out = append(out, r.Key)
				}
				return out
			}
			if d := cmp.Diff(c.wantIndex, keys("idx")); d != "" {
				t.Errorf("index (-want +got):\n%s", d)
			}
			if d := cmp.Diff(c.wantRecords, keys("rec")); d != "" {
				t.Errorf("records (-want +got):\n%s", d)
			}
		})
	}
}
