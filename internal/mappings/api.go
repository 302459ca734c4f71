package mappings

import (
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
)

// Slot holds the Service once the store is open; the routes answer 503 until then.
type Slot struct{ p atomic.Pointer[Service] }

// Set installs s.
func (sl *Slot) Set(s *Service) { sl.p.Store(s) }

// Service returns the installed service, or nil.
func (sl *Slot) Service() *Service { return sl.p.Load() }

// CreateOutput, ListOutput are the API's responses.
type CreateOutput struct {
	Mapping *Mapping
}

type ListOutput struct {
	Mappings []Mapping
}

// Register adds the mappings API to n:
//
//	POST   /_sluice/v1/mappings        CreateMapping  body CreateInput       → {"Mapping": …}
//	GET    /_sluice/v1/mappings        ListMappings   ?kerberos=&role=       → {"Mappings": […]}
//	DELETE /_sluice/v1/mappings/{id}   DeleteMapping                         → {}
func (sl *Slot) Register(n *awsproto.NativeRouter) {
	n.Handle("POST /_sluice/v1/mappings", "CreateMapping", func(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
		s := sl.service(w, r, c)
		if s == nil {
			return
		}
		in := new(CreateInput)
		if err := awsproto.DecodeJSON(c.Body, in); err != nil {
			c.Fail(w, r, err)
			return
		}
		c.Input = in
		m, err := s.Create(r.Context(), c.Principal, in)
		if err != nil {
			c.Fail(w, r, public(err))
			return
		}
		c.Resources = []awsproto.Resource{{ARN: string(m.RoleARN), Type: "AWS::IAM::Role"}}
		out := &CreateOutput{Mapping: m}
		c.Output = out
		awsproto.Sluice.WriteJSON(w, r, c.RequestID, out)
	})
	n.Handle("GET /_sluice/v1/mappings", "ListMappings", func(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
		s := sl.service(w, r, c)
		if s == nil {
			return
		}
		q := r.URL.Query()
		in := &ListInput{Kerberos: q.Get("kerberos"), RoleARN: identity.ARN(q.Get("role"))}
		c.Input = in
		ms, err := s.List(r.Context(), c.Principal, in)
		if err != nil {
			c.Fail(w, r, public(err))
			return
		}
		awsproto.Sluice.WriteJSON(w, r, c.RequestID, &ListOutput{Mappings: ms})
	})
	n.Handle("DELETE /_sluice/v1/mappings/{id}", "DeleteMapping", func(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
		s := sl.service(w, r, c)
		if s == nil {
			return
		}
		id := ID(r.PathValue("id"))
		c.Input = map[string]string{"MappingId": string(id)}
		if err := s.Delete(r.Context(), c.Principal, id); err != nil {
			c.Fail(w, r, public(err))
			return
		}
		awsproto.Sluice.WriteJSON(w, r, c.RequestID, struct{}{})
	})
}

func (sl *Slot) service(w http.ResponseWriter, r *http.Request, c *awsproto.Call) *Service {
	s := sl.p.Load()
	if s == nil {
		c.Fail(w, r, awsproto.Errorf(http.StatusServiceUnavailable, "ServiceUnavailable", "Sluice is starting; try again."))
	}
	return s
}

// codes renders each Kind for clients.
var codes = map[Kind]struct {
	status int
	code   string
}{
	Invalid:  {http.StatusBadRequest, "ValidationException"},
	NotFound: {http.StatusNotFound, "NoSuchMapping"},
	Exists:   {http.StatusConflict, "MappingAlreadyExists"},
	Refused:  {http.StatusBadRequest, "MappingRefusedByTrustPolicy"},
}

// public translates a mappings error into what the client sees; other errors pass through
// (awsproto errors as they are, anything else as an internal failure).
func public(err error) error {
	var e *Error
	if errors.As(err, &e) {
		c := codes[e.Kind]
		return &awsproto.Error{Status: c.status, Code: c.code, Message: e.Msg, Err: err}
	}
	return err
}
