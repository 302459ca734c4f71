package iam

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/store"
)

// userPrincipal creates user name with the given inline policies and returns its principal, as
// Lookup builds it from a fresh access key.
func userPrincipal(t testing.TB, s *Service, name string, docs ...string) *identity.Principal {
	t.Helper()
	must[*UserOutput](t)(s.CreateUser(ctx, root, &CreateUserInput{UserName: name}))
	for i, d := range docs {
		must[*Empty](t)(s.putInline(kindUser)(ctx, root, &PutPolicyInput{UserName: name, PolicyName: "p" + string(rune('0'+i)), PolicyDocument: d}))
	}
	k := must[*CreateAccessKeyOutput](t)(s.CreateAccessKey(ctx, root, &CreateAccessKeyInput{UserName: name}))
	return must[*identity.Credential](t)(s.Lookup(ctx, k.AccessKey.AccessKeyId, "")).Principal
}

// snapshot is every IAM record but the generation and last-use stamps.
func snapshot(t testing.TB, s *Service) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, ns := range []string{nsUser, nsRole, nsGroup, nsPolicy, nsOIDC, nsKey} {
		recs, err := s.st.List(ctx, ns, store.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			out[ns+"/"+r.Key] = string(r.Value)
		}
	}
	return out
}

func TestDeniedMessage(t *testing.T) {
	s := newTestService(t)
	p := userPrincipal(t, s, "bob")
	_, err := s.CreateRole(ctx, p, &CreateRoleInput{RoleName: "x", AssumeRolePolicyDocument: glueTrust})
	e := awsproto.As(err)
	if e == nil || e.Code != "AccessDenied" || e.Status != 403 {
		t.Fatalf("got %v", err)
	}
	want := "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::123456789012:role/x because no identity-based policy allows the iam:CreateRole action"
	if e.Message != want {
		t.Errorf("message:\n got %s\nwant %s", e.Message, want)
	}
	// A denied caller learns nothing about existence: same code for present and absent users.
	must[*UserOutput](t)(s.CreateUser(ctx, root, &CreateUserInput{UserName: "carol"}))
	_, e1 := s.GetUser(ctx, p, &GetUserInput{UserName: "carol"})
	_, e2 := s.GetUser(ctx, p, &GetUserInput{UserName: "nobody"})
	if code(e1) != "AccessDenied" || code(e2) != "AccessDenied" {
		t.Errorf("existing: %v; absent: %v", e1, e2)
	}
}

func TestGetUserSelfNeedsPermission(t *testing.T) {
	s := newTestService(t)
	self := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::123456789012:user/${aws:username}"}]}`
	bare := userPrincipal(t, s, "bare")
	withSelf := userPrincipal(t, s, "selfy", self)
	if _, err := s.GetUser(ctx, bare, &GetUserInput{}); code(err) != "AccessDenied" {
		t.Errorf("without permission: %v", err)
	}
	out, err := s.GetUser(ctx, withSelf, &GetUserInput{})
	if err != nil || out.User.UserName != "selfy" {
		t.Errorf("self: %v %+v", err, out)
	}
	if _, err := s.GetUser(ctx, withSelf, &GetUserInput{UserName: "bare"}); code(err) != "AccessDenied" {
		t.Errorf("other user: %v", err)
	}
	r := must[*UserOutput](t)(s.GetUser(ctx, root, &GetUserInput{}))
	if r.User.Arn != "arn:aws:iam::123456789012:root" {
		t.Errorf("root: %+v", r.User)
	}
}

func TestPrivilegeEscalation(t *testing.T) {
	s := newTestService(t)
	ownKeys := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:ListAccessKeys","iam:DeleteAccessKey"],"Resource":"arn:aws:iam::123456789012:user/${aws:username}"}]}`
	admin := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	must[*PolicyOutput](t)(s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "Admin", PolicyDocument: admin}))
	adminARN := "arn:aws:iam::123456789012:policy/Admin"
	victim := userPrincipal(t, s, "victim")
	self := userPrincipal(t, s, "self", ownKeys)

	before := snapshot(t, s)
	denied := []struct {
		name string
		do   func() error
	}{
		{"attach admin to itself", func() error {
			_, err := s.attach(kindUser, true)(ctx, self, &EntityPolicyInput{UserName: "self", PolicyArn: identity.ARN(adminARN)})
			return err
		}},
		{"put an inline admin policy on itself", func() error {
			_, err := s.putInline(kindUser)(ctx, self, &PutPolicyInput{UserName: "self", PolicyName: "x", PolicyDocument: admin})
			return err
		}},
		{"create keys for another user", func() error {
			_, err := s.CreateAccessKey(ctx, self, &CreateAccessKeyInput{UserName: "victim"})
			return err
		}},
		{"create a policy version", func() error {
			_, err := s.CreatePolicyVersion(ctx, self, &CreatePolicyVersionInput{PolicyArn: identity.ARN(adminARN), PolicyDocument: admin, SetAsDefault: true})
			return err
		}},
		{"create a role", func() error {
			_, err := s.CreateRole(ctx, self, &CreateRoleInput{RoleName: "escape", AssumeRolePolicyDocument: glueTrust})
			return err
		}},
		{"add itself to a group", func() error {
			_, err := s.AddUserToGroup(ctx, self, &GroupMembershipInput{GroupName: "admins", UserName: "self"})
			return err
		}},
		{"delete the victim's key", func() error {
			ks := must[*ListAccessKeysOutput](t)(s.ListAccessKeys(ctx, root, &ListAccessKeysInput{UserName: "victim"}))
			_, err := s.DeleteAccessKey(ctx, self, &DeleteAccessKeyInput{UserName: "victim", AccessKeyId: ks.AccessKeyMetadata[0].AccessKeyId})
			return err
		}},
	}
	for _, d := range denied {
		if got := code(d.do()); got != "AccessDenied" {
			t.Errorf("%s: %q, want AccessDenied", d.name, got)
		}
	}
	if d := cmp.Diff(before, snapshot(t, s)); d != "" {
		t.Errorf("denied calls changed state (-before +after):\n%s", d)
	}
	// What it is allowed: its own keys (the second is created here).
	if _, err := s.CreateAccessKey(ctx, self, &CreateAccessKeyInput{}); err != nil {
		t.Errorf("own key: %v", err)
	}
	_ = victim
}

func TestBoundaryCapsIAMStar(t *testing.T) {
	s := newTestService(t)
	iamStar := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`
	admin := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	boundary := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*","iam:AttachUserPolicy","iam:PutUserPolicy"],"Resource":"*"}]}`
	must[*PolicyOutput](t)(s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "Admin", PolicyDocument: admin}))
	must[*PolicyOutput](t)(s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "Bound", PolicyDocument: boundary}))
	p := userPrincipal(t, s, "op", iamStar)
	must[*Empty](t)(s.PutUserPermissionsBoundary(ctx, root, &UserBoundaryInput{UserName: "op", PermissionsBoundary: "arn:aws:iam::123456789012:policy/Bound"}))

	// It may attach admin policies to itself (the boundary allows that) ...
	must[*Empty](t)(s.attach(kindUser, true)(ctx, p, &EntityPolicyInput{UserName: "op", PolicyArn: "arn:aws:iam::123456789012:policy/Admin"}))
	must[*Empty](t)(s.putInline(kindUser)(ctx, p, &PutPolicyInput{UserName: "op", PolicyName: "more", PolicyDocument: admin}))
	// ... but still cannot do anything outside the boundary.
	cases := []struct{ action, resource, want string }{
		{"iam:CreateRole", "arn:aws:iam::123456789012:role/x", "ImplicitDeny"},
		{"iam:DeleteUserPermissionsBoundary", "arn:aws:iam::123456789012:user/op", "ImplicitDeny"},
		{"s3:GetObject", "arn:aws:s3:::b/k", "ImplicitDeny"},
		{"iam:ListUsers", "*", "Allow"},
	}
	for _, c := range cases {
		r, err := s.Decide(ctx, p, AuthzRequest{Action: c.action, Resource: c.resource})
		if err != nil || r.Decision.String() != c.want {
			t.Errorf("%s: %v %v, want %s", c.action, r.Decision, err, c.want)
		}
	}
	_, err := s.DeleteUserPermissionsBoundary(ctx, p, &UserBoundaryInput{UserName: "op"})
	if e := awsproto.As(err); e == nil || !strings.Contains(e.Message, "no permissions boundary allows") {
		t.Errorf("removing its boundary: %v", err)
	}
}

func TestAuthorizeRoleSession(t *testing.T) {
	s := newTestService(t)
	data := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/${aws:PrincipalTag/team}/*"},
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::data"}]}`
	must[*RoleOutput](t)(s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "app", Path: "/svc/", AssumeRolePolicyDocument: glueTrust,
		Tags: []identity.Tag{{Key: "team", Value: "red"}}}))
	must[*Empty](t)(s.putInline(kindRole)(ctx, root, &PutPolicyInput{RoleName: "app", PolicyName: "data", PolicyDocument: data}))
	session := func(sess identity.Session) *identity.Principal {
		sess.RoleARN, sess.RoleName, sess.Name = "arn:aws:iam::123456789012:role/svc/app", "app", "s1"
		return &identity.Principal{Type: identity.AssumedRole, Account: acct, ARN: "arn:aws:sts::123456789012:assumed-role/app/s1",
			ID: "AROAEXAMPLE:s1", Session: &sess}
	}
	cases := []struct {
		name     string
		p        *identity.Principal
		action   string
		resource string
		want     string
	}{
		{"role tag", session(identity.Session{}), "s3:GetObject", "arn:aws:s3:::data/red/x", "Allow"},
		{"other team", session(identity.Session{}), "s3:GetObject", "arn:aws:s3:::data/blue/x", "ImplicitDeny"},
		{"session tag overrides role tag", session(identity.Session{Tags: []identity.Tag{{Key: "TEAM", Value: "blue"}}}), "s3:GetObject", "arn:aws:s3:::data/blue/x", "Allow"},
		{"session tag overrides role tag (old value)", session(identity.Session{Tags: []identity.Tag{{Key: "team", Value: "blue"}}}), "s3:GetObject", "arn:aws:s3:::data/red/x", "ImplicitDeny"},
		{"session policy narrows", session(identity.Session{InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`}), "s3:GetObject", "arn:aws:s3:::data/red/x", "ImplicitDeny"},
		{"session policy allows within role", session(identity.Session{InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`}), "s3:GetObject", "arn:aws:s3:::data/red/x", "Allow"},
		{"session policy cannot widen", session(identity.Session{InlinePolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}), "iam:ListUsers", "*", "ImplicitDeny"},
		{"unparseable session policy allows nothing", session(identity.Session{InlinePolicy: `nope`}), "s3:ListBucket", "arn:aws:s3:::data", "ExplicitDeny"},
		{"missing session policy ARN allows nothing", session(identity.Session{PolicyARNs: []identity.ARN{"arn:aws:iam::123456789012:policy/none"}}), "s3:ListBucket", "arn:aws:s3:::data", "ImplicitDeny"},
		{"anonymous", &identity.Principal{}, "s3:ListBucket", "arn:aws:s3:::data", "ImplicitDeny"},
		{"root", root, "iam:DeleteRole", "arn:aws:iam::123456789012:role/x", "Allow"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := s.Decide(ctx, c.p, AuthzRequest{Action: c.action, Resource: c.resource})
			if err != nil || r.Decision.String() != c.want {
				t.Errorf("got %v (%v) %v, want %s", r.Decision, r.Reason, err, c.want)
			}
		})
	}
}

func TestGlobalKeys(t *testing.T) {
	s := newTestService(t)
	p := userPrincipal(t, s, "kim")
	must[*Empty](t)(s.TagUser(ctx, root, &TagUserInput{UserName: "kim", Tags: []identity.Tag{{Key: "dept", Value: "eng"}}}))
	rctx := identity.WithRequestInfo(ctx, &identity.RequestInfo{SourceIP: "10.0.0.7", SecureTransport: true, UserAgent: "aws-cli/2", Time: t0, Region: "eu-west-1"})
	c := policy.NewContext()
	if _, err := s.Decide(rctx, p, AuthzRequest{Action: "s3:GetObject", Resource: "*", Context: c}); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, k := range []string{"aws:PrincipalArn", "aws:PrincipalAccount", "aws:PrincipalType", "aws:userid", "aws:username",
		"aws:PrincipalTag/dept", "aws:CurrentTime", "aws:EpochTime", "aws:SourceIp", "aws:SecureTransport",
		"aws:MultiFactorAuthPresent", "aws:RequestedRegion", "aws:UserAgent"} {
		vs, _ := c.Get(k)
		got[k] = strings.Join(vs, ",")
	}
	want := map[string]string{
		"aws:PrincipalArn": "arn:aws:iam::123456789012:user/kim", "aws:PrincipalAccount": "123456789012", "aws:PrincipalType": "User",
		"aws:userid": string(p.ID), "aws:username": "kim", "aws:PrincipalTag/dept": "eng", "aws:CurrentTime": "2026-03-01T12:00:00Z",
		"aws:EpochTime": "1772366400", "aws:SourceIp": "10.0.0.7", "aws:SecureTransport": "true", "aws:MultiFactorAuthPresent": "false",
		"aws:RequestedRegion": "eu-west-1", "aws:UserAgent": "aws-cli/2",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestReplicasSeeChanges(t *testing.T) {
	a := newTestService(t)
	b := New(a.st, a.ring, acct, &Options{Now: a.now})
	p := userPrincipal(t, a, "ann")
	req := AuthzRequest{Action: "iam:ListUsers", Resource: "*"}
	decide := func(s *Service) string {
		r, err := s.Decide(ctx, p, req)
		if err != nil {
			t.Fatal(err)
		}
		return r.Decision.String()
	}
	got := []string{decide(a), decide(b)}
	must[*Empty](t)(a.putInline(kindUser)(ctx, root, &PutPolicyInput{UserName: "ann", PolicyName: "l", PolicyDocument: listUsersDoc}))
	got = append(got, decide(a), decide(b))
	must[*Empty](t)(b.deleteInline(kindUser)(ctx, root, &EntityPolicyInput{UserName: "ann", PolicyName: "l"}))
	got = append(got, decide(a), decide(b))
	want := []string{"ImplicitDeny", "ImplicitDeny", "Allow", "Allow", "ImplicitDeny", "ImplicitDeny"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// A key deleted on one replica stops working on the other at once.
	ks := must[*ListAccessKeysOutput](t)(a.ListAccessKeys(ctx, root, &ListAccessKeysInput{UserName: "ann"}))
	id := ks.AccessKeyMetadata[0].AccessKeyId
	must[*identity.Credential](t)(b.Lookup(ctx, id, ""))
	must[*Empty](t)(a.DeleteAccessKey(ctx, root, &DeleteAccessKeyInput{UserName: "ann", AccessKeyId: id}))
	if _, err := b.Lookup(ctx, id, ""); err != identity.ErrUnknownAccessKey {
		t.Errorf("deleted key on the other replica: %v", err)
	}
}

func TestGroupAndManagedPolicies(t *testing.T) {
	s := fixture(t)
	p := userPrincipal(t, s, "gina")
	must[*PolicyOutput](t)(s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "lu", PolicyDocument: listUsersDoc}))
	must[*Empty](t)(s.attach(kindGroup, true)(ctx, root, &EntityPolicyInput{GroupName: "g", PolicyArn: "arn:aws:iam::123456789012:policy/lu"}))
	decide := func() string {
		r := must[policy.Result](t)(s.Decide(ctx, p, AuthzRequest{Action: "iam:ListUsers", Resource: "*"}))
		return r.Decision.String()
	}
	got := []string{decide()}
	must[*Empty](t)(s.AddUserToGroup(ctx, root, &GroupMembershipInput{GroupName: "g", UserName: "gina"}))
	got = append(got, decide())
	// A new default version that denies takes effect at once.
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*"}]}`
	must[*PolicyVersionOutput](t)(s.CreatePolicyVersion(ctx, root, &CreatePolicyVersionInput{PolicyArn: "arn:aws:iam::123456789012:policy/lu", PolicyDocument: deny, SetAsDefault: true}))
	got = append(got, decide())
	must[*Empty](t)(s.SetDefaultPolicyVersion(ctx, root, &PolicyVersionInput{PolicyArn: "arn:aws:iam::123456789012:policy/lu", VersionId: "v1"}))
	got = append(got, decide())
	must[*Empty](t)(s.RemoveUserFromGroup(ctx, root, &GroupMembershipInput{GroupName: "g", UserName: "gina"}))
	got = append(got, decide())
	if d := cmp.Diff([]string{"ImplicitDeny", "Allow", "ExplicitDeny", "Allow", "ImplicitDeny"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestSimulateAgreesWithDecide(t *testing.T) {
	s := fixture(t)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}},
		{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/secret/*"}]}`
	must[*Empty](t)(s.putInline(kindUser)(ctx, root, &PutPolicyInput{UserName: "u", PolicyName: "s3", PolicyDocument: doc}))
	out := must[*SimulateOutput](t)(s.SimulatePrincipalPolicy(ctx, root, &SimulateInput{PolicySourceArn: "arn:aws:iam::123456789012:user/u",
		ActionNames: []string{"s3:GetObject", "s3:PutObject"}, ResourceArns: []string{"arn:aws:s3:::b/x", "arn:aws:s3:::b/secret/y"},
		ContextEntries: []ContextEntry{{ContextKeyName: "aws:RequestedRegion", ContextKeyValues: []string{"eu-west-1"}, ContextKeyType: "string"}}}))
	var got []string
	for _, r := range out.EvaluationResults {
		got = append(got, r.EvalActionName+" "+r.EvalResourceName+" "+r.EvalDecision)
	}
	want := []string{
		"s3:GetObject arn:aws:s3:::b/x allowed", "s3:GetObject arn:aws:s3:::b/secret/y explicitDeny",
		"s3:PutObject arn:aws:s3:::b/x implicitDeny", "s3:PutObject arn:aws:s3:::b/secret/y implicitDeny",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if ms := out.EvaluationResults[0].MatchedStatements; len(ms) != 1 || ms[0].SourcePolicyId != "user/u inline s3" || ms[0].SourcePolicyType != "user" {
		t.Errorf("matched statements %+v", ms)
	}
	// Custom simulation with a boundary.
	c := must[*SimulateOutput](t)(s.SimulateCustomPolicy(ctx, root, &SimulateInput{PolicyInputList: []string{allowAll},
		PermissionsBoundaryPolicyInputList: []string{listUsersDoc}, ActionNames: []string{"iam:ListUsers", "iam:CreateUser"}}))
	got = nil
	for _, r := range c.EvaluationResults {
		got = append(got, r.EvalActionName+" "+r.EvalDecision)
	}
	if d := cmp.Diff([]string{"iam:ListUsers allowed", "iam:CreateUser implicitDeny"}, got); d != "" {
		t.Errorf("custom (-want +got):\n%s", d)
	}
}

// TestEveryRouteAuthorizes calls every IAM operation as a user without policies: each must be
// refused with AccessDenied, which proves that it reaches the policy engine before acting.
func TestEveryRouteAuthorizes(t *testing.T) {
	s := fixture(t)
	p := userPrincipal(t, s, "nobody")
	params := url.Values{
		"UserName": {"u"}, "GroupName": {"g"}, "RoleName": {"r"}, "PolicyName": {"pol"}, "PolicyArn": {string(polARN)},
		"PolicyDocument": {allowAll}, "AssumeRolePolicyDocument": {glueTrust}, "AccessKeyId": {"AKIAAAAAAAAAAAAAAAAA"},
		"Status": {"Active"}, "VersionId": {"v1"}, "Url": {"https://issuer.example.com"},
		"OpenIDConnectProviderArn": {"arn:aws:iam::123456789012:oidc-provider/issuer.example.com"}, "ClientID": {"c"},
		"Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {"v"}, "TagKeys.member.1": {"k"},
		"PolicySourceArn": {"arn:aws:iam::123456789012:user/u"}, "ActionNames.member.1": {"s3:GetObject"},
		"PolicyInputList.member.1": {allowAll}, "PermissionsBoundary": {string(polARN)}, "Description": {"d"},
		"AWSServiceName": {"lakeformation.amazonaws.com"},
		"DeletionTaskId": {"task/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess/x"},
	}
	routes := s.Routes()
	before := snapshot(t, s)
	for _, name := range routes.Operations() {
		c := &awsproto.Call{Service: awsproto.IAM, Principal: p}
		_, err := routes.Ops[name](ctx, c, params)
		if got := code(err); got != "AccessDenied" {
			t.Errorf("%s: %q, want AccessDenied", name, got)
		}
	}
	if d := cmp.Diff(before, snapshot(t, s)); d != "" {
		t.Errorf("denied calls changed state (-before +after):\n%s", d)
	}
	if n := len(routes.Ops); n < 70 {
		t.Errorf("only %d operations", n)
	}
}

func TestRoleLookup(t *testing.T) {
	s := newTestService(t)
	must[*RoleOutput](t)(s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "App", Path: "/svc/", AssumeRolePolicyDocument: glueTrust, MaxSessionDuration: 7200}))
	cases := []struct{ in, want string }{
		{"App", ""}, {"app", ""}, {"arn:aws:iam::123456789012:role/svc/App", ""}, {"arn:aws:iam::123456789012:role/svc/app", ""},
		{"arn:aws:iam::123456789012:role/App", "NoSuchEntity"}, {"arn:aws:iam::210987654321:role/svc/App", "NoSuchEntity"},
		{"missing", "NoSuchEntity"},
	}
	for _, c := range cases {
		r, err := s.Role(ctx, c.in)
		if code(err) != c.want {
			t.Errorf("Role(%q): %v, want %q", c.in, err, c.want)
		}
		if err == nil && (r.MaxSessionDuration != 2*time.Hour || r.Trust == nil || r.ARN != "arn:aws:iam::123456789012:role/svc/App") {
			t.Errorf("Role(%q) = %+v", c.in, r)
		}
	}
}

func TestRootTrust(t *testing.T) {
	const acct = "123456789012"
	root := identity.NewRoot(acct, "AKIAROOT")
	trust := func(stmt string) *policy.Policy {
		p, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[`+stmt+`]}`), policy.Resource)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tagged := policy.NewContext()
	tagged.Set("aws:RequestTag/team", "data")
	tests := []struct {
		name  string
		trust string
		ctx   *policy.Context
		want  policy.Decision
	}{
		{"names only another role", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/job"},"Action":"sts:AssumeRole"}`, nil, policy.ImplicitDeny},
		{"names the account", `{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}`, nil, policy.Allow},
		{"names the root ARN", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}`, nil, policy.Allow},
		{"another account", `{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"sts:AssumeRole"}`, nil, policy.ImplicitDeny},
		{"account with a condition unmet", `{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:RequestTag/team":"data"}}}`, nil, policy.ImplicitDeny},
		{"account with a condition met", `{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:RequestTag/team":"data"}}}`, tagged, policy.Allow},
		{"service stand-in", `{"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole"}`, nil, policy.Allow},
		{"service for another action", `{"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:TagSession"}`, nil, policy.ImplicitDeny},
		{"explicit deny of root", `{"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}`, nil, policy.ExplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := rootTrust(root, AuthzRequest{Action: "sts:AssumeRole", Resource: "arn:aws:iam::123456789012:role/r",
				ResourcePolicy: trust(tc.trust), ResourceRequired: true, Context: tc.ctx})
			if r.Decision != tc.want {
				t.Errorf("decision %v, want %v", r.Decision, tc.want)
			}
		})
	}
}
