package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/store"
)

// RunClock checks that a driver takes Updated from Options.Now, in UTC, truncated to the
// microsecond.
func RunClock(t *testing.T, open func(t *testing.T, opts *store.Options) store.Store) {
	ctx := context.Background()
	zone := time.FixedZone("UTC+5", 5*3600)
	now := time.Date(2031, 2, 3, 4, 5, 6, 789123456, zone)
	s := open(t, &store.Options{Now: func() time.Time { return now }})
	var wrote store.Record
	update(t, s, func(tx store.Tx) (err error) { wrote, err = tx.Put(ctx, ns, "k", nil); return err })
	got, err := s.Get(ctx, ns, "k")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2031, 2, 2, 23, 5, 6, 789123000, time.UTC)
	for _, r := range []store.Record{wrote, got} {
		if !r.Updated.Equal(want) || r.Updated.Location() != time.UTC {
			t.Errorf("Updated = %v, want %v", r.Updated, want)
		}
	}
}

// BenchmarkUpdate measures one Update that Puts one small record (a new key every time).
func BenchmarkUpdate(b *testing.B, s store.Store) {
	defer s.Close()
	ctx := context.Background()
	value := []byte(`{"name":"alice","arn":"arn:aws:iam::123456789012:user/alice"}`)
	i := 0
	for b.Loop() {
		key := fmt.Sprintf("user/%08d", i)
		i++
		if err := s.Update(ctx, func(tx store.Tx) error { _, err := tx.Put(ctx, ns, key, value); return err }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateParallel measures Updates from GOMAXPROCS goroutines, each on its own keys.
func BenchmarkUpdateParallel(b *testing.B, s store.Store) {
	defer s.Close()
	ctx := context.Background()
	value := []byte(`{"name":"alice"}`)
	b.RunParallel(func(pb *testing.PB) {
		id := fmt.Sprintf("%p", pb)
		i := 0
		for pb.Next() {
			key := fmt.Sprintf("user/%s/%08d", id, i)
			i++
			if err := s.Update(ctx, func(tx store.Tx) error { _, err := tx.Put(ctx, ns, key, value); return err }); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkGet measures a Get of one of 1000 small records.
func BenchmarkGet(b *testing.B, s store.Store) {
	defer s.Close()
	ctx := context.Background()
	fill(b, s, 1000)
	i := 0
	for b.Loop() {
		if _, err := s.Get(ctx, ns, fmt.Sprintf("user/%08d", i%1000)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkList measures a List of 100 records by prefix out of 1000.
func BenchmarkList(b *testing.B, s store.Store) {
	defer s.Close()
	ctx := context.Background()
	fill(b, s, 1000)
	for b.Loop() {
		recs, err := s.List(ctx, ns, store.ListOptions{Prefix: "user/000005"})
		if err != nil || len(recs) != 100 {
			b.Fatalf("List: %d records, %v", len(recs), err)
		}
	}
}

func fill(b *testing.B, s store.Store, n int) {
	ctx := context.Background()
	err := s.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			if _, err := tx.Put(ctx, ns, fmt.Sprintf("user/%08d", i), []byte(`{"name":"alice"}`)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
