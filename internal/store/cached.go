package store

import "context"

// A CachedGetter is a Store that sees every write to its data, because this process is the
// only one writing it (SQLite opened with Options.Exclusive, which locks the file). It answers
// GetCached from memory, dropping a key when one of its own transactions writes it, so a hot
// key (IAM's generation, read on every authorization) costs no database read. Stores shared by
// processes (PostgreSQL replicas) do not implement it.
type CachedGetter interface {
	// GetCached is Get for a small key read far more often than it is written.
	GetCached(ctx context.Context, ns, key string) (Record, error)
}

// GetCached reads (ns, key) through r's GetCached when r has one, otherwise through Get.
func GetCached(ctx context.Context, r Reader, ns, key string) (Record, error) {
	if c, ok := r.(CachedGetter); ok {
		return c.GetCached(ctx, ns, key)
	}
	return r.Get(ctx, ns, key)
}
