// Package identity names who is calling: the authenticated principal that every domain method
// receives, and the typed identifiers (account ids, ARNs, access key ids) that appear in it.
//
// A Principal is built once per request by the authentication layer (root keys, IAM access keys,
// STS session tokens) and is read-only afterwards. Domain packages never look at HTTP; they take a
// *Principal and decide through the policy engine.
package identity

import (
	"context"
	"errors"
	"time"

	"github.com/sluicehq/sluice/internal/secret"
)

// AccountID is a 12-digit AWS account id.
type AccountID string

// ARN is an Amazon Resource Name, e.g. arn:aws:iam::123456789012:role/app.
type ARN string

// AccessKeyID identifies a credential: AKIA… for long-term keys, ASIA… for temporary ones.
type AccessKeyID string

// Type is the kind of principal, with CloudTrail's names.
type Type int

const (
	Anonymous   Type = iota // unsigned request; zero value so an unset principal is anonymous
	Root                    // the account root (Sluice's bootstrap keys)
	IAMUser                 // an IAM user's access key
	AssumedRole             // an STS role session
	WebIdentityUser
)

func (t Type) String() string {
	switch t {
	case Root:
		return "Root"
	case IAMUser:
		return "IAMUser"
	case AssumedRole:
		return "AssumedRole"
	case WebIdentityUser:
		return "WebIdentityUser"
	default:
		return "Anonymous"
	}
}

// Tag is a key/value pair on a principal (role tags, session tags).
type Tag struct {
	Key, Value string
}

// Session describes role-session credentials. It is nil for root and IAM users. Everything in it
// travels inside the sealed session token, so any replica rebuilds it without a lookup.
type Session struct {
	RoleARN        ARN    // with path: arn:aws:iam::123456789012:role/path/name
	RoleID         string // AROA…
	RoleName       string
	Name           string // RoleSessionName
	IssuedAt       time.Time
	Expires        time.Time
	SourceIdentity string
	// Tags are the session tags (they override role tags of the same key, compared
	// case-insensitively); TransitiveTagKeys are carried into chained sessions.
	Tags              []Tag
	TransitiveTagKeys []string
	// Session policies: an inline JSON document ("" = none) and managed policy ARNs. When either
	// is present, the session may do only what both the role and these policies allow.
	InlinePolicy string
	PolicyARNs   []ARN
	// Chained is true when the session was created with role-session credentials (1 h cap).
	Chained bool
	// Federation is set for sessions created by a web-identity, SAML or Kerberos login.
	Federation *Federation
	// CallerARN is the principal that created the session (for audit).
	CallerARN ARN
}

// HasPolicies reports whether session policies narrow the session.
func (s *Session) HasPolicies() bool { return s.InlinePolicy != "" || len(s.PolicyARNs) > 0 }

// Federation describes the external login behind a session.
type Federation struct {
	Provider ARN    // OIDC provider ARN, kerberos-realm ARN…
	Subject  string // token "sub" or Kerberos principal
	Audience string
}

// RequestInfo is what the server knows about the request beyond the principal; the policy
// engine's global condition keys (aws:SourceIp, aws:SecureTransport, aws:CurrentTime…) come from it.
type RequestInfo struct {
	SourceIP        string
	SecureTransport bool
	UserAgent       string
	Time            time.Time
	Region          string
	RequestID       string
}

type infoKey struct{}

// WithRequestInfo returns a context carrying info.
func WithRequestInfo(ctx context.Context, info *RequestInfo) context.Context {
	return context.WithValue(ctx, infoKey{}, info)
}

// RequestInfoFrom returns the request's info, or an empty one.
func RequestInfoFrom(ctx context.Context) *RequestInfo {
	if i, _ := ctx.Value(infoKey{}).(*RequestInfo); i != nil {
		return i
	}
	return &RequestInfo{Time: time.Now()}
}

// Principal is an authenticated caller.
type Principal struct {
	Type        Type
	Account     AccountID
	ARN         ARN    // arn:aws:iam::acct:root, …:user/name, arn:aws:sts::acct:assumed-role/role/session
	ID          string // CloudTrail principalId / aws:userid: account id, AIDA…, AROA…:session
	UserName    string // IAM user name (users only)
	AccessKeyID AccessKeyID
	Session     *Session
}

// RootARN returns the ARN of an account's root principal.
func RootARN(account AccountID) ARN { return ARN("arn:aws:iam::" + string(account) + ":root") }

// NewRoot returns the root principal of account, authenticated with key.
func NewRoot(account AccountID, key AccessKeyID) *Principal {
	return &Principal{Type: Root, Account: account, ARN: RootARN(account), ID: string(account), AccessKeyID: key}
}

type ctxKey struct{}

// NewContext returns a context carrying p.
func NewContext(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the principal of the request, or nil.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}

// Credential is what an access key id resolves to: the secret that signs its requests and the
// principal it authenticates as.
type Credential struct {
	Secret    secret.Value
	Principal *Principal
}

// Errors a credential resolver returns. The server maps them to each protocol's error codes
// (InvalidClientTokenId, InvalidAccessKeyId, UnrecognizedClientException, ExpiredToken, InvalidToken).
var (
	ErrUnknownAccessKey = errors.New("unknown access key id")
	ErrInvalidToken     = errors.New("invalid session token")
	ErrExpiredToken     = errors.New("expired session token")
	ErrInactiveKey      = errors.New("inactive access key")
)

// SafeName maps a login name (user1@EXAMPLE.COM, an OIDC subject) into the alphabet of role
// session names and source identities, [\w+=,.@-] with 2 to 64 characters: other bytes become
// fill, longer names are cut, shorter ones padded with fill.
func SafeName(name string, fill byte) string {
	b := []byte(name)
	for i, c := range b {
		ok := c == '_' || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '-' ||
			c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !ok {
			b[i] = fill
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	for len(b) < 2 {
		b = append(b, fill)
	}
	return string(b)
}
