package iam

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
)

// Slot holds the IAM service once the store is open: the daemon registers the slot with the
// server (as the "iam" handler and a credential resolver) before the listener starts, and Sets
// the service when the store is ready. Until then IAM keys are unknown and IAM calls fail with
// ServiceFailure.
type Slot struct {
	p      atomic.Pointer[Service]
	routes atomic.Pointer[awsproto.QueryRouter]
}

// Set installs s.
func (sl *Slot) Set(s *Service) {
	sl.routes.Store(s.Routes())
	sl.p.Store(s)
}

// Service returns the installed service, or nil.
func (sl *Slot) Service() *Service { return sl.p.Load() }

// Lookup implements server.CredentialResolver.
func (sl *Slot) Lookup(ctx context.Context, id identity.AccessKeyID, token string) (*identity.Credential, error) {
	s := sl.p.Load()
	if s == nil {
		return nil, identity.ErrUnknownAccessKey
	}
	return s.Lookup(ctx, id, token)
}

// ServeAWS implements awsproto.Handler.
func (sl *Slot) ServeAWS(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
	q := sl.routes.Load()
	if q == nil {
		c.Fail(w, r, awsproto.Errorf(http.StatusServiceUnavailable, "ServiceFailure", "IAM is starting; try again."))
		return
	}
	q.ServeAWS(w, r, c)
}
