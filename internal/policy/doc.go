// Package policy is the IAM policy language and AWS's evaluation logic
// for a single account. It is pure: no I/O, no clock, no store. Everything
// Sluice decides about IAM actions (identity policies, trust policies,
// bucket policies, permissions boundaries, session policies) runs through
// Parse and Evaluate.
//
// # Pipeline
//
// Parse validates a JSON document for a Kind and compiles it: actions into
// case-insensitive wildcard patterns, resources into per-component ARN
// patterns, condition values into numbers, instants, CIDR blocks and
// patterns. Evaluate then decides a Request against a Set without
// allocating. (*Policy).MarshalJSON prints a canonical form.
//
// # Grammar
//
//	Policy     = { Version?, Id?, Statement }
//	Version    = "2012-10-17" | "2008-10-17"      (absent = 2008: ${...} literal)
//	Statement  = Stmt | [ Stmt... ]
//	Stmt       = { Sid?, Effect, (Principal|NotPrincipal)?, (Action|NotAction),
//	               (Resource|NotResource)?, Condition? }
//	Effect     = "Allow" | "Deny"
//	Principal  = "*" | { AWS?, Service?, Federated?, CanonicalUser? }  (string or [string])
//	Action     = "*" | "service:name"   with * and ?, case-insensitive
//	Resource   = "*" | "arn:..."        with * and ?, case-sensitive
//	Condition  = { [ForAllValues:|ForAnyValue:]Operator[IfExists]: { key: value | [value...] } }
//
// Identity, Boundary and Session policies must not name a principal and
// need Resource or NotResource; Resource policies need Principal or
// NotPrincipal and may omit Resource (a trust policy). Unknown fields,
// operators and malformed values are errors (*Error, CodeMalformed).
//
// # Matching
//
// ARN patterns match component by component (arn:partition:service:
// region:account:resource): wildcards cannot cross ':' except in the last
// component, so "arn:aws:s3:::b/*" spans '/' and ':' within the key, and a
// pattern with fewer than six components lets its last one span the rest.
// ArnEquals and ArnLike behave alike (AWS documents them identically).
//
// Conditions: operators AND; keys within an operator AND; values of one key
// OR, and for negated operators (StringNotEquals, StringNotLike,
// StringNotEqualsIgnoreCase, NumericNotEquals, DateNotEquals, ArnNotEquals,
// ArnNotLike, NotIpAddress) NOR. Key names are case-insensitive. An absent
// key makes a positive operator false and a negated one true; IfExists
// makes it true; Null {"k": "true"} holds when k is absent. ForAllValues is
// true for an absent or empty key, ForAnyValue false. A single-valued
// operator on a multi-valued key matches when any request value matches
// (a negated one when none does). IgnoreCase and action matching fold ASCII
// only.
//
// Variables (Version 2012-10-17 only) appear in Resource, NotResource and
// the values of String and Arn operators: ${key} for any request context
// key (aws:username, aws:userid, aws:PrincipalTag/k, aws:SourceIdentity,
// aws:PrincipalAccount, s3:prefix, ...), ${key, 'default'}, and the escapes
// ${*} ${?} ${$}. A substituted value always matches literally, so a '*'
// in a user name is not a wildcard. A variable whose key is absent and has
// no default makes that value match nothing (a multi-valued key substitutes
// its first value).
//
// # Decisions
//
// Evaluate implements spec §8.1: root is allowed everything (it is not
// subject to identity policies; SCPs are out of scope). Any matching Deny
// wins. Then identity ∧ boundary ∧ session policies allow, or a resource
// policy allows, where how its Principal matched matters:
//
//   - the user ARN, the exact session ARN, a service or federated
//     principal: the grant stands alone;
//   - the role ARN (matching the role's sessions) or "*": permissions
//     boundary and session policies must still allow (their implicit deny
//     cuts the grant);
//   - the account id or root ARN: the account delegates to IAM, so the
//     identity policy must allow as well.
//
// With Set.ResourceRequired (role trust) the trust policy must allow and,
// unless it names the caller directly, identity, boundary and session
// policies must allow too.
//
// Pitfalls handled deliberately: "Principal": "*" and {"AWS": "*"} match
// every caller including anonymous ones, but for IAM callers they are a
// grant of the role-ARN kind (boundaries and session policies still cut).
// NotPrincipal exempts a caller only by its exact ARN, its account, its
// service or provider: a role ARN in NotPrincipal does not exempt the
// role's sessions (list the session ARN too, as AWS documents), and with
// Allow, NotPrincipal grants to everyone else like "*". AWS principal
// values that are neither "*", an account, nor a root ARN (other ARNs,
// unique ids, unfilled placeholders) match a caller only by exact ARN;
// CanonicalUser principals are accepted but never match.
package policy
