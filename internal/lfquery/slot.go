package lfquery

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/sluicehq/sluice/internal/awsproto"
)

// Slot holds the query API once the store is open: the daemon routes Lake Formation's
// operations (Operations) before the listener starts, and Sets the service when its store is
// ready. Until then the operations fail with 503 InternalServiceException.
type Slot struct {
	p atomic.Pointer[Service]
}

// Set installs s.
func (sl *Slot) Set(s *Service) { sl.p.Store(s) }

// Operations are the query API's operations, served by the installed service.
func (sl *Slot) Operations() map[string]awsproto.JSONOp {
	ops := map[string]awsproto.JSONOp{}
	for name := range (*Service)(nil).Operations() {
		ops[name] = func(ctx context.Context, c *awsproto.Call, body io.Reader) (any, error) {
			s := sl.p.Load()
			if s == nil {
				return nil, awsproto.Errorf(http.StatusServiceUnavailable, "InternalServiceException", "Lake Formation is starting; try again.")
			}
			return s.Operations()[name](ctx, c, body)
		}
	}
	return ops
}
