package iam

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAccountAuthorizationDetailsPaging(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	for _, u := range []string{"carol", "alice", "bob"} {
		if _, err := s.CreateUser(ctx, root, &CreateUserInput{UserName: u}); err != nil {
			t.Fatal(err)
		}
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + string(acct) + `:root"},"Action":"sts:AssumeRole"}]}`
	for _, r := range []string{"zeta", "eta"} {
		if _, err := s.CreateRole(ctx, root, &CreateRoleInput{RoleName: r, AssumeRolePolicyDocument: trust}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "read",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`}); err != nil {
		t.Fatal(err)
	}
	var got []string
	var pages []bool
	marker := ""
	for range 10 {
		out, err := s.GetAccountAuthorizationDetails(ctx, root, &GetAccountAuthorizationDetailsInput{MaxItems: 2, Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range out.UserDetailList {
			got = append(got, "user/"+u.UserName)
		}
		for _, r := range out.RoleDetailList {
			got = append(got, "role/"+r.RoleName)
		}
		for _, p := range out.Policies {
			got = append(got, "policy/"+p.PolicyName)
		}
		pages = append(pages, out.IsTruncated)
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	want := []string{"user/alice", "user/bob", "user/carol", "role/eta", "role/zeta", "policy/read"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged details (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]bool{true, true, false}, pages); diff != "" {
		t.Errorf("IsTruncated per page (-want +got):\n%s", diff)
	}
	out, err := s.GetAccountAuthorizationDetails(ctx, root, &GetAccountAuthorizationDetailsInput{Filter: []string{"Role"}})
	if err != nil || len(out.RoleDetailList) != 2 || len(out.UserDetailList) != 0 || out.IsTruncated {
		t.Errorf("filter Role: %+v %v", out, err)
	}
}
