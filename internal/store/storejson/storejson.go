// Package storejson keeps JSON values in a store.Store: the record format every domain package
// (IAM, Lake Formation…) uses.
package storejson

import (
	"context"
	"encoding/json"

	"github.com/sluicehq/sluice/internal/store"
)

// Get reads the record (ns, key) and decodes it into a new T. A missing record is the store's
// NotFound error.
func Get[T any](ctx context.Context, r store.Reader, ns, key string) (*T, error) {
	rec, err := r.Get(ctx, ns, key)
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(rec.Value, v); err != nil {
		return nil, err
	}
	return v, nil
}

// Put encodes v and creates or replaces the record (ns, key).
func Put(ctx context.Context, tx store.Tx, ns, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = tx.Put(ctx, ns, key, data)
	return err
}
