package sts

import (
	"context"
	"fmt"
	"time"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
)

// VendRequest asks for a session of a role on behalf of a trusted Sluice service (Lake Formation
// credential vending): no trust policy is evaluated, because the service has already decided; the
// session is narrowed by InlinePolicy, so it can never do more than both the role and the policy
// allow.
type VendRequest struct {
	Role           *Role
	SessionName    string        // e.g. AWSLF-00-NA-123456789012-abcd1234
	InlinePolicy   string        // session policy JSON (required: vending always narrows)
	Duration       time.Duration // 900 s .. 12 h
	SourceIdentity string
	Caller         *identity.Principal // whose request caused the vending (audit)
}

// Vend mints a narrowed role session for a service decision. It stores nothing.
func (s *Service) Vend(_ context.Context, r VendRequest) (*Credentials, identity.ARN, error) {
	if r.Role == nil || r.InlinePolicy == "" {
		return nil, "", fmt.Errorf("sts: vending needs a role and a session policy")
	}
	if r.Duration < minDuration || r.Duration > maxDuration {
		return nil, "", fmt.Errorf("sts: vending duration %v out of range", r.Duration)
	}
	if !sessionNameRE.MatchString(r.SessionName) || len(r.SessionName) < 2 || len(r.SessionName) > 64 {
		return nil, "", fmt.Errorf("sts: bad session name %q", r.SessionName)
	}
	if _, err := policy.Parse([]byte(r.InlinePolicy), policy.Session); err != nil {
		return nil, "", fmt.Errorf("sts: vending policy: %w", err)
	}
	now := s.now().UTC().Truncate(time.Second)
	c := &claims{
		Kind: kindRole, Account: string(s.account), IssuedAt: now.Unix(), Expires: now.Add(r.Duration).Unix(),
		RoleARN: string(r.Role.ARN), RoleID: r.Role.ID, RoleName: r.Role.Name, SessionName: r.SessionName,
		SourceIdentity: r.SourceIdentity, InlinePolicy: r.InlinePolicy,
	}
	if r.Caller != nil {
		c.CallerARN = string(r.Caller.ARN)
	}
	creds, err := s.mint(c)
	if err != nil {
		return nil, "", err
	}
	return creds, SessionARN(s.account, r.Role.Name, r.SessionName), nil
}
