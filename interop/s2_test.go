package interop

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/daemon"
	"github.com/sluicehq/sluice/internal/krbtest"
)

// startSluiceKerberos runs Sluice with Kerberos logins against the realm's service keytab.
func startSluiceKerberos(t *testing.T, realm *krbtest.Realm) *daemon.Daemon {
	t.Helper()
	env := map[string]string{"SLUICE_ROOT_ACCESS_KEY_ID": rootKeyID, "SLUICE_ROOT_SECRET_ACCESS_KEY": rootSecret}
	d, err := daemon.Start(context.Background(), daemon.Config{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(),
		Getenv:     func(k string) string { return env[k] },
		KRB5Keytab: realm.Keytab, KRB5Service: "HTTP/127.0.0.1@" + realm.Name,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	return d
}

// kerberosEnv is a client environment with no AWS keys at all: credentials come only from the
// profile's credential_process (sluice creds) and the Kerberos ticket cache.
func kerberosEnv(realm *krbtest.Realm, awsConfig, ccache, profile string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.TempDir(),
		"AWS_CONFIG_FILE=" + awsConfig,
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PROFILE=" + profile,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
		"KRB5_CONFIG=" + realm.Config,
		"KRB5CCNAME=FILE:" + ccache,
	}
}

// TestStoryS2Kerberos is story S2: Kerberos personas mapped to roles, used through
// credential_process by the aws CLI, with the role trust tightened to the Kerberos login path.
func TestStoryS2Kerberos(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "2")
	realm := krbtest.Start(t)
	bin, err := sluiceBinary()
	if err != nil {
		t.Fatal(err)
	}
	d := startSluiceKerberos(t, realm)
	ep := d.Endpoint()
	dir := t.TempDir()
	root := clientEnv(ep)
	const (
		bucketA = "blog-s3bucket-x1y2z3"
		bucketB = "my-other-bucket"
		role1   = "arn:aws:iam::" + account + ":role/blog-allowEMRFSAccessForUser1"
		role2   = "arn:aws:iam::" + account + ":role/blog-allowEMRFSAccessForUser2"
		profile = "arn:aws:iam::" + account + ":role/blog-EMRClusterinstanceProfileRole-ABC123"
	)

	// The stack: buckets, the instance-profile role, and the two persona roles that first trust
	// any principal.
	mustRun(t, root, cli, "--endpoint-url", ep, "s3", "mb", "s3://"+bucketA)
	mustRun(t, root, cli, "--endpoint-url", ep, "s3", "mb", "s3://"+bucketB)
	awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", "blog-EMRClusterinstanceProfileRole-ABC123",
		"--assume-role-policy-document", writeFile(t, dir, "ec2.json",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`))
	// Sluice's policy engine lets a federated login through a trust only when the trust names
	// its provider (it has no identity policy of its own), so "any principal" is the seed's
	// {"AWS": "*"} plus every Kerberos login of the realm.
	anyone := writeFile(t, dir, "anyone.json", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"},
		{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::`+account+`:kerberos-realm/EXAMPLE.COM"},
		 "Action":["sts:AssumeRoleWithKerberos","sts:SetSourceIdentity"]}]}`)
	for user, bucket := range map[string]string{"User1": bucketA, "User2": bucketB} {
		name := "blog-allowEMRFSAccessForUser" + user[4:]
		awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", name, "--assume-role-policy-document", anyone)
		awsJSON(t, cli, root, ep, "iam", "put-role-policy", "--role-name", name, "--policy-name", "blog-emrFS-user"+user[4:],
			"--policy-document", writeFile(t, dir, name+".json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
			"Action":["s3:GetObject","s3:PutObject","s3:DeleteObject","s3:ListBucket"],
			"Resource":["arn:aws:s3:::`+bucket+`","arn:aws:s3:::`+bucket+`/*"]}]}`))
	}

	// Mappings by user, with the admin's own credentials through the sluice client.
	sluiceRoot := append(root, "AWS_ENDPOINT_URL="+ep)
	id1 := strings.TrimSpace(mustRun(t, sluiceRoot, bin, "mappings", "add", "--kerberos", "user1@EXAMPLE.COM", "--role", role1))
	mustRun(t, sluiceRoot, bin, "mappings", "add", "--kerberos", "user2@EXAMPLE.COM", "--role", role2)
	if list := mustRun(t, sluiceRoot, bin, "mappings", "list"); !strings.Contains(list, id1) || !strings.Contains(list, "kerberos:user2@EXAMPLE.COM") {
		t.Fatalf("mappings list:\n%s", list)
	}

	// The notebook's AWS config: one profile per persona role, credentials from sluice creds.
	awsConfig := filepath.Join(dir, "aws-config")
	os.WriteFile(awsConfig, []byte(`[profile persona1]
credential_process = `+bin+` creds --role `+role1+` --endpoint-url `+ep+`
[profile persona2]
credential_process = `+bin+` creds --role `+role2+` --endpoint-url `+ep+`
`), 0o600)
	ccache := filepath.Join(dir, "krb5cc")
	csv := filepath.Join(dir, "covid.csv")
	os.WriteFile(csv, []byte("date,country,cases\n2020-11-30,US,13000000\n"), 0o600)

	// kinit user2: its own role works, bucket A is AccessDenied.
	realm.Kinit(t, "user2", krbtest.Users["user2"], ccache, 0)
	env2 := kerberosEnv(realm, awsConfig, ccache, "persona2")
	who := awsJSON(t, cli, env2, ep, "sts", "get-caller-identity")
	if arn, _ := who["Arn"].(string); arn != "arn:aws:sts::"+account+":assumed-role/blog-allowEMRFSAccessForUser2/user2@EXAMPLE.COM" {
		t.Fatalf("user2 is %v", who)
	}
	mustRun(t, env2, cli, "--endpoint-url", ep, "s3", "cp", csv, "s3://"+bucketB+"/covid.csv")
	r := run(t, env2, cli, "--endpoint-url", ep, "s3", "cp", csv, "s3://"+bucketA+"/covid.csv")
	if r.err == nil || !strings.Contains(r.stderr, "AccessDenied") {
		t.Fatalf("user2 writing bucket A: want AccessDenied, got err=%v\n%s", r.err, r.stderr)
	}
	// user2's ticket never yields user1's role.
	r = run(t, kerberosEnv(realm, awsConfig, ccache, "persona1"), cli, "--endpoint-url", ep, "sts", "get-caller-identity")
	if r.err == nil || !strings.Contains(r.stderr, "not mapped") {
		t.Fatalf("user2 asking for user1's role: want a refusal, got err=%v\n%s%s", r.err, r.stdout, r.stderr)
	}

	// kinit user1 and a new client process: the same write succeeds; nothing restarted.
	realm.Kinit(t, "user1", krbtest.Users["user1"], ccache, 0)
	env1 := kerberosEnv(realm, awsConfig, ccache, "persona1")
	mustRun(t, env1, cli, "--endpoint-url", ep, "s3", "cp", csv, "s3://"+bucketA+"/covid.csv")
	if out := mustRun(t, env1, cli, "--endpoint-url", ep, "s3", "ls", "s3://"+bucketA+"/"); !strings.Contains(out, "covid.csv") {
		t.Fatalf("bucket A listing: %s", out)
	}

	// The admin tightens the trust. The seed's own document (instance-profile role only) is
	// accepted verbatim; then the Kerberos form, which only the login path satisfies.
	seedTrust := `{
    "Version": "2012-10-17",
    "Statement": [
        {
           "Effect": "Allow", 
                 "Principal":{
  "AWS":[
           "` + profile + `"
        ]
                 },
           "Action": "sts:AssumeRole"
        }
    ]
}`
	awsJSON(t, cli, root, ep, "iam", "update-assume-role-policy", "--role-name", "blog-allowEMRFSAccessForUser1",
		"--policy-document", writeFile(t, dir, "seed-trust.json", seedTrust))
	krbTrust := writeFile(t, dir, "krb-trust.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"Federated":"arn:aws:iam::`+account+`:kerberos-realm/EXAMPLE.COM"},
		"Action":["sts:AssumeRoleWithKerberos","sts:SetSourceIdentity"],
		"Condition":{"StringEquals":{"kerberos:principal":"user1@EXAMPLE.COM"}}}]}`)
	awsJSON(t, cli, root, ep, "iam", "update-assume-role-policy", "--role-name", "blog-allowEMRFSAccessForUser1", "--policy-document", krbTrust)

	// Any other principal's sts:AssumeRole is now denied, even with an identity policy allowing it.
	id, secret := newUser(t, cli, ep, dir, "mallory", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	awsFails(t, cli, keyEnv(ep, id, secret, ""), ep, "AccessDenied", "sts", "assume-role", "--role-arn", role1, "--role-session-name", "mallory")
	// A mapping the tightened trust would not admit is refused.
	r = run(t, sluiceRoot, bin, "mappings", "add", "--kerberos", "user2@EXAMPLE.COM", "--role", role1)
	if r.err == nil || !strings.Contains(r.stderr, "MappingRefusedByTrustPolicy") {
		t.Fatalf("mapping user2 to the tightened role: err=%v\n%s", r.err, r.stderr)
	}
	// Kerberos logins keep working.
	who = awsJSON(t, cli, env1, ep, "sts", "get-caller-identity")
	if arn, _ := who["Arn"].(string); !strings.HasSuffix(arn, ":assumed-role/blog-allowEMRFSAccessForUser1/user1@EXAMPLE.COM") {
		t.Fatalf("user1 is %v", who)
	}
	// A ticket for another service principal of the keytab is not for Sluice.
	r = run(t, env1, bin, "creds", "--role", role1, "--endpoint-url", ep, "--spn", "HTTP/localhost")
	if r.err == nil || !strings.Contains(r.stderr, "not for this service") {
		t.Fatalf("wrong service principal: err=%v\n%s%s", r.err, r.stdout, r.stderr)
	}

	// The logins are in the audit trail with the Kerberos principal as source identity.
	events := lookupEvents(t, cli, ep, root, "--lookup-attributes", "AttributeKey=EventName,AttributeValue=AssumeRoleWithKerberos")
	var ok, denied bool
	for _, e := range events {
		var rec struct {
			EventSource  string
			ErrorCode    string
			UserIdentity struct {
				SessionContext struct{ SourceIdentity string }
			}
		}
		json.Unmarshal([]byte(e["CloudTrailEvent"].(string)), &rec)
		if rec.EventSource != "sts.amazonaws.com" {
			t.Errorf("event source %q", rec.EventSource)
		}
		if rec.UserIdentity.SessionContext.SourceIdentity == "user1@EXAMPLE.COM" && rec.ErrorCode == "" {
			ok = true
		}
		if rec.UserIdentity.SessionContext.SourceIdentity == "user2@EXAMPLE.COM" && rec.ErrorCode == "AccessDenied" {
			denied = true
		}
	}
	if !ok || !denied {
		t.Errorf("audit: successful user1 login %v, denied user2 login %v, in %d events", ok, denied, len(events))
	}
}
