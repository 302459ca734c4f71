package storejson

import (
	"context"
	"errors"
	"testing"

	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

func TestRoundTrip(t *testing.T) {
	type rec struct{ Name string }
	st := memstore.New(nil)
	ctx := context.Background()
	if err := st.Update(ctx, func(tx store.Tx) error { return Put(ctx, tx, "ns", "k", rec{"a"}) }); err != nil {
		t.Fatal(err)
	}
	got, err := Get[rec](ctx, st, "ns", "k")
	if err != nil || got.Name != "a" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if _, err := Get[rec](ctx, st, "ns", "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing: %v", err)
	}
}
