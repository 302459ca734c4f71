// Package memstore is an in-memory store.Store for tests and for single-process experiments. It
// keeps nothing on disk: everything is lost on Close or exit.
//
// Updates are serialized by one mutex, which makes them trivially serializable; a transaction
// buffers its writes in an overlay and applies them at commit under a short exclusive lock, so
// readers outside the transaction never wait for fn and never see uncommitted writes. Update is
// never retried (nothing can make it lose a race). Values are copied on the way in and out.
package memstore

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/internal/store"
)

// SchemaVersion is what SchemaVersion reports: the in-memory layout has no migrations.
const SchemaVersion = 1

// Store is the in-memory store. The zero value is not usable; call New.
type Store struct {
	opts    store.Options
	writeMu sync.Mutex // held for the whole of an Update

	mu     sync.RWMutex // guards data and closed; written only at commit (under writeMu) and Close
	data   map[string]*space
	closed bool
}

// space is one namespace: the records and their keys in byte order.
type space struct {
	keys keyTree
	recs map[string]store.Record
}

var _ store.Store = (*Store)(nil)

// New returns an empty store.
func New(opts *store.Options) *Store {
	return &Store{opts: opts.WithDefaults(), data: make(map[string]*space)}
}

func errClosed(op string) error {
	return &store.Error{Op: op, Kind: store.Internal, Msg: "store is closed"}
}

func ctxErr(ctx context.Context, op, ns, key string) error {
	if err := ctx.Err(); err != nil {
		return store.E(op, store.Internal, ns, key, err)
	}
	return nil
}

func clone(r store.Record) store.Record {
	r.Value = append([]byte{}, r.Value...)
	return r
}

// Get implements store.Reader.
func (s *Store) Get(ctx context.Context, ns, key string) (store.Record, error) {
	if err := store.CheckKey("get", ns, key); err != nil {
		return store.Record{}, err
	}
	if err := ctxErr(ctx, "get", ns, key); err != nil {
		return store.Record{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.Record{}, errClosed("get")
	}
	r, ok := s.get(ns, key)
	if !ok {
		return store.Record{}, store.E("get", store.NotFound, ns, key, nil)
	}
	return clone(r), nil
}

func (s *Store) get(ns, key string) (store.Record, bool) {
	sp := s.data[ns]
	if sp == nil {
		return store.Record{}, false
	}
	r, ok := sp.recs[key]
	return r, ok
}

// List implements store.Reader.
func (s *Store) List(ctx context.Context, ns string, opts store.ListOptions) ([]store.Record, error) {
	if err := store.CheckList("list", ns, opts); err != nil {
		return nil, err
	}
	if err := ctxErr(ctx, "list", ns, ""); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, errClosed("list")
	}
	return s.list(ns, opts, true), nil
}

// list returns the committed records in range, copied if copyValues.
func (s *Store) list(ns string, opts store.ListOptions, copyValues bool) []store.Record {
	sp := s.data[ns]
	if sp == nil {
		return []store.Record{}
	}
	out := []store.Record{}
	// The first key ≥ Prefix and > StartAfter.
	from := max(opts.Prefix, opts.StartAfter)
	sp.keys.Ascend(from, func(k string) bool {
		if k == opts.StartAfter {
			return true
		}
		if !strings.HasPrefix(k, opts.Prefix) || (opts.Limit > 0 && len(out) == opts.Limit) {
			return false
		}
		r := sp.recs[k]
		if copyValues {
			r = clone(r)
		}
		out = append(out, r)
		return true
	})
	return out
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := ctxErr(ctx, "update", "", ""); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return errClosed("update")
	}
	if err := ctxErr(ctx, "update", "", ""); err != nil {
		return err
	}
	t := &tx{s: s, pending: make(map[string]map[string]*store.Record, 4)}
	defer func() { t.done = true }()
	if err := fn(t); err != nil {
		return err
	}
	if err := ctxErr(ctx, "commit", "", ""); err != nil {
		return err
	}
	s.commit(t.pending)
	return nil
}

func (s *Store) commit(pending map[string]map[string]*store.Record) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ns, writes := range pending {
		sp := s.data[ns]
		if sp == nil {
			sp = &space{recs: make(map[string]store.Record)}
			s.data[ns] = sp
		}
		for k, r := range writes {
			_, found := sp.recs[k]
			switch {
			case r == nil && found:
				sp.keys.Delete(k)
				delete(sp.recs, k)
			case r != nil:
				if !found {
					sp.keys.Insert(k)
				}
				sp.recs[k] = *r
			}
		}
		if sp.keys.Len() == 0 {
			delete(s.data, ns)
		}
	}
}

// Ping implements store.Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctxErr(ctx, "ping", "", ""); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return errClosed("ping")
	}
	return nil
}

// SchemaVersion implements store.Store; it is always the constant SchemaVersion.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	if err := s.Ping(ctx); err != nil {
		return 0, err
	}
	return SchemaVersion, nil
}

// Close implements store.Store. It drops all data.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.data = nil
	return nil
}

// tx is a transaction: an overlay of pending writes (nil = deleted) over the committed data, which
// cannot change while the transaction holds writeMu.
type tx struct {
	s       *Store
	pending map[string]map[string]*store.Record
	done    bool
}

func (t *tx) check(ctx context.Context, op, ns, key string) error {
	if t.done {
		return &store.Error{Op: op, Kind: store.Invalid, Namespace: ns, Key: key, Msg: "transaction is finished"}
	}
	return ctxErr(ctx, op, ns, key)
}

func (t *tx) lookup(ns, key string) (store.Record, bool) {
	if w, ok := t.pending[ns][key]; ok {
		if w == nil {
			return store.Record{}, false
		}
		return *w, true
	}
	return t.s.get(ns, key)
}

func (t *tx) Get(ctx context.Context, ns, key string) (store.Record, error) {
	if err := store.CheckKey("get", ns, key); err != nil {
		return store.Record{}, err
	}
	if err := t.check(ctx, "get", ns, key); err != nil {
		return store.Record{}, err
	}
	r, ok := t.lookup(ns, key)
	if !ok {
		return store.Record{}, store.E("get", store.NotFound, ns, key, nil)
	}
	return clone(r), nil
}

func (t *tx) List(ctx context.Context, ns string, opts store.ListOptions) ([]store.Record, error) {
	if err := store.CheckList("list", ns, opts); err != nil {
		return nil, err
	}
	if err := t.check(ctx, "list", ns, ""); err != nil {
		return nil, err
	}
	return t.list(ns, opts), nil
}

func (t *tx) list(ns string, opts store.ListOptions) []store.Record {
	writes := t.pending[ns]
	if len(writes) == 0 {
		return t.s.list(ns, opts, true)
	}
	base := t.s.list(ns, store.ListOptions{Prefix: opts.Prefix, StartAfter: opts.StartAfter}, false)
	merged := make(map[string]store.Record, len(base)+len(writes))
	for _, r := range base {
		merged[r.Key] = r
	}
	for k, w := range writes {
		if !strings.HasPrefix(k, opts.Prefix) || k <= opts.StartAfter {
			continue
		}
		if w == nil {
			delete(merged, k)
		} else {
			merged[k] = *w
		}
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if opts.Limit > 0 && len(keys) > opts.Limit {
		keys = keys[:opts.Limit]
	}
	out := make([]store.Record, 0, len(keys))
	for _, k := range keys {
		out = append(out, clone(merged[k]))
	}
	return out
}

func (t *tx) write(ns, key string, value []byte, version int64) store.Record {
	r := store.Record{
		Namespace: ns,
		Key:       key,
		Value:     append([]byte{}, value...),
		Version:   version,
		Updated:   store.Stamp(t.s.opts.Now()),
	}
	if t.pending[ns] == nil {
		t.pending[ns] = make(map[string]*store.Record, 8)
	}
	t.pending[ns][key] = &r
	return clone(r)
}

func (t *tx) Put(ctx context.Context, ns, key string, value []byte) (store.Record, error) {
	if err := store.CheckKey("put", ns, key); err != nil {
		return store.Record{}, err
	}
	if err := t.check(ctx, "put", ns, key); err != nil {
		return store.Record{}, err
	}
	cur, _ := t.lookup(ns, key)
	return t.write(ns, key, value, cur.Version+1), nil
}

func (t *tx) Create(ctx context.Context, ns, key string, value []byte) (store.Record, error) {
	if err := store.CheckKey("create", ns, key); err != nil {
		return store.Record{}, err
	}
	if err := t.check(ctx, "create", ns, key); err != nil {
		return store.Record{}, err
	}
	if _, ok := t.lookup(ns, key); ok {
		return store.Record{}, store.E("create", store.Exists, ns, key, nil)
	}
	return t.write(ns, key, value, 1), nil
}

func (t *tx) PutIfVersion(ctx context.Context, ns, key string, value []byte, version int64) (store.Record, error) {
	if err := store.CheckVersion("put-if-version", ns, key, version); err != nil {
		return store.Record{}, err
	}
	if err := t.check(ctx, "put-if-version", ns, key); err != nil {
		return store.Record{}, err
	}
	cur, _ := t.lookup(ns, key) // a missing record has version 0
	if cur.Version != version {
		return store.Record{}, store.E("put-if-version", store.Conflict, ns, key, nil)
	}
	return t.write(ns, key, value, version+1), nil
}

func (t *tx) Delete(ctx context.Context, ns, key string) error {
	if err := store.CheckKey("delete", ns, key); err != nil {
		return err
	}
	if err := t.check(ctx, "delete", ns, key); err != nil {
		return err
	}
	if _, ok := t.lookup(ns, key); !ok {
		return store.E("delete", store.NotFound, ns, key, nil)
	}
	t.remove(ns, key)
	return nil
}

func (t *tx) remove(ns, key string) {
	if t.pending[ns] == nil {
		t.pending[ns] = make(map[string]*store.Record, 8)
	}
	t.pending[ns][key] = nil
}

func (t *tx) DeletePrefix(ctx context.Context, ns, prefix string) (int, error) {
	if err := store.CheckPrefix("delete-prefix", ns, prefix); err != nil {
		return 0, err
	}
	if err := t.check(ctx, "delete-prefix", ns, ""); err != nil {
		return 0, err
	}
	recs := t.list(ns, store.ListOptions{Prefix: prefix})
	for _, r := range recs {
		t.remove(ns, r.Key)
	}
	return len(recs), nil
}
