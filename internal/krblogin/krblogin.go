// Package krblogin serves Kerberos logins: POST /_sluice/v1/login/kerberos with an
// "Authorization: Negotiate <SPNEGO token>" header and a JSON body {"RoleArn": …,
// "DurationSeconds": …} returns temporary credentials of the role in the credential_process
// format:
//
//	{"Version": 1, "AccessKeyId": "ASIA…", "SecretAccessKey": "…", "SessionToken": "…",
//	 "Expiration": "2026-07-01T23:36:08Z"}
//
// # Steps
//
//  1. Authenticate: the SPNEGO token must carry a Kerberos AP-REQ whose service ticket decrypts
//     with a key of the service keytab (Options.Service, when set, names the one principal
//     accepted), is within its validity (Options.MaxClockSkew of tolerance), whose authenticator
//     matches the ticket, and that was not seen before (replay cache). Anything else is 401 with
//     "WWW-Authenticate: Negotiate"; the reason is logged, and the client sees its category.
//  2. Map: the principal (name@REALM) must be mapped to the requested role (Mapper); else 403.
//  3. Assume: STS mints the session through the role's trust policy, which must allow
//     sts:AssumeRoleWithKerberos and sts:SetSourceIdentity for the federated principal
//     arn:aws:iam::<acct>:kerberos-realm/<REALM> (condition key kerberos:principal); else 403.
//     The principal is the session's source identity.
//  4. Audit: an AssumeRoleWithKerberos event (eventSource sts.amazonaws.com, sourceIdentity the
//     principal) is made durable before any credential leaves; a denied login (step 2 or 3) is
//     recorded with its error code. If the record cannot be written, no credentials are sent.
//
// Credentials never appear in logs.
package krblogin

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/service"
	"github.com/jcmturner/gokrb5/v8/spnego"

	"github.com/sluicehq/sluice/internal/audit"
	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/mappings"
	"github.com/sluicehq/sluice/internal/sts"
)

// Path is where the handler is served.
const Path = "/_sluice/v1/login/kerberos"

// Minter mints role sessions for logins Sluice authenticated (*sts.Service).
type Minter interface {
	AssumeRoleWithLogin(ctx context.Context, l sts.Login) (*sts.AssumeRoleOutput, error)
}

// Mapper says whether a role is mapped to a login (*mappings.Service).
type Mapper interface {
	Allowed(ctx context.Context, l mappings.Login, role identity.ARN) (bool, error)
}

// Auditor adds a record to the audit trail and returns once it is durable (*audit.Slot).
type Auditor interface {
	Add(ctx context.Context, x *audit.Extra) error
}

// Options are the optional settings of New; nil means defaults.
type Options struct {
	// Service is the keytab principal to accept (HTTP/host or HTTP/host@REALM); "" accepts a
	// ticket for any principal in the keytab.
	Service string
	// MaxClockSkew tolerated between client, KDC and Sluice (default 5 min).
	MaxClockSkew time.Duration
	Logger       *slog.Logger
	Audit        Auditor // nil records nothing (tests)
	Region       string
	Now          func() time.Time
	// Replays, when set, records every authenticator for all replicas (see replay.go); gokrb5's
	// own cache only covers this process.
	Replays ReplayCache
}

// Handler serves Path.
type Handler struct {
	kt      *keytab.Keytab
	account identity.AccountID
	mint    Minter
	mapper  func() Mapper
	o       Options
}

// New returns the login handler. mapper is called per request (the mappings service arrives
// once the store is open; nil from it means "starting", 503).
func New(kt *keytab.Keytab, account identity.AccountID, mint Minter, mapper func() Mapper, opts *Options) *Handler {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxClockSkew == 0 {
		o.MaxClockSkew = 5 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Handler{kt: kt, account: account, mint: mint, mapper: mapper, o: o}
}

// LoadKeytab reads a keytab file and checks that it holds at least one key (of service, when
// set).
func LoadKeytab(path, svc string) (*keytab.Keytab, error) {
	kt, err := keytab.Load(path)
	if err != nil {
		return nil, fmt.Errorf("keytab %s: %w", path, err)
	}
	if len(kt.Entries) == 0 {
		return nil, fmt.Errorf("keytab %s holds no keys", path)
	}
	if svc != "" {
		name, realm, _ := strings.Cut(svc, "@")
		for _, e := range kt.Entries {
			if strings.Join(e.Principal.Components, "/") == name && (realm == "" || e.Principal.Realm == realm) {
				return kt, nil
			}
		}
		return nil, fmt.Errorf("keytab %s holds no key for %s", path, svc)
	}
	return kt, nil
}

// Reason is why an authentication failed, as the client may see it.
type Reason string

const (
	NoToken       Reason = "no Negotiate token"
	BadToken      Reason = "malformed SPNEGO token"
	WrongService  Reason = "ticket not for this service"
	Expired       Reason = "ticket expired or not yet valid"
	Skew          Reason = "clock skew too large"
	Replayed      Reason = "replayed authenticator"
	Unverifiable  Reason = "ticket did not verify"
	UnsupportedMx Reason = "mechanism is not Kerberos 5"
)

// AuthError is a failed authentication: Reason for the client, Err for the log.
type AuthError struct {
	Reason Reason
	Err    error
}

func (e *AuthError) Error() string {
	if e.Err != nil {
		return "kerberos: " + string(e.Reason) + ": " + e.Err.Error()
	}
	return "kerberos: " + string(e.Reason)
}

func (e *AuthError) Unwrap() error { return e.Err }

// Authenticate checks an Authorization header value and returns the client's principal
// (name[/instance]@REALM). A refusal is an *AuthError; any other error means the replay cache
// could not answer.
func (h *Handler) Authenticate(ctx context.Context, header string) (string, error) {
	scheme, tok, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Negotiate") || strings.TrimSpace(tok) == "" {
		return "", &AuthError{Reason: NoToken}
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(tok))
	if err != nil {
		return "", &AuthError{Reason: BadToken, Err: err}
	}
	var mech []byte
	var st spnego.SPNEGOToken
	if err := st.Unmarshal(b); err == nil {
		if !st.Init || len(st.NegTokenInit.MechTokenBytes) == 0 {
			return "", &AuthError{Reason: BadToken, Err: errors.New("not a NegTokenInit with a mechanism token")}
		}
		mech = st.NegTokenInit.MechTokenBytes
	} else {
		mech = b // a raw Kerberos GSS token
	}
	var k5 spnego.KRB5Token
	if err := k5.Unmarshal(mech); err != nil {
		return "", &AuthError{Reason: UnsupportedMx, Err: err}
	}
	if !k5.IsAPReq() {
		return "", &AuthError{Reason: BadToken, Err: errors.New("mechanism token is not an AP-REQ")}
	}
	opts := []func(*service.Settings){service.MaxClockSkew(h.o.MaxClockSkew), service.DecodePAC(false)}
	if h.o.Service != "" {
		name, _, _ := strings.Cut(h.o.Service, "@")
		opts = append(opts, service.KeytabPrincipal(name))
	}
	ok, creds, err := service.VerifyAPREQ(&k5.APReq, service.NewSettings(h.kt, opts...))
	if err != nil || !ok {
		return "", classify(err)
	}
	if h.o.Service != "" {
		if _, realm, hasRealm := strings.Cut(h.o.Service, "@"); hasRealm && k5.APReq.Ticket.Realm != realm {
			return "", &AuthError{Reason: WrongService, Err: fmt.Errorf("ticket realm %s", k5.APReq.Ticket.Realm)}
		}
	}
	client := creds.CName().PrincipalNameString() + "@" + creds.Realm()
	if h.o.Replays != nil {
		a := &k5.APReq.Authenticator
		svc := k5.APReq.Ticket.SName.PrincipalNameString() + "@" + k5.APReq.Ticket.Realm
		// A replica accepts an authenticator within MaxClockSkew of its own clock, and replicas'
		// clocks differ too: the entry is kept for twice the skew.
		replayed, err := h.o.Replays.Seen(ctx, replayKey(svc, client, a.CTime, a.Cusec), a.CTime.Add(2*h.o.MaxClockSkew))
		if err != nil {
			return "", err
		}
		if replayed {
			return "", &AuthError{Reason: Replayed, Err: errors.New("authenticator seen before (shared replay cache)")}
		}
	}
	return client, nil
}

// classify maps gokrb5's verification errors to reasons.
func classify(err error) *AuthError {
	if err == nil {
		return &AuthError{Reason: Unverifiable}
	}
	var ke messages.KRBError
	if errors.As(err, &ke) {
		switch ke.ErrorCode {
		case errorcode.KRB_AP_ERR_TKT_EXPIRED, errorcode.KRB_AP_ERR_TKT_NYV:
			return &AuthError{Reason: Expired, Err: err}
		case errorcode.KRB_AP_ERR_SKEW:
			return &AuthError{Reason: Skew, Err: err}
		case errorcode.KRB_AP_ERR_REPEAT:
			return &AuthError{Reason: Replayed, Err: err}
		}
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "has expired"), strings.Contains(msg, "not yet valid"):
		return &AuthError{Reason: Expired, Err: err}
	case strings.Contains(msg, "replay"):
		return &AuthError{Reason: Replayed, Err: err}
	case strings.Contains(msg, "keytab"), strings.Contains(msg, "matching key"), strings.Contains(msg, "encpart of service ticket"):
		return &AuthError{Reason: WrongService, Err: err}
	}
	return &AuthError{Reason: Unverifiable, Err: err}
}

// Request is the JSON body of a login.
type Request struct {
	RoleArn         string
	DurationSeconds int32 `json:",omitempty"`
}

// Output is the credential_process JSON.
type Output struct {
	Version         int
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

// errorBody is the JSON of a refusal.
type errorBody struct {
	Code    string
	Message string
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", "Negotiate")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorBody{Code: code, Message: msg})
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "use POST")
		return
	}
	remote, _, _ := net.SplitHostPort(r.RemoteAddr)
	log := h.o.Logger.With("remote", remote)
	principal, err := h.Authenticate(r.Context(), r.Header.Get("Authorization"))
	if err != nil {
		var ae *AuthError
		if !errors.As(err, &ae) {
			log.Error("kerberos login refused: the replay cache is unavailable", "err", err)
			writeError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "Sluice cannot check Kerberos replays right now; try again.")
			return
		}
		log.Warn("kerberos login refused: authentication failed", "reason", string(ae.Reason), "err", err)
		writeError(w, http.StatusUnauthorized, "NotAuthorized", "Kerberos authentication failed: "+string(ae.Reason))
		return
	}
	var req Request
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err == nil && len(strings.TrimSpace(string(body))) > 0 {
		err = json.Unmarshal(body, &req)
	}
	if req.RoleArn == "" {
		req.RoleArn = r.URL.Query().Get("role")
	}
	if err != nil || req.RoleArn == "" {
		writeError(w, http.StatusBadRequest, "ValidationError", `send {"RoleArn": "arn:aws:iam::<acct>:role/NAME"} as the JSON body`)
		return
	}
	log = log.With("principal", principal, "role", req.RoleArn)
	mapper := h.mapper()
	if mapper == nil {
		writeError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "Sluice is starting; try again.")
		return
	}
	ctx := h.requestContext(r, principal, remote)
	_, realm, _ := mappings.SplitPrincipal(principal)
	login := sts.Login{
		Provider:    mappings.RealmARN(h.account, realm),
		Subject:     principal,
		Action:      mappings.ActionKerberos,
		Keys:        map[string]string{mappings.KeyKerberosPrincip: principal},
		RoleARN:     req.RoleArn,
		SessionName: sessionName(principal),
		Duration:    time.Duration(req.DurationSeconds) * time.Second,
	}
	ok, err := mapper.Allowed(ctx, mappings.Login{Kerberos: principal}, identity.ARN(req.RoleArn))
	if err != nil {
		log.Error("kerberos login failed: reading mappings", "err", err)
		writeError(w, http.StatusInternalServerError, "InternalFailure", "We encountered an internal error. Please try again.")
		return
	}
	if !ok {
		msg := fmt.Sprintf("%s is not mapped to %s", principal, req.RoleArn)
		log.Warn("kerberos login refused: no mapping")
		if h.record(ctx, login, nil, awsproto.AccessDenied("%s", msg)) != nil {
			writeError(w, http.StatusInternalServerError, "InternalFailure", "We encountered an internal error. Please try again.")
			return
		}
		writeError(w, http.StatusForbidden, "AccessDenied", msg)
		return
	}
	out, err := h.mint.AssumeRoleWithLogin(ctx, login)
	if err != nil {
		ae := awsproto.As(err)
		if ae == nil || ae.Status >= 500 {
			log.Error("kerberos login failed", "err", err)
			writeError(w, http.StatusInternalServerError, "InternalFailure", "We encountered an internal error. Please try again.")
			return
		}
		log.Warn("kerberos login refused by STS", "code", ae.Code, "err", ae.Message)
		if h.record(ctx, login, nil, ae) != nil {
			writeError(w, http.StatusInternalServerError, "InternalFailure", "We encountered an internal error. Please try again.")
			return
		}
		writeError(w, ae.Status, ae.Code, ae.Message)
		return
	}
	if err := h.record(ctx, login, out, nil); err != nil {
		log.Error("kerberos login failed: audit record not written; no credentials sent", "err", err)
		writeError(w, http.StatusInternalServerError, "InternalFailure", "We encountered an internal error. Please try again.")
		return
	}
	log.Info("kerberos login", "access_key_id", out.Credentials.AccessKeyID, "expires", out.Credentials.Expiration)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(Output{
		Version:         1,
		AccessKeyId:     string(out.Credentials.AccessKeyID),
		SecretAccessKey: out.Credentials.SecretAccessKey.Reveal(),
		SessionToken:    out.Credentials.SessionToken.Reveal(),
		Expiration:      out.Credentials.Expiration.UTC().Format(time.RFC3339),
	})
}

// sessionName is the role session name of a login: the principal in the session-name alphabet
// [\w+=,.@-], 2..64 characters.
func sessionName(principal string) string { return identity.SafeName(principal, '-') }

// requestContext carries the login's caller and request facts for STS and the audit record.
func (h *Handler) requestContext(r *http.Request, principal, remote string) context.Context {
	_, realm, _ := mappings.SplitPrincipal(principal)
	provider := mappings.RealmARN(h.account, realm)
	p := &identity.Principal{
		Type:    identity.WebIdentityUser,
		Account: h.account,
		ARN:     provider,
		ID:      "kerberos-realm/" + realm + ":" + principal,
		Session: &identity.Session{SourceIdentity: principal, Federation: &identity.Federation{Provider: provider, Subject: principal}},
	}
	info := &identity.RequestInfo{
		SourceIP: remote, SecureTransport: r.TLS != nil, UserAgent: r.UserAgent(),
		Time: h.o.Now(), Region: h.o.Region, RequestID: newRequestID(),
	}
	return identity.NewContext(identity.WithRequestInfo(r.Context(), info), p)
}

// auditInput is the requestParameters of the event.
type auditInput struct {
	RoleArn         string `json:"roleArn"`
	RoleSessionName string `json:"roleSessionName"`
	DurationSeconds int32  `json:"durationSeconds,omitempty"`
	Principal       string `json:"principal"`
}

// record writes the AssumeRoleWithKerberos event and returns once it is durable.
func (h *Handler) record(ctx context.Context, l sts.Login, out *sts.AssumeRoleOutput, fail *awsproto.Error) error {
	if h.o.Audit == nil {
		return nil
	}
	x := &audit.Extra{
		EventName:   "AssumeRoleWithKerberos",
		EventSource: "sts.amazonaws.com",
		ReadOnly:    true,
		Input:       &auditInput{RoleArn: l.RoleARN, RoleSessionName: l.SessionName, DurationSeconds: int32(l.Duration / time.Second), Principal: l.Subject},
		Resources:   []awsproto.Resource{{ARN: l.RoleARN, Type: "AWS::IAM::Role"}},
		Data:        map[string]any{"identityProvider": string(l.Provider)},
		Err:         fail,
	}
	if out != nil {
		x.Output = out
	}
	return h.o.Audit.Add(ctx, x)
}

// newRequestID returns a random UUID-shaped request id.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
