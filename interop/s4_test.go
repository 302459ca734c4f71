package interop

// Story S4 (seed 004): a data platform's connection assumes a role per end user, with an external
// id, a duration override and a session policy; the credentials work from several worker
// processes at once until they expire. The S3 parts of the story are in s4_s3_test.go.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/daemon"
)

// movableClock is a clock a test can move forward; Sluice's services all read it.
type movableClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *movableClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}
func (c *movableClock) add(d time.Duration) { c.mu.Lock(); c.off += d; c.mu.Unlock() }

func startSluiceClock(t *testing.T, clock func() time.Time) *daemon.Daemon {
	t.Helper()
	env := map[string]string{"SLUICE_ROOT_ACCESS_KEY_ID": rootKeyID, "SLUICE_ROOT_SECRET_ACCESS_KEY": rootSecret}
	d, err := daemon.Start(context.Background(), daemon.Config{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(),
		Getenv: func(k string) string { return env[k] }, Now: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	return d
}

// awsJSON runs an aws CLI command against ep and decodes its JSON output; it fails the test on
// error.
func awsJSON(t *testing.T, cli string, env []string, ep string, args ...string) map[string]any {
	t.Helper()
	r := run(t, env, cli, append([]string{"--endpoint-url", ep, "--output", "json"}, args...)...)
	if r.err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), r.err, r.stderr)
	}
	out := map[string]any{}
	if strings.TrimSpace(r.stdout) != "" {
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("aws %s: output %q: %v", strings.Join(args, " "), r.stdout, err)
		}
	}
	return out
}

// awsFails runs an aws CLI command that must fail with code.
func awsFails(t *testing.T, cli string, env []string, ep, code string, args ...string) {
	t.Helper()
	r := run(t, env, cli, append([]string{"--endpoint-url", ep}, args...)...)
	if r.err == nil || !strings.Contains(r.stderr, "("+code+")") {
		t.Fatalf("aws %s: want %s, got err=%v\nstdout=%s\nstderr=%s", strings.Join(args, " "), code, r.err, r.stdout, r.stderr)
	}
}

func keyEnv(ep, id, secret, token string) []string {
	env := clientEnv(ep, "AWS_ACCESS_KEY_ID="+id, "AWS_SECRET_ACCESS_KEY="+secret)
	if token != "" {
		env = append(env, "AWS_SESSION_TOKEN="+token)
	}
	return env
}

// newUser creates an IAM user with an inline policy (may be "") and returns its key.
func newUser(t *testing.T, cli, ep, dir, name, policyDoc string) (id, secret string) {
	t.Helper()
	root := clientEnv(ep)
	awsJSON(t, cli, root, ep, "iam", "create-user", "--user-name", name)
	if policyDoc != "" {
		awsJSON(t, cli, root, ep, "iam", "put-user-policy", "--user-name", name, "--policy-name", "p",
			"--policy-document", writeFile(t, dir, name+".json", policyDoc))
	}
	k := awsJSON(t, cli, root, ep, "iam", "create-access-key", "--user-name", name)["AccessKey"].(map[string]any)
	return k["AccessKeyId"].(string), k["SecretAccessKey"].(string)
}

func TestStoryS4STS(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "2")
	py := debianPython(t)
	clock := &movableClock{}
	d := startSluiceClock(t, clock.now)
	ep := d.Endpoint()
	dir := t.TempDir()
	root := clientEnv(ep)
	roleARN := "arn:aws:iam::" + account + ":role/dss-connection-role"

	// The role trusts the account root and requires the connection's external id.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},
	  "Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"dss-ext-7f3a"}}}]}`
	awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", "dss-connection-role",
		"--assume-role-policy-document", writeFile(t, dir, "trust.json", trust), "--max-session-duration", "7200")
	awsJSON(t, cli, root, ep, "iam", "put-role-policy", "--role-name", "dss-connection-role", "--policy-name", "data",
		"--policy-document", writeFile(t, dir, "role.json",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sts:GetCallerIdentity"],"Resource":"*"}]}`))

	// The platform's own identity may assume the role; an intruder may not.
	platID, platSecret := newUser(t, cli, ep, dir, "dss-platform",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"`+roleARN+`"}]}`)
	intrID, intrSecret := newUser(t, cli, ep, dir, "intruder", "")
	plat := keyEnv(ep, platID, platSecret, "")

	session := "dss-conn-c1-assumed-for-alice"
	assume := []string{"sts", "assume-role", "--role-arn", roleARN, "--role-session-name", session}
	awsFails(t, cli, plat, ep, "AccessDenied", assume...)                                                                        // no external id
	awsFails(t, cli, plat, ep, "AccessDenied", append(assume, "--external-id", "wrong-ext")...)                                  // wrong one
	awsFails(t, cli, keyEnv(ep, intrID, intrSecret, ""), ep, "AccessDenied", append(assume, "--external-id", "dss-ext-7f3a")...) // no identity policy
	awsFails(t, cli, plat, ep, "ValidationError", append(assume, "--external-id", "dss-ext-7f3a", "--duration-seconds", "7201")...)

	out := awsJSON(t, cli, plat, ep, append(assume, "--external-id", "dss-ext-7f3a", "--duration-seconds", "5400",
		"--policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket","sts:GetCallerIdentity"],"Resource":"*"}]}`)...)
	creds := out["Credentials"].(map[string]any)
	exp, err := time.Parse(time.RFC3339, creds["Expiration"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Until(exp) - clock.off; got < 89*time.Minute || got > 91*time.Minute {
		t.Errorf("duration override not honoured: expires in %v", got)
	}
	wantARN := "arn:aws:sts::" + account + ":assumed-role/dss-connection-role/" + session
	if arn := out["AssumedRoleUser"].(map[string]any)["Arn"]; arn != wantARN {
		t.Errorf("AssumedRoleUser.Arn = %v", arn)
	}
	sess := keyEnv(ep, creds["AccessKeyId"].(string), creds["SecretAccessKey"].(string), creds["SessionToken"].(string))
	if me := awsJSON(t, cli, sess, ep, "sts", "get-caller-identity"); me["Arn"] != wantARN {
		t.Errorf("get-caller-identity as the session = %v", me["Arn"])
	}

	// The same credentials in four worker processes at once, until they expire.
	worker := filepath.Join(dir, "worker.py")
	os.WriteFile(worker, []byte(`
import os, sys, time, boto3
from botocore.exceptions import ClientError
sts = boto3.client("sts", endpoint_url=os.environ["SLUICE_ENDPOINT"])
mode = sys.argv[1]
for i in range(20):
    try:
        arn = sts.get_caller_identity()["Arn"]
        if mode == "expired":
            print("UNEXPECTED-OK"); sys.exit(1)
    except ClientError as e:
        if mode == "expired":
            print(e.response["Error"]["Code"]); sys.exit(0)
        print("ERROR", e.response["Error"]["Code"]); sys.exit(1)
print("OK", arn)
`), 0o644)
	runWorkers := func(mode string) []string {
		var wg sync.WaitGroup
		outs := make([]string, 4)
		for i := range outs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(py, worker, mode)
				cmd.Env = sess
				b, err := cmd.CombinedOutput()
				outs[i] = strings.TrimSpace(string(b))
				if err != nil {
					outs[i] = fmt.Sprintf("exit %v: %s", err, outs[i])
				}
			}()
		}
		wg.Wait()
		return outs
	}
	for i, o := range runWorkers("ok") {
		if o != "OK "+wantARN {
			t.Errorf("worker %d: %s", i, o)
		}
	}
	clock.add(91 * time.Minute)
	for i, o := range runWorkers("expired") {
		if o != "ExpiredToken" {
			t.Errorf("worker %d after expiry: %s", i, o)
		}
	}

	clock.add(-91 * time.Minute) // back to real time, so the CLI's signatures are not skewed

	// The trail: the AssumeRole event names the session; the session's calls show its ARN.
	events := lookupEvents(t, cli, ep, root, "--lookup-attributes", "AttributeKey=EventName,AttributeValue=AssumeRole")
	found := false
	for _, e := range events {
		var rec map[string]any
		json.Unmarshal([]byte(e["CloudTrailEvent"].(string)), &rec)
		if rp, _ := rec["requestParameters"].(map[string]any); rp != nil && rp["roleSessionName"] == session && rec["errorCode"] == nil {
			found = true
			if strings.Contains(e["CloudTrailEvent"].(string), creds["SecretAccessKey"].(string)) ||
				strings.Contains(e["CloudTrailEvent"].(string), creds["SessionToken"].(string)) {
				t.Error("the AssumeRole record contains the secret or the token")
			}
		}
	}
	if !found {
		t.Errorf("no successful AssumeRole event with roleSessionName %s among %d", session, len(events))
	}
	calls := lookupEvents(t, cli, ep, root, "--lookup-attributes", "AttributeKey=Username,AttributeValue="+session)
	seen := 0
	for _, e := range calls {
		if strings.Contains(e["CloudTrailEvent"].(string), `"arn":"`+wantARN+`"`) {
			seen++
		}
	}
	if seen == 0 {
		t.Errorf("no event of the session shows %s (%d events by username)", wantARN, len(calls))
	}
}
