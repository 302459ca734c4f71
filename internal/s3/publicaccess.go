package s3

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
)

// Block Public Access, per bucket (PutPublicAccessBlock), enforced as S3 does:
//
//   - BlockPublicPolicy: PutBucketPolicy of a public policy (policy.Policy.Public) is refused.
//   - RestrictPublicBuckets: while the bucket's policy is public, it grants nothing to anonymous
//     callers (every other Sluice principal is of the bucket owner's account, which S3 still
//     lets the policy serve).
//   - BlockPublicAcls: an upload (PutObject, CopyObject, CreateMultipartUpload: routes marked
//     acl) asking for a public canned ACL (x-amz-acl public-read, public-read-write,
//     authenticated-read) or granting to the AllUsers or AuthenticatedUsers groups is refused.
//     (A bucket being created has no block yet.)
//   - IgnorePublicAcls: Sluice enforces no ACL, public or not; accepted and stored.
//
// GetBucketPolicyStatus answers whether the bucket's policy is public by the same judgement.
//
// New buckets start with all four settings on, as AWS's have since April 2023
// (defaultPublicAccessBlock); buckets created before keep what they had.

// defaultPublicAccessBlock is a new bucket's public access block, stored as GET returns it.
var defaultPublicAccessBlock = func() string {
	on := true
	b, err := xml.Marshal(&publicAccessBlockDoc{XMLName: xml.Name{Space: s3NS, Local: "PublicAccessBlockConfiguration"},
		BlockPublicAcls: &on, IgnorePublicAcls: &on, BlockPublicPolicy: &on, RestrictPublicBuckets: &on})
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// publicAccessBlock returns the bucket's settings; all false when none are stored.
func (b *bucketRecord) publicAccessBlock() publicAccessBlockDoc {
	var d publicAccessBlockDoc
	if b == nil {
		return d
	}
	if b.parsed != nil {
		return b.parsed.pab
	}
	if doc, ok := b.Configs["publicAccessBlock"]; ok {
		if p, err := parsePublicAccessBlock([]byte(doc)); err == nil {
			d = *p
		}
	}
	return d
}

func on(b *bool) bool { return b != nil && *b }

// policy returns the bucket's parsed policy (nil without one), parsed once for a cached record.
func (b *bucketRecord) policy() (*policy.Policy, error) {
	if b.parsed != nil {
		return b.parsed.pol, b.parsed.polErr
	}
	if b.Policy == "" {
		return nil, nil
	}
	return parseStoredPolicy(b.Policy)
}

// resourcePolicy parses the bucket's policy as it applies to p: none when RestrictPublicBuckets
// keeps a public policy from serving an anonymous caller.
func resourcePolicy(b *bucketRecord, p *identity.Principal) (*policy.Policy, error) {
	if b == nil || b.Policy == "" {
		return nil, nil
	}
	pol, err := b.policy()
	if err != nil {
		return nil, err
	}
	if p.Type == identity.Anonymous && on(b.publicAccessBlock().RestrictPublicBuckets) && pol.Public() {
		return nil, nil
	}
	return pol, nil
}

// blockedPolicy refuses a public policy on a bucket (as read inside the updating transaction)
// that blocks them.
func blockedPolicy(q *req, b *bucketRecord, pol *policy.Policy) error {
	if !on(b.publicAccessBlock().BlockPublicPolicy) || !pol.Public() {
		return nil
	}
	return errorf(http.StatusForbidden, "AccessDenied",
		"User: %s is not authorized to perform: s3:PutBucketPolicy on resource: \"%s\" because public policies are blocked by the BlockPublicPolicy block public access setting.",
		q.principal().ARN, bucketARN(q.bucket))
}

type policyStatusDoc struct {
	XMLName  xml.Name
	IsPublic bool `xml:"IsPublic"`
}

// policyStatus is GetBucketPolicyStatus's answer: none without a policy.
func policyStatus(b *bucketRecord) (any, error) {
	if b.Policy == "" {
		return nil, nil
	}
	pol, err := b.policy()
	if err != nil {
		return nil, err
	}
	return &policyStatusDoc{XMLName: xml.Name{Space: s3NS, Local: "PolicyStatus"}, IsPublic: pol.Public()}, nil
}

const (
	allUsersURI  = "http://acs.amazonaws.com/groups/global/AllUsers"
	authUsersURI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
)

// publicACLRequested reports whether the request's headers ask for a public ACL.
func publicACLRequested(h http.Header) bool {
	switch strings.ToLower(strings.TrimSpace(h.Get("x-amz-acl"))) {
	case "public-read", "public-read-write", "authenticated-read":
		return true
	}
	for _, name := range []string{"x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp", "x-amz-grant-write-acp", "x-amz-grant-full-control"} {
		if v := h.Get(name); strings.Contains(v, allUsersURI) || strings.Contains(v, authUsersURI) {
			return true
		}
	}
	return false
}

// blockedACL refuses an upload asking for a public ACL on a bucket that blocks them.
func blockedACL(q *req, rt *routeEntry) error {
	if !rt.acl || !on(q.rec.publicAccessBlock().BlockPublicAcls) || !publicACLRequested(q.r.Header) {
		return nil
	}
	return errorf(http.StatusForbidden, "AccessDenied", "Access Denied: the bucket's BlockPublicAcls setting refuses public ACLs")
}
