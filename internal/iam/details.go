package iam

import (
	"context"
	"time"

	"github.com/sluicehq/sluice/internal/identity"
)

// GetAccountAuthorizationDetailsInput is GetAccountAuthorizationDetails' request.
type GetAccountAuthorizationDetailsInput struct {
	Filter   []string `query:"Filter"`
	Marker   string   `query:"Marker"`
	MaxItems int      `query:"MaxItems"`
}

// PolicyDetail is an inline policy in authorization details.
type PolicyDetail struct {
	PolicyName     string
	PolicyDocument string // URL-encoded
}

// UserDetail is IAM's UserDetail shape.
type UserDetail struct {
	Path                    string
	UserName                string
	UserId                  string
	Arn                     identity.ARN
	CreateDate              time.Time
	UserPolicyList          []PolicyDetail   `xml:"UserPolicyList>member"`
	GroupList               []string         `xml:"GroupList>member"`
	AttachedManagedPolicies []AttachedPolicy `xml:"AttachedManagedPolicies>member"`
	PermissionsBoundary     *Boundary        `xml:",omitempty"`
	Tags                    []identity.Tag   `xml:"Tags>member"`
}

// GroupDetail is IAM's GroupDetail shape.
type GroupDetail struct {
	Path                    string
	GroupName               string
	GroupId                 string
	Arn                     identity.ARN
	CreateDate              time.Time
	GroupPolicyList         []PolicyDetail   `xml:"GroupPolicyList>member"`
	AttachedManagedPolicies []AttachedPolicy `xml:"AttachedManagedPolicies>member"`
}

// RoleDetail is IAM's RoleDetail shape.
type RoleDetail struct {
	Path                     string
	RoleName                 string
	RoleId                   string
	Arn                      identity.ARN
	CreateDate               time.Time
	AssumeRolePolicyDocument string
	InstanceProfileList      []struct{}       `xml:"InstanceProfileList>member"`
	RolePolicyList           []PolicyDetail   `xml:"RolePolicyList>member"`
	AttachedManagedPolicies  []AttachedPolicy `xml:"AttachedManagedPolicies>member"`
	PermissionsBoundary      *Boundary        `xml:",omitempty"`
	Tags                     []identity.Tag   `xml:"Tags>member"`
}

// ManagedPolicyDetail is IAM's ManagedPolicyDetail shape.
type ManagedPolicyDetail struct {
	ManagedPolicy
	PolicyVersionList []PolicyVersion `xml:"PolicyVersionList>member"`
}

// GetAccountAuthorizationDetailsOutput is GetAccountAuthorizationDetails' response.
type GetAccountAuthorizationDetailsOutput struct {
	UserDetailList  []UserDetail          `xml:"UserDetailList>member"`
	GroupDetailList []GroupDetail         `xml:"GroupDetailList>member"`
	RoleDetailList  []RoleDetail          `xml:"RoleDetailList>member"`
	Policies        []ManagedPolicyDetail `xml:"Policies>member"`
	Page
}

func (s *Service) inlineDetails(m map[string]string) []PolicyDetail {
	out := []PolicyDetail{}
	for _, n := range sortedKeys(m) {
		out = append(out, PolicyDetail{PolicyName: n, PolicyDocument: encodeDoc(m[n])})
	}
	return out
}

func (s *Service) attachedList(arns []identity.ARN) []AttachedPolicy {
	out := []AttachedPolicy{}
	for _, a := range arns {
		_, name, _ := s.splitARN(string(a), "policy")
		out = append(out, AttachedPolicy{PolicyName: name, PolicyArn: a})
	}
	return out
}

// GetAccountAuthorizationDetails returns every user, group, role and managed policy with their
// policies, paged with Marker/MaxItems across the four lists (users, then groups, roles and
// policies, each in name order).
func (s *Service) GetAccountAuthorizationDetails(ctx context.Context, p *identity.Principal, in *GetAccountAuthorizationDetailsInput) (*GetAccountAuthorizationDetailsOutput, error) {
	if err := s.authorize(ctx, p, "GetAccountAuthorizationDetails", "*", nil); err != nil {
		return nil, err
	}
	want := func(f string) bool {
		if len(in.Filter) == 0 {
			return true
		}
		for _, x := range in.Filter {
			if x == f {
				return true
			}
		}
		return false
	}
	// Every entity becomes an item with a sortable key and a function that adds it to the answer;
	// one page over the items gives AWS's paging across the four lists.
	type item struct {
		key string
		add func(*GetAccountAuthorizationDetailsOutput)
	}
	var items []item
	out := &GetAccountAuthorizationDetailsOutput{UserDetailList: []UserDetail{}, GroupDetailList: []GroupDetail{}, RoleDetailList: []RoleDetail{}, Policies: []ManagedPolicyDetail{}}
	if want("User") {
		users, err := listJSON[userRec](ctx, s.st, nsUser)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			d := UserDetail{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN, CreateDate: u.Created,
				UserPolicyList: s.inlineDetails(u.Inline), GroupList: nonNil(u.Groups), AttachedManagedPolicies: s.attachedList(u.Attached),
				PermissionsBoundary: boundaryOf(u.Boundary), Tags: u.Tags}
			items = append(items, item{"0/" + keyOf(u.Name), func(o *GetAccountAuthorizationDetailsOutput) { o.UserDetailList = append(o.UserDetailList, d) }})
		}
	}
	if want("Group") {
		groups, err := listJSON[groupRec](ctx, s.st, nsGroup)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			d := GroupDetail{Path: g.Path, GroupName: g.Name, GroupId: g.ID, Arn: g.ARN, CreateDate: g.Created,
				GroupPolicyList: s.inlineDetails(g.Inline), AttachedManagedPolicies: s.attachedList(g.Attached)}
			items = append(items, item{"1/" + keyOf(g.Name), func(o *GetAccountAuthorizationDetailsOutput) { o.GroupDetailList = append(o.GroupDetailList, d) }})
		}
	}
	if want("Role") {
		roles, err := listJSON[Role](ctx, s.st, nsRole)
		if err != nil {
			return nil, err
		}
		for _, r := range roles {
			d := RoleDetail{Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: r.ARN, CreateDate: r.Created,
				AssumeRolePolicyDocument: encodeDoc(r.TrustPolicy), RolePolicyList: s.inlineDetails(r.Inline),
				AttachedManagedPolicies: s.attachedList(r.Attached), PermissionsBoundary: boundaryOf(r.BoundaryARN), Tags: r.Tags}
			items = append(items, item{"2/" + keyOf(r.Name), func(o *GetAccountAuthorizationDetailsOutput) { o.RoleDetailList = append(o.RoleDetailList, d) }})
		}
	}
	if want("LocalManagedPolicy") {
		pols, err := listJSON[policyRec](ctx, s.st, nsPolicy)
		if err != nil {
			return nil, err
		}
		for _, pr := range pols {
			d := ManagedPolicyDetail{ManagedPolicy: *policyOut(pr, false)}
			for _, v := range pr.Versions {
				d.PolicyVersionList = append(d.PolicyVersionList, PolicyVersion{Document: encodeDoc(v.Doc), VersionId: v.ID, IsDefaultVersion: v.ID == pr.Default, CreateDate: v.Created})
			}
			items = append(items, item{"3/" + string(pr.ARN), func(o *GetAccountAuthorizationDetailsOutput) { o.Policies = append(o.Policies, d) }})
		}
	}
	pageItems, truncated, next, err := page(items, func(i item) string { return i.key }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	for _, it := range pageItems {
		it.add(out)
	}
	out.Page = Page{IsTruncated: truncated, Marker: next}
	return out, nil
}
