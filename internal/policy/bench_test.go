package policy

import "testing"

// benchSet is the typical request of the performance target: a role
// session with five statements across two identity policies, a couple of
// conditions and one policy variable.
func benchSet(b testing.TB) (*Set, *Request) {
	b.Helper()
	must := func(doc string) *Policy {
		p, err := Parse([]byte(doc), Identity)
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	p1 := must(`{"Version":"2012-10-17","Statement":[
		{"Sid":"Glue","Effect":"Allow","Action":["glue:Get*","glue:BatchGet*"],"Resource":"arn:aws:glue:*:123456789012:*"},
		{"Sid":"LF","Effect":"Allow","Action":"lakeformation:GetDataAccess","Resource":"*"},
		{"Sid":"NoDelete","Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]}`)
	p1.Name = "arn:aws:iam::123456789012:policy/glue"
	p2 := must(`{"Version":"2012-10-17","Statement":[
		{"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::data","Condition":{"StringLike":{"s3:prefix":"teams/*"}}},
		{"Sid":"Team","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::data/teams/${aws:PrincipalTag/team}/*",
		 "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Bool":{"aws:SecureTransport":"true"}}}]}`)
	p2.Name = "role/app inline data"
	ctx := NewContext()
	ctx.Set("aws:SourceIp", "10.1.2.3")
	ctx.Set("aws:SecureTransport", "true")
	ctx.Set("aws:PrincipalTag/team", "red")
	ctx.Set("aws:userid", "AROAEXAMPLE:s1")
	set := &Set{Identity: []*Policy{p1, p2}}
	req := &Request{
		Action:   "s3:GetObject",
		Resource: "arn:aws:s3:::data/teams/red/2024/01/part-0000.parquet",
		Principal: Principal{
			ARN:     "arn:aws:sts::123456789012:assumed-role/app/s1",
			RoleARN: "arn:aws:iam::123456789012:role/app",
			Account: "123456789012",
		},
		Context: ctx,
	}
	return set, req
}

func BenchmarkEvaluate(b *testing.B) {
	set, req := benchSet(b)
	if r := Evaluate(set, req); r.Decision != Allow {
		b.Fatalf("setup: %v", r)
	}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(set, req)
	}
}

func BenchmarkEvaluateImplicitDeny(b *testing.B) {
	set, req := benchSet(b)
	req.Resource = "arn:aws:s3:::data/teams/blue/x"
	if r := Evaluate(set, req); r.Decision != ImplicitDeny {
		b.Fatalf("setup: %v", r)
	}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(set, req)
	}
}

func BenchmarkParse(b *testing.B) {
	doc := []byte(`{"Version":"2012-10-17","Statement":[{"Sid":"Team","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::data/teams/${aws:PrincipalTag/team}/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Bool":{"aws:SecureTransport":"true"}}}]}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc, Identity); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatchARN(b *testing.B) {
	p, _ := compilePattern("arn:aws:glue:*:123456789012:table/sales/*", patternMode{wild: true, arn: true})
	b.ReportAllocs()
	for b.Loop() {
		p.match("arn:aws:glue:us-east-1:123456789012:table/sales/orders", nil)
	}
}

// TestEvaluateNoAllocs guards the hot path's zero allocations (a count, not
// a duration).
func TestEvaluateNoAllocs(t *testing.T) {
	set, req := benchSet(t)
	Evaluate(set, req) // fill the StatementRef cache
	if n := testing.AllocsPerRun(100, func() { Evaluate(set, req) }); n != 0 {
		t.Errorf("Evaluate allocates %v times per call, want 0", n)
	}
}
