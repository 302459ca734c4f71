package iam

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storejson"
)

// Role returns a role by name or by ARN (names compare case-insensitively), with its trust
// policy compiled; a missing role is a NoSuchEntity *awsproto.Error. Roles are cached per IAM
// generation; do not modify the result.
func (s *Service) Role(ctx context.Context, nameOrARN string) (*Role, error) {
	name := nameOrARN
	byARN := strings.HasPrefix(nameOrARN, "arn:")
	if byARN {
		var ok bool
		if _, name, ok = s.splitARN(nameOrARN, "role"); !ok {
			return nil, noSuchEntity("The role with ARN %s cannot be found.", nameOrARN)
		}
	}
	gen, err := s.sync(ctx)
	if err != nil {
		return nil, err
	}
	s.cache.mu.Lock()
	r := s.cache.roleObjs[keyOf(name)]
	s.cache.mu.Unlock()
	if r == nil {
		r, err = storejson.Get[Role](ctx, s.st, nsRole, keyOf(name))
		if err != nil {
			return nil, notFound(err, "The role with name %s cannot be found.", name)
		}
		if r.Trust, err = policy.Parse([]byte(r.TrustPolicy), policy.Resource); err != nil {
			return nil, err
		}
		r.Trust.Name = string(r.ARN) + " trust policy"
		s.cache.mu.Lock()
		if s.cache.gen == gen {
			s.cache.roleObjs[keyOf(name)] = r
		}
		s.cache.mu.Unlock()
	}
	if byARN && !strings.EqualFold(string(r.ARN), nameOrARN) {
		return nil, noSuchEntity("The role with ARN %s cannot be found.", nameOrARN)
	}
	return r, nil
}

func getRole(ctx context.Context, r store.Reader, name string) (*Role, error) {
	ro, err := storejson.Get[Role](ctx, r, nsRole, keyOf(name))
	if isNotFound(err) {
		return nil, nil
	}
	return ro, err
}

// roleTarget authorizes action on a role (see userTarget) and returns it.
func (s *Service) roleTarget(ctx context.Context, p *identity.Principal, action, name string, keys *policy.Context) (*Role, error) {
	if err := checkName("roleName", name, entityNameRE); err != nil {
		return nil, err
	}
	r, err := getRole(ctx, s.st, name)
	if err != nil {
		return nil, err
	}
	arn := s.arn("role", "/", name)
	if r != nil {
		arn = r.ARN
	}
	if err := s.authorize(ctx, p, action, arn, keys); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, noSuchEntity("The role with name %s cannot be found.", name)
	}
	if linkedOnly[action] && linkedTo(r.Path) != "" {
		return nil, unmodifiable(r.Name)
	}
	return r, nil
}

// linkedOnly are the role operations refused on a service-linked role: only its service
// changes its trust, boundary or existence (the policy operations check in holderTarget).
var linkedOnly = map[string]bool{
	"UpdateAssumeRolePolicy": true, "DeleteRole": true,
	"PutRolePermissionsBoundary": true, "DeleteRolePermissionsBoundary": true,
}

// changeRole re-reads a role inside a transaction, applies fn and saves it.
func (s *Service) changeRole(ctx context.Context, name string, fn func(tx store.Tx, r *Role) error) error {
	return s.update(ctx, func(tx store.Tx) error {
		r, err := storejson.Get[Role](ctx, tx, nsRole, keyOf(name))
		if err != nil {
			return notFound(err, "The role with name %s cannot be found.", name)
		}
		if err := fn(tx, r); err != nil {
			return err
		}
		return storejson.Put(ctx, tx, nsRole, keyOf(r.Name), r)
	})
}

// policyError maps the policy package's errors to IAM's.
func policyError(err error) error {
	var pe *policy.Error
	if errors.As(err, &pe) {
		if pe.Code == policy.CodeLimitExceeded {
			return limitExceeded("%s", pe.Message)
		}
		return malformedPolicy("%s", pe.Message)
	}
	return err
}

// parseTrust validates a trust policy: size, grammar, and that the IAM users and roles of this
// account it names exist (AWS's "Invalid principal in policy").
func (s *Service) parseTrust(ctx context.Context, r store.Reader, doc string) (*policy.Policy, error) {
	if err := policy.ValidateSize([]byte(doc), policy.LimitTrustPolicy); err != nil {
		return nil, policyError(err)
	}
	pol, err := policy.Parse([]byte(doc), policy.Resource)
	if err != nil {
		return nil, policyError(err)
	}
	for _, arn := range awsPrincipals([]byte(doc)) {
		kind := ""
		switch {
		case strings.HasPrefix(arn, "arn:aws:iam::"+string(s.account)+":user/"):
			kind = kindUser
		case strings.HasPrefix(arn, "arn:aws:iam::"+string(s.account)+":role/"):
			kind = kindRole
		default:
			continue
		}
		_, name, ok := s.splitARN(arn, kind)
		var h *holder
		if ok {
			h, err = loadHolder(ctx, r, kind, name)
			if err != nil && awsproto.As(err) == nil {
				return nil, err
			}
		}
		if h == nil || string(h.arn) != arn {
			return nil, malformedPolicy("Invalid principal in policy: \"AWS\":\"%s\"", arn)
		}
	}
	return pol, nil
}

// awsPrincipals returns the values of every Principal/NotPrincipal "AWS" element of a (valid)
// policy document.
func awsPrincipals(doc []byte) []string {
	var d struct {
		Statement json.RawMessage
	}
	if json.Unmarshal(doc, &d) != nil {
		return nil
	}
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(d.Statement, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(d.Statement, &one) != nil {
			return nil
		}
		stmts = append(stmts, one)
	}
	var out []string
	for _, st := range stmts {
		for _, field := range []string{"Principal", "NotPrincipal"} {
			var pr map[string]json.RawMessage
			if json.Unmarshal(st[field], &pr) != nil {
				continue
			}
			raw := pr["AWS"]
			var one string
			var many []string
			if json.Unmarshal(raw, &one) == nil {
				out = append(out, one)
			} else if json.Unmarshal(raw, &many) == nil {
				out = append(out, many...)
			}
		}
	}
	return out
}

func checkMaxSession(sec int64) (time.Duration, error) {
	if sec == 0 {
		return minSessionDuration * time.Second, nil
	}
	if sec < minSessionDuration || sec > maxSessionDuration {
		return 0, validationError("1 validation error detected: Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200", sec)
	}
	return time.Duration(sec) * time.Second, nil
}

func checkDescription(d string) error {
	if len([]rune(d)) > 1000 {
		return validationError("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000")
	}
	return nil
}

// CreateRoleInput is CreateRole's request.
type CreateRoleInput struct {
	RoleName                 string         `query:"RoleName,required"`
	AssumeRolePolicyDocument string         `query:"AssumeRolePolicyDocument,required"`
	Path                     string         `query:"Path"`
	Description              string         `query:"Description"`
	MaxSessionDuration       int64          `query:"MaxSessionDuration"`
	PermissionsBoundary      identity.ARN   `query:"PermissionsBoundary"`
	Tags                     []identity.Tag `query:"Tags"`
}

// RoleOutput is the response of CreateRole and GetRole.
type RoleOutput struct {
	Role *RoleInfo
}

// CreateRole creates a role with a trust policy.
func (s *Service) CreateRole(ctx context.Context, p *identity.Principal, in *CreateRoleInput) (*RoleOutput, error) {
	if err := checkName("roleName", in.RoleName, entityNameRE); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(path, linkedPathPrefix) {
		// Only CreateServiceLinkedRole makes roles there: a role squatting the service's name
		// would receive the service's permissions and then be protected from its own creator.
		return nil, invalidInput("The path %s is reserved for service-linked roles; use CreateServiceLinkedRole.", linkedPathPrefix)
	}
	maxDur, err := checkMaxSession(in.MaxSessionDuration)
	if err != nil {
		return nil, err
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	arn := s.arn("role", path, in.RoleName)
	keys := tagContext(in.Tags)
	if in.PermissionsBoundary != "" {
		keys = withBoundaryKey(keys, in.PermissionsBoundary)
	}
	if err := s.authorize(ctx, p, "CreateRole", arn, keys); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		if err := s.authorize(ctx, p, "TagRole", arn, tagContext(in.Tags)); err != nil {
			return nil, err
		}
	}
	id, err := s.newID("AROA")
	if err != nil {
		return nil, err
	}
	r := &Role{Name: in.RoleName, Path: path, ID: id, ARN: arn, Created: s.stamp(), TrustPolicy: in.AssumeRolePolicyDocument,
		MaxSessionDuration: maxDur, Description: in.Description, Tags: in.Tags, BoundaryARN: in.PermissionsBoundary}
	err = s.update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(ctx, nsRole, keyOf(r.Name)); err == nil {
			return alreadyExists("Role with name %s already exists.", in.RoleName)
		}
		if _, err := s.parseTrust(ctx, tx, r.TrustPolicy); err != nil {
			return err
		}
		if r.BoundaryARN != "" {
			if err := s.useBoundary(ctx, tx, r.BoundaryARN, "role/"+r.Name, true); err != nil {
				return err
			}
		}
		err := createJSON(ctx, tx, nsRole, keyOf(r.Name), r)
		if store.KindOf(err) == store.Exists {
			return alreadyExists("Role with name %s already exists.", in.RoleName)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &RoleOutput{Role: roleOut(r, true)}, nil
}

// RoleNameInput is the request of operations that only name a role.
type RoleNameInput struct {
	RoleName string `query:"RoleName,required"`
}

// GetRole returns a role; its trust policy is URL-encoded, as AWS sends it.
func (s *Service) GetRole(ctx context.Context, p *identity.Principal, in *RoleNameInput) (*RoleOutput, error) {
	r, err := s.roleTarget(ctx, p, "GetRole", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	return &RoleOutput{Role: roleOut(r, true)}, nil
}

// ListRolesInput is ListRoles' request.
type ListRolesInput struct {
	PathPrefix string `query:"PathPrefix"`
	Marker     string `query:"Marker"`
	MaxItems   int    `query:"MaxItems"`
}

// ListRolesOutput is ListRoles' response.
type ListRolesOutput struct {
	Roles []*RoleInfo `xml:"Roles>member"`
	Page
}

// ListRoles lists roles (with their trust policies; without tags and boundaries, as AWS does).
func (s *Service) ListRoles(ctx context.Context, p *identity.Principal, in *ListRolesInput) (*ListRolesOutput, error) {
	if err := s.authorize(ctx, p, "ListRoles", "*", nil); err != nil {
		return nil, err
	}
	all, err := listJSON[Role](ctx, s.st, nsRole)
	if err != nil {
		return nil, err
	}
	all = filterPath(all, in.PathPrefix, func(r *Role) string { return r.Path })
	items, trunc, next, err := page(all, func(r *Role) string { return keyOf(r.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &ListRolesOutput{Roles: []*RoleInfo{}, Page: Page{IsTruncated: trunc, Marker: next}}
	for _, r := range items {
		o := roleOut(r, true)
		o.Tags, o.PermissionsBoundary, o.RoleLastUsed = nil, nil, nil
		out.Roles = append(out.Roles, o)
	}
	return out, nil
}

// UpdateRoleInput is UpdateRole's request.
type UpdateRoleInput struct {
	RoleName           string  `query:"RoleName,required"`
	Description        *string `query:"Description"`
	MaxSessionDuration int64   `query:"MaxSessionDuration"`
}

// UpdateRole changes a role's description and maximum session duration.
func (s *Service) UpdateRole(ctx context.Context, p *identity.Principal, in *UpdateRoleInput) (*Empty, error) {
	var maxDur time.Duration
	if in.MaxSessionDuration != 0 {
		var err error
		if maxDur, err = checkMaxSession(in.MaxSessionDuration); err != nil {
			return nil, err
		}
	}
	if in.Description != nil {
		if err := checkDescription(*in.Description); err != nil {
			return nil, err
		}
	}
	r, err := s.roleTarget(ctx, p, "UpdateRole", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	if maxDur != 0 && linkedTo(r.Path) != "" {
		return nil, unmodifiable(r.Name) // its description, only, may be edited
	}
	return nil, s.changeRole(ctx, in.RoleName, func(_ store.Tx, r *Role) error {
		if in.Description != nil {
			r.Description = *in.Description
		}
		if maxDur != 0 {
			r.MaxSessionDuration = maxDur
		}
		return nil
	})
}

// UpdateRoleDescriptionInput is UpdateRoleDescription's request.
type UpdateRoleDescriptionInput struct {
	RoleName    string `query:"RoleName,required"`
	Description string `query:"Description,required"`
}

// UpdateRoleDescription changes a role's description and returns the role.
func (s *Service) UpdateRoleDescription(ctx context.Context, p *identity.Principal, in *UpdateRoleDescriptionInput) (*RoleOutput, error) {
	if _, err := s.UpdateRole(ctx, p, &UpdateRoleInput{RoleName: in.RoleName, Description: &in.Description}); err != nil {
		return nil, err
	}
	r, err := getRole(ctx, s.st, in.RoleName)
	if err != nil || r == nil {
		return nil, notFound(store.ErrNotFound, "The role with name %s cannot be found.", in.RoleName)
	}
	return &RoleOutput{Role: roleOut(r, true)}, nil
}

// UpdateAssumeRolePolicyInput is UpdateAssumeRolePolicy's request.
type UpdateAssumeRolePolicyInput struct {
	RoleName       string `query:"RoleName,required"`
	PolicyDocument string `query:"PolicyDocument,required"`
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, p *identity.Principal, in *UpdateAssumeRolePolicyInput) (*Empty, error) {
	if _, err := s.roleTarget(ctx, p, "UpdateAssumeRolePolicy", in.RoleName, nil); err != nil {
		return nil, err
	}
	return nil, s.changeRole(ctx, in.RoleName, func(tx store.Tx, r *Role) error {
		if _, err := s.parseTrust(ctx, tx, in.PolicyDocument); err != nil {
			return err
		}
		r.TrustPolicy = in.PolicyDocument
		return nil
	})
}

// DeleteRole deletes a role that has no inline or attached policies.
func (s *Service) DeleteRole(ctx context.Context, p *identity.Principal, in *RoleNameInput) (*Empty, error) {
	if _, err := s.roleTarget(ctx, p, "DeleteRole", in.RoleName, nil); err != nil {
		return nil, err
	}
	return nil, s.update(ctx, func(tx store.Tx) error {
		r, err := storejson.Get[Role](ctx, tx, nsRole, keyOf(in.RoleName))
		if err != nil {
			return notFound(err, "The role with name %s cannot be found.", in.RoleName)
		}
		if len(r.Inline) > 0 || len(r.Attached) > 0 {
			return deleteConflict("Cannot delete entity, must delete policies first.")
		}
		if r.BoundaryARN != "" {
			if err := s.useBoundary(ctx, tx, r.BoundaryARN, "role/"+r.Name, false); err != nil {
				return err
			}
		}
		return tx.Delete(ctx, nsRole, keyOf(r.Name))
	})
}

// PutRolePermissionsBoundaryInput is PutRolePermissionsBoundary's request.
type PutRolePermissionsBoundaryInput struct {
	RoleName            string       `query:"RoleName,required"`
	PermissionsBoundary identity.ARN `query:"PermissionsBoundary,required"`
}

// PutRolePermissionsBoundary sets (or replaces) a role's permissions boundary.
func (s *Service) PutRolePermissionsBoundary(ctx context.Context, p *identity.Principal, in *PutRolePermissionsBoundaryInput) (*Empty, error) {
	if _, err := s.roleTarget(ctx, p, "PutRolePermissionsBoundary", in.RoleName, withBoundaryKey(nil, in.PermissionsBoundary)); err != nil {
		return nil, err
	}
	return nil, s.changeRole(ctx, in.RoleName, func(tx store.Tx, r *Role) error {
		return s.setBoundary(ctx, tx, &r.BoundaryARN, in.PermissionsBoundary, "role/"+r.Name)
	})
}

// DeleteRolePermissionsBoundary removes a role's permissions boundary.
func (s *Service) DeleteRolePermissionsBoundary(ctx context.Context, p *identity.Principal, in *RoleNameInput) (*Empty, error) {
	r, err := s.roleTarget(ctx, p, "DeleteRolePermissionsBoundary", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	if r.BoundaryARN == "" {
		return nil, noSuchEntity("The role with name %s does not have a permissions boundary.", in.RoleName)
	}
	return nil, s.changeRole(ctx, in.RoleName, func(tx store.Tx, r *Role) error {
		return s.setBoundary(ctx, tx, &r.BoundaryARN, "", "role/"+r.Name)
	})
}

// UserBoundaryInput is PutUserPermissionsBoundary's request.
type UserBoundaryInput struct {
	UserName            string       `query:"UserName,required"`
	PermissionsBoundary identity.ARN `query:"PermissionsBoundary"`
}

// PutUserPermissionsBoundary sets a user's permissions boundary.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, p *identity.Principal, in *UserBoundaryInput) (*Empty, error) {
	if in.PermissionsBoundary == "" {
		return nil, validationError("1 validation error detected: Value null at 'permissionsBoundary' failed to satisfy constraint: Member must not be null")
	}
	return s.userBoundary(ctx, p, "PutUserPermissionsBoundary", in.UserName, in.PermissionsBoundary)
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, p *identity.Principal, in *UserBoundaryInput) (*Empty, error) {
	return s.userBoundary(ctx, p, "DeleteUserPermissionsBoundary", in.UserName, "")
}

func (s *Service) userBoundary(ctx context.Context, p *identity.Principal, action, name string, arn identity.ARN) (*Empty, error) {
	u, err := getUser(ctx, s.st, name)
	if err != nil {
		return nil, err
	}
	target := s.arn("user", "/", name)
	if u != nil {
		target = u.ARN
	}
	var keys *policy.Context
	if arn != "" {
		keys = withBoundaryKey(nil, arn)
	}
	if err := s.authorize(ctx, p, action, target, keys); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, noSuchEntity("The user with name %s cannot be found.", name)
	}
	return nil, s.update(ctx, func(tx store.Tx) error {
		u, err := storejson.Get[userRec](ctx, tx, nsUser, keyOf(name))
		if err != nil {
			return notFound(err, "The user with name %s cannot be found.", name)
		}
		if err := s.setBoundary(ctx, tx, &u.Boundary, arn, "user/"+u.Name); err != nil {
			return err
		}
		return storejson.Put(ctx, tx, nsUser, keyOf(u.Name), u)
	})
}

// TagRoleInput is TagRole's request.
type TagRoleInput struct {
	RoleName string         `query:"RoleName,required"`
	Tags     []identity.Tag `query:"Tags,required"`
}

// TagRole adds or replaces tags on a role.
func (s *Service) TagRole(ctx context.Context, p *identity.Principal, in *TagRoleInput) (*Empty, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if _, err := s.roleTarget(ctx, p, "TagRole", in.RoleName, tagContext(in.Tags)); err != nil {
		return nil, err
	}
	return nil, s.changeRole(ctx, in.RoleName, func(_ store.Tx, r *Role) error {
		tags := mergeTags(r.Tags, in.Tags)
		if len(tags) > maxTags {
			return limitExceeded("Cannot exceed quota for TagsPerEntity: %d.", maxTags)
		}
		r.Tags = tags
		return nil
	})
}

// UntagRoleInput is UntagRole's request.
type UntagRoleInput struct {
	RoleName string   `query:"RoleName,required"`
	TagKeys  []string `query:"TagKeys,required"`
}

// UntagRole removes tags from a role.
func (s *Service) UntagRole(ctx context.Context, p *identity.Principal, in *UntagRoleInput) (*Empty, error) {
	if _, err := s.roleTarget(ctx, p, "UntagRole", in.RoleName, tagKeysContext(in.TagKeys)); err != nil {
		return nil, err
	}
	return nil, s.changeRole(ctx, in.RoleName, func(_ store.Tx, r *Role) error {
		r.Tags = removeTags(r.Tags, in.TagKeys)
		return nil
	})
}

// ListRoleTagsInput is ListRoleTags' request.
type ListRoleTagsInput struct {
	RoleName string `query:"RoleName,required"`
	Marker   string `query:"Marker"`
	MaxItems int    `query:"MaxItems"`
}

// ListRoleTags lists a role's tags.
func (s *Service) ListRoleTags(ctx context.Context, p *identity.Principal, in *ListRoleTagsInput) (*TagsOutput, error) {
	r, err := s.roleTarget(ctx, p, "ListRoleTags", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	return tagsPage(r.Tags, in.Marker, in.MaxItems)
}
