package sqlitestore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
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
	if err != nil || v != latestSchema {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, latestSchema)
	}
}

// latestSchema is the number of the last migration in migrations/.
const latestSchema = 2

// TestMigrateFromVersion1 opens a database that version 1 of the schema created (records as a
// WITHOUT ROWID table) and holding small and large values: the upgrade keeps every record,
// its version and its order, and records is then a rowid table.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	large := strings.Repeat("0123456789abcdef", 4096) // 64 KiB: overflow pages
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)`,
		`INSERT INTO schema_migrations VALUES (1, '0001_init', 0)`,
		`CREATE TABLE records (namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
			version INTEGER NOT NULL CHECK (version >= 1), updated INTEGER NOT NULL, PRIMARY KEY (namespace, key)) WITHOUT ROWID`,
		`INSERT INTO records VALUES ('iam/role', 'b', 'small', 3, 1), ('iam/role', 'a', 'x', 1, 1), ('audit/log', 'c/1', '` + large + `', 1, 2)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	db.Close()

	s := openAt(t, path, nil)
	if v, err := s.SchemaVersion(ctx); err != nil || v != latestSchema {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, latestSchema)
	}
	recs, err := s.List(ctx, "iam/role", store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, fmt.Sprintf("%s=%s@%d", r.Key, r.Value, r.Version))
	}
	if want := []string{"a=x@1", "b=small@3"}; !slices.Equal(got, want) {
		t.Errorf("iam/role after the upgrade = %v, want %v", got, want)
	}
	if r, err := s.Get(ctx, "audit/log", "c/1"); err != nil || string(r.Value) != large {
		t.Errorf("large value after the upgrade: %d bytes, %v", len(r.Value), err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Create(ctx, "iam/role", "a", []byte("again")); !errors.Is(err, store.ErrExists) {
			return fmt.Errorf("Create of an existing key after the upgrade = %v, want ErrExists", err)
		}
		r, err := tx.Put(ctx, "iam/role", "b", []byte("newer"))
		if err == nil && r.Version != 4 {
			err = fmt.Errorf("Put after the upgrade gave version %d, want 4", r.Version)
		}
		return err
	}); err != nil {
		t.Error(err)
	}
	db, err = sql.Open("sqlite", "file:"+path+"?_query_only=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rowid int64
	if err := db.QueryRowContext(ctx, `SELECT rowid FROM records WHERE namespace = 'iam/role' AND key = 'a'`).Scan(&rowid); err != nil {
		t.Errorf("records has no rowid after the upgrade: %v", err)
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
	if v, err := s.SchemaVersion(context.Background()); err != nil || v != latestSchema {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, latestSchema)
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
