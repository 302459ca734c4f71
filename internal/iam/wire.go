package iam

import (
	"time"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
)

// Wire shapes of the IAM query protocol (spec §3): encoded with encoding/xml inside
// <ActionResult>, lists as <Name><member>…</member></Name>.

// User is IAM's User shape.
type User struct {
	Path                string         `xml:",omitempty"`
	UserName            string         `xml:",omitempty"`
	UserId              string         //nolint:revive // AWS's member name
	Arn                 identity.ARN   //
	CreateDate          time.Time      //
	PermissionsBoundary *Boundary      `xml:",omitempty"`
	Tags                []identity.Tag `xml:"Tags>member,omitempty"`
}

// Boundary is IAM's AttachedPermissionsBoundary shape.
type Boundary struct {
	PermissionsBoundaryType string
	PermissionsBoundaryArn  identity.ARN
}

func boundaryOf(arn identity.ARN) *Boundary {
	if arn == "" {
		return nil
	}
	return &Boundary{PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: arn}
}

// RoleInfo is IAM's Role shape.
type RoleInfo struct {
	Path                     string
	RoleName                 string
	RoleId                   string
	Arn                      identity.ARN
	CreateDate               time.Time
	AssumeRolePolicyDocument string         `xml:",omitempty"` // URL-encoded
	Description              string         `xml:",omitempty"`
	MaxSessionDuration       int64          `xml:",omitempty"`
	PermissionsBoundary      *Boundary      `xml:",omitempty"`
	Tags                     []identity.Tag `xml:"Tags>member,omitempty"`
	RoleLastUsed             *RoleLastUsed  `xml:",omitempty"`
}

// RoleLastUsed is IAM's RoleLastUsed shape.
type RoleLastUsed struct {
	LastUsedDate *time.Time `xml:",omitempty"`
	Region       string     `xml:",omitempty"`
}

// Group is IAM's Group shape.
type Group struct {
	Path       string
	GroupName  string
	GroupId    string
	Arn        identity.ARN
	CreateDate time.Time
}

// ManagedPolicy is IAM's Policy shape.
type ManagedPolicy struct {
	PolicyName                    string
	PolicyId                      string
	Arn                           identity.ARN
	Path                          string
	DefaultVersionId              string
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	Description                   string `xml:",omitempty"`
	CreateDate                    time.Time
	UpdateDate                    time.Time
	Tags                          []identity.Tag `xml:"Tags>member,omitempty"`
}

// PolicyVersion is IAM's PolicyVersion shape.
type PolicyVersion struct {
	Document         string `xml:",omitempty"` // URL-encoded
	VersionId        string
	IsDefaultVersion bool
	CreateDate       time.Time
}

// AttachedPolicy is IAM's AttachedPolicy shape.
type AttachedPolicy struct {
	PolicyName string
	PolicyArn  identity.ARN
}

// AccessKey is IAM's AccessKey shape (the secret appears only in CreateAccessKey).
type AccessKey struct {
	UserName        string
	AccessKeyId     identity.AccessKeyID
	Status          string
	SecretAccessKey string `xml:",omitempty"`
	CreateDate      time.Time
}

// AccessKeyMetadata is IAM's AccessKeyMetadata shape.
type AccessKeyMetadata struct {
	UserName    string
	AccessKeyId identity.AccessKeyID
	Status      string
	CreateDate  time.Time
}

// Page is the paging part of list outputs.
type Page struct {
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

// Empty is the output of operations that return nothing but ResponseMetadata.
type Empty = struct{}

// TagInput is the Tags list of requests.
type TagInput = identity.Tag

func (s *Service) userOut(u *userRec) *User {
	return &User{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN, CreateDate: u.Created,
		PermissionsBoundary: boundaryOf(u.Boundary), Tags: u.Tags}
}

func roleOut(r *Role, withDoc bool) *RoleInfo {
	out := &RoleInfo{Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: r.ARN, CreateDate: r.Created,
		Description: r.Description, MaxSessionDuration: int64(r.MaxSessionDuration / time.Second),
		PermissionsBoundary: boundaryOf(r.BoundaryARN), Tags: r.Tags}
	if withDoc {
		out.AssumeRolePolicyDocument = encodeDoc(r.TrustPolicy)
		out.RoleLastUsed = &RoleLastUsed{}
		if !r.LastUsed.IsZero() {
			t := r.LastUsed
			out.RoleLastUsed = &RoleLastUsed{LastUsedDate: &t, Region: r.LastUsedRegion}
		}
	}
	return out
}

func groupOut(g *groupRec) *Group {
	return &Group{Path: g.Path, GroupName: g.Name, GroupId: g.ID, Arn: g.ARN, CreateDate: g.Created}
}

func policyOut(p *policyRec, withTags bool) *ManagedPolicy {
	out := &ManagedPolicy{PolicyName: p.Name, PolicyId: p.ID, Arn: p.ARN, Path: p.Path,
		DefaultVersionId: p.Default, AttachmentCount: len(p.Attachments),
		PermissionsBoundaryUsageCount: len(p.BoundaryOf), IsAttachable: true,
		Description: p.Description, CreateDate: p.Created, UpdateDate: p.Updated}
	if withTags {
		out.Tags = p.Tags
	}
	return out
}

// tagContext is the request keys of an operation that sets tags: aws:RequestTag/k, aws:TagKeys.
func tagContext(tags []identity.Tag) *policy.Context {
	if len(tags) == 0 {
		return nil
	}
	c := policy.NewContext()
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		c.Set("aws:RequestTag/"+t.Key, t.Value)
		keys = append(keys, t.Key)
	}
	c.SetMulti("aws:TagKeys", keys...)
	return c
}

func tagKeysContext(keys []string) *policy.Context {
	if len(keys) == 0 {
		return nil
	}
	c := policy.NewContext()
	c.SetMulti("aws:TagKeys", keys...)
	return c
}
