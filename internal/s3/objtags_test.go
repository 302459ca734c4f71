package s3_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3sdk "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/google/go-cmp/cmp"
)

func getTags(t *testing.T, c *s3sdk.Client, bucket, key string) map[string]string {
	t.Helper()
	out, err := c.GetObjectTagging(ctx, &s3sdk.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObjectTagging(%s): %v", key, err)
	}
	m := map[string]string{}
	for _, tg := range out.TagSet {
		m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return m
}

func tagSet(kv ...string) *types.Tagging {
	tg := &types.Tagging{TagSet: []types.Tag{}}
	for i := 0; i < len(kv); i += 2 {
		tg.TagSet = append(tg.TagSet, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return tg
}

func TestObjectTagging(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(root)
	mustCreate(t, c, "tbk")
	b := aws.String("tbk")
	if _, err := c.PutObject(ctx, &s3sdk.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("body"),
		Tagging: aws.String("team=data%20eng&stage=raw")}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"team": "data eng", "stage": "raw"}, getTags(t, c, "tbk", "k")); diff != "" {
		t.Errorf("tags after PutObject (-want +got):\n%s", diff)
	}
	head, err := c.HeadObject(ctx, &s3sdk.HeadObjectInput{Bucket: b, Key: aws.String("k")})
	if err != nil || aws.ToInt32(head.TagCount) != 2 {
		t.Fatalf("HeadObject tag count = %v, %v", head.TagCount, err)
	}
	get, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: b, Key: aws.String("k")})
	if err != nil || aws.ToInt32(get.TagCount) != 2 {
		t.Fatalf("GetObject tag count = %v, %v", get.TagCount, err)
	}
	io.Copy(io.Discard, get.Body)
	get.Body.Close()

	// PutObjectTagging replaces the set and keeps the object's bytes, ETag and date.
	if _, err := c.PutObjectTagging(ctx, &s3sdk.PutObjectTaggingInput{Bucket: b, Key: aws.String("k"), Tagging: tagSet("z", "1", "a", "")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetObjectTagging(ctx, &s3sdk.GetObjectTaggingInput{Bucket: b, Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{aws.ToString(out.TagSet[0].Key), aws.ToString(out.TagSet[1].Key)}; !cmp.Equal(got, []string{"a", "z"}) {
		t.Errorf("tag order = %v, want by key", got)
	}
	head2, err := c.HeadObject(ctx, &s3sdk.HeadObjectInput{Bucket: b, Key: aws.String("k")})
	if err != nil || aws.ToString(head2.ETag) != aws.ToString(head.ETag) || !aws.ToTime(head2.LastModified).Equal(aws.ToTime(head.LastModified)) ||
		aws.ToInt64(head2.ContentLength) != 4 || aws.ToInt32(head2.TagCount) != 2 {
		t.Errorf("after PutObjectTagging: %+v, %v", head2, err)
	}

	// DeleteObjectTagging empties it; HEAD then has no count.
	if _, err := c.DeleteObjectTagging(ctx, &s3sdk.DeleteObjectTaggingInput{Bucket: b, Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if got := getTags(t, c, "tbk", "k"); len(got) != 0 {
		t.Errorf("tags after delete = %v", got)
	}
	if h, _ := c.HeadObject(ctx, &s3sdk.HeadObjectInput{Bucket: b, Key: aws.String("k")}); h.TagCount != nil {
		t.Errorf("untagged object has tag count %d", *h.TagCount)
	}

	// CopyObject: COPY (the default) keeps the source's tags, REPLACE takes the header's.
	c.PutObjectTagging(ctx, &s3sdk.PutObjectTaggingInput{Bucket: b, Key: aws.String("k"), Tagging: tagSet("src", "1")})
	copies := []struct {
		name      string
		directive types.TaggingDirective
		tagging   string
		want      map[string]string
	}{
		{"default copies", "", "ignored=1", map[string]string{"src": "1"}},
		{"COPY", types.TaggingDirectiveCopy, "", map[string]string{"src": "1"}},
		{"REPLACE", types.TaggingDirectiveReplace, "dst=2", map[string]string{"dst": "2"}},
		{"REPLACE with none", types.TaggingDirectiveReplace, "", map[string]string{}},
	}
	for _, tc := range copies {
		in := &s3sdk.CopyObjectInput{Bucket: b, Key: aws.String("copy"), CopySource: aws.String("tbk/k"), TaggingDirective: tc.directive}
		if tc.tagging != "" {
			in.Tagging = aws.String(tc.tagging)
		}
		if _, err := c.CopyObject(ctx, in); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.want, getTags(t, c, "tbk", "copy")); diff != "" {
			t.Errorf("%s: tags (-want +got):\n%s", tc.name, diff)
		}
	}

	// Multipart: the tags of CreateMultipartUpload are the completed object's.
	up, err := c.CreateMultipartUpload(ctx, &s3sdk.CreateMultipartUploadInput{Bucket: b, Key: aws.String("mp"), Tagging: aws.String("mp=yes")})
	if err != nil {
		t.Fatal(err)
	}
	part, err := c.UploadPart(ctx, &s3sdk.UploadPartInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("only part")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3sdk.CompleteMultipartUploadInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"mp": "yes"}, getTags(t, c, "tbk", "mp")); diff != "" {
		t.Errorf("multipart tags (-want +got):\n%s", diff)
	}
}

func TestObjectTaggingRefusals(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(root)
	mustCreate(t, c, "tbk")
	mustPut(t, c, "tbk", "k", "body")
	b, k := aws.String("tbk"), aws.String("k")
	eleven := tagSet()
	for i := range 11 {
		eleven.TagSet = append(eleven.TagSet, types.Tag{Key: aws.String(strings.Repeat("k", i+1)), Value: aws.String("v")})
	}
	cases := []struct {
		name string
		op   func() error
		want string
	}{
		{"eleven tags", func() error {
			_, err := c.PutObjectTagging(ctx, &s3sdk.PutObjectTaggingInput{Bucket: b, Key: k, Tagging: eleven})
			return err
		}, "InvalidTag"},
		{"aws: key", func() error {
			_, err := c.PutObjectTagging(ctx, &s3sdk.PutObjectTaggingInput{Bucket: b, Key: k, Tagging: tagSet("aws:x", "1")})
			return err
		}, "InvalidTag"},
		{"duplicate keys in the header", func() error {
			_, err := c.PutObject(ctx, &s3sdk.PutObjectInput{Bucket: b, Key: aws.String("n"), Body: strings.NewReader("x"), Tagging: aws.String("a=1&a=2")})
			return err
		}, "InvalidTag"},
		{"value too long in the header", func() error {
			_, err := c.PutObject(ctx, &s3sdk.PutObjectInput{Bucket: b, Key: aws.String("n"), Body: strings.NewReader("x"), Tagging: aws.String("a=" + strings.Repeat("v", 257))})
			return err
		}, "InvalidTag"},
		{"unknown tagging directive", func() error {
			_, err := c.CopyObject(ctx, &s3sdk.CopyObjectInput{Bucket: b, Key: aws.String("c"), CopySource: aws.String("tbk/k"), TaggingDirective: "MERGE"})
			return err
		}, "InvalidArgument"},
		{"missing key", func() error {
			_, err := c.GetObjectTagging(ctx, &s3sdk.GetObjectTaggingInput{Bucket: b, Key: aws.String("nope")})
			return err
		}, "NoSuchKey"},
		{"put tags on a missing key", func() error {
			_, err := c.PutObjectTagging(ctx, &s3sdk.PutObjectTaggingInput{Bucket: b, Key: aws.String("nope"), Tagging: tagSet("a", "1")})
			return err
		}, "NoSuchKey"},
		{"delete tags of a missing key", func() error {
			_, err := c.DeleteObjectTagging(ctx, &s3sdk.DeleteObjectTaggingInput{Bucket: b, Key: aws.String("nope")})
			return err
		}, "NoSuchKey"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := code(tc.op()); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	// Nothing refused was stored.
	if got := getTags(t, c, "tbk", "k"); len(got) != 0 {
		t.Errorf("tags after refusals = %v", got)
	}
	if _, err := c.HeadObject(ctx, &s3sdk.HeadObjectInput{Bucket: b, Key: aws.String("n")}); err == nil {
		t.Error("an upload with bad tags was stored")
	}
	// The message names the problem.
	req, _ := http.NewRequest("PUT", e.url+"/tbk/k?tagging", strings.NewReader(`<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>`))
	resp := signedDo(t, req, &root)
	if resp.StatusCode != 400 || !strings.Contains(resp.body, "Cannot provide multiple Tags with the same key") {
		t.Errorf("duplicate keys: %d %s", resp.StatusCode, resp.body)
	}
}

const (
	// taggerPolicy: read and write anything in data, tag only under tagged/, never tag class=secret.
	taggerPolicy = `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":["s3:PutObject","s3:GetObject","s3:GetObjectTagging","s3:ListBucket"],"Resource":["arn:aws:s3:::data","arn:aws:s3:::data/*"]},
	  {"Effect":"Allow","Action":["s3:PutObjectTagging","s3:DeleteObjectTagging"],"Resource":"arn:aws:s3:::data/tagged/*"},
	  {"Effect":"Deny","Action":["s3:PutObject","s3:PutObjectTagging"],"Resource":"*","Condition":{"StringEquals":{"s3:RequestObjectTag/class":"secret"}}}]}`
	// readerPolicy: read only objects tagged class=public; tag anything with the keys class and team only.
	readerPolicy = `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":["s3:GetObject","s3:GetObjectTagging"],"Resource":"arn:aws:s3:::data/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/class":"public"}}},
	  {"Effect":"Allow","Action":"s3:PutObjectTagging","Resource":"arn:aws:s3:::data/*","Condition":{"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["class","team"]}}}]}`
)

func TestObjectTaggingAuthorization(t *testing.T) {
	e := newEnv(t, map[string][]string{
		string(alice.principal.ARN): {taggerPolicy},
		string(bob.principal.ARN):   {readerPolicy},
	})
	r := e.client(root)
	mustCreate(t, r, "data")
	mustPut(t, r, "data", "plain", "p")
	if _, err := r.PutObject(ctx, &s3sdk.PutObjectInput{Bucket: aws.String("data"), Key: aws.String("pub"), Body: strings.NewReader("x"), Tagging: aws.String("class=public")}); err != nil {
		t.Fatal(err)
	}
	put := func(key, tagging string) func(*s3sdk.Client) error {
		return func(c *s3sdk.Client) error {
			in := &s3sdk.PutObjectInput{Bucket: aws.String("data"), Key: aws.String(key), Body: strings.NewReader("new")}
			if tagging != "" {
				in.Tagging = aws.String(tagging)
			}
			_, err := c.PutObject(ctx, in)
			return err
		}
	}
	putTags := func(key string, kv ...string) func(*s3sdk.Client) error {
		return func(c *s3sdk.Client) error {
			_, err := c.PutObjectTagging(ctx, &s3sdk.PutObjectTaggingInput{Bucket: aws.String("data"), Key: aws.String(key), Tagging: tagSet(kv...)})
			return err
		}
	}
	get := func(key string) func(*s3sdk.Client) error {
		return func(c *s3sdk.Client) error {
			out, err := c.GetObject(ctx, &s3sdk.GetObjectInput{Bucket: aws.String("data"), Key: aws.String(key)})
			if err == nil {
				io.Copy(io.Discard, out.Body)
				out.Body.Close()
			}
			return err
		}
	}
	head := func(key string) func(*s3sdk.Client) error {
		return func(c *s3sdk.Client) error {
			_, err := c.HeadObject(ctx, &s3sdk.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String(key)})
			return err
		}
	}
	copyTagged := func(dst, tagging string) func(*s3sdk.Client) error {
		return func(c *s3sdk.Client) error {
			_, err := c.CopyObject(ctx, &s3sdk.CopyObjectInput{Bucket: aws.String("data"), Key: aws.String(dst), CopySource: aws.String("data/plain"),
				TaggingDirective: types.TaggingDirectiveReplace, Tagging: aws.String(tagging)})
			return err
		}
	}
	createTagged := func(key string) func(*s3sdk.Client) error {
		return func(c *s3sdk.Client) error {
			_, err := c.CreateMultipartUpload(ctx, &s3sdk.CreateMultipartUploadInput{Bucket: aws.String("data"), Key: aws.String(key), Tagging: aws.String("a=1")})
			return err
		}
	}
	cases := []struct {
		name string
		who  caller
		op   func(*s3sdk.Client) error
		want string
	}{
		{"untagged put needs only PutObject", alice, put("x", ""), ""},
		{"tagged put also needs PutObjectTagging", alice, put("x", "a=1"), "AccessDenied"},
		{"tagged put where tagging is allowed", alice, put("tagged/x", "class=internal"), ""},
		{"RequestObjectTag deny", alice, put("tagged/y", "class=secret"), "AccessDenied"},
		{"RequestObjectTag deny on PutObjectTagging", alice, putTags("tagged/x", "class", "secret"), "AccessDenied"},
		{"PutObjectTagging allowed", alice, putTags("tagged/x", "class", "public"), ""},
		{"PutObjectTagging outside tagged/", alice, putTags("x", "a", "1"), "AccessDenied"},
		{"tagged multipart also needs PutObjectTagging", alice, createTagged("x"), "AccessDenied"},
		{"tagged multipart where allowed", alice, createTagged("tagged/mp"), ""},
		{"copy replacing tags also needs PutObjectTagging", alice, copyTagged("x2", "a=1"), "AccessDenied"},
		{"copy replacing tags where allowed", alice, copyTagged("tagged/c", "a=1"), ""},
		{"bad tags are not revealed to a caller denied", bob, put("x", "a=1&a=2"), "AccessDenied"},
		{"ExistingObjectTag allows", bob, get("pub"), ""},
		{"ExistingObjectTag allows HEAD", bob, head("pub"), ""},
		{"ExistingObjectTag follows a tag update", bob, get("tagged/x"), ""},
		{"untagged object denied", bob, get("plain"), "AccessDenied"},
		{"missing object denied", bob, get("missing"), "AccessDenied"},
		{"RequestObjectTagKeys allows", bob, putTags("plain", "class", "public", "team", "t"), ""},
		{"now readable", bob, get("plain"), ""},
		{"RequestObjectTagKeys denies another key", bob, putTags("plain", "owner", "bob"), "AccessDenied"},
		{"DeleteObjectTagging needs its action", bob, func(c *s3sdk.Client) error {
			_, err := c.DeleteObjectTagging(ctx, &s3sdk.DeleteObjectTaggingInput{Bucket: aws.String("data"), Key: aws.String("plain")})
			return err
		}, "AccessDenied"},
		{"DeleteObjectTagging allowed", alice, func(c *s3sdk.Client) error {
			_, err := c.DeleteObjectTagging(ctx, &s3sdk.DeleteObjectTaggingInput{Bucket: aws.String("data"), Key: aws.String("tagged/x")})
			return err
		}, ""},
		{"tags gone, so is bob's access", bob, get("tagged/x"), "AccessDenied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := code(tc.op(e.client(tc.who))); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
