package store

import (
	"context"
	"errors"
)

// DeleteBefore empties an expiry index: a namespace whose keys sort by expiry (e.g.
// "<Unix seconds, 12 digits>/<id>"). It deletes the keys of ns below before, oldest first, a
// page of at most page keys per transaction and at most pages pages, stopping at the first key
// not below before. For each key it first calls also, in the same transaction, to delete what
// the entry stands for.
func DeleteBefore(ctx context.Context, s Store, ns, before string, page, pages int, also func(tx Tx, key string) error) error {
	for range pages {
		recs, err := s.List(ctx, ns, ListOptions{Limit: page})
		if err != nil {
			return err
		}
		var old []string
		for _, r := range recs {
			if r.Key >= before {
				break
			}
			old = append(old, r.Key)
		}
		if len(old) == 0 {
			return nil
		}
		if err := s.Update(ctx, func(tx Tx) error {
			for _, k := range old {
				if err := also(tx, k); err != nil {
					return err
				}
				if err := tx.Delete(ctx, ns, k); err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if len(old) < len(recs) || len(recs) < page {
			return nil
		}
	}
	return nil
}
