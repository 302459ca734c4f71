package doctor

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", for the read-only look

	"github.com/sluicehq/sluice/internal/store/sqlitestore"
	"github.com/sluicehq/sluice/internal/store/storeopen"
)

// Schema is what was found about the store.
type Schema struct {
	Driver storeopen.Driver
	// Where names the store without secrets: the SQLite file, or the PostgreSQL host/database.
	Where string
	// Version is the highest migration applied; Latest is the newest this binary knows (0 when it
	// cannot tell without applying them, as for PostgreSQL).
	Version, Latest int
	// Err is why the store could not be read; nil when Version is valid.
	Err error
}

// Store checks that the store was reachable and holds every migration this binary knows.
func Store(s Schema) Finding {
	where := fmt.Sprintf("%s store %s", s.Driver, s.Where)
	switch {
	case errors.Is(s.Err, fs.ErrNotExist):
		return Finding{Check: CheckStore, Status: Fail, Message: where + " does not exist",
			Fix: "check --data-dir/--store (SLUICE_DATA_DIR, SLUICE_STORE), or start `sluice serve` once to create it"}
	case s.Err != nil:
		return Finding{Check: CheckStore, Status: Fail, Message: fmt.Sprintf("%s is not reachable: %v", where, s.Err),
			Fix: "check that the database is up and the DSN, user and password in --store (SLUICE_STORE) are right"}
	case s.Latest > 0 && s.Version > s.Latest:
		return Finding{Check: CheckStore, Status: Fail, Message: fmt.Sprintf("%s has schema version %d, newer than this binary's %d", where, s.Version, s.Latest),
			Fix: "upgrade this sluice binary to the version the server runs"}
	case s.Latest > 0 && s.Version < s.Latest:
		return Finding{Check: CheckStore, Status: Warn, Message: fmt.Sprintf("%s has schema version %d: %d migration(s) pending (this binary knows %d)", where, s.Version, s.Latest-s.Version, s.Latest),
			Fix: "restart `sluice serve` with this version: it applies pending migrations at start (back the store up first)"}
	case s.Latest == 0 && s.Version == 0:
		return Finding{Check: CheckStore, Status: Warn, Message: where + " is reachable but has no migrations applied",
			Fix: "start `sluice serve` on it once: it applies the migrations at start"}
	case s.Latest == 0:
		return Finding{Check: CheckStore, Status: OK, Message: fmt.Sprintf("%s is reachable, schema version %d (this binary cannot tell pending PostgreSQL migrations without applying them)", where, s.Version)}
	}
	return Finding{Check: CheckStore, Status: OK, Message: fmt.Sprintf("%s is reachable and migrated (schema version %d)", where, s.Version)}
}

// ReadSchema looks at the store that dsn names ("" = sluice.db in dataDir, as `sluice serve`)
// without changing it: SQLite is opened read-only, PostgreSQL in a read-only transaction. The
// newest SQLite version this binary knows is read from a scratch database in a temporary
// directory.
func ReadSchema(ctx context.Context, dsn, dataDir string) Schema {
	if dsn == "" {
		dsn = filepath.Join(dataDir, "sluice.db")
	}
	driver, arg, err := storeopen.Parse(dsn)
	if err != nil {
		return Schema{Driver: driver, Where: "(bad DSN)", Err: err}
	}
	switch driver {
	case storeopen.Memory:
		return Schema{Driver: driver, Where: "memory:", Err: errors.New("an in-memory store exists only inside its server")}
	case storeopen.Postgres:
		return postgresSchema(ctx, arg)
	}
	s := Schema{Driver: driver, Where: arg}
	if _, err := os.Stat(arg); err != nil {
		s.Err = err
		return s
	}
	if s.Version, s.Err = sqliteVersion(ctx, arg); s.Err != nil {
		return s
	}
	s.Latest, s.Err = latestSQLite(ctx)
	return s
}

// sqliteVersion reads the schema version of the file at path, opened read-only.
func sqliteVersion(ctx context.Context, path string) (int, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, err
	}
	// A read-only connection to a WAL database still creates the -wal and -shm files when they
	// are missing, owned by whoever runs the doctor, which may lock the server out of them. They
	// exist while a server has the file open; when they do not, no one is writing and the file is
	// read as immutable, which creates nothing.
	q := "?mode=ro&_pragma=busy_timeout(5000)&_pragma=query_only(1)"
	if _, err := os.Stat(abs + "-wal"); err != nil {
		q = "?mode=ro&immutable=1"
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: abs}).EscapedPath()+q)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	return schemaVersion(ctx, db.QueryRowContext, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
}

// schemaVersion runs the existence query, then reads the highest version (0 without the table).
func schemaVersion(ctx context.Context, query func(context.Context, string, ...any) *sql.Row, exists string) (int, error) {
	var n int
	if err := query(ctx, exists).Scan(&n); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	var v int
	err := query(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	return v, err
}

// latestSQLite is the schema version a new SQLite store gets from this binary.
func latestSQLite(ctx context.Context) (int, error) {
	dir, err := os.MkdirTemp("", "sluice-doctor-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	st, err := sqlitestore.Open(ctx, filepath.Join(dir, "probe.db"), nil)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	return st.SchemaVersion(ctx)
}

func postgresSchema(ctx context.Context, dsn string) Schema {
	s := Schema{Driver: storeopen.Postgres, Where: "(unparsable URL)"}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		s.Err = errors.New("cannot parse the connection URL") // the parse error may quote the password
		return s
	}
	s.Where = fmt.Sprintf("%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		s.Err = err
		return s
	}
	defer conn.Close(context.Background())
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		s.Err = err
		return s
	}
	defer tx.Rollback(context.Background())
	var exists bool
	if s.Err = tx.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); s.Err != nil || !exists {
		return s
	}
	s.Err = tx.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&s.Version)
	return s
}
