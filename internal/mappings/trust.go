package mappings

import (
	"context"
	"errors"
	"strings"

	"github.com/sluicehq/sluice/internal/iam"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
)

// IAMTrust is the TrustChecker of a running Sluice: it evaluates the role's trust policy with
// IAM's policy engine for the claim, the way STS will when the login comes (a federated
// WebIdentityUser-type caller whose provider is the claim's, or the IAM user itself, whose
// identity policies then count too).
type IAMTrust struct {
	IAM     func() *iam.Service
	Account identity.AccountID
}

var errNoIAM = errors.New("IAM is not ready")

// Admits implements TrustChecker.
func (t IAMTrust) Admits(ctx context.Context, role identity.ARN, c Claim) error {
	svc := t.IAM()
	if svc == nil {
		return errNoIAM
	}
	r, err := svc.Role(ctx, string(role))
	if err != nil {
		return err
	}
	if r.ARN != role {
		return errors.New("no such role")
	}
	var p *identity.Principal
	if c.User != "" {
		name := string(c.User)[strings.LastIndexByte(string(c.User), '/')+1:]
		p = &identity.Principal{Type: identity.IAMUser, Account: t.Account, ARN: c.User, UserName: name}
	} else {
		p = &identity.Principal{Type: identity.WebIdentityUser, Account: t.Account, ARN: c.Provider, ID: c.Subject,
			Session: &identity.Session{Federation: &identity.Federation{Provider: c.Provider, Subject: c.Subject}}}
	}
	for _, action := range c.Actions {
		keys := policy.NewContext()
		for k, v := range c.Keys {
			keys.Set(k, v)
		}
		if c.Subject != "" {
			keys.Set("sts:SourceIdentity", c.Subject)
		}
		err := svc.Authorize(ctx, p, iam.AuthzRequest{Action: action, Resource: string(r.ARN), Context: keys,
			ResourcePolicy: r.Trust, ResourceRequired: true})
		if err != nil {
			return err
		}
	}
	return nil
}
