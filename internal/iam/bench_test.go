package iam

import (
	"net/url"
	"testing"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
)

// benchUser is a user with five statements across two policies (one inline, one managed).
func benchUser(b *testing.B) (*Service, *identity.Principal) {
	s := newTestService(b)
	p := userPrincipal(b, s, "bench", `{"Version":"2012-10-17","Statement":[
		{"Sid":"Glue","Effect":"Allow","Action":["glue:Get*","glue:BatchGet*"],"Resource":"arn:aws:glue:*:123456789012:*"},
		{"Sid":"LF","Effect":"Allow","Action":"lakeformation:GetDataAccess","Resource":"*"},
		{"Sid":"NoDelete","Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]}`)
	must[*PolicyOutput](b)(s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "data", PolicyDocument: `{"Version":"2012-10-17","Statement":[
		{"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::data","Condition":{"StringLike":{"s3:prefix":"teams/*"}}},
		{"Sid":"Team","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::data/teams/${aws:PrincipalTag/team}/*",
		 "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`}))
	must[*Empty](b)(s.attach(kindUser, true)(ctx, root, &EntityPolicyInput{UserName: "bench", PolicyArn: "arn:aws:iam::123456789012:policy/data"}))
	must[*Empty](b)(s.TagUser(ctx, root, &TagUserInput{UserName: "bench", Tags: []identity.Tag{{Key: "team", Value: "red"}}}))
	return s, p
}

func BenchmarkAuthorize(b *testing.B) {
	s, p := benchUser(b)
	rctx := identity.WithRequestInfo(ctx, &identity.RequestInfo{SourceIP: "10.1.2.3", Time: t0, Region: "us-east-1"})
	req := AuthzRequest{Action: "s3:GetObject", Resource: "arn:aws:s3:::data/teams/red/2024/01/part-0000.parquet"}
	if err := s.Authorize(rctx, p, req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Authorize(rctx, p, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthorizeEvaluateOnly is the policy evaluation part of the same request.
func BenchmarkAuthorizeEvaluateOnly(b *testing.B) {
	s, p := benchUser(b)
	rctx := identity.WithRequestInfo(ctx, &identity.RequestInfo{SourceIP: "10.1.2.3", Time: t0, Region: "us-east-1"})
	set, preq, err := s.prepare(rctx, p, AuthzRequest{Action: "s3:GetObject", Resource: "arn:aws:s3:::data/teams/red/2024/01/part-0000.parquet"})
	if err != nil {
		b.Fatal(err)
	}
	if r := policy.Evaluate(set, preq); r.Decision != policy.Allow {
		b.Fatal(r)
	}
	b.ReportAllocs()
	for b.Loop() {
		policy.Evaluate(set, preq)
	}
}

func BenchmarkLookup(b *testing.B) {
	s := newTestService(b)
	must[*UserOutput](b)(s.CreateUser(ctx, root, &CreateUserInput{UserName: "k"}))
	k := must[*CreateAccessKeyOutput](b)(s.CreateAccessKey(ctx, root, &CreateAccessKeyInput{UserName: "k"}))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Lookup(ctx, k.AccessKey.AccessKeyId, ""); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzEncodeDoc(f *testing.F) {
	for _, d := range []string{allowAll, glueTrust, seedExecTrust, seedGlueAssets, "a+b c%20", "ü€\x00\n\t"} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		enc := encodeDoc(doc)
		if got, err := url.QueryUnescape(enc); err != nil || got != doc {
			t.Fatalf("QueryUnescape(%q) = %q, %v", enc, got, err)
		}
		if got, err := url.PathUnescape(enc); err != nil || got != doc {
			t.Fatalf("PathUnescape(%q) = %q, %v (Python's unquote behaves so)", enc, got, err)
		}
	})
}

func FuzzCheckPath(f *testing.F) {
	for _, p := range []string{"", "/", "/a/", "/a/b/", "/a", "a/", "/a//b/", "/ü/", "/a b/"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := checkPath(p)
		if err != nil {
			return
		}
		if got[0] != '/' || got[len(got)-1] != '/' || len(got) > 512 {
			t.Fatalf("accepted %q", got)
		}
		for _, r := range got {
			if r < 0x21 || r > 0x7e {
				t.Fatalf("accepted %q with %q", got, r)
			}
		}
	})
}

func FuzzPage(f *testing.F) {
	f.Add(uint8(5), uint8(2))
	f.Add(uint8(0), uint8(1))
	f.Add(uint8(30), uint8(7))
	f.Fuzz(func(t *testing.T, n, max uint8) {
		if max == 0 {
			return
		}
		var items []string
		for i := range int(n) {
			items = append(items, string(rune('a'+i%26))+string(rune('a'+i/26)))
		}
		var seen []string
		marker := ""
		for range 300 {
			out, trunc, next, err := page(append([]string(nil), items...), func(s string) string { return s }, marker, int(max))
			if err != nil {
				t.Fatal(err)
			}
			if len(out) > int(max) {
				t.Fatalf("page of %d > %d", len(out), max)
			}
			seen = append(seen, out...)
			if !trunc {
				break
			}
			marker = next
		}
		if len(seen) != len(items) {
			t.Fatalf("paged %d of %d items", len(seen), len(items))
		}
	})
}
