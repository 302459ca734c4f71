package doctor

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/blob/localfs"
	"github.com/sluicehq/sluice/internal/store/sqlitestore"
)

func TestReadSchemaSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	// A store this binary migrated.
	st, err := sqlitestore.Open(ctx, filepath.Join(dir, "sluice.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	latest, err := st.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	before := dirState(t, dir)
	s := ReadSchema(ctx, "", dir)
	if diff := cmp.Diff(Schema{Driver: "sqlite", Where: filepath.Join(dir, "sluice.db"), Version: latest, Latest: latest}, s, cmp.Comparer(errorsEqual)); diff != "" {
		t.Errorf("migrated store (-want +got):\n%s", diff)
	}
	if f := Store(s); f.Status != OK {
		t.Errorf("%+v", f)
	}
	if diff := cmp.Diff(before, dirState(t, dir)); diff != "" {
		t.Errorf("ReadSchema changed the data dir (-before +after):\n%s", diff)
	}

	// A SQLite file no migration ran on: pending, and left untouched.
	empty := filepath.Join(dir, "empty.db")
	db, err := sql.Open("sqlite", empty)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE other (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s = ReadSchema(ctx, empty, dir)
	if s.Err != nil || s.Version != 0 || s.Latest != latest {
		t.Fatalf("%+v", s)
	}
	if f := Store(s); f.Status != Warn || !strings.Contains(f.Fix, "sluice serve") {
		t.Errorf("%+v", f)
	}
	if s := ReadSchema(ctx, empty, dir); s.Version != 0 {
		t.Errorf("second look migrated it: %+v", s)
	}

	// No store at all.
	if f := Store(ReadSchema(ctx, "", t.TempDir())); f.Status != Fail || !strings.Contains(f.Message, "does not exist") {
		t.Errorf("%+v", f)
	}
	// A DSN that is not one.
	if f := Store(ReadSchema(ctx, "mysql://u:secret@h/db", dir)); f.Status != Fail || strings.Contains(f.Message, "secret") {
		t.Errorf("%+v", f)
	}
}

func errorsEqual(a, b error) bool { return (a == nil) == (b == nil) }

// dirState is every file name in dir with its size and modification time.
func dirState(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fi.ModTime().String() + " " + fi.Mode().String() + " " + string(rune(fi.Size()))
	}
	return out
}

func TestProbeBlobLocal(t *testing.T) {
	ctx := context.Background()
	rnd := bytes.NewReader(bytes.Repeat([]byte{7}, 64))
	dir := filepath.Join(t.TempDir(), "objects")
	if f := ProbeBlob(ctx, "", dir, os.Getenv, rnd); f.Status != Fail || !strings.Contains(f.Message, "not initialized") {
		t.Errorf("missing dir: %+v", f)
	}
	if _, err := localfs.Open(dir, nil); err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{"", dir, "file://" + dir} {
		f := ProbeBlob(ctx, loc, dir, os.Getenv, rnd)
		if f.Status != OK {
			t.Errorf("%q: %+v", loc, f)
		}
	}
	left, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil || len(left) != 0 {
		t.Errorf("probe left %v (%v)", left, err)
	}
	// tmp/ that cannot hold files.
	if err := os.RemoveAll(filepath.Join(dir, "tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tmp"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if f := ProbeBlob(ctx, "", dir, os.Getenv, rnd); f.Status != Fail || !strings.Contains(f.Message, "not writable") {
		t.Errorf("tmp is a file: %+v", f)
	}
	// Upstream S3 without keys: a configuration failure, before any request.
	f := ProbeBlob(ctx, "s3://bucket/p?endpoint=http://127.0.0.1:1", dir, func(string) string { return "" }, rnd)
	if f.Status != Fail || !strings.Contains(f.Message, "SLUICE_BLOB_ACCESS_KEY_ID") {
		t.Errorf("s3 without keys: %+v", f)
	}
}

func TestStatFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "k.json")
	if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o644); err != nil { // umask aside
		t.Fatal(err)
	}
	st, data := StatFile(p)
	if st.Err != nil || st.Mode.Perm() != 0o644 || string(data) != "{}" {
		t.Errorf("%+v %q", st, data)
	}
	if f := RootCredentials(st, false); f.Status != Fail || f.Fix != "chmod 600 "+p {
		t.Errorf("%+v", f)
	}
	if st, _ := StatFile(filepath.Join(dir, "none")); !os.IsNotExist(st.Err) {
		t.Errorf("%+v", st)
	}
}

// TestServerClock: the skew comes from the Date header of the health endpoint.
func TestServerClock(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name   string
		offset time.Duration
		want   Status
	}{{"in sync", 0, OK}, {"3 minutes ahead", 3 * time.Minute, Warn}, {"10 minutes behind", -10 * time.Minute, Fail}} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Date", now.Add(c.offset).Format(http.TimeFormat))
				if r.URL.Path != HealthPath {
					w.WriteHeader(http.StatusNotFound)
				}
			}))
			defer srv.Close()
			fs := Run(context.Background(), Config{DataDir: t.TempDir(), Endpoint: srv.URL}, &Options{Now: func() time.Time { return now }})
			got := map[Check]Status{}
			for _, f := range fs {
				if f.Check == CheckClock || f.Check == CheckHealth {
					got[f.Check] = f.Status
				}
			}
			if diff := cmp.Diff(map[Check]Status{CheckHealth: OK, CheckClock: c.want}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
