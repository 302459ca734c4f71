package s3_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluicehq/sluice/internal/s3"
)

const (
	alicePolicy = `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts"],"Resource":"arn:aws:s3:::data/tenant-a/*"},
	  {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::data"},
	  {"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::data/pub/x","arn:aws:s3:::data/home/${aws:username}/*"]},
	  {"Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"*"}]}`
	jobRolePolicy    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::data","arn:aws:s3:::data/*"]}]}`
	dataBucketPolicy = `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::data/shared/*"},
	  {"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/tenant-a/secret"}]}`
	publicBucketPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::public/*"}]}`
)

func authzEnv(t *testing.T) *env {
	e := newEnv(t, map[string][]string{
		string(alice.principal.ARN):          {alicePolicy},
		"arn:aws:iam::123456789012:role/job": {jobRolePolicy},
	})
	c := e.client(root)
	for _, b := range []string{"data", "public", "other"} {
		mustCreate(t, c, b)
	}
	for _, k := range []string{"tenant-a/f", "tenant-ab/f", "tenant-a/secret", "shared/s", "pub/x", "pub/*", "pub/?", "home/alice/f", "home/${aws:username}/f", "home/bob/f"} {
		mustPut(t, c, "data", k, k)
	}
	mustPut(t, c, "public", "p", "p")
	mustPut(t, c, "other", "o", "o")
	// The buckets' policies are public (Principal "*"): as on AWS, their owner lifts the block
	// public access that new buckets start with.
	for _, b := range []string{"data", "public"} {
		if _, err := c.DeletePublicAccessBlock(ctx, &s3sdk.DeletePublicAccessBlockInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutBucketPolicy(ctx, &s3sdk.PutBucketPolicyInput{Bucket: aws.String("data"), Policy: aws.String(dataBucketPolicy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketPolicy(ctx, &s3sdk.PutBucketPolicyInput{Bucket: aws.String("public"), Policy: aws.String(publicBucketPolicy)}); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestAuthorization(t *testing.T) {
	e := authzEnv(t)
	get := func(bucket, key string) func(*s3sdk.Client) error {
		return func(c *s3sdk.Client) error {
			out, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err == nil {
				io.Copy(io.Discard, out.Body)
				out.Body.Close()
			}
			return err
		}
	}
	put := func(bucket, key string) func(*s3sdk.Client) error {
		return func(c *s3sdk.Client) error {
			_, err := c.PutObject(ctx, &s3sdk.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("new")})
			return err
		}
	}
	del := func(bucket, key string) func(*s3sdk.Client) error {
		return func(c *s3sdk.Client) error {
			_, err := c.DeleteObject(ctx, &s3sdk.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			return err
		}
	}
	list := func(bucket, prefix string) func(*s3sdk.Client) error {
		return func(c *s3sdk.Client) error {
			_, err := c.ListObjectsV2(ctx, &s3sdk.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
			return err
		}
	}
	copyObj := func(src, dstBucket, dstKey string) func(*s3sdk.Client) error {
		return func(c *s3sdk.Client) error {
			_, err := c.CopyObject(ctx, &s3sdk.CopyObjectInput{Bucket: aws.String(dstBucket), Key: aws.String(dstKey), CopySource: aws.String(src)})
			return err
		}
	}
	cases := []struct {
		name string
		who  caller
		op   func(*s3sdk.Client) error
		want string
	}{
		{"alice get own prefix", alice, get("data", "tenant-a/f"), ""},
		{"alice get sibling prefix", alice, get("data", "tenant-ab/f"), "AccessDenied"},
		{"alice put own prefix", alice, put("data", "tenant-a/new"), ""},
		{"alice put sibling prefix", alice, put("data", "tenant-ab/new"), "AccessDenied"},
		{"alice delete own", alice, del("data", "tenant-a/new"), ""},
		{"alice delete sibling", alice, del("data", "tenant-ab/f"), "AccessDenied"},
		{"alice list", alice, list("data", ""), ""},
		{"alice list other bucket", alice, list("other", ""), "AccessDenied"},
		{"alice get other bucket", alice, get("other", "o"), "AccessDenied"},
		{"alice missing key with ListBucket", alice, get("data", "tenant-a/missing"), "NoSuchKey"},
		{"alice missing bucket", alice, get("nosuch", "tenant-a/f"), "AccessDenied"},
		{"bucket policy deny beats identity allow", alice, get("data", "tenant-a/secret"), "AccessDenied"},
		{"literal key * is not a wildcard", alice, get("data", "pub/*"), "AccessDenied"},
		{"literal key ? is not a wildcard", alice, get("data", "pub/?"), "AccessDenied"},
		{"exact key allowed", alice, get("data", "pub/x"), ""},
		{"policy variable", alice, get("data", "home/alice/f"), ""},
		{"literal ${} key is not a variable", alice, get("data", "home/${aws:username}/f"), "AccessDenied"},
		{"variable for another user", alice, get("data", "home/bob/f"), "AccessDenied"},
		{"copy needs GetObject on source", alice, copyObj("data/tenant-ab/f", "data", "tenant-a/copy"), "AccessDenied"},
		{"copy needs PutObject on destination", alice, copyObj("data/tenant-a/f", "data", "tenant-ab/copy"), "AccessDenied"},
		{"copy allowed", alice, copyObj("data/tenant-a/f", "data", "tenant-a/copy"), ""},
		{"bob via bucket policy naming the user", bob, get("data", "shared/s"), ""},
		{"bob missing key without ListBucket", bob, get("data", "shared/missing"), "AccessDenied"},
		{"bob outside the bucket policy", bob, get("data", "tenant-a/f"), "AccessDenied"},
		{"bob list", bob, list("data", ""), "AccessDenied"},
		{"session scoped to tenant-a", tenantA, get("data", "tenant-a/f"), ""},
		{"session never reaches tenant-ab", tenantA, get("data", "tenant-ab/f"), "AccessDenied"},
		{"session put sibling", tenantA, put("data", "tenant-ab/x"), "AccessDenied"},
		{"session list cut by session policy", tenantA, list("data", "tenant-a/"), "AccessDenied"},
		{"session other bucket", tenantA, get("other", "o"), "AccessDenied"},
		{"root anything", root, get("other", "o"), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := code(tc.op(e.client(tc.who))); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	// Alice's list of buckets and HEAD of an unknown bucket without rights.
	if _, err := e.client(alice).ListBuckets(ctx, &s3sdk.ListBucketsInput{}); err != nil {
		t.Errorf("alice ListBuckets = %v", err)
	}
	if _, err := e.client(bob).ListBuckets(ctx, &s3sdk.ListBucketsInput{}); code(err) != "AccessDenied" {
		t.Errorf("bob ListBuckets = %v", err)
	}
	if _, err := e.client(bob).HeadBucket(ctx, &s3sdk.HeadBucketInput{Bucket: aws.String("nosuch")}); code(err) != "Forbidden" {
		t.Errorf("bob HeadBucket(missing) = %v, want 403", err)
	}
	// DeleteObjects reports per-key denials.
	out, err := e.client(alice).DeleteObjects(ctx, &s3sdk.DeleteObjectsInput{Bucket: aws.String("data"), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("tenant-a/copy")}, {Key: aws.String("tenant-ab/f")}}}})
	if err != nil || len(out.Deleted) != 1 || len(out.Errors) != 1 || aws.ToString(out.Errors[0].Code) != "AccessDenied" {
		t.Errorf("DeleteObjects = %+v, %v", out, err)
	}
}

func TestAnonymous(t *testing.T) {
	e := authzEnv(t)
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/public/p", 200},
		{"GET", "/public/missing", 403},
		{"PUT", "/public/p", 403},
		{"GET", "/public", 403},
		{"GET", "/data/pub/x", 403},
		{"GET", "/nosuch/x", 403},
		{"GET", "/", 403},
	} {
		req, _ := http.NewRequest(c.method, e.url+c.path, nil)
		if resp := signedDo(t, req, nil); resp.StatusCode != c.status {
			t.Errorf("anonymous %s %s = %d %s, want %d", c.method, c.path, resp.StatusCode, resp.body, c.status)
		}
	}
}

// TestEveryRouteAuthorizes sends every operation as a caller with no permissions: each must be
// denied before it does anything.
func TestEveryRouteAuthorizes(t *testing.T) {
	e := authzEnv(t)
	reqs := map[string][2]string{ // op → method, path?query
		"ListBuckets": {"GET", "/"}, "PutBucketPolicy": {"PUT", "/data?policy"}, "GetBucketPolicy": {"GET", "/data?policy"},
		"DeleteBucketPolicy": {"DELETE", "/data?policy"}, "GetBucketLocation": {"GET", "/data?location"}, "GetBucketAcl": {"GET", "/data?acl"},
		"PutBucketAcl": {"PUT", "/data?acl"}, "ListMultipartUploads": {"GET", "/data?uploads"}, "ListObjectVersions": {"GET", "/data?versions"},
		"DeleteObjects": {"POST", "/nosuch?delete"}, "ListObjectsV2": {"GET", "/data?list-type=2"}, "ListObjects": {"GET", "/data"},
		"HeadBucket": {"HEAD", "/data"}, "CreateBucket": {"PUT", "/newbucket"}, "DeleteBucket": {"DELETE", "/data"},
		"CreateMultipartUpload": {"POST", "/data/k?uploads"}, "CompleteMultipartUpload": {"POST", "/data/k?uploadId=x"},
		"UploadPart": {"PUT", "/data/k?uploadId=x&partNumber=1"}, "ListParts": {"GET", "/data/k?uploadId=x"},
		"AbortMultipartUpload": {"DELETE", "/data/k?uploadId=x"}, "GetObjectAcl": {"GET", "/data/k?acl"}, "PutObjectAcl": {"PUT", "/data/k?acl"},
		"GetObjectTagging": {"GET", "/data/k?tagging"}, "PutObjectTagging": {"PUT", "/data/k?tagging"}, "DeleteObjectTagging": {"DELETE", "/data/k?tagging"},
		"GetObjectAttributes": {"GET", "/data/k?attributes"}, "GetObject": {"GET", "/data/k"}, "HeadObject": {"HEAD", "/data/k"},
		"PutObject": {"PUT", "/data/k"}, "DeleteObject": {"DELETE", "/data/k"},
	}
	for _, op := range s3.Operations() {
		spec, ok := reqs[op]
		if !ok {
			spec, ok = configRequest(op)
		}
		if !ok {
			t.Errorf("operation %s is not covered", op)
			continue
		}
		req, _ := http.NewRequest(spec[0], e.url+spec[1], strings.NewReader(""))
		resp := signedDo(t, req, &bob)
		if resp.StatusCode != 403 || (spec[0] != "HEAD" && !strings.Contains(resp.body, "<Code>AccessDenied</Code>")) {
			t.Errorf("%s (%s %s) as bob = %d %s", op, spec[0], spec[1], resp.StatusCode, resp.body)
		}
	}
}

// configParams maps the bucket sub-resource operations' names (without Get, Put, Delete, List)
// to their query parameter.
var configParams = map[string]string{
	"BucketVersioning": "versioning", "BucketEncryption": "encryption", "BucketTagging": "tagging", "BucketCors": "cors",
	"BucketLifecycleConfiguration": "lifecycle", "BucketLifecycle": "lifecycle", "BucketOwnershipControls": "ownershipControls",
	"PublicAccessBlock": "publicAccessBlock", "ObjectLockConfiguration": "object-lock", "BucketWebsite": "website",
	"BucketReplication": "replication", "BucketPolicyStatus": "policyStatus", "BucketLogging": "logging",
	"BucketNotificationConfiguration": "notification", "BucketRequestPayment": "requestPayment",
	"BucketAccelerateConfiguration": "accelerate", "BucketAnalyticsConfiguration": "analytics&id=a",
	"BucketMetricsConfiguration": "metrics&id=a", "BucketInventoryConfiguration": "inventory&id=a",
	"BucketIntelligentTieringConfiguration": "intelligent-tiering&id=a",
	"BucketAnalyticsConfigurations":         "analytics", "BucketMetricsConfigurations": "metrics",
	"BucketInventoryConfigurations": "inventory", "BucketIntelligentTieringConfigurations": "intelligent-tiering",
}

// configRequest returns the method and path of a bucket sub-resource operation.
func configRequest(op string) ([2]string, bool) {
	for _, p := range []string{"Get", "Put", "Delete", "List"} {
		if rest, ok := strings.CutPrefix(op, p); ok {
			if param, ok := configParams[rest]; ok {
				method := strings.ToUpper(p)
				if method == "LIST" {
					method = "GET"
				}
				return [2]string{method, "/data?" + param}, true
			}
		}
	}
	return [2]string{}, false
}
