package storeopen_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storeopen"
	"github.com/sluicehq/sluice/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.MainWithPostgres(m)) }

type parsed struct {
	Driver storeopen.Driver
	Arg    string
	Err    bool
}

var parseCases = []struct {
	name string
	dsn  string
	want parsed
}{
	{"empty", "", parsed{storeopen.SQLite, "sluice.db", false}},
	{"absolute path", "/var/lib/sluice/state.db", parsed{storeopen.SQLite, "/var/lib/sluice/state.db", false}},
	{"relative path", "data/state.db", parsed{storeopen.SQLite, "data/state.db", false}},
	{"sqlite absolute", "sqlite:///abs/path.db", parsed{storeopen.SQLite, "/abs/path.db", false}},
	{"sqlite relative", "sqlite://rel/path.db", parsed{storeopen.SQLite, "rel/path.db", false}},
	{"sqlite opaque", "sqlite:rel.db", parsed{storeopen.SQLite, "rel.db", false}},
	{"sqlite empty", "sqlite://", parsed{"", "", true}},
	{"sqlite query", "sqlite:///a.db?mode=ro", parsed{"", "", true}},
	{"postgres", "postgres://u:p@h:5432/db?sslmode=disable", parsed{storeopen.Postgres, "postgres://u:p@h:5432/db?sslmode=disable", false}},
	{"postgresql", "postgresql://h/db", parsed{storeopen.Postgres, "postgresql://h/db", false}},
	{"memory", "memory:", parsed{storeopen.Memory, "", false}},
	{"unknown scheme", "mysql://u:p@h/db", parsed{"", "", true}},
	{"unknown opaque scheme", "memory:x", parsed{"", "", true}},
	{"drive letter", `C:\sluice.db`, parsed{storeopen.SQLite, `C:\sluice.db`, false}},
	{"colon in file name", "./a:b.db", parsed{storeopen.SQLite, "./a:b.db", false}},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			d, arg, err := storeopen.Parse(tc.dsn)
			if diff := cmp.Diff(tc.want, parsed{d, arg, err != nil}); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tc.dsn, diff)
			}
			if err != nil && store.KindOf(err) != store.Invalid {
				t.Errorf("Parse(%q) error kind %v, want Invalid", tc.dsn, store.KindOf(err))
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.dsn)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		d, _, err := storeopen.Parse(dsn)
		if (err == nil) == (d == "") {
			t.Fatalf("Parse(%q) = driver %q, error %v: want exactly one", dsn, d, err)
		}
	})
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dsns := map[string]string{
		"memory": "memory:",
		"sqlite": "sqlite://" + filepath.Join(dir, "a.db"),
		"path":   filepath.Join(dir, "b.db"),
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) { roundTrip(t, ctx, dsn) })
	}
	t.Run("postgres", func(t *testing.T) { roundTrip(t, ctx, storetest.StartPostgres(t)) })
}

func roundTrip(t *testing.T, ctx context.Context, dsn string) {
	s, err := storeopen.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if err := s.Update(ctx, func(tx store.Tx) error { _, err := tx.Put(ctx, "ns", "k", []byte("v")); return err }); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Get(ctx, "ns", "k"); err != nil || string(r.Value) != "v" {
		t.Errorf("Get = %q, %v", r.Value, err)
	}
	if v, err := s.SchemaVersion(ctx); err != nil || v < 1 {
		t.Errorf("SchemaVersion = %d, %v", v, err)
	}
}
