package lfquery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/tables"
)

// Query state lives in the store, so that every replica sharing it answers GetQueryState,
// GetWorkUnits and GetQueryStatistics for a query another planned, and a restart loses none:
//
//	lfquery/query   <query id>                      the plan's header (queryRecord)
//	lfquery/unit    <query id>/<unit, 10 digits>    one work unit's files
//	lfquery/exec    <query id>/<unit, 10 digits>    that unit's executions (unitExec)
//	lfquery/expiry  <expiry, Unix s, 12 digits>/<query id>   for the sweep
//
// The header is small whatever the table's size, so reading it (every call) does not grow with
// the number of files; GetWorkUnits reads only its page of units. A unit's executions are a
// record of their own, updated by whichever replica served the unit, inside a transaction that
// first checks the query still exists, so concurrent reads of different units never contend and
// no execution outlives its query. Expired queries are deleted, with everything under their id,
// by a sweep that StartQueryPlanning runs at most once a sweepEvery, a page of the expiry index
// at a time (lookups treat them as gone before that).

const (
	nsQuery    = "lfquery/query"
	nsUnit     = "lfquery/unit"
	nsExec     = "lfquery/exec"
	nsExpiry   = "lfquery/expiry"
	sweepEvery = time.Minute
	sweepPage  = 200
)

// queryRecord is a planned query's header.
type queryRecord struct {
	Owner     identity.ARN
	Statement Statement
	Submitted time.Time
	Expires   time.Time
	Planning  time.Duration
	Units     int
	Estimated int64
}

// unitExec counts the executions of one work unit.
type unitExec struct {
	Runs  int64
	Time  time.Duration
	Bytes int64
}

func unitKey(id string, unit int) string { return fmt.Sprintf("%s/%010d", id, unit) }

func expiryKey(id string, expires time.Time) string {
	return fmt.Sprintf("%012d/%s", expires.Unix(), id)
}

// create stores a new query under id with its units; ErrExists when the id is taken.
func create(ctx context.Context, tx store.Tx, id string, q *queryRecord, units [][]tables.File) error {
	data, err := json.Marshal(q)
	if err != nil {
		return err
	}
	if _, err := tx.Create(ctx, nsQuery, id, data); err != nil {
		return err
	}
	for i, files := range units {
		data, err := json.Marshal(files)
		if err != nil {
			return err
		}
		if _, err := tx.Put(ctx, nsUnit, unitKey(id, i), data); err != nil {
			return err
		}
	}
	_, err = tx.Put(ctx, nsExpiry, expiryKey(id, q.Expires), []byte("{}"))
	return err
}

// lookup returns the caller's live query, or nil when there is none for p (unknown, another
// principal's, or expired).
func (s *Service) lookup(ctx context.Context, r store.Reader, p *identity.Principal, id string) (*queryRecord, error) {
	rec, err := r.Get(ctx, nsQuery, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	q := new(queryRecord)
	if err := json.Unmarshal(rec.Value, q); err != nil {
		return nil, err
	}
	if q.Owner != principalARN(p) || !s.now().Before(q.Expires) {
		return nil, nil
	}
	return q, nil
}

// units returns the files of units [from, to) of a query.
func (s *Service) units(ctx context.Context, id string, from, to int) ([][]tables.File, error) {
	opts := store.ListOptions{Prefix: id + "/", Limit: to - from}
	if from > 0 {
		opts.StartAfter = unitKey(id, from-1)
	}
	recs, err := s.st.List(ctx, nsUnit, opts)
	if err != nil {
		return nil, err
	}
	if len(recs) != to-from {
		return nil, fmt.Errorf("lfquery: query %s has %d of units %d..%d", id, len(recs), from, to-1)
	}
	out := make([][]tables.File, len(recs))
	for i, r := range recs {
		if err := json.Unmarshal(r.Value, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// executions returns the executions of the query's units, by unit.
func (s *Service) executions(ctx context.Context, id string) (map[int]unitExec, error) {
	recs, err := s.st.List(ctx, nsExec, store.ListOptions{Prefix: id + "/"})
	if err != nil {
		return nil, err
	}
	out := make(map[int]unitExec, len(recs))
	for _, r := range recs {
		var e unitExec
		unit, err := strconv.Atoi(strings.TrimPrefix(r.Key, id+"/"))
		if err != nil {
			return nil, fmt.Errorf("lfquery: execution record %q: %w", r.Key, err)
		}
		if err := json.Unmarshal(r.Value, &e); err != nil {
			return nil, err
		}
		out[unit] = e
	}
	return out, nil
}

// executed adds a served work unit to its query's executions, if the query is still there.
// The store's transactions are serializable, so concurrent updates of one unit do not lose
// each other.
func (s *Service) executed(ctx context.Context, p *identity.Principal, c *unitClaims, d time.Duration) error {
	key := unitKey(c.Query, int(c.Unit))
	return s.st.Update(ctx, func(tx store.Tx) error {
		if q, err := s.lookup(ctx, tx, p, c.Query); q == nil || err != nil {
			return err
		}
		var e unitExec
		rec, err := tx.Get(ctx, nsExec, key)
		switch {
		case err == nil:
			if err := json.Unmarshal(rec.Value, &e); err != nil {
				return err
			}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		e.Runs++
		e.Time += d
		e.Bytes += c.Bytes
		data, _ := json.Marshal(e)
		_, err = tx.Put(ctx, nsExec, key, data)
		return err
	})
}

// sweep deletes the queries whose expiry has passed, with their units and executions, a page
// of the expiry index per transaction, until it reaches a live one or has done maxPages.
func (s *Service) sweep(ctx context.Context, maxPages int) error {
	return store.DeleteBefore(ctx, s.st, nsExpiry, expiryKey("", s.now()), sweepPage, maxPages, func(tx store.Tx, k string) error {
		_, id, _ := strings.Cut(k, "/")
		if err := tx.Delete(ctx, nsQuery, id); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		for _, ns := range []string{nsUnit, nsExec} {
			if _, err := tx.DeletePrefix(ctx, ns, id+"/"); err != nil {
				return err
			}
		}
		return nil
	})
}
