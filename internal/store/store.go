package store

import (
	"context"
	"log/slog"
	"time"
)

// Limits on names, checked by CheckKey and CheckList.
const (
	MaxNamespaceLen = 255  // bytes
	MaxKeyLen       = 1024 // bytes
)

// Record is one stored value and its bookkeeping.
type Record struct {
	Namespace string
	Key       string
	Value     []byte    // never nil on a returned Record
	Version   int64     // 1 on create, +1 per write
	Updated   time.Time // time of the last write, UTC, microsecond precision
}

// ListOptions selects a range of keys in one namespace. The zero value lists everything.
type ListOptions struct {
	Prefix     string // only keys that start with Prefix
	StartAfter string // only keys greater than StartAfter (exclusive), for paging
	Limit      int    // at most Limit records; 0 means no limit
}

// Reader is implemented by Store and Tx.
type Reader interface {
	// Get returns the record under (ns, key), or an error of kind NotFound.
	Get(ctx context.Context, ns, key string) (Record, error)
	// List returns the records of ns selected by opts in byte order of Key.
	List(ctx context.Context, ns string, opts ListOptions) ([]Record, error)
}

// Tx is the view of one transaction inside Store.Update. Its methods are not safe for
// concurrent use.
type Tx interface {
	Reader
	// Put creates or replaces the record.
	Put(ctx context.Context, ns, key string, value []byte) (Record, error)
	// Create creates the record, or fails with kind Exists.
	Create(ctx context.Context, ns, key string, value []byte) (Record, error)
	// PutIfVersion replaces the record only if its current version is version; version 0 means
	// the key must not exist. A mismatch (including a missing key for version > 0) fails with
	// kind Conflict.
	PutIfVersion(ctx context.Context, ns, key string, value []byte, version int64) (Record, error)
	// Delete removes the record, or fails with kind NotFound.
	Delete(ctx context.Context, ns, key string) error
	// DeletePrefix removes every record of ns whose key starts with prefix ("" = the whole
	// namespace) and returns how many it removed.
	DeletePrefix(ctx context.Context, ns, prefix string) (int, error)
}

// Store is a transactional, ordered key-value store shared by all replicas.
type Store interface {
	Reader
	// Update runs fn in one serializable transaction; see the package documentation for the
	// retry contract. Any error from fn rolls back and is returned.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// SchemaVersion returns the highest migration applied to the database (for health checks).
	SchemaVersion(ctx context.Context) (int, error)
	// Close releases the store's resources. Close of a closed store is a no-op.
	Close() error
}

// Options are the optional dependencies of every driver. A nil *Options means defaults.
type Options struct {
	Logger *slog.Logger     // default: discard
	Now    func() time.Time // default: time.Now
	// Exclusive says this process will be the only one writing the database (a serving
	// daemon). A driver that can make sure of it does (SQLite locks <file>.lock, and Open fails
	// while another process holds it) and then answers GetCached from memory. PostgreSQL, which
	// replicas share, ignores it.
	Exclusive bool
}

// WithDefaults returns a copy of o (which may be nil) with every empty field filled in.
func (o *Options) WithDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	return r
}

// Stamp converts a clock reading into the form every driver stores: UTC, truncated to the
// microsecond.
func Stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
