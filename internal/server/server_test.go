package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/rootkeys"
	"github.com/sluicehq/sluice/internal/secret"
)

const (
	keyID  = "AKIAIOSFODNN7EXAMPLE"
	secKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

type who struct {
	ARN    string `xml:"Arn"`
	Action string `xml:"Action"`
}

func testServer(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	root := &rootkeys.Keys{Account: "123456789012", AccessKeyID: keyID, Secret: secret.New(secKey)}
	stsRouter := &awsproto.QueryRouter{Service: awsproto.STS, Version: "2011-06-15", Ops: map[string]awsproto.QueryOp{
		"GetCallerIdentity": func(ctx context.Context, c *awsproto.Call, _ url.Values) (any, error) {
			if identity.FromContext(ctx) != c.Principal || awsproto.CallFrom(ctx) != c {
				return nil, errors.New("context does not carry the call")
			}
			return &who{ARN: string(c.Principal.ARN)}, nil
		},
		"AssumeRoleWithWebIdentity": func(_ context.Context, c *awsproto.Call, p url.Values) (any, error) {
			return &who{ARN: c.Principal.Type.String(), Action: p.Get("RoleArn")}, nil
		},
		"Panic": func(context.Context, *awsproto.Call, url.Values) (any, error) { panic("boom") },
	}}
	s := New(Config{
		Account:     "123456789012",
		Region:      "us-east-1",
		Credentials: []CredentialResolver{root},
		Services:    map[string]awsproto.Handler{"sts": stsRouter},
	})
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs
}

func sign(t *testing.T, r *http.Request, body, service string) *http.Request {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secKey},
		r, hex.EncodeToString(sum[:]), service, "eu-west-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}

func post(t *testing.T, url, body, service string, signed bool) (int, string) {
	t.Helper()
	r, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if signed {
		sign(t, r, body, service)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestRouting(t *testing.T) {
	s, hs := testServer(t)
	s.SetReady(true)
	tests := []struct {
		name       string
		body       string
		service    string
		signed     bool
		wantStatus int
		want       string
	}{
		{"signed sts", "Action=GetCallerIdentity&Version=2011-06-15", "sts", true, 200, "<Arn>arn:aws:iam::123456789012:root</Arn>"},
		{"region from the scope is accepted", "Action=GetCallerIdentity", "sts", true, 200, "<GetCallerIdentityResult>"},
		{"unknown action", "Action=Nope&Version=2011-06-15", "sts", true, 400, "<Code>InvalidAction</Code>"},
		{"missing action", "Version=2011-06-15", "sts", true, 400, "<Code>MissingAction</Code>"},
		{"wrong version", "Action=GetCallerIdentity&Version=2010-05-08", "sts", true, 400, "<Code>InvalidAction</Code>"},
		{"service not served", "Action=ListUsers&Version=2010-05-08", "iam", true, 400, "<Code>InvalidAction</Code>"},
		{"unsigned sts", "Action=GetCallerIdentity&Version=2011-06-15", "", false, 403, "<Code>MissingAuthenticationToken</Code>"},
		{"unsigned web identity", "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=r1", "", false, 200, "<Arn>Anonymous</Arn><Action>r1</Action>"},
		{"panic is an internal error", "Action=Panic&Version=2011-06-15", "sts", true, 500, "<Code>InternalFailure</Code>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, hs.URL, tt.body, tt.service, tt.signed)
			if status != tt.wantStatus || !strings.Contains(body, tt.want) {
				t.Errorf("got %d %s\nwant %d %s", status, body, tt.wantStatus, tt.want)
			}
			if strings.Contains(body, "boom") {
				t.Errorf("panic text leaked: %s", body)
			}
		})
	}
}

func TestErrorShapeFollowsProtocol(t *testing.T) {
	s, hs := testServer(t)
	s.SetReady(true)
	// An unsigned GET of an object gets S3's XML error; S3 is not served, so anonymous is refused.
	resp, err := http.Get(hs.URL + "/bucket/key")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(data), "<Error><Code>AccessDenied</Code>") || resp.Header.Get("x-amz-request-id") == "" {
		t.Errorf("S3-shaped request: %d %s", resp.StatusCode, data)
	}
	// A JSON 1.1 request without a signature gets the JSON shape.
	r, _ := http.NewRequest(http.MethodPost, hs.URL+"/", strings.NewReader("{}"))
	r.Header.Set("X-Amz-Target", "AWSGlue.GetDatabases")
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err = http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	data, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" || !strings.Contains(string(data), `"__type"`) {
		t.Errorf("JSON-shaped request: %d %v %s", resp.StatusCode, resp.Header, data)
	}
}

func TestHealth(t *testing.T) {
	s, hs := testServer(t)
	get := func() int {
		resp, err := http.Get(hs.URL + "/_sluice/health")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(); got != 503 {
		t.Errorf("before ready: %d", got)
	}
	s.SetReady(true)
	if got := get(); got != 200 {
		t.Errorf("ready: %d", got)
	}
	s.cfg.Health = func(context.Context) error { return errors.New("store down") }
	if got := get(); got != 503 {
		t.Errorf("store down: %d", got)
	}
	s.cfg.Health = nil
	s.SetReady(false)
	if got := get(); got != 503 {
		t.Errorf("draining: %d", got)
	}
}

// A request that arrives while the store is still opening is held, then served; one that waits
// longer than StartWait is told to retry, in its service's error shape.
func TestRequestsWaitForStart(t *testing.T) {
	s, hs := testServer(t)
	type result struct {
		status int
		body   string
	}
	done := make(chan result, 1)
	r, _ := http.NewRequest(http.MethodPost, hs.URL+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sign(t, r, "Action=GetCallerIdentity&Version=2011-06-15", "sts")
	go func() {
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			done <- result{body: err.Error()}
			return
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{resp.StatusCode, string(data)}
	}()
	select {
	case got := <-done:
		t.Fatalf("answered before the server was ready: %d %s", got.status, got.body)
	case <-time.After(50 * time.Millisecond):
	}
	s.SetReady(true)
	if got := <-done; got.status != 200 || !strings.Contains(got.body, "<Arn>arn:aws:iam::123456789012:root</Arn>") {
		t.Errorf("held request: %d %s", got.status, got.body)
	}
	s.SetReady(false) // draining still serves
	if status, body := post(t, hs.URL, "Action=GetCallerIdentity&Version=2011-06-15", "sts", true); status != 200 {
		t.Errorf("while draining: %d %s", status, body)
	}

	s2, hs2 := testServer(t)
	s2.cfg.StartWait = time.Millisecond
	status, body := post(t, hs2.URL, "Action=GetCallerIdentity&Version=2011-06-15", "sts", true)
	if status != 503 || !strings.Contains(body, "<Code>ServiceUnavailable</Code>") || !strings.Contains(body, "starting") {
		t.Errorf("start timed out: %d %s", status, body)
	}
	resp, err := http.Get(hs2.URL + "/_sluice/metrics")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(data), `sluice_requests_total{code="503",operation="unknown",service="sts"} 1`) {
		t.Errorf("the refused request is not counted:\n%s", data)
	}
}

func TestMetricsLabelsAreBounded(t *testing.T) {
	s, hs := testServer(t)
	s.SetReady(true)
	post(t, hs.URL, "Action=Attacker"+strings.Repeat("X", 50)+"&Version=2011-06-15", "sts", true)
	resp, err := http.Get(hs.URL + "/_sluice/metrics")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(data), "Attacker") {
		t.Error("a client-chosen operation name became a metric label")
	}
	if !strings.Contains(string(data), `sluice_requests_total{code="400",operation="unknown",service="sts"} 1`) {
		t.Errorf("no unknown-operation count:\n%s", data)
	}
}

func TestRequestIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newRequestID()
		if len(id) != 36 || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}

func TestNativeAPI(t *testing.T) {
	root := &rootkeys.Keys{Account: "123456789012", AccessKeyID: keyID, Secret: secret.New(secKey)}
	native := awsproto.NewNativeRouter()
	native.Handle("GET /_sluice/v1/whoami/{name}", "WhoAmI", func(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
		awsproto.Sluice.WriteJSON(w, r, c.RequestID, map[string]string{"arn": string(c.Principal.ARN), "name": r.PathValue("name")})
	})
	s := New(Config{Account: "123456789012", Region: "us-east-1", Credentials: []CredentialResolver{root},
		Services: map[string]awsproto.Handler{"sluice": native, "sts": &awsproto.QueryRouter{Service: awsproto.STS, Version: "2011-06-15"}}})
	s.SetReady(true)
	hs := httptest.NewServer(s)
	defer hs.Close()
	get := func(path, service string) (int, string) {
		r, _ := http.NewRequest(http.MethodGet, hs.URL+path, nil)
		if service != "" {
			sign(t, r, "", service)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		path, service string
		status        int
		want          string
	}{
		{"/_sluice/v1/whoami/x", "sluice", 200, `"arn":"arn:aws:iam::123456789012:root"`},
		{"/_sluice/v1/whoami/x", "sluice", 200, `"name":"x"`},
		{"/_sluice/v1/nope", "sluice", 404, "UnknownOperationException"},
		{"/_sluice/v1/whoami/x", "sts", 400, "InvalidAction"},
		{"/_sluice/v1/whoami/x", "", 403, "MissingAuthenticationTokenException"},
		{"/_sluice/health", "", 200, "ok"},
	} {
		status, body := get(tc.path, tc.service)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s signed for %q: %d %s, want %d %s", tc.path, tc.service, status, body, tc.status, tc.want)
		}
	}
}
