package oidclogin

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/filelock"
	"github.com/sluicehq/sluice/internal/oidc"
	"github.com/sluicehq/sluice/internal/oidc/oidctest"
)

const (
	clientID = "sluice-cli"
	roleARN  = "arn:aws:iam::123456789012:role/analyst"
)

// clock is the test's time: the client sleeps by moving it.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	skew time.Duration // added for the issuer only
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) issuerNow() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t.Add(c.skew)
}
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fakeSTS answers AssumeRoleWithWebIdentity as AWS's query protocol does, verifying the token
// with the real verifier; subjects in deny are refused.
type fakeSTS struct {
	*httptest.Server
	mu    sync.Mutex
	calls []stsCall
	deny  map[string]bool
}

type stsCall struct{ Role, Session, Subject string }

func newSTS(t *testing.T, is *oidctest.Issuer, c *clock) *fakeSTS {
	f := &fakeSTS{deny: map[string]bool{}}
	v := oidc.NewVerifier(&oidc.Options{Client: is.Client(), Now: c.now})
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fail := func(status int, code, msg string) {
			w.WriteHeader(status)
			fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error></ErrorResponse>`, code, msg)
		}
		r.ParseForm()
		if r.Header.Get("Authorization") != "" || r.PostForm.Get("Action") != "AssumeRoleWithWebIdentity" || r.PostForm.Get("Version") != "2011-06-15" {
			fail(400, "InvalidAction", "want an unsigned AssumeRoleWithWebIdentity")
			return
		}
		claims, err := v.Verify(r.Context(), is.URL(), r.PostForm.Get("WebIdentityToken"))
		if err != nil || !slices.Contains(claims.Audience, clientID) {
			fail(400, "InvalidIdentityToken", "The web identity token could not be verified")
			return
		}
		f.mu.Lock()
		f.calls = append(f.calls, stsCall{r.PostForm.Get("RoleArn"), r.PostForm.Get("RoleSessionName"), claims.Subject})
		denied := f.deny[claims.Subject]
		f.mu.Unlock()
		if denied {
			fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
			return
		}
		type creds struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
		xml.NewEncoder(w).Encode(struct {
			XMLName xml.Name `xml:"AssumeRoleWithWebIdentityResponse"`
			Creds   creds    `xml:"AssumeRoleWithWebIdentityResult>Credentials"`
		}{Creds: creds{fmt.Sprintf("ASIA%016d", len(f.calls)), "secret-" + claims.Subject, "session-token-" + claims.Subject,
			c.now().Add(time.Hour).UTC().Format(time.RFC3339)}})
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSTS) Calls() []stsCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

type env struct {
	is     *oidctest.Issuer
	sts    *fakeSTS
	clock  *clock
	dir    string
	logs   *bytes.Buffer
	sleeps []time.Duration
	// script says what the person does during each of the client's sleeps.
	script  []string
	prompts []Prompt
}

func newEnv(t *testing.T) *env {
	c := &clock{t: time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)}
	is := oidctest.NewWithOptions(&oidctest.Options{Now: c.issuerNow})
	t.Cleanup(is.Close)
	return &env{is: is, sts: newSTS(t, is, c), clock: c, dir: filepath.Join(t.TempDir(), "cache"), logs: &bytes.Buffer{}}
}

// client returns a login client whose sleeps play the script: "" waits, "early" wakes a second
// early, "approve:SUB:GROUP" and "deny" act at the issuer, "expire" lets 11 minutes pass,
// "issuer-expire" moves only the issuer's clock past the code's expiry.
func (e *env) client(t *testing.T, cacheDir string) *Client {
	c, err := New(Config{Endpoint: e.sts.URL, Issuer: e.is.URL(), ClientID: clientID, RoleARN: roleARN}, &Options{
		IssuerClient: e.is.Client(),
		Now:          e.clock.now,
		CacheDir:     cacheDir,
		Logger:       slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Prompt:       func(p Prompt) { e.prompts = append(e.prompts, p) },
		Sleep: func(ctx context.Context, d time.Duration) error {
			e.sleeps = append(e.sleeps, d)
			step := ""
			if len(e.script) > 0 {
				step, e.script = e.script[0], e.script[1:]
			}
			code := e.prompts[len(e.prompts)-1].UserCode
			switch {
			case step == "early":
				e.clock.add(d - time.Second)
				return nil
			case strings.HasPrefix(step, "approve:"):
				who := strings.Split(step, ":")
				if err := e.is.Approve(code, who[1], map[string]any{"groups": []any{who[2]}}); err != nil {
					t.Errorf("approve: %v", err)
				}
			case step == "deny":
				e.is.Deny(code)
			case step == "expire":
				e.clock.add(11 * time.Minute)
			case step == "issuer-expire":
				e.clock.mu.Lock()
				e.clock.skew = 11 * time.Minute
				e.clock.mu.Unlock()
			}
			e.clock.add(d)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDeviceFlow(t *testing.T) {
	for _, tc := range []struct {
		name      string
		script    []string
		deny      string
		wantKind  Kind
		wantCode  string
		wantSleep []time.Duration
		wantPolls int
	}{
		{name: "pending, slow_down, approve", script: []string{"", "early", "approve:alice:eng"},
			wantSleep: []time.Duration{5 * time.Second, 5 * time.Second, 10 * time.Second}, wantPolls: 3},
		{name: "approved at once", script: []string{"approve:alice:eng"}, wantSleep: []time.Duration{5 * time.Second}, wantPolls: 1},
		{name: "denied", script: []string{"", "deny"}, wantKind: Denied, wantCode: "access_denied",
			wantSleep: []time.Duration{5 * time.Second, 5 * time.Second}, wantPolls: 2},
		{name: "expired before polling", script: []string{"", "expire"}, wantKind: Expired,
			wantSleep: []time.Duration{5 * time.Second, 5 * time.Second}, wantPolls: 1},
		{name: "expired at the issuer", script: []string{"", "issuer-expire"}, wantKind: Expired, wantCode: "expired_token",
			wantSleep: []time.Duration{5 * time.Second, 5 * time.Second}, wantPolls: 2},
		{name: "refused by Sluice", script: []string{"approve:mallory:sales"}, deny: "mallory", wantKind: Refused, wantCode: "AccessDenied",
			wantSleep: []time.Duration{5 * time.Second}, wantPolls: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.script = tc.script
			if tc.deny != "" {
				e.sts.deny[tc.deny] = true
			}
			creds, err := e.client(t, "").Credentials(context.Background())
			var got struct {
				Kind  Kind
				Code  string
				Sleep []time.Duration
				Polls int
			}
			got.Sleep, got.Polls = e.sleeps, e.is.Requests().DeviceTokenPolls
			if err != nil {
				var le *Error
				if !errors.As(err, &le) {
					t.Fatalf("error %T %v", err, err)
				}
				got.Kind, got.Code = le.Kind, le.Code
			}
			want := struct {
				Kind  Kind
				Code  string
				Sleep []time.Duration
				Polls int
			}{tc.wantKind, tc.wantCode, tc.wantSleep, tc.wantPolls}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if len(e.prompts) != 1 || !regexp.MustCompile(`^[A-Z]{4}-[A-Z]{4}$`).MatchString(e.prompts[0].UserCode) ||
				e.prompts[0].VerificationURI != e.is.URL()+"/device" || !strings.Contains(e.prompts[0].VerificationURIComplete, e.prompts[0].UserCode) {
				t.Errorf("prompts %+v", e.prompts)
			}
			if tc.wantKind == 0 {
				if creds.AccessKeyID == "" || creds.SecretAccessKey.Reveal() != "secret-alice" || !creds.Expiration.Equal(e.clock.now().Add(time.Hour).Truncate(time.Second)) {
					t.Errorf("credentials %+v", creds)
				}
				if diff := cmp.Diff([]stsCall{{roleARN, "alice", "alice"}}, e.sts.Calls()); diff != "" {
					t.Errorf("STS calls (-want +got)\n%s", diff)
				}
			}
		})
	}
}

func TestCache(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	login := func(script ...string) *Credentials {
		t.Helper()
		e.script = script
		creds, err := e.client(t, e.dir).Credentials(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return creds
	}
	first := login("approve:alice:eng")
	path := CachePath(e.dir, Config{Endpoint: e.sts.URL, Issuer: e.is.URL(), ClientID: clientID, RoleARN: roleARN})

	// Modes: a private directory and file.
	for p, want := range map[string]os.FileMode{e.dir: 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, %v; want %v", p, fi.Mode().Perm(), err, want)
		}
	}
	var stored entry
	data, _ := os.ReadFile(path)
	json.Unmarshal(data, &stored)
	if stored.RefreshToken == "" || stored.AccessKeyID != first.AccessKeyID || strings.Contains(string(data), "id_token") {
		t.Errorf("cache file %s", data)
	}

	// Valid credentials: nothing is asked of the issuer or Sluice.
	before, calls := e.is.Requests(), len(e.sts.Calls())
	if got := login(); got.AccessKeyID != first.AccessKeyID {
		t.Errorf("cached credentials not reused: %s", got.AccessKeyID)
	}
	if e.is.Requests() != before || len(e.sts.Calls()) != calls || len(e.prompts) != 1 {
		t.Errorf("a cache hit asked the issuer (%+v → %+v) or STS (%d → %d calls)", before, e.is.Requests(), calls, len(e.sts.Calls()))
	}

	// Close to expiry: the refresh token gets a new ID token, without a prompt.
	e.clock.add(55 * time.Minute)
	second := login()
	if second.AccessKeyID == first.AccessKeyID || len(e.prompts) != 1 || e.is.Requests().Refreshes != 1 || e.is.Requests().DeviceAuthorizations != 1 {
		t.Errorf("refresh: key %s, %d prompts, %+v", second.AccessKeyID, len(e.prompts), e.is.Requests())
	}

	// A revoked refresh token: the device flow again.
	e.is.RevokeRefreshTokens()
	e.clock.add(55 * time.Minute)
	login("approve:alice:eng")
	if len(e.prompts) != 2 || e.is.Requests().DeviceAuthorizations != 2 {
		t.Errorf("after revocation: %d prompts, %+v", len(e.prompts), e.is.Requests())
	}

	// A cache file readable by others is not trusted.
	os.Chmod(path, 0o644)
	login("approve:alice:eng")
	if len(e.prompts) != 3 {
		t.Errorf("a group-readable cache file was used")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file rewritten with mode %v", fi.Mode().Perm())
	}

	// No cache: every call signs in.
	e.script = []string{"approve:alice:eng"}
	if _, err := e.client(t, "").Credentials(ctx); err != nil || len(e.prompts) != 4 {
		t.Errorf("without a cache: %v, %d prompts", err, len(e.prompts))
	}

	// Nothing secret reached the logs.
	data, _ = os.ReadFile(path)
	json.Unmarshal(data, &stored)
	for _, s := range []string{stored.RefreshToken, stored.SecretAccessKey, stored.SessionToken, "secret-alice", "eyJ"} {
		if s != "" && strings.Contains(e.logs.String(), s) {
			t.Errorf("the logs hold a secret %q:\n%s", s, e.logs)
		}
	}
}

// TestCacheLock: while another process holds the cache lock (it is signing in or refreshing),
// a login waits for it and then takes the credentials it cached, asking the issuer nothing.
func TestCacheLock(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.script = []string{"approve:alice:eng"}
	if _, err := e.client(t, e.dir).Credentials(ctx); err != nil {
		t.Fatal(err)
	}
	e.clock.add(55 * time.Minute) // within the margin: the cached credentials are not used as they are
	before := e.is.Requests()
	c := e.client(t, e.dir)
	held, err := filelock.TryLock(c.path() + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		creds *Credentials
		err   error
	}
	done := make(chan result, 1)
	go func() {
		creds, err := c.Credentials(ctx)
		done <- result{creds, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("login did not wait for the lock: %+v", r)
	case <-time.After(300 * time.Millisecond):
	}
	// The other process finishes its login.
	c.save(&entry{AccessKeyID: "ASIAOTHERPROCESS", SecretAccessKey: "s", SessionToken: "t", Expiration: e.clock.now().Add(time.Hour)})
	held.Close()
	r := <-done
	if r.err != nil || r.creds.AccessKeyID != "ASIAOTHERPROCESS" {
		t.Fatalf("after the lock: %+v", r)
	}
	if after := e.is.Requests(); after != before {
		t.Errorf("the waiting login asked the issuer: %+v → %+v", before, after)
	}
}

// A refused login keeps the refresh token (it was rotated) but caches no credentials.
func TestRefusedKeepsRefreshToken(t *testing.T) {
	e := newEnv(t)
	e.sts.deny["bob"] = true
	e.script = []string{"approve:bob:sales"}
	if _, err := e.client(t, e.dir).Credentials(context.Background()); KindOf(err) != Refused {
		t.Fatalf("err = %v", err)
	}
	data, err := os.ReadFile(CachePath(e.dir, Config{Endpoint: e.sts.URL, Issuer: e.is.URL(), ClientID: clientID, RoleARN: roleARN}))
	var stored entry
	if err != nil || json.Unmarshal(data, &stored) != nil || stored.RefreshToken == "" || stored.AccessKeyID != "" {
		t.Errorf("cache after a refusal: %s %v", data, err)
	}
	// Once mapped, the next call needs no prompt.
	delete(e.sts.deny, "bob")
	if _, err := e.client(t, e.dir).Credentials(context.Background()); err != nil || len(e.prompts) != 1 {
		t.Errorf("after mapping: %v, %d prompts", err, len(e.prompts))
	}
}

func TestNew(t *testing.T) {
	ok := Config{Endpoint: "http://127.0.0.1:9876", Issuer: "https://idp.example.com", ClientID: "c", RoleARN: roleARN}
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   Kind
	}{
		{"ok", func(*Config) {}, 0},
		{"no client", func(c *Config) { c.ClientID = "" }, Invalid},
		{"http issuer", func(c *Config) { c.Issuer = "http://idp.example.com" }, Invalid},
		{"not a URL", func(c *Config) { c.Endpoint = "127.0.0.1:9876" }, Invalid},
		{"not a role", func(c *Config) { c.RoleARN = "analyst" }, Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.change(&cfg)
			_, err := New(cfg, nil)
			if got := KindOf(err); got != tc.want {
				t.Errorf("kind %v (%v), want %v", got, err, tc.want)
			}
		})
	}
	c, _ := New(Config{Endpoint: "http://x/", Issuer: "https://i", ClientID: "c", RoleARN: roleARN, Scopes: []string{"groups"}}, nil)
	if diff := cmp.Diff([]string{"openid", "groups"}, c.cfg.Scopes); diff != "" {
		t.Errorf("scopes (-want +got)\n%s", diff)
	}
}

func TestIssuerWithoutDeviceFlow(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer": "https://%s", "jwks_uri": "https://%s/keys"}`, r.Host, r.Host)
	}))
	defer srv.Close()
	c, err := New(Config{Endpoint: "http://127.0.0.1:1", Issuer: srv.URL, ClientID: "c", RoleARN: roleARN}, &Options{IssuerClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Credentials(context.Background()); KindOf(err) != IssuerError || !strings.Contains(err.Error(), "device") {
		t.Errorf("err = %v", err)
	}
}

var sessionNameCases = []struct{ in, want string }{
	{"alice", "alice"},
	{"alice@example.com", "alice@example.com"},
	{"auth0|5f7c8ec7c33c6c004bbafe82", "auth0_5f7c8ec7c33c6c004bbafe82"},
	{"a", "a_"},
	{"", "__"},
	{"ünïcode", "__n__code"},
	{strings.Repeat("x", 70), strings.Repeat("x", 64)},
}

func TestSessionName(t *testing.T) {
	for _, tc := range sessionNameCases {
		if got := SessionName(tc.in); got != tc.want {
			t.Errorf("SessionName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func FuzzSessionName(f *testing.F) {
	for _, tc := range sessionNameCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, sub string) {
		got := SessionName(sub)
		if !sessionNameRE.MatchString(got) {
			t.Fatalf("SessionName(%q) = %q is not a session name", sub, got)
		}
		if sessionNameRE.MatchString(sub) && got != sub {
			t.Fatalf("a valid name %q was changed to %q", sub, got)
		}
	})
}

func BenchmarkCachedCredentials(b *testing.B) {
	dir := b.TempDir()
	cfg := Config{Endpoint: "http://127.0.0.1:9876", Issuer: "https://idp.example.com", ClientID: clientID, RoleARN: roleARN}
	now := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	c, err := New(cfg, &Options{CacheDir: dir, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	c.save(&entry{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "s", SessionToken: strings.Repeat("t", 600), Expiration: now.Add(time.Hour), RefreshToken: "r"})
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Credentials(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
