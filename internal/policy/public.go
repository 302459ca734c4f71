package policy

import "strings"

// restrictingKeys are the condition keys that, compared with fixed values, keep a statement
// whose principal is "*" from being public (S3's definition of a public bucket policy).
var restrictingKeys = map[string]bool{
	"aws:sourceip": true, "aws:sourcearn": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
	"aws:sourceowner": true, "aws:sourceaccount": true, "aws:userid": true,
	"aws:principalorgid": true, "aws:principalaccount": true, "aws:principalarn": true,
	"s3:dataaccesspointarn": true, "s3:dataaccesspointaccount": true,
}

// Public reports whether the policy grants access to anyone, as S3's Block Public Access judges
// a bucket policy: some Allow statement has a NotPrincipal, or a principal that is "*" or holds
// a wildcard, without a condition that pins one of the restricting keys (aws:SourceIp,
// aws:SourceArn, aws:SourceVpc(e), aws:SourceAccount, aws:SourceOwner, aws:userid,
// aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, s3:DataAccessPoint*) to fixed
// values (no wildcard, no negated operator, no IP range of all addresses).
func (p *Policy) Public() bool {
	for _, s := range p.stmts {
		if s.deny || s.principal == nil {
			continue
		}
		if (s.notPrinc || s.principal.broad()) && !s.pinned() {
			return true
		}
	}
	return false
}

func (ps *principalSet) broad() bool {
	if ps.star {
		return true
	}
	for _, a := range ps.arns {
		if strings.ContainsAny(a, "*?") {
			return true
		}
	}
	return false
}

// pinned reports whether one of the statement's conditions fixes a restricting key.
func (s *statement) pinned() bool {
	for _, c := range s.conditions {
		if !restrictingKeys[c.key] || c.op.negated || c.op.ifExists || c.op.qual == qForAll {
			continue
		}
		switch c.op.fam {
		case famString, famARN:
			fixed := len(c.pats) > 0
			for _, p := range c.pats {
				fixed = fixed && !p.hasWildcard()
			}
			if fixed {
				return true
			}
		case famIP:
			fixed := len(c.ips) > 0
			for _, ip := range c.ips {
				fixed = fixed && ip.Bits() > 0
			}
			if fixed {
				return true
			}
		}
	}
	return false
}
