package awsproto

import (
	"net/http"
	"sort"
)

// NativeRouter routes Sluice's own API (/_sluice/v1/…) by method and path with the standard
// library's patterns. Requests reach it authenticated like every AWS request (SigV4, service
// "sluice"); handlers read the caller from the Call and decide nothing themselves.
type NativeRouter struct {
	mux      *http.ServeMux
	ops      []string
	patterns map[string]string
}

// NewNativeRouter returns an empty router.
func NewNativeRouter() *NativeRouter { return &NativeRouter{mux: http.NewServeMux()} }

// Handle registers h for pattern (e.g. "GET /_sluice/v1/mappings/{id}") under operation name op
// (for logs, metrics and audit). Path values are available through r.PathValue.
func (n *NativeRouter) Handle(pattern, op string, h func(w http.ResponseWriter, r *http.Request, c *Call)) {
	n.ops = append(n.ops, op)
	if n.patterns == nil {
		n.patterns = make(map[string]string)
	}
	n.patterns[op] = pattern
	n.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := CallFrom(r.Context())
		c.Operation = op
		h(w, r, c)
	})
}

// Operations lists the registered operations, sorted.
func (n *NativeRouter) Operations() []string {
	out := append([]string(nil), n.ops...)
	sort.Strings(out)
	return out
}

// Pattern returns the pattern registered under operation op ("" if none), for documentation.
func (n *NativeRouter) Pattern(op string) string { return n.patterns[op] }

// ServeAWS implements Handler.
func (n *NativeRouter) ServeAWS(w http.ResponseWriter, r *http.Request, c *Call) {
	if _, pattern := n.mux.Handler(r); pattern == "" {
		c.Fail(w, r, Errorf(http.StatusNotFound, "UnknownOperationException", "Unknown operation %s %s", r.Method, r.URL.Path))
		return
	}
	n.mux.ServeHTTP(w, r)
}
