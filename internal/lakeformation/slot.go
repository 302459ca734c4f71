package lakeformation

import (
	"net/http"
	"sync/atomic"

	"github.com/sluicehq/sluice/internal/awsproto"
)

// Slot serves Lake Formation once the service is installed (the daemon binds its listener
// before the store opens).
type Slot struct {
	p      atomic.Pointer[Service]
	routes atomic.Pointer[awsproto.JSONRouter]
}

// Set installs s.
func (sl *Slot) Set(s *Service) {
	sl.routes.Store(s.Routes())
	sl.p.Store(s)
}

// Service returns the installed service, or nil.
func (sl *Slot) Service() *Service { return sl.p.Load() }

// ServeAWS implements awsproto.Handler.
func (sl *Slot) ServeAWS(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
	j := sl.routes.Load()
	if j == nil {
		c.Fail(w, r, awsproto.Errorf(http.StatusServiceUnavailable, "InternalServiceException", "Lake Formation is starting; try again."))
		return
	}
	j.ServeAWS(w, r, c)
}
