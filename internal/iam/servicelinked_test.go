package iam

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
)

func TestCreateServiceLinkedRole(t *testing.T) {
	s := newTestService(t)
	allowLF := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"*",` +
		`"Condition":{"StringEquals":{"iam:AWSServiceName":"lakeformation.amazonaws.com"}}}]}`
	admin := userPrincipal(t, s, "admin", allowLF)
	nobody := userPrincipal(t, s, "nobody")
	lf := &CreateServiceLinkedRoleInput{AWSServiceName: "lakeformation.amazonaws.com"}
	for _, c := range []struct {
		name string
		run  func() error
		want string
	}{
		{"unknown service", func() error {
			_, err := s.CreateServiceLinkedRole(ctx, root, &CreateServiceLinkedRoleInput{AWSServiceName: "elasticmapreduce.amazonaws.com"})
			return err
		}, "InvalidInput"},
		{"custom suffix", func() error {
			_, err := s.CreateServiceLinkedRole(ctx, root, &CreateServiceLinkedRoleInput{AWSServiceName: "lakeformation.amazonaws.com", CustomSuffix: "x"})
			return err
		}, "InvalidInput"},
		{"no permission", func() error { _, err := s.CreateServiceLinkedRole(ctx, nobody, lf); return err }, "AccessDenied"},
		{"allowed by the service-name condition", func() error { _, err := s.CreateServiceLinkedRole(ctx, admin, lf); return err }, ""},
		{"taken", func() error { _, err := s.CreateServiceLinkedRole(ctx, root, lf); return err }, "InvalidInput"},
	} {
		if got := code(c.run()); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	r, err := s.Role(ctx, "arn:aws:iam::123456789012:role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{r.Name, r.Path, string(r.ARN), r.TrustPolicy}
	want := []string{"AWSServiceRoleForLakeFormationDataAccess", "/aws-service-role/lakeformation.amazonaws.com/",
		"arn:aws:iam::123456789012:role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lakeformation.amazonaws.com"},"Action":"sts:AssumeRole"}]}`}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("role (-want +got):\n%s", d)
	}
}

// TestServiceLinkedRoleIsProtected: no caller, root included, changes a service-linked role's
// trust, permissions, boundary, session duration or existence; its description and tags may be
// edited, its policies read, and its service writes its own policies.
func TestServiceLinkedRoleIsProtected(t *testing.T) {
	s := newTestService(t)
	if _, err := s.CreateServiceLinkedRole(ctx, root, &CreateServiceLinkedRoleInput{AWSServiceName: "lakeformation.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	const name = "AWSServiceRoleForLakeFormationDataAccess"
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	managed, err := s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "wide", PolicyDocument: doc})
	if err != nil {
		t.Fatal(err)
	}
	desc := "edited"
	for _, c := range []struct {
		name string
		run  func() error
		want string
	}{
		{"trust", func() error {
			_, err := s.UpdateAssumeRolePolicy(ctx, root, &UpdateAssumeRolePolicyInput{RoleName: name,
				PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`})
			return err
		}, "UnmodifiableEntity"},
		{"inline policy", func() error {
			_, err := s.PutRolePolicy(ctx, root, &PutPolicyInput{RoleName: name, PolicyName: "p", PolicyDocument: doc})
			return err
		}, "UnmodifiableEntity"},
		{"attach", func() error {
			_, err := s.attach(kindRole, true)(ctx, root, &EntityPolicyInput{RoleName: name, PolicyArn: managed.Policy.Arn})
			return err
		}, "UnmodifiableEntity"},
		{"boundary", func() error {
			_, err := s.PutRolePermissionsBoundary(ctx, root, &PutRolePermissionsBoundaryInput{RoleName: name, PermissionsBoundary: managed.Policy.Arn})
			return err
		}, "UnmodifiableEntity"},
		{"session duration", func() error {
			_, err := s.UpdateRole(ctx, root, &UpdateRoleInput{RoleName: name, MaxSessionDuration: 7200})
			return err
		}, "UnmodifiableEntity"},
		{"delete", func() error { _, err := s.DeleteRole(ctx, root, &RoleNameInput{RoleName: name}); return err }, "UnmodifiableEntity"},
		{"description", func() error {
			_, err := s.UpdateRole(ctx, root, &UpdateRoleInput{RoleName: name, Description: &desc})
			return err
		}, ""},
		{"tags", func() error {
			_, err := s.TagRole(ctx, root, &TagRoleInput{RoleName: name, Tags: []identity.Tag{{Key: "team", Value: "lake"}}})
			return err
		}, ""},
		{"delete an inline policy", func() error {
			_, err := s.deleteInline(kindRole)(ctx, root, &EntityPolicyInput{RoleName: name, PolicyName: "absent"})
			return err
		}, "UnmodifiableEntity"},
		{"detach", func() error {
			_, err := s.attach(kindRole, false)(ctx, root, &EntityPolicyInput{RoleName: name, PolicyArn: managed.Policy.Arn})
			return err
		}, "UnmodifiableEntity"},
		{"remove the boundary", func() error {
			_, err := s.DeleteRolePermissionsBoundary(ctx, root, &RoleNameInput{RoleName: name})
			return err
		}, "UnmodifiableEntity"},
		{"a role at the reserved path", func() error {
			_, err := s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "squat", Path: "/aws-service-role/lakeformation.amazonaws.com/",
				AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`})
			return err
		}, "InvalidInput"},
		{"a service writes an ordinary role's policy (revoking sessions)", func() error {
			if _, err := s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "loc",
				AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lakeformation.amazonaws.com"},"Action":"sts:AssumeRole"}]}`}); err != nil {
				return err
			}
			return s.PutServiceRolePolicy(ctx, "lakeformation.amazonaws.com", &PutPolicyInput{RoleName: "loc", PolicyName: "AWSRevokeOlderSessions", PolicyDocument: doc})
		}, ""},
		{"its service writes its policy", func() error {
			return s.PutServiceRolePolicy(ctx, "lakeformation.amazonaws.com", &PutPolicyInput{RoleName: name, PolicyName: "locations", PolicyDocument: doc})
		}, ""},
		{"another service may not", func() error {
			return s.PutServiceRolePolicy(ctx, "glue.amazonaws.com", &PutPolicyInput{RoleName: name, PolicyName: "x", PolicyDocument: doc})
		}, "UnmodifiableEntity"},
	} {
		if got := code(c.run()); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	r, err := s.Role(ctx, "arn:aws:iam::123456789012:role/aws-service-role/lakeformation.amazonaws.com/"+name)
	if err != nil {
		t.Fatal(err)
	}
	if r.Description != "edited" || len(r.Inline) != 1 || r.Inline["locations"] == "" {
		t.Errorf("role after the refusals: description %q, inline %v", r.Description, r.Inline)
	}
}

// TestDeleteServiceLinkedRole: a role its service still uses is kept and the task fails naming
// what uses it; once unused, the role and the policies its service wrote go, the task succeeds,
// and a second deletion finds nothing. Ordinary roles, unknown and malformed task ids, and
// callers without the permissions are refused.
func TestDeleteServiceLinkedRole(t *testing.T) {
	inUse := []string{"arn:aws:s3:::lake/sales"}
	s := newTestService(t)
	s.usage = func(_ context.Context, _ store.Reader, svc string) ([]RoleUsage, error) {
		if svc != "lakeformation.amazonaws.com" || len(inUse) == 0 {
			return nil, nil
		}
		return []RoleUsage{{Region: "us-east-1", Resources: inUse}}, nil
	}
	const name = "AWSServiceRoleForLakeFormationDataAccess"
	if _, err := s.CreateServiceLinkedRole(ctx, root, &CreateServiceLinkedRoleInput{AWSServiceName: "lakeformation.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	if err := s.PutServiceRolePolicy(ctx, "lakeformation.amazonaws.com", &PutPolicyInput{RoleName: name, PolicyName: "locations", PolicyDocument: doc}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "plain",
		AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`}); err != nil {
		t.Fatal(err)
	}
	nobody := userPrincipal(t, s, "nobody")
	status := func(p *identity.Principal, id string) (*GetServiceLinkedRoleDeletionStatusOutput, error) {
		return s.GetServiceLinkedRoleDeletionStatus(ctx, p, &GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: id})
	}
	del := func(p *identity.Principal, role string) (string, error) {
		out, err := s.DeleteServiceLinkedRole(ctx, p, &RoleNameInput{RoleName: role})
		if err != nil {
			return "", err
		}
		return out.DeletionTaskId, nil
	}

	for _, c := range []struct {
		name string
		p    *identity.Principal
		role string
		want string
	}{
		{"no permission", nobody, name, "AccessDenied"},
		{"not service-linked", root, "plain", "NoSuchEntity"},
		{"absent", root, "Nope", "NoSuchEntity"},
	} {
		if _, err := del(c.p, c.role); code(err) != c.want {
			t.Errorf("%s: got %q, want %q", c.name, code(err), c.want)
		}
	}

	failed, err := del(root, name)
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "task/aws-service-role/lakeformation.amazonaws.com/" + name + "/"
	if !strings.HasPrefix(failed, prefix) || len(failed) == len(prefix) {
		t.Errorf("task id %q, want %s<id>", failed, prefix)
	}
	got, err := status(root, failed)
	if err != nil {
		t.Fatal(err)
	}
	want := &GetServiceLinkedRoleDeletionStatusOutput{Status: "FAILED", Reason: &DeletionTaskFailureReason{
		Reason:        "The service-linked role " + name + " is in use by 1 lakeformation.amazonaws.com resource(s); remove them from the service first.",
		RoleUsageList: []RoleUsage{{Region: "us-east-1", Resources: inUse}}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("failed task (-want +got):\n%s", d)
	}
	if _, err := s.Role(ctx, "arn:aws:iam::123456789012:role/aws-service-role/lakeformation.amazonaws.com/"+name); err != nil {
		t.Fatalf("the role in use was deleted: %v", err)
	}

	inUse = nil
	done, err := del(root, name)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := status(root, done); err != nil || got.Status != "SUCCEEDED" || got.Reason != nil {
		t.Errorf("status after deletion = %+v, %v; want SUCCEEDED", got, err)
	}
	if _, err := s.Role(ctx, "arn:aws:iam::123456789012:role/aws-service-role/lakeformation.amazonaws.com/"+name); code(err) != "NoSuchEntity" {
		t.Errorf("role after deletion: %v", err)
	}
	if _, err := del(root, name); code(err) != "NoSuchEntity" {
		t.Errorf("second deletion: %q, want NoSuchEntity", code(err))
	}
	// The role can be created again, without the policies of the old one.
	out, err := s.CreateServiceLinkedRole(ctx, root, &CreateServiceLinkedRoleInput{AWSServiceName: "lakeformation.amazonaws.com"})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.Role(ctx, string(out.Role.Arn)); err != nil || len(r.Inline) != 0 {
		t.Errorf("recreated role: inline %v, %v", r.Inline, err)
	}

	for _, c := range []struct {
		name string
		p    *identity.Principal
		id   string
		want string
	}{
		{"no permission", nobody, done, "AccessDenied"},
		{"unknown task", root, prefix + "00000000", "NoSuchEntity"},
		{"not a task id", root, "task/x", "InvalidInput"},
		{"no role", root, "task/aws-service-role/lakeformation.amazonaws.com//abc", "InvalidInput"},
		{"no id", root, prefix, "InvalidInput"},
		{"no service", root, "task/aws-service-role/" + name + "/abc", "InvalidInput"},
		{"a NUL in the id", root, prefix + "a\x00b", "InvalidInput"},
		{"a bad role name", root, "task/aws-service-role/lakeformation.amazonaws.com/r*le/abc", "InvalidInput"},
		{"an earlier task of the role", root, failed, "NoSuchEntity"},
	} {
		if _, err := status(c.p, c.id); code(err) != c.want {
			t.Errorf("status, %s: got %q, want %q", c.name, code(err), c.want)
		}
	}
}
