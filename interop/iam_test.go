package interop

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// Policies taken verbatim from the seed documents (/work/shared/seeds/000_*, 003_*).
const (
	seedAppTrust = `{
"Version": "2012-10-17",
"Statement": [
{
"Sid": "AllowAssumeRoleAndPassSessionTag",
"Effect": "Allow",
"Principal": {
"AWS": "arn:aws:iam::<account-id>:root"
},
"Action": [
"sts:AssumeRole",
"sts:TagSession"
]
},
{
"Effect": "Allow",
"Principal": {
"Service": "lakeformation.amazonaws.com"
},
"Action": "sts:AssumeRole"
},
{
"Sid": "AllowPassSessionTags",
"Effect": "Allow",
"Principal": {
"AWS": "<lf-role-to-be-assumed>"
},
"Action": "sts:TagSession",
"Condition": {
"StringLike": {
"aws:RequestTag/LakeFormationAuthorizedCaller":"<your-session-value-tag>"
}
}
}
]
}`
	seedAppPolicy = `{
"Version": "2012-10-17",
"Statement": [
{
"Effect": "Allow",
"Action": [
"lakeformation:GetDataAccess",
"glue:GetTable",
"glue:GetTables",
"glue:GetDatabase",
"glue:GetDatabases",
"glue:CreateDatabase",
"glue:GetUserDefinedFunction",
"glue:GetUserDefinedFunctions",
"glue:GetPartition",
"glue:GetPartitions"
],
"Resource": "*"
}
]
}`
	listUsersPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return "file://" + p
}

func TestIAMAWSCLI(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	ep := d.Endpoint()
	for _, major := range []string{"1", "2"} {
		t.Run("v"+major, func(t *testing.T) {
			cli := awsCLI(t, major)
			dir := t.TempDir()
			aws := func(env []string, args ...string) result {
				t.Helper()
				return run(t, env, cli, append([]string{"--endpoint-url", ep, "--output", "json", "iam"}, args...)...)
			}
			ok := func(r result) map[string]any {
				t.Helper()
				if r.err != nil {
					t.Fatalf("%v\n%s", r.err, r.stderr)
				}
				var out map[string]any
				if strings.TrimSpace(r.stdout) != "" {
					if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
						t.Fatalf("output %q: %v", r.stdout, err)
					}
				}
				return out
			}
			root := clientEnv(ep)
			user, role := "dev-v"+major, "app-role-v"+major

			ok(aws(root, "create-user", "--user-name", user))
			key := ok(aws(root, "create-access-key", "--user-name", user))["AccessKey"].(map[string]any)
			userEnv := clientEnv(ep, "AWS_ACCESS_KEY_ID="+key["AccessKeyId"].(string), "AWS_SECRET_ACCESS_KEY="+key["SecretAccessKey"].(string))

			// Roles from JSON files, including the seed's trust and permission policies.
			created := ok(aws(root, "create-role", "--role-name", role, "--assume-role-policy-document", writeFile(t, dir, "trust.json", seedAppTrust),
				"--max-session-duration", "7200", "--description", "seed application role"))
			if id := created["Role"].(map[string]any)["RoleId"].(string); !strings.HasPrefix(id, "AROA") || len(id) != 21 {
				t.Errorf("RoleId %q", id)
			}
			ok(aws(root, "put-role-policy", "--role-name", role, "--policy-name", "lf", "--policy-document", writeFile(t, dir, "app.json", seedAppPolicy)))
			got := ok(aws(root, "get-role", "--role-name", role))["Role"].(map[string]any)
			// botocore decodes the URL-encoded document into JSON.
			doc, isObj := got["AssumeRolePolicyDocument"].(map[string]any)
			if !isObj || doc["Version"] != "2012-10-17" || len(doc["Statement"].([]any)) != 3 {
				t.Errorf("AssumeRolePolicyDocument = %#v", got["AssumeRolePolicyDocument"])
			}
			if got["MaxSessionDuration"].(float64) != 7200 {
				t.Errorf("MaxSessionDuration = %v", got["MaxSessionDuration"])
			}
			rp := ok(aws(root, "get-role-policy", "--role-name", role, "--policy-name", "lf"))
			if _, isObj := rp["PolicyDocument"].(map[string]any); !isObj {
				t.Errorf("PolicyDocument = %#v", rp["PolicyDocument"])
			}
			pol := ok(aws(root, "create-policy", "--policy-name", "list-users-v"+major, "--policy-document", writeFile(t, dir, "p.json", listUsersPolicy)))
			if arn := pol["Policy"].(map[string]any)["Arn"]; arn != "arn:aws:iam::"+account+":policy/list-users-v"+major {
				t.Errorf("policy ARN %v", arn)
			}

			// The new user's keys are denied until a policy allows.
			r := aws(userEnv, "list-users")
			if r.err == nil || !strings.Contains(r.stderr, "AccessDenied") || !strings.Contains(r.stderr, "iam:ListUsers") {
				t.Fatalf("list-users before policy: err=%v stderr=%s", r.err, r.stderr)
			}
			ok(aws(root, "put-user-policy", "--user-name", user, "--policy-name", "list", "--policy-document", writeFile(t, dir, "l.json", listUsersPolicy)))
			users := ok(aws(userEnv, "list-users"))["Users"].([]any)
			if len(users) == 0 {
				t.Errorf("list-users with the user's keys: %v", users)
			}

			// The simulator agrees with real calls.
			userARN := "arn:aws:iam::" + account + ":user/" + user
			sim := ok(aws(root, "simulate-principal-policy", "--policy-source-arn", userARN, "--action-names", "iam:ListUsers", "iam:CreateRole"))
			decisions := map[string]string{}
			for _, e := range sim["EvaluationResults"].([]any) {
				m := e.(map[string]any)
				decisions[m["EvalActionName"].(string)] = m["EvalDecision"].(string)
			}
			if decisions["iam:ListUsers"] != "allowed" || decisions["iam:CreateRole"] != "implicitDeny" {
				t.Errorf("simulation: %v", decisions)
			}
			r = aws(userEnv, "create-role", "--role-name", "nope-v"+major, "--assume-role-policy-document", writeFile(t, dir, "t2.json", seedAppTrust))
			if r.err == nil || !strings.Contains(r.stderr, "AccessDenied") {
				t.Errorf("create-role as the user: err=%v stderr=%s", r.err, r.stderr)
			}

			// Errors clients map by code.
			r = aws(root, "get-user", "--user-name", "nobody")
			if r.err == nil || !strings.Contains(r.stderr, "NoSuchEntity") {
				t.Errorf("get-user nobody: %s", r.stderr)
			}
			r = aws(root, "delete-user", "--user-name", user)
			if r.err == nil || !strings.Contains(r.stderr, "DeleteConflict") {
				t.Errorf("delete-user with keys: %s", r.stderr)
			}
		})
	}
}

func TestIAMGoSDKEncodedDocument(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	ctx := context.Background()
	c := iam.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(rootKeyID, rootSecret, ""),
		BaseEndpoint:     aws.String(d.Endpoint()),
		RetryMaxAttempts: 1,
	})
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(seedAppTrust)}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("APP")})
	if err != nil {
		t.Fatal(err)
	}
	raw := aws.ToString(out.Role.AssumeRolePolicyDocument)
	if strings.Contains(raw, "{") || strings.Contains(raw, " ") {
		t.Errorf("Go SDK sees the document undecoded; got %q", raw)
	}
	dec, err := url.QueryUnescape(raw)
	if err != nil || dec != seedAppTrust {
		t.Errorf("decoded document differs: %v\n%s", err, dec)
	}
	if _, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("missing")}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("GetRole missing: %v", err)
	}
}

const boto3IAMScript = `
import json, os
import boto3
iam = boto3.client("iam", endpoint_url=os.environ["SLUICE_ENDPOINT"])
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
iam.create_role(RoleName="boto-role", AssumeRolePolicyDocument=json.dumps(trust), Tags=[{"Key": "team", "Value": "data"}])
r = iam.get_role(RoleName="boto-role")["Role"]
print(json.dumps({"doc": r["AssumeRolePolicyDocument"], "tags": r.get("Tags", []), "arn": r["Arn"]}))
`

func TestIAMBoto3(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	debianPython(t)
	for i, py := range pythons() {
		t.Run(py, func(t *testing.T) {
			script := strings.ReplaceAll(boto3IAMScript, "boto-role", "boto-role-"+string(rune('a'+i)))
			r := run(t, clientEnv(d.Endpoint()), py, "-c", script)
			if r.err != nil {
				t.Fatalf("%v\n%s", r.err, r.stderr)
			}
			var out struct {
				Doc  map[string]any
				Tags []map[string]string
				Arn  string
			}
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("%q: %v", r.stdout, err)
			}
			if out.Doc["Version"] != "2012-10-17" || len(out.Tags) != 1 || !strings.HasSuffix(out.Arn, ":role/boto-role-"+string(rune('a'+i))) {
				t.Errorf("got %+v", out)
			}
		})
	}
}
