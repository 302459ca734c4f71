package s3_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

var ctx = context.Background()

// code returns the AWS error code of err ("" for nil).
func code(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return err.Error()
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

func mustCreate(t *testing.T, c *s3sdk.Client, bucket string) {
	t.Helper()
	if _, err := c.CreateBucket(ctx, &s3sdk.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket(%s): %v", bucket, err)
	}
}

func mustPut(t *testing.T, c *s3sdk.Client, bucket, key, body string) {
	t.Helper()
	if _, err := c.PutObject(ctx, &s3sdk.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		t.Fatalf("PutObject(%s/%s): %v", bucket, key, err)
	}
}

func TestBuckets(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(root)
	mustCreate(t, c, "alpha")
	mustCreate(t, c, "beta.dots")
	_, err := c.CreateBucket(ctx, &s3sdk.CreateBucketInput{Bucket: aws.String("alpha")})
	if code(err) != "BucketAlreadyOwnedByYou" {
		t.Errorf("second CreateBucket = %v", err)
	}
	for _, bad := range []string{"ab", "Upper", "-lead", "trail-", "a..b", "192.168.1.1", "xn--abc", strings.Repeat("a", 64), "under_score"} {
		_, err := c.CreateBucket(ctx, &s3sdk.CreateBucketInput{Bucket: aws.String(bad)})
		if code(err) != "InvalidBucketName" {
			t.Errorf("CreateBucket(%q) = %v, want InvalidBucketName", bad, err)
		}
	}
	lb, err := c.ListBuckets(ctx, &s3sdk.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range lb.Buckets {
		names = append(names, aws.ToString(b.Name))
		if b.CreationDate == nil || time.Since(*b.CreationDate) > time.Minute {
			t.Errorf("bucket %s creation date %v", *b.Name, b.CreationDate)
		}
	}
	if diff := cmp.Diff([]string{"alpha", "beta.dots"}, names); diff != "" {
		t.Errorf("ListBuckets (-want +got):\n%s", diff)
	}
	hb, err := c.HeadBucket(ctx, &s3sdk.HeadBucketInput{Bucket: aws.String("alpha")})
	if err != nil || aws.ToString(hb.BucketRegion) != "us-east-1" {
		t.Errorf("HeadBucket = %+v, %v", hb, err)
	}
	if _, err := c.HeadBucket(ctx, &s3sdk.HeadBucketInput{Bucket: aws.String("nope")}); code(err) != "NotFound" {
		t.Errorf("HeadBucket(missing) = %v", err)
	}
	loc, err := c.GetBucketLocation(ctx, &s3sdk.GetBucketLocationInput{Bucket: aws.String("alpha")})
	if err != nil || loc.LocationConstraint != "" {
		t.Errorf("GetBucketLocation = %+v, %v", loc, err)
	}
	// Probes of unconfigured sub-resources.
	v, err := c.GetBucketVersioning(ctx, &s3sdk.GetBucketVersioningInput{Bucket: aws.String("alpha")})
	if err != nil || v.Status != "" {
		t.Errorf("GetBucketVersioning = %+v, %v", v, err)
	}
	if _, err := c.GetBucketEncryption(ctx, &s3sdk.GetBucketEncryptionInput{Bucket: aws.String("alpha")}); code(err) != "ServerSideEncryptionConfigurationNotFoundError" {
		t.Errorf("GetBucketEncryption = %v", err)
	}
	if _, err := c.GetBucketTagging(ctx, &s3sdk.GetBucketTaggingInput{Bucket: aws.String("alpha")}); code(err) != "NoSuchTagSet" {
		t.Errorf("GetBucketTagging = %v", err)
	}
	if _, err := c.GetBucketPolicy(ctx, &s3sdk.GetBucketPolicyInput{Bucket: aws.String("alpha")}); code(err) != "NoSuchBucketPolicy" {
		t.Errorf("GetBucketPolicy = %v", err)
	}
	if acl, err := c.GetBucketAcl(ctx, &s3sdk.GetBucketAclInput{Bucket: aws.String("alpha")}); err != nil || len(acl.Grants) != 1 {
		t.Errorf("GetBucketAcl = %+v, %v", acl, err)
	}
	// New buckets block public access, as on AWS since April 2023; a public policy needs the
	// block gone first.
	if pab, err := c.GetPublicAccessBlock(ctx, &s3sdk.GetPublicAccessBlockInput{Bucket: aws.String("alpha")}); err != nil ||
		!aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) || !aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets) {
		t.Errorf("GetPublicAccessBlock of a new bucket = %+v, %v", pab, err)
	}
	if _, err := c.DeletePublicAccessBlock(ctx, &s3sdk.DeletePublicAccessBlockInput{Bucket: aws.String("alpha")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketLifecycleConfiguration(ctx, &s3sdk.GetBucketLifecycleConfigurationInput{Bucket: aws.String("alpha")}); code(err) != "NoSuchLifecycleConfiguration" {
		t.Errorf("GetBucketLifecycleConfiguration = %v", err)
	}
	// Policies.
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::alpha/*"}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3sdk.PutBucketPolicyInput{Bucket: aws.String("alpha"), Policy: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	gp, err := c.GetBucketPolicy(ctx, &s3sdk.GetBucketPolicyInput{Bucket: aws.String("alpha")})
	if err != nil || aws.ToString(gp.Policy) != doc {
		t.Errorf("GetBucketPolicy = %v, %v", gp, err)
	}
	if _, err := c.PutBucketPolicy(ctx, &s3sdk.PutBucketPolicyInput{Bucket: aws.String("alpha"), Policy: aws.String(`{"Statement":[{"Effect":"Allow"}]}`)}); code(err) != "MalformedPolicy" {
		t.Errorf("PutBucketPolicy(bad) = %v", err)
	}
	if _, err := c.DeleteBucketPolicy(ctx, &s3sdk.DeleteBucketPolicyInput{Bucket: aws.String("alpha")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketPolicy(ctx, &s3sdk.GetBucketPolicyInput{Bucket: aws.String("alpha")}); code(err) != "NoSuchBucketPolicy" {
		t.Errorf("GetBucketPolicy after delete = %v", err)
	}
	// Delete: only empty.
	mustPut(t, c, "alpha", "k", "v")
	if _, err := c.DeleteBucket(ctx, &s3sdk.DeleteBucketInput{Bucket: aws.String("alpha")}); code(err) != "BucketNotEmpty" {
		t.Errorf("DeleteBucket(non-empty) = %v", err)
	}
	c.DeleteObject(ctx, &s3sdk.DeleteObjectInput{Bucket: aws.String("alpha"), Key: aws.String("k")})
	if _, err := c.DeleteBucket(ctx, &s3sdk.DeleteBucketInput{Bucket: aws.String("alpha")}); err != nil {
		t.Errorf("DeleteBucket = %v", err)
	}
	if _, err := c.DeleteBucket(ctx, &s3sdk.DeleteBucketInput{Bucket: aws.String("alpha")}); code(err) != "NoSuchBucket" {
		t.Errorf("DeleteBucket(gone) = %v", err)
	}
	if _, err := c.ListObjectsV2(ctx, &s3sdk.ListObjectsV2Input{Bucket: aws.String("alpha")}); code(err) != "NoSuchBucket" {
		t.Errorf("ListObjectsV2(gone) = %v", err)
	}
}

func TestObjects(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(root)
	mustCreate(t, c, "bkt")
	body := "0123456789abcdefghij"
	put, err := c.PutObject(ctx, &s3sdk.PutObjectInput{
		Bucket: aws.String("bkt"), Key: aws.String("dir/obj.txt"), Body: strings.NewReader(body),
		ContentType: aws.String("text/plain"), ContentDisposition: aws.String("inline"), CacheControl: aws.String("max-age=60"),
		ContentLanguage: aws.String("en"), Metadata: map[string]string{"color": "blue"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(put.ETag) != `"`+md5hex([]byte(body))+`"` {
		t.Errorf("ETag = %s", aws.ToString(put.ETag))
	}
	get, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/obj.txt")})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(get.Body)
	if string(data) != body || aws.ToString(get.ContentType) != "text/plain" || get.Metadata["color"] != "blue" ||
		aws.ToString(get.CacheControl) != "max-age=60" || aws.ToString(get.ContentDisposition) != "inline" || aws.ToString(get.ContentLanguage) != "en" {
		t.Errorf("GetObject = %q %+v", data, get)
	}
	// Range.
	for _, c2 := range []struct{ rng, want, cr string }{
		{"bytes=0-4", "01234", "bytes 0-4/20"},
		{"bytes=15-", "fghij", "bytes 15-19/20"},
		{"bytes=-3", "hij", "bytes 17-19/20"},
		{"bytes=18-100", "ij", "bytes 18-19/20"},
	} {
		g, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/obj.txt"), Range: aws.String(c2.rng)})
		if err != nil {
			t.Fatalf("range %s: %v", c2.rng, err)
		}
		d, _ := io.ReadAll(g.Body)
		if string(d) != c2.want || aws.ToString(g.ContentRange) != c2.cr {
			t.Errorf("range %s = %q %q", c2.rng, d, aws.ToString(g.ContentRange))
		}
	}
	if _, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/obj.txt"), Range: aws.String("bytes=20-")}); code(err) != "InvalidRange" {
		t.Errorf("unsatisfiable range = %v", err)
	}
	// Conditionals.
	etag := aws.ToString(put.ETag)
	if _, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/obj.txt"), IfMatch: aws.String(`"nope"`)}); code(err) != "PreconditionFailed" {
		t.Errorf("If-Match mismatch = %v", err)
	}
	if _, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/obj.txt"), IfMatch: aws.String(etag)}); err != nil {
		t.Errorf("If-Match match = %v", err)
	}
	if _, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/obj.txt"), IfNoneMatch: aws.String(etag)}); code(err) != "NotModified" {
		t.Errorf("If-None-Match match = %v", err)
	}
	if _, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/obj.txt"), IfModifiedSince: aws.Time(time.Now().Add(time.Hour))}); code(err) != "NotModified" {
		t.Errorf("If-Modified-Since future = %v", err)
	}
	if _, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/obj.txt"), IfUnmodifiedSince: aws.Time(time.Now().Add(-time.Hour))}); code(err) != "PreconditionFailed" {
		t.Errorf("If-Unmodified-Since past = %v", err)
	}
	// response-* overrides.
	g, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/obj.txt"), ResponseContentType: aws.String("application/x-over")})
	if err != nil || aws.ToString(g.ContentType) != "application/x-over" {
		t.Errorf("response-content-type = %v, %v", g, err)
	}
	h, err := c.HeadObject(ctx, &s3sdk.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/obj.txt")})
	if err != nil || aws.ToInt64(h.ContentLength) != 20 || aws.ToString(h.ETag) != etag {
		t.Errorf("HeadObject = %+v, %v", h, err)
	}
	if _, err := c.HeadObject(ctx, &s3sdk.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("missing")}); code(err) != "NotFound" {
		t.Errorf("HeadObject(missing) = %v", err)
	}
	if _, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("missing")}); code(err) != "NoSuchKey" {
		t.Errorf("GetObject(missing) = %v", err)
	}
	// Copy.
	cp, err := c.CopyObject(ctx, &s3sdk.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("copy"), CopySource: aws.String("bkt/dir/obj.txt")})
	if err != nil || aws.ToString(cp.CopyObjectResult.ETag) != etag {
		t.Fatalf("CopyObject = %+v, %v", cp, err)
	}
	hc, _ := c.HeadObject(ctx, &s3sdk.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("copy")})
	if hc.Metadata["color"] != "blue" || aws.ToString(hc.ContentType) != "text/plain" {
		t.Errorf("COPY directive lost metadata: %+v", hc)
	}
	if _, err := c.CopyObject(ctx, &s3sdk.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("copy"), CopySource: aws.String("bkt/copy")}); code(err) != "InvalidRequest" {
		t.Errorf("self copy = %v", err)
	}
	if _, err := c.CopyObject(ctx, &s3sdk.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("copy"), CopySource: aws.String("bkt/copy"),
		MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("a/b"), Metadata: map[string]string{"new": "1"}}); err != nil {
		t.Errorf("REPLACE copy = %v", err)
	}
	hc, _ = c.HeadObject(ctx, &s3sdk.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("copy")})
	if hc.Metadata["color"] != "" || hc.Metadata["new"] != "1" || aws.ToString(hc.ContentType) != "a/b" {
		t.Errorf("REPLACE directive: %+v", hc)
	}
	if _, err := c.CopyObject(ctx, &s3sdk.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("x"), CopySource: aws.String("bkt/missing")}); code(err) != "NoSuchKey" {
		t.Errorf("copy of missing = %v", err)
	}
	// Delete, idempotent; DeleteObjects.
	for range 2 {
		if _, err := c.DeleteObject(ctx, &s3sdk.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("copy")}); err != nil {
			t.Errorf("DeleteObject = %v", err)
		}
	}
	mustPut(t, c, "bkt", "d1", "x")
	mustPut(t, c, "bkt", "d2", "x")
	do, err := c.DeleteObjects(ctx, &s3sdk.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("d1")}, {Key: aws.String("d2")}, {Key: aws.String("d3")}}}})
	if err != nil || len(do.Deleted) != 3 || len(do.Errors) != 0 {
		t.Errorf("DeleteObjects = %+v, %v", do, err)
	}
	mustPut(t, c, "bkt", "d1", "x")
	do, err = c.DeleteObjects(ctx, &s3sdk.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Quiet: aws.Bool(true),
		Objects: []types.ObjectIdentifier{{Key: aws.String("d1")}}}})
	if err != nil || len(do.Deleted) != 0 || len(do.Errors) != 0 {
		t.Errorf("DeleteObjects quiet = %+v, %v", do, err)
	}
	if _, err := c.HeadObject(ctx, &s3sdk.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("d1")}); code(err) != "NotFound" {
		t.Errorf("d1 after DeleteObjects = %v", err)
	}
}

func TestList(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(root)
	mustCreate(t, c, "bkt")
	keys := []string{"a/1", "a/2", "a/b/1", "b", "c d+e", "c/1", "c/2", "tenant-a/x", "tenant-ab/x"}
	for _, k := range keys {
		mustPut(t, c, "bkt", k, k)
	}
	type page struct {
		Keys, Prefixes []string
	}
	v2 := func(in *s3sdk.ListObjectsV2Input) []page {
		t.Helper()
		in.Bucket = aws.String("bkt")
		var pages []page
		p := s3sdk.NewListObjectsV2Paginator(c, in)
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var pg page
			for _, o := range out.Contents {
				pg.Keys = append(pg.Keys, aws.ToString(o.Key))
			}
			for _, cp := range out.CommonPrefixes {
				pg.Prefixes = append(pg.Prefixes, aws.ToString(cp.Prefix))
			}
			if int(aws.ToInt32(out.KeyCount)) != len(pg.Keys)+len(pg.Prefixes) {
				t.Errorf("KeyCount %d for %+v", aws.ToInt32(out.KeyCount), pg)
			}
			pages = append(pages, pg)
		}
		return pages
	}
	cases := []struct {
		name string
		in   s3sdk.ListObjectsV2Input
		want []page
	}{
		{"all", s3sdk.ListObjectsV2Input{}, []page{{Keys: keys}}},
		{"delimiter", s3sdk.ListObjectsV2Input{Delimiter: aws.String("/")}, []page{{Keys: []string{"b", "c d+e"}, Prefixes: []string{"a/", "c/", "tenant-a/", "tenant-ab/"}}}},
		{"prefix-delimiter", s3sdk.ListObjectsV2Input{Prefix: aws.String("a/"), Delimiter: aws.String("/")}, []page{{Keys: []string{"a/1", "a/2"}, Prefixes: []string{"a/b/"}}}},
		{"paged", s3sdk.ListObjectsV2Input{MaxKeys: aws.Int32(4)}, []page{{Keys: keys[:4]}, {Keys: keys[4:8]}, {Keys: keys[8:]}}},
		{"paged-delimiter", s3sdk.ListObjectsV2Input{Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)},
			[]page{{Prefixes: []string{"a/"}, Keys: []string{"b"}}, {Keys: []string{"c d+e"}, Prefixes: []string{"c/"}}, {Prefixes: []string{"tenant-a/", "tenant-ab/"}}}},
		{"start-after", s3sdk.ListObjectsV2Input{StartAfter: aws.String("c/1")}, []page{{Keys: []string{"c/2", "tenant-a/x", "tenant-ab/x"}}}},
		{"tenant-prefix", s3sdk.ListObjectsV2Input{Prefix: aws.String("tenant-a/")}, []page{{Keys: []string{"tenant-a/x"}}}},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, v2(&tc.in)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	// V1 with markers.
	var got []string
	marker := ""
	for {
		out, err := c.ListObjects(ctx, &s3sdk.ListObjectsInput{Bucket: aws.String("bkt"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(3), Marker: aws.String(marker)})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			got = append(got, aws.ToString(o.Key))
		}
		for _, p := range out.CommonPrefixes {
			got = append(got, aws.ToString(p.Prefix))
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		marker = aws.ToString(out.NextMarker)
	}
	if diff := cmp.Diff([]string{"b", "c d+e", "a/", "c/", "tenant-a/", "tenant-ab/"}, got); diff != "" {
		t.Errorf("V1 pages (-want +got):\n%s", diff)
	}
	// encoding-type=url encodes keys (the SDK leaves them encoded).
	out, err := c.ListObjectsV2(ctx, &s3sdk.ListObjectsV2Input{Bucket: aws.String("bkt"), Prefix: aws.String("c "), EncodingType: types.EncodingTypeUrl})
	if err != nil || len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "c+d%2Be" || aws.ToString(out.Prefix) != "c+" {
		t.Errorf("encoding-type=url: %+v %v", out, err)
	}
	if _, err := c.ListObjectsV2(ctx, &s3sdk.ListObjectsV2Input{Bucket: aws.String("bkt"), MaxKeys: aws.Int32(-1)}); code(err) != "InvalidArgument" {
		t.Errorf("max-keys=-1: %v", err)
	}
}

func TestMultipart(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(root)
	mustCreate(t, c, "bkt")
	cr, err := c.CreateMultipartUpload(ctx, &s3sdk.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("big"), ContentType: aws.String("x/y"),
		Metadata: map[string]string{"m": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	id := cr.UploadId
	parts := [][]byte{bytes.Repeat([]byte("a"), 2048), bytes.Repeat([]byte("b"), 2048), []byte("tail")}
	var done []types.CompletedPart
	var sums []byte
	for i, p := range parts {
		up, err := c.UploadPart(ctx, &s3sdk.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("big"), UploadId: id,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: up.ETag})
		s := md5.Sum(p)
		sums = append(sums, s[:]...)
	}
	lp, err := c.ListParts(ctx, &s3sdk.ListPartsInput{Bucket: aws.String("bkt"), Key: aws.String("big"), UploadId: id})
	if err != nil || len(lp.Parts) != 3 || aws.ToInt64(lp.Parts[0].Size) != 2048 {
		t.Errorf("ListParts = %+v, %v", lp, err)
	}
	lu, err := c.ListMultipartUploads(ctx, &s3sdk.ListMultipartUploadsInput{Bucket: aws.String("bkt")})
	if err != nil || len(lu.Uploads) != 1 || aws.ToString(lu.Uploads[0].UploadId) != aws.ToString(id) {
		t.Errorf("ListMultipartUploads = %+v, %v", lu, err)
	}
	complete := func(ps []types.CompletedPart) error {
		_, err := c.CompleteMultipartUpload(ctx, &s3sdk.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("big"), UploadId: id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: ps}})
		return err
	}
	if err := complete([]types.CompletedPart{done[1], done[0], done[2]}); code(err) != "InvalidPartOrder" {
		t.Errorf("wrong order = %v", err)
	}
	if err := complete([]types.CompletedPart{done[0], {PartNumber: aws.Int32(2), ETag: aws.String(`"0000"`)}, done[2]}); code(err) != "InvalidPart" {
		t.Errorf("wrong etag = %v", err)
	}
	if err := complete([]types.CompletedPart{done[0], {PartNumber: aws.Int32(7), ETag: done[1].ETag}}); code(err) != "InvalidPart" {
		t.Errorf("missing part = %v", err)
	}
	if err := complete([]types.CompletedPart{done[2], {PartNumber: aws.Int32(4), ETag: done[2].ETag}}); code(err) != "InvalidPart" {
		t.Errorf("missing part 4 = %v", err)
	}
	// A small non-last part.
	small, _ := c.UploadPart(ctx, &s3sdk.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("big"), UploadId: id, PartNumber: aws.Int32(5), Body: strings.NewReader("tiny")})
	if err := complete([]types.CompletedPart{done[0], {PartNumber: aws.Int32(5), ETag: small.ETag}, {PartNumber: aws.Int32(6), ETag: small.ETag}}); code(err) != "InvalidPart" {
		t.Errorf("completion with part 6 = %v", err)
	}
	c.UploadPart(ctx, &s3sdk.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("big"), UploadId: id, PartNumber: aws.Int32(6), Body: strings.NewReader("tiny")})
	if err := complete([]types.CompletedPart{done[0], {PartNumber: aws.Int32(5), ETag: small.ETag}, {PartNumber: aws.Int32(6), ETag: small.ETag}}); code(err) != "EntityTooSmall" {
		t.Errorf("small part = %v", err)
	}
	if _, err := c.HeadObject(ctx, &s3sdk.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("big")}); code(err) != "NotFound" {
		t.Errorf("object visible after failed completions: %v", err)
	}
	// Malformed XML.
	req, _ := http.NewRequest("POST", e.url+"/bkt/big?uploadId="+aws.ToString(id), strings.NewReader("<CompleteMultipartUpload><Part>"))
	if resp := signedDo(t, req, &root); resp.StatusCode != 400 || !strings.Contains(resp.body, "MalformedXML") {
		t.Errorf("malformed XML: %d %s", resp.StatusCode, resp.body)
	}
	if err := complete(done); err != nil {
		t.Fatal(err)
	}
	h, err := c.HeadObject(ctx, &s3sdk.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("big")})
	want := fmt.Sprintf(`"%x-3"`, md5.Sum(sums))
	if err != nil || aws.ToString(h.ETag) != want || aws.ToInt64(h.ContentLength) != 4100 || aws.ToString(h.ContentType) != "x/y" || h.Metadata["m"] != "1" {
		t.Errorf("completed object = %+v, %v (want ETag %s)", h, err, want)
	}
	if _, err := c.ListParts(ctx, &s3sdk.ListPartsInput{Bucket: aws.String("bkt"), Key: aws.String("big"), UploadId: id}); code(err) != "NoSuchUpload" {
		t.Errorf("ListParts after completion = %v", err)
	}
	// UploadPartCopy and abort.
	cr2, err := c.CreateMultipartUpload(ctx, &s3sdk.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("copy")})
	if err != nil {
		t.Fatal(err)
	}
	pc, err := c.UploadPartCopy(ctx, &s3sdk.UploadPartCopyInput{Bucket: aws.String("bkt"), Key: aws.String("copy"), UploadId: cr2.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String("bkt/big"), CopySourceRange: aws.String("bytes=2048-4095")})
	if err != nil || aws.ToString(pc.CopyPartResult.ETag) != `"`+md5hex(parts[1])+`"` {
		t.Errorf("UploadPartCopy = %+v, %v", pc, err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3sdk.AbortMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("copy"), UploadId: cr2.UploadId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &s3sdk.AbortMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("copy"), UploadId: cr2.UploadId}); code(err) != "NoSuchUpload" {
		t.Errorf("second abort = %v", err)
	}
	if _, err := c.UploadPart(ctx, &s3sdk.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("copy"), UploadId: aws.String("nope"), PartNumber: aws.Int32(1), Body: strings.NewReader("x")}); code(err) != "NoSuchUpload" {
		t.Errorf("UploadPart(bad id) = %v", err)
	}
}

func b64md5(s string) string { m := md5.Sum([]byte(s)); return base64.StdEncoding.EncodeToString(m[:]) }
