// Package sts is Sluice's Security Token Service: who the caller is, and temporary credentials
// (role sessions, session tokens) whose tokens are sealed by the key ring.
//
// Issuing a credential stores nothing: the session token is an AEAD-sealed blob carrying the
// session (role, session name, tags, source identity, session policies, expiry, and the secret
// key itself), so any replica that shares the key ring authenticates it without a lookup. The
// only durable trace of an issued credential is its audit record.
//
// Authorization is not decided here: AssumeRole asks the IAM authorizer, which evaluates the
// role's trust policy and the caller's identity policies with the policy engine (spec §8.3).
package sts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/oidc"
	"github.com/sluicehq/sluice/internal/policy"
)

// Role is what STS needs to know about a role.
type Role struct {
	Name               string
	ID                 string // AROA…
	ARN                identity.ARN
	Trust              *policy.Policy
	MaxSessionDuration time.Duration
}

// Roles is what STS needs from IAM: roles, and the one authorizer (policy engine) deciding an
// action for a principal against a resource policy that must allow (the role's trust).
type Roles interface {
	// Role returns the role named by an ARN, or an error; a missing role is any *awsproto.Error
	// with a 4xx status.
	Role(ctx context.Context, arn string) (*Role, error)
	// AuthorizeTrust decides action on the role for p with keys, the trust policy being a
	// resource policy that must allow. A denial is an *awsproto.Error AccessDenied.
	AuthorizeTrust(ctx context.Context, p *identity.Principal, action string, role *Role, keys *policy.Context) error
	// Authorize decides an action that has no resource policy.
	Authorize(ctx context.Context, p *identity.Principal, action, resource string) error
}

// Options are STS's optional dependencies; nil means defaults.
type Options struct {
	Now    func() time.Time // default time.Now
	Rand   io.Reader        // default crypto/rand
	Logger *slog.Logger
	// Providers and OIDC enable AssumeRoleWithWebIdentity.
	Providers OIDCProviders
	OIDC      *oidc.Verifier
	// Limits throttles credential issuing (AssumeRole*, GetSessionToken).
	Limits Limits
	// Mappings narrows AssumeRoleWithWebIdentity for the issuers it has mappings for; nil
	// leaves the trust policy alone to decide.
	Mappings WebIdentityMapper
	// GroupsClaim names the ID-token claim holding the person's groups (default "groups").
	GroupsClaim string
	// SourceIdentityClaim names the claim that becomes the source identity of a mapped OIDC
	// login when the token has no https://aws.amazon.com/source_identity claim (default
	// "sub"; "email" or "preferred_username" are common choices). A token without that claim
	// falls back to sub.
	SourceIdentityClaim string
}

// Service implements the STS operations.
type Service struct {
	account identity.AccountID
	ring    *keyring.Ring
	roles   Roles
	// Web identity: registered providers and the token verifier; nil disables it.
	providers OIDCProviders
	oidc      *oidc.Verifier
	mappings  WebIdentityMapper
	groups    string // claim names
	sourceID  string
	limit     *limiter
	now       func() time.Time
	rand      io.Reader
	log       *slog.Logger

	// opened caches tokens already opened, by a hash of the token, so a credential used for many
	// requests is decrypted once. Entries are immutable and expire with their credential.
	mu     sync.Mutex
	opened map[[32]byte]*opened
}

type opened struct {
	cred    *identity.Credential
	expires time.Time
}

const maxOpened = 65536

// New returns the STS service. roles may be nil when only GetCallerIdentity is served.
func New(account identity.AccountID, ring *keyring.Ring, roles Roles, opts *Options) *Service {
	s := &Service{account: account, ring: ring, roles: roles, now: time.Now, rand: rand.Reader,
		log: slog.New(slog.DiscardHandler), opened: map[[32]byte]*opened{}, groups: "groups", sourceID: "sub"}
	if opts != nil {
		if opts.Now != nil {
			s.now = opts.Now
		}
		if opts.Rand != nil {
			s.rand = opts.Rand
		}
		if opts.Logger != nil {
			s.log = opts.Logger
		}
		s.providers, s.oidc, s.mappings = opts.Providers, opts.OIDC, opts.Mappings
		if opts.GroupsClaim != "" {
			s.groups = opts.GroupsClaim
		}
		if opts.SourceIdentityClaim != "" {
			s.sourceID = opts.SourceIdentityClaim
		}
		s.limit = newLimiter(opts.Limits, s.now)
	}
	return s
}

// CallerIdentity is the answer of GetCallerIdentity.
type CallerIdentity struct {
	UserID  string             `xml:"UserId"`
	Account identity.AccountID `xml:"Account"`
	ARN     identity.ARN       `xml:"Arn"`
}

// GetCallerIdentity returns who the caller is. Like AWS, it needs no permission: an explicit deny
// cannot stop a principal from learning its own identity.
func (s *Service) GetCallerIdentity(_ context.Context, p *identity.Principal, _ *struct{}) (*CallerIdentity, error) {
	return &CallerIdentity{UserID: p.ID, Account: p.Account, ARN: p.ARN}, nil
}

// Lookup authenticates temporary credentials (server.CredentialResolver): an ASIA key with the
// session token that was issued with it. It reads no store.
func (s *Service) Lookup(_ context.Context, id identity.AccessKeyID, token string) (*identity.Credential, error) {
	if token == "" || len(id) < 4 || id[:4] != "ASIA" {
		return nil, identity.ErrUnknownAccessKey
	}
	now := s.now()
	h := sha256.Sum256([]byte(token))
	s.mu.Lock()
	o := s.opened[h]
	s.mu.Unlock()
	if o == nil {
		c, err := openToken(s.ring, token)
		if err != nil {
			return nil, identity.ErrInvalidToken
		}
		if c.Account != string(s.account) {
			return nil, identity.ErrInvalidToken
		}
		o = &opened{
			cred:    &identity.Credential{Secret: secretOf(c), Principal: c.principal()},
			expires: time.Unix(c.Expires, 0),
		}
		s.mu.Lock()
		if len(s.opened) >= maxOpened {
			for k, v := range s.opened { // drop expired entries, or everything if none expired
				if !now.Before(v.expires) {
					delete(s.opened, k)
				}
			}
			if len(s.opened) >= maxOpened {
				clear(s.opened)
			}
		}
		s.opened[h] = o
		s.mu.Unlock()
	}
	if o.cred.Principal.AccessKeyID != id {
		return nil, identity.ErrInvalidToken
	}
	if !now.Before(o.expires) {
		return nil, identity.ErrExpiredToken
	}
	return o.cred, nil
}
