package mappings

import (
	"context"
	"errors"
	"fmt"
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
	// An OIDC claim is checked as STS will see a token: from the registered provider, with one
	// of its client ids as the audience.
	auds := []string{""}
	if c.Issuer != "" {
		prov, err := svc.OIDCProviderFor(ctx, c.Issuer)
		if err != nil {
			return fmt.Errorf("no IAM OIDC provider is registered for %s: %w", c.Issuer, err)
		}
		c.Provider, auds = prov.ARN, prov.ClientIDs
		if len(auds) == 0 {
			return fmt.Errorf("the IAM OIDC provider %s has no client id", prov.ARN)
		}
	}
	for _, aud := range auds {
		if err = t.admits(ctx, svc, r, c, aud); err == nil {
			return nil
		}
	}
	return err
}

// admits checks every action of c against r's trust, with aud as <issuer>:aud when set.
func (t IAMTrust) admits(ctx context.Context, svc *iam.Service, r *iam.Role, c Claim, aud string) error {
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
		if aud != "" {
			keys.Set(strings.TrimSuffix(strings.TrimPrefix(c.Issuer, "https://"), "/")+":aud", aud)
		}
		err := svc.Authorize(ctx, p, iam.AuthzRequest{Action: action, Resource: string(r.ARN), Context: keys,
			ResourcePolicy: r.Trust, ResourceRequired: true})
		if err != nil {
			return err
		}
	}
	return nil
}
