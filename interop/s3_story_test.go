package interop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The job, as boto3 runs it with the job role's credentials (seed 003). Spark's s3a would take
// the same temporary credentials: fs.s3a.aws.credentials.provider =
// org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider, fs.s3a.access.key,
// fs.s3a.secret.key, fs.s3a.session.token, fs.s3a.endpoint = the Sluice URL,
// fs.s3a.path.style.access = true.
const s3StoryJob = `
import json, os, sys
import boto3
from botocore.exceptions import ClientError
ep = os.environ["SLUICE_ENDPOINT"]
acct = "123456789012"
def denied(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"] == "AccessDenied"
    return False
job_s3 = boto3.client("s3", endpoint_url=ep)
# The job role reads its script, and nothing of the data bucket.
assert job_s3.get_object(Bucket="aws-glue-assets-%s-us-east-1" % acct, Key="scripts/job.py")["Body"].read().startswith(b"#")
assert denied(lambda: job_s3.get_object(Bucket="my-glue-data", Key="input/MOCK_DATA.json")), "job role read data"
sts = boto3.client("sts", endpoint_url=ep)
role = "arn:aws:iam::%s:role/my-glue-assumed-role" % acct
def session(name, policy=None):
    kw = dict(RoleArn=role, RoleSessionName=name, DurationSeconds=3600)
    if policy:
        kw["Policy"] = json.dumps(policy)
    c = sts.assume_role(**kw)["Credentials"]
    return boto3.client("s3", endpoint_url=ep, aws_access_key_id=c["AccessKeyId"],
                        aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
s = session("GlueTenantASession")
rows = [json.loads(l) for l in s.get_object(Bucket="my-glue-data", Key="input/MOCK_DATA.json")["Body"].read().splitlines()]
assert len(rows) == 3 and rows[0]["first_name"] == "Ann", rows
s.put_object(Bucket="my-glue-data", Key="output/result.json", Body=json.dumps({"rows": len(rows)}).encode())
for tenant, other in (("a", "b"), ("b", "a")):
    scoped = session("GlueTenant%sSession" % tenant.upper(), {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:*", "Resource": "arn:aws:s3:::my-glue-data/tenant-%s/*" % tenant}]})
    assert scoped.get_object(Bucket="my-glue-data", Key="tenant-%s/in.json" % tenant)["Body"].read() == b'{"tenant": "%s"}' % tenant.encode()
    scoped.put_object(Bucket="my-glue-data", Key="tenant-%s/out.json" % tenant, Body=b"done")
    assert denied(lambda: scoped.get_object(Bucket="my-glue-data", Key="tenant-%s/in.json" % other)), "cross-tenant read"
    assert denied(lambda: scoped.put_object(Bucket="my-glue-data", Key="tenant-%s/x" % other, Body=b"x")), "cross-tenant write"
    assert denied(lambda: scoped.get_object(Bucket="my-glue-data", Key="input/MOCK_DATA.json")), "outside the tenant prefix"
    # A session policy never widens: the role never allowed DeleteObject.
    assert denied(lambda: scoped.delete_object(Bucket="my-glue-data", Key="tenant-%s/out.json" % tenant)), "session policy widened"
print("story ok")
`

func TestStoryS3TenantScopedCredentials(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "2")
	py := debianPython(t)
	d := startSluice(t)
	ep := d.Endpoint()
	dir := t.TempDir()
	root := clientEnv(ep)
	assets := "aws-glue-assets-" + account + "-us-east-1"
	for _, b := range []string{assets, "my-glue-data"} {
		awsJSON(t, cli, root, ep, "s3api", "create-bucket", "--bucket", b)
	}
	put := func(bucket, key, body string) {
		awsJSON(t, cli, root, ep, "s3api", "put-object", "--bucket", bucket, "--key", key, "--body", strings.TrimPrefix(writeFile(t, dir, strings.ReplaceAll(key, "/", "_"), body), "file://"))
	}
	put(assets, "scripts/job.py", "# glue job\n")
	put("my-glue-data", "input/MOCK_DATA.json", `{"id":1,"first_name":"Ann"}`+"\n"+`{"id":2,"first_name":"Bob"}`+"\n"+`{"id":3,"first_name":"Cy"}`+"\n")
	put("my-glue-data", "tenant-a/in.json", `{"tenant": "a"}`)
	put("my-glue-data", "tenant-b/in.json", `{"tenant": "b"}`)

	// The seed's roles, verbatim; the job role additionally trusts the account so that the test
	// can run the job as it (Glue itself is not here).
	jobTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole"},
	  {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`
	awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", "my-glue-job-role", "--assume-role-policy-document", writeFile(t, dir, "jt.json", jobTrust))
	awsJSON(t, cli, root, ep, "iam", "put-role-policy", "--role-name", "my-glue-job-role", "--policy-name", "job", "--policy-document", writeFile(t, dir, "jp.json",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::`+assets+`/*"},
		 {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::`+account+`:role/my-glue-assumed-role"}]}`))
	awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", "my-glue-assumed-role", "--assume-role-policy-document", writeFile(t, dir, "at.json",
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+account+`:role/my-glue-job-role"},"Action":"sts:AssumeRole"}}`))
	awsJSON(t, cli, root, ep, "iam", "put-role-policy", "--role-name", "my-glue-assumed-role", "--policy-name", "data", "--policy-document", writeFile(t, dir, "ap.json",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::my-glue-data/*"}]}`))

	out := awsJSON(t, cli, root, ep, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+account+":role/my-glue-job-role", "--role-session-name", "glue-job-run")
	c := out["Credentials"].(map[string]any)
	script := filepath.Join(dir, "job.py")
	os.WriteFile(script, []byte(s3StoryJob), 0o600)
	env := keyEnv(ep, c["AccessKeyId"].(string), c["SecretAccessKey"].(string), c["SessionToken"].(string))
	r := run(t, env, py, script)
	if r.err != nil || !strings.Contains(r.stdout, "story ok") {
		t.Fatalf("job: %v\nstdout: %s\nstderr: %s", r.err, r.stdout, r.stderr)
	}
	// The job wrote its output; the tenants wrote theirs.
	for _, k := range []string{"output/result.json", "tenant-a/out.json", "tenant-b/out.json"} {
		awsJSON(t, cli, root, ep, "s3api", "head-object", "--bucket", "my-glue-data", "--key", k)
	}
}
