package iam

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storejson"
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

// Deleting a service-linked role. On AWS, DeleteServiceLinkedRole submits a deletion task that
// the linked service runs, and GetServiceLinkedRoleDeletionStatus reports how it ended; a role
// whose service still uses it (Lake Formation: locations registered with
// UseServiceLinkedRole) is not deleted and the task fails, naming those resources. Sluice runs
// the task within the call and keeps its outcome in the store, so any replica answers for it.
// A deleted role goes with the policies its service wrote on it.

// RoleUsage is where a service-linked role is in use: resource ARNs in one region.
type RoleUsage struct {
	Region    string
	Resources []string `xml:"Resources>member"`
}

// LinkedRoleUsage returns the resources of service (e.g. "lakeformation.amazonaws.com") that use
// its service-linked role, read through r: the transaction that deletes the role, so that a
// resource registered meanwhile either is seen or conflicts.
type LinkedRoleUsage func(ctx context.Context, r store.Reader, service string) ([]RoleUsage, error)

// Deletion task states.
const (
	taskSucceeded = "SUCCEEDED"
	taskFailed    = "FAILED"
)

// deletionTask is a stored task's outcome.
type deletionTask struct {
	Status  string
	Reason  string      `json:",omitempty"`
	Usage   []RoleUsage `json:",omitempty"`
	Created time.Time
}

// DeleteServiceLinkedRoleOutput is DeleteServiceLinkedRole's response.
type DeleteServiceLinkedRoleOutput struct {
	DeletionTaskId string
}

// DeleteServiceLinkedRole deletes a service-linked role unless its service uses it
// (iam:DeleteServiceLinkedRole on the role). A role that is not service-linked is
// NoSuchEntity, the one error of the operation that fits.
func (s *Service) DeleteServiceLinkedRole(ctx context.Context, p *identity.Principal, in *RoleNameInput) (*DeleteServiceLinkedRoleOutput, error) {
	r, err := s.roleTarget(ctx, p, "DeleteServiceLinkedRole", in.RoleName, nil)
	if err != nil {
		return nil, err
	}
	svc := linkedTo(r.Path)
	if svc == "" {
		return nil, noSuchEntity("The role with name %s is not a service-linked role.", r.Name)
	}
	id, err := s.newID("")
	if err != nil {
		return nil, err
	}
	// task/aws-service-role/<service>/<role>/<id>, as AWS forms it; the id is Sluice's. Only a
	// role's latest task is kept.
	prefix := "task" + r.Path + r.Name + "/"
	taskID := prefix + strings.ToLower(id)
	task := deletionTask{Status: taskSucceeded, Created: s.stamp()}
	var deleted bool
	err = s.st.Update(ctx, func(tx store.Tx) error {
		task.Status, task.Reason, task.Usage, deleted = taskSucceeded, "", nil, false
		if s.usage != nil {
			used, err := s.usage(ctx, tx, svc)
			if err != nil {
				return err
			}
			if n := countResources(used); n > 0 {
				task.Status, task.Usage = taskFailed, used
				task.Reason = fmt.Sprintf("The service-linked role %s is in use by %d %s resource(s); remove them from the service first.", r.Name, n, svc)
			}
		}
		if task.Status == taskSucceeded {
			if err := tx.Delete(ctx, nsRole, keyOf(r.Name)); err != nil {
				return notFound(err, "The role with name %s cannot be found.", r.Name)
			}
			// A role's removal changes what IAM decides.
			if err := bumpGeneration(ctx, tx); err != nil {
				return err
			}
			deleted = true
		}
		if _, err := tx.DeletePrefix(ctx, nsTask, prefix); err != nil {
			return err
		}
		return storejson.Put(ctx, tx, nsTask, taskID, &task)
	})
	if err != nil {
		return nil, err
	}
	if deleted {
		s.log.InfoContext(ctx, "iam: service-linked role deleted", "role", r.Name, "service", svc)
	}
	return &DeleteServiceLinkedRoleOutput{DeletionTaskId: taskID}, nil
}

var (
	serviceNameRE = regexp.MustCompile(`^[a-z0-9.-]{1,128}$`)
	taskSuffixRE  = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)
)

func countResources(used []RoleUsage) int {
	n := 0
	for _, u := range used {
		n += len(u.Resources)
	}
	return n
}

// GetServiceLinkedRoleDeletionStatusInput is GetServiceLinkedRoleDeletionStatus's request.
type GetServiceLinkedRoleDeletionStatusInput struct {
	DeletionTaskId string `query:"DeletionTaskId,required"`
}

// GetServiceLinkedRoleDeletionStatusOutput is GetServiceLinkedRoleDeletionStatus's response.
type GetServiceLinkedRoleDeletionStatusOutput struct {
	Status string
	Reason *DeletionTaskFailureReason `xml:",omitempty"`
}

// DeletionTaskFailureReason says why a deletion task failed.
type DeletionTaskFailureReason struct {
	Reason        string      `xml:",omitempty"`
	RoleUsageList []RoleUsage `xml:"RoleUsageList>member"`
}

// GetServiceLinkedRoleDeletionStatus reports a deletion task's outcome
// (iam:GetServiceLinkedRoleDeletionStatus on the role the task names). A task id not of the
// form DeleteServiceLinkedRole returns is InvalidInput; an unknown one (or a role's earlier
// task: only the latest is kept), NoSuchEntity.
func (s *Service) GetServiceLinkedRoleDeletionStatus(ctx context.Context, p *identity.Principal, in *GetServiceLinkedRoleDeletionStatusInput) (*GetServiceLinkedRoleDeletionStatusOutput, error) {
	id := in.DeletionTaskId
	// task/aws-service-role/<service>/<role>/<id>
	rest, ok := strings.CutPrefix(id, "task"+linkedPathPrefix)
	i := strings.LastIndexByte(rest, '/')
	j := strings.LastIndexByte(rest[:max(i, 0)], '/')
	if !ok || len(id) > 1000 || j <= 0 || i == j+1 || i == len(rest)-1 {
		return nil, invalidInput("The deletion task id is not valid: expected task/aws-service-role/<service>/<role name>/<id>.")
	}
	path, name := linkedPathPrefix+rest[:j+1], rest[j+1:i]
	if !entityNameRE.MatchString(name) || !serviceNameRE.MatchString(rest[:j]) || !taskSuffixRE.MatchString(rest[i+1:]) {
		return nil, invalidInput("The deletion task id is not valid: expected task/aws-service-role/<service>/<role name>/<id>.")
	}
	if err := s.authorize(ctx, p, "GetServiceLinkedRoleDeletionStatus", s.arn("role", path, name), nil); err != nil {
		return nil, err
	}
	task, err := storejson.Get[deletionTask](ctx, s.st, nsTask, id)
	if err != nil {
		return nil, notFound(err, "Deletion task %s cannot be found.", id)
	}
	out := &GetServiceLinkedRoleDeletionStatusOutput{Status: task.Status}
	if task.Status == taskFailed {
		out.Reason = &DeletionTaskFailureReason{Reason: task.Reason, RoleUsageList: task.Usage}
	}
	return out, nil
}
