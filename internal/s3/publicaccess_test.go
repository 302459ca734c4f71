package s3_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestBlockPublicAccess: a bucket's PublicAccessBlock is enforced, not only stored.
func TestBlockPublicAccess(t *testing.T) {
	e := authzEnv(t)
	c := e.client(root)
	anonGet := func() int {
		req, _ := http.NewRequest("GET", e.url+"/public/p", nil)
		return signedDo(t, req, nil).StatusCode
	}
	block := func(cfg types.PublicAccessBlockConfiguration) {
		t.Helper()
		if _, err := c.PutPublicAccessBlock(ctx, &s3sdk.PutPublicAccessBlockInput{Bucket: aws.String("public"), PublicAccessBlockConfiguration: &cfg}); err != nil {
			t.Fatal(err)
		}
	}
	putPolicy := func(doc string) error {
		_, err := c.PutBucketPolicy(ctx, &s3sdk.PutBucketPolicyInput{Bucket: aws.String("public"), Policy: aws.String(doc)})
		return err
	}
	putObject := func(acl types.ObjectCannedACL) error {
		_, err := c.PutObject(ctx, &s3sdk.PutObjectInput{Bucket: aws.String("public"), Key: aws.String("q"), Body: strings.NewReader("q"), ACL: acl})
		return err
	}
	if got := anonGet(); got != 200 {
		t.Fatalf("anonymous GET under a public policy = %d", got)
	}

	// RestrictPublicBuckets: the public policy no longer serves anonymous callers; the owner's
	// account is unaffected.
	block(types.PublicAccessBlockConfiguration{RestrictPublicBuckets: aws.Bool(true)})
	if got := anonGet(); got != 403 {
		t.Errorf("anonymous GET with RestrictPublicBuckets = %d, want 403", got)
	}
	if _, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("public"), Key: aws.String("p")}); err != nil {
		t.Errorf("root GET with RestrictPublicBuckets: %v", err)
	}

	// BlockPublicPolicy: a public policy is refused, a policy naming principals is not.
	block(types.PublicAccessBlockConfiguration{BlockPublicPolicy: aws.Bool(true)})
	if err := putPolicy(publicBucketPolicy); code(err) != "AccessDenied" || !strings.Contains(err.Error(), "BlockPublicPolicy") {
		t.Errorf("public policy under BlockPublicPolicy: %v", err)
	}
	named := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::public/*"}]}`
	if err := putPolicy(named); err != nil {
		t.Errorf("named policy under BlockPublicPolicy: %v", err)
	}

	// BlockPublicAcls: uploads asking for a public ACL are refused, others are not.
	block(types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true)})
	if err := putObject(types.ObjectCannedACLPublicRead); code(err) != "AccessDenied" {
		t.Errorf("public-read upload under BlockPublicAcls: %v", err)
	}
	if _, err := c.CopyObject(ctx, &s3sdk.CopyObjectInput{Bucket: aws.String("public"), Key: aws.String("copy"), CopySource: aws.String("public/p"),
		ACL: types.ObjectCannedACLPublicReadWrite}); code(err) != "AccessDenied" {
		t.Errorf("public-read-write copy under BlockPublicAcls: %v", err)
	}
	if _, err := c.CreateMultipartUpload(ctx, &s3sdk.CreateMultipartUploadInput{Bucket: aws.String("public"), Key: aws.String("mp"),
		ACL: types.ObjectCannedACLAuthenticatedRead}); code(err) != "AccessDenied" {
		t.Errorf("authenticated-read multipart upload under BlockPublicAcls: %v", err)
	}
	if _, err := c.PutObject(ctx, &s3sdk.PutObjectInput{Bucket: aws.String("public"), Key: aws.String("g"), Body: strings.NewReader("g"),
		GrantRead: aws.String(`uri="http://acs.amazonaws.com/groups/global/AllUsers"`)}); code(err) != "AccessDenied" {
		t.Errorf("a grant to AllUsers under BlockPublicAcls: %v", err)
	}
	for _, acl := range []types.ObjectCannedACL{"", types.ObjectCannedACLPrivate, types.ObjectCannedACLBucketOwnerFullControl} {
		if err := putObject(acl); err != nil {
			t.Errorf("%q upload under BlockPublicAcls: %v", acl, err)
		}
	}

	// GetBucketPolicyStatus judges the stored policy the same way.
	isPublic := func() bool {
		t.Helper()
		out, err := c.GetBucketPolicyStatus(ctx, &s3sdk.GetBucketPolicyStatusInput{Bucket: aws.String("public")})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToBool(out.PolicyStatus.IsPublic)
	}
	if isPublic() {
		t.Error("policy naming bob reported public")
	}

	// Without the block, all of it is allowed again.
	if _, err := c.DeletePublicAccessBlock(ctx, &s3sdk.DeletePublicAccessBlockInput{Bucket: aws.String("public")}); err != nil {
		t.Fatal(err)
	}
	if err := putPolicy(publicBucketPolicy); err != nil {
		t.Errorf("public policy without a block: %v", err)
	}
	if err := putObject(types.ObjectCannedACLPublicRead); err != nil {
		t.Errorf("public-read upload without a block: %v", err)
	}
	if got := anonGet(); got != 200 {
		t.Errorf("anonymous GET without a block = %d", got)
	}
	if !isPublic() {
		t.Error("a policy granting \"*\" reported not public")
	}
	if _, err := c.GetBucketPolicyStatus(ctx, &s3sdk.GetBucketPolicyStatusInput{Bucket: aws.String("data")}); err != nil {
		t.Errorf("policy status of a bucket with a policy: %v", err)
	}
	if _, err := c.GetBucketPolicyStatus(ctx, &s3sdk.GetBucketPolicyStatusInput{Bucket: aws.String("other")}); code(err) != "NoSuchBucketPolicy" {
		t.Errorf("policy status without a policy: %v", err)
	}
}
