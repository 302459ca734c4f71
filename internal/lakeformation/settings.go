package lakeformation

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storejson"
)

type SettingsInput struct {
	CatalogId        string            `json:",omitempty"`
	DataLakeSettings *DataLakeSettings `json:",omitempty"`
}

type SettingsOutput struct {
	DataLakeSettings *DataLakeSettings `json:",omitempty"`
}

// GetDataLakeSettings returns the settings (the defaults of a new account until first put).
func (s *Service) GetDataLakeSettings(ctx context.Context, p *identity.Principal, _ *SettingsInput) (*SettingsOutput, error) {
	if err := s.iam(ctx, p, "GetDataLakeSettings"); err != nil {
		return nil, err
	}
	st, err := s.settings(ctx, s.st)
	if err != nil {
		return nil, err
	}
	return &SettingsOutput{DataLakeSettings: st}, nil
}

// PutDataLakeSettings replaces the settings wholesale (omitted = cleared; clients
// get-modify-put). Allowed to root and data-lake admins, and — while there are no admins yet —
// to any caller IAM allows lakeformation:PutDataLakeSettings (bootstrap).
func (s *Service) PutDataLakeSettings(ctx context.Context, p *identity.Principal, in *SettingsInput) (*empty, error) {
	if err := s.iam(ctx, p, "PutDataLakeSettings"); err != nil {
		return nil, err
	}
	n := in.DataLakeSettings
	if n == nil {
		return nil, invalidInput("DataLakeSettings is required")
	}
	if len(n.DataLakeAdmins) > 30 || len(n.ExternalDataFilteringAllowList) > 30 {
		return nil, invalidInput("at most 30 DataLakeAdmins and 30 ExternalDataFilteringAllowList entries")
	}
	for _, list := range [][]DataLakePrincipal{n.DataLakeAdmins, n.ReadOnlyAdmins} {
		for _, a := range list {
			if id := a.DataLakePrincipalIdentifier; !iamPrincipalRE.MatchString(id) {
				return nil, invalidInput("Invalid principal %s: data lake administrators are IAM users or roles", id)
			}
		}
	}
	for _, a := range n.ExternalDataFilteringAllowList {
		if id := a.DataLakePrincipalIdentifier; !accountRE.MatchString(id) && !iamPrincipalRE.MatchString(id) {
			return nil, invalidInput("Invalid principal %s in ExternalDataFilteringAllowList", id)
		}
	}
	for _, list := range [][]PrincipalPermissions{n.CreateDatabaseDefaultPermissions, n.CreateTableDefaultPermissions} {
		for _, pp := range list {
			if pp.Principal == nil || pp.Principal.DataLakePrincipalIdentifier != IAMAllowedPrincipals {
				return nil, invalidInput("default permissions may only name IAM_ALLOWED_PRINCIPALS")
			}
			for _, perm := range pp.Permissions {
				if perm != All {
					return nil, invalidInput("default permissions may only be ALL")
				}
			}
		}
	}
	for _, v := range n.AuthorizedSessionTagValueList {
		if v == "" || len(v) > 255 {
			return nil, invalidInput("AuthorizedSessionTagValueList values must be 1 to 255 characters")
		}
	}
	norm := *n
	if norm.DataLakeAdmins == nil {
		norm.DataLakeAdmins = []DataLakePrincipal{}
	}
	if norm.ReadOnlyAdmins == nil {
		norm.ReadOnlyAdmins = []DataLakePrincipal{}
	}
	if norm.CreateDatabaseDefaultPermissions == nil {
		norm.CreateDatabaseDefaultPermissions = []PrincipalPermissions{}
	}
	if norm.CreateTableDefaultPermissions == nil {
		norm.CreateTableDefaultPermissions = []PrincipalPermissions{}
	}
	if norm.TrustedResourceOwners == nil {
		norm.TrustedResourceOwners = []string{}
	}
	if norm.ExternalDataFilteringAllowList == nil {
		norm.ExternalDataFilteringAllowList = []DataLakePrincipal{}
	}
	if norm.AuthorizedSessionTagValueList == nil {
		norm.AuthorizedSessionTagValueList = []string{}
	}
	f := false
	if norm.AllowExternalDataFiltering == nil {
		norm.AllowExternalDataFiltering = &f
	}
	if norm.AllowFullTableExternalDataAccess == nil {
		norm.AllowFullTableExternalDataAccess = &f
	}
	if _, err := s.settings(ctx, s.st); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		cur, err := storejson.Get[DataLakeSettings](ctx, tx, nsSettings, "current")
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if cur != nil && len(cur.DataLakeAdmins) > 0 && !s.isAdmin(cur, p) {
			return s.deny(p, refusal{action: "lakeformation:PutDataLakeSettings", resource: s.catalogARN(), reason: reasonNotAdmin},
				"%s is not a data lake administrator", arnOf(p))
		}
		return storejson.Put(ctx, tx, nsSettings, "current", &norm)
	})
	if err != nil {
		if awsproto.As(err) != nil {
			return nil, err
		}
		return nil, internal(err)
	}
	return &empty{}, nil
}

// Locations.

type locationRecord struct {
	ResourceArn          string
	RoleArn              string
	UseServiceLinkedRole bool `json:",omitempty"`
	LastModified         time.Time
}

type ResourceInfo struct {
	ResourceArn  string
	RoleArn      string             `json:",omitempty"`
	LastModified awsproto.Timestamp `json:",omitempty"`
}

type RegisterInput struct {
	ResourceArn          string
	UseServiceLinkedRole *bool  `json:",omitempty"`
	RoleArn              string `json:",omitempty"`
}

// ServiceLinkedRoleName is the role vending uses for locations registered with
// UseServiceLinkedRole: arn:aws:iam::<acct>:role/aws-service-role/lakeformation.amazonaws.com/<name>.
// RegisterResource creates it through Options.LinkedRole (see LinkedRole).
const ServiceLinkedRoleName = "AWSServiceRoleForLakeFormationDataAccess"

func (s *Service) serviceLinkedRoleARN() string {
	return "arn:aws:iam::" + string(s.account) + ":role/aws-service-role/lakeformation.amazonaws.com/" + ServiceLinkedRoleName
}

var roleARNPrefix = "arn:aws:iam::"

func checkS3ARN(arn string) (string, error) {
	if !strings.HasPrefix(arn, "arn:aws:s3:::") || len(arn) == len("arn:aws:s3:::") {
		return "", invalidInput("ResourceArn must be an S3 ARN (arn:aws:s3:::bucket[/prefix])")
	}
	return strings.TrimSuffix(arn, "/"), nil
}

// adminOnly refuses op on resource (an ARN) to anyone but a data-lake admin.
func (s *Service) adminOnly(ctx context.Context, p *identity.Principal, op, resource string) error {
	st, err := s.settings(ctx, s.st)
	if err != nil {
		return err
	}
	if !s.isAdmin(st, p) {
		return s.deny(p, refusal{action: "lakeformation:" + op, resource: resource, reason: reasonNotAdmin},
			"%s is not a data lake administrator", arnOf(p))
	}
	return nil
}

// RegisterResource registers an S3 location with the role vending will use for it. Admins only.
func (s *Service) RegisterResource(ctx context.Context, p *identity.Principal, in *RegisterInput) (*empty, error) {
	if err := s.iam(ctx, p, "RegisterResource"); err != nil {
		return nil, err
	}
	arn, err := checkS3ARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if err := s.adminOnly(ctx, p, "RegisterResource", arn); err != nil {
		return nil, err
	}
	rec := locationRecord{ResourceArn: arn, RoleArn: in.RoleArn, LastModified: s.now().UTC().Truncate(time.Second)}
	switch {
	case in.UseServiceLinkedRole != nil && *in.UseServiceLinkedRole:
		rec.RoleArn, rec.UseServiceLinkedRole = s.serviceLinkedRoleARN(), true
	case in.RoleArn == "":
		return nil, invalidInput("RoleArn or UseServiceLinkedRole is required")
	case !strings.HasPrefix(in.RoleArn, roleARNPrefix) || !strings.Contains(in.RoleArn, ":role/"):
		return nil, invalidInput("RoleArn must be an IAM role ARN")
	}
	if rec.UseServiceLinkedRole && s.linked != nil {
		if err := s.linked.CreateLinkedRole(ctx, p); err != nil {
			return s.done(err)
		}
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		b, err := jsonBytes(rec)
		if err != nil {
			return err
		}
		_, err = tx.Create(ctx, nsLocation, arn, b)
		if errors.Is(err, store.ErrExists) {
			return alreadyExists("Resource is already registered")
		}
		return err
	})
	if err != nil || !rec.UseServiceLinkedRole {
		return s.done(err)
	}
	// The role is checked again now that the location is stored: IAM's DeleteServiceLinkedRole
	// reads the locations in its deleting transaction, so a deletion that missed this location
	// committed before it, and the role is created again here.
	if s.linked != nil {
		err = s.linked.CreateLinkedRole(ctx, p)
	}
	if err == nil {
		err = s.syncLinkedRole(ctx)
	}
	if err != nil {
		// Without the role or its policy the location could not be read: undo the registration.
		if derr := s.st.Update(ctx, func(tx store.Tx) error { return tx.Delete(ctx, nsLocation, arn) }); derr != nil {
			s.log.Error("undoing a registration whose service-linked role policy failed", "location", arn, "err", derr)
		}
		return s.done(err)
	}
	return &empty{}, nil
}

type ResourceArnInput struct {
	ResourceArn string
}

// DeregisterResource removes a registered location.
func (s *Service) DeregisterResource(ctx context.Context, p *identity.Principal, in *ResourceArnInput) (*empty, error) {
	if err := s.iam(ctx, p, "DeregisterResource"); err != nil {
		return nil, err
	}
	arn, err := checkS3ARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if err := s.adminOnly(ctx, p, "DeregisterResource", arn); err != nil {
		return nil, err
	}
	linked := false
	err = s.st.Update(ctx, func(tx store.Tx) error {
		rec, err := storejson.Get[locationRecord](ctx, tx, nsLocation, arn)
		if errors.Is(err, store.ErrNotFound) {
			return entityNotFound("Entity not found")
		} else if err != nil {
			return err
		}
		linked = rec.UseServiceLinkedRole
		return tx.Delete(ctx, nsLocation, arn)
	})
	if err == nil && linked {
		err = s.syncLinkedRole(ctx)
	}
	return s.done(err)
}

// UpdateResource changes a location's role.
func (s *Service) UpdateResource(ctx context.Context, p *identity.Principal, in *RegisterInput) (*empty, error) {
	if err := s.iam(ctx, p, "UpdateResource"); err != nil {
		return nil, err
	}
	arn, err := checkS3ARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	if err := s.adminOnly(ctx, p, "UpdateResource", arn); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(in.RoleArn, roleARNPrefix) || !strings.Contains(in.RoleArn, ":role/") {
		return nil, invalidInput("RoleArn must be an IAM role ARN")
	}
	linked := false
	err = s.st.Update(ctx, func(tx store.Tx) error {
		rec, err := storejson.Get[locationRecord](ctx, tx, nsLocation, arn)
		if errors.Is(err, store.ErrNotFound) {
			return entityNotFound("Entity not found")
		}
		if err != nil {
			return err
		}
		linked = rec.UseServiceLinkedRole
		rec.RoleArn, rec.UseServiceLinkedRole, rec.LastModified = in.RoleArn, false, s.now().UTC().Truncate(time.Second)
		return storejson.Put(ctx, tx, nsLocation, arn, rec)
	})
	if err == nil && linked {
		err = s.syncLinkedRole(ctx)
	}
	return s.done(err)
}

type DescribeResourceOutput struct {
	ResourceInfo ResourceInfo
}

// DescribeResource returns a registered location.
func (s *Service) DescribeResource(ctx context.Context, p *identity.Principal, in *ResourceArnInput) (*DescribeResourceOutput, error) {
	if err := s.iam(ctx, p, "DescribeResource"); err != nil {
		return nil, err
	}
	arn, err := checkS3ARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	rec, err := storejson.Get[locationRecord](ctx, s.st, nsLocation, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, entityNotFound("Entity not found")
	}
	if err != nil {
		return nil, internal(err)
	}
	return &DescribeResourceOutput{ResourceInfo: rec.info()}, nil
}

func (r *locationRecord) info() ResourceInfo {
	return ResourceInfo{ResourceArn: r.ResourceArn, RoleArn: r.RoleArn, LastModified: awsproto.Timestamp(r.LastModified)}
}

type ListResourcesInput struct {
	MaxResults int    `json:",omitempty"`
	NextToken  string `json:",omitempty"`
}

type ListResourcesOutput struct {
	ResourceInfoList []ResourceInfo
	NextToken        string `json:",omitempty"`
}

// ListResources lists registered locations (paged by ARN).
func (s *Service) ListResources(ctx context.Context, p *identity.Principal, in *ListResourcesInput) (*ListResourcesOutput, error) {
	if err := s.iam(ctx, p, "ListResources"); err != nil {
		return nil, err
	}
	limit := in.MaxResults
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	recs, err := s.st.List(ctx, nsLocation, store.ListOptions{StartAfter: in.NextToken, Limit: limit + 1})
	if err != nil {
		return nil, internal(err)
	}
	out := &ListResourcesOutput{ResourceInfoList: []ResourceInfo{}}
	for i, rec := range recs {
		if i == limit {
			out.NextToken = recs[i-1].Key
			break
		}
		var l locationRecord
		if err := jsonUnmarshal(rec.Value, &l); err != nil {
			return nil, internal(err)
		}
		out.ResourceInfoList = append(out.ResourceInfoList, l.info())
	}
	return out, nil
}

// locationFor finds the registered location containing an s3:// path by walking up its
// prefixes (one Get per path segment, whatever the number of locations).
func (s *Service) locationFor(ctx context.Context, s3path string) (*locationRecord, error) {
	rest, ok := strings.CutPrefix(s3path, "s3://")
	if !ok {
		if rest, ok = strings.CutPrefix(s3path, "s3a://"); !ok {
			return nil, nil
		}
	}
	rest = strings.TrimSuffix(rest, "/")
	for rest != "" {
		rec, err := storejson.Get[locationRecord](ctx, s.st, nsLocation, "arn:aws:s3:::"+rest)
		if err == nil {
			return rec, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, internal(err)
		}
		i := strings.LastIndexByte(rest, '/')
		if i < 0 {
			break
		}
		rest = rest[:i]
	}
	return nil, nil
}

func (s *Service) done(err error) (*empty, error) {
	if err != nil {
		if awsproto.As(err) != nil {
			return nil, err
		}
		return nil, internal(err)
	}
	return &empty{}, nil
}
