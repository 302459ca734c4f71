package daemon

import (
	"context"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/iam"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/lakeformation"
	"github.com/sluicehq/sluice/internal/store"
)

// lfLinkedRole gives Lake Formation its service-linked role through IAM's API: creating the
// role is the caller's act (IAM decides iam:CreateServiceLinkedRole for it); keeping the role's
// S3 policy in step with the registered locations is Lake Formation's own, done with the
// account's authority (as RevokeVendedSessions writes its policy).
type lfLinkedRole struct {
	iam     func() *iam.Service
	account identity.AccountID
}

const lfServiceName = "lakeformation.amazonaws.com"

func (a lfLinkedRole) arn() string {
	return "arn:aws:iam::" + string(a.account) + ":role/aws-service-role/" + lfServiceName + "/" + lakeformation.ServiceLinkedRoleName
}

func (a lfLinkedRole) CreateLinkedRole(ctx context.Context, p *identity.Principal) error {
	if _, err := a.iam().Role(ctx, a.arn()); err == nil {
		return nil
	} else if e := awsproto.As(err); e == nil || e.Code != "NoSuchEntity" {
		return err
	}
	_, err := a.iam().CreateServiceLinkedRole(ctx, p, &iam.CreateServiceLinkedRoleInput{AWSServiceName: lfServiceName})
	return err
}

func (a lfLinkedRole) PutLinkedRolePolicy(ctx context.Context, doc string) error {
	err := a.iam().PutServiceRolePolicy(ctx, lfServiceName,
		&iam.PutPolicyInput{RoleName: lakeformation.ServiceLinkedRoleName, PolicyName: lakeformation.LinkedRolePolicyName, PolicyDocument: doc})
	if e := awsproto.As(err); e != nil && e.Code == "NoSuchEntity" {
		return nil
	}
	return err
}

// lfLinkedRoleUsage answers IAM's DeleteServiceLinkedRole for Lake Formation's role: the
// locations registered with UseServiceLinkedRole use it.
func lfLinkedRoleUsage(lf *lakeformation.Slot, region string) iam.LinkedRoleUsage {
	return func(ctx context.Context, r store.Reader, service string) ([]iam.RoleUsage, error) {
		if service != lfServiceName || lf.Service() == nil {
			return nil, nil
		}
		locs, err := lf.Service().LinkedRoleLocations(ctx, r)
		if err != nil || len(locs) == 0 {
			return nil, err
		}
		return []iam.RoleUsage{{Region: region, Resources: locs}}, nil
	}
}
