package sqlitestore_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/sqlitestore"
	"github.com/sluicehq/sluice/internal/store/storetest"
)

func openAt(t testing.TB, path string, opts *store.Options) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func open(t *testing.T) store.Store {
	return openAt(t, filepath.Join(t.TempDir(), "sluice.db"), nil)
}

func TestConformance(t *testing.T) { storetest.Run(t, open) }

// TestConformanceExclusive: holding the lock, the store answers GetCached from memory.
func TestConformanceExclusive(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openAt(t, filepath.Join(t.TempDir(), "sluice.db"), &store.Options{Exclusive: true})
	})
}

// TestExclusiveLock: a second serving Open of the same file fails, saying why, until the first
// closes; Opens that do not ask for the lock (sluice audit reading the log) still work.
func TestExclusiveLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sluice.db")
	first := openAt(t, path, &store.Options{Exclusive: true})
	_, err := sqlitestore.Open(ctx, path, &store.Options{Exclusive: true})
	if store.KindOf(err) != store.Busy || !strings.Contains(err.Error(), "another process is serving") {
		t.Fatalf("second exclusive Open = %v", err)
	}
	reader := openAt(t, path, nil)
	if err := reader.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	openAt(t, path, &store.Options{Exclusive: true})
}

func TestClock(t *testing.T) {
	storetest.RunClock(t, func(t *testing.T, o *store.Options) store.Store {
		return openAt(t, filepath.Join(t.TempDir(), "sluice.db"), o)
	})
}

// TestReopen checks that data survives Close and that reopening does not migrate again.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "odd ?#% name.db")
	s := openAt(t, path, nil)
	if err := s.Update(ctx, func(tx store.Tx) error { _, err := tx.Put(ctx, "ns", "k", []byte("v")); return err }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	s = openAt(t, path, nil)
	r, err := s.Get(ctx, "ns", "k")
	if err != nil || string(r.Value) != "v" {
		t.Fatalf("after reopen Get = %q, %v", r.Value, err)
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil || v != 1 {
		t.Errorf("SchemaVersion = %d, %v; want 1", v, err)
	}
}

// TestConcurrentOpen opens one file from several goroutines at once, as several processes
// starting together would: the migrations run once and every Open succeeds.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sluice.db")
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			s, err := sqlitestore.Open(context.Background(), path, nil)
			if err != nil {
				t.Errorf("Open: %v", err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	s := openAt(t, path, nil)
	if v, err := s.SchemaVersion(context.Background()); err != nil || v != 1 {
		t.Errorf("SchemaVersion = %d, %v; want 1", v, err)
	}
}

func TestOpenRejects(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db"} {
		if _, err := sqlitestore.Open(context.Background(), path, nil); store.KindOf(err) != store.Invalid {
			t.Errorf("Open(%q) = %v, want kind Invalid", path, err)
		}
	}
}

func benchStore(b *testing.B) *sqlitestore.Store {
	s, err := sqlitestore.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkUpdate(b *testing.B)         { storetest.BenchmarkUpdate(b, benchStore(b)) }
func BenchmarkUpdateParallel(b *testing.B) { storetest.BenchmarkUpdateParallel(b, benchStore(b)) }
func BenchmarkGet(b *testing.B)            { storetest.BenchmarkGet(b, benchStore(b)) }
func BenchmarkList(b *testing.B)           { storetest.BenchmarkList(b, benchStore(b)) }
