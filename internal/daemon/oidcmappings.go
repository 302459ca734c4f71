package daemon

import (
	"context"
	"errors"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/mappings"
	"github.com/sluicehq/sluice/internal/sts"
)

// stsMappings gives STS the identity mappings of OIDC issuers, once the store is open.
type stsMappings struct{ slot *mappings.Slot }

func (a stsMappings) MapWebIdentity(ctx context.Context, l sts.WebIdentityLogin, role identity.ARN) (bool, bool, error) {
	m := a.slot.Service()
	if m == nil {
		return false, false, errors.New("identity mappings are not loaded yet")
	}
	return m.AllowedOIDC(ctx, mappings.Login{OIDCIssuer: l.Issuer, OIDCSubject: l.Subject, OIDCGroups: l.Groups}, role)
}
