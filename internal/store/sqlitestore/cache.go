package sqlitestore

import (
	"context"
	"errors"
	"sync"

	"github.com/sluicehq/sluice/internal/store"
)

// cache answers GetCached while the store holds its file's lock: every write then goes through
// this process, and a transaction that writes a key drops it after its commit.
//
// A read that raced a commit must not put back what the commit replaced: a commit bumps epoch,
// and a read stores its result only if epoch did not move while it read.
//
// Keys can come from requests (S3 bucket names, absent ones included), so the cache holds at
// most cacheMax of them: a full cache drops one key (Go's map order picks it) for each it adds,
// so names a client makes up cannot keep a hot key such as IAM's generation out for long.
type cache struct {
	mu    sync.Mutex
	epoch uint64
	m     map[string]cached
}

type cached struct {
	rec   store.Record
	found bool
}

const cacheMax = 4096

func cacheKey(ns, key string) string { return ns + "\x00" + key }

// GetCached implements store.CachedGetter. Without the lock it is Get.
func (s *Store) GetCached(ctx context.Context, ns, key string) (store.Record, error) {
	if s.lock == nil {
		return s.Get(ctx, ns, key)
	}
	k := cacheKey(ns, key)
	c := &s.cache
	c.mu.Lock()
	e, ok := c.m[k]
	epoch := c.epoch
	c.mu.Unlock()
	if ok {
		if !e.found {
			return store.Record{}, store.E("get", store.NotFound, ns, key, nil)
		}
		r := e.rec
		r.Value = append([]byte{}, r.Value...)
		return r, nil
	}
	rec, err := s.Get(ctx, ns, key)
	found := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return rec, err
	}
	c.mu.Lock()
	if c.epoch == epoch {
		if c.m == nil {
			c.m = map[string]cached{}
		}
		if _, ok := c.m[k]; !ok && len(c.m) >= cacheMax {
			for old := range c.m {
				delete(c.m, old)
				break
			}
		}
		v := rec
		v.Value = append([]byte{}, rec.Value...)
		c.m[k] = cached{rec: v, found: found}
	}
	c.mu.Unlock()
	return rec, err
}

// committed drops what a committed transaction wrote: its keys, or everything after a
// DeletePrefix.
func (c *cache) committed(keys []string, all bool) {
	c.mu.Lock()
	c.epoch++
	if all {
		clear(c.m)
	}
	for _, k := range keys {
		delete(c.m, k)
	}
	c.mu.Unlock()
}
