package krblogin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
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

// StoreReplays is a ReplayCache in the shared store:
//
//	krb/replay     <key>                            the authenticator, until its expiry
//	krb/replayexp  <expiry, Unix s, 12 digits>/<key>  the same, ordered for the sweep
//
// The key alone decides a replay, so replicas configured with different skews still agree. A
// sweep, at most once a minute per replica after a write, deletes expired entries a page per
// transaction until it reaches a live one; its failure is logged, never a refused login.
type StoreReplays struct {
	// Store returns the store, nil while it is not open yet.
	Store  func() store.Store
	Now    func() time.Time // default time.Now
	Logger *slog.Logger     // default: discard

	mu        sync.Mutex
	lastSweep time.Time
}

const (
	nsReplay    = "krb/replay"
	nsReplayExp = "krb/replayexp"
	sweepPage   = 500
	sweepPages  = 20
)

// Seen implements ReplayCache.
func (r *StoreReplays) Seen(ctx context.Context, key string, until time.Time) (bool, error) {
	st := r.Store()
	if st == nil {
		return false, errors.New("krblogin: the store is not open")
	}
	err := st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Create(ctx, nsReplay, key, []byte("{}")); err != nil {
			return err
		}
		_, err := tx.Put(ctx, nsReplayExp, fmt.Sprintf("%012d/%s", until.Unix(), key), []byte("{}"))
		return err
	})
	if errors.Is(err, store.ErrExists) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if err := r.sweep(ctx, st); err != nil && r.Logger != nil {
		r.Logger.Error("kerberos: deleting expired replay cache entries", "err", err)
	}
	return false, nil
}

func (r *StoreReplays) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// sweep deletes expired entries, once a minute.
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
	return store.DeleteBefore(ctx, st, nsReplayExp, fmt.Sprintf("%012d/", now.Unix()), sweepPage, sweepPages, func(tx store.Tx, k string) error {
		_, key, _ := strings.Cut(k, "/")
		if err := tx.Delete(ctx, nsReplay, key); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
}
