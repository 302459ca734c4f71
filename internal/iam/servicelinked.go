package iam

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/store"
)

// Service-linked roles. A service-linked role belongs to an AWS service: its name and path
// are the service's (path /aws-service-role/<service>/), its trust policy lets only the
// service assume it, and it is created once per account. Sluice knows the services it plays
// itself; any other name is InvalidInput.

// A service-linked role is the service's to change: its trust policy, permissions, boundary,
// maximum session duration and existence are refused to every caller, root included, with
// UnmodifiableEntity, as on AWS; its description and tags may be edited. The service itself
// writes its policies through PutServiceRolePolicy.

const linkedPathPrefix = "/aws-service-role/"

// linkedTo returns the service a role is linked to, or "".
func linkedTo(path string) string {
	rest, ok := strings.CutPrefix(path, linkedPathPrefix)
	if !ok {
		return ""
	}
	return strings.TrimSuffix(rest, "/")
}

func unmodifiable(name string) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "UnmodifiableEntity",
		"Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", name)
}

// PutServiceRolePolicy writes an inline policy on a role as the AWS service svc does for itself,
// without a caller to authorize: Lake Formation keeping its service-linked role's S3 policy in
// step with the registered locations, or writing AWSRevokeOlderSessions when an administrator
// revokes vended sessions. A role linked to another service is UnmodifiableEntity.
func (s *Service) PutServiceRolePolicy(ctx context.Context, svc string, in *PutPolicyInput) error {
	if err := checkName("roleName", in.RoleName, entityNameRE); err != nil {
		return err
	}
	if err := checkName("policyName", in.PolicyName, policyNameRE); err != nil {
		return err
	}
	r, err := getRole(ctx, s.st, in.RoleName)
	if err != nil {
		return err
	}
	if r == nil {
		return noSuchEntity("The role with name %s cannot be found.", in.RoleName)
	}
	if l := linkedTo(r.Path); l != "" && l != svc {
		return unmodifiable(r.Name)
	}
	if _, err := policy.Parse([]byte(in.PolicyDocument), policy.Identity); err != nil {
		return policyError(err)
	}
	return s.writeInline(ctx, kindRole, r.Name, in)
}

// linkedService describes the service-linked role of one service.
type linkedService struct {
	roleName    string
	description string
}

var linkedServices = map[string]linkedService{
	"lakeformation.amazonaws.com": {roleName: "AWSServiceRoleForLakeFormationDataAccess",
		description: "Service-linked role that Lake Formation uses to access registered data locations"},
}

// CreateServiceLinkedRoleInput is CreateServiceLinkedRole's request.
type CreateServiceLinkedRoleInput struct {
	AWSServiceName string `query:"AWSServiceName,required"`
	Description    string `query:"Description"`
	CustomSuffix   string `query:"CustomSuffix"`
}

// CreateServiceLinkedRoleOutput is CreateServiceLinkedRole's response.
type CreateServiceLinkedRoleOutput struct {
	Role *RoleInfo
}

// CreateServiceLinkedRole creates the service-linked role of a service Sluice plays
// (lakeformation.amazonaws.com): iam:CreateServiceLinkedRole on the role's ARN, with the
// condition key iam:AWSServiceName. A second creation is InvalidInput ("has been taken"), as
// on AWS; CustomSuffix is refused (Lake Formation's role does not take one).
func (s *Service) CreateServiceLinkedRole(ctx context.Context, p *identity.Principal, in *CreateServiceLinkedRoleInput) (*CreateServiceLinkedRoleOutput, error) {
	svc, ok := linkedServices[in.AWSServiceName]
	if !ok {
		return nil, invalidInput("Service-linked roles are not supported for the service %s.", in.AWSServiceName)
	}
	if in.CustomSuffix != "" {
		return nil, invalidInput("Custom suffix is not allowed for %s", in.AWSServiceName)
	}
	if err := checkDescription(in.Description); err != nil {
		return nil, err
	}
	path := "/aws-service-role/" + in.AWSServiceName + "/"
	arn := s.arn("role", path, svc.roleName)
	keys := policy.NewContext()
	keys.Set("iam:awsservicename", in.AWSServiceName)
	if err := s.authorize(ctx, p, "CreateServiceLinkedRole", arn, keys); err != nil {
		return nil, err
	}
	id, err := s.newID("AROA")
	if err != nil {
		return nil, err
	}
	desc := in.Description
	if desc == "" {
		desc = svc.description
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + in.AWSServiceName + `"},"Action":"sts:AssumeRole"}]}`
	r := &Role{Name: svc.roleName, Path: path, ID: id, ARN: arn, Created: s.stamp(), TrustPolicy: trust,
		MaxSessionDuration: minSessionDuration * time.Second, Description: desc}
	taken := invalidInput("Service role name %s has been taken in this account, please try a different suffix.", svc.roleName)
	err = s.update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(ctx, nsRole, keyOf(r.Name)); err == nil {
			return taken
		}
		err := createJSON(ctx, tx, nsRole, keyOf(r.Name), r)
		if store.KindOf(err) == store.Exists {
			return taken
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &CreateServiceLinkedRoleOutput{Role: roleOut(r, true)}, nil
}
