// Package sqlitestore is the embedded store.Store, Sluice's default: one SQLite file, through the
// pure-Go modernc.org/sqlite.
//
// # Connections and locking
//
// The store opens two database/sql pools on the file. The writer pool has exactly one connection
// and begins every transaction with BEGIN IMMEDIATE (_txlock=immediate), so Update calls from any
// number of goroutines queue for that connection in Go instead of failing with SQLITE_BUSY, and a
// transaction holds the write lock from its first statement: writers are serialized, which is
// serializable by construction and needs no lock upgrades (the usual source of SQLITE_BUSY in
// deferred transactions). The reader pool (query_only) serves Get and List outside Update
// concurrently with the writer: in WAL mode readers see the last committed state and never block
// the writer or each other. busy_timeout (10 s) covers the remaining contention, another process
// on the same file; Update still retries SQLITE_BUSY and SQLITE_LOCKED with backoff.
//
// # Durability
//
// journal_mode=WAL and synchronous=FULL: every commit is fsynced before Update returns. NORMAL
// would be faster (an fsync only at checkpoints) but a power loss could then roll back the last
// commits, and in an access-control plane the last commit may be a revoked key, a deleted grant
// or a detached policy that must not come back. Sluice's writes are administrative and rare
// compared with reads, so the cost of an fsync per Update is acceptable. foreign_keys is on for
// future migrations (the initial schema has no foreign keys).
//
// The database file holds the whole control plane; back it up with the SQLite backup API or by
// copying the file while Sluice is stopped.
package sqlitestore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"

	"github.com/sluicehq/sluice/internal/filelock"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/internal/backoff"
	"github.com/sluicehq/sluice/internal/store/internal/keyrange"
	"github.com/sluicehq/sluice/internal/store/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is a store.Store in one SQLite file.
type Store struct {
	opts      store.Options
	path      string
	w         *sql.DB // one connection, BEGIN IMMEDIATE
	r         *sql.DB // readers, query_only
	policy    backoff.Policy
	writes    map[string]*sql.Stmt // the write statements, prepared once on w, by query
	lock      *os.File             // <path>.lock, held while open with Options.Exclusive
	cache     cache                // GetCached, while lock is held
	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

const busyTimeout = 10 * time.Second

// dsn builds a modernc.org/sqlite URI for the absolute path abs.
func dsn(abs string, writer bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "1")
	if writer {
		q.Set("_journal_mode", "WAL")
		q.Set("_synchronous", "FULL")
		q.Set("_txlock", "immediate")
	} else {
		q.Set("_query_only", "1")
	}
	return "file:" + (&url.URL{Path: abs}).EscapedPath() + "?" + q.Encode()
}

// Open opens (creating if needed) the database file at path and applies pending migrations.
func Open(ctx context.Context, path string, opts *store.Options) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, &store.Error{Op: "open", Kind: store.Invalid, Msg: "sqlite: need a file path, not " + fmt.Sprintf("%q", path)}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, store.E("open", store.Invalid, "", "", err)
	}
	s := &Store{opts: opts.WithDefaults(), path: abs, policy: backoff.Default()}
	if s.opts.Exclusive {
		// Where the system has no flock the store stays shared and GetCached reads the database.
		s.lock, err = filelock.TryLock(abs + ".lock")
		switch {
		case errors.Is(err, filelock.ErrLocked):
			return nil, &store.Error{Op: "open", Kind: store.Busy, Msg: "sqlite: another process is serving this database (it holds " + abs +
				".lock); stop it first, or use PostgreSQL (--store postgres://…) to run several replicas"}
		case errors.Is(err, filelock.ErrUnsupported):
		case err != nil:
			return nil, store.E("open", store.Internal, "", "", err)
		}
	}
	s.w, err = sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		s.Close()
		return nil, store.E("open", store.Internal, "", "", err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxIdleTime(0)
	s.w.SetConnMaxLifetime(0)
	s.r, err = sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		s.Close()
		return nil, store.E("open", store.Internal, "", "", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	// Every Put, Create and PutIfVersion runs one of three statements: parsing and planning
	// them once instead of per call takes the SQL compiler off the commit path.
	s.writes = make(map[string]*sql.Stmt, 3)
	for _, q := range []string{sqlPut, sqlCreate, sqlPutIfVersion} {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			s.Close()
			return nil, translate(ctx, "open", "", "", err)
		}
		s.writes[q] = st
	}
	return s, nil
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

func (s *Store) migrate(ctx context.Context) error {
	all, err := migrate.Load(migrationFiles, "migrations")
	if err != nil {
		return store.E("migrate", store.Internal, "", "", err)
	}
	_, err = s.policy.Do(ctx, retryable, s.logRetry("migrate"), func() error {
		tx, err := s.w.BeginTx(ctx, nil) // BEGIN IMMEDIATE: one migrator at a time, across processes too
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			name    TEXT    NOT NULL,
			applied INTEGER NOT NULL)`); err != nil {
			return err
		}
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return err
		}
		pending, err := migrate.Pending(all, current)
		if err != nil {
			return err
		}
		for _, m := range pending {
			s.opts.Logger.InfoContext(ctx, "store: applying migration", "driver", "sqlite", "migration", m.Name)
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
				m.Version, m.Name, store.Stamp(s.opts.Now()).UnixMicro()); err != nil {
				return err
			}
		}
		return tx.Commit()
	})
	if err != nil {
		return translate(ctx, "migrate", "", "", err)
	}
	return nil
}

// SchemaVersion implements store.Store.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, translate(ctx, "schema-version", "", "", err)
	}
	return v, nil
}

// Ping implements store.Store. It queries through the reader pool only, so that a health check
// does not queue behind a running Update for the single writer connection.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.r.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return translate(ctx, "ping", "", "", err)
	}
	return nil
}

// Close implements store.Store.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		for _, st := range s.writes {
			st.Close()
		}
		var errs []error
		for _, db := range []*sql.DB{s.r, s.w} {
			if db != nil {
				errs = append(errs, db.Close())
			}
		}
		if s.lock != nil {
			errs = append(errs, s.lock.Close()) // releases the lock
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

func (s *Store) logRetry(op string) func(int, error) {
	return func(n int, err error) {
		s.opts.Logger.Debug("store: retrying transaction", "driver", "sqlite", "op", op, "attempt", n, "err", err)
	}
}

// retryable reports whether err says the database was busy or locked.
func retryable(err error) bool {
	var e *sqlite.Error
	if errors.As(err, &e) {
		switch e.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED and their extended codes
			return true
		}
	}
	return false
}

// translate turns a native error into a *store.Error, keeping it in the chain.
func translate(ctx context.Context, op, ns, key string, err error) error {
	var se *store.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return err
	case ctx.Err() != nil && !errors.Is(err, ctx.Err()):
		return store.E(op, store.Internal, ns, key, fmt.Errorf("%w (%w)", ctx.Err(), err))
	case retryable(err):
		return store.E(op, store.Busy, ns, key, err)
	}
	return store.E(op, store.Internal, ns, key, err)
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func get(ctx context.Context, q querier, ns, key string) (store.Record, error) {
	if err := store.CheckKey("get", ns, key); err != nil {
		return store.Record{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Record{}, store.E("get", store.Internal, ns, key, err)
	}
	r := store.Record{Namespace: ns, Key: key}
	var micros int64
	err := q.QueryRowContext(ctx, `SELECT value, version, updated FROM records WHERE namespace = ? AND key = ?`, ns, key).
		Scan(&r.Value, &r.Version, &micros)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Record{}, store.E("get", store.NotFound, ns, key, nil)
	}
	if err != nil {
		return store.Record{}, translate(ctx, "get", ns, key, err)
	}
	r.Value = nonNil(r.Value)
	r.Updated = time.UnixMicro(micros).UTC()
	return r, nil
}

func list(ctx context.Context, q querier, ns string, opts store.ListOptions) ([]store.Record, error) {
	if err := store.CheckList("list", ns, opts); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, store.E("list", store.Internal, ns, "", err)
	}
	var b strings.Builder
	// One lower bound, the tighter of Prefix and StartAfter, so the index range starts there
	// (with both, SQLite may start the scan at the prefix and filter every key up to StartAfter).
	args := []any{ns}
	if opts.StartAfter >= opts.Prefix && opts.StartAfter != "" {
		b.WriteString(`SELECT key, value, version, updated FROM records WHERE namespace = ? AND key > ?`)
		args = append(args, opts.StartAfter)
	} else {
		b.WriteString(`SELECT key, value, version, updated FROM records WHERE namespace = ? AND key >= ?`)
		args = append(args, opts.Prefix)
	}
	if end, ok := keyrange.PrefixEnd(opts.Prefix); ok {
		b.WriteString(` AND key < ?`)
		args = append(args, end)
	}
	b.WriteString(` ORDER BY key`)
	if opts.Limit > 0 {
		b.WriteString(` LIMIT ?`)
		args = append(args, opts.Limit)
	}
	rows, err := q.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return nil, translate(ctx, "list", ns, "", err)
	}
	defer rows.Close()
	out := []store.Record{}
	for rows.Next() {
		r := store.Record{Namespace: ns}
		var micros int64
		if err := rows.Scan(&r.Key, &r.Value, &r.Version, &micros); err != nil {
			return nil, translate(ctx, "list", ns, "", err)
		}
		r.Value = nonNil(r.Value)
		r.Updated = time.UnixMicro(micros).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(ctx, "list", ns, "", err)
	}
	return out, nil
}

// Get implements store.Reader, from the reader pool.
func (s *Store) Get(ctx context.Context, ns, key string) (store.Record, error) {
	return get(ctx, s.r, ns, key)
}

// List implements store.Reader, from the reader pool.
func (s *Store) List(ctx context.Context, ns string, opts store.ListOptions) ([]store.Record, error) {
	return list(ctx, s.r, ns, opts)
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return store.E("update", store.Internal, "", "", err)
	}
	_, err := s.policy.Do(ctx, retryable, s.logRetry("update"), func() error { return s.attempt(ctx, fn) })
	if err != nil && retryable(err) {
		return translate(ctx, "update", "", "", err)
	}
	return err
}

func (s *Store) attempt(ctx context.Context, fn func(tx store.Tx) error) error {
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return translate(ctx, "begin", "", "", err)
	}
	t := &tx{s: s, tx: sqlTx}
	committed := false
	defer func() {
		t.done = true
		if !committed {
			sqlTx.Rollback()
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return store.E("commit", store.Internal, "", "", err)
	}
	if err := sqlTx.Commit(); err != nil {
		return translate(ctx, "commit", "", "", err)
	}
	committed = true
	if s.lock != nil && (len(t.touched) > 0 || t.touchedAll) {
		s.cache.committed(t.touched, t.touchedAll)
	}
	return nil
}

type tx struct {
	s    *Store
	tx   *sql.Tx
	done bool
	// What the transaction wrote, for the cache (kept only while the store holds its lock).
	touched    []string
	touchedAll bool
}

func (t *tx) touch(ns, key string) {
	if t.s.lock != nil {
		t.touched = append(t.touched, cacheKey(ns, key))
	}
}

var _ store.Tx = (*tx)(nil)

func (t *tx) check(ctx context.Context, op, ns, key string) error {
	if t.done {
		return &store.Error{Op: op, Kind: store.Invalid, Namespace: ns, Key: key, Msg: "transaction is finished"}
	}
	if err := ctx.Err(); err != nil {
		return store.E(op, store.Internal, ns, key, err)
	}
	return nil
}

func (t *tx) Get(ctx context.Context, ns, key string) (store.Record, error) {
	if err := t.check(ctx, "get", ns, key); err != nil {
		return store.Record{}, err
	}
	return get(ctx, t.tx, ns, key)
}

func (t *tx) List(ctx context.Context, ns string, opts store.ListOptions) ([]store.Record, error) {
	if err := t.check(ctx, "list", ns, ""); err != nil {
		return nil, err
	}
	return list(ctx, t.tx, ns, opts)
}

// write runs an INSERT/UPDATE ... RETURNING version; no row means the condition failed.
func (t *tx) write(ctx context.Context, op, ns, key string, value []byte, noRow store.Kind, query string, args ...any) (store.Record, error) {
	if err := t.check(ctx, op, ns, key); err != nil {
		return store.Record{}, err
	}
	t.touch(ns, key)
	r := store.Record{Namespace: ns, Key: key, Value: nonNil(value), Updated: store.Stamp(t.s.opts.Now())}
	args = append([]any{ns, key, r.Value, r.Updated.UnixMicro()}, args...)
	var row *sql.Row
	if st := t.s.writes[query]; st != nil {
		row = t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	} else {
		row = t.tx.QueryRowContext(ctx, query, args...)
	}
	err := row.Scan(&r.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Record{}, store.E(op, noRow, ns, key, nil)
	}
	if err != nil {
		return store.Record{}, translate(ctx, op, ns, key, err)
	}
	r.Value = append([]byte{}, r.Value...)
	return r, nil
}

const (
	sqlPut = `INSERT INTO records (namespace, key, value, version, updated) VALUES (?1, ?2, ?3, 1, ?4)
		ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, version = records.version + 1, updated = excluded.updated
		RETURNING version`
	sqlCreate = `INSERT INTO records (namespace, key, value, version, updated) VALUES (?1, ?2, ?3, 1, ?4)
		ON CONFLICT (namespace, key) DO NOTHING
		RETURNING version`
	sqlPutIfVersion = `UPDATE records SET value = ?3, version = version + 1, updated = ?4
		WHERE namespace = ?1 AND key = ?2 AND version = ?5
		RETURNING version`
)

func (t *tx) Put(ctx context.Context, ns, key string, value []byte) (store.Record, error) {
	if err := store.CheckKey("put", ns, key); err != nil {
		return store.Record{}, err
	}
	return t.write(ctx, "put", ns, key, value, store.Internal, sqlPut)
}

func (t *tx) Create(ctx context.Context, ns, key string, value []byte) (store.Record, error) {
	if err := store.CheckKey("create", ns, key); err != nil {
		return store.Record{}, err
	}
	return t.write(ctx, "create", ns, key, value, store.Exists, sqlCreate)
}

func (t *tx) PutIfVersion(ctx context.Context, ns, key string, value []byte, version int64) (store.Record, error) {
	if err := store.CheckVersion("put-if-version", ns, key, version); err != nil {
		return store.Record{}, err
	}
	if version == 0 {
		return t.write(ctx, "put-if-version", ns, key, value, store.Conflict, sqlCreate)
	}
	return t.write(ctx, "put-if-version", ns, key, value, store.Conflict, sqlPutIfVersion, version)
}

func (t *tx) Delete(ctx context.Context, ns, key string) error {
	if err := store.CheckKey("delete", ns, key); err != nil {
		return err
	}
	if err := t.check(ctx, "delete", ns, key); err != nil {
		return err
	}
	t.touch(ns, key)
	res, err := t.tx.ExecContext(ctx, `DELETE FROM records WHERE namespace = ? AND key = ?`, ns, key)
	if err != nil {
		return translate(ctx, "delete", ns, key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return translate(ctx, "delete", ns, key, err)
	}
	if n == 0 {
		return store.E("delete", store.NotFound, ns, key, nil)
	}
	return nil
}

func (t *tx) DeletePrefix(ctx context.Context, ns, prefix string) (int, error) {
	if err := store.CheckPrefix("delete-prefix", ns, prefix); err != nil {
		return 0, err
	}
	if err := t.check(ctx, "delete-prefix", ns, ""); err != nil {
		return 0, err
	}
	t.touchedAll = true
	query := `DELETE FROM records WHERE namespace = ? AND key >= ?`
	args := []any{ns, prefix}
	if end, ok := keyrange.PrefixEnd(prefix); ok {
		query += ` AND key < ?`
		args = append(args, end)
	}
	res, err := t.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, translate(ctx, "delete-prefix", ns, "", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, translate(ctx, "delete-prefix", ns, "", err)
	}
	return int(n), nil
}
