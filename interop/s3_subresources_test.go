package interop

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestS3SubresourcesCLI sets and reads bucket configurations with the aws CLI v2: what is
// stored comes back as written, what Sluice does not do is refused by name.
func TestS3SubresourcesCLI(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "2")
	d := startSluice(t)
	ep := d.Endpoint()
	env := clientEnv(ep)
	aws := func(args ...string) string {
		return mustRun(t, env, cli, append([]string{"--endpoint-url", ep, "--output", "json"}, args...)...)
	}
	awsJSON := func(args ...string) any {
		var v any
		out := aws(args...)
		if strings.TrimSpace(out) == "" {
			return nil
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return v
	}
	fails := func(code string, args ...string) {
		t.Helper()
		r := run(t, env, cli, append([]string{"--endpoint-url", ep}, args...)...)
		if r.err == nil || !strings.Contains(r.stderr, code) {
			t.Errorf("%s: err %v, stderr %s; want %s", strings.Join(args, " "), r.err, r.stderr, code)
		}
	}
	b := "confs"
	aws("s3api", "create-bucket", "--bucket", b)

	fails("NoSuchTagSet", "s3api", "get-bucket-tagging", "--bucket", b)
	aws("s3api", "put-bucket-tagging", "--bucket", b, "--tagging", `{"TagSet":[{"Key":"team","Value":"lake"},{"Key":"env","Value":"prod"}]}`)
	if diff := cmp.Diff(map[string]any{"TagSet": []any{
		map[string]any{"Key": "team", "Value": "lake"}, map[string]any{"Key": "env", "Value": "prod"}}},
		awsJSON("s3api", "get-bucket-tagging", "--bucket", b)); diff != "" {
		t.Errorf("get-bucket-tagging (-want +got):\n%s", diff)
	}
	fails("InvalidTag", "s3api", "put-bucket-tagging", "--bucket", b, "--tagging", `{"TagSet":[{"Key":"a","Value":"1"},{"Key":"a","Value":"2"}]}`)
	aws("s3api", "delete-bucket-tagging", "--bucket", b)
	fails("NoSuchTagSet", "s3api", "get-bucket-tagging", "--bucket", b)

	aws("s3api", "put-bucket-encryption", "--bucket", b, "--server-side-encryption-configuration",
		`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"},"BucketKeyEnabled":false}]}`)
	if diff := cmp.Diff(map[string]any{"ServerSideEncryptionConfiguration": map[string]any{"Rules": []any{map[string]any{
		"ApplyServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": false}}}},
		awsJSON("s3api", "get-bucket-encryption", "--bucket", b)); diff != "" {
		t.Errorf("get-bucket-encryption (-want +got):\n%s", diff)
	}
	fails("NotImplemented", "s3api", "put-bucket-encryption", "--bucket", b, "--server-side-encryption-configuration",
		`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"alias/x"}}]}`)

	if got := awsJSON("s3api", "get-bucket-versioning", "--bucket", b); got != nil && len(got.(map[string]any)) != 0 {
		t.Errorf("get-bucket-versioning of a new bucket = %v, want nothing", got)
	}
	aws("s3api", "put-bucket-versioning", "--bucket", b, "--versioning-configuration", "Status=Suspended")
	if diff := cmp.Diff(map[string]any{"Status": "Suspended"}, awsJSON("s3api", "get-bucket-versioning", "--bucket", b)); diff != "" {
		t.Errorf("get-bucket-versioning (-want +got):\n%s", diff)
	}
	fails("NotImplemented", "s3api", "put-bucket-versioning", "--bucket", b, "--versioning-configuration", "Status=Enabled")

	aws("s3api", "put-public-access-block", "--bucket", b, "--public-access-block-configuration",
		"BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true")
	if diff := cmp.Diff(map[string]any{"PublicAccessBlockConfiguration": map[string]any{
		"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}},
		awsJSON("s3api", "get-public-access-block", "--bucket", b)); diff != "" {
		t.Errorf("get-public-access-block (-want +got):\n%s", diff)
	}

	if got := awsJSON("s3api", "list-bucket-metrics-configurations", "--bucket", b); !cmp.Equal(got, map[string]any{"IsTruncated": false}) {
		t.Errorf("list-bucket-metrics-configurations = %v", got)
	}
	fails("NoSuchConfiguration", "s3api", "get-bucket-metrics-configuration", "--bucket", b, "--id", "m")

	aws("s3api", "put-bucket-lifecycle-configuration", "--bucket", b, "--lifecycle-configuration",
		`{"Rules":[{"ID":"tmp","Filter":{"Prefix":"tmp/"},"Status":"Enabled","Expiration":{"Days":7}}]}`)
	if diff := cmp.Diff(map[string]any{"Rules": []any{map[string]any{"ID": "tmp", "Filter": map[string]any{"Prefix": "tmp/"},
		"Status": "Enabled", "Expiration": map[string]any{"Days": 7.0}}}},
		awsJSON("s3api", "get-bucket-lifecycle-configuration", "--bucket", b)); diff != "" {
		t.Errorf("get-bucket-lifecycle-configuration (-want +got):\n%s", diff)
	}
	aws("s3api", "delete-bucket-lifecycle", "--bucket", b)
	fails("NoSuchLifecycleConfiguration", "s3api", "get-bucket-lifecycle-configuration", "--bucket", b)
}

// TestS3SubresourcesBoto3 does the same with Debian's boto3.
func TestS3SubresourcesBoto3(t *testing.T) {
	t.Parallel()
	py := debianPython(t)
	d := startSluice(t)
	env := clientEnv(d.Endpoint())
	script := `
import os, boto3, botocore
s3 = boto3.client("s3", endpoint_url=os.environ["SLUICE_ENDPOINT"])
b = "confs-boto"
s3.create_bucket(Bucket=b)

def code(f, **kw):
    try:
        f(**kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return ""

assert code(s3.get_bucket_tagging, Bucket=b) == "NoSuchTagSet"
s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "team", "Value": "lake"}]})
assert s3.get_bucket_tagging(Bucket=b)["TagSet"] == [{"Key": "team", "Value": "lake"}]
too_many = [{"Key": "k%d" % i, "Value": "v"} for i in range(51)]
assert code(s3.put_bucket_tagging, Bucket=b, Tagging={"TagSet": too_many}) == "InvalidTag"

s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
rule = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", rule

assert "Status" not in s3.get_bucket_versioning(Bucket=b)
s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
assert s3.get_bucket_versioning(Bucket=b)["Status"] == "Suspended"
assert code(s3.put_bucket_versioning, Bucket=b, VersioningConfiguration={"Status": "Enabled"}) == "NotImplemented"

s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={"BlockPublicAcls": True, "RestrictPublicBuckets": False})
pab = s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]
assert pab == {"BlockPublicAcls": True, "RestrictPublicBuckets": False}, pab

s3.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]})
assert s3.get_bucket_cors(Bucket=b)["CORSRules"] == [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]
s3.delete_bucket_cors(Bucket=b)
assert code(s3.get_bucket_cors, Bucket=b) == "NoSuchCORSConfiguration"

assert s3.list_bucket_metrics_configurations(Bucket=b)["IsTruncated"] is False
assert s3.list_bucket_inventory_configurations(Bucket=b)["IsTruncated"] is False
assert s3.list_bucket_analytics_configurations(Bucket=b)["IsTruncated"] is False
assert s3.list_bucket_intelligent_tiering_configurations(Bucket=b)["IsTruncated"] is False
assert code(s3.get_bucket_analytics_configuration, Bucket=b, Id="a") == "NoSuchConfiguration"

s3.put_bucket_request_payment(Bucket=b, RequestPaymentConfiguration={"Payer": "BucketOwner"})
assert s3.get_bucket_request_payment(Bucket=b)["Payer"] == "BucketOwner"
s3.put_bucket_logging(Bucket=b, BucketLoggingStatus={})
s3.put_bucket_notification_configuration(Bucket=b, NotificationConfiguration={})
print("ok")
`
	r := run(t, env, py, "-c", script)
	if r.err != nil || strings.TrimSpace(r.stdout) != "ok" {
		t.Fatalf("boto3: %v\nstdout: %s\nstderr: %s", r.err, r.stdout, r.stderr)
	}
}
