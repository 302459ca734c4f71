package interop

import (
	"encoding/json"
	"os"
	"path/filepath"
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
	// Enforced, not only stored: a public policy and a public-read upload are refused.
	fails("AccessDenied", "s3api", "put-bucket-policy", "--bucket", b, "--policy",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::confs/*"}]}`)
	fails("AccessDenied", "s3api", "put-object", "--bucket", b, "--key", "x", "--acl", "public-read")
	aws("s3api", "put-object", "--bucket", b, "--key", "x")

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

// TestS3ObjectTaggingCLI tags objects with the aws CLI v2: on upload (put-object --tagging),
// with the object tagging commands, and through copy-object's tagging directive.
func TestS3ObjectTaggingCLI(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "2")
	d := startSluice(t)
	ep := d.Endpoint()
	env := clientEnv(ep)
	aws := func(args ...string) string {
		return mustRun(t, env, cli, append([]string{"--endpoint-url", ep, "--output", "json"}, args...)...)
	}
	awsJSON := func(args ...string) map[string]any {
		var v map[string]any
		out := aws(args...)
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
	tagSet := func(kv ...string) map[string]any {
		var ts []any
		for i := 0; i < len(kv); i += 2 {
			ts = append(ts, map[string]any{"Key": kv[i], "Value": kv[i+1]})
		}
		if ts == nil {
			ts = []any{}
		}
		return map[string]any{"TagSet": ts}
	}
	body := filepath.Join(t.TempDir(), "body.txt")
	if err := os.WriteFile(body, []byte("tagged bytes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := "objtags"
	aws("s3api", "create-bucket", "--bucket", b)
	aws("s3api", "put-object", "--bucket", b, "--key", "k", "--body", body, "--tagging", "team=lake&env=prod%20eu")
	if diff := cmp.Diff(tagSet("env", "prod eu", "team", "lake"), awsJSON("s3api", "get-object-tagging", "--bucket", b, "--key", "k")); diff != "" {
		t.Errorf("get-object-tagging after put-object (-want +got):\n%s", diff)
	}
	// get-object shows x-amz-tagging-count (the CLI's model has no TagCount for head-object).
	out := filepath.Join(t.TempDir(), "out")
	if g := awsJSON("s3api", "get-object", "--bucket", b, "--key", "k", out); g["TagCount"] != 2.0 {
		t.Errorf("get-object TagCount = %v, want 2", g["TagCount"])
	}
	head := awsJSON("s3api", "head-object", "--bucket", b, "--key", "k")
	aws("s3api", "put-object-tagging", "--bucket", b, "--key", "k", "--tagging", `{"TagSet":[{"Key":"stage","Value":"curated"}]}`)
	if diff := cmp.Diff(tagSet("stage", "curated"), awsJSON("s3api", "get-object-tagging", "--bucket", b, "--key", "k")); diff != "" {
		t.Errorf("get-object-tagging after put-object-tagging (-want +got):\n%s", diff)
	}
	if h := awsJSON("s3api", "head-object", "--bucket", b, "--key", "k"); h["ETag"] != head["ETag"] || h["LastModified"] != head["LastModified"] {
		t.Errorf("put-object-tagging changed the object: %v, was %v", h, head)
	}
	aws("s3api", "copy-object", "--bucket", b, "--key", "copied", "--copy-source", b+"/k")
	if diff := cmp.Diff(tagSet("stage", "curated"), awsJSON("s3api", "get-object-tagging", "--bucket", b, "--key", "copied")); diff != "" {
		t.Errorf("copy-object keeps tags (-want +got):\n%s", diff)
	}
	aws("s3api", "copy-object", "--bucket", b, "--key", "replaced", "--copy-source", b+"/k", "--tagging-directive", "REPLACE", "--tagging", "new=1")
	if diff := cmp.Diff(tagSet("new", "1"), awsJSON("s3api", "get-object-tagging", "--bucket", b, "--key", "replaced")); diff != "" {
		t.Errorf("copy-object REPLACE (-want +got):\n%s", diff)
	}
	fails("InvalidTag", "s3api", "put-object-tagging", "--bucket", b, "--key", "k", "--tagging", `{"TagSet":[{"Key":"aws:x","Value":"1"}]}`)
	fails("InvalidTag", "s3api", "put-object", "--bucket", b, "--key", "bad", "--body", body, "--tagging", "a=1&a=2")
	aws("s3api", "delete-object-tagging", "--bucket", b, "--key", "k")
	if diff := cmp.Diff(tagSet(), awsJSON("s3api", "get-object-tagging", "--bucket", b, "--key", "k")); diff != "" {
		t.Errorf("get-object-tagging after delete (-want +got):\n%s", diff)
	}
	if g := awsJSON("s3api", "get-object", "--bucket", b, "--key", "k", out); g["TagCount"] != nil {
		t.Errorf("get-object of an untagged object has TagCount %v", g["TagCount"])
	}
}

// TestS3ObjectTaggingBoto3 does the same with Debian's boto3, multipart included.
func TestS3ObjectTaggingBoto3(t *testing.T) {
	t.Parallel()
	py := debianPython(t)
	d := startSluice(t)
	env := clientEnv(d.Endpoint())
	script := `
import os, boto3, botocore
s3 = boto3.client("s3", endpoint_url=os.environ["SLUICE_ENDPOINT"])
b = "objtags-boto"
s3.create_bucket(Bucket=b)

def code(f, **kw):
    try:
        f(**kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    return ""

s3.put_object(Bucket=b, Key="k", Body=b"x", Tagging="team=lake&pii=false")
assert s3.get_object_tagging(Bucket=b, Key="k")["TagSet"] == [{"Key": "pii", "Value": "false"}, {"Key": "team", "Value": "lake"}]
assert s3.get_object(Bucket=b, Key="k")["TagCount"] == 2
s3.put_object_tagging(Bucket=b, Key="k", Tagging={"TagSet": [{"Key": "stage", "Value": "raw"}]})
# Older botocore models have no TagCount for HeadObject: read the header.
assert s3.head_object(Bucket=b, Key="k")["ResponseMetadata"]["HTTPHeaders"]["x-amz-tagging-count"] == "1"
too_many = [{"Key": "k%d" % i, "Value": "v"} for i in range(11)]
assert code(s3.put_object_tagging, Bucket=b, Key="k", Tagging={"TagSet": too_many}) == "InvalidTag"
assert code(s3.get_object_tagging, Bucket=b, Key="missing") == "NoSuchKey"

up = s3.create_multipart_upload(Bucket=b, Key="mp", Tagging="mp=yes")
p = s3.upload_part(Bucket=b, Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=b"part")
s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=up["UploadId"], MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]})
assert s3.get_object_tagging(Bucket=b, Key="mp")["TagSet"] == [{"Key": "mp", "Value": "yes"}]

s3.copy_object(Bucket=b, Key="c", CopySource={"Bucket": b, "Key": "k"}, TaggingDirective="REPLACE", Tagging="copied=1")
assert s3.get_object_tagging(Bucket=b, Key="c")["TagSet"] == [{"Key": "copied", "Value": "1"}]
s3.delete_object_tagging(Bucket=b, Key="k")
assert s3.get_object_tagging(Bucket=b, Key="k")["TagSet"] == []
assert "x-amz-tagging-count" not in s3.head_object(Bucket=b, Key="k")["ResponseMetadata"]["HTTPHeaders"]
print("ok")
`
	r := run(t, env, py, "-c", script)
	if r.err != nil || strings.TrimSpace(r.stdout) != "ok" {
		t.Fatalf("boto3: %v\nstdout: %s\nstderr: %s", r.err, r.stdout, r.stderr)
	}
}
