package iam

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

const acct = identity.AccountID("123456789012")

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestService(t testing.TB) *Service {
	t.Helper()
	ring, err := keyring.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return New(memstore.New(nil), ring, acct, &Options{Now: func() time.Time { return t0 }})
}

var root = identity.NewRoot(acct, "AKIAROOTROOTROOTROOT")

// code returns the AWS error code of err ("" for nil, "internal" for non-AWS errors).
func code(err error) string {
	if err == nil {
		return ""
	}
	var e *awsproto.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "internal: " + err.Error()
}

func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var ctx = context.Background()

func decode(t testing.TB, s string) string {
	t.Helper()
	d, err := url.QueryUnescape(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
