// Package pgstore is the PostgreSQL store.Store, for several Sluice replicas behind a load
// balancer sharing one database.
//
// # Transactions
//
// Update runs fn in a SERIALIZABLE transaction (pgx/v5, pgxpool): PostgreSQL's serializable
// snapshot isolation aborts any transaction whose reads and writes could not have happened in
// some serial order, across all replicas, with SQLSTATE 40001; a deadlock is 40P01. Update retries
// both, from a fresh transaction, with jittered exponential backoff (at most 30 attempts), then
// gives up with kind Busy. A retryable error is retried even when fn swallowed it: PostgreSQL
// refuses to commit a transaction in which a statement failed, and the driver remembers why.
//
// The store's own error kinds never abort the transaction: Create uses INSERT ... ON CONFLICT DO
// NOTHING, PutIfVersion and Delete look at the rows affected, so fn may handle ErrExists,
// ErrConflict and ErrNotFound and go on.
//
// Reads outside Update are single statements on the pool and see the latest committed data.
// The pool has pgxpool's defaults (at most max(4, NumCPU) connections); pool_max_conns and the
// other pgxpool parameters can be set in the URL.
//
// # Migrations
//
// Open applies the embedded migrations in one transaction holding a transaction-scoped advisory
// lock keyed on the current schema, so replicas that start together migrate once and the others
// wait and then see the result. The tables live in the first schema of search_path (set it in the
// URL, e.g. ?search_path=sluice, to share a database with other applications).
package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/internal/backoff"
	"github.com/sluicehq/sluice/internal/store/internal/keyrange"
	"github.com/sluicehq/sluice/internal/store/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is a store.Store in a PostgreSQL database.
type Store struct {
	opts      store.Options
	pool      *pgxpool.Pool
	policy    backoff.Policy
	closeOnce sync.Once
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres://user:pass@host:port/db?sslmode=...) and
// applies pending migrations.
func Open(ctx context.Context, url string, opts *store.Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error may quote the URL, password included; keep only its kind.
		return nil, &store.Error{Op: "open", Kind: store.Invalid, Msg: "postgres: cannot parse connection URL"}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, store.E("open", store.Internal, "", "", err)
	}
	s := &Store{opts: opts.WithDefaults(), pool: pool, policy: backoff.Default()}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Pool returns the connection pool, for diagnostics.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

func (s *Store) migrate(ctx context.Context) error {
	all, err := migrate.Load(migrationFiles, "migrations")
	if err != nil {
		return store.E("migrate", store.Internal, "", "", err)
	}
	_, err = s.policy.Do(ctx, retryable, s.logRetry("migrate"), func() error {
		return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('sluice.schema_migrations.' || current_schema()))`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version integer     PRIMARY KEY,
				name    text        NOT NULL,
				applied timestamptz NOT NULL)`); err != nil {
				return err
			}
			var current int
			if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
				return err
			}
			pending, err := migrate.Pending(all, current)
			if err != nil {
				return err
			}
			for _, m := range pending {
				s.opts.Logger.InfoContext(ctx, "store: applying migration", "driver", "postgres", "migration", m.Name)
				if _, err := tx.Exec(ctx, m.SQL); err != nil {
					return fmt.Errorf("%s: %w", m.Name, err)
				}
				if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES ($1, $2, $3)`,
					m.Version, m.Name, store.Stamp(s.opts.Now())); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return translate(ctx, "migrate", "", "", err)
	}
	return nil
}

// SchemaVersion implements store.Store.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, translate(ctx, "schema-version", "", "", err)
	}
	return v, nil
}

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error {
	return translate(ctx, "ping", "", "", s.pool.Ping(ctx))
}

// Close implements store.Store.
func (s *Store) Close() error {
	s.closeOnce.Do(s.pool.Close)
	return nil
}

func (s *Store) logRetry(op string) func(int, error) {
	return func(n int, err error) {
		s.opts.Logger.Debug("store: retrying transaction", "driver", "postgres", "op", op, "attempt", n, "err", err)
	}
}

// retryable reports whether err is a serialization failure or a deadlock.
func retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01")
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

// querier is what *pgxpool.Pool and pgx.Tx have in common.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
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
	err := q.QueryRow(ctx, `SELECT value, version, updated FROM records WHERE namespace = $1 AND key = $2`, ns, key).
		Scan(&r.Value, &r.Version, &r.Updated)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Record{}, store.E("get", store.NotFound, ns, key, nil)
	}
	if err != nil {
		return store.Record{}, translate(ctx, "get", ns, key, err)
	}
	r.Value = nonNil(r.Value)
	r.Updated = r.Updated.UTC()
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
	args := []any{ns, opts.Prefix}
	b.WriteString(`SELECT key, value, version, updated FROM records WHERE namespace = $1 AND key >= $2`)
	if end, ok := keyrange.PrefixEnd(opts.Prefix); ok {
		args = append(args, end)
		fmt.Fprintf(&b, ` AND key < $%d`, len(args))
	}
	if opts.StartAfter != "" {
		args = append(args, opts.StartAfter)
		fmt.Fprintf(&b, ` AND key > $%d`, len(args))
	}
	b.WriteString(` ORDER BY key`)
	if opts.Limit > 0 {
		args = append(args, opts.Limit)
		fmt.Fprintf(&b, ` LIMIT $%d`, len(args))
	}
	rows, err := q.Query(ctx, b.String(), args...)
	if err != nil {
		return nil, translate(ctx, "list", ns, "", err)
	}
	defer rows.Close()
	out := []store.Record{}
	for rows.Next() {
		r := store.Record{Namespace: ns}
		if err := rows.Scan(&r.Key, &r.Value, &r.Version, &r.Updated); err != nil {
			return nil, translate(ctx, "list", ns, "", err)
		}
		r.Value = nonNil(r.Value)
		r.Updated = r.Updated.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(ctx, "list", ns, "", err)
	}
	return out, nil
}

// Get implements store.Reader.
func (s *Store) Get(ctx context.Context, ns, key string) (store.Record, error) {
	return get(ctx, s.pool, ns, key)
}

// List implements store.Reader.
func (s *Store) List(ctx context.Context, ns string, opts store.ListOptions) ([]store.Record, error) {
	return list(ctx, s.pool, ns, opts)
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
	pgTx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return translate(ctx, "begin", "", "", err)
	}
	t := &tx{s: s, tx: pgTx}
	committed := false
	defer func() {
		t.done = true
		if !committed {
			// A fresh context: rolling back must happen even when ctx is cancelled.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			pgTx.Rollback(rctx)
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	if t.failed != nil && retryable(t.failed) {
		return t.failed // fn ignored a serialization failure; commit would only roll back
	}
	if err := ctx.Err(); err != nil {
		return store.E("commit", store.Internal, "", "", err)
	}
	if err := pgTx.Commit(ctx); err != nil {
		if errors.Is(err, pgx.ErrTxCommitRollback) && t.failed != nil {
			return store.E("commit", store.Internal, "", "", fmt.Errorf("transaction aborted by an earlier error that fn ignored: %w", t.failed))
		}
		return translate(ctx, "commit", "", "", err)
	}
	committed = true
	return nil
}

type tx struct {
	s      *Store
	tx     pgx.Tx
	done   bool
	failed error // first database error, after which PostgreSQL refuses further statements
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

// note records the first database error of the transaction.
func (t *tx) note(err error) error {
	var pe *pgconn.PgError
	if t.failed == nil && errors.As(err, &pe) {
		t.failed = err
	}
	return err
}

func (t *tx) Get(ctx context.Context, ns, key string) (store.Record, error) {
	if err := t.check(ctx, "get", ns, key); err != nil {
		return store.Record{}, err
	}
	r, err := get(ctx, t.tx, ns, key)
	return r, t.note(err)
}

func (t *tx) List(ctx context.Context, ns string, opts store.ListOptions) ([]store.Record, error) {
	if err := t.check(ctx, "list", ns, ""); err != nil {
		return nil, err
	}
	recs, err := list(ctx, t.tx, ns, opts)
	return recs, t.note(err)
}

const (
	sqlPut = `INSERT INTO records (namespace, key, value, version, updated) VALUES ($1, $2, $3, 1, $4)
		ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, version = records.version + 1, updated = excluded.updated
		RETURNING version`
	sqlCreate = `INSERT INTO records (namespace, key, value, version, updated) VALUES ($1, $2, $3, 1, $4)
		ON CONFLICT (namespace, key) DO NOTHING
		RETURNING version`
	sqlPutIfVersion = `UPDATE records SET value = $3, version = version + 1, updated = $4
		WHERE namespace = $1 AND key = $2 AND version = $5
		RETURNING version`
)

// write runs an INSERT/UPDATE ... RETURNING version; no row means the condition failed.
func (t *tx) write(ctx context.Context, op, ns, key string, value []byte, noRow store.Kind, query string, args ...any) (store.Record, error) {
	if err := t.check(ctx, op, ns, key); err != nil {
		return store.Record{}, err
	}
	r := store.Record{Namespace: ns, Key: key, Value: append([]byte{}, value...), Updated: store.Stamp(t.s.opts.Now())}
	args = append([]any{ns, key, r.Value, r.Updated}, args...)
	err := t.tx.QueryRow(ctx, query, args...).Scan(&r.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Record{}, store.E(op, noRow, ns, key, nil)
	}
	if err != nil {
		return store.Record{}, translate(ctx, op, ns, key, t.note(err))
	}
	return r, nil
}

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
	tag, err := t.tx.Exec(ctx, `DELETE FROM records WHERE namespace = $1 AND key = $2`, ns, key)
	if err != nil {
		return translate(ctx, "delete", ns, key, t.note(err))
	}
	if tag.RowsAffected() == 0 {
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
	query := `DELETE FROM records WHERE namespace = $1 AND key >= $2`
	args := []any{ns, prefix}
	if end, ok := keyrange.PrefixEnd(prefix); ok {
		query += ` AND key < $3`
		args = append(args, end)
	}
	tag, err := t.tx.Exec(ctx, query, args...)
	if err != nil {
		return 0, translate(ctx, "delete-prefix", ns, "", t.note(err))
	}
	return int(tag.RowsAffected()), nil
}
