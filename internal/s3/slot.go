package s3

import (
	"net/http"
	"sync/atomic"

	"github.com/sluicehq/sluice/internal/awsproto"
)

// Slot serves S3 once a Service is installed (the store opens after the listener binds);
// until then it answers 503 ServiceUnavailable.
type Slot struct{ p atomic.Pointer[Service] }

// Set installs s.
func (sl *Slot) Set(s *Service) { sl.p.Store(s) }

// Service returns the installed service, or nil.
func (sl *Slot) Service() *Service { return sl.p.Load() }

// ServeAWS implements awsproto.Handler.
func (sl *Slot) ServeAWS(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
	s := sl.p.Load()
	if s == nil {
		c.Fail(w, r, errorf(http.StatusServiceUnavailable, "ServiceUnavailable", "S3 is starting; try again."))
		return
	}
	s.ServeAWS(w, r, c)
}

// Domain returns the virtual-host domain of the installed service ("" before).
func (sl *Slot) Domain() string {
	if s := sl.p.Load(); s != nil {
		return s.Domain()
	}
	return ""
}
