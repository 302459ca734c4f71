package krblogin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/store"
)

// Replays. gokrb5 keeps a replay cache in each process, which is no defence against an
// authenticator captured on its way to one replica and presented to another. When
// Options.Replays is set, an authenticator that verified is also recorded there, by client,
// service, time and microseconds (RFC 4120 §3.2.3), and one seen before is refused as a
// replay; a cache that cannot answer refuses the login (503).

// ReplayCache remembers the authenticators presented, for every replica.
type ReplayCache interface {
	// Seen records key, to be kept until until, and reports whether it was recorded before.
	Seen(ctx context.Context, key string, until time.Time) (bool, error)
}

// replayKey identifies an authenticator.
func replayKey(service, client string, ctime time.Time, cusec int) string {
	h := sha256.Sum256([]byte(service + "\x00" + client + "\x00" + ctime.UTC().Format(time.RFC3339) + "\x00" + strconv.Itoa(cusec)))
	return hex.EncodeToString(h[:16])
}

// StoreReplays is a ReplayCache in the shared store, namespace krb/replay, keyed
// "<until, Unix seconds, 12 digits>/<key>" so that expired entries come first and a sweep
// (at most once a minute, after a write) deletes them a page at a time.
type StoreReplays struct {
	// Store returns the store, nil while it is not open yet.
	Store func() store.Store
	Now   func() time.Time // default time.Now

	mu        sync.Mutex
	lastSweep time.Time
}

const nsReplay = "krb/replay"

// Seen implements ReplayCache.
func (r *StoreReplays) Seen(ctx context.Context, key string, until time.Time) (bool, error) {
	st := r.Store()
	if st == nil {
		return false, errors.New("krblogin: the store is not open")
	}
	k := fmt.Sprintf("%012d/%s", until.Unix(), key)
	err := st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Create(ctx, nsReplay, k, []byte("{}"))
		return err
	})
	if errors.Is(err, store.ErrExists) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return false, r.sweep(ctx, st)
}

func (r *StoreReplays) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// sweep deletes up to a page of expired entries, once a minute.
func (r *StoreReplays) sweep(ctx context.Context, st store.Store) error {
	now := r.now()
	r.mu.Lock()
	due := now.Sub(r.lastSweep) >= time.Minute
	if due {
		r.lastSweep = now
	}
	r.mu.Unlock()
	if !due {
		return nil
	}
	recs, err := st.List(ctx, nsReplay, store.ListOptions{Limit: 500})
	if err != nil {
		return err
	}
	cutoff := fmt.Sprintf("%012d/", now.Unix())
	var old []string
	for _, rec := range recs {
		if strings.Compare(rec.Key, cutoff) >= 0 {
			break
		}
		old = append(old, rec.Key)
	}
	if len(old) == 0 {
		return nil
	}
	return st.Update(ctx, func(tx store.Tx) error {
		for _, k := range old {
			if err := tx.Delete(ctx, nsReplay, k); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
}
