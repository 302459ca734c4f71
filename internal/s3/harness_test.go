package s3_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/blob/localfs"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/s3"
	"github.com/sluicehq/sluice/internal/secret"
	"github.com/sluicehq/sluice/internal/server"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

const account = "123456789012"

// caller is one test identity: an access key and the principal it authenticates as.
type caller struct {
	key, secret string
	principal   *identity.Principal
}

var (
	root  = caller{"AKIAROOTROOTROOTROOT", "rootsecretrootsecretrootsecretrootsecret", identity.NewRoot(account, "AKIAROOTROOTROOTROOT")}
	alice = caller{"AKIAALICEALICEALICE1", "alicesecretalicesecretalicesecretalice12", &identity.Principal{
		Type: identity.IAMUser, Account: account, ARN: "arn:aws:iam::123456789012:user/alice", ID: "AIDAALICE", UserName: "alice"}}
	bob = caller{"AKIABOBBOBBOBBOBBOB1", "bobsecretbobsecretbobsecretbobsecret1234", &identity.Principal{
		Type: identity.IAMUser, Account: account, ARN: "arn:aws:iam::123456789012:user/bob", ID: "AIDABOB", UserName: "bob"}}
	tenantA = caller{"ASIATENANTATENANTA01", "tenantsecrettenantsecrettenantsecret1234", &identity.Principal{
		Type: identity.AssumedRole, Account: account, ARN: "arn:aws:sts::123456789012:assumed-role/job/tenant-a", ID: "AROAJOB:tenant-a",
		Session: &identity.Session{RoleARN: "arn:aws:iam::123456789012:role/job", RoleName: "job", Name: "tenant-a",
			InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::data/tenant-a/*"]}]}`}}}
	callers = []caller{root, alice, bob, tenantA}
)

type resolver struct{}

func (resolver) Lookup(_ context.Context, id identity.AccessKeyID, _ string) (*identity.Credential, error) {
	for _, c := range callers {
		if c.key == string(id) {
			return &identity.Credential{Secret: secret.New(c.secret), Principal: c.principal}, nil
		}
	}
	return nil, identity.ErrUnknownAccessKey
}

// authorizer evaluates with the policy engine directly: identity policies per principal ARN
// (a session uses its role's), the session policy, the bucket policy. It is what iam.Authorize
// does, minus the store.
type authorizer struct {
	identity map[string][]*policy.Policy
	calls    int
}

func (a *authorizer) Authorize(_ context.Context, p *identity.Principal, req s3.AuthzRequest) error {
	a.calls++
	set := &policy.Set{Resource: req.ResourcePolicy}
	pr := policy.Principal{ARN: string(p.ARN), Account: string(p.Account), IsRoot: p.Type == identity.Root}
	owner := string(p.ARN)
	if p.Session != nil {
		pr.RoleARN = string(p.Session.RoleARN)
		owner = pr.RoleARN
		if p.Session.InlinePolicy != "" {
			sp, err := policy.Parse([]byte(p.Session.InlinePolicy), policy.Session)
			if err != nil {
				return err
			}
			set.HasSession, set.Session = true, []*policy.Policy{sp}
		}
	}
	if p.Type != identity.Anonymous {
		set.Identity = a.identity[owner]
	}
	cond := req.Context
	if cond == nil {
		cond = policy.NewContext()
	}
	if p.UserName != "" {
		cond.Set("aws:username", p.UserName) // a global key the real authorizer adds
	}
	res := policy.Evaluate(set, &policy.Request{Action: req.Action, Resource: req.Resource, Principal: pr, Context: cond})
	if res.Decision != policy.Allow {
		return awsproto.AccessDenied("%s", res.Message(string(p.ARN), req.Action, req.Resource))
	}
	return nil
}

type env struct {
	t     *testing.T
	svc   *s3.Service
	url   string
	authz *authorizer
	dir   string
}

// newEnv starts the whole server (SigV4, routing) with the S3 service on localfs in a temp dir.
// policies maps principal or role ARNs to identity policy documents.
func newEnv(t *testing.T, policies map[string][]string) *env {
	t.Helper()
	az := &authorizer{identity: map[string][]*policy.Policy{}}
	for arn, docs := range policies {
		for _, d := range docs {
			p, err := policy.Parse([]byte(d), policy.Identity)
			if err != nil {
				t.Fatalf("policy for %s: %v", arn, err)
			}
			az.identity[arn] = append(az.identity[arn], p)
		}
	}
	dir := t.TempDir()
	fs, err := localfs.Open(dir, &localfs.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	svc := s3.New(account, memstore.New(nil), fs, az, &s3.Options{MinPartSize: 1 << 10, Domain: "s3.test"})
	srv := server.New(server.Config{
		Account: account, Region: "us-east-1",
		Credentials: []server.CredentialResolver{resolver{}},
		Services:    map[string]awsproto.Handler{"s3": svc},
	})
	srv.SetReady(true)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &env{t: t, svc: svc, url: hs.URL, authz: az, dir: dir}
}

func (e *env) client(c caller) *s3sdk.Client {
	return s3sdk.New(s3sdk.Options{
		BaseEndpoint: aws.String(e.url),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(c.key, c.secret, ""),
		UsePathStyle: true,
		HTTPClient:   http.DefaultClient,
	})
}

type response struct {
	*http.Response
	body string
}

// signedDo signs req with SigV4 (payload hash over its body; req.Body must be re-readable via
// GetBody or nil) as c and sends it. A nil caller sends it unsigned.
func signedDo(t *testing.T, req *http.Request, c *caller) response {
	t.Helper()
	var payload []byte
	if req.Body != nil {
		payload, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(payload))
	}
	if c != nil {
		sum := sha256.Sum256(payload)
		ph := hex.EncodeToString(sum[:])
		if req.Header.Get("X-Amz-Content-Sha256") == "" {
			req.Header.Set("X-Amz-Content-Sha256", ph)
		} else {
			ph = req.Header.Get("X-Amz-Content-Sha256")
		}
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: c.key, SecretAccessKey: c.secret}, req, ph, "s3", "us-east-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp, string(b)}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}
