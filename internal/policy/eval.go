package policy

import (
	"fmt"
	"net/netip"
	"strconv"
)

// Decision is the outcome of Evaluate. The zero value is not a decision.
type Decision int

const (
	Allow Decision = iota + 1
	ExplicitDeny
	ImplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	case ImplicitDeny:
		return "ImplicitDeny"
	}
	return "Decision(" + strconv.Itoa(int(d)) + ")"
}

// Reason says why a request was denied, for AWS-style messages. The zero
// value ReasonNone accompanies Allow.
type Reason int

const (
	ReasonNone             Reason = iota // allowed
	ReasonNoIdentityAllows               // no identity-based policy allows
	ReasonNoBoundaryAllows               // no permissions boundary allows
	ReasonNoSessionAllows                // no session policy allows
	ReasonNoResourceAllows               // no resource-based policy allows (trust policy)
	ReasonDenyIdentity                   // explicit deny in an identity-based policy
	ReasonDenyResource                   // explicit deny in a resource-based policy
	ReasonDenyBoundary                   // explicit deny in a permissions boundary
	ReasonDenySession                    // explicit deny in a session policy
)

var reasonText = [...]string{
	ReasonNone:             "none",
	ReasonNoIdentityAllows: "no identity-based policy allows",
	ReasonNoBoundaryAllows: "no permissions boundary allows",
	ReasonNoSessionAllows:  "no session policy allows",
	ReasonNoResourceAllows: "no resource-based policy allows",
	ReasonDenyIdentity:     "explicit deny in an identity-based policy",
	ReasonDenyResource:     "explicit deny in a resource-based policy",
	ReasonDenyBoundary:     "explicit deny in a permissions boundary",
	ReasonDenySession:      "explicit deny in a session policy",
}

func (r Reason) String() string {
	if r >= 0 && int(r) < len(reasonText) {
		return reasonText[r]
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// Principal is the caller as a resource policy's Principal element sees it.
// The zero Principal is an anonymous caller, matched only by "*".
type Principal struct {
	ARN       string // user ARN, session ARN arn:aws:sts::acct:assumed-role/role/sess, or root ARN
	Account   string // 12 digits
	RoleARN   string // for role sessions: the role's ARN with path; naming it matches the sessions
	Service   string // for service principals, e.g. "glue.amazonaws.com"
	Federated string // identity provider ARN or name for web identity / SAML
	IsRoot    bool
}

// Request is one authorization question.
type Request struct {
	Action    string // "s3:GetObject"
	Resource  string // ARN, or "*" for actions without resources
	Principal Principal
	Context   *Context // condition keys; nil means none
}

// Set is every policy that applies to one request (spec §8.1).
type Set struct {
	Identity         []*Policy // inline and managed policies of the user (and groups) or role
	Boundary         *Policy   // nil: no permissions boundary
	Session          []*Policy // session policies, when HasSession
	HasSession       bool      // the credentials carry session policies (even if Session is empty)
	Resource         *Policy   // trust policy or bucket policy; nil when none
	ResourceRequired bool      // role trust (sts:AssumeRole*): the resource policy must allow
}

// StatementRef names a deciding statement.
type StatementRef struct {
	Policy string // Policy.Name
	Index  int    // position in the Statement array
	Sid    string
}

// Result is the outcome of Evaluate.
type Result struct {
	Decision Decision
	// Statements are the deciding statements: for Allow the one allowing
	// statement that decided (the identity statement, or the resource
	// policy statement when the resource policy granted on its own or
	// ResourceRequired); for ExplicitDeny every matching Deny statement;
	// none for ImplicitDeny or a root caller. Do not modify.
	Statements []StatementRef
	Reason     Reason
}

type refCache struct {
	name string
	refs []StatementRef
}

// refs returns the statement's one-element StatementRef slice for policy p,
// cached so that the hot path does not allocate.
func (s *statement) refs(p *Policy) []StatementRef {
	if c := s.ref.Load(); c != nil && c.name == p.Name {
		return c.refs
	}
	c := &refCache{name: p.Name, refs: []StatementRef{{Policy: p.Name, Index: s.idx, Sid: s.sid}}}
	s.ref.Store(c)
	return c.refs
}

// strength says how a resource policy's Allow reached the caller, which
// decides what else must allow (spec §8.1 step 4).
type strength uint8

const (
	sNone     strength = iota
	sAccount           // account id or root ARN: the identity policy must allow too
	sRole              // the role ARN, for its sessions: boundary and session policies still cut
	sWildcard          // "*" or an applying NotPrincipal: boundary and session policies still cut
	sDirect            // the user ARN, the exact session ARN, a service or federated principal
)

// Evaluate decides req against set, following AWS's single-account logic:
//
//  1. A root caller is allowed everything (root is not subject to identity
//     policies; SCPs are out of scope).
//  2. A matching Deny statement in any policy → ExplicitDeny.
//  3. Without ResourceRequired: identity ∧ (no boundary ∨ boundary) ∧
//     (!HasSession ∨ session) → Allow. Otherwise a resource policy Allow
//     decides by how its principal matched: directly (user ARN, exact
//     session ARN, service, federated) → Allow; via the role ARN or "*" →
//     Allow if boundary and session policies allow; via the account only →
//     nothing beyond step 3 (the identity policy must allow).
//  4. With ResourceRequired (role trust): the resource policy must allow,
//     and then either it names the caller directly or identity ∧ boundary
//     ∧ session allow.
//  5. Otherwise ImplicitDeny.
func Evaluate(set *Set, req *Request) Result {
	if req.Principal.IsRoot {
		return Result{Decision: Allow}
	}
	var idAllow, bAllow, sAllow, rAllow *statement
	var idPol *Policy
	denied := false
	for _, p := range set.Identity {
		a, d := p.scan(req)
		if a != nil && idAllow == nil {
			idAllow, idPol = a, p
		}
		denied = denied || d
	}
	if set.Boundary != nil {
		a, d := set.Boundary.scan(req)
		bAllow = a
		denied = denied || d
	}
	if set.HasSession {
		for _, p := range set.Session {
			a, d := p.scan(req)
			if a != nil && sAllow == nil {
				sAllow = a
			}
			denied = denied || d
		}
	}
	rStrength := sNone
	if set.Resource != nil {
		var d bool
		rAllow, rStrength, d = set.Resource.scanResource(req)
		denied = denied || d
	}
	if denied {
		return denyResult(set, req)
	}
	idOK := idAllow != nil
	bOK := set.Boundary == nil || bAllow != nil
	sOK := !set.HasSession || sAllow != nil
	allow := func(s *statement, p *Policy) Result {
		return Result{Decision: Allow, Statements: s.refs(p)}
	}
	implicit := func(r Reason) Result { return Result{Decision: ImplicitDeny, Reason: r} }
	standard := func() Result {
		switch {
		case !idOK:
			return implicit(ReasonNoIdentityAllows)
		case !bOK:
			return implicit(ReasonNoBoundaryAllows)
		default:
			return implicit(ReasonNoSessionAllows)
		}
	}
	if set.ResourceRequired {
		switch {
		case rAllow == nil:
			return implicit(ReasonNoResourceAllows)
		case rStrength == sDirect, idOK && bOK && sOK:
			return allow(rAllow, set.Resource)
		}
		return standard()
	}
	if idOK && bOK && sOK {
		return allow(idAllow, idPol)
	}
	switch rStrength {
	case sDirect:
		return allow(rAllow, set.Resource)
	case sRole, sWildcard:
		switch {
		case bOK && sOK:
			return allow(rAllow, set.Resource)
		case !bOK:
			return implicit(ReasonNoBoundaryAllows)
		default:
			return implicit(ReasonNoSessionAllows)
		}
	}
	return standard()
}

// denyResult collects every matching Deny statement (the cold path).
func denyResult(set *Set, req *Request) Result {
	r := Result{Decision: ExplicitDeny}
	add := func(p *Policy, reason Reason) {
		for _, s := range p.stmts {
			if s.deny && s.matches(req) && (s.principal == nil || s.principal.strength(&req.Principal, s.notPrinc) != sNone) {
				r.Statements = append(r.Statements, s.refs(p)[0])
				if r.Reason == ReasonNone {
					r.Reason = reason
				}
			}
		}
	}
	for _, p := range set.Identity {
		add(p, ReasonDenyIdentity)
	}
	if set.Resource != nil {
		add(set.Resource, ReasonDenyResource)
	}
	if set.Boundary != nil {
		add(set.Boundary, ReasonDenyBoundary)
	}
	if set.HasSession {
		for _, p := range set.Session {
			add(p, ReasonDenySession)
		}
	}
	return r
}

// scan returns p's first matching Allow statement and whether a Deny
// statement matches. Principals are not consulted (identity-like kinds).
func (p *Policy) scan(req *Request) (allow *statement, deny bool) {
	for _, s := range p.stmts {
		if s.deny {
			if s.matches(req) {
				return allow, true
			}
		} else if allow == nil && s.matches(req) {
			allow = s
		}
	}
	return allow, false
}

// scanResource is scan for resource policies: it returns the Allow
// statement whose principal matched most strongly.
func (p *Policy) scanResource(req *Request) (allow *statement, best strength, deny bool) {
	for _, s := range p.stmts {
		if !s.deny && best == sDirect {
			continue
		}
		st := sWildcard // a resource-kind policy always has a principal; be safe
		if s.principal != nil {
			st = s.principal.strength(&req.Principal, s.notPrinc)
		}
		if st == sNone || !s.matches(req) {
			continue
		}
		if s.deny {
			return allow, best, true
		}
		if st > best {
			allow, best = s, st
		}
	}
	return allow, best, false
}

// matches reports whether the statement's Action, Resource and Condition
// elements match (not Principal).
func (s *statement) matches(req *Request) bool {
	hit := false
	for _, a := range s.actions {
		if a.match(req.Action, nil) {
			hit = true
			break
		}
	}
	if hit == s.notAction {
		return false
	}
	if !s.anyRes {
		hit = false
		for _, r := range s.resources {
			if r.match(req.Resource, req.Context) {
				hit = true
				break
			}
		}
		if hit == s.notRes {
			return false
		}
	}
	for i := range s.conditions {
		if !s.conditions[i].eval(req.Context) {
			return false
		}
	}
	return true
}

// strength reports how the principal element matches p. For NotPrincipal
// the statement applies (with strength sWildcard) unless p is exempt:
// exemption needs the exact caller ARN, its account (id or root ARN), its
// service or federated provider, or "*". A role ARN does NOT exempt the
// role's sessions: as AWS documents for Deny+NotPrincipal, list the session
// ARN too.
func (ps *principalSet) strength(p *Principal, not bool) strength {
	if not {
		if ps.star || contains(ps.arns, p.ARN) || contains(ps.accounts, p.Account) ||
			contains(ps.services, p.Service) || contains(ps.federated, p.Federated) {
			return sNone
		}
		return sWildcard
	}
	if contains(ps.arns, p.ARN) || contains(ps.services, p.Service) || contains(ps.federated, p.Federated) {
		return sDirect
	}
	if ps.star {
		return sWildcard
	}
	if contains(ps.arns, p.RoleARN) {
		return sRole
	}
	if contains(ps.accounts, p.Account) {
		return sAccount
	}
	return sNone
}

// contains reports whether v is non-empty and in list.
func contains(list []string, v string) bool {
	if v == "" {
		return false
	}
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// eval evaluates one condition key of one operator (spec §8.2):
//
//   - Null: {"k": "true"} holds when k is absent, "false" when present.
//   - ...IfExists: true when the key is absent.
//   - ForAllValues: true when the key is absent or empty, else every
//     request value must match (for negated operators: match no policy
//     value).
//   - ForAnyValue: false when absent, else some request value must match.
//   - No qualifier: positive operators need some request value to match
//     some policy value (a multi-valued key matches if any value does);
//     negated operators are the negation of that, so they hold when the
//     key is absent and, for multi-valued keys, when no value matches.
func (c *condition) eval(ctx *Context) bool {
	vals := ctx.values(c.key)
	if c.op.fam == famNull {
		absent := len(vals) == 0
		for _, b := range c.bools {
			if b == absent {
				return true
			}
		}
		return false
	}
	if len(vals) == 0 {
		switch {
		case c.op.ifExists, c.op.qual == qForAll:
			return true
		case c.op.qual == qForAny:
			return false
		}
		return c.op.negated
	}
	switch c.op.qual {
	case qForAll:
		for _, v := range vals {
			if c.matchOne(v, ctx) == c.op.negated {
				return false
			}
		}
		return true
	case qForAny:
		for _, v := range vals {
			if c.matchOne(v, ctx) != c.op.negated {
				return true
			}
		}
		return false
	}
	for _, v := range vals {
		if c.matchOne(v, ctx) {
			return !c.op.negated
		}
	}
	return c.op.negated
}

// matchOne reports whether request value v matches any policy value under
// the positive form of the operator. A request value that does not parse
// for the operator matches nothing.
func (c *condition) matchOne(v string, ctx *Context) bool {
	switch c.op.fam {
	case famString, famARN:
		for _, p := range c.pats {
			if p.match(v, ctx) {
				return true
			}
		}
	case famNumeric:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		for _, n := range c.nums {
			if compare(c.op.cmp, f, n) {
				return true
			}
		}
	case famDate:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for _, n := range c.times {
			if compare(c.op.cmp, t, n) {
				return true
			}
		}
	case famBool:
		b, ok := parseBool(v)
		if !ok {
			return false
		}
		for _, x := range c.bools {
			if x == b {
				return true
			}
		}
	case famBinary:
		for _, x := range c.bins {
			if x == v {
				return true
			}
		}
	case famIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap().WithZone("")
		for _, p := range c.ips {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

func compare[T int64 | float64](op cmpOp, req, pol T) bool {
	switch op {
	case cmpLt:
		return req < pol
	case cmpLe:
		return req <= pol
	case cmpGt:
		return req > pol
	case cmpGe:
		return req >= pol
	}
	return req == pol
}

// Message renders AWS's denial text for r, e.g.
//
//	User: arn:aws:iam::123456789012:user/bob is not authorized to perform:
//	iam:CreateRole on resource: arn:aws:iam::123456789012:role/x because no
//	identity-based policy allows the iam:CreateRole action
//
// (one line). It returns "" for Allow.
func (r Result) Message(callerARN, action, resource string) string {
	head := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", callerARN, action, resource)
	switch r.Reason {
	case ReasonNoIdentityAllows, ReasonNoBoundaryAllows, ReasonNoSessionAllows, ReasonNoResourceAllows:
		return fmt.Sprintf("%s because %s the %s action", head, r.Reason, action)
	case ReasonDenyIdentity, ReasonDenyResource, ReasonDenyBoundary, ReasonDenySession:
		return head + " with an " + r.Reason.String()
	}
	if r.Decision == Allow {
		return ""
	}
	return head
}
