package daemon

import (
	"context"

	"github.com/sluicehq/sluice/internal/iam"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/sts"
)

// stsIAM gives STS what it needs from IAM: roles, OIDC providers and the one authorizer.
type stsIAM struct {
	iam func() *iam.Service
}

func (a stsIAM) Role(ctx context.Context, arn string) (*sts.Role, error) {
	r, err := a.iam().Role(ctx, arn)
	if err != nil {
		return nil, err
	}
	return &sts.Role{Name: r.Name, ID: r.ID, ARN: r.ARN, Trust: r.Trust, MaxSessionDuration: r.MaxSessionDuration}, nil
}

func (a stsIAM) AuthorizeTrust(ctx context.Context, p *identity.Principal, action string, role *sts.Role, keys *policy.Context) error {
	return a.iam().Authorize(ctx, p, iam.AuthzRequest{
		Action: action, Resource: string(role.ARN), Context: keys,
		ResourcePolicy: role.Trust, ResourceRequired: true,
	})
}

func (a stsIAM) Authorize(ctx context.Context, p *identity.Principal, action, resource string) error {
	return a.iam().Authorize(ctx, p, iam.AuthzRequest{Action: action, Resource: resource})
}

func (a stsIAM) OIDCProviderFor(ctx context.Context, issuer string) (*sts.OIDCProvider, error) {
	pr, err := a.iam().OIDCProviderFor(ctx, issuer)
	if err != nil {
		return nil, err
	}
	return &sts.OIDCProvider{ARN: pr.ARN, ClientIDs: pr.ClientIDs}, nil
}
