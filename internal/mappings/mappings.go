// Package mappings keeps the rules that map an external identity to the roles it may use.
//
// # Model
//
// A Mapping names one identity and one role. An identity is exactly one of
//
//	Kerberos  "user1@EXAMPLE.COM"  one principal (name[/instance]@REALM, compared exactly)
//	          "*@EXAMPLE.COM"      every principal of a realm
//	OIDC      issuer + sub         one subject of an issuer
//	          issuer + group       every subject whose groups claim holds the group
//	IAMUser   an IAM user ARN
//
// An identity may have several mappings, one per role; the login names the role it wants for
// this session (Allowed checks it), and may ask for another the next time without anything
// being restarted. Mappings only narrow: the role's trust policy must also admit the login, and
// Create refuses a mapping for a role whose trust would not (TrustChecker), so a mapping that
// could never work is not stored. Kerberos logins reach a role through the federated principal
// arn:aws:iam::<acct>:kerberos-realm/<REALM> with the actions sts:AssumeRoleWithKerberos and
// sts:SetSourceIdentity (the login's principal becomes the session's source identity) and the
// condition key kerberos:principal. For a realm pattern the trust is checked with the pattern
// itself as the principal, so it must admit at least that pattern (StringLike "*@REALM").
//
// # OIDC logins
//
// OIDC logins use AWS's own form: STS AssumeRoleWithWebIdentity with an ID token of an issuer
// registered as an IAM OIDC provider (`sluice creds --oidc` gets one with the device flow). Once
// any mapping names an issuer, that issuer's tokens reach only the roles mapped to the person
// (AllowedOIDC: a mapping of the role whose sub equals the token's sub, or whose group is in the
// token's groups claim); an issuer without mappings keeps plain AWS semantics, the trust policy
// alone deciding. The person becomes the session's source identity, so the trust must allow
// sts:AssumeRoleWithWebIdentity and sts:SetSourceIdentity for {"Federated":
// "arn:aws:iam::<acct>:oidc-provider/<issuer host/path>"}; Create checks that with the keys
// <issuer>:aud (each client id of the provider, one must pass) and, for a sub mapping,
// <issuer>:sub. A group mapping is checked without a sub, so a trust that names subjects
// refuses it.
//
// # Authorization
//
// The mappings API is authorized by the policy engine with Sluice's own actions:
// sluice:CreateMapping and sluice:DeleteMapping on the role's ARN, sluice:ListMappings on "*"
// (or, failing that, on each mapping's role, and only those are listed). A caller that may not
// see a mapping gets the same answer as for a mapping that does not exist.
//
// # Storage
//
//	mappings  <id>  Mapping JSON
package mappings

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
)

// ID identifies a mapping: "map-" and 16 hex digits.
type ID string

// Mapping maps one identity to one role.
type Mapping struct {
	ID ID `json:"MappingId"`
	// Exactly one identity: Kerberos, OIDCIssuer (with OIDCSubject and/or OIDCGroup), or IAMUser.
	Kerberos    string       `json:",omitempty"`
	OIDCIssuer  string       `json:",omitempty"`
	OIDCSubject string       `json:",omitempty"`
	OIDCGroup   string       `json:",omitempty"`
	IAMUser     identity.ARN `json:",omitempty"`
	RoleARN     identity.ARN `json:"RoleArn"`
	Created     time.Time
}

// Login is an authenticated identity asking for a role.
type Login struct {
	Kerberos    string // user1@EXAMPLE.COM
	OIDCIssuer  string
	OIDCSubject string
	OIDCGroups  []string
	IAMUser     identity.ARN
}

// Claim is what a role's trust policy must admit for a mapping: a federated login (Provider,
// Actions, Keys, Subject) or an IAM user (User, action sts:AssumeRole).
type Claim struct {
	Provider identity.ARN
	Issuer   string // OIDC: the issuer URL, whose provider's client ids are the audiences tried
	Subject  string
	Actions  []string
	Keys     map[string]string
	User     identity.ARN
}

// The federation facts of Kerberos logins.
const (
	ActionKerberos     = "sts:AssumeRoleWithKerberos"
	ActionWebIdentity  = "sts:AssumeRoleWithWebIdentity"
	ActionSetSource    = "sts:SetSourceIdentity"
	KeyKerberosPrincip = "kerberos:principal"
)

// RealmARN is the federated principal of a Kerberos realm in account.
func RealmARN(account identity.AccountID, realm string) identity.ARN {
	return identity.ARN("arn:aws:iam::" + string(account) + ":kerberos-realm/" + realm)
}

// OIDCProviderARN is the ARN of the IAM OIDC provider for issuer (https:// dropped).
func OIDCProviderARN(account identity.AccountID, issuer string) identity.ARN {
	return identity.ARN("arn:aws:iam::" + string(account) + ":oidc-provider/" + strings.TrimPrefix(issuer, "https://"))
}

// ClaimFor returns what the role's trust must admit for m.
func ClaimFor(account identity.AccountID, m *Mapping) Claim {
	switch {
	case m.Kerberos != "":
		_, realm, _ := SplitPrincipal(m.Kerberos)
		return Claim{Provider: RealmARN(account, realm), Subject: m.Kerberos,
			Actions: []string{ActionKerberos, ActionSetSource}, Keys: map[string]string{KeyKerberosPrincip: m.Kerberos}}
	case m.OIDCIssuer != "":
		c := Claim{Provider: OIDCProviderARN(account, m.OIDCIssuer), Issuer: m.OIDCIssuer, Subject: m.OIDCSubject,
			Actions: []string{ActionWebIdentity, ActionSetSource}}
		if m.OIDCSubject != "" {
			c.Keys = map[string]string{strings.TrimPrefix(m.OIDCIssuer, "https://") + ":sub": m.OIDCSubject}
		}
		return c
	}
	return Claim{User: m.IAMUser, Actions: []string{"sts:AssumeRole"}}
}

// SplitPrincipal splits a Kerberos principal name[/instance]@REALM. The name may be "*" (a realm
// pattern). It reports false for anything else.
func SplitPrincipal(p string) (name, realm string, ok bool) {
	i := strings.LastIndexByte(p, '@')
	if i <= 0 || i == len(p)-1 || len(p) > 255 {
		return "", "", false
	}
	name, realm = p[:i], p[i+1:]
	for _, r := range p {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", "", false
		}
	}
	if strings.ContainsAny(realm, "@/*") || strings.Contains(name, "@") {
		return "", "", false
	}
	if strings.Contains(name, "*") && name != "*" {
		return "", "", false
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" {
			return "", "", false
		}
	}
	return name, realm, true
}

// Matches reports whether m applies to l. It is pure: Kerberos names compare exactly (a "*"
// name matches every principal of the realm), OIDC issuers and subjects exactly, groups by
// membership.
func (m *Mapping) Matches(l Login) bool {
	switch {
	case m.Kerberos != "":
		if l.Kerberos == "" {
			return false
		}
		if m.Kerberos == l.Kerberos {
			return true
		}
		name, realm, ok := SplitPrincipal(m.Kerberos)
		if !ok || name != "*" {
			return false
		}
		_, lrealm, ok := SplitPrincipal(l.Kerberos)
		return ok && lrealm == realm && !strings.Contains(l.Kerberos, "*")
	case m.OIDCIssuer != "":
		if !sameIssuer(l.OIDCIssuer, m.OIDCIssuer) {
			return false
		}
		if m.OIDCSubject != "" && m.OIDCSubject != l.OIDCSubject {
			return false
		}
		if m.OIDCGroup != "" && !slices.Contains(l.OIDCGroups, m.OIDCGroup) {
			return false
		}
		return m.OIDCSubject != "" || m.OIDCGroup != ""
	case m.IAMUser != "":
		return l.IAMUser == m.IAMUser
	}
	return false
}

// Kind classifies errors. The set is closed.
type Kind uint8

const (
	Invalid  Kind = iota + 1 // malformed input
	NotFound                 // no such mapping (or not visible to the caller)
	Exists                   // the same identity is already mapped to the role
	Refused                  // the role's trust would not admit the identity
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not found"
	case Exists:
		return "exists"
	case Refused:
		return "refused"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Error is the error of this package; its Msg is safe to show the caller.
type Error struct {
	Kind Kind
	Msg  string
	Err  error // cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return "mappings: " + e.Msg + ": " + e.Err.Error()
	}
	return "mappings: " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err, or 0 when it is not a mappings error.
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

// Authorizer decides one action of a principal on a resource (IAM's policy engine); a denial
// is returned as is (an AccessDenied the caller may see).
type Authorizer func(ctx context.Context, p *identity.Principal, action, resource string) error

// TrustChecker evaluates a role's trust policy for a claim, without creating anything. It
// returns nil when the trust admits the claim and an error otherwise (the role missing
// included).
type TrustChecker interface {
	Admits(ctx context.Context, role identity.ARN, c Claim) error
}

// Options are the optional dependencies of New; nil means defaults.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	Rand   io.Reader // mapping ids (default crypto/rand)
}

// Service manages mappings.
type Service struct {
	st      store.Store
	authz   Authorizer
	trust   TrustChecker
	account identity.AccountID
	log     *slog.Logger
	now     func() time.Time
	rand    io.Reader

	mu     sync.Mutex
	cached *decoded // the mappings as last read, or nil
}

// decoded is every mapping, decoded, as of a generation of the mapping set.
type decoded struct {
	gen  int64
	at   time.Time
	list []Mapping // shared: never changed
}

const (
	ns = "mappings"
	// nsMeta's genKey is rewritten by every Create and Delete (its version counts the changes),
	// so a login decodes the mappings only after they changed: one GetCached instead of a list.
	nsMeta = "mappings/meta"
	genKey = "generation"
	// decodedMaxAge bounds how long decoded mappings are trusted without a change to the
	// generation (a replica of an older binary writes mappings without bumping it).
	decodedMaxAge = 30 * time.Second
)

// New returns a Service keeping mappings in st.
func New(st store.Store, authz Authorizer, trust TrustChecker, account identity.AccountID, opts *Options) *Service {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	return &Service{st: st, authz: authz, trust: trust, account: account, log: o.Logger, now: o.Now, rand: o.Rand}
}

// CreateInput is the request of Create: one identity and a role.
type CreateInput struct {
	Kerberos    string       `json:",omitempty"`
	OIDCIssuer  string       `json:",omitempty"`
	OIDCSubject string       `json:",omitempty"`
	OIDCGroup   string       `json:",omitempty"`
	IAMUser     identity.ARN `json:",omitempty"`
	RoleARN     identity.ARN `json:"RoleArn"`
}

// validate checks the input's shape.
func (s *Service) validate(in *CreateInput) error {
	n := 0
	for _, set := range []bool{in.Kerberos != "", in.OIDCIssuer != "", in.IAMUser != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return errorf(Invalid, "name exactly one identity: Kerberos, OIDCIssuer (with OIDCSubject or OIDCGroup) or IAMUser")
	}
	prefix := "arn:aws:iam::" + string(s.account) + ":role/"
	if !strings.HasPrefix(string(in.RoleARN), prefix) || len(in.RoleARN) == len(prefix) || len(in.RoleARN) > 2048 {
		return errorf(Invalid, "RoleArn must be a role of account %s (arn:aws:iam::%s:role/NAME), got %q", s.account, s.account, in.RoleARN)
	}
	switch {
	case in.Kerberos != "":
		if _, _, ok := SplitPrincipal(in.Kerberos); !ok {
			return errorf(Invalid, "Kerberos principal %q: use name[/instance]@REALM or *@REALM", in.Kerberos)
		}
	case in.OIDCIssuer != "":
		if !strings.HasPrefix(in.OIDCIssuer, "https://") || len(in.OIDCIssuer) > 255 {
			return errorf(Invalid, "OIDCIssuer must be an https:// URL")
		}
		if in.OIDCSubject == "" && in.OIDCGroup == "" {
			return errorf(Invalid, "an OIDC mapping needs OIDCSubject or OIDCGroup")
		}
	case in.IAMUser != "":
		if !strings.HasPrefix(string(in.IAMUser), "arn:aws:iam::"+string(s.account)+":user/") {
			return errorf(Invalid, "IAMUser must be a user ARN of account %s", s.account)
		}
	}
	if in.Kerberos == "" && in.OIDCIssuer == "" && (in.OIDCSubject != "" || in.OIDCGroup != "") {
		return errorf(Invalid, "OIDCSubject and OIDCGroup need OIDCIssuer")
	}
	return nil
}

func (s *Service) newID() (ID, error) {
	var b [8]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return "", err
	}
	return ID("map-" + hex.EncodeToString(b[:])), nil
}

// Create stores a mapping. It needs sluice:CreateMapping on the role and is refused when the
// role's trust policy would not admit the identity, or when the same identity is already mapped
// to the role.
func (s *Service) Create(ctx context.Context, p *identity.Principal, in *CreateInput) (*Mapping, error) {
	if err := s.validate(in); err != nil {
		return nil, err
	}
	if err := s.authz(ctx, p, "sluice:CreateMapping", string(in.RoleARN)); err != nil {
		return nil, err
	}
	m := &Mapping{Kerberos: in.Kerberos, OIDCIssuer: in.OIDCIssuer, OIDCSubject: in.OIDCSubject, OIDCGroup: in.OIDCGroup,
		IAMUser: in.IAMUser, RoleARN: in.RoleARN, Created: s.now().UTC().Truncate(time.Second)}
	if err := s.trust.Admits(ctx, m.RoleARN, ClaimFor(s.account, m)); err != nil {
		s.log.Info("mapping refused: the role's trust does not admit the identity", "role", m.RoleARN, "identity", m.identity(), "err", err)
		c := ClaimFor(s.account, m)
		if c.User != "" {
			return nil, &Error{Kind: Refused, Err: err, Msg: fmt.Sprintf(
				"the trust policy of %s does not admit %s (or the role does not exist)", m.RoleARN, m.identity())}
		}
		login := "a Kerberos login"
		if m.OIDCIssuer != "" {
			login = "an OIDC login (issuer registered as an IAM OIDC provider)"
		}
		return nil, &Error{Kind: Refused, Err: err, Msg: fmt.Sprintf(
			"the trust policy of %s does not admit %s (or the role does not exist); %s needs %s for the principal {\"Federated\": \"%s\"}",
			m.RoleARN, m.identity(), login, strings.Join(c.Actions, " and "), c.Provider)}
	}
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	m.ID = id
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		all, err := tx.List(ctx, ns, store.ListOptions{})
		if err != nil {
			return err
		}
		for _, r := range all {
			var o Mapping
			if json.Unmarshal(r.Value, &o) == nil && o.sameAs(m) {
				return errorf(Exists, "%s is already mapped to %s (%s)", m.identity(), m.RoleARN, o.ID)
			}
		}
		if _, err := tx.Create(ctx, ns, string(m.ID), data); err != nil {
			return err
		}
		_, err = tx.Put(ctx, nsMeta, genKey, []byte("{}"))
		return err
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("mapping created", "id", m.ID, "identity", m.identity(), "role", m.RoleARN)
	return m, nil
}

func (m *Mapping) sameAs(o *Mapping) bool {
	return m.Kerberos == o.Kerberos && m.OIDCIssuer == o.OIDCIssuer && m.OIDCSubject == o.OIDCSubject &&
		m.OIDCGroup == o.OIDCGroup && m.IAMUser == o.IAMUser && m.RoleARN == o.RoleARN
}

// identity renders the mapping's identity for messages and logs.
func (m *Mapping) identity() string {
	switch {
	case m.Kerberos != "":
		return "Kerberos principal " + m.Kerberos
	case m.OIDCIssuer != "":
		s := "OIDC " + m.OIDCIssuer
		if m.OIDCSubject != "" {
			s += " sub " + m.OIDCSubject
		}
		if m.OIDCGroup != "" {
			s += " group " + m.OIDCGroup
		}
		return s
	}
	return "IAM user " + string(m.IAMUser)
}

// all returns every mapping: decoded again only when the set changed (or decodedMaxAge
// passed). The slice is shared and must not be changed.
func (s *Service) all(ctx context.Context) ([]Mapping, error) {
	var gen int64
	rec, err := store.GetCached(ctx, s.st, nsMeta, genKey)
	switch {
	case err == nil:
		gen = rec.Version
	case !errors.Is(err, store.ErrNotFound):
		return nil, err
	}
	now := s.now()
	s.mu.Lock()
	c := s.cached
	s.mu.Unlock()
	if c != nil && c.gen == gen && now.Sub(c.at) < decodedMaxAge {
		return c.list, nil
	}
	// Read after the generation: the list is at least as new as gen.
	list, err := s.decodeAll(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cached = &decoded{gen: gen, at: now, list: list}
	s.mu.Unlock()
	return list, nil
}

// decodeAll reads and decodes every mapping.
func (s *Service) decodeAll(ctx context.Context) ([]Mapping, error) {
	recs, err := s.st.List(ctx, ns, store.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]Mapping, 0, len(recs))
	for _, r := range recs {
		var m Mapping
		if err := json.Unmarshal(r.Value, &m); err != nil {
			s.log.Warn("mappings: unreadable record skipped", "id", r.Key, "err", err)
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// ListInput filters List; empty fields match everything.
type ListInput struct {
	Kerberos string       `json:",omitempty"`
	RoleARN  identity.ARN `json:"RoleArn,omitempty"`
}

// List returns the mappings the caller may see (sluice:ListMappings on "*", or on each
// mapping's role), in id order.
func (s *Service) List(ctx context.Context, p *identity.Principal, in *ListInput) ([]Mapping, error) {
	wideErr := s.authz(ctx, p, "sluice:ListMappings", "*")
	all, err := s.all(ctx)
	if err != nil {
		return nil, err
	}
	out := []Mapping{}
	for _, m := range all {
		if in != nil && (in.Kerberos != "" && m.Kerberos != in.Kerberos || in.RoleARN != "" && m.RoleARN != in.RoleARN) {
			continue
		}
		if wideErr != nil && s.authz(ctx, p, "sluice:ListMappings", string(m.RoleARN)) != nil {
			continue
		}
		out = append(out, m)
	}
	if wideErr != nil && len(out) == 0 {
		return nil, wideErr
	}
	return out, nil
}

// Delete removes a mapping; it needs sluice:DeleteMapping on the mapping's role. A mapping the
// caller may not delete is reported like a missing one only when the caller may not delete any
// mapping at all; otherwise the denial names the role.
func (s *Service) Delete(ctx context.Context, p *identity.Principal, id ID) error {
	rec, err := s.st.Get(ctx, ns, string(id))
	if errors.Is(err, store.ErrNotFound) {
		if aerr := s.authz(ctx, p, "sluice:DeleteMapping", "*"); aerr != nil {
			return aerr
		}
		return errorf(NotFound, "no mapping %s", id)
	}
	if err != nil {
		return err
	}
	var m Mapping
	if err := json.Unmarshal(rec.Value, &m); err != nil {
		return err
	}
	if err := s.authz(ctx, p, "sluice:DeleteMapping", string(m.RoleARN)); err != nil {
		return err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Delete(ctx, ns, string(id)); err != nil {
			return err
		}
		_, err := tx.Put(ctx, nsMeta, genKey, []byte("{}"))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return errorf(NotFound, "no mapping %s", id)
	}
	if err == nil {
		s.log.Info("mapping deleted", "id", id, "identity", m.identity(), "role", m.RoleARN)
	}
	return err
}

// RolesFor returns the roles mapped to l, sorted, without duplicates. It authorizes nothing:
// the login endpoints call it for an identity they authenticated themselves.
func (s *Service) RolesFor(ctx context.Context, l Login) ([]identity.ARN, error) {
	all, err := s.all(ctx)
	if err != nil {
		return nil, err
	}
	var out []identity.ARN
	for i := range all {
		if all[i].Matches(l) {
			out = append(out, all[i].RoleARN)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// AllowedOIDC decides an OIDC login (l.OIDCIssuer, OIDCSubject, OIDCGroups from a verified
// token) asking for role: governed reports whether any mapping names the issuer, allowed whether
// a mapping of role matches l. When governed is false the role's trust policy alone decides.
func (s *Service) AllowedOIDC(ctx context.Context, l Login, role identity.ARN) (governed, allowed bool, err error) {
	all, err := s.all(ctx)
	if err != nil {
		return false, false, err
	}
	governed, allowed = DecideOIDC(all, l, role)
	return governed, allowed, nil
}

// sameIssuer compares issuer URLs, a trailing slash aside (IAM registers providers either way).
func sameIssuer(a, b string) bool {
	return a != "" && strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}

// DecideOIDC is AllowedOIDC over a list of mappings. It is pure.
func DecideOIDC(all []Mapping, l Login, role identity.ARN) (governed, allowed bool) {
	if l.OIDCIssuer == "" {
		return false, false
	}
	for i := range all {
		if all[i].OIDCIssuer == "" || !sameIssuer(all[i].OIDCIssuer, l.OIDCIssuer) {
			continue
		}
		governed = true
		if all[i].RoleARN == role && all[i].Matches(l) {
			return true, true
		}
	}
	return governed, false
}

// Allowed reports whether role is mapped to l.
func (s *Service) Allowed(ctx context.Context, l Login, role identity.ARN) (bool, error) {
	all, err := s.all(ctx)
	if err != nil {
		return false, err
	}
	for i := range all {
		if all[i].RoleARN == role && all[i].Matches(l) {
			return true, nil
		}
	}
	return false, nil
}
