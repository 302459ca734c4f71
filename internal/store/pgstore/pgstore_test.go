package pgstore_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/pgstore"
	"github.com/sluicehq/sluice/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.MainWithPostgres(m)) }

func openAt(t testing.TB, url string, opts *store.Options) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func open(t *testing.T) store.Store { return openAt(t, storetest.StartPostgres(t), nil) }

func TestConformance(t *testing.T) { storetest.Run(t, open) }

func TestClock(t *testing.T) {
	storetest.RunClock(t, func(t *testing.T, o *store.Options) store.Store {
		return openAt(t, storetest.StartPostgres(t), o)
	})
}

// TestConcurrentOpen starts several "replicas" on one schema at once: the advisory lock makes
// the migrations run once and every Open succeed.
func TestConcurrentOpen(t *testing.T) {
	url := storetest.StartPostgres(t)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			s, err := pgstore.Open(context.Background(), url, nil)
			if err != nil {
				t.Errorf("Open: %v", err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	s := openAt(t, url, nil)
	if v, err := s.SchemaVersion(context.Background()); err != nil || v != 1 {
		t.Errorf("SchemaVersion = %d, %v; want 1", v, err)
	}
}

// TestReplicas checks that two stores on one database see each other's commits at once.
func TestReplicas(t *testing.T) {
	ctx := context.Background()
	url := storetest.StartPostgres(t)
	a, b := openAt(t, url, nil), openAt(t, url, nil)
	if err := a.Update(ctx, func(tx store.Tx) error { _, err := tx.Put(ctx, "ns", "k", []byte("v")); return err }); err != nil {
		t.Fatal(err)
	}
	if r, err := b.Get(ctx, "ns", "k"); err != nil || string(r.Value) != "v" {
		t.Errorf("other replica Get = %q, %v", r.Value, err)
	}
}

func TestOpenBadURL(t *testing.T) {
	_, err := pgstore.Open(context.Background(), "postgres://u:secret@host:notaport/db", nil)
	if store.KindOf(err) != store.Invalid {
		t.Errorf("Open bad URL = %v, want kind Invalid", err)
	}
	if err != nil && strings.Contains(err.Error(), "secret") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func benchStore(b *testing.B) *pgstore.Store {
	s, err := pgstore.Open(context.Background(), storetest.StartPostgres(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkUpdate(b *testing.B)         { storetest.BenchmarkUpdate(b, benchStore(b)) }
func BenchmarkUpdateParallel(b *testing.B) { storetest.BenchmarkUpdateParallel(b, benchStore(b)) }
func BenchmarkGet(b *testing.B)            { storetest.BenchmarkGet(b, benchStore(b)) }
func BenchmarkList(b *testing.B)           { storetest.BenchmarkList(b, benchStore(b)) }

// TestSwallowedSerializationFailure: fn ignores the 40001 of its write and returns nil; Update
// must still retry rather than report PostgreSQL's refusal to commit.
func TestSwallowedSerializationFailure(t *testing.T) {
	ctx := context.Background()
	url := storetest.StartPostgres(t)
	a, b := openAt(t, url, nil), openAt(t, url, nil)
	set := func(s store.Store, v string) {
		t.Helper()
		if err := s.Update(ctx, func(tx store.Tx) error { _, err := tx.Put(ctx, "ns", "k", []byte(v)); return err }); err != nil {
			t.Fatal(err)
		}
	}
	set(a, "0")
	calls := 0
	var swallowed error
	err := a.Update(ctx, func(tx store.Tx) error {
		calls++
		r, err := tx.Get(ctx, "ns", "k")
		if err != nil {
			return err
		}
		if calls == 1 {
			set(b, "other") // another replica commits a write to the row we read
		}
		if _, err := tx.Put(ctx, "ns", "k", append(r.Value, '+')); err != nil && swallowed == nil {
			swallowed = err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if calls != 2 || store.KindOf(swallowed) != store.Busy {
		t.Errorf("fn ran %d times, first write failed with %v; want 2 runs after a Busy error", calls, swallowed)
	}
	if r, err := a.Get(ctx, "ns", "k"); err != nil || string(r.Value) != "other+" {
		t.Errorf("k = %q, %v; want other+", r.Value, err)
	}
}
