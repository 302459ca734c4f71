package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

type user struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
}

// A domain package keeps a primary record and a secondary-index record in one transaction, and
// maps the store's error kinds to its own.
func Example() {
	ctx := context.Background()
	var s store.Store = memstore.New(nil)
	defer s.Close()

	createUser := func(u user) error {
		value, _ := json.Marshal(u)
		return s.Update(ctx, func(tx store.Tx) error {
			if _, err := tx.Create(ctx, "iam/user", u.Name, value); err != nil {
				return err
			}
			_, err := tx.Create(ctx, "iam/user-by-arn", u.ARN, []byte(u.Name))
			return err
		})
	}
	fmt.Println(createUser(user{"alice", "arn:aws:iam::123456789012:user/alice"}))
	err := createUser(user{"alice", "arn:aws:iam::123456789012:user/alice"})
	fmt.Println(errors.Is(err, store.ErrExists))

	name, _ := s.Get(ctx, "iam/user-by-arn", "arn:aws:iam::123456789012:user/alice")
	r, _ := s.Get(ctx, "iam/user", string(name.Value))
	fmt.Println(string(r.Value), r.Version)
	// Output:
	// <nil>
	// true
	// {"name":"alice","arn":"arn:aws:iam::123456789012:user/alice"} 1
}
