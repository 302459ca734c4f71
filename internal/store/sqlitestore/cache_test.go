package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/internal/store"
)

// TestCacheBounded: keys chosen by requests, absent ones included, cannot grow the cache past
// cacheMax.
func TestCacheBounded(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "sluice.db"), &store.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.lock == nil {
		t.Skip("no file locks on this system: GetCached reads the database")
	}
	for i := range cacheMax + 10 {
		if _, err := s.GetCached(ctx, "s3/bucket", fmt.Sprint("absent-", i)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetCached of an absent key: %v", err)
		}
	}
	s.cache.mu.Lock()
	n := len(s.cache.m)
	s.cache.mu.Unlock()
	if n > cacheMax {
		t.Errorf("the cache holds %d keys, more than %d", n, cacheMax)
	}
}
