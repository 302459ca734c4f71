package mappings

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

const acct = identity.AccountID("123456789012")

const (
	role1 = identity.ARN("arn:aws:iam::123456789012:role/blog-allowEMRFSAccessForUser1")
	role2 = identity.ARN("arn:aws:iam::123456789012:role/blog-allowEMRFSAccessForUser2")
)

var splitCases = []struct {
	name, in    string
	user, realm string
	ok          bool
}{
	{"user", "user1@EXAMPLE.COM", "user1", "EXAMPLE.COM", true},
	{"instance", "HTTP/host.example.com@EXAMPLE.COM", "HTTP/host.example.com", "EXAMPLE.COM", true},
	{"realm pattern", "*@EXAMPLE.COM", "*", "EXAMPLE.COM", true},
	{"no realm", "user1", "", "", false},
	{"empty realm", "user1@", "", "", false},
	{"empty name", "@EXAMPLE.COM", "", "", false},
	{"partial wildcard", "user*@EXAMPLE.COM", "", "", false},
	{"wildcard realm", "user1@*", "", "", false},
	{"space", "user 1@EXAMPLE.COM", "", "", false},
	{"empty component", "HTTP/@EXAMPLE.COM", "", "", false},
	{"two ats", "a@b@EXAMPLE.COM", "", "", false},
}

func TestSplitPrincipal(t *testing.T) {
	for _, c := range splitCases {
		t.Run(c.name, func(t *testing.T) {
			u, r, ok := SplitPrincipal(c.in)
			if diff := cmp.Diff([]any{c.user, c.realm, c.ok}, []any{u, r, ok}); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	cases := []struct {
		name string
		m    Mapping
		l    Login
		want bool
	}{
		{"exact", Mapping{Kerberos: "user1@EXAMPLE.COM"}, Login{Kerberos: "user1@EXAMPLE.COM"}, true},
		{"other user", Mapping{Kerberos: "user1@EXAMPLE.COM"}, Login{Kerberos: "user2@EXAMPLE.COM"}, false},
		{"case matters", Mapping{Kerberos: "user1@EXAMPLE.COM"}, Login{Kerberos: "USER1@EXAMPLE.COM"}, false},
		{"other realm", Mapping{Kerberos: "user1@EXAMPLE.COM"}, Login{Kerberos: "user1@EVIL.COM"}, false},
		{"realm pattern", Mapping{Kerberos: "*@EXAMPLE.COM"}, Login{Kerberos: "user2@EXAMPLE.COM"}, true},
		{"realm pattern, instance", Mapping{Kerberos: "*@EXAMPLE.COM"}, Login{Kerberos: "svc/host@EXAMPLE.COM"}, true},
		{"realm pattern, other realm", Mapping{Kerberos: "*@EXAMPLE.COM"}, Login{Kerberos: "user2@EXAMPLE.COM.EVIL"}, false},
		{"realm pattern, suffix trick", Mapping{Kerberos: "*@EXAMPLE.COM"}, Login{Kerberos: "x@y@EXAMPLE.COM"}, false},
		{"no kerberos login", Mapping{Kerberos: "*@EXAMPLE.COM"}, Login{OIDCIssuer: "https://idp"}, false},
		{"oidc sub", Mapping{OIDCIssuer: "https://idp", OIDCSubject: "alice"}, Login{OIDCIssuer: "https://idp", OIDCSubject: "alice"}, true},
		{"oidc other sub", Mapping{OIDCIssuer: "https://idp", OIDCSubject: "alice"}, Login{OIDCIssuer: "https://idp", OIDCSubject: "bob"}, false},
		{"oidc other issuer", Mapping{OIDCIssuer: "https://idp", OIDCSubject: "alice"}, Login{OIDCIssuer: "https://evil", OIDCSubject: "alice"}, false},
		{"oidc group", Mapping{OIDCIssuer: "https://idp", OIDCGroup: "eng"}, Login{OIDCIssuer: "https://idp", OIDCSubject: "bob", OIDCGroups: []string{"ops", "eng"}}, true},
		{"oidc not in group", Mapping{OIDCIssuer: "https://idp", OIDCGroup: "eng"}, Login{OIDCIssuer: "https://idp", OIDCGroups: []string{"ops"}}, false},
		{"oidc issuer only never matches", Mapping{OIDCIssuer: "https://idp"}, Login{OIDCIssuer: "https://idp", OIDCSubject: "x"}, false},
		{"iam user", Mapping{IAMUser: "arn:aws:iam::123456789012:user/alice"}, Login{IAMUser: "arn:aws:iam::123456789012:user/alice"}, true},
		{"iam other user", Mapping{IAMUser: "arn:aws:iam::123456789012:user/alice"}, Login{IAMUser: "arn:aws:iam::123456789012:user/bob"}, false},
		{"empty mapping", Mapping{}, Login{Kerberos: "user1@EXAMPLE.COM"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.m.Matches(c.l); got != c.want {
				t.Errorf("Matches = %v, want %v", got, c.want)
			}
		})
	}
}

// trustTable admits claims listed per role (by subject or user); anything else is refused.
type trustTable map[identity.ARN][]string

func (tt trustTable) Admits(_ context.Context, role identity.ARN, c Claim) error {
	who := c.Subject
	if c.User != "" {
		who = string(c.User)
	}
	for _, w := range tt[role] {
		if w == who {
			return nil
		}
	}
	return errors.New("trust refuses " + who)
}

// admin may do everything; reader may only list role1's mappings.
var (
	admin  = &identity.Principal{Type: identity.IAMUser, ARN: "arn:aws:iam::123456789012:user/admin"}
	reader = &identity.Principal{Type: identity.IAMUser, ARN: "arn:aws:iam::123456789012:user/reader"}
)

func authz(_ context.Context, p *identity.Principal, action, resource string) error {
	if p == admin || p == reader && action == "sluice:ListMappings" && resource == string(role1) {
		return nil
	}
	return awsproto.AccessDenied("User: %s is not authorized to perform: %s on resource: %s", p.ARN, action, resource)
}

// counter is a deterministic id source: each read yields the next big-endian number.
type counter struct{ n uint64 }

func (c *counter) Read(b []byte) (int, error) {
	c.n++
	v := c.n
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return len(b), nil
}

func newService(t testing.TB) *Service {
	trust := trustTable{
		role1: {"user1@EXAMPLE.COM", "*@EXAMPLE.COM", "arn:aws:iam::123456789012:user/alice"},
		role2: {"user2@EXAMPLE.COM"},
	}
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	return New(memstore.New(nil), authz, trust, acct, &Options{Now: func() time.Time { return now }, Rand: &counter{}})
}

func TestCreate(t *testing.T) {
	cases := []struct {
		name string
		p    *identity.Principal
		in   CreateInput
		kind Kind   // expected mappings error kind, 0 = none
		code string // expected awsproto code
	}{
		{"kerberos user", admin, CreateInput{Kerberos: "user1@EXAMPLE.COM", RoleARN: role1}, 0, ""},
		{"realm pattern", admin, CreateInput{Kerberos: "*@EXAMPLE.COM", RoleARN: role1}, 0, ""},
		{"iam user", admin, CreateInput{IAMUser: "arn:aws:iam::123456789012:user/alice", RoleARN: role1}, 0, ""},
		{"trust refuses", admin, CreateInput{Kerberos: "user2@EXAMPLE.COM", RoleARN: role1}, Refused, ""},
		{"not allowed", reader, CreateInput{Kerberos: "user1@EXAMPLE.COM", RoleARN: role1}, 0, "AccessDenied"},
		{"two identities", admin, CreateInput{Kerberos: "user1@EXAMPLE.COM", IAMUser: "arn:aws:iam::123456789012:user/alice", RoleARN: role1}, Invalid, ""},
		{"no identity", admin, CreateInput{RoleARN: role1}, Invalid, ""},
		{"bad principal", admin, CreateInput{Kerberos: "user1", RoleARN: role1}, Invalid, ""},
		{"role of another account", admin, CreateInput{Kerberos: "user1@EXAMPLE.COM", RoleARN: "arn:aws:iam::999999999999:role/x"}, Invalid, ""},
		{"not a role", admin, CreateInput{Kerberos: "user1@EXAMPLE.COM", RoleARN: "arn:aws:iam::123456789012:user/x"}, Invalid, ""},
		{"oidc without sub or group", admin, CreateInput{OIDCIssuer: "https://idp", RoleARN: role1}, Invalid, ""},
		{"oidc not https", admin, CreateInput{OIDCIssuer: "http://idp", OIDCSubject: "a", RoleARN: role1}, Invalid, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newService(t)
			m, err := s.Create(context.Background(), c.p, &c.in)
			if KindOf(err) != c.kind {
				t.Fatalf("kind = %v, want %v (err %v)", KindOf(err), c.kind, err)
			}
			if code := codeOf(err); code != c.code {
				t.Fatalf("code = %q, want %q (err %v)", code, c.code, err)
			}
			if err == nil && (m.ID == "" || m.RoleARN != c.in.RoleARN) {
				t.Errorf("mapping = %+v", m)
			}
		})
	}
}

func codeOf(err error) string {
	if ae := awsproto.As(err); ae != nil {
		return ae.Code
	}
	return ""
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	s := newService(t)
	m1, err := s.Create(ctx, admin, &CreateInput{Kerberos: "user1@EXAMPLE.COM", RoleARN: role1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, admin, &CreateInput{Kerberos: "user1@EXAMPLE.COM", RoleARN: role1}); KindOf(err) != Exists {
		t.Fatalf("duplicate: %v", err)
	}
	m2, err := s.Create(ctx, admin, &CreateInput{Kerberos: "user2@EXAMPLE.COM", RoleARN: role2})
	if err != nil {
		t.Fatal(err)
	}

	// Logins: each user reaches its own role only.
	for _, c := range []struct {
		who  string
		role identity.ARN
		want bool
	}{
		{"user1@EXAMPLE.COM", role1, true},
		{"user1@EXAMPLE.COM", role2, false},
		{"user2@EXAMPLE.COM", role2, true},
		{"user2@EXAMPLE.COM", role1, false},
		{"user3@EXAMPLE.COM", role1, false},
	} {
		got, err := s.Allowed(ctx, Login{Kerberos: c.who}, c.role)
		if err != nil || got != c.want {
			t.Errorf("Allowed(%s, %s) = %v, %v; want %v", c.who, c.role, got, err, c.want)
		}
	}
	roles, _ := s.RolesFor(ctx, Login{Kerberos: "user1@EXAMPLE.COM"})
	if diff := cmp.Diff([]identity.ARN{role1}, roles); diff != "" {
		t.Error(diff)
	}

	all, err := s.List(ctx, admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ID{m1.ID, m2.ID}, ids(all)); diff != "" {
		t.Errorf("admin list: %s", diff)
	}
	// The reader sees only role1's mappings.
	seen, err := s.List(ctx, reader, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]ID{m1.ID}, ids(seen)); diff != "" {
		t.Errorf("reader list: %s", diff)
	}
	if _, err := s.List(ctx, &identity.Principal{Type: identity.IAMUser, ARN: "arn:aws:iam::123456789012:user/nobody"}, nil); codeOf(err) != "AccessDenied" {
		t.Errorf("nobody list: %v", err)
	}
	filtered, _ := s.List(ctx, admin, &ListInput{Kerberos: "user2@EXAMPLE.COM"})
	if diff := cmp.Diff([]ID{m2.ID}, ids(filtered)); diff != "" {
		t.Errorf("filtered: %s", diff)
	}

	// Deleting: the reader may not, a missing id is NotFound for the admin and AccessDenied for
	// the reader (no existence leak).
	if err := s.Delete(ctx, reader, m1.ID); codeOf(err) != "AccessDenied" {
		t.Errorf("reader delete: %v", err)
	}
	if err := s.Delete(ctx, reader, "map-missing"); codeOf(err) != "AccessDenied" {
		t.Errorf("reader delete missing: %v", err)
	}
	if err := s.Delete(ctx, admin, "map-missing"); KindOf(err) != NotFound {
		t.Errorf("admin delete missing: %v", err)
	}
	if err := s.Delete(ctx, admin, m1.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.Allowed(ctx, Login{Kerberos: "user1@EXAMPLE.COM"}, role1); ok {
		t.Error("user1 still allowed after the mapping was deleted")
	}
}

func ids(ms []Mapping) []ID {
	var out []ID
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func TestClaimFor(t *testing.T) {
	got := ClaimFor(acct, &Mapping{Kerberos: "user1@EXAMPLE.COM", RoleARN: role1})
	want := Claim{Provider: "arn:aws:iam::123456789012:kerberos-realm/EXAMPLE.COM", Subject: "user1@EXAMPLE.COM",
		Actions: []string{"sts:AssumeRoleWithKerberos", "sts:SetSourceIdentity"}, Keys: map[string]string{"kerberos:principal": "user1@EXAMPLE.COM"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
	got = ClaimFor(acct, &Mapping{OIDCIssuer: "https://idp.example.com/realms/x", OIDCSubject: "alice"})
	want = Claim{Provider: "arn:aws:iam::123456789012:oidc-provider/idp.example.com/realms/x", Issuer: "https://idp.example.com/realms/x", Subject: "alice",
		Actions: []string{"sts:AssumeRoleWithWebIdentity", "sts:SetSourceIdentity"}, Keys: map[string]string{"idp.example.com/realms/x:sub": "alice"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

func TestDecideOIDC(t *testing.T) {
	const idp, other = "https://idp.example.com", "https://other.example.com"
	all := []Mapping{
		{OIDCIssuer: idp, OIDCGroup: "eng", RoleARN: role1},
		{OIDCIssuer: idp, OIDCSubject: "carol", RoleARN: role2},
		{OIDCIssuer: idp, OIDCSubject: "dave", OIDCGroup: "ops", RoleARN: role2},
		{Kerberos: "*@EXAMPLE.COM", RoleARN: role1},
	}
	type result struct{ Governed, Allowed bool }
	for _, tc := range []struct {
		name string
		l    Login
		role identity.ARN
		want result
	}{
		{"group member", Login{OIDCIssuer: idp, OIDCSubject: "alice", OIDCGroups: []string{"ops", "eng"}}, role1, result{true, true}},
		{"group member, unmapped role", Login{OIDCIssuer: idp, OIDCSubject: "alice", OIDCGroups: []string{"eng"}}, role2, result{true, false}},
		{"no group", Login{OIDCIssuer: idp, OIDCSubject: "bob", OIDCGroups: []string{"sales"}}, role1, result{true, false}},
		{"subject", Login{OIDCIssuer: idp, OIDCSubject: "carol"}, role2, result{true, true}},
		{"subject and group both needed", Login{OIDCIssuer: idp, OIDCSubject: "dave"}, role2, result{true, false}},
		{"subject and group", Login{OIDCIssuer: idp, OIDCSubject: "dave", OIDCGroups: []string{"ops"}}, role2, result{true, true}},
		{"issuer without mappings", Login{OIDCIssuer: other, OIDCSubject: "alice", OIDCGroups: []string{"eng"}}, role1, result{false, false}},
		{"issuer with a trailing slash", Login{OIDCIssuer: idp + "/", OIDCSubject: "carol"}, role2, result{true, true}},
		{"not an OIDC login", Login{Kerberos: "user1@EXAMPLE.COM"}, role1, result{false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, a := DecideOIDC(all, tc.l, tc.role)
			if diff := cmp.Diff(tc.want, result{g, a}); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func FuzzMatches(f *testing.F) {
	for _, c := range splitCases {
		f.Add(c.in, "user1@EXAMPLE.COM")
	}
	f.Fuzz(func(t *testing.T, pattern, login string) {
		name, realm, ok := SplitPrincipal(pattern)
		if ok && name+"@"+realm != pattern {
			t.Fatalf("split %q into %q %q", pattern, name, realm)
		}
		m := Mapping{Kerberos: pattern}
		if !m.Matches(Login{Kerberos: login}) {
			return
		}
		// A match is the same name, or a realm pattern and a principal of exactly that realm.
		_, lrealm, lok := SplitPrincipal(login)
		if pattern != login && !(ok && name == "*" && lok && lrealm == realm && !strings.Contains(login, "*")) {
			t.Fatalf("%q matched %q", pattern, login)
		}
	})
}

func BenchmarkAllowed(b *testing.B) {
	ctx := context.Background()
	s := newService(b)
	for i := range 200 {
		trust := s.trust.(trustTable)
		who := fmt.Sprintf("u%d@EXAMPLE.COM", i)
		trust[role1] = append(trust[role1], who)
		if _, err := s.Create(ctx, admin, &CreateInput{Kerberos: who, RoleARN: role1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if ok, err := s.Allowed(ctx, Login{Kerberos: "u199@EXAMPLE.COM"}, role1); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkDecideOIDC(b *testing.B) {
	const idp = "https://idp.example.com"
	var all []Mapping
	for i := range 200 {
		all = append(all, Mapping{OIDCIssuer: idp, OIDCGroup: fmt.Sprintf("g%d", i), RoleARN: role1})
	}
	l := Login{OIDCIssuer: idp, OIDCSubject: "alice", OIDCGroups: []string{"staff", "eng", "g199"}}
	b.ResetTimer()
	for b.Loop() {
		if g, a := DecideOIDC(all, l, role1); !g || !a {
			b.Fatal(g, a)
		}
	}
}

// TestDecodedCacheFollowsChanges: decoded mappings are reused only while the set is unchanged,
// also when another replica (a Service on the same store) made the change.
func TestDecodedCacheFollowsChanges(t *testing.T) {
	ctx := context.Background()
	a := newService(t)
	b := New(a.st, authz, a.trust, acct, &Options{Now: a.now})
	login := Login{Kerberos: "user1@EXAMPLE.COM"}
	if ok, err := b.Allowed(ctx, login, role1); ok || err != nil {
		t.Fatalf("before any mapping: %v, %v", ok, err)
	}
	m, err := a.Create(ctx, admin, &CreateInput{Kerberos: "user1@EXAMPLE.COM", RoleARN: role1})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := b.Allowed(ctx, login, role1); !ok || err != nil {
		t.Fatalf("after another replica created the mapping: %v, %v", ok, err)
	}
	if err := a.Delete(ctx, admin, m.ID); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.Allowed(ctx, login, role1); ok || err != nil {
		t.Fatalf("after another replica deleted the mapping: %v, %v", ok, err)
	}
}
