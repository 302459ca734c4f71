// Package iam is Sluice's Identity and Access Management: users, access keys, groups, roles,
// inline and managed policies, OIDC providers — and Authorize, the one place where Sluice decides
// whether a principal may perform an action on a resource.
//
// # Model
//
// Every entity is one JSON record in the store, keyed by its lower-cased name, so names are
// unique case-insensitively (as in AWS) and a create is a single store Create. An entity record
// carries what belongs to it: a user its inline policies, attached managed-policy ARNs, group
// names, access key ids and tags; a role its trust policy, inline and attached policies, boundary
// and tags; a group its inline and attached policies and members. A managed policy record carries
// its versions (at most 5), the default version and the entities it is attached to (or bounds),
// which makes DeleteConflict and ListEntitiesForPolicy one read. Secondary records are written in
// the same transaction as the primary: access keys by id (with the secret sealed by the key ring,
// aad "iam-access-key:"+id), last-used stamps (batched, at most one write per key per minute).
//
//	iam/user        lower(name) → user
//	iam/role        lower(name) → role
//	iam/group       lower(name) → group
//	iam/policy      lower(name) → managed policy (names are unique per account, whatever the path)
//	iam/oidc        host/path   → OIDC provider
//	iam/accesskey   AKIA…       → access key (user name, status, sealed secret)
//	iam/keyused     AKIA…       → last use (time, service, region)
//	iam/meta        generation  → bumped by every IAM mutation (its store Version is the generation)
//
// # Authorization
//
// Every IAM operation first authorizes iam:<Action> on the entity's ARN (or "*" for account-wide
// lists) through Authorize, before it reads or writes anything the caller may not know about;
// handlers never decide. Authorize gathers the policies that apply (spec §8.1) — the user's inline,
// attached and groups' policies, or for a role session the role's policies and the session
// policies — plus the permissions boundary and the resource policy of the request, fills in the
// global condition keys, and asks policy.Evaluate. Root is allowed everything.
//
// Compiled policies are cached per entity. Replicas share one store, so the cache is keyed by the
// IAM generation: each Authorize reads the generation record (one Get) and drops the cache when it
// moved. Session inline policies are cached by their text, independent of the generation.
package iam
