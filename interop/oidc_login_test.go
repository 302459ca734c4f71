package interop

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/daemon"
	"github.com/sluicehq/sluice/internal/oidc/oidctest"
)

var userCodeRE = regexp.MustCompile(`enter the code ([A-Z]{4}-[A-Z]{4})`)

// TestOIDCLogin: people sign in at an OIDC issuer on 127.0.0.1 with the device flow, through the
// real `sluice creds --oidc` run by the aws CLI as its credential_process. A group mapping
// decides who gets the role; the second call is served from the cache; the person is the
// session's source identity in the audit trail.
func TestOIDCLogin(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "2")
	start := time.Now()
	step := func(what string) { t.Logf("%5.1fs %s", time.Since(start).Seconds(), what) }
	bin, err := sluiceBinary()
	if err != nil {
		t.Fatal(err)
	}
	is := oidctest.NewWithOptions(&oidctest.Options{DeviceInterval: time.Second})
	defer is.Close()
	env := map[string]string{"SLUICE_ROOT_ACCESS_KEY_ID": rootKeyID, "SLUICE_ROOT_SECRET_ACCESS_KEY": rootSecret}
	d, err := daemon.Start(context.Background(), daemon.Config{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), Getenv: func(k string) string { return env[k] },
		OIDCClient: is.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Shutdown(context.Background())
	ep := d.Endpoint()
	dir := t.TempDir()
	root := clientEnv(ep)
	caFile := filepath.Join(dir, "issuer.pem")
	os.WriteFile(caFile, is.CertPEM(), 0o600)

	// The admin registers the issuer, a role trusting it in AWS's web-identity form, and maps
	// the data-eng group to the role.
	host := strings.TrimPrefix(is.URL(), "https://")
	provARN := awsJSON(t, cli, root, ep, "iam", "create-open-id-connect-provider", "--url", is.URL(), "--client-id-list", "sluice-cli",
		"--thumbprint-list", "0123456789abcdef0123456789abcdef01234567")["OpenIDConnectProviderArn"].(string)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provARN + `"},
	  "Action":["sts:AssumeRoleWithWebIdentity","sts:SetSourceIdentity"],"Condition":{"StringEquals":{"` + host + `:aud":"sluice-cli"}}}]}`
	roleARN := awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", "analyst",
		"--assume-role-policy-document", writeFile(t, dir, "trust.json", trust))["Role"].(map[string]any)["Arn"].(string)
	sluiceRoot := append(root, "AWS_ENDPOINT_URL="+ep)
	mustRun(t, sluiceRoot, bin, "mappings", "add", "--oidc-issuer", is.URL(), "--oidc-group", "data-eng", "--role", roleARN)
	// A role whose trust lacks sts:SetSourceIdentity cannot be mapped.
	bare := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provARN + `"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
	bareARN := awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", "bare",
		"--assume-role-policy-document", writeFile(t, dir, "bare.json", bare))["Role"].(map[string]any)["Arn"].(string)
	if r := run(t, sluiceRoot, bin, "mappings", "add", "--oidc-issuer", is.URL(), "--oidc-group", "data-eng", "--role", bareARN); r.err == nil ||
		!strings.Contains(r.stderr, "sts:SetSourceIdentity") {
		t.Errorf("mapping a role without sts:SetSourceIdentity: err=%v\n%s", r.err, r.stderr)
	}

	// Each person's AWS config: sluice creds --oidc as the credential_process. The aws CLI
	// captures the process's standard error, so the prompt is appended to a file the test reads.
	person := func(name string) (env []string, prompt string) {
		prompt = filepath.Join(dir, name+".prompt")
		config := filepath.Join(dir, name+".config")
		os.WriteFile(config, []byte("[profile "+name+"]\ncredential_process = sh -c '"+bin+" creds --oidc --issuer "+is.URL()+
			" --client-id sluice-cli --role "+roleARN+" --endpoint-url "+ep+" --oidc-ca-file "+caFile+" 2>>"+prompt+"'\n"), 0o600)
		return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(dir, name), "XDG_CACHE_HOME=" + filepath.Join(dir, name, "cache"),
			"AWS_CONFIG_FILE=" + config, "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PROFILE=" + name,
			"AWS_DEFAULT_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="}, prompt
	}
	// signIn runs the aws CLI and approves the code the login prints, as sub with groups.
	signIn := func(env []string, prompt, sub string, groups ...string) result {
		t.Helper()
		done := make(chan result, 1)
		go func() {
			done <- run(t, env, cli, "--endpoint-url", ep, "--output", "json", "sts", "get-caller-identity")
		}()
		deadline := time.Now().Add(time.Minute)
		for approved := false; ; {
			select {
			case r := <-done:
				if !approved {
					t.Errorf("the login finished without a sign-in")
				}
				return r
			case <-time.After(100 * time.Millisecond):
			}
			if approved {
				continue
			}
			if time.Now().After(deadline) {
				t.Fatalf("no prompt in %s", prompt)
			}
			data, _ := os.ReadFile(prompt)
			if m := userCodeRE.FindSubmatch(data); m != nil {
				g := make([]any, len(groups))
				for i, v := range groups {
					g[i] = v
				}
				if err := is.Approve(string(m[1]), sub, map[string]any{"groups": g}); err != nil {
					t.Fatalf("approving %s: %v", m[1], err)
				}
				approved = true
			}
		}
	}

	step("set up")
	// alice is in data-eng: she gets the role, her session named after her.
	aliceEnv, alicePrompt := person("alice")
	r := signIn(aliceEnv, alicePrompt, "alice", "staff", "data-eng")
	if r.err != nil || !strings.Contains(r.stdout, `"arn:aws:sts::`+account+`:assumed-role/analyst/alice"`) {
		t.Fatalf("alice: err=%v\n%s%s", r.err, r.stdout, r.stderr)
	}
	data, _ := os.ReadFile(alicePrompt)
	if !strings.Contains(string(data), is.URL()+"/device?user_code=") {
		t.Errorf("the prompt lacks the complete verification URI:\n%s", data)
	}

	step("alice signed in")
	// The second call is served from the cache: no prompt, no request to the issuer.
	before := is.Requests()
	who := awsJSON(t, cli, aliceEnv, ep, "sts", "get-caller-identity")
	if who["Arn"] != "arn:aws:sts::"+account+":assumed-role/analyst/alice" {
		t.Errorf("second call: %v", who)
	}
	if again, _ := os.ReadFile(alicePrompt); string(again) != string(data) || is.Requests() != before {
		t.Errorf("the second call prompted or asked the issuer: %+v → %+v\n%s", before, is.Requests(), again)
	}
	cacheDir := filepath.Join(dir, "alice", "cache", "sluice")
	files, _ := filepath.Glob(filepath.Join(cacheDir, "oidc-*.json"))
	if fi, err := os.Stat(cacheDir); err != nil || fi.Mode().Perm() != 0o700 || len(files) != 1 {
		t.Errorf("cache dir %s: %v, %v, files %v", cacheDir, fi, err, files)
	} else if fi, err := os.Stat(files[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file %s: %v", files[0], err)
	}

	step("cache checked")
	// bob is not in a mapped group: AccessDenied, though the trust alone would admit him.
	bobEnv, bobPrompt := person("bob")
	r = signIn(bobEnv, bobPrompt, "bob", "marketing")
	out, _ := os.ReadFile(bobPrompt) // the login's standard error
	if r.err == nil || !strings.Contains(string(out), "AccessDenied") || !strings.Contains(r.stderr, "custom-process") {
		t.Errorf("bob: want AccessDenied, got err=%v\n%s%s%s", r.err, r.stdout, r.stderr, out)
	}

	step("bob refused")
	// The audit trail: the login names alice as source identity, and so does every call of
	// her session; bob's refusal is recorded.
	var login, refused bool
	for _, e := range lookupEvents(t, cli, ep, root, "--lookup-attributes", "AttributeKey=EventName,AttributeValue=AssumeRoleWithWebIdentity") {
		var rec struct {
			ErrorCode    string
			UserIdentity struct {
				Type, UserName, IdentityProvider string
			}
			RequestParameters struct{ RoleSessionName string }
			ResponseElements  struct{ SourceIdentity string }
		}
		json.Unmarshal([]byte(e["CloudTrailEvent"].(string)), &rec)
		// The unsigned call is recorded as the verified web identity, as CloudTrail does.
		who := rec.UserIdentity.Type == "WebIdentityUser" && rec.UserIdentity.IdentityProvider == host
		login = login || who && rec.UserIdentity.UserName == "alice" && rec.ErrorCode == "" && rec.ResponseElements.SourceIdentity == "alice"
		refused = refused || who && rec.UserIdentity.UserName == "bob" && rec.ErrorCode == "AccessDenied" && rec.RequestParameters.RoleSessionName == "bob"
	}
	if !login || !refused {
		t.Errorf("AssumeRoleWithWebIdentity events: alice's login %v, bob's refusal %v", login, refused)
	}
	calls := 0
	for _, e := range lookupEvents(t, cli, ep, root, "--lookup-attributes", "AttributeKey=EventName,AttributeValue=GetCallerIdentity") {
		var rec struct {
			UserIdentity struct {
				ARN            string `json:"arn"`
				SessionContext struct{ SourceIdentity string }
			}
		}
		json.Unmarshal([]byte(e["CloudTrailEvent"].(string)), &rec)
		if strings.HasSuffix(rec.UserIdentity.ARN, ":assumed-role/analyst/alice") {
			calls++
			if rec.UserIdentity.SessionContext.SourceIdentity != "alice" {
				t.Errorf("a call of alice's session has source identity %q", rec.UserIdentity.SessionContext.SourceIdentity)
			}
		}
	}
	if calls != 2 {
		t.Errorf("%d GetCallerIdentity events of alice's session, want 2", calls)
	}
}
