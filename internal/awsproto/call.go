package awsproto

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/internal/identity"
)

// Call is one AWS request as it travels from the server's middleware through a protocol adapter:
// the server fills in who and what, the adapter names the operation and records the outcome, and
// the middleware logs, counts and audits it.
type Call struct {
	RequestID string
	Service   *Service
	Operation string // set by the adapter once routed
	Region    string // from the credential scope; the server's region when unsigned
	Principal *identity.Principal
	Body      io.Reader // the verified request body; read it instead of r.Body

	// AccessKeyID is the key the request was signed with, even when it did not authenticate
	// (for the audit record of a failed authentication).
	AccessKeyID identity.AccessKeyID

	// Audit material, filled in by adapters and domain code; the auditor sanitizes it.
	Input     any            // the decoded request (requestParameters)
	Output    any            // the response (responseElements)
	Resources []Resource     // what the call touched
	Extra     map[string]any // additionalEventData
	DataEvent bool           // S3 object-level calls are data events, not management events

	// Outcome, set by Fail.
	Err      *Error // what the client saw
	Internal error  // the full error, for logs only
}

// Resource is a resource a call touched, as CloudTrail lists it.
type Resource struct {
	ARN  string
	Type string // AWS::IAM::Role, AWS::S3::Object, AWS::Glue::Table…
}

// Fail renders err for the client and records it on the call. The outcome is on the call before
// the first byte is written, so the audit record (written when the status is sent) sees it.
func (c *Call) Fail(w http.ResponseWriter, r *http.Request, err error) {
	c.Internal = err
	c.Err = c.Service.public(err)
	c.Service.WriteError(w, r, c.RequestID, c.Err)
}

// Handler serves the operations of one AWS service.
type Handler interface {
	ServeAWS(w http.ResponseWriter, r *http.Request, c *Call)
}

type callKey struct{}

// WithCall returns a context carrying c.
func WithCall(ctx context.Context, c *Call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

// CallFrom returns the call of a request context, or nil.
func CallFrom(ctx context.Context) *Call { c, _ := ctx.Value(callKey{}).(*Call); return c }

// QueryOp handles one query-protocol operation: it receives the request's parameters and returns a
// result struct (encoded inside <ActionResult>) or an error.
type QueryOp func(ctx context.Context, c *Call, params url.Values) (result any, err error)

// Op adapts a typed operation: parameters decode into In (see DecodeQuery), fn runs with the
// caller, its result is encoded. This is the whole of a query adapter.
func Op[In, Out any](fn func(ctx context.Context, p *identity.Principal, in *In) (*Out, error)) QueryOp {
	return func(ctx context.Context, c *Call, params url.Values) (any, error) {
		return call(ctx, c, func(in *In) error { return DecodeQuery(params, in) }, fn)
	}
}

// call decodes the input, runs fn with the caller and records both on the call for the audit.
func call[In, Out any](ctx context.Context, c *Call, decode func(*In) error, fn func(context.Context, *identity.Principal, *In) (*Out, error)) (any, error) {
	in := new(In)
	if err := decode(in); err != nil {
		return nil, err
	}
	c.Input = in
	out, err := fn(ctx, c.Principal, in)
	if err != nil || out == nil {
		return nil, err
	}
	c.Output = out
	return out, nil
}

// QueryRouter routes query-protocol requests (STS, IAM) by their Action parameter.
type QueryRouter struct {
	Service *Service
	Version string // API version the service answers, e.g. "2011-06-15"
	Ops     map[string]QueryOp
}

// Operations lists the routed actions, sorted.
func (q *QueryRouter) Operations() []string {
	names := make([]string, 0, len(q.Ops))
	for n := range q.Ops {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// QueryParams merges the URL query (minus the SigV4 presign parameters) with a form body.
func QueryParams(r *http.Request, body io.Reader) (url.Values, error) {
	params := url.Values{}
	for k, vs := range r.URL.Query() {
		if strings.HasPrefix(k, "X-Amz-") {
			continue
		}
		params[k] = vs
	}
	if body != nil && (r.Method == http.MethodPost || r.Method == http.MethodPut) {
		data, err := io.ReadAll(body)
		if err != nil {
			return nil, err
		}
		form, err := url.ParseQuery(string(data))
		if err != nil {
			return nil, Errorf(http.StatusBadRequest, "MalformedQueryString", "The request body is not a valid form-encoded query string")
		}
		for k, vs := range form {
			params[k] = append(params[k], vs...)
		}
	}
	return params, nil
}

// ServeAWS implements Handler.
func (q *QueryRouter) ServeAWS(w http.ResponseWriter, r *http.Request, c *Call) {
	params, err := QueryParams(r, c.Body)
	if err != nil {
		c.Fail(w, r, err)
		return
	}
	action := params.Get("Action")
	if action == "" {
		c.Fail(w, r, Errorf(http.StatusBadRequest, "MissingAction", "The request must contain the parameter Action"))
		return
	}
	c.Operation = action
	op, ok := q.Ops[action]
	if !ok {
		c.Fail(w, r, Errorf(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version %s", action, q.Version))
		return
	}
	if v := params.Get("Version"); v != "" && v != q.Version {
		c.Fail(w, r, Errorf(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version %s", action, v))
		return
	}
	result, err := op(r.Context(), c, params)
	if err != nil {
		c.Fail(w, r, err)
		return
	}
	q.Service.WriteQueryResult(w, r, c.RequestID, action, result)
}

// JSONOp handles one JSON 1.1 or REST-JSON operation.
type JSONOp func(ctx context.Context, c *Call, body io.Reader) (result any, err error)

// JSONOpOf adapts a typed JSON operation.
func JSONOpOf[In, Out any](fn func(ctx context.Context, p *identity.Principal, in *In) (*Out, error)) JSONOp {
	return func(ctx context.Context, c *Call, body io.Reader) (any, error) {
		return call(ctx, c, func(in *In) error { return DecodeJSON(body, in) }, fn)
	}
}

// JSONRouter routes JSON 1.1 requests by X-Amz-Target ("Prefix.Operation") and REST-JSON requests
// by their path ("POST /Operation", Lake Formation's style).
type JSONRouter struct {
	Service *Service
	Ops     map[string]JSONOp
}

// Operations lists the routed operations, sorted.
func (j *JSONRouter) Operations() []string {
	names := make([]string, 0, len(j.Ops))
	for n := range j.Ops {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ServeAWS implements Handler.
func (j *JSONRouter) ServeAWS(w http.ResponseWriter, r *http.Request, c *Call) {
	var name string
	switch j.Service.Protocol {
	case JSON:
		target := r.Header.Get("X-Amz-Target")
		// The prefix may itself contain dots (CloudTrail's does): the operation follows the last.
		i := strings.LastIndexByte(target, '.')
		prefix, op, ok := target[:max(i, 0)], target[i+1:], i > 0
		if !ok || prefix != j.Service.TargetPrefix {
			c.Fail(w, r, Errorf(http.StatusBadRequest, "UnknownOperationException", "Unknown operation %q", target))
			return
		}
		name = op
	case RESTJSON:
		name = strings.TrimPrefix(r.URL.Path, "/")
		if r.Method != http.MethodPost || strings.Contains(name, "/") {
			c.Fail(w, r, Errorf(http.StatusBadRequest, "UnknownOperationException", "Unknown operation %s %s", r.Method, r.URL.Path))
			return
		}
	}
	c.Operation = name
	op, ok := j.Ops[name]
	if !ok {
		c.Fail(w, r, Errorf(http.StatusBadRequest, "UnknownOperationException", "Unknown operation %s", name))
		return
	}
	result, err := op(r.Context(), c, c.Body)
	if err != nil {
		c.Fail(w, r, err)
		return
	}
	if st, ok := result.(*Stream); ok && st != nil {
		j.Service.writeStream(w, c, st)
		return
	}
	j.Service.WriteJSON(w, r, c.RequestID, result)
}
