package iam

import "github.com/sluicehq/sluice/internal/awsproto"

// Version is the IAM API version.
const Version = "2010-05-08"

// Routes returns the IAM query-protocol adapter: one row per operation. Every operation
// authorizes its own iam:<Action> through Authorize before it acts; the adapter decides nothing.
func (s *Service) Routes() *awsproto.QueryRouter {
	ops := map[string]awsproto.QueryOp{
		// Users.
		"CreateUser":                    awsproto.Op(s.CreateUser),
		"GetUser":                       awsproto.Op(s.GetUser),
		"ListUsers":                     awsproto.Op(s.ListUsers),
		"UpdateUser":                    awsproto.Op(s.UpdateUser),
		"DeleteUser":                    awsproto.Op(s.DeleteUser),
		"TagUser":                       awsproto.Op(s.TagUser),
		"UntagUser":                     awsproto.Op(s.UntagUser),
		"ListUserTags":                  awsproto.Op(s.ListUserTags),
		"PutUserPermissionsBoundary":    awsproto.Op(s.PutUserPermissionsBoundary),
		"DeleteUserPermissionsBoundary": awsproto.Op(s.DeleteUserPermissionsBoundary),
		// Access keys.
		"CreateAccessKey":      awsproto.Op(s.CreateAccessKey),
		"ListAccessKeys":       awsproto.Op(s.ListAccessKeys),
		"UpdateAccessKey":      awsproto.Op(s.UpdateAccessKey),
		"DeleteAccessKey":      awsproto.Op(s.DeleteAccessKey),
		"GetAccessKeyLastUsed": awsproto.Op(s.GetAccessKeyLastUsed),
		// Groups.
		"CreateGroup":         awsproto.Op(s.CreateGroup),
		"GetGroup":            awsproto.Op(s.GetGroup),
		"ListGroups":          awsproto.Op(s.ListGroups),
		"DeleteGroup":         awsproto.Op(s.DeleteGroup),
		"AddUserToGroup":      awsproto.Op(s.AddUserToGroup),
		"RemoveUserFromGroup": awsproto.Op(s.RemoveUserFromGroup),
		"ListGroupsForUser":   awsproto.Op(s.ListGroupsForUser),
		// Roles.
		"CreateRole":                         awsproto.Op(s.CreateRole),
		"GetRole":                            awsproto.Op(s.GetRole),
		"ListRoles":                          awsproto.Op(s.ListRoles),
		"UpdateRole":                         awsproto.Op(s.UpdateRole),
		"UpdateRoleDescription":              awsproto.Op(s.UpdateRoleDescription),
		"DeleteRole":                         awsproto.Op(s.DeleteRole),
		"UpdateAssumeRolePolicy":             awsproto.Op(s.UpdateAssumeRolePolicy),
		"PutRolePermissionsBoundary":         awsproto.Op(s.PutRolePermissionsBoundary),
		"DeleteRolePermissionsBoundary":      awsproto.Op(s.DeleteRolePermissionsBoundary),
		"TagRole":                            awsproto.Op(s.TagRole),
		"UntagRole":                          awsproto.Op(s.UntagRole),
		"ListRoleTags":                       awsproto.Op(s.ListRoleTags),
		"CreateServiceLinkedRole":            awsproto.Op(s.CreateServiceLinkedRole),
		"DeleteServiceLinkedRole":            awsproto.Op(s.DeleteServiceLinkedRole),
		"GetServiceLinkedRoleDeletionStatus": awsproto.Op(s.GetServiceLinkedRoleDeletionStatus),
		// Managed policies.
		"CreatePolicy":            awsproto.Op(s.CreatePolicy),
		"GetPolicy":               awsproto.Op(s.GetPolicy),
		"DeletePolicy":            awsproto.Op(s.DeletePolicy),
		"ListPolicies":            awsproto.Op(s.ListPolicies),
		"CreatePolicyVersion":     awsproto.Op(s.CreatePolicyVersion),
		"GetPolicyVersion":        awsproto.Op(s.GetPolicyVersion),
		"DeletePolicyVersion":     awsproto.Op(s.DeletePolicyVersion),
		"ListPolicyVersions":      awsproto.Op(s.ListPolicyVersions),
		"SetDefaultPolicyVersion": awsproto.Op(s.SetDefaultPolicyVersion),
		"ListEntitiesForPolicy":   awsproto.Op(s.ListEntitiesForPolicy),
		"TagPolicy":               awsproto.Op(s.TagPolicy),
		"UntagPolicy":             awsproto.Op(s.UntagPolicy),
		"ListPolicyTags":          awsproto.Op(s.ListPolicyTags),
		// OIDC providers.
		"CreateOpenIDConnectProvider":             awsproto.Op(s.CreateOpenIDConnectProvider),
		"GetOpenIDConnectProvider":                awsproto.Op(s.GetOpenIDConnectProvider),
		"ListOpenIDConnectProviders":              awsproto.Op(s.ListOpenIDConnectProviders),
		"DeleteOpenIDConnectProvider":             awsproto.Op(s.DeleteOpenIDConnectProvider),
		"AddClientIDToOpenIDConnectProvider":      awsproto.Op(s.AddClientIDToOpenIDConnectProvider),
		"RemoveClientIDFromOpenIDConnectProvider": awsproto.Op(s.RemoveClientIDFromOpenIDConnectProvider),
		// Account-wide.
		"GetAccountAuthorizationDetails": awsproto.Op(s.GetAccountAuthorizationDetails),
		"SimulatePrincipalPolicy":        awsproto.Op(s.SimulatePrincipalPolicy),
		"SimulateCustomPolicy":           awsproto.Op(s.SimulateCustomPolicy),
	}
	// Inline policies and attachments of users, groups and roles.
	for _, kind := range []string{kindUser, kindGroup, kindRole} {
		ops[opName("Put", kind, "Policy")] = awsproto.Op(s.putInline(kind))
		ops[opName("Get", kind, "Policy")] = awsproto.Op(s.getInline(kind))
		ops[opName("Delete", kind, "Policy")] = awsproto.Op(s.deleteInline(kind))
		ops[opName("List", kind, "Policies")] = awsproto.Op(s.listInline(kind))
		ops[opName("Attach", kind, "Policy")] = awsproto.Op(s.attach(kind, true))
		ops[opName("Detach", kind, "Policy")] = awsproto.Op(s.attach(kind, false))
		ops[opName("ListAttached", kind, "Policies")] = awsproto.Op(s.listAttached(kind))
	}
	return &awsproto.QueryRouter{Service: awsproto.IAM, Version: Version, Ops: ops}
}
