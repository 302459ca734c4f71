// Package sts is Sluice's Security Token Service: who the caller is (GetCallerIdentity) and, as
// the STS issue lands, role sessions whose tokens are sealed by the key ring so that any replica
// authenticates them without a store lookup.
package sts

import (
	"context"

	"github.com/sluicehq/sluice/internal/identity"
)

// Service implements the STS operations.
type Service struct{}

// New returns the STS service.
func New() *Service { return &Service{} }

// CallerIdentity is the answer of GetCallerIdentity.
type CallerIdentity struct {
	UserID  string             `xml:"UserId"`
	Account identity.AccountID `xml:"Account"`
	ARN     identity.ARN       `xml:"Arn"`
}

// GetCallerIdentity returns who the caller is. Like AWS, it needs no permission: an explicit deny
// cannot stop a principal from learning its own identity.
func (s *Service) GetCallerIdentity(_ context.Context, p *identity.Principal, _ *struct{}) (*CallerIdentity, error) {
	return &CallerIdentity{UserID: p.ID, Account: p.Account, ARN: p.ARN}, nil
}
