package sts

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/authzmsg"
	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/mappings"
	"github.com/sluicehq/sluice/internal/oidc"
	"github.com/sluicehq/sluice/internal/oidc/oidctest"
	"github.com/sluicehq/sluice/internal/policy"
)

const acct = "123456789012"

// fakeIAM is an in-memory IAM for these tests: roles and identity policies, decided by the real
// policy engine (no behaviour is mocked).
type fakeIAM struct {
	roles    map[string]*Role // by ARN
	identity map[identity.ARN][]*policy.Policy
}

func (f *fakeIAM) Role(_ context.Context, arn string) (*Role, error) {
	if r := f.roles[arn]; r != nil {
		return r, nil
	}
	return nil, awsproto.Errorf(404, "NoSuchEntity", "no role")
}

func (f *fakeIAM) AuthorizeTrust(_ context.Context, p *identity.Principal, action string, role *Role, keys *policy.Context) error {
	pp := policy.Principal{ARN: string(p.ARN), Account: string(p.Account), IsRoot: p.Type == identity.Root}
	ids := f.identity[p.ARN]
	if p.Type == identity.WebIdentityUser {
		pp = policy.Principal{Federated: string(p.Session.Federation.Provider), Account: string(p.Account)}
	} else if p.Session != nil {
		pp.RoleARN = string(p.Session.RoleARN)
		ids = f.identity[p.Session.RoleARN]
	}
	res := policy.Evaluate(&policy.Set{Identity: ids, Resource: role.Trust, ResourceRequired: true},
		&policy.Request{Action: action, Resource: string(role.ARN), Principal: pp, Context: keys})
	if res.Decision != policy.Allow {
		return awsproto.AccessDenied("%s", res.Message(string(p.ARN), action, string(role.ARN)))
	}
	return nil
}

func (f *fakeIAM) Authorize(_ context.Context, p *identity.Principal, action, resource string) error {
	if p.Type == identity.Root {
		return nil
	}
	res := policy.Evaluate(&policy.Set{Identity: f.identity[p.ARN]},
		&policy.Request{Action: action, Resource: resource, Principal: policy.Principal{ARN: string(p.ARN), Account: string(p.Account)}})
	if res.Decision != policy.Allow {
		return awsproto.AccessDenied("%s", res.Message(string(p.ARN), action, resource))
	}
	return nil
}

func mustParse(t testing.TB, doc string, kind policy.Kind) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(doc), kind)
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	return p
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	svc   *Service
	iam   *fakeIAM
	clock *clock
	ring  *keyring.Ring
	user  *identity.Principal
}

const (
	appRoleARN = "arn:aws:iam::" + acct + ":role/app"
	jobRoleARN = "arn:aws:iam::" + acct + ":role/jobs/job"
	userARN    = "arn:aws:iam::" + acct + ":user/alice"
)

func newEnv(t testing.TB) *env {
	ring, err := keyring.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeIAM{roles: map[string]*Role{}, identity: map[identity.ARN][]*policy.Policy{}}
	// app trusts the account root (so the caller's identity policy must allow), requires an
	// external id, and allows tagging only with LakeFormationAuthorizedCaller values like engine*.
	f.roles[appRoleARN] = &Role{Name: "app", ID: "AROAAPPAPPAPPAPPAPPA", ARN: appRoleARN, MaxSessionDuration: 2 * time.Hour,
		Trust: mustParse(t, `{"Version":"2012-10-17","Statement":[
		 {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:root"},"Action":"sts:AssumeRole",
		  "Condition":{"StringEquals":{"sts:ExternalId":"ext-1"}}},
		 {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:root"},"Action":["sts:TagSession","sts:SetSourceIdentity"],
		  "Condition":{"StringLikeIfExists":{"aws:RequestTag/LakeFormationAuthorizedCaller":"engine*"}}}]}`, policy.Resource)}
	// job (path /jobs/) trusts app's sessions directly.
	f.roles[jobRoleARN] = &Role{Name: "job", ID: "AROAJOBJOBJOBJOBJOBJ", ARN: jobRoleARN, MaxSessionDuration: 12 * time.Hour,
		Trust: mustParse(t, `{"Version":"2012-10-17","Statement":[
		 {"Effect":"Allow","Principal":{"AWS":"`+appRoleARN+`"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}`, policy.Resource)}
	allowAssume := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"*"}}`, policy.Identity)
	f.identity[userARN] = []*policy.Policy{allowAssume}
	f.identity[appRoleARN] = []*policy.Policy{allowAssume}
	c := &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	return &env{
		svc:   New(acct, ring, f, &Options{Now: c.now}),
		iam:   f,
		clock: c,
		ring:  ring,
		user:  &identity.Principal{Type: identity.IAMUser, Account: acct, ARN: userARN, ID: "AIDAALICE", UserName: "alice", AccessKeyID: "AKIAALICE"},
	}
}

func str(s string) *string { return &s }
func i32(v int32) *int32   { return &v }

func (e *env) assume(t testing.TB, p *identity.Principal, in *AssumeRoleInput) (*AssumeRoleOutput, *identity.Principal) {
	t.Helper()
	out, err := e.svc.AssumeRole(context.Background(), p, in)
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	cred, err := e.svc.Lookup(context.Background(), out.Credentials.AccessKeyID, out.Credentials.SessionToken.Reveal())
	if err != nil {
		t.Fatalf("Lookup of fresh credentials: %v", err)
	}
	if !cred.Secret.Equal(out.Credentials.SecretAccessKey) {
		t.Fatal("token carries another secret")
	}
	return out, cred.Principal
}

func TestAssumeRoleSession(t *testing.T) {
	e := newEnv(t)
	out, p := e.assume(t, e.user, &AssumeRoleInput{
		RoleArn: appRoleARN, RoleSessionName: "dss-conn-c1-assumed-for-bob", ExternalId: str("ext-1"),
		DurationSeconds: i32(5400), SourceIdentity: str("bob"),
		Tags:              []Tag{{"LakeFormationAuthorizedCaller", "engine1"}, {"team", "data"}},
		TransitiveTagKeys: []string{"LakeFormationAuthorizedCaller"},
		Policy:            str(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/p/*"}]}`),
	})
	wantARN := identity.ARN("arn:aws:sts::" + acct + ":assumed-role/app/dss-conn-c1-assumed-for-bob")
	if out.AssumedRoleUser.ARN != wantARN || out.AssumedRoleUser.AssumedRoleID != "AROAAPPAPPAPPAPPAPPA:dss-conn-c1-assumed-for-bob" {
		t.Errorf("AssumedRoleUser = %+v", out.AssumedRoleUser)
	}
	if !strings.HasPrefix(string(out.Credentials.AccessKeyID), "ASIA") || len(out.Credentials.AccessKeyID) != 20 {
		t.Errorf("access key id %s", out.Credentials.AccessKeyID)
	}
	if got := out.Credentials.Expiration.Sub(e.clock.now()); got != 90*time.Minute {
		t.Errorf("lifetime %v", got)
	}
	if out.PackedPolicySize == nil || out.SourceIdentity != "bob" {
		t.Errorf("packed %v source identity %q", out.PackedPolicySize, out.SourceIdentity)
	}
	want := &identity.Principal{
		Type: identity.AssumedRole, Account: acct, ARN: wantARN, ID: "AROAAPPAPPAPPAPPAPPA:dss-conn-c1-assumed-for-bob",
		AccessKeyID: out.Credentials.AccessKeyID,
		Session: &identity.Session{
			RoleARN: appRoleARN, RoleID: "AROAAPPAPPAPPAPPAPPA", RoleName: "app", Name: "dss-conn-c1-assumed-for-bob",
			IssuedAt: e.clock.now(), Expires: e.clock.now().Add(90 * time.Minute), SourceIdentity: "bob",
			Tags:              []identity.Tag{{Key: "LakeFormationAuthorizedCaller", Value: "engine1"}, {Key: "team", Value: "data"}},
			TransitiveTagKeys: []string{"LakeFormationAuthorizedCaller"},
			InlinePolicy:      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/p/*"}]}`,
			CallerARN:         userARN,
		},
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("session principal (-want +got):\n%s", diff)
	}
	gci, _ := e.svc.GetCallerIdentity(context.Background(), p, nil)
	if gci.ARN != wantARN || gci.UserID != p.ID {
		t.Errorf("GetCallerIdentity = %+v", gci)
	}
}

func TestAssumeRoleRefusals(t *testing.T) {
	e := newEnv(t)
	base := func(mod func(*AssumeRoleInput)) *AssumeRoleInput {
		in := &AssumeRoleInput{RoleArn: appRoleARN, RoleSessionName: "s1", ExternalId: str("ext-1")}
		mod(in)
		return in
	}
	deniedMsg := "User: " + userARN + " is not authorized to perform: sts:AssumeRole on resource: "
	tests := []struct {
		name     string
		in       *AssumeRoleInput
		code     string
		contains string
	}{
		{"no external id", base(func(in *AssumeRoleInput) { in.ExternalId = nil }), "AccessDenied", deniedMsg + appRoleARN},
		{"wrong external id", base(func(in *AssumeRoleInput) { in.ExternalId = str("ext-2") }), "AccessDenied", deniedMsg + appRoleARN},
		{"missing role looks like a refused trust", base(func(in *AssumeRoleInput) { in.RoleArn = "arn:aws:iam::" + acct + ":role/nope" }),
			"AccessDenied", deniedMsg + "arn:aws:iam::" + acct + ":role/nope"},
		{"role ARN case differs", base(func(in *AssumeRoleInput) { in.RoleArn = "arn:aws:iam::" + acct + ":role/APP" }), "AccessDenied", deniedMsg},
		{"tag value outside the trust condition", base(func(in *AssumeRoleInput) { in.Tags = []Tag{{"LakeFormationAuthorizedCaller", "other"}} }),
			"AccessDenied", "sts:TagSession"},
		{"beyond the role maximum", base(func(in *AssumeRoleInput) { in.DurationSeconds = i32(7201) }),
			"ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{"duration below 900", base(func(in *AssumeRoleInput) { in.DurationSeconds = i32(899) }), "ValidationError", "Member must have value between 900 and 43200"},
		{"session name too short", base(func(in *AssumeRoleInput) { in.RoleSessionName = "s" }), "ValidationError", "roleSessionName"},
		{"session name characters", base(func(in *AssumeRoleInput) { in.RoleSessionName = "a b" }), "ValidationError", "regular expression pattern"},
		{"external id characters", base(func(in *AssumeRoleInput) { in.ExternalId = str("a b") }), "ValidationError", "externalId"},
		{"source identity aws: prefix", base(func(in *AssumeRoleInput) { in.SourceIdentity = str("aws:me") }), "ValidationError", "sourceIdentity"},
		{"duplicate tag keys", base(func(in *AssumeRoleInput) { in.Tags = []Tag{{"a", "1"}, {"A", "2"}} }), "InvalidParameterValue", "case insensitive"},
		{"aws: tag key", base(func(in *AssumeRoleInput) { in.Tags = []Tag{{"aws:x", "1"}} }), "InvalidParameterValue", "reserved"},
		{"transitive key not among tags", base(func(in *AssumeRoleInput) { in.TransitiveTagKeys = []string{"b"} }), "InvalidParameterValue", "transitive"},
		{"MFA", base(func(in *AssumeRoleInput) { in.SerialNumber = str("arn:aws:iam::1:mfa/x") }), "InvalidParameterValue", "MFA is not supported"},
		{"malformed session policy", base(func(in *AssumeRoleInput) { in.Policy = str(`{"Statement":[{"Effect":"Maybe"}]}`) }), "MalformedPolicyDocument", "Effect"},
		{"session policy too long", base(func(in *AssumeRoleInput) { in.Policy = str(strings.Repeat(" ", 3000)) }), "PackedPolicyTooLarge", "%"},
		{"too many tags by size", base(func(in *AssumeRoleInput) {
			for i := range 40 {
				in.Tags = append(in.Tags, Tag{fmt.Sprintf("k%03d", i), strings.Repeat("v", 120)})
			}
		}), "PackedPolicyTooLarge", "Packed policy consumes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.AssumeRole(context.Background(), e.user, tt.in)
			ae := awsproto.As(err)
			if ae == nil || ae.Code != tt.code || !strings.Contains(ae.Message, tt.contains) {
				t.Fatalf("err = %v, want %s containing %q", err, tt.code, tt.contains)
			}
		})
	}
}

func TestChaining(t *testing.T) {
	e := newEnv(t)
	_, app := e.assume(t, e.user, &AssumeRoleInput{RoleArn: appRoleARN, RoleSessionName: "first", ExternalId: str("ext-1"),
		SourceIdentity: str("alice"), Tags: []Tag{{"LakeFormationAuthorizedCaller", "engine1"}, {"plain", "x"}},
		TransitiveTagKeys: []string{"LakeFormationAuthorizedCaller"}})

	// Chained sessions are capped at one hour: asked for more, refused; not asked, capped.
	if _, err := e.svc.AssumeRole(context.Background(), app, &AssumeRoleInput{RoleArn: jobRoleARN, RoleSessionName: "second", DurationSeconds: i32(3601)}); awsproto.As(err) == nil ||
		!strings.Contains(err.Error(), "1 hour session limit for roles assumed by role chaining") {
		t.Fatalf("chained 3601 s: %v", err)
	}
	out, job := e.assume(t, app, &AssumeRoleInput{RoleArn: jobRoleARN, RoleSessionName: "second"})
	if got := out.Credentials.Expiration.Sub(e.clock.now()); got != time.Hour {
		t.Errorf("chained lifetime %v", got)
	}
	s := job.Session
	if !s.Chained || s.SourceIdentity != "alice" || s.RoleARN != jobRoleARN || job.ARN != "arn:aws:sts::"+acct+":assumed-role/job/second" {
		t.Errorf("chained session %+v arn %s", s, job.ARN)
	}
	// Only the transitive tag travels.
	if diff := cmp.Diff([]identity.Tag{{Key: "LakeFormationAuthorizedCaller", Value: "engine1"}}, s.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	// A transitive tag cannot be overridden, and the source identity cannot change.
	_, err := e.svc.AssumeRole(context.Background(), app, &AssumeRoleInput{RoleArn: jobRoleARN, RoleSessionName: "third",
		Tags: []Tag{{"lakeformationauthorizedcaller", "engine2"}}})
	if ae := awsproto.As(err); ae == nil || ae.Code != "InvalidParameterValue" {
		t.Errorf("override transitive tag: %v", err)
	}
	_, err = e.svc.AssumeRole(context.Background(), app, &AssumeRoleInput{RoleArn: jobRoleARN, RoleSessionName: "third", SourceIdentity: str("mallory")})
	if ae := awsproto.As(err); ae == nil || ae.Code != "AccessDenied" {
		t.Errorf("change source identity: %v", err)
	}
}

func TestTokenLifecycle(t *testing.T) {
	e := newEnv(t)
	out, _ := e.assume(t, e.user, &AssumeRoleInput{RoleArn: appRoleARN, RoleSessionName: "s1", ExternalId: str("ext-1"), DurationSeconds: i32(900)})
	ctx := context.Background()
	key, tok := out.Credentials.AccessKeyID, out.Credentials.SessionToken.Reveal()

	if _, err := e.svc.Lookup(ctx, "ASIAOTHEROTHEROTHER0", tok); !errors.Is(err, identity.ErrInvalidToken) {
		t.Errorf("token with another key id: %v", err)
	}
	if _, err := e.svc.Lookup(ctx, key, ""); !errors.Is(err, identity.ErrUnknownAccessKey) {
		t.Errorf("no token: %v", err)
	}
	if _, err := e.svc.Lookup(ctx, "AKIAALICE00000000000", tok); !errors.Is(err, identity.ErrUnknownAccessKey) {
		t.Errorf("long-term key id: %v", err)
	}
	if _, err := e.svc.Lookup(ctx, key, tok[:len(tok)-8]); !errors.Is(err, identity.ErrInvalidToken) {
		t.Errorf("truncated: %v", err)
	}
	// Another replica with the same ring opens it; a foreign ring does not.
	replica := New(acct, e.ring, e.iam, &Options{Now: e.clock.now})
	if _, err := replica.Lookup(ctx, key, tok); err != nil {
		t.Errorf("replica: %v", err)
	}
	foreign, _ := keyring.New(nil)
	if _, err := New(acct, foreign, e.iam, &Options{Now: e.clock.now}).Lookup(ctx, key, tok); !errors.Is(err, identity.ErrInvalidToken) {
		t.Errorf("foreign ring: %v", err)
	}
	// Expiry with the injected clock, also through the cache.
	e.clock.add(899 * time.Second)
	if _, err := e.svc.Lookup(ctx, key, tok); err != nil {
		t.Errorf("just before expiry: %v", err)
	}
	e.clock.add(time.Second)
	if _, err := e.svc.Lookup(ctx, key, tok); !errors.Is(err, identity.ErrExpiredToken) {
		t.Errorf("at expiry: %v", err)
	}
}

// TestConcurrentUse: one credential used from many goroutines at once (Spark executors).
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	out, _ := e.assume(t, e.user, &AssumeRoleInput{RoleArn: appRoleARN, RoleSessionName: "s1", ExternalId: str("ext-1")})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if _, err := e.svc.Lookup(context.Background(), out.Credentials.AccessKeyID, out.Credentials.SessionToken.Reveal()); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestGetSessionToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	out, err := e.svc.GetSessionToken(ctx, e.user, &GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Credentials.Expiration.Sub(e.clock.now()); got != 12*time.Hour {
		t.Errorf("default user lifetime %v", got)
	}
	cred, err := e.svc.Lookup(ctx, out.Credentials.AccessKeyID, out.Credentials.SessionToken.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	if p := cred.Principal; p.Type != identity.IAMUser || p.ARN != userARN || p.UserName != "alice" || p.Session != nil {
		t.Errorf("principal %+v", p)
	}
	if _, err := e.svc.GetSessionToken(ctx, cred.Principal, &GetSessionTokenInput{}); awsproto.As(err) == nil {
		t.Error("session credentials called GetSessionToken")
	}
	root := identity.NewRoot(acct, "AKIAROOT")
	if _, err := e.svc.GetSessionToken(ctx, root, &GetSessionTokenInput{DurationSeconds: i32(7200)}); awsproto.As(err) == nil {
		t.Error("root got more than an hour")
	}
	out, err = e.svc.GetSessionToken(ctx, root, &GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	cred, _ = e.svc.Lookup(ctx, out.Credentials.AccessKeyID, out.Credentials.SessionToken.Reveal())
	if cred.Principal.Type != identity.Root || cred.Principal.ARN != identity.RootARN(acct) {
		t.Errorf("root session principal %+v", cred.Principal)
	}
}

// FuzzToken: no mutation of a valid token is ever accepted.
func FuzzToken(f *testing.F) {
	e := newEnv(f)
	out, _ := e.assume(f, e.user, &AssumeRoleInput{RoleArn: appRoleARN, RoleSessionName: "s1", ExternalId: str("ext-1")})
	tok := out.Credentials.SessionToken.Reveal()
	raw, _ := base64.StdEncoding.DecodeString(tok)
	f.Add(0, byte(1))
	f.Add(len(raw)-1, byte(0x80))
	f.Add(5, byte(0xff))
	f.Fuzz(func(t *testing.T, pos int, flip byte) {
		if flip == 0 || len(raw) == 0 {
			return
		}
		m := append([]byte(nil), raw...)
		m[((pos%len(m))+len(m))%len(m)] ^= flip
		_, err := e.svc.Lookup(context.Background(), out.Credentials.AccessKeyID, base64.StdEncoding.EncodeToString(m))
		if err == nil {
			t.Fatalf("mutated token accepted (pos %d flip %x)", pos, flip)
		}
	})
}

func BenchmarkLookupCached(b *testing.B) {
	e := newEnv(b)
	out, _ := e.assume(b, e.user, &AssumeRoleInput{RoleArn: appRoleARN, RoleSessionName: "s1", ExternalId: str("ext-1")})
	key, tok := out.Credentials.AccessKeyID, out.Credentials.SessionToken.Reveal()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.svc.Lookup(context.Background(), key, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAssumeRole(b *testing.B) {
	e := newEnv(b)
	in := &AssumeRoleInput{RoleArn: appRoleARN, RoleSessionName: "s1", ExternalId: str("ext-1")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.svc.AssumeRole(context.Background(), e.user, in); err != nil {
			b.Fatal(err)
		}
	}
}

type providers map[string]*OIDCProvider

func (p providers) OIDCProviderFor(_ context.Context, issuer string) (*OIDCProvider, error) {
	if pr := p[issuer]; pr != nil {
		return pr, nil
	}
	return nil, errors.New("none")
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	is := oidctest.New()
	defer is.Close()
	e := newEnv(t)
	key := issuerKey(is.URL())
	provARN := identity.ARN("arn:aws:iam::" + acct + ":oidc-provider/" + key)
	e.svc.providers = providers{is.URL(): {ARN: provARN, ClientIDs: []string{"sluice-cli"}}}
	e.svc.oidc = oidc.NewVerifier(&oidc.Options{Client: is.Client()})
	webRole := "arn:aws:iam::" + acct + ":role/web"
	e.iam.roles[webRole] = &Role{Name: "web", ID: "AROAWEBWEBWEBWEBWEBW", ARN: identity.ARN(webRole), MaxSessionDuration: time.Hour,
		Trust: mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"`+string(provARN)+`"},
		 "Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession","sts:SetSourceIdentity"],"Condition":{"StringEquals":{"`+key+`:sub":"alice","`+key+`:aud":"sluice-cli"}}}]}`, policy.Resource)}
	anon := &identity.Principal{}
	ctx := context.Background()
	call := func(tok string) (*AssumeRoleWithWebIdentityOutput, error) {
		return e.svc.AssumeRoleWithWebIdentity(ctx, anon, &AssumeRoleWithWebIdentityInput{RoleArn: webRole, RoleSessionName: "alice-laptop", WebIdentityToken: tok})
	}
	out, err := call(is.Token("alice", "sluice-cli", time.Hour, map[string]any{
		"https://aws.amazon.com/tags":            map[string]any{"principal_tags": map[string]any{"team": []any{"data"}}},
		"https://aws.amazon.com/source_identity": "alice"}))
	if err != nil {
		t.Fatal(err)
	}
	if out.SubjectFromWebIdentityToken != "alice" || out.Audience != "sluice-cli" || out.Provider != key || out.SourceIdentity != "alice" {
		t.Errorf("out = %+v", out)
	}
	cred, err := e.svc.Lookup(ctx, out.Credentials.AccessKeyID, out.Credentials.SessionToken.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	s := cred.Principal.Session
	if cred.Principal.ARN != "arn:aws:sts::"+acct+":assumed-role/web/alice-laptop" || s.Federation == nil || s.Federation.Subject != "alice" ||
		len(s.Tags) != 1 || s.Tags[0].Value != "data" {
		t.Errorf("session %+v", s)
	}
	for name, tc := range map[string]struct{ tok, code string }{
		"another subject":  {is.Token("bob", "sluice-cli", time.Hour, nil), "AccessDenied"},
		"another audience": {is.Token("alice", "other", time.Hour, nil), "InvalidIdentityToken"},
		"expired":          {is.Token("alice", "sluice-cli", -time.Hour, nil), "ExpiredTokenException"},
		"not a token":      {"abcd", "InvalidIdentityToken"},
	} {
		_, err := call(tc.tok)
		if ae := awsproto.As(err); ae == nil || ae.Code != tc.code {
			t.Errorf("%s: err = %v, want %s", name, err, tc.code)
		}
	}
	// An unregistered issuer.
	other := oidctest.New()
	defer other.Close()
	if _, err := call(other.Token("alice", "sluice-cli", time.Hour, nil)); awsproto.As(err) == nil || awsproto.As(err).Code != "InvalidIdentityToken" {
		t.Errorf("unregistered issuer: %v", err)
	}
}

// mapper decides with the mappings package's own pure decision over a fixed list.
type mapper struct {
	all []mappings.Mapping
	err error
}

func (m mapper) MapWebIdentity(_ context.Context, l WebIdentityLogin, role identity.ARN) (bool, bool, error) {
	g, a := mappings.DecideOIDC(m.all, mappings.Login{OIDCIssuer: l.Issuer, OIDCSubject: l.Subject, OIDCGroups: l.Groups}, role)
	return g, a, m.err
}

func TestWebIdentityMappings(t *testing.T) {
	is := oidctest.New()
	defer is.Close()
	key := issuerKey(is.URL())
	provARN := identity.ARN("arn:aws:iam::" + acct + ":oidc-provider/" + key)
	engRole := "arn:aws:iam::" + acct + ":role/eng"
	bareRole := "arn:aws:iam::" + acct + ":role/bare" // no sts:SetSourceIdentity in its trust
	setup := func(m WebIdentityMapper, siClaim string) *env {
		e := newEnv(t)
		e.svc.providers = providers{is.URL(): {ARN: provARN, ClientIDs: []string{"sluice-cli"}}}
		e.svc.oidc = oidc.NewVerifier(&oidc.Options{Client: is.Client()})
		e.svc.mappings = m
		if siClaim != "" {
			e.svc.sourceID = siClaim
		}
		e.iam.roles[engRole] = &Role{Name: "eng", ID: "AROAENGENGENGENGENGE", ARN: identity.ARN(engRole), MaxSessionDuration: time.Hour,
			Trust: mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"`+string(provARN)+`"},
			 "Action":["sts:AssumeRoleWithWebIdentity","sts:SetSourceIdentity"],"Condition":{"StringEquals":{"`+key+`:aud":"sluice-cli"}}}]}`, policy.Resource)}
		e.iam.roles[bareRole] = &Role{Name: "bare", ID: "AROABAREBAREBAREBARE", ARN: identity.ARN(bareRole), MaxSessionDuration: time.Hour,
			Trust: mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"`+string(provARN)+`"},
			 "Action":"sts:AssumeRoleWithWebIdentity"}]}`, policy.Resource)}
		return e
	}
	governed := mapper{all: []mappings.Mapping{
		{OIDCIssuer: is.URL(), OIDCGroup: "eng", RoleARN: identity.ARN(engRole)},
		{OIDCIssuer: is.URL(), OIDCGroup: "eng", RoleARN: identity.ARN(bareRole)},
	}}
	otherIssuer := mapper{all: []mappings.Mapping{{OIDCIssuer: "https://elsewhere.example.com", OIDCGroup: "eng", RoleARN: identity.ARN(engRole)}}}
	tok := func(sub string, extra map[string]any) string { return is.Token(sub, "sluice-cli", time.Hour, extra) }
	eng := map[string]any{"groups": []any{"ops", "eng"}, "email": "alice@example.com"}
	type result struct {
		Code, Message  string
		SourceIdentity string // in the answer and in the session
	}
	for _, tc := range []struct {
		name    string
		m       WebIdentityMapper
		siClaim string
		role    string
		token   string
		want    result
	}{
		{"mapped group: the subject is the source identity", governed, "", engRole, tok("alice", eng), result{SourceIdentity: "alice"}},
		{"a configured claim as source identity", governed, "email", engRole, tok("alice", eng), result{SourceIdentity: "alice@example.com"}},
		{"a missing configured claim falls back to sub", governed, "email", engRole, tok("alice", map[string]any{"groups": "eng"}), result{SourceIdentity: "alice"}},
		{"the token's AWS source identity claim wins", governed, "", engRole,
			tok("alice", map[string]any{"groups": []any{"eng"}, "https://aws.amazon.com/source_identity": "a.person"}), result{SourceIdentity: "a.person"}},
		{"unmapped group", governed, "", engRole, tok("bob", map[string]any{"groups": []any{"sales"}}), result{Code: "AccessDenied",
			Message: "User: " + string(provARN) + " is not authorized to perform: sts:AssumeRoleWithWebIdentity on resource: " + engRole}},
		{"no groups claim", governed, "", engRole, tok("bob", nil), result{Code: "AccessDenied",
			Message: "User: " + string(provARN) + " is not authorized to perform: sts:AssumeRoleWithWebIdentity on resource: " + engRole}},
		{"mapped, but the trust lacks sts:SetSourceIdentity", governed, "", bareRole, tok("alice", eng), result{Code: "AccessDenied",
			Message: "User: " + string(provARN) + " is not authorized to perform: sts:SetSourceIdentity on resource: " + bareRole}},
		{"issuer without mappings: the trust alone", otherIssuer, "", bareRole, tok("bob", nil), result{}},
		{"no mappings service", nil, "", bareRole, tok("bob", nil), result{}},
		{"mappings unreadable", mapper{err: errors.New("disk")}, "", engRole, tok("alice", eng), result{Code: "InternalFailure", Message: "An internal error occurred"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(tc.m, tc.siClaim)
			ctx := context.Background()
			out, err := e.svc.AssumeRoleWithWebIdentity(ctx, &identity.Principal{}, &AssumeRoleWithWebIdentityInput{
				RoleArn: tc.role, RoleSessionName: "laptop", WebIdentityToken: tc.token})
			var got result
			if err != nil {
				ae := awsproto.As(err)
				if ae == nil {
					t.Fatalf("err %v", err)
				}
				got.Code, got.Message = ae.Code, ae.Message
			} else {
				cred, err := e.svc.Lookup(ctx, out.Credentials.AccessKeyID, out.Credentials.SessionToken.Reveal())
				if err != nil {
					t.Fatal(err)
				}
				if cred.Principal.Session.SourceIdentity != out.SourceIdentity {
					t.Errorf("session source identity %q, answer %q", cred.Principal.Session.SourceIdentity, out.SourceIdentity)
				}
				got.SourceIdentity = out.SourceIdentity
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestThrottling(t *testing.T) {
	e := newEnv(t)
	e.svc.limit = newLimiter(Limits{PerPrincipal: 2, Burst: 2}, e.clock.now)
	in := &AssumeRoleInput{RoleArn: appRoleARN, RoleSessionName: "s1", ExternalId: str("ext-1")}
	ctx := context.Background()
	for i := range 2 {
		if _, err := e.svc.AssumeRole(ctx, e.user, in); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	_, err := e.svc.AssumeRole(ctx, e.user, in)
	if ae := awsproto.As(err); ae == nil || ae.Code != "Throttling" {
		t.Fatalf("third call: %v", err)
	}
	// Another principal has its own bucket; time refills.
	other := *e.user
	other.ARN = "arn:aws:iam::" + acct + ":user/bob"
	e.iam.identity[other.ARN] = e.iam.identity[e.user.ARN]
	if _, err := e.svc.AssumeRole(ctx, &other, in); err != nil {
		t.Errorf("other principal: %v", err)
	}
	e.clock.add(time.Second)
	if _, err := e.svc.AssumeRole(ctx, e.user, in); err != nil {
		t.Errorf("after refill: %v", err)
	}
}

func TestDecodeAuthorizationMessage(t *testing.T) {
	e := newEnv(t)
	blob, err := authzmsg.Encode(e.ring, &authzmsg.Message{Reason: "no identity-based policy allows",
		Context: authzmsg.Context{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := e.svc.DecodeAuthorizationMessage(ctx, e.user, &DecodeAuthorizationMessageInput{EncodedMessage: blob}); awsproto.As(err) == nil || awsproto.As(err).Code != "AccessDenied" {
		t.Errorf("without permission: %v", err)
	}
	root := identity.NewRoot(acct, "AKIAROOT")
	out, err := e.svc.DecodeAuthorizationMessage(ctx, root, &DecodeAuthorizationMessageInput{EncodedMessage: blob})
	if err != nil || !strings.Contains(out.DecodedMessage, `"action":"s3:GetObject"`) {
		t.Errorf("decode = %v, %v", out, err)
	}
	if _, err := e.svc.DecodeAuthorizationMessage(ctx, root, &DecodeAuthorizationMessageInput{EncodedMessage: "garbage"}); awsproto.As(err) == nil {
		t.Error("garbage decoded")
	}
}

func TestVend(t *testing.T) {
	e := newEnv(t)
	role := e.iam.roles[appRoleARN]
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/t/*"}]}`
	creds, arn, err := e.svc.Vend(context.Background(), VendRequest{Role: role, SessionName: "AWSLF-00-NA-123456789012-x1", InlinePolicy: doc, Duration: time.Hour, Caller: e.user})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := e.svc.Lookup(context.Background(), creds.AccessKeyID, creds.SessionToken.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	if cred.Principal.ARN != arn || cred.Principal.Session.InlinePolicy != doc || !cred.Principal.Session.HasPolicies() {
		t.Errorf("vended principal %+v", cred.Principal)
	}
	if _, _, err := e.svc.Vend(context.Background(), VendRequest{Role: role, SessionName: "x1", Duration: time.Hour}); err == nil {
		t.Error("vended without a session policy")
	}
}

func TestAssumeRoleWithLogin(t *testing.T) {
	e := newEnv(t)
	realm := identity.ARN("arn:aws:iam::" + acct + ":kerberos-realm/EXAMPLE.COM")
	krbRole := "arn:aws:iam::" + acct + ":role/blog-allowEMRFSAccessForUser1"
	e.iam.roles[krbRole] = &Role{Name: "blog-allowEMRFSAccessForUser1", ID: "AROAKRBKRBKRBKRBKRBK", ARN: identity.ARN(krbRole), MaxSessionDuration: time.Hour,
		Trust: mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"`+string(realm)+`"},
		 "Action":["sts:AssumeRoleWithKerberos","sts:SetSourceIdentity"],"Condition":{"StringEquals":{"kerberos:principal":"user1@EXAMPLE.COM"}}}]}`, policy.Resource)}
	login := func(who string) error {
		_, err := e.svc.AssumeRoleWithLogin(context.Background(), Login{Provider: realm, Subject: who, Action: "sts:AssumeRoleWithKerberos",
			Keys: map[string]string{"kerberos:principal": who}, RoleARN: krbRole, SessionName: "user1-session"})
		return err
	}
	if err := login("user1@EXAMPLE.COM"); err != nil {
		t.Fatal(err)
	}
	if err := login("user2@EXAMPLE.COM"); awsproto.As(err) == nil || awsproto.As(err).Code != "AccessDenied" {
		t.Errorf("user2: %v", err)
	}
	// An IAM user with sts:AssumeRole cannot bypass the Kerberos trust.
	if _, err := e.svc.AssumeRole(context.Background(), e.user, &AssumeRoleInput{RoleArn: krbRole, RoleSessionName: "sneak"}); awsproto.As(err) == nil {
		t.Error("IAM user assumed a Kerberos-only role")
	}
	if got := sanitizeSourceIdentity("user1/admin@EXAMPLE.COM"); got != "user1_admin@EXAMPLE.COM" {
		t.Errorf("sanitize = %s", got)
	}
}
