package lfquery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/tables"
)

// Query state lives in the store, so that every replica sharing it answers GetQueryState,
// GetWorkUnits and GetQueryStatistics for a query another planned, and a restart loses none:
//
//	lfquery/query  <query id>                the plan (queryRecord), written once
//	lfquery/exec   <query id>/<unit, 10 digits>  that unit's executions (unitExec)
//
// A unit's executions are a record of their own, updated by whichever replica served the unit,
// so concurrent reads of different units never contend. Expired queries are deleted by a sweep,
// a page (sweepPage queries) per StartQueryPlanning, starting at most once a sweepEvery (and
// lookups treat them as gone before that).

const (
	nsQuery    = "lfquery/query"
	nsExec     = "lfquery/exec"
	sweepEvery = time.Minute
	sweepPage  = 200
)

// queryRecord is a planned query.
type queryRecord struct {
	Owner     identity.ARN
	Statement Statement
	Submitted time.Time
	Expires   time.Time
	Planning  time.Duration
	Units     [][]tables.File
	Estimated int64
}

// unitExec counts the executions of one work unit.
type unitExec struct {
	Runs  int64
	Time  time.Duration
	Bytes int64
}

func execKey(id string, unit int64) string { return fmt.Sprintf("%s/%010d", id, unit) }

// lookup returns the caller's live query, or nil when there is none for p (unknown, another
// principal's, or expired).
func (s *Service) lookup(ctx context.Context, p *identity.Principal, id string) (*queryRecord, error) {
	rec, err := s.st.Get(ctx, nsQuery, id)
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

// executions returns the executions of the query's units, by unit.
func (s *Service) executions(ctx context.Context, id string) (map[int64]unitExec, error) {
	recs, err := s.st.List(ctx, nsExec, store.ListOptions{Prefix: id + "/"})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]unitExec, len(recs))
	for _, r := range recs {
		var e unitExec
		var unit int64
		if _, err := fmt.Sscanf(strings.TrimPrefix(r.Key, id+"/"), "%d", &unit); err != nil {
			return nil, fmt.Errorf("lfquery: execution record %q: %w", r.Key, err)
		}
		if err := json.Unmarshal(r.Value, &e); err != nil {
			return nil, err
		}
		out[unit] = e
	}
	return out, nil
}

// executed adds a served work unit to its query's executions (while the query lives).
func (s *Service) executed(ctx context.Context, p *identity.Principal, c *unitClaims, d time.Duration) error {
	if q, err := s.lookup(ctx, p, c.Query); q == nil || err != nil {
		return err
	}
	key := execKey(c.Query, c.Unit)
	for range 5 {
		err := s.st.Update(ctx, func(tx store.Tx) error {
			var e unitExec
			var version int64
			rec, err := tx.Get(ctx, nsExec, key)
			switch {
			case err == nil:
				version = rec.Version
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
			_, err = tx.PutIfVersion(ctx, nsExec, key, data, version)
			return err
		})
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return store.ErrConflict
}

// sweep deletes the expired queries, with their executions, among the sweepPage queries after
// the key after ("" = from the first). It returns where the next page starts, "" at the end.
func (s *Service) sweep(ctx context.Context, after string) (string, error) {
	now := s.now()
	recs, err := s.st.List(ctx, nsQuery, store.ListOptions{StartAfter: after, Limit: sweepPage})
	if err != nil {
		return "", err
	}
	for _, r := range recs {
		var q struct{ Expires time.Time }
		if json.Unmarshal(r.Value, &q) == nil && now.Before(q.Expires) {
			continue
		}
		if err := s.st.Update(ctx, func(tx store.Tx) error {
			if err := tx.Delete(ctx, nsQuery, r.Key); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			_, err := tx.DeletePrefix(ctx, nsExec, r.Key+"/")
			return err
		}); err != nil {
			return "", err
		}
	}
	if len(recs) < sweepPage {
		return "", nil
	}
	return recs[len(recs)-1].Key, nil
}
