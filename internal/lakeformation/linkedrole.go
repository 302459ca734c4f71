package lakeformation

import (
	"context"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
)

// The service-linked role. RegisterResource with UseServiceLinkedRole=true creates, when it is
// absent, the IAM role aws-service-role/lakeformation.amazonaws.com/<ServiceLinkedRoleName>
// trusting lakeformation.amazonaws.com (IAM's CreateServiceLinkedRole, authorized as the
// caller: iam:CreateServiceLinkedRole), and Lake Formation keeps the role's inline policy
// LinkedRolePolicyName in step with the locations registered through it, on register,
// deregister and update (as AWS does: "Lake Formation adds the path to the existing policy").
// Vending for such a location mints a session of that role, narrowed by ScopePolicy to the
// table's prefix.

// LinkedRole is IAM's side of the service-linked role; the daemon adapts *iam.Service.
type LinkedRole interface {
	// CreateLinkedRole creates the role unless it exists, as p (IAM decides
	// iam:CreateServiceLinkedRole; its refusal is returned as it is).
	CreateLinkedRole(ctx context.Context, p *identity.Principal) error
	// PutLinkedRolePolicy sets the role's inline policy LinkedRolePolicyName to doc, with Lake
	// Formation's own authority. A missing role is not an error.
	PutLinkedRolePolicy(ctx context.Context, doc string) error
}

// LinkedRolePolicyName is the inline policy of the service-linked role that lists the
// registered locations (Sluice's name; AWS does not document it).
const LinkedRolePolicyName = "LakeFormationDataAccessPolicyForS3"

// LinkedRolePolicy is the service-linked role's S3 access for the given locations
// (arn:aws:s3:::bucket[/prefix]): s3:ListAllMyBuckets (AWS's managed policy for the role), and,
// when there are locations, reading, writing and deleting objects under each and listing
// their buckets. Vended sessions are narrowed further by ScopePolicy.
func LinkedRolePolicy(locations []string) string {
	stmts := []policyStatement{{Sid: "LakeFormationDataAccessServiceRolePolicy", Effect: "Allow",
		Action: []string{"s3:ListAllMyBuckets"}, Resource: []string{"arn:aws:s3:::*"}}}
	var objects, buckets []string
	for _, l := range slices.Sorted(slices.Values(locations)) {
		path, ok := strings.CutPrefix(l, "arn:aws:s3:::")
		if !ok || path == "" {
			continue
		}
		bucket, _, _ := strings.Cut(path, "/")
		objects = append(objects, "arn:aws:s3:::"+escapePolicy(strings.TrimSuffix(path, "/"))+"/*")
		if b := "arn:aws:s3:::" + escapePolicy(bucket); !slices.Contains(buckets, b) {
			buckets = append(buckets, b)
		}
	}
	if len(objects) > 0 {
		stmts = append(stmts,
			policyStatement{Sid: "LakeFormationDataAccessObjects", Effect: "Allow",
				Action: []string{"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject",
					"s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}, Resource: objects},
			policyStatement{Sid: "LakeFormationDataAccessBuckets", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: buckets})
	}
	return policyDoc(stmts...)
}

// syncLinkedRole rewrites the service-linked role's policy from the locations registered with
// it. Calls are serialized so that two registrations do not write stale lists.
func (s *Service) syncLinkedRole(ctx context.Context) error {
	if s.linked == nil {
		return nil
	}
	s.linkMu.Lock()
	defer s.linkMu.Unlock()
	locs, err := s.LinkedRoleLocations(ctx, s.st)
	if err != nil {
		return err
	}
	return s.linked.PutLinkedRolePolicy(ctx, LinkedRolePolicy(locs))
}

// LinkedRoleLocations returns the locations registered with UseServiceLinkedRole, read through
// r: what uses the service-linked role, so that IAM does not delete it under them
// (DeleteServiceLinkedRole reads them in its own transaction).
func (s *Service) LinkedRoleLocations(ctx context.Context, r store.Reader) ([]string, error) {
	recs, _, err := listJSON[locationRecord](ctx, r, nsLocation, "")
	if err != nil {
		return nil, internal(err)
	}
	var locs []string
	for _, r := range recs {
		if r.UseServiceLinkedRole {
			locs = append(locs, r.ResourceArn)
		}
	}
	return locs, nil
}
