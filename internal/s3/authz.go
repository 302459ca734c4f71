package s3

import (
	"context"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
)

// AuthzRequest is one authorization question, shaped like iam.AuthzRequest.
type AuthzRequest struct {
	Action           string          // "s3:GetObject"
	Resource         string          // "arn:aws:s3:::bucket/key"
	Context          *policy.Context // S3 condition keys (s3:prefix…); the authorizer adds the global ones
	ResourcePolicy   *policy.Policy  // the bucket policy, nil when none
	ResourceRequired bool
}

// Authorizer decides. Authorize returns nil when allowed and an AccessDenied *awsproto.Error
// when denied; any other error is internal.
type Authorizer interface {
	Authorize(ctx context.Context, p *identity.Principal, req AuthzRequest) error
}

// AuthorizerFunc adapts a function (for example a closure over (*iam.Service).Authorize) to
// Authorizer.
type AuthorizerFunc func(ctx context.Context, p *identity.Principal, req AuthzRequest) error

// Authorize implements Authorizer.
func (f AuthorizerFunc) Authorize(ctx context.Context, p *identity.Principal, req AuthzRequest) error {
	return f(ctx, p, req)
}
