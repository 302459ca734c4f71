package iam

import "testing"

func TestSmoke(t *testing.T) {
	s := newTestService(t)
	u := must[*UserOutput](t)(s.CreateUser(ctx, root, &CreateUserInput{UserName: "alice"}))
	if u.User.UserId[:4] != "AIDA" || len(u.User.UserId) != 21 {
		t.Fatalf("id %q", u.User.UserId)
	}
	k := must[*CreateAccessKeyOutput](t)(s.CreateAccessKey(ctx, root, &CreateAccessKeyInput{UserName: "alice"}))
	cred, err := s.Lookup(ctx, k.AccessKey.AccessKeyId, "")
	if err != nil || cred.Secret.Reveal() != k.AccessKey.SecretAccessKey {
		t.Fatalf("lookup: %v", err)
	}
	if _, err = s.ListUsers(ctx, cred.Principal, &ListUsersInput{}); code(err) != "AccessDenied" {
		t.Fatalf("list: %v", err)
	}
	must[*Empty](t)(s.putInline(kindUser)(ctx, root, &PutPolicyInput{UserName: "alice", PolicyName: "p", PolicyDocument: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}}`}))
	if _, err := s.ListUsers(ctx, cred.Principal, &ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
}
