package iam

import (
	"context"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storejson"
)

// withBoundaryKey adds iam:PermissionsBoundary to an operation's request keys.
func withBoundaryKey(c *policy.Context, arn identity.ARN) *policy.Context {
	if c == nil {
		c = policy.NewContext()
	}
	c.Set("iam:PermissionsBoundary", string(arn))
	return c
}

// loadPolicy reads a managed policy by ARN; NoSuchEntity when absent.
func (s *Service) loadPolicy(ctx context.Context, r store.Reader, arn string) (*policyRec, error) {
	_, name, ok := s.splitARN(arn, "policy")
	if !ok {
		return nil, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	p, err := storejson.Get[policyRec](ctx, r, nsPolicy, keyOf(name))
	if err != nil {
		return nil, notFound(err, "Policy %s does not exist or is not attachable.", arn)
	}
	if string(p.ARN) != arn {
		return nil, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	return p, nil
}

// policyTarget authorizes action on a managed policy ARN, then reads the policy.
func (s *Service) policyTarget(ctx context.Context, p *identity.Principal, action string, arn identity.ARN) (*policyRec, error) {
	if err := s.authorize(ctx, p, action, arn, nil); err != nil {
		return nil, err
	}
	return s.loadPolicy(ctx, s.st, string(arn))
}

// changePolicy re-reads a managed policy in a transaction, applies fn and saves it.
func (s *Service) changePolicy(ctx context.Context, arn identity.ARN, fn func(tx store.Tx, p *policyRec) error) error {
	return s.update(ctx, func(tx store.Tx) error {
		pr, err := s.loadPolicy(ctx, tx, string(arn))
		if err != nil {
			return err
		}
		if err := fn(tx, pr); err != nil {
			return err
		}
		return storejson.Put(ctx, tx, nsPolicy, keyOf(pr.Name), pr)
	})
}

// useBoundary records (add) or forgets a use of a managed policy as a permissions boundary.
func (s *Service) useBoundary(ctx context.Context, tx store.Tx, arn identity.ARN, ref string, add bool) error {
	pr, err := s.loadPolicy(ctx, tx, string(arn))
	if err != nil {
		if !add && isNoSuchEntity(err) {
			return nil
		}
		if add && isNoSuchEntity(err) {
			return invalidInput("ARN %s is not valid.", arn)
		}
		return err
	}
	pr.BoundaryOf = removeFold(pr.BoundaryOf, ref)
	if add {
		pr.BoundaryOf = append(pr.BoundaryOf, ref)
	}
	return storejson.Put(ctx, tx, nsPolicy, keyOf(pr.Name), pr)
}

func (s *Service) setBoundary(ctx context.Context, tx store.Tx, field *identity.ARN, arn identity.ARN, ref string) error {
	if *field != "" {
		if err := s.useBoundary(ctx, tx, *field, ref, false); err != nil {
			return err
		}
	}
	if arn != "" {
		if err := s.useBoundary(ctx, tx, arn, ref, true); err != nil {
			return err
		}
	}
	*field = arn
	return nil
}

// renameReference rewrites an attachment or boundary reference to an entity after a rename.
func (s *Service) renameReference(ctx context.Context, tx store.Tx, arn identity.ARN, from, to string) error {
	pr, err := s.loadPolicy(ctx, tx, string(arn))
	if err != nil {
		if isNoSuchEntity(err) {
			return nil
		}
		return err
	}
	for _, list := range []*[]string{&pr.Attachments, &pr.BoundaryOf} {
		for i, r := range *list {
			if equalFold(r, from) {
				(*list)[i] = to
			}
		}
	}
	return storejson.Put(ctx, tx, nsPolicy, keyOf(pr.Name), pr)
}

func isNoSuchEntity(err error) bool {
	e := awsproto.As(err)
	return e != nil && e.Code == "NoSuchEntity"
}

// Inline policies.

func inlineLimit(kind string) int {
	switch kind {
	case kindUser:
		return policy.LimitUserInlineTotal
	case kindGroup:
		return policy.LimitGroupInlineTotal
	}
	return policy.LimitRoleInlineTotal
}

// holderTarget authorizes action on a user, group or role and returns it.
func (s *Service) holderTarget(ctx context.Context, p *identity.Principal, action, kind, name string) (*holder, error) {
	re := entityNameRE
	if kind == kindGroup {
		re = groupNameRE
	}
	if err := checkName(kind+"Name", name, re); err != nil {
		return nil, err
	}
	h, err := loadHolder(ctx, s.st, kind, name)
	if err != nil && !isNoSuchEntity(err) {
		return nil, err
	}
	arn := s.arn(entityWord(kind), "/", name)
	if h != nil {
		arn = h.arn
	}
	if aerr := s.authorize(ctx, p, action, arn, nil); aerr != nil {
		return nil, aerr
	}
	if err := protectLinked(h, action); err != nil {
		return nil, err
	}
	return h, err
}

// linkedPolicyChanges are the policy operations refused on a service-linked role (reading its
// policies is allowed).
var linkedPolicyChanges = map[string]bool{
	"PutRolePolicy": true, "DeleteRolePolicy": true, "AttachRolePolicy": true, "DetachRolePolicy": true,
}

// protectLinked refuses a change to a service-linked role's policies.
func protectLinked(h *holder, action string) error {
	if h != nil && h.kind == kindRole && linkedPolicyChanges[action] && linkedTo(h.path) != "" {
		return unmodifiable(h.name)
	}
	return nil
}

// PutPolicyInput is the request of PutUserPolicy, PutGroupPolicy and PutRolePolicy.
type PutPolicyInput struct {
	UserName       string `query:"UserName"`
	GroupName      string `query:"GroupName"`
	RoleName       string `query:"RoleName"`
	PolicyName     string `query:"PolicyName,required"`
	PolicyDocument string `query:"PolicyDocument,required"`
}

// EntityPolicyInput names an inline policy of a user, group or role, or the entity alone.
type EntityPolicyInput struct {
	UserName   string       `query:"UserName"`
	GroupName  string       `query:"GroupName"`
	RoleName   string       `query:"RoleName"`
	PolicyName string       `query:"PolicyName"`
	PolicyArn  identity.ARN `query:"PolicyArn"`
	PathPrefix string       `query:"PathPrefix"`
	Marker     string       `query:"Marker"`
	MaxItems   int          `query:"MaxItems"`
}

func entityName(kind string, user, group, role string) (string, error) {
	name := map[string]string{kindUser: user, kindGroup: group, kindRole: role}[kind]
	if name == "" {
		field := map[string]string{kindUser: "userName", kindGroup: "groupName", kindRole: "roleName"}[kind]
		return "", validationError("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	return name, nil
}

func opName(verb, kind, noun string) string {
	return verb + strings.ToUpper(kind[:1]) + kind[1:] + noun
}

// putInline is PutUserPolicy, PutGroupPolicy and PutRolePolicy.
func (s *Service) putInline(kind string) func(context.Context, *identity.Principal, *PutPolicyInput) (*Empty, error) {
	return func(ctx context.Context, p *identity.Principal, in *PutPolicyInput) (*Empty, error) {
		name, err := entityName(kind, in.UserName, in.GroupName, in.RoleName)
		if err != nil {
			return nil, err
		}
		if err := checkName("policyName", in.PolicyName, policyNameRE); err != nil {
			return nil, err
		}
		h, err := s.holderTarget(ctx, p, opName("Put", kind, "Policy"), kind, name)
		if err != nil {
			return nil, err
		}
		if _, err := policy.Parse([]byte(in.PolicyDocument), policy.Identity); err != nil {
			return nil, policyError(err)
		}
		return nil, s.writeInline(ctx, kind, h.name, in)
	}
}

// writeInline stores an inline policy already parsed, within the entity's size limit.
func (s *Service) writeInline(ctx context.Context, kind, name string, in *PutPolicyInput) error {
	return s.update(ctx, func(tx store.Tx) error {
		h, err := loadHolder(ctx, tx, kind, name)
		if err != nil {
			return err
		}
		total := policy.Size([]byte(in.PolicyDocument))
		for n, doc := range *h.inline {
			if n != in.PolicyName {
				total += policy.Size([]byte(doc))
			}
		}
		if limit := inlineLimit(kind); total > limit {
			return limitExceeded("Maximum policy size of %d bytes exceeded for %s %s", limit, kind, h.name)
		}
		if *h.inline == nil {
			*h.inline = map[string]string{}
		}
		(*h.inline)[in.PolicyName] = in.PolicyDocument
		return h.save(ctx, tx)
	})
}

// InlinePolicyOutput is the response of GetUserPolicy, GetGroupPolicy and GetRolePolicy.
type InlinePolicyOutput struct {
	UserName       string `xml:",omitempty"`
	GroupName      string `xml:",omitempty"`
	RoleName       string `xml:",omitempty"`
	PolicyName     string
	PolicyDocument string // URL-encoded
}

func (s *Service) getInline(kind string) func(context.Context, *identity.Principal, *EntityPolicyInput) (*InlinePolicyOutput, error) {
	return func(ctx context.Context, p *identity.Principal, in *EntityPolicyInput) (*InlinePolicyOutput, error) {
		name, err := entityName(kind, in.UserName, in.GroupName, in.RoleName)
		if err != nil {
			return nil, err
		}
		h, err := s.holderTarget(ctx, p, opName("Get", kind, "Policy"), kind, name)
		if err != nil {
			return nil, err
		}
		doc, ok := (*h.inline)[in.PolicyName]
		if !ok {
			return nil, noSuchEntity("The %s policy with name %s cannot be found.", kind, in.PolicyName)
		}
		out := &InlinePolicyOutput{PolicyName: in.PolicyName, PolicyDocument: encodeDoc(doc)}
		switch kind {
		case kindUser:
			out.UserName = h.name
		case kindGroup:
			out.GroupName = h.name
		default:
			out.RoleName = h.name
		}
		return out, nil
	}
}

func (s *Service) deleteInline(kind string) func(context.Context, *identity.Principal, *EntityPolicyInput) (*Empty, error) {
	return func(ctx context.Context, p *identity.Principal, in *EntityPolicyInput) (*Empty, error) {
		name, err := entityName(kind, in.UserName, in.GroupName, in.RoleName)
		if err != nil {
			return nil, err
		}
		h, err := s.holderTarget(ctx, p, opName("Delete", kind, "Policy"), kind, name)
		if err != nil {
			return nil, err
		}
		return nil, s.update(ctx, func(tx store.Tx) error {
			h, err := loadHolder(ctx, tx, kind, h.name)
			if err != nil {
				return err
			}
			if _, ok := (*h.inline)[in.PolicyName]; !ok {
				return noSuchEntity("The %s policy with name %s cannot be found.", kind, in.PolicyName)
			}
			delete(*h.inline, in.PolicyName)
			return h.save(ctx, tx)
		})
	}
}

// PolicyNamesOutput is the response of ListUserPolicies, ListGroupPolicies and ListRolePolicies.
type PolicyNamesOutput struct {
	PolicyNames []string `xml:"PolicyNames>member"`
	Page
}

func (s *Service) listInline(kind string) func(context.Context, *identity.Principal, *EntityPolicyInput) (*PolicyNamesOutput, error) {
	return func(ctx context.Context, p *identity.Principal, in *EntityPolicyInput) (*PolicyNamesOutput, error) {
		name, err := entityName(kind, in.UserName, in.GroupName, in.RoleName)
		if err != nil {
			return nil, err
		}
		h, err := s.holderTarget(ctx, p, opName("List", kind, "Policies"), kind, name)
		if err != nil {
			return nil, err
		}
		items, trunc, next, err := page(sortedKeys(*h.inline), func(n string) string { return n }, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		if items == nil {
			items = []string{}
		}
		return &PolicyNamesOutput{PolicyNames: items, Page: Page{IsTruncated: trunc, Marker: next}}, nil
	}
}

// Attachments of managed policies.

func (s *Service) attach(kind string, attach bool) func(context.Context, *identity.Principal, *EntityPolicyInput) (*Empty, error) {
	return func(ctx context.Context, p *identity.Principal, in *EntityPolicyInput) (*Empty, error) {
		name, err := entityName(kind, in.UserName, in.GroupName, in.RoleName)
		if err != nil {
			return nil, err
		}
		if in.PolicyArn == "" {
			return nil, validationError("1 validation error detected: Value null at 'policyArn' failed to satisfy constraint: Member must not be null")
		}
		verb := "Attach"
		if !attach {
			verb = "Detach"
		}
		keys := policy.NewContext()
		keys.Set("iam:PolicyARN", string(in.PolicyArn))
		h, err := loadHolder(ctx, s.st, kind, name)
		if err != nil && !isNoSuchEntity(err) {
			return nil, err
		}
		arn := s.arn(entityWord(kind), "/", name)
		if h != nil {
			arn = h.arn
		}
		if aerr := s.authorize(ctx, p, opName(verb, kind, "Policy"), arn, keys); aerr != nil {
			return nil, aerr
		}
		if err != nil {
			return nil, err
		}
		if err := protectLinked(h, opName(verb, kind, "Policy")); err != nil {
			return nil, err
		}
		return nil, s.update(ctx, func(tx store.Tx) error {
			h, err := loadHolder(ctx, tx, kind, name)
			if err != nil {
				return err
			}
			pr, err := s.loadPolicy(ctx, tx, string(in.PolicyArn))
			if err != nil {
				return err
			}
			ref := kind + "/" + h.name
			has := false
			for _, a := range *h.attached {
				if a == in.PolicyArn {
					has = true
				}
			}
			switch {
			case attach && has:
				return nil
			case attach:
				if len(*h.attached) >= maxAttached {
					return limitExceeded("Cannot exceed quota for PoliciesPer%s: %d.", strings.ToUpper(kind[:1])+kind[1:], maxAttached)
				}
				*h.attached = append(*h.attached, pr.ARN)
				pr.Attachments = append(removeFold(pr.Attachments, ref), ref)
			case !has:
				return noSuchEntity("Policy %s was not found.", in.PolicyArn)
			default:
				*h.attached = removeARN(*h.attached, pr.ARN)
				pr.Attachments = removeFold(pr.Attachments, ref)
			}
			if err := storejson.Put(ctx, tx, nsPolicy, keyOf(pr.Name), pr); err != nil {
				return err
			}
			return h.save(ctx, tx)
		})
	}
}

// AttachedPoliciesOutput is the response of ListAttached{User,Group,Role}Policies.
type AttachedPoliciesOutput struct {
	AttachedPolicies []AttachedPolicy `xml:"AttachedPolicies>member"`
	Page
}

func (s *Service) listAttached(kind string) func(context.Context, *identity.Principal, *EntityPolicyInput) (*AttachedPoliciesOutput, error) {
	return func(ctx context.Context, p *identity.Principal, in *EntityPolicyInput) (*AttachedPoliciesOutput, error) {
		name, err := entityName(kind, in.UserName, in.GroupName, in.RoleName)
		if err != nil {
			return nil, err
		}
		h, err := s.holderTarget(ctx, p, opName("ListAttached", kind, "Policies"), kind, name)
		if err != nil {
			return nil, err
		}
		var list []AttachedPolicy
		for _, arn := range *h.attached {
			path, pname, _ := s.splitARN(string(arn), "policy")
			if in.PathPrefix != "" && !strings.HasPrefix(path, in.PathPrefix) {
				continue
			}
			list = append(list, AttachedPolicy{PolicyName: pname, PolicyArn: arn})
		}
		items, trunc, next, err := page(list, func(a AttachedPolicy) string { return string(a.PolicyArn) }, in.Marker, in.MaxItems)
		if err != nil {
			return nil, err
		}
		if items == nil {
			items = []AttachedPolicy{}
		}
		return &AttachedPoliciesOutput{AttachedPolicies: items, Page: Page{IsTruncated: trunc, Marker: next}}, nil
	}
}

// Managed policies.

// CreatePolicyInput is CreatePolicy's request.
type CreatePolicyInput struct {
	PolicyName     string         `query:"PolicyName,required"`
	PolicyDocument string         `query:"PolicyDocument,required"`
	Path           string         `query:"Path"`
	Description    string         `query:"Description"`
	Tags           []identity.Tag `query:"Tags"`
}

// PolicyOutput is the response of CreatePolicy and GetPolicy.
type PolicyOutput struct {
	Policy *ManagedPolicy
}

func checkManagedDoc(doc string) error {
	if err := policy.ValidateSize([]byte(doc), policy.LimitManagedPolicy); err != nil {
		return policyError(err)
	}
	if _, err := policy.Parse([]byte(doc), policy.Identity); err != nil {
		return policyError(err)
	}
	return nil
}

// CreatePolicy creates a customer-managed policy with version v1.
func (s *Service) CreatePolicy(ctx context.Context, p *identity.Principal, in *CreatePolicyInput) (*PolicyOutput, error) {
	if err := checkName("policyName", in.PolicyName, policyNameRE); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	arn := s.arn("policy", path, in.PolicyName)
	if err := s.authorize(ctx, p, "CreatePolicy", arn, tagContext(in.Tags)); err != nil {
		return nil, err
	}
	if err := checkManagedDoc(in.PolicyDocument); err != nil {
		return nil, err
	}
	id, err := s.newID("ANPA")
	if err != nil {
		return nil, err
	}
	now := s.stamp()
	pr := &policyRec{Name: in.PolicyName, Path: path, ID: id, ARN: arn, Description: in.Description, Created: now, Updated: now,
		Default: "v1", NextVersion: 2, Versions: []versionRec{{ID: "v1", Doc: in.PolicyDocument, Created: now}}, Tags: in.Tags}
	err = s.update(ctx, func(tx store.Tx) error {
		err := createJSON(ctx, tx, nsPolicy, keyOf(pr.Name), pr)
		if store.KindOf(err) == store.Exists {
			return alreadyExists("A policy called %s already exists. Duplicate names are not allowed.", in.PolicyName)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &PolicyOutput{Policy: policyOut(pr, true)}, nil
}

// PolicyArnInput names a managed policy.
type PolicyArnInput struct {
	PolicyArn identity.ARN `query:"PolicyArn,required"`
}

// GetPolicy returns a managed policy (without its document; see GetPolicyVersion).
func (s *Service) GetPolicy(ctx context.Context, p *identity.Principal, in *PolicyArnInput) (*PolicyOutput, error) {
	pr, err := s.policyTarget(ctx, p, "GetPolicy", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return &PolicyOutput{Policy: policyOut(pr, true)}, nil
}

// DeletePolicy deletes a managed policy that is not attached, not used as a boundary and has no
// versions besides the default.
func (s *Service) DeletePolicy(ctx context.Context, p *identity.Principal, in *PolicyArnInput) (*Empty, error) {
	if _, err := s.policyTarget(ctx, p, "DeletePolicy", in.PolicyArn); err != nil {
		return nil, err
	}
	return nil, s.update(ctx, func(tx store.Tx) error {
		pr, err := s.loadPolicy(ctx, tx, string(in.PolicyArn))
		if err != nil {
			return err
		}
		if len(pr.Attachments) > 0 || len(pr.BoundaryOf) > 0 {
			return deleteConflict("Cannot delete a policy attached to entities.")
		}
		if len(pr.Versions) > 1 {
			return deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		return tx.Delete(ctx, nsPolicy, keyOf(pr.Name))
	})
}

// CreatePolicyVersionInput is CreatePolicyVersion's request.
type CreatePolicyVersionInput struct {
	PolicyArn      identity.ARN `query:"PolicyArn,required"`
	PolicyDocument string       `query:"PolicyDocument,required"`
	SetAsDefault   bool         `query:"SetAsDefault"`
}

// PolicyVersionOutput is the response of CreatePolicyVersion and GetPolicyVersion.
type PolicyVersionOutput struct {
	PolicyVersion *PolicyVersion
}

// CreatePolicyVersion adds a version (at most 5 per policy).
func (s *Service) CreatePolicyVersion(ctx context.Context, p *identity.Principal, in *CreatePolicyVersionInput) (*PolicyVersionOutput, error) {
	if _, err := s.policyTarget(ctx, p, "CreatePolicyVersion", in.PolicyArn); err != nil {
		return nil, err
	}
	if err := checkManagedDoc(in.PolicyDocument); err != nil {
		return nil, err
	}
	var v versionRec
	err := s.changePolicy(ctx, in.PolicyArn, func(_ store.Tx, pr *policyRec) error {
		if len(pr.Versions) >= maxPolicyVersions {
			return limitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		v = versionRec{ID: "v" + strconv.Itoa(pr.NextVersion), Doc: in.PolicyDocument, Created: s.stamp()}
		pr.NextVersion++
		pr.Versions = append(pr.Versions, v)
		if in.SetAsDefault {
			pr.Default = v.ID
		}
		pr.Updated = v.Created
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PolicyVersionOutput{PolicyVersion: &PolicyVersion{VersionId: v.ID, IsDefaultVersion: in.SetAsDefault, CreateDate: v.Created}}, nil
}

// PolicyVersionInput names a version of a managed policy.
type PolicyVersionInput struct {
	PolicyArn identity.ARN `query:"PolicyArn,required"`
	VersionId string       `query:"VersionId,required"`
}

// GetPolicyVersion returns a version with its document, URL-encoded.
func (s *Service) GetPolicyVersion(ctx context.Context, p *identity.Principal, in *PolicyVersionInput) (*PolicyVersionOutput, error) {
	pr, err := s.policyTarget(ctx, p, "GetPolicyVersion", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	v := pr.version(in.VersionId)
	if v == nil {
		return nil, noSuchEntity("Policy %s version %s does not exist or is not attachable.", in.PolicyArn, in.VersionId)
	}
	return &PolicyVersionOutput{PolicyVersion: &PolicyVersion{Document: encodeDoc(v.Doc), VersionId: v.ID, IsDefaultVersion: v.ID == pr.Default, CreateDate: v.Created}}, nil
}

// DeletePolicyVersion deletes a non-default version.
func (s *Service) DeletePolicyVersion(ctx context.Context, p *identity.Principal, in *PolicyVersionInput) (*Empty, error) {
	if _, err := s.policyTarget(ctx, p, "DeletePolicyVersion", in.PolicyArn); err != nil {
		return nil, err
	}
	return nil, s.changePolicy(ctx, in.PolicyArn, func(_ store.Tx, pr *policyRec) error {
		if pr.version(in.VersionId) == nil {
			return noSuchEntity("Policy %s version %s does not exist or is not attachable.", in.PolicyArn, in.VersionId)
		}
		if in.VersionId == pr.Default {
			return deleteConflict("Cannot delete the default version of a policy.")
		}
		var keep []versionRec
		for _, v := range pr.Versions {
			if v.ID != in.VersionId {
				keep = append(keep, v)
			}
		}
		pr.Versions = keep
		return nil
	})
}

// SetDefaultPolicyVersion makes a version the one in force.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, p *identity.Principal, in *PolicyVersionInput) (*Empty, error) {
	if _, err := s.policyTarget(ctx, p, "SetDefaultPolicyVersion", in.PolicyArn); err != nil {
		return nil, err
	}
	return nil, s.changePolicy(ctx, in.PolicyArn, func(_ store.Tx, pr *policyRec) error {
		if pr.version(in.VersionId) == nil {
			return noSuchEntity("Policy %s version %s does not exist or is not attachable.", in.PolicyArn, in.VersionId)
		}
		pr.Default = in.VersionId
		pr.Updated = s.stamp()
		return nil
	})
}

// ListPolicyVersionsInput is ListPolicyVersions' request.
type ListPolicyVersionsInput struct {
	PolicyArn identity.ARN `query:"PolicyArn,required"`
	Marker    string       `query:"Marker"`
	MaxItems  int          `query:"MaxItems"`
}

// ListPolicyVersionsOutput is ListPolicyVersions' response.
type ListPolicyVersionsOutput struct {
	Versions []*PolicyVersion `xml:"Versions>member"`
	Page
}

// ListPolicyVersions lists a policy's versions, newest first, without documents.
func (s *Service) ListPolicyVersions(ctx context.Context, p *identity.Principal, in *ListPolicyVersionsInput) (*ListPolicyVersionsOutput, error) {
	pr, err := s.policyTarget(ctx, p, "ListPolicyVersions", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	// Sort key: newest first (higher version numbers first).
	key := func(v versionRec) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(v.ID, "v"))
		return strconv.Itoa(1e9 - n)
	}
	items, trunc, next, err := page(append([]versionRec(nil), pr.Versions...), key, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &ListPolicyVersionsOutput{Versions: []*PolicyVersion{}, Page: Page{IsTruncated: trunc, Marker: next}}
	for _, v := range items {
		out.Versions = append(out.Versions, &PolicyVersion{VersionId: v.ID, IsDefaultVersion: v.ID == pr.Default, CreateDate: v.Created})
	}
	return out, nil
}

// ListPoliciesInput is ListPolicies' request.
type ListPoliciesInput struct {
	Scope             string `query:"Scope"`
	OnlyAttached      bool   `query:"OnlyAttached"`
	PathPrefix        string `query:"PathPrefix"`
	PolicyUsageFilter string `query:"PolicyUsageFilter"`
	Marker            string `query:"Marker"`
	MaxItems          int    `query:"MaxItems"`
}

// ListPoliciesOutput is ListPolicies' response.
type ListPoliciesOutput struct {
	Policies []*ManagedPolicy `xml:"Policies>member"`
	Page
}

// ListPolicies lists customer-managed policies (Sluice has no AWS-managed ones: Scope AWS is
// empty).
func (s *Service) ListPolicies(ctx context.Context, p *identity.Principal, in *ListPoliciesInput) (*ListPoliciesOutput, error) {
	switch in.Scope {
	case "", "All", "Local", "AWS":
	default:
		return nil, validationError("1 validation error detected: Value '%s' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]", in.Scope)
	}
	if err := s.authorize(ctx, p, "ListPolicies", "*", nil); err != nil {
		return nil, err
	}
	var all []*policyRec
	if in.Scope != "AWS" {
		var err error
		if all, err = listJSON[policyRec](ctx, s.st, nsPolicy); err != nil {
			return nil, err
		}
	}
	all = filterPath(all, in.PathPrefix, func(p *policyRec) string { return p.Path })
	var kept []*policyRec
	for _, pr := range all {
		if in.OnlyAttached && len(pr.Attachments) == 0 && len(pr.BoundaryOf) == 0 {
			continue
		}
		if in.PolicyUsageFilter == "PermissionsPolicy" && len(pr.Attachments) == 0 && in.OnlyAttached {
			continue
		}
		if in.PolicyUsageFilter == "PermissionsBoundary" && len(pr.BoundaryOf) == 0 && in.OnlyAttached {
			continue
		}
		kept = append(kept, pr)
	}
	items, trunc, next, err := page(kept, func(p *policyRec) string { return keyOf(p.Name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &ListPoliciesOutput{Policies: []*ManagedPolicy{}, Page: Page{IsTruncated: trunc, Marker: next}}
	for _, pr := range items {
		out.Policies = append(out.Policies, policyOut(pr, false))
	}
	return out, nil
}

// ListEntitiesForPolicyInput is ListEntitiesForPolicy's request.
type ListEntitiesForPolicyInput struct {
	PolicyArn         identity.ARN `query:"PolicyArn,required"`
	EntityFilter      string       `query:"EntityFilter"`
	PathPrefix        string       `query:"PathPrefix"`
	PolicyUsageFilter string       `query:"PolicyUsageFilter"`
	Marker            string       `query:"Marker"`
	MaxItems          int          `query:"MaxItems"`
}

// PolicyEntity is one of PolicyGroup, PolicyUser, PolicyRole.
type PolicyEntity struct {
	GroupName string `xml:",omitempty"`
	GroupId   string `xml:",omitempty"`
	UserName  string `xml:",omitempty"`
	UserId    string `xml:",omitempty"`
	RoleName  string `xml:",omitempty"`
	RoleId    string `xml:",omitempty"`
}

// ListEntitiesForPolicyOutput is ListEntitiesForPolicy's response.
type ListEntitiesForPolicyOutput struct {
	PolicyGroups []PolicyEntity `xml:"PolicyGroups>member"`
	PolicyUsers  []PolicyEntity `xml:"PolicyUsers>member"`
	PolicyRoles  []PolicyEntity `xml:"PolicyRoles>member"`
	Page
}

// ListEntitiesForPolicy lists the users, groups and roles a policy is attached to (or bounds).
func (s *Service) ListEntitiesForPolicy(ctx context.Context, p *identity.Principal, in *ListEntitiesForPolicyInput) (*ListEntitiesForPolicyOutput, error) {
	pr, err := s.policyTarget(ctx, p, "ListEntitiesForPolicy", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	var refs []string
	switch in.PolicyUsageFilter {
	case "PermissionsBoundary":
		refs = pr.BoundaryOf
	case "PermissionsPolicy", "":
		refs = pr.Attachments
	default:
		return nil, validationError("1 validation error detected: Value '%s' at 'policyUsageFilter' failed to satisfy constraint: Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]", in.PolicyUsageFilter)
	}
	var hs []*holder
	for _, ref := range refs {
		kind, name, _ := strings.Cut(ref, "/")
		if in.EntityFilter != "" && !strings.EqualFold(in.EntityFilter, kind) {
			continue
		}
		h, err := loadHolder(ctx, s.st, kind, name)
		if err != nil {
			if isNoSuchEntity(err) {
				continue
			}
			return nil, err
		}
		if in.PathPrefix != "" && !strings.HasPrefix(h.path, in.PathPrefix) {
			continue
		}
		hs = append(hs, h)
	}
	items, trunc, next, err := page(hs, func(h *holder) string { return h.kind + "/" + keyOf(h.name) }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &ListEntitiesForPolicyOutput{PolicyGroups: []PolicyEntity{}, PolicyUsers: []PolicyEntity{}, PolicyRoles: []PolicyEntity{}, Page: Page{IsTruncated: trunc, Marker: next}}
	for _, h := range items {
		switch h.kind {
		case kindUser:
			out.PolicyUsers = append(out.PolicyUsers, PolicyEntity{UserName: h.name, UserId: h.id})
		case kindGroup:
			out.PolicyGroups = append(out.PolicyGroups, PolicyEntity{GroupName: h.name, GroupId: h.id})
		default:
			out.PolicyRoles = append(out.PolicyRoles, PolicyEntity{RoleName: h.name, RoleId: h.id})
		}
	}
	return out, nil
}

// Tags on managed policies.

// TagPolicyInput is TagPolicy's request.
type TagPolicyInput struct {
	PolicyArn identity.ARN   `query:"PolicyArn,required"`
	Tags      []identity.Tag `query:"Tags,required"`
}

// TagPolicy adds or replaces tags on a managed policy.
func (s *Service) TagPolicy(ctx context.Context, p *identity.Principal, in *TagPolicyInput) (*Empty, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, p, "TagPolicy", in.PolicyArn, tagContext(in.Tags)); err != nil {
		return nil, err
	}
	return nil, s.changePolicy(ctx, in.PolicyArn, func(_ store.Tx, pr *policyRec) error {
		tags := mergeTags(pr.Tags, in.Tags)
		if len(tags) > maxTags {
			return limitExceeded("Cannot exceed quota for TagsPerEntity: %d.", maxTags)
		}
		pr.Tags = tags
		return nil
	})
}

// UntagPolicyInput is UntagPolicy's request.
type UntagPolicyInput struct {
	PolicyArn identity.ARN `query:"PolicyArn,required"`
	TagKeys   []string     `query:"TagKeys,required"`
}

// UntagPolicy removes tags from a managed policy.
func (s *Service) UntagPolicy(ctx context.Context, p *identity.Principal, in *UntagPolicyInput) (*Empty, error) {
	if err := s.authorize(ctx, p, "UntagPolicy", in.PolicyArn, tagKeysContext(in.TagKeys)); err != nil {
		return nil, err
	}
	return nil, s.changePolicy(ctx, in.PolicyArn, func(_ store.Tx, pr *policyRec) error {
		pr.Tags = removeTags(pr.Tags, in.TagKeys)
		return nil
	})
}

// ListPolicyTagsInput is ListPolicyTags' request.
type ListPolicyTagsInput struct {
	PolicyArn identity.ARN `query:"PolicyArn,required"`
	Marker    string       `query:"Marker"`
	MaxItems  int          `query:"MaxItems"`
}

// ListPolicyTags lists a managed policy's tags.
func (s *Service) ListPolicyTags(ctx context.Context, p *identity.Principal, in *ListPolicyTagsInput) (*TagsOutput, error) {
	pr, err := s.policyTarget(ctx, p, "ListPolicyTags", in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return tagsPage(pr.Tags, in.Marker, in.MaxItems)
}

// PutRolePolicy puts an inline policy on a role (the PutRolePolicy operation).
func (s *Service) PutRolePolicy(ctx context.Context, p *identity.Principal, in *PutPolicyInput) (*Empty, error) {
	return s.putInline("role")(ctx, p, in)
}
