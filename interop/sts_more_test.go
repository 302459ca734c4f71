package interop

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	_ "modernc.org/sqlite"
)

// TestEncodedAuthorizationMessage: a denial carries a sealed message that
// sts:DecodeAuthorizationMessage turns back into the decision, for those allowed to.
func TestEncodedAuthorizationMessage(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "2")
	d := startSluice(t)
	ep := d.Endpoint()
	id, secret := newUser(t, cli, ep, t.TempDir(), "nobody", "")

	body := "Action=ListRoles&Version=2010-05-08"
	req, _ := http.NewRequest(http.MethodPost, ep+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret},
		req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	s := string(raw)
	i, j := strings.Index(s, "<EncodedAuthorizationMessage>"), strings.Index(s, "</EncodedAuthorizationMessage>")
	if resp.StatusCode != 403 || i < 0 || j < i {
		t.Fatalf("denial without an encoded message: %d %s", resp.StatusCode, s)
	}
	blob := s[i+len("<EncodedAuthorizationMessage>") : j]

	awsFails(t, cli, keyEnv(ep, id, secret, ""), ep, "AccessDenied", "sts", "decode-authorization-message", "--encoded-message", blob)
	out := awsJSON(t, cli, clientEnv(ep), ep, "sts", "decode-authorization-message", "--encoded-message", blob)
	msg := out["DecodedMessage"].(string)
	for _, want := range []string{`"action":"iam:ListRoles"`, `"arn":"arn:aws:iam::` + account + `:user/nobody"`, "no identity-based policy allows", `"aws:sourceip"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("decoded message lacks %s: %s", want, msg)
		}
	}
}

// TestRevokeSessionsAndNoStoreWrites: issuing credentials writes nothing to the store but the
// audit record; `sluice sessions revoke` stops older sessions at once and leaves new ones working.
func TestRevokeSessionsAndNoStoreWrites(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "2")
	bin, err := sluiceBinary()
	if err != nil {
		t.Fatal(err)
	}
	d := startSluice(t)
	ep := d.Endpoint()
	dir := t.TempDir()
	root := clientEnv(ep)
	awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", "worker", "--assume-role-policy-document", writeFile(t, dir, "t.json",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+account+`:root"},"Action":"sts:AssumeRole"}]}`))
	awsJSON(t, cli, root, ep, "iam", "put-role-policy", "--role-name", "worker", "--policy-name", "read", "--policy-document", writeFile(t, dir, "p.json",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]}`))
	uid, usecret := newUser(t, cli, ep, dir, "launcher",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::`+account+`:role/worker"}]}`)
	launcher := keyEnv(ep, uid, usecret, "")
	assume := func(name string) []string {
		c := awsJSON(t, cli, launcher, ep, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+account+":role/worker", "--role-session-name", name)["Credentials"].(map[string]any)
		return keyEnv(ep, c["AccessKeyId"].(string), c["SecretAccessKey"].(string), c["SessionToken"].(string))
	}

	// Count non-audit store writes (record versions) around a burst of AssumeRole calls.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(d.DataDir(), "sluice.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	writes := func() int64 {
		var n sql.NullInt64
		if err := db.QueryRow(`SELECT sum(version) FROM records WHERE namespace NOT LIKE 'audit%' AND namespace <> 'iam/keyused'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n.Int64
	}
	before := writes()
	old := assume("before-revocation")
	for i := range 5 {
		assume("burst-" + string(rune('a'+i)))
	}
	if after := writes(); after != before {
		t.Errorf("issuing 6 credentials wrote %d store versions besides the audit trail", after-before)
	}

	awsJSON(t, cli, old, ep, "iam", "get-role", "--role-name", "worker")
	time.Sleep(1100 * time.Millisecond) // aws:TokenIssueTime has one-second precision
	r := run(t, root, bin, "sessions", "revoke", "--role", "worker", "--endpoint-url", ep)
	if r.err != nil || !strings.Contains(r.stdout, "are revoked") {
		t.Fatalf("sluice sessions revoke: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	awsFails(t, cli, old, ep, "AccessDenied", "iam", "get-role", "--role-name", "worker")
	time.Sleep(1100 * time.Millisecond)
	awsJSON(t, cli, assume("after-revocation"), ep, "iam", "get-role", "--role-name", "worker")
}

// TestRevokeVendedSessions: Lake Formation's RevokeVendedSessions (a Sluice extension) writes
// IAM's AWSRevokeOlderSessions deny on the registered location's role.
func TestRevokeVendedSessions(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "2")
	d := startSluice(t)
	ep := d.Endpoint()
	dir := t.TempDir()
	root := clientEnv(ep)
	awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", "lf-location", "--assume-role-policy-document", writeFile(t, dir, "t.json",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lakeformation.amazonaws.com"},"Action":"sts:AssumeRole"}]}`))
	awsJSON(t, cli, root, ep, "s3api", "create-bucket", "--bucket", "governed")
	awsJSON(t, cli, root, ep, "lakeformation", "register-resource", "--resource-arn", "arn:aws:s3:::governed", "--role-arn", "arn:aws:iam::"+account+":role/lf-location")

	body := `{"ResourceArn":"arn:aws:s3:::governed"}`
	req, _ := http.NewRequest(http.MethodPost, ep+"/RevokeVendedSessions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret},
		req, hex.EncodeToString(sum[:]), "lakeformation", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("RevokeVendedSessions: %d %s", resp.StatusCode, msg)
	}
	out := awsJSON(t, cli, root, ep, "iam", "get-role-policy", "--role-name", "lf-location", "--policy-name", "AWSRevokeOlderSessions")
	if doc, _ := json.Marshal(out["PolicyDocument"]); !strings.Contains(string(doc), "aws:TokenIssueTime") {
		t.Errorf("revocation policy = %s", doc)
	}
}
