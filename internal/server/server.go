// Package server is Sluice's one HTTP listener: it gives every request an id, authenticates it
// (SigV4 → principal), routes it by the service named in its credential scope to that service's
// protocol adapter, and logs and counts it. Sluice's own endpoints live under /_sluice/.
//
// The server decides nothing about authorization: adapters hand the principal to domain services,
// which ask the policy engine.
package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/sigv4"
	"github.com/sluicehq/sluice/internal/uuid"
)

// CredentialResolver finds the secret and principal behind an access key id (and session token,
// for temporary credentials). It returns identity.ErrUnknownAccessKey when the key is not its
// own, so resolvers can be chained.
type CredentialResolver interface {
	Lookup(ctx context.Context, id identity.AccessKeyID, sessionToken string) (*identity.Credential, error)
}

// Auditor records one event per request. Record is called once, when the response status is
// about to be sent, and must make the record durable before it returns; an error fails the
// request closed (the client gets an internal error, nothing is served unaudited).
type Auditor interface {
	Record(ctx context.Context, c *awsproto.Call, status int, info *identity.RequestInfo) error
}

// Config is everything the server needs; the daemon package fills it in.
type Config struct {
	Account identity.AccountID
	Region  string
	Logger  *slog.Logger
	// Credentials are tried in order; the first that knows the key answers.
	Credentials []CredentialResolver
	// Services by signing name ("sts", "iam", …).
	Services map[string]awsproto.Handler
	// Health reports whether dependencies (the store) are usable.
	Health func(ctx context.Context) error
	// Internal serves unauthenticated /_sluice/ paths other than health and metrics (the login
	// endpoints under /_sluice/v1/login/); optional. The rest of /_sluice/v1/ is Sluice's own
	// API, authenticated like AWS requests and served by Services["sluice"].
	Internal http.Handler
	Metrics  *Metrics
	// Audit is optional; nil records nothing.
	Audit Auditor
	// MaxBody caps bodies of non-S3 requests (default 10 MiB).
	MaxBody int64
	// StartWait bounds how long a request that arrives before the server is first ready (the
	// store still opening) is held before it is answered 503 (default 30s).
	StartWait time.Duration
	Now       func() time.Time
}

// Server is the http.Handler of Sluice.
type Server struct {
	cfg      Config
	verifier *sigv4.Verifier
	ready    atomic.Bool
	mux      *http.ServeMux
	// started is closed, and isStarted set, the first time the server becomes ready; requests
	// other than health and metrics wait for it.
	started   chan struct{}
	isStarted atomic.Bool
	startOnce sync.Once
}

// New returns a server that is not yet ready; call SetReady once the store is open and migrated.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 10 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	if cfg.StartWait == 0 {
		cfg.StartWait = 30 * time.Second
	}
	s := &Server{cfg: cfg, started: make(chan struct{})}
	s.verifier = sigv4.NewVerifier(&sigv4.Options{Now: cfg.Now, MaxBody: cfg.MaxBody})
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /_sluice/health", s.health)
	s.mux.Handle("GET /_sluice/metrics", cfg.Metrics.Handler())
	if cfg.Internal != nil {
		s.mux.Handle("/_sluice/", cfg.Internal)
	}
	return s
}

// SetReady marks the server ready (true) or draining/not started (false); health follows it.
// Requests that arrived before the first SetReady(true) are held until then; while draining,
// requests are still served.
func (s *Server) SetReady(ready bool) {
	if ready {
		s.startOnce.Do(func() {
			s.isStarted.Store(true)
			close(s.started)
		})
	}
	s.ready.Store(ready)
}

// waitStarted holds a request that arrived while the store was still opening, so a client that
// connects the moment the port is bound is served rather than failed. It reports false, having
// answered 503 ServiceUnavailable (retryable for every SDK), when startup takes longer than
// StartWait or the client goes away; such a request reached no service and is not audited, as
// the audit log is not open yet, but it is counted in the metrics (operation "unknown").
func (s *Server) waitStarted(w http.ResponseWriter, r *http.Request) bool {
	if s.isStarted.Load() {
		return true
	}
	start := s.cfg.Now()
	t := time.NewTimer(s.cfg.StartWait)
	defer t.Stop()
	select {
	case <-s.started:
		return true
	case <-r.Context().Done():
		return false
	case <-t.C:
	}
	c := &awsproto.Call{RequestID: newRequestID(), Region: s.cfg.Region, Service: guessService(r)}
	w.Header().Set("Retry-After", "1")
	c.Fail(w, r, awsproto.Errorf(http.StatusServiceUnavailable, "ServiceUnavailable",
		"Sluice is starting: its store is not open yet. Retry shortly."))
	svc := "unknown"
	if c.Service != nil {
		svc = c.Service.Name
	}
	s.cfg.Metrics.observe(svc, "unknown", http.StatusServiceUnavailable, s.cfg.Now().Sub(start))
	s.cfg.Logger.Warn("request refused: still starting", "request_id", c.RequestID, "wait", s.cfg.StartWait)
	return false
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !s.ready.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"unavailable"}` + "\n"))
		return
	}
	if s.cfg.Health != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.cfg.Health(ctx); err != nil {
			s.cfg.Logger.Warn("health check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"status":"unavailable"}` + "\n"))
			return
		}
	}
	w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// newRequestID returns a random id in the UUID layout AWS uses for non-S3 services.
func newRequestID() string { return uuid.New(nil) }

// unsignedSTSActions may arrive without a signature (spec §1.2).
var unsignedSTSActions = map[string]bool{"AssumeRoleWithWebIdentity": true, "AssumeRoleWithSAML": true}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_sluice/health" || r.URL.Path == "/_sluice/metrics" {
		s.mux.ServeHTTP(w, r)
		return
	}
	if !s.waitStarted(w, r) {
		return
	}
	if strings.HasPrefix(r.URL.Path, "/_sluice/") && !isNative(r.URL.Path) {
		s.mux.ServeHTTP(w, r)
		return
	}
	start := s.cfg.Now()
	c := &awsproto.Call{RequestID: newRequestID(), Region: s.cfg.Region}
	info := &identity.RequestInfo{
		SourceIP:        remoteIP(r.RemoteAddr),
		SecureTransport: r.TLS != nil,
		UserAgent:       r.UserAgent(),
		Time:            start,
		Region:          s.cfg.Region,
		RequestID:       c.RequestID,
	}
	rec := &recorder{ResponseWriter: w}
	if s.cfg.Audit != nil {
		rec.onHeader = func(status int) bool { return s.audit(r, c, info, rec, status) }
	}
	r = r.WithContext(identity.WithRequestInfo(r.Context(), info))
	s.cfg.Metrics.inFlight.Inc()
	defer func() {
		s.cfg.Metrics.inFlight.Dec()
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.cfg.Logger.Error("panic serving request", "request_id", c.RequestID, "panic", p)
			if !rec.wroteHeader {
				c.Fail(rec, r, errors.New("panic"))
			}
		}
		// The verified body may read the request on a goroutine of its own (a large signed
		// payload): stop it before ServeHTTP returns, as net/http requires.
		if cl, ok := c.Body.(io.Closer); ok {
			cl.Close()
		}
		s.finish(c, r, rec, start)
	}()
	s.serveAWS(rec, r, c)
}

func (s *Server) serveAWS(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
	if s.serveSigV2(w, r, c) {
		return
	}
	auth, err := sigv4.Parse(r)
	var se *sigv4.Error
	switch {
	case err == nil:
		c.Service = awsproto.ServiceNamed(auth.Scope.Service)
		if c.Service == nil || s.cfg.Services[c.Service.Name] == nil {
			c.Service = guessService(r)
			c.Fail(w, r, awsproto.Errorf(http.StatusBadRequest, unknownServiceCode(c.Service),
				"Sluice does not serve the service %q named in the credential scope", auth.Scope.Service))
			return
		}
		c.Region = auth.Scope.Region
		if isNative(r.URL.Path) != (c.Service == awsproto.Sluice) {
			c.Fail(w, r, awsproto.Errorf(http.StatusBadRequest, unknownServiceCode(c.Service),
				"Sign /_sluice/v1/ requests, and only those, with the service name \"sluice\""))
			return
		}
	case errors.As(err, &se) && se.Code == sigv4.ErrMissingAuthentication:
		c.Service = guessService(r)
		if !s.allowUnsigned(r, c) {
			c.Fail(w, r, awsproto.AuthFailure(c.Service, err, ""))
			return
		}
		c.Principal = &identity.Principal{Type: identity.Anonymous}
		if c.Body == nil {
			c.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
		}
		s.dispatch(w, r, c)
		return
	default:
		c.Service = guessService(r)
		c.Fail(w, r, awsproto.AuthFailure(c.Service, err, ""))
		return
	}

	c.AccessKeyID = identity.AccessKeyID(auth.AccessKeyID)
	if op := peekOperation(r, c.Service); len(op) <= 128 {
		c.Operation = op // for the audit record if authentication fails
	}
	cred, err := s.lookup(r.Context(), c.AccessKeyID, auth.SecurityToken)
	if err != nil {
		c.Fail(w, r, awsproto.AuthFailure(c.Service, err, identity.AccessKeyID(auth.AccessKeyID)))
		return
	}
	c.Principal = cred.Principal
	body, err := s.verifier.Verify(r, auth, []byte(cred.Secret.Reveal()))
	if err != nil {
		c.Fail(w, r, awsproto.AuthFailure(c.Service, err, identity.AccessKeyID(auth.AccessKeyID)))
		return
	}
	c.Body = body
	s.dispatch(w, r, c)
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
	identity.RequestInfoFrom(r.Context()).Region = c.Region
	ctx := identity.NewContext(awsproto.WithCall(r.Context(), c), c.Principal)
	s.cfg.Services[c.Service.Name].ServeAWS(w, r.WithContext(ctx), c)
}

// peekOperation names the operation a request asks for, as far as it can be told without
// reading the body: the X-Amz-Target of JSON services, the path of REST-JSON ones, a query
// Action. The adapter sets the real name once routed.
func peekOperation(r *http.Request, svc *awsproto.Service) string {
	switch svc.Protocol {
	case awsproto.JSON:
		t := r.Header.Get("X-Amz-Target")
		return t[strings.LastIndexByte(t, '.')+1:]
	case awsproto.RESTJSON:
		if svc != awsproto.Sluice {
			return strings.TrimPrefix(r.URL.Path, "/")
		}
	case awsproto.Query:
		return r.URL.Query().Get("Action")
	}
	return ""
}

// isNative reports whether path is Sluice's own authenticated API: /_sluice/v1/… except the
// login endpoints, which authenticate by other means (SPNEGO, OIDC) and are served by Internal.
func isNative(path string) bool {
	return strings.HasPrefix(path, "/_sluice/v1/") && !strings.HasPrefix(path, "/_sluice/v1/login/")
}

// remoteIP strips the port from a RemoteAddr.
func remoteIP(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// allowUnsigned reports whether an unsigned request may proceed: STS web-identity and SAML calls
// (decided by their Action, spec §1.2), and anonymous S3 requests, which the S3 service authorizes
// against bucket policies. Everything else needs a signature.
func (s *Server) allowUnsigned(r *http.Request, c *awsproto.Call) bool {
	switch c.Service {
	case awsproto.STS:
		if s.cfg.Services["sts"] == nil {
			return false
		}
		action := r.URL.Query().Get("Action")
		if action == "" && r.Method == http.MethodPost {
			// Peek at the form without consuming the body the adapter will read.
			r.Body = http.MaxBytesReader(nil, r.Body, s.cfg.MaxBody)
			if err := r.ParseForm(); err != nil {
				return false
			}
			action = r.PostForm.Get("Action")
			r.Body = http.NoBody
			c.Body = strings.NewReader(r.PostForm.Encode())
		}
		return unsignedSTSActions[action]
	case awsproto.S3:
		return s.cfg.Services["s3"] != nil
	}
	return false
}

func (s *Server) lookup(ctx context.Context, id identity.AccessKeyID, token string) (*identity.Credential, error) {
	for _, res := range s.cfg.Credentials {
		cred, err := res.Lookup(ctx, id, token)
		if errors.Is(err, identity.ErrUnknownAccessKey) {
			continue
		}
		return cred, err
	}
	return nil, identity.ErrUnknownAccessKey
}

// guessService picks the protocol whose error shape an unauthenticated or unroutable request
// should get: JSON when it names an X-Amz-Target, query for form posts and Action parameters,
// S3's XML otherwise.
func guessService(r *http.Request) *awsproto.Service {
	if isNative(r.URL.Path) {
		return awsproto.Sluice
	}
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		if strings.HasPrefix(t, awsproto.CloudTrail.TargetPrefix) || strings.HasPrefix(t, "CloudTrail_20131101.") {
			return awsproto.CloudTrail
		}
		return awsproto.Glue
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/x-www-form-urlencoded" || r.URL.Query().Has("Action") {
		return awsproto.STS
	}
	if ct == "application/json" && r.Method == http.MethodPost && !strings.Contains(strings.TrimPrefix(r.URL.Path, "/"), "/") && r.URL.Path != "/" {
		return awsproto.LakeFormation
	}
	return awsproto.S3
}

func unknownServiceCode(svc *awsproto.Service) string {
	switch svc.Protocol {
	case awsproto.Query:
		return "InvalidAction"
	case awsproto.RESTXML:
		return "InvalidRequest"
	}
	return "UnknownOperationException"
}

// finish logs and counts one request.
func (s *Server) finish(c *awsproto.Call, r *http.Request, rec *recorder, start time.Time) {
	elapsed := s.cfg.Now().Sub(start)
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	svc, op := "unknown", c.Operation
	if c.Service != nil {
		svc = c.Service.Name
	}
	if op == "" || c.Principal == nil || (c.Err != nil && (c.Err.Code == "InvalidAction" || c.Err.Code == "UnknownOperationException")) {
		op = "unknown" // bounded label values: never a client-chosen name
	}
	s.cfg.Metrics.observe(svc, op, status, elapsed)

	attrs := []slog.Attr{
		slog.String("request_id", c.RequestID),
		slog.String("service", svc),
		slog.String("operation", c.Operation),
		slog.Int("status", status),
		slog.Duration("latency", elapsed),
		slog.Int64("bytes_in", max(r.ContentLength, 0)),
		slog.Int64("bytes_out", rec.bytes),
		slog.String("remote", r.RemoteAddr),
	}
	if c.Principal != nil && c.Principal.ARN != "" {
		attrs = append(attrs, slog.String("principal", string(c.Principal.ARN)))
	}
	level := slog.LevelInfo
	if c.Err != nil {
		attrs = append(attrs, slog.String("error_code", c.Err.Code))
		if c.Internal != nil {
			attrs = append(attrs, slog.String("error", c.Internal.Error()))
		}
		if c.Err.Status >= 500 {
			level = slog.LevelError
		}
	}
	s.cfg.Logger.LogAttrs(context.Background(), level, "request", attrs...)
}

// audit records the call when its status is about to be sent. On failure it answers the client
// with an internal error itself and tells the recorder to drop the handler's response.
func (s *Server) audit(r *http.Request, c *awsproto.Call, info *identity.RequestInfo, rec *recorder, status int) bool {
	if c.Service == nil {
		c.Service = guessService(r)
	}
	err := s.cfg.Audit.Record(r.Context(), c, status, info)
	if err == nil {
		return true
	}
	s.cfg.Logger.Error("audit record failed; failing the request closed", "request_id", c.RequestID, "err", err)
	c.Internal = err
	c.Err = &awsproto.Error{Code: c.Service.InternalCode, Status: http.StatusInternalServerError, Message: "We encountered an internal error. Please try again."}
	h := rec.ResponseWriter.Header()
	for k := range h {
		delete(h, k)
	}
	c.Service.WriteError(rec.ResponseWriter, r, c.RequestID, c.Err)
	rec.status = http.StatusInternalServerError
	return false
}

// recorder captures the status and size of a response, and runs onHeader (the audit) just before
// the status is sent.
type recorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
	onHeader    func(status int) bool
	dropped     bool // the audit failed: the handler's response is discarded
}

func (r *recorder) WriteHeader(code int) {
	if r.wroteHeader {
		return
	}
	r.wroteHeader = true
	r.status = code
	if r.onHeader != nil && code >= 200 && !r.onHeader(code) {
		r.dropped = true
		return
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	if r.dropped {
		return len(b), nil
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// ReadFrom keeps sendfile available for large object reads.
func (r *recorder) ReadFrom(src io.Reader) (int64, error) {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	if r.dropped {
		return io.Copy(io.Discard, src)
	}
	n, err := io.Copy(r.ResponseWriter, src)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (flush, sendfile via ReadFrom).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
