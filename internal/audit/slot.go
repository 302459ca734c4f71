package audit

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
)

// Slot is an Auditor whose Log arrives later: the daemon binds its listener before the store is
// open, and requests that arrive in between fail closed instead of going unaudited.
type Slot struct{ p atomic.Pointer[Log] }

// Set installs l.
func (s *Slot) Set(l *Log) { s.p.Store(l) }

// Log returns the installed log, or nil.
func (s *Slot) Log() *Log { return s.p.Load() }

var errNotOpen = E(Unavailable, "record", errors.New("audit log not open yet"))

// Record implements server.Auditor.
func (s *Slot) Record(ctx context.Context, c *awsproto.Call, status int, info *identity.RequestInfo) error {
	l := s.p.Load()
	if l == nil {
		return errNotOpen
	}
	return l.Record(ctx, c, status, info)
}

// Add adds an extra record to the current request (see Log.Add).
func (s *Slot) Add(ctx context.Context, x *Extra) error {
	l := s.p.Load()
	if l == nil {
		return errNotOpen
	}
	return l.Add(ctx, x)
}

// Reader reads the installed log's store.
func (s *Slot) Reader() store.Reader { return slotReader{s} }

type slotReader struct{ s *Slot }

func (r slotReader) Get(ctx context.Context, ns, key string) (store.Record, error) {
	l := r.s.p.Load()
	if l == nil {
		return store.Record{}, errNotOpen
	}
	return l.st.Get(ctx, ns, key)
}

// SyncIndex stores the installed log's waiting postings (see Log.SyncIndex).
func (r slotReader) SyncIndex(ctx context.Context) error {
	if l := r.s.p.Load(); l != nil {
		return l.SyncIndex(ctx)
	}
	return nil
}

func (r slotReader) List(ctx context.Context, ns string, opts store.ListOptions) ([]store.Record, error) {
	l := r.s.p.Load()
	if l == nil {
		return nil, errNotOpen
	}
	return l.st.List(ctx, ns, opts)
}
