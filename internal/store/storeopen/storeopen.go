// Package storeopen chooses and opens a store.Store driver from a DSN. It is separate from
// package store because it imports every driver, and the drivers import store.
//
// DSN grammar:
//
//	""                                   SQLite file DefaultSQLitePath in the working directory
//	/abs/path.db, rel/path.db            SQLite file at that path
//	sqlite:///abs/path.db                SQLite file /abs/path.db
//	sqlite://rel/path.db, sqlite:rel.db  SQLite file relative to the working directory
//	postgres://..., postgresql://...     PostgreSQL (libpq URL; see pgx for parameters)
//	memory:                              in memory, lost on exit (tests only)
//
// Any other "scheme:" or "scheme://" prefix is rejected rather than taken as a file name, so a
// mistyped URL does not silently create a SQLite file.
package storeopen

import (
	"context"
	"fmt"
	"strings"

	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
	"github.com/sluicehq/sluice/internal/store/pgstore"
	"github.com/sluicehq/sluice/internal/store/sqlitestore"
)

// DefaultSQLitePath is the database file used for the empty DSN.
const DefaultSQLitePath = "sluice.db"

// Driver names a driver.
type Driver string

// The drivers.
const (
	SQLite   Driver = "sqlite"
	Postgres Driver = "postgres"
	Memory   Driver = "memory"
)

// Parse returns the driver for dsn and the argument to pass to it (a file path for SQLite, the
// URL for PostgreSQL, "" for memory).
func Parse(dsn string) (Driver, string, error) {
	switch {
	case dsn == "":
		return SQLite, DefaultSQLitePath, nil
	case dsn == "memory:":
		return Memory, "", nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return Postgres, dsn, nil
	case strings.HasPrefix(dsn, "sqlite://"):
		return sqlitePath(dsn, strings.TrimPrefix(dsn, "sqlite://"))
	case strings.HasPrefix(dsn, "sqlite:"):
		return sqlitePath(dsn, strings.TrimPrefix(dsn, "sqlite:"))
	}
	if scheme, _, ok := strings.Cut(dsn, ":"); ok && isScheme(scheme) {
		return "", "", invalid(dsn, "unknown scheme %q (want sqlite:, postgres:, memory: or a file path)", scheme)
	}
	return SQLite, dsn, nil
}

func sqlitePath(dsn, path string) (Driver, string, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return "", "", invalid(dsn, "sqlite DSN needs a plain file path (no query or fragment)")
	}
	return SQLite, path, nil
}

// isScheme reports whether s looks like a URL scheme (letter, then letters, digits, + - .) of
// at least two characters, so that a Windows drive letter "C:" is not one.
func isScheme(s string) bool {
	if len(s) < 2 {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func invalid(dsn, format string, args ...any) error {
	// The DSN may carry a password; show only its scheme.
	scheme, _, _ := strings.Cut(dsn, ":")
	return &store.Error{Op: "open", Kind: store.Invalid, Msg: fmt.Sprintf(format, args...) + fmt.Sprintf(" in DSN %q...", scheme)}
}

// Open opens the store that dsn names and runs its migrations.
func Open(ctx context.Context, dsn string, opts *store.Options) (store.Store, error) {
	driver, arg, err := Parse(dsn)
	if err != nil {
		return nil, err
	}
	switch driver {
	case Memory:
		return memstore.New(opts), nil
	case Postgres:
		return pgstore.Open(ctx, arg, opts)
	default:
		return sqlitestore.Open(ctx, arg, opts)
	}
}
