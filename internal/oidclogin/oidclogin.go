// Package oidclogin signs a person in at an OpenID Connect issuer and turns the sign-in into
// temporary credentials of a Sluice role, for `sluice creds --oidc` (an AWS credential_process).
//
// # Flow
//
//  1. Cache: credentials cached for the same (endpoint, issuer, client id, role) that are valid
//     for longer than Options.Margin are returned as they are; nothing is asked of anyone.
//  2. Refresh: else a cached refresh token is exchanged at the issuer's token endpoint for a
//     new ID token (grant_type=refresh_token); a refused refresh falls through to step 3.
//  3. Device flow (OAuth 2.0 Device Authorization Grant, RFC 8628): the issuer's discovery
//     document names its device_authorization_endpoint and token_endpoint; the client asks for
//     a device code (scopes openid and offline_access unless configured), tells the person
//     where to go and which code to enter (Options.Prompt), then polls the token endpoint every
//     interval seconds: authorization_pending waits, slow_down adds 5 s to the interval,
//     access_denied and expired_token end the login (Denied, Expired), as does the code's own
//     expires_in.
//  4. Exchange: the ID token goes to STS AssumeRoleWithWebIdentity at the Sluice endpoint, an
//     unsigned query-protocol call as the AWS SDKs make it, with a session name derived from
//     the token's sub. Sluice checks the token, the role's trust policy and, when it has
//     mappings for the issuer, that one maps the person (sub or groups) to the role.
//  5. The new credentials and the newest refresh token are written to the cache.
//
// # Cache
//
// One JSON file per (endpoint, issuer, client id, role) in Options.CacheDir (DefaultCacheDir:
// $XDG_CACHE_HOME/sluice, else ~/.cache/sluice), created 0700, files 0600, replaced atomically.
// A file readable by others is ignored and replaced. ID tokens are never stored; refresh tokens
// and credentials are, since a credential_process runs on every AWS client start.
//
// Tokens and secrets never appear in logs or errors.
package oidclogin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/secret"
)

// Config names what to log in to.
type Config struct {
	Endpoint string        // Sluice's URL; STS is served at its root
	Issuer   string        // the OIDC issuer URL (iss of its tokens)
	ClientID string        // the OAuth client id registered at the issuer (the tokens' aud)
	RoleARN  string        // the role wanted
	Scopes   []string      // default openid, offline_access; openid is always asked
	Duration time.Duration // session duration; 0 leaves it to Sluice (1 h)
}

// Prompt is what the person must do to sign in.
type Prompt struct {
	VerificationURI         string // where to go
	VerificationURIComplete string // the same with the code filled in, when the issuer offers it
	UserCode                string // the code to enter
	Expires                 time.Time
}

// Options are the optional dependencies of New; nil means defaults.
type Options struct {
	IssuerClient *http.Client                                     // default: 30 s timeout
	STSClient    *http.Client                                     // default: 30 s timeout
	Now          func() time.Time                                 // default time.Now
	Sleep        func(ctx context.Context, d time.Duration) error // default: a timer, cut short by ctx
	Prompt       func(Prompt)                                     // told of each device authorization
	CacheDir     string                                           // "" caches nothing
	Margin       time.Duration                                    // cached credentials are reused until this close to expiry, default 10 min
	Logger       *slog.Logger
}

// Credentials are temporary credentials of a role session.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey secret.Value
	SessionToken    secret.Value
	Expiration      time.Time
}

// ProcessOutput is the JSON a credential_process prints.
type ProcessOutput struct {
	Version         int
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

// Process returns c in the credential_process form, secrets revealed: print it to the owner only.
func (c *Credentials) Process() ProcessOutput {
	return ProcessOutput{Version: 1, AccessKeyId: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey.Reveal(),
		SessionToken: c.SessionToken.Reveal(), Expiration: c.Expiration.UTC().Format(time.RFC3339)}
}

// Kind classifies errors. The set is closed.
type Kind uint8

const (
	Invalid     Kind = iota + 1 // the configuration is unusable
	IssuerError                 // the issuer failed, or offers no device flow
	Denied                      // the person refused the sign-in
	Expired                     // the code expired before the person signed in
	Refused                     // Sluice refused the token or the role (Code says why)
	Unavailable                 // Sluice could not be reached or answered outside the protocol
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case IssuerError:
		return "issuer error"
	case Denied:
		return "denied"
	case Expired:
		return "expired"
	case Refused:
		return "refused"
	case Unavailable:
		return "unavailable"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Error is the error of this package. Msg is meant for the person; Code is the STS error code
// of a Refused login (AccessDenied, InvalidIdentityToken …) or the OAuth error code of an
// issuer's refusal.
type Error struct {
	Kind Kind
	Code string
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	s := e.Msg
	if e.Code != "" {
		s = e.Code + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err, or 0 when it is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

func errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// Client logs one configuration in.
type Client struct {
	cfg Config
	o   Options
}

// New checks cfg and returns a Client.
func New(cfg Config, opts *Options) (*Client, error) {
	for name, v := range map[string]string{"endpoint": cfg.Endpoint, "issuer": cfg.Issuer} {
		u, err := url.Parse(v)
		if err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" {
			return nil, errorf(Invalid, "the %s %q is not an http(s) URL", name, v)
		}
	}
	if !strings.HasPrefix(cfg.Issuer, "https://") {
		return nil, errorf(Invalid, "the issuer must be an https:// URL, got %q", cfg.Issuer)
	}
	if cfg.ClientID == "" {
		return nil, errorf(Invalid, "a client id is required")
	}
	if !strings.HasPrefix(cfg.RoleARN, "arn:") || !strings.Contains(cfg.RoleARN, ":role/") {
		return nil, errorf(Invalid, "the role must be a role ARN (arn:aws:iam::<account>:role/NAME), got %q", cfg.RoleARN)
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"openid", "offline_access"}
	} else if !slices.Contains(cfg.Scopes, "openid") {
		cfg.Scopes = append([]string{"openid"}, cfg.Scopes...)
	}
	cfg.Endpoint = strings.TrimSuffix(cfg.Endpoint, "/")
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.IssuerClient == nil {
		o.IssuerClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.STSClient == nil {
		o.STSClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Prompt == nil {
		o.Prompt = func(Prompt) {}
	}
	if o.Margin == 0 {
		o.Margin = 10 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg, o: o}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DefaultCacheDir is $XDG_CACHE_HOME/sluice, else ~/.cache/sluice.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "sluice"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".cache", "sluice"), nil
}

// Credentials returns credentials of the role: from the cache, through a refresh token, or
// after the person signs in with the device flow.
func (c *Client) Credentials(ctx context.Context) (*Credentials, error) {
	log := c.o.Logger.With("issuer", c.cfg.Issuer, "role", c.cfg.RoleARN)
	e := c.load()
	if c.fresh(e) {
		log.Debug("cached credentials reused", "expiration", e.Expiration)
		return e.credentials(), nil
	}
	// Tools call credential_process from several threads or processes at once: one of them
	// refreshes or signs in while the others wait, then they all take what it cached.
	if unlock, err := c.lockCache(ctx); err != nil {
		return nil, err
	} else {
		defer unlock()
	}
	if e = c.load(); c.fresh(e) {
		log.Debug("credentials cached by a concurrent login reused", "expiration", e.Expiration)
		return e.credentials(), nil
	}
	var tok *tokenResponse
	d, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	if e != nil && e.RefreshToken != "" {
		tok, err = c.refresh(ctx, d, e.RefreshToken)
		if err != nil {
			log.Info("refresh refused; signing in again", "err", err)
			tok = nil
		} else if tok.IDToken == "" {
			log.Info("the refresh answer holds no ID token; signing in again")
			tok = nil
		}
		if tok == nil {
			// Forget the unusable refresh token so a failure below does not try it again.
			c.save(&entry{})
		}
	}
	if tok == nil {
		if tok, err = c.device(ctx, d); err != nil {
			return nil, err
		}
	}
	creds, err := c.exchange(ctx, tok.IDToken)
	next := &entry{RefreshToken: tok.RefreshToken}
	if next.RefreshToken == "" && e != nil {
		next.RefreshToken = e.RefreshToken // the issuer does not rotate it
	}
	if err == nil {
		next.AccessKeyID, next.SecretAccessKey, next.SessionToken, next.Expiration =
			creds.AccessKeyID, creds.SecretAccessKey.Reveal(), creds.SessionToken.Reveal(), creds.Expiration
	}
	c.save(next)
	return creds, err
}
