package lakeformation

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storejson"
)

func grantKeys(g *Grant) (byRes, byPrincipal string) {
	rk, pr := resourceKey(&g.Resource), g.Principal.DataLakePrincipalIdentifier
	return rk + psep + pr, pr + psep + rk
}

// putGrant merges g into the stored grant of the same principal and resource.
func (s *Service) putGrant(ctx context.Context, tx store.Tx, g Grant) error {
	k, kp := grantKeys(&g)
	cur, err := storejson.Get[Grant](ctx, tx, nsGrant, k)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	ng := mergeGrant(cur, g)
	if err := storejson.Put(ctx, tx, nsGrant, k, ng); err != nil {
		return err
	}
	return storejson.Put(ctx, tx, nsGrantP, kp, ng)
}

func (s *Service) revokeStored(ctx context.Context, tx store.Tx, g Grant) error {
	k, kp := grantKeys(&g)
	cur, err := storejson.Get[Grant](ctx, tx, nsGrant, k)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	ng, rerr := revokeGrant(cur, g)
	if rerr != nil {
		return invalidInput("Grantee has no permissions and no grantable permissions on resource: %s", rerr)
	}
	if ng == nil {
		if err := tx.Delete(ctx, nsGrant, k); err != nil {
			return err
		}
		return tx.Delete(ctx, nsGrantP, kp)
	}
	if err := storejson.Put(ctx, tx, nsGrant, k, ng); err != nil {
		return err
	}
	return storejson.Put(ctx, tx, nsGrantP, kp, ng)
}

func (s *Service) getGrant(ctx context.Context, r store.Reader, res *Resource, principal string) (*Grant, error) {
	g, err := storejson.Get[Grant](ctx, r, nsGrant, resourceKey(res)+psep+principal)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return g, err
}

// checkTarget verifies that the resource of a grant exists.
func (s *Service) checkTarget(ctx context.Context, r store.Reader, res *Resource) error {
	missing := func(err error, what string) error {
		if errors.Is(err, store.ErrNotFound) {
			return entityNotFound("%s not found.", what)
		}
		return internal(err)
	}
	switch {
	case res.Database != nil:
		if _, err := s.cat.LookupDatabase(ctx, res.Database.Name); err != nil {
			return missing(err, "Database "+res.Database.Name)
		}
	case res.Table != nil && res.Table.TableWildcard != nil:
		if _, err := s.cat.LookupDatabase(ctx, res.Table.DatabaseName); err != nil {
			return missing(err, "Database "+res.Table.DatabaseName)
		}
	case res.Table != nil || res.TableWithColumns != nil:
		db, t, _ := tableOf(res)
		if _, err := s.cat.LookupTable(ctx, db, t); err != nil {
			return missing(err, "Table "+t)
		}
	case res.DataCellsFilter != nil:
		f := res.DataCellsFilter
		if _, err := r.Get(ctx, nsFilter, f.DatabaseName+sep+f.TableName+sep+f.Name); err != nil {
			return missing(err, "Data cells filter "+f.Name)
		}
	case res.DataLocation != nil:
		if _, err := r.Get(ctx, nsLocation, res.DataLocation.ResourceArn); err != nil {
			return missing(err, "Location "+res.DataLocation.ResourceArn)
		}
	case res.LFTag != nil:
		t, err := storejson.Get[LFTagPair](ctx, r, nsTag, lower(res.LFTag.TagKey))
		if err != nil {
			return missing(err, "Tag key "+res.LFTag.TagKey)
		}
		for _, v := range res.LFTag.TagValues {
			if v != "*" && !containsFold(t.TagValues, v) {
				return entityNotFound("Tag value %s not found for key %s.", v, res.LFTag.TagKey)
			}
		}
	}
	return nil
}

// mayGrant decides whether p may grant or revoke g: admins may grant anything; others need
// the grant option (spec §8.4).
func (s *Service) mayGrant(ctx context.Context, r store.Reader, st *DataLakeSettings, p *identity.Principal, g *Grant, op string) error {
	if s.isAdmin(st, p) {
		return nil
	}
	me := principalOf(p)
	onRes, err := s.getGrant(ctx, r, &g.Resource, me)
	if err != nil {
		return internal(err)
	}
	var onTable *Grant
	if db, t, ok := tableOf(&g.Resource); ok {
		if onTable, err = s.getGrant(ctx, r, &Resource{Table: &TableResource{DatabaseName: db, Name: t}}, me); err != nil {
			return internal(err)
		}
	}
	perms := append(slices.Clone(g.Permissions), g.PermissionsWithGrantOption...)
	if canGrant(onRes, onTable, perms, &g.Resource) {
		return nil
	}
	held := grantList(onRes)
	if onTable != nil && (onRes == nil || resourceKey(&onRes.Resource) != resourceKey(&onTable.Resource)) {
		held = append(held, *onTable)
	}
	return s.deny(p, refusal{action: "lakeformation:" + op, resource: s.resourceARN(&g.Resource), reason: reasonNoGrantOption, grants: held,
		keys: map[string]string{"lakeformation:permissions": joinPerms(newPermSet(perms...)), "lakeformation:grantee": g.Principal.DataLakePrincipalIdentifier}},
		"Insufficient Lake Formation permission(s) on %s", describeResource(&g.Resource))
}

func describeResource(r *Resource) string {
	switch {
	case r.Catalog != nil:
		return "the catalog"
	case r.Database != nil:
		return r.Database.Name
	case r.Table != nil && r.Table.TableWildcard != nil:
		return r.Table.DatabaseName + ".*"
	}
	if db, t, ok := tableOf(r); ok {
		return db + "." + t
	}
	if r.DataLocation != nil {
		return r.DataLocation.ResourceArn
	}
	if r.LFTag != nil {
		return "LF-tag " + r.LFTag.TagKey
	}
	return "the resource"
}

// GrantInput is GrantPermissions' and RevokePermissions' request.
type GrantInput struct {
	CatalogId                  string `json:",omitempty"`
	Principal                  *DataLakePrincipal
	Resource                   *Resource
	Permissions                []Permission
	PermissionsWithGrantOption []Permission
}

type empty struct{}

func (in *GrantInput) grant() (Grant, error) {
	if in.Principal == nil || in.Resource == nil {
		return Grant{}, invalidInput("Principal and Resource are required")
	}
	g := Grant{Principal: *in.Principal, Resource: *in.Resource, Permissions: in.Permissions, PermissionsWithGrantOption: in.PermissionsWithGrantOption}
	if err := validateGrant(&g); err != nil {
		return Grant{}, err
	}
	if !validPrincipal(g.Principal.DataLakePrincipalIdentifier) {
		return Grant{}, invalidInput("Invalid principal %s", g.Principal.DataLakePrincipalIdentifier)
	}
	return g, nil
}

// GrantPermissions grants permissions (and grant options) to a principal. Needs the IAM action
// and, in Lake Formation, admin or the grant option. Errors: InvalidInputException,
// EntityNotFoundException, AccessDeniedException.
func (s *Service) GrantPermissions(ctx context.Context, p *identity.Principal, in *GrantInput) (*empty, error) {
	if err := s.iam(ctx, p, "GrantPermissions"); err != nil {
		return nil, err
	}
	g, err := in.grant()
	if err != nil {
		return nil, err
	}
	return &empty{}, s.changeGrant(ctx, p, g, false)
}

// RevokePermissions revokes permissions; revoking only PermissionsWithGrantOption removes only
// the option. Credentials already vended stay valid until they expire (see RevokeVendedSessions).
func (s *Service) RevokePermissions(ctx context.Context, p *identity.Principal, in *GrantInput) (*empty, error) {
	if err := s.iam(ctx, p, "RevokePermissions"); err != nil {
		return nil, err
	}
	g, err := in.grant()
	if err != nil {
		return nil, err
	}
	return &empty{}, s.changeGrant(ctx, p, g, true)
}

func (s *Service) changeGrant(ctx context.Context, p *identity.Principal, g Grant, revoke bool) error {
	st, err := s.settings(ctx, s.st)
	if err != nil {
		return err
	}
	if err := s.checkTarget(ctx, s.st, &g.Resource); err != nil {
		return err
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		op := "GrantPermissions"
		if revoke {
			op = "RevokePermissions"
		}
		if err := s.mayGrant(ctx, tx, st, p, &g, op); err != nil {
			return err
		}
		if revoke {
			return s.revokeStored(ctx, tx, g)
		}
		return s.putGrant(ctx, tx, g)
	})
}

// BatchEntry is one entry of BatchGrantPermissions / BatchRevokePermissions.
type BatchEntry struct {
	Id                         string
	Principal                  *DataLakePrincipal `json:",omitempty"`
	Resource                   *Resource          `json:",omitempty"`
	Permissions                []Permission       `json:",omitempty"`
	PermissionsWithGrantOption []Permission       `json:",omitempty"`
}

type BatchInput struct {
	CatalogId string `json:",omitempty"`
	Entries   []BatchEntry
}

type ErrorDetail struct {
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
}

type BatchFailure struct {
	RequestEntry BatchEntry
	Error        ErrorDetail
}

type BatchOutput struct {
	Failures []BatchFailure
}

func (s *Service) batch(ctx context.Context, p *identity.Principal, in *BatchInput, op string, revoke bool) (*BatchOutput, error) {
	if err := s.iam(ctx, p, op); err != nil {
		return nil, err
	}
	if len(in.Entries) == 0 {
		return nil, invalidInput("Entries must not be empty")
	}
	out := &BatchOutput{Failures: []BatchFailure{}}
	for _, e := range in.Entries {
		gi := GrantInput{Principal: e.Principal, Resource: e.Resource, Permissions: e.Permissions, PermissionsWithGrantOption: e.PermissionsWithGrantOption}
		g, err := gi.grant()
		if err == nil {
			err = s.changeGrant(ctx, p, g, revoke)
		}
		if err != nil {
			ae := awsproto.As(err)
			if ae == nil {
				return nil, err
			}
			out.Failures = append(out.Failures, BatchFailure{RequestEntry: e, Error: ErrorDetail{ErrorCode: ae.Code, ErrorMessage: ae.Message}})
		}
	}
	return out, nil
}

// BatchGrantPermissions grants each entry independently; failures are reported per entry.
func (s *Service) BatchGrantPermissions(ctx context.Context, p *identity.Principal, in *BatchInput) (*BatchOutput, error) {
	return s.batch(ctx, p, in, "BatchGrantPermissions", false)
}

// BatchRevokePermissions revokes each entry independently.
func (s *Service) BatchRevokePermissions(ctx context.Context, p *identity.Principal, in *BatchInput) (*BatchOutput, error) {
	return s.batch(ctx, p, in, "BatchRevokePermissions", true)
}

type ListPermissionsInput struct {
	CatalogId      string             `json:",omitempty"`
	Principal      *DataLakePrincipal `json:",omitempty"`
	ResourceType   string             `json:",omitempty"`
	Resource       *Resource          `json:",omitempty"`
	NextToken      string             `json:",omitempty"`
	MaxResults     int                `json:",omitempty"`
	IncludeRelated string             `json:",omitempty"`
}

type ListPermissionsOutput struct {
	PrincipalResourcePermissions []Grant
	NextToken                    string `json:",omitempty"`
}

// ListPermissions lists explicit grants, filtered by principal, resource type and resource
// (a table resource includes its column grants, and with IncludeRelated its filter grants).
// Admins see every grant; other callers see only their own.
func (s *Service) ListPermissions(ctx context.Context, p *identity.Principal, in *ListPermissionsInput) (*ListPermissionsOutput, error) {
	if err := s.iam(ctx, p, "ListPermissions"); err != nil {
		return nil, err
	}
	st, err := s.settings(ctx, s.st)
	if err != nil {
		return nil, err
	}
	if in.MaxResults < 0 || in.MaxResults > 1000 {
		return nil, invalidInput("MaxResults must be between 1 and 1000")
	}
	principal := ""
	if in.Principal != nil {
		principal = in.Principal.DataLakePrincipalIdentifier
	}
	if !s.isAdmin(st, p) {
		me := principalOf(p)
		if principal != "" && principal != me {
			return nil, s.deny(p, refusal{action: "lakeformation:ListPermissions", resource: s.catalogARN(), reason: reasonNotAdmin,
				keys: map[string]string{"lakeformation:grantee": principal}},
				"Insufficient Lake Formation permission(s): only data lake administrators may list other principals' permissions")
		}
		principal = me
	}
	var prefixes []string
	ns := nsGrant
	switch {
	case in.Resource != nil:
		if err := validateResource(in.Resource); err != nil {
			return nil, err
		}
		rk := resourceKey(in.Resource)
		prefixes = []string{rk + psep}
		if db, t, ok := tableOf(in.Resource); ok && in.Resource.Table != nil {
			prefixes = append(prefixes, resourceKey(&Resource{TableWithColumns: &TableWithColumnsResource{DatabaseName: db, Name: t}})+psep)
			if strings.EqualFold(in.IncludeRelated, "TRUE") {
				prefixes = append(prefixes, "F"+sep+db+sep+t+sep)
			}
		}
		if principal != "" {
			for i := range prefixes {
				if strings.HasSuffix(prefixes[i], psep) {
					prefixes[i] += principal
				}
			}
		}
	case principal != "":
		ns, prefixes = nsGrantP, []string{principal + psep}
	default:
		prefixes = []string{""}
	}
	var all []Grant
	for _, pre := range prefixes {
		gs, _, err := listJSON[Grant](ctx, s.st, ns, pre)
		if err != nil {
			return nil, internal(err)
		}
		for _, g := range gs {
			if principal != "" && g.Principal.DataLakePrincipalIdentifier != principal {
				continue
			}
			if in.ResourceType != "" && !matchesType(&g.Resource, in.ResourceType) {
				continue
			}
			g.Resource = s.fill(g.Resource)
			all = append(all, *g)
		}
	}
	start := 0
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil {
			return nil, invalidInput("invalid NextToken")
		}
		n, err := strconv.Atoi(string(b))
		if err != nil || n < 0 {
			return nil, invalidInput("invalid NextToken")
		}
		start = min(n, len(all))
	}
	limit := in.MaxResults
	if limit == 0 {
		limit = 1000
	}
	out := &ListPermissionsOutput{PrincipalResourcePermissions: []Grant{}}
	end := min(start+limit, len(all))
	out.PrincipalResourcePermissions = append(out.PrincipalResourcePermissions, all[start:end]...)
	if end < len(all) {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return out, nil
}

func matchesType(r *Resource, t string) bool {
	rt := resourceType(r)
	if t == "LF_TAG_POLICY" {
		return strings.HasPrefix(rt, "LF_TAG_POLICY")
	}
	return rt == t
}

// grantsFor reads, through the indexes only, the grants that apply to principal on one table:
// the table, its columns, the database's TableWildcard, the table's filters and every
// table LF-tag policy — for the principal and for IAM_ALLOWED_PRINCIPALS.
func (s *Service) grantsFor(ctx context.Context, r store.Reader, principal, db, table string) ([]Grant, error) {
	var out []Grant
	keys := []string{
		resourceKey(&Resource{Table: &TableResource{DatabaseName: db, Name: table}}),
		resourceKey(&Resource{TableWithColumns: &TableWithColumnsResource{DatabaseName: db, Name: table}}),
		resourceKey(&Resource{Table: &TableResource{DatabaseName: db, TableWildcard: &struct{}{}}}),
	}
	for _, pr := range []string{principal, IAMAllowedPrincipals} {
		if pr == "" {
			continue
		}
		for _, k := range keys {
			g, err := storejson.Get[Grant](ctx, r, nsGrant, k+psep+pr)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, *g)
		}
		for _, pre := range []string{pr + psep + "F" + sep + db + sep + table + sep, pr + psep + "P" + sep + "TABLE" + sep} {
			gs, _, err := listJSON[Grant](ctx, r, nsGrantP, pre)
			if err != nil {
				return nil, err
			}
			for _, g := range gs {
				out = append(out, *g)
			}
		}
	}
	return out, nil
}

// access resolves p's access to a table it has already looked up.
func (s *Service) access(ctx context.Context, p *identity.Principal, st *DataLakeSettings, t *catalog.TableInfo) (*Access, error) {
	grants, err := s.grantsFor(ctx, s.st, principalOf(p), t.Database, t.Name)
	if err != nil {
		return nil, internal(err)
	}
	facts := TableFacts{Database: t.Database, Name: t.Name}
	for _, c := range t.Columns {
		facts.Columns = append(facts.Columns, c.Name)
	}
	for _, c := range t.PartitionKeys {
		facts.Columns = append(facts.Columns, c.Name)
	}
	in := Input{Table: facts, Admin: s.isAdmin(st, p), Grants: grants}
	hasFilterGrant, hasTagGrant := false, false
	for _, g := range grants {
		hasFilterGrant = hasFilterGrant || g.Resource.DataCellsFilter != nil
		hasTagGrant = hasTagGrant || g.Resource.LFTagPolicy != nil
	}
	if hasFilterGrant {
		fs, _, err := listJSON[DataCellsFilter](ctx, s.st, nsFilter, t.Database+sep+t.Name+sep)
		if err != nil {
			return nil, internal(err)
		}
		in.Filters = map[string]DataCellsFilter{}
		for _, f := range fs {
			in.Filters[f.Name] = *f
		}
	}
	if hasTagGrant {
		in.Table.Tags, in.Table.ColumnTags, err = s.effectiveTableTags(ctx, t.Database, t.Name, facts.Columns)
		if err != nil {
			return nil, internal(err)
		}
	}
	a := Resolve(in)
	a.grants = grants
	return a, nil
}

type PathInput struct {
	CatalogId   string `json:",omitempty"`
	ResourceArn string
	NextToken   string `json:",omitempty"`
	MaxResults  int    `json:",omitempty"`
}

type PathOutput struct {
	Permissions []Grant
	NextToken   string `json:",omitempty"`
}

// GetEffectivePermissionsForPath lists the grants on the registered location covering an S3
// path and on every table whose location lies under it. Admins only.
func (s *Service) GetEffectivePermissionsForPath(ctx context.Context, p *identity.Principal, in *PathInput) (*PathOutput, error) {
	if err := s.iam(ctx, p, "GetEffectivePermissionsForPath"); err != nil {
		return nil, err
	}
	if err := s.adminOnly(ctx, p, "GetEffectivePermissionsForPath", in.ResourceArn); err != nil {
		return nil, err
	}
	arn, err := checkS3ARN(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	path := "s3://" + strings.TrimPrefix(arn, "arn:aws:s3:::")
	out := &PathOutput{Permissions: []Grant{}}
	add := func(prefix string) error {
		gs, _, err := listJSON[Grant](ctx, s.st, nsGrant, prefix)
		if err != nil {
			return err
		}
		for _, g := range gs {
			g.Resource = s.fill(g.Resource)
			out.Permissions = append(out.Permissions, *g)
		}
		return nil
	}
	if loc, err := s.locationFor(ctx, path); err != nil {
		return nil, err
	} else if loc != nil {
		if err := add("L" + sep + loc.ResourceArn + psep); err != nil {
			return nil, internal(err)
		}
	}
	dbs, err := s.cat.ListDatabases(ctx)
	if err != nil {
		return nil, internal(err)
	}
	under := func(loc string) bool {
		l := strings.TrimSuffix(loc, "/")
		return l == path || strings.HasPrefix(l, path+"/")
	}
	for _, d := range dbs {
		ts, err := s.cat.ListTables(ctx, d.Name)
		if err != nil {
			return nil, internal(err)
		}
		for _, t := range ts {
			if !under(t.Location) {
				continue
			}
			for _, pre := range []string{"T" + sep + t.Database + sep + t.Name + psep, "X" + sep + t.Database + sep + t.Name + psep} {
				if err := add(pre); err != nil {
					return nil, internal(err)
				}
			}
		}
	}
	return out, nil
}
