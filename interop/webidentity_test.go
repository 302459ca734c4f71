package interop

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sluicehq/sluice/internal/daemon"
	"github.com/sluicehq/sluice/internal/oidc/oidctest"
)

// TestWebIdentity: an OIDC issuer on 127.0.0.1 registered as an IAM provider; a role trusts it for
// one subject; the Go SDK's environment flow (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE) and
// boto3 exchange ID tokens for role sessions.
func TestWebIdentity(t *testing.T) {
	cli := awsCLI(t, "2")
	py := debianPython(t)
	is := oidctest.New()
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

	prov := awsJSON(t, cli, root, ep, "iam", "create-open-id-connect-provider", "--url", is.URL(), "--client-id-list", "sluice-cli",
		"--thumbprint-list", "0123456789abcdef0123456789abcdef01234567") // CLI 2.9 requires one; Sluice checks keys, not thumbprints
	provARN := prov["OpenIDConnectProviderArn"].(string)
	host := strings.TrimPrefix(is.URL(), "https://")
	if provARN != "arn:aws:iam::"+account+":oidc-provider/"+host {
		t.Fatalf("provider ARN %s", provARN)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provARN + `"},
	  "Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + host + `:sub":"alice","` + host + `:aud":"sluice-cli"}}}]}`
	role := awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", "web-analyst",
		"--assume-role-policy-document", writeFile(t, dir, "trust.json", trust))["Role"].(map[string]any)
	roleARN := role["Arn"].(string)

	// The Go SDK's environment flow.
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte(is.Token("alice", "sluice-cli", time.Hour, nil)), 0o600)
	t.Setenv("AWS_ROLE_ARN", roleARN)
	t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile)
	t.Setenv("AWS_ROLE_SESSION_NAME", "alice-go")
	t.Setenv("AWS_ENDPOINT_URL", ep)
	t.Setenv("AWS_ENDPOINT_URL_STS", ep) // the credential provider's own STS client reads this one
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	me, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), nil)
	if err != nil {
		t.Fatalf("Go SDK web identity flow: %v", err)
	}
	if got := aws.ToString(me.Arn); got != "arn:aws:sts::"+account+":assumed-role/web-analyst/alice-go" {
		t.Errorf("Go SDK session ARN %s", got)
	}

	// boto3's environment flow needs a botocore that reads AWS_ENDPOINT_URL (≥ 1.31): the pip
	// one on this machine image. Debian's boto3 1.26 cannot point its credential provider at
	// another STS, so it is driven explicitly below.
	for _, py := range pythons() {
		out, err := exec.Command(py, "-c", "import botocore; print(botocore.__version__)").Output()
		if err != nil || !botocoreAtLeast(strings.TrimSpace(string(out)), 1, 31) {
			continue
		}
		env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "AWS_ROLE_ARN=" + roleARN,
			"AWS_WEB_IDENTITY_TOKEN_FILE=" + tokenFile, "AWS_ROLE_SESSION_NAME=alice-boto3", "AWS_ENDPOINT_URL=" + ep,
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}
		if v := os.Getenv("PYENV_ROOT"); v != "" {
			env = append(env, "PYENV_ROOT="+v)
		}
		r := run(t, env, py, "-c", `import boto3; print(boto3.client("sts").get_caller_identity()["Arn"])`)
		if r.err != nil || strings.TrimSpace(r.stdout) != "arn:aws:sts::"+account+":assumed-role/web-analyst/alice-boto3" {
			t.Errorf("boto3 %s environment flow: %v\n%s%s", out, r.err, r.stdout, r.stderr)
		}
	}

	// boto3 (Debian's) calls the unsigned API itself; another subject is refused.
	script := `
import json, os, sys, boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
sts = boto3.client("sts", endpoint_url=os.environ["SLUICE_ENDPOINT"], config=Config(signature_version=UNSIGNED))
out = {}
r = sts.assume_role_with_web_identity(RoleArn=sys.argv[1], RoleSessionName="alice-py", WebIdentityToken=sys.argv[2])
out["arn"] = r["AssumedRoleUser"]["Arn"]; out["subject"] = r["SubjectFromWebIdentityToken"]
try:
    sts.assume_role_with_web_identity(RoleArn=sys.argv[1], RoleSessionName="bob-py", WebIdentityToken=sys.argv[3])
    out["bob"] = "accepted"
except ClientError as e:
    out["bob"] = e.response["Error"]["Code"]
try:
    sts.assume_role_with_web_identity(RoleArn=sys.argv[1], RoleSessionName="late", WebIdentityToken=sys.argv[4])
    out["expired"] = "accepted"
except ClientError as e:
    out["expired"] = e.response["Error"]["Code"]
print(json.dumps(out))
`
	r := run(t, clientEnv(ep), py, "-c", script, roleARN,
		is.Token("alice", "sluice-cli", time.Hour, nil), is.Token("bob", "sluice-cli", time.Hour, nil), is.Token("alice", "sluice-cli", -time.Hour, nil))
	if r.err != nil {
		t.Fatalf("boto3: %v\n%s", r.err, r.stderr)
	}
	for _, want := range []string{`"arn": "arn:aws:sts::` + account + `:assumed-role/web-analyst/alice-py"`, `"subject": "alice"`,
		`"bob": "AccessDenied"`, `"expired": "ExpiredTokenException"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("boto3 output lacks %s:\n%s", want, r.stdout)
		}
	}
}

// botocoreAtLeast compares a "major.minor.patch" version.
func botocoreAtLeast(v string, major, minor int) bool {
	var a, b int
	if _, err := fmt.Sscanf(v, "%d.%d", &a, &b); err != nil {
		return false
	}
	return a > major || a == major && b >= minor
}
