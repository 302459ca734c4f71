package iam

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
)

const (
	allowAll     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	glueTrust    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	listUsersDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`
)

func TestNameAndPathRules(t *testing.T) {
	long := strings.Repeat("a", 65)
	cases := []struct {
		name, user, path, want string
	}{
		{"plain", "alice", "", ""},
		{"all allowed characters", "a_b+c=d,e.f@g-h", "", ""},
		{"64 characters", long[:64], "", ""},
		{"65 characters", long, "", "ValidationError"},
		{"empty", "", "", "ValidationError"},
		{"slash", "a/b", "", "ValidationError"},
		{"space", "a b", "", "ValidationError"},
		{"path root", "p1", "/", ""},
		{"nested path", "p2", "/a/b/", ""},
		{"path without trailing slash", "p3", "/a", "ValidationError"},
		{"path without leading slash", "p4", "a/", "ValidationError"},
		{"path with double slash", "p5", "/a//b/", "ValidationError"},
		{"path too long", "p6", "/" + strings.Repeat("a", 511) + "/", "ValidationError"},
	}
	s := newTestService(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, root, &CreateUserInput{UserName: c.user, Path: c.path})
			if got := code(err); got != c.want {
				t.Errorf("CreateUser(%q, %q) = %q, want %q", c.user, c.path, got, c.want)
			}
			_, err = s.CreateRole(ctx, root, &CreateRoleInput{RoleName: c.user, Path: c.path, AssumeRolePolicyDocument: glueTrust})
			if got := code(err); got != c.want {
				t.Errorf("CreateRole(%q, %q) = %q, want %q", c.user, c.path, got, c.want)
			}
		})
	}
}

func TestARNsAndIDs(t *testing.T) {
	s := newTestService(t)
	u := must[*UserOutput](t)(s.CreateUser(ctx, root, &CreateUserInput{UserName: "bob", Path: "/eng/"}))
	r := must[*RoleOutput](t)(s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "app", Path: "/svc/", AssumeRolePolicyDocument: glueTrust}))
	g := must[*GroupOutput](t)(s.CreateGroup(ctx, root, &CreateGroupInput{GroupName: "devs"}))
	p := must[*PolicyOutput](t)(s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "pol", PolicyDocument: allowAll, Path: "/x/"}))
	k := must[*CreateAccessKeyOutput](t)(s.CreateAccessKey(ctx, root, &CreateAccessKeyInput{UserName: "bob"}))
	got := []string{string(u.User.Arn), string(r.Role.Arn), string(g.Group.Arn), string(p.Policy.Arn)}
	want := []string{"arn:aws:iam::123456789012:user/eng/bob", "arn:aws:iam::123456789012:role/svc/app",
		"arn:aws:iam::123456789012:group/devs", "arn:aws:iam::123456789012:policy/x/pol"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ARNs (-want +got):\n%s", d)
	}
	for prefix, id := range map[string]string{"AIDA": u.User.UserId, "AROA": r.Role.RoleId, "AGPA": g.Group.GroupId, "ANPA": p.Policy.PolicyId} {
		if !strings.HasPrefix(id, prefix) || len(id) != 21 || strings.ToUpper(id) != id {
			t.Errorf("id %q: want %s + 17 upper-case base32", id, prefix)
		}
	}
	if id := string(k.AccessKey.AccessKeyId); !strings.HasPrefix(id, "AKIA") || len(id) != 20 || len(k.AccessKey.SecretAccessKey) != 40 {
		t.Errorf("key %q / secret length %d", id, len(k.AccessKey.SecretAccessKey))
	}
	if r.Role.MaxSessionDuration != 3600 {
		t.Errorf("default MaxSessionDuration %d", r.Role.MaxSessionDuration)
	}
}

func TestCaseInsensitiveUniqueness(t *testing.T) {
	s := newTestService(t)
	must[*UserOutput](t)(s.CreateUser(ctx, root, &CreateUserInput{UserName: "Alice"}))
	must[*RoleOutput](t)(s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "Data", AssumeRolePolicyDocument: glueTrust}))
	must[*GroupOutput](t)(s.CreateGroup(ctx, root, &CreateGroupInput{GroupName: "Ops"}))
	must[*PolicyOutput](t)(s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "Read", PolicyDocument: allowAll}))
	errs := map[string]string{}
	_, err := s.CreateUser(ctx, root, &CreateUserInput{UserName: "alice", Path: "/other/"})
	errs["user"] = code(err)
	_, err = s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "DATA", AssumeRolePolicyDocument: glueTrust})
	errs["role"] = code(err)
	_, err = s.CreateGroup(ctx, root, &CreateGroupInput{GroupName: "ops"})
	errs["group"] = code(err)
	_, err = s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "read", PolicyDocument: allowAll, Path: "/p/"})
	errs["policy"] = code(err)
	want := map[string]string{"user": "EntityAlreadyExists", "role": "EntityAlreadyExists", "group": "EntityAlreadyExists", "policy": "EntityAlreadyExists"}
	if d := cmp.Diff(want, errs); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// Lookups by any case find the entity and keep its own spelling.
	u := must[*UserOutput](t)(s.GetUser(ctx, root, &GetUserInput{UserName: "ALICE"}))
	r := must[*Role](t)(s.Role(ctx, "data"))
	if u.User.UserName != "Alice" || r.Name != "Data" {
		t.Errorf("got %q, %q", u.User.UserName, r.Name)
	}
}

func TestDeleteConflict(t *testing.T) {
	cases := []struct {
		name  string
		setup func(s *Service)
		del   func(s *Service) error
		fix   func(s *Service)
	}{
		{"user with access key",
			func(s *Service) { s.CreateAccessKey(ctx, root, &CreateAccessKeyInput{UserName: "u"}) },
			func(s *Service) error { _, err := s.DeleteUser(ctx, root, &DeleteUserInput{UserName: "u"}); return err },
			func(s *Service) {
				ks, _ := s.ListAccessKeys(ctx, root, &ListAccessKeysInput{UserName: "u"})
				s.DeleteAccessKey(ctx, root, &DeleteAccessKeyInput{UserName: "u", AccessKeyId: ks.AccessKeyMetadata[0].AccessKeyId})
			}},
		{"user with inline policy",
			func(s *Service) {
				s.putInline(kindUser)(ctx, root, &PutPolicyInput{UserName: "u", PolicyName: "p", PolicyDocument: allowAll})
			},
			func(s *Service) error { _, err := s.DeleteUser(ctx, root, &DeleteUserInput{UserName: "u"}); return err },
			func(s *Service) {
				s.deleteInline(kindUser)(ctx, root, &EntityPolicyInput{UserName: "u", PolicyName: "p"})
			}},
		{"user with attached policy",
			func(s *Service) {
				s.attach(kindUser, true)(ctx, root, &EntityPolicyInput{UserName: "u", PolicyArn: polARN})
			},
			func(s *Service) error { _, err := s.DeleteUser(ctx, root, &DeleteUserInput{UserName: "u"}); return err },
			func(s *Service) {
				s.attach(kindUser, false)(ctx, root, &EntityPolicyInput{UserName: "u", PolicyArn: polARN})
			}},
		{"user in a group",
			func(s *Service) { s.AddUserToGroup(ctx, root, &GroupMembershipInput{GroupName: "g", UserName: "u"}) },
			func(s *Service) error { _, err := s.DeleteUser(ctx, root, &DeleteUserInput{UserName: "u"}); return err },
			func(s *Service) {
				s.RemoveUserFromGroup(ctx, root, &GroupMembershipInput{GroupName: "g", UserName: "u"})
			}},
		{"group with a member",
			func(s *Service) { s.AddUserToGroup(ctx, root, &GroupMembershipInput{GroupName: "g", UserName: "u"}) },
			func(s *Service) error {
				_, err := s.DeleteGroup(ctx, root, &DeleteGroupInput{GroupName: "g"})
				return err
			},
			func(s *Service) {
				s.RemoveUserFromGroup(ctx, root, &GroupMembershipInput{GroupName: "g", UserName: "u"})
			}},
		{"role with inline policy",
			func(s *Service) {
				s.putInline(kindRole)(ctx, root, &PutPolicyInput{RoleName: "r", PolicyName: "p", PolicyDocument: allowAll})
			},
			func(s *Service) error { _, err := s.DeleteRole(ctx, root, &RoleNameInput{RoleName: "r"}); return err },
			func(s *Service) {
				s.deleteInline(kindRole)(ctx, root, &EntityPolicyInput{RoleName: "r", PolicyName: "p"})
			}},
		{"role with attached policy",
			func(s *Service) {
				s.attach(kindRole, true)(ctx, root, &EntityPolicyInput{RoleName: "r", PolicyArn: polARN})
			},
			func(s *Service) error { _, err := s.DeleteRole(ctx, root, &RoleNameInput{RoleName: "r"}); return err },
			func(s *Service) {
				s.attach(kindRole, false)(ctx, root, &EntityPolicyInput{RoleName: "r", PolicyArn: polARN})
			}},
		{"attached policy",
			func(s *Service) {
				s.attach(kindGroup, true)(ctx, root, &EntityPolicyInput{GroupName: "g", PolicyArn: polARN})
			},
			func(s *Service) error {
				_, err := s.DeletePolicy(ctx, root, &PolicyArnInput{PolicyArn: polARN})
				return err
			},
			func(s *Service) {
				s.attach(kindGroup, false)(ctx, root, &EntityPolicyInput{GroupName: "g", PolicyArn: polARN})
			}},
		{"policy used as a boundary",
			func(s *Service) {
				s.PutRolePermissionsBoundary(ctx, root, &PutRolePermissionsBoundaryInput{RoleName: "r", PermissionsBoundary: polARN})
			},
			func(s *Service) error {
				_, err := s.DeletePolicy(ctx, root, &PolicyArnInput{PolicyArn: polARN})
				return err
			},
			func(s *Service) { s.DeleteRolePermissionsBoundary(ctx, root, &RoleNameInput{RoleName: "r"}) }},
		{"policy with versions",
			func(s *Service) {
				s.CreatePolicyVersion(ctx, root, &CreatePolicyVersionInput{PolicyArn: polARN, PolicyDocument: listUsersDoc})
			},
			func(s *Service) error {
				_, err := s.DeletePolicy(ctx, root, &PolicyArnInput{PolicyArn: polARN})
				return err
			},
			func(s *Service) {
				s.DeletePolicyVersion(ctx, root, &PolicyVersionInput{PolicyArn: polARN, VersionId: "v2"})
			}},
		{"default policy version",
			func(s *Service) {},
			func(s *Service) error {
				_, err := s.DeletePolicyVersion(ctx, root, &PolicyVersionInput{PolicyArn: polARN, VersionId: "v1"})
				return err
			},
			nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := fixture(t)
			c.setup(s)
			if got := code(c.del(s)); got != "DeleteConflict" {
				t.Fatalf("delete = %q, want DeleteConflict", got)
			}
			if c.fix == nil {
				return
			}
			c.fix(s)
			if err := c.del(s); err != nil {
				t.Fatalf("delete after fixing: %v", err)
			}
		})
	}
}

const polARN = identity.ARN("arn:aws:iam::123456789012:policy/pol")

// fixture has user u, group g, role r and managed policy pol.
func fixture(t testing.TB) *Service {
	t.Helper()
	s := newTestService(t)
	must[*UserOutput](t)(s.CreateUser(ctx, root, &CreateUserInput{UserName: "u"}))
	must[*GroupOutput](t)(s.CreateGroup(ctx, root, &CreateGroupInput{GroupName: "g"}))
	must[*RoleOutput](t)(s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "r", AssumeRolePolicyDocument: glueTrust}))
	must[*PolicyOutput](t)(s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "pol", PolicyDocument: allowAll}))
	return s
}

// bigDoc returns an identity policy of about n non-space characters.
func bigDoc(n int) string {
	head := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::`
	tail := `"}]}`
	return head + strings.Repeat("a", n-len(head)-len(tail)) + tail
}

func TestLimits(t *testing.T) {
	tags := func(n int) []identity.Tag {
		var out []identity.Tag
		for i := range n {
			out = append(out, identity.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"})
		}
		return out
	}
	bigTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"glue.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"` + strings.Repeat("x", 2000) + `"}}}]}`
	cases := []struct {
		name string
		do   func(s *Service) error
		want string
	}{
		{"third access key", func(s *Service) error {
			for range 2 {
				if _, err := s.CreateAccessKey(ctx, root, &CreateAccessKeyInput{UserName: "u"}); err != nil {
					return err
				}
			}
			_, err := s.CreateAccessKey(ctx, root, &CreateAccessKeyInput{UserName: "u"})
			return err
		}, "LimitExceeded"},
		{"sixth policy version", func(s *Service) error {
			for range 4 {
				if _, err := s.CreatePolicyVersion(ctx, root, &CreatePolicyVersionInput{PolicyArn: polARN, PolicyDocument: allowAll}); err != nil {
					return err
				}
			}
			_, err := s.CreatePolicyVersion(ctx, root, &CreatePolicyVersionInput{PolicyArn: polARN, PolicyDocument: allowAll})
			return err
		}, "LimitExceeded"},
		{"eleventh attached policy", func(s *Service) error {
			for i := range 11 {
				p, err := s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: fmt.Sprintf("p%d", i), PolicyDocument: allowAll})
				if err != nil {
					return err
				}
				if _, err := s.attach(kindRole, true)(ctx, root, &EntityPolicyInput{RoleName: "r", PolicyArn: p.Policy.Arn}); err != nil {
					return err
				}
			}
			return nil
		}, "LimitExceeded"},
		{"trust policy over 2048", func(s *Service) error {
			_, err := s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "big", AssumeRolePolicyDocument: bigTrust})
			return err
		}, "LimitExceeded"},
		{"managed policy over 6144", func(s *Service) error {
			_, err := s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "big", PolicyDocument: bigDoc(6145)})
			return err
		}, "LimitExceeded"},
		{"managed policy at 6144", func(s *Service) error {
			_, err := s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "big", PolicyDocument: bigDoc(6144)})
			return err
		}, ""},
		{"role inline total over 10240", func(s *Service) error {
			for i := range 3 {
				if _, err := s.putInline(kindRole)(ctx, root, &PutPolicyInput{RoleName: "r", PolicyName: fmt.Sprint(i), PolicyDocument: bigDoc(4000)}); err != nil {
					return err
				}
			}
			return nil
		}, "LimitExceeded"},
		{"51 tags", func(s *Service) error {
			_, err := s.TagRole(ctx, root, &TagRoleInput{RoleName: "r", Tags: tags(51)})
			return err
		}, "LimitExceeded"},
		{"50 + 1 tags", func(s *Service) error {
			if _, err := s.TagUser(ctx, root, &TagUserInput{UserName: "u", Tags: tags(50)}); err != nil {
				return err
			}
			_, err := s.TagUser(ctx, root, &TagUserInput{UserName: "u", Tags: []identity.Tag{{Key: "extra", Value: "v"}}})
			return err
		}, "LimitExceeded"},
		{"session duration too short", func(s *Service) error {
			_, err := s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "d", AssumeRolePolicyDocument: glueTrust, MaxSessionDuration: 3599})
			return err
		}, "ValidationError"},
		{"session duration too long", func(s *Service) error {
			_, err := s.UpdateRole(ctx, root, &UpdateRoleInput{RoleName: "r", MaxSessionDuration: 43201})
			return err
		}, "ValidationError"},
		{"session duration 12 hours", func(s *Service) error {
			_, err := s.UpdateRole(ctx, root, &UpdateRoleInput{RoleName: "r", MaxSessionDuration: 43200})
			return err
		}, ""},
		{"malformed policy", func(s *Service) error {
			_, err := s.putInline(kindUser)(ctx, root, &PutPolicyInput{UserName: "u", PolicyName: "p", PolicyDocument: `{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`})
			return err
		}, "MalformedPolicyDocument"},
		{"identity policy with a principal", func(s *Service) error {
			_, err := s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "x", PolicyDocument: glueTrust})
			return err
		}, "MalformedPolicyDocument"},
		{"aws: tag key", func(s *Service) error {
			_, err := s.TagUser(ctx, root, &TagUserInput{UserName: "u", Tags: []identity.Tag{{Key: "aws:x", Value: "v"}}})
			return err
		}, "InvalidInput"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := code(c.do(fixture(t))); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestPagination(t *testing.T) {
	s := newTestService(t)
	for _, n := range []string{"e", "B", "a", "d", "C"} {
		must[*UserOutput](t)(s.CreateUser(ctx, root, &CreateUserInput{UserName: n}))
	}
	var pages [][]string
	marker := ""
	for {
		out := must[*ListUsersOutput](t)(s.ListUsers(ctx, root, &ListUsersInput{MaxItems: 2, Marker: marker}))
		var names []string
		for _, u := range out.Users {
			names = append(names, u.UserName)
		}
		pages = append(pages, names)
		if !out.IsTruncated {
			if out.Marker != "" {
				t.Errorf("marker %q on the last page", out.Marker)
			}
			break
		}
		marker = out.Marker
	}
	want := [][]string{{"a", "B"}, {"C", "d"}, {"e"}}
	if d := cmp.Diff(want, pages); d != "" {
		t.Errorf("pages (-want +got):\n%s", d)
	}
	if _, err := s.ListUsers(ctx, root, &ListUsersInput{MaxItems: 1001}); code(err) != "ValidationError" {
		t.Errorf("MaxItems 1001: %v", err)
	}
	if _, err := s.ListUsers(ctx, root, &ListUsersInput{Marker: "!!"}); code(err) != "InvalidInput" {
		t.Errorf("bad marker: %v", err)
	}
}

func TestDocumentsAreURLEncoded(t *testing.T) {
	s := fixture(t)
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b/a+b c/*\"}]\n}"
	must[*Empty](t)(s.putInline(kindUser)(ctx, root, &PutPolicyInput{UserName: "u", PolicyName: "p", PolicyDocument: doc}))
	must[*PolicyVersionOutput](t)(s.CreatePolicyVersion(ctx, root, &CreatePolicyVersionInput{PolicyArn: polARN, PolicyDocument: doc}))
	up := must[*InlinePolicyOutput](t)(s.getInline(kindUser)(ctx, root, &EntityPolicyInput{UserName: "u", PolicyName: "p"}))
	pv := must[*PolicyVersionOutput](t)(s.GetPolicyVersion(ctx, root, &PolicyVersionInput{PolicyArn: polARN, VersionId: "v2"}))
	ro := must[*RoleOutput](t)(s.GetRole(ctx, root, &RoleNameInput{RoleName: "r"}))
	for name, c := range map[string]struct{ got, want string }{
		"GetUserPolicy":    {up.PolicyDocument, doc},
		"GetPolicyVersion": {pv.PolicyVersion.Document, doc},
		"GetRole":          {ro.Role.AssumeRolePolicyDocument, glueTrust},
	} {
		if strings.ContainsAny(c.got, "{} \n\"+") {
			t.Errorf("%s: not percent-encoded: %q", name, c.got)
		}
		if d := cmp.Diff(c.want, decode(t, c.got)); d != "" {
			t.Errorf("%s: decoded (-want +got):\n%s", name, d)
		}
	}
	if got := encodeDoc(`{"a": "b+c"}`); got != "%7B%22a%22%3A%20%22b%2Bc%22%7D" {
		t.Errorf("encodeDoc = %q", got)
	}
}

func TestTrustPrincipals(t *testing.T) {
	trust := func(aws string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":` + aws + `},"Action":"sts:AssumeRole"}]}`
	}
	cases := []struct {
		name, principal, want string
	}{
		{"existing role", `"arn:aws:iam::123456789012:role/r"`, ""},
		{"existing user", `["arn:aws:iam::123456789012:user/u"]`, ""},
		{"account id", `"123456789012"`, ""},
		{"root ARN", `"arn:aws:iam::123456789012:root"`, ""},
		{"star", `"*"`, ""},
		{"other account's role", `"arn:aws:iam::210987654321:role/x"`, ""},
		{"missing role", `"arn:aws:iam::123456789012:role/ghost"`, "MalformedPolicyDocument"},
		{"missing user in a list", `["arn:aws:iam::123456789012:user/u","arn:aws:iam::123456789012:user/ghost"]`, "MalformedPolicyDocument"},
		{"role with the wrong path", `"arn:aws:iam::123456789012:role/p/r"`, "MalformedPolicyDocument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := fixture(t)
			_, err := s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "new", AssumeRolePolicyDocument: trust(c.principal)})
			if got := code(err); got != c.want {
				t.Fatalf("CreateRole = %v, want %q", err, c.want)
			}
			if c.want != "" && !strings.Contains(err.Error(), "Invalid principal in policy") {
				t.Errorf("message %q", err)
			}
			_, err = s.UpdateAssumeRolePolicy(ctx, root, &UpdateAssumeRolePolicyInput{RoleName: "r", PolicyDocument: trust(c.principal)})
			if got := code(err); got != c.want {
				t.Errorf("UpdateAssumeRolePolicy = %v, want %q", err, c.want)
			}
		})
	}
}

// Seed policies, verbatim from /work/shared/seeds/000_*.txt and 003_*.txt.
var (
	seedExecInline = `{ "Version": "2012-10-17", "Statement": { "Effect": "Allow", "Action": [ "lakeformation:GetDataAccess", "lakeformation:GetDataLakeSettings", "lakeformation:GrantPermissions", "glue:GetTable", "glue:CreateTable", "glue:GetTables", "glue:GetDatabase", "glue:GetDatabases", "glue:CreateDatabase", "glue:GetUserDefinedFunction", "glue:GetUserDefinedFunctions", "glue:GetPartition", "glue:GetPartitions" ], "Resource": "*" } }`
	seedExecAssume = `{ "Version": "2012-10-17", "Statement": [ { "Sid": "", "Effect": "Allow", "Action": [ "sts:AssumeRole", "sts:TagSession" ], "Resource": [ "arn:aws:iam::<your-account-id>:role/<application-role>" ] } ] }`
	seedExecTrust  = "{\n\"Version\": \"2012-10-17\",\n\"Statement\": [\n{\n\"Effect\": \"Allow\",\n\"Principal\": {\n\"Service\": \"sagemaker.amazonaws.com\"\n},\n\"Action\": \"sts:AssumeRole\"\n},\n{\n\"Sid\": \"AllowAssumeRoleAndPassSessionTag\",\n\"Effect\": \"Allow\",\n\"Principal\": {\n\"AWS\": \"arn:aws:iam::<account-id>:root\"\n},\n\"Action\": [\n\"sts:AssumeRole\",\n\"sts:TagSession\"\n],\n\"Condition\": {\n\"StringLike\": {\n\"aws:RequestTag/LakeFormationAuthorizedCaller\":\"<your-session-value-tag>\"\n}\n}\n},\n{\n\"Effect\": \"Allow\",\n\"Principal\": {\n\"Service\": \"glue.amazonaws.com\"\n},\n\"Action\": \"sts:AssumeRole\"\n},\n{\n\"Sid\": \"AllowPassSessionTags\",\n\"Effect\": \"Allow\",\n\"Principal\": {\n\"AWS\": \"<application-role>\"\n},\n\"Action\": \"sts:TagSession\",\n\"Condition\": {\n\"StringLike\": {\n\"aws:RequestTag/LakeFormationAuthorizedCaller\": \"<your-session-value-tag>\"\n}\n}\n}\n]\n}"
	seedAppTrust   = "{\n\"Version\": \"2012-10-17\",\n\"Statement\": [\n{\n\"Sid\": \"AllowAssumeRoleAndPassSessionTag\",\n\"Effect\": \"Allow\",\n\"Principal\": {\n\"AWS\": \"arn:aws:iam::<account-id>:root\"\n},\n\"Action\": [\n\"sts:AssumeRole\",\n\"sts:TagSession\"\n]\n},\n{\n\"Effect\": \"Allow\",\n\"Principal\": {\n\"Service\": \"lakeformation.amazonaws.com\"\n},\n\"Action\": \"sts:AssumeRole\"\n},\n{\n\"Sid\": \"AllowPassSessionTags\",\n\"Effect\": \"Allow\",\n\"Principal\": {\n\"AWS\": \"<lf-role-to-be-assumed>\"\n},\n\"Action\": \"sts:TagSession\",\n\"Condition\": {\n\"StringLike\": {\n\"aws:RequestTag/LakeFormationAuthorizedCaller\":\"<your-session-value-tag>\"\n}\n}\n}\n]\n}"
	seedAppPolicy  = "{\n\"Version\": \"2012-10-17\",\n\"Statement\": [\n{\n\"Effect\": \"Allow\",\n\"Action\": [\n\"lakeformation:GetDataAccess\",\n\"glue:GetTable\",\n\"glue:GetTables\",\n\"glue:GetDatabase\",\n\"glue:GetDatabases\",\n\"glue:CreateDatabase\",\n\"glue:GetUserDefinedFunction\",\n\"glue:GetUserDefinedFunctions\",\n\"glue:GetPartition\",\n\"glue:GetPartitions\"\n],\n\"Resource\": \"*\"\n}\n]\n}"
	seedGlueAssets = "{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": [\n        {\n            \"Sid\": \"GlueAssets\",\n            \"Effect\": \"Allow\",\n            \"Action\": \"s3:GetObject\",\n            \"Resource\": \"arn:aws:s3:::aws-glue-assets-<account-id>-<region>/*\"\n        }\n    ]\n}"
	seedGlueTrust  = "{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": [\n        {\n            \"Sid\": \"AllowGlueAssume\",\n            \"Effect\": \"Allow\",\n            \"Principal\": {\n                \"AWS\": \"arn:aws:iam::123456789012:role/my-glue-job-role\"\n            },\n            \"Action\": \"sts:AssumeRole\"\n        }\n    ]\n}"
	seedGlueAssume = "{\n    \"Version\": \"2012-10-17\",\n    \"Statement\": {\n        \"Effect\": \"Allow\",\n        \"Action\": \"sts:AssumeRole\",\n        \"Resource\": \"arn:aws:iam::123456789012:role/my-glue-assumed-role\"\n    }\n}"
)

func TestSeedPoliciesAccepted(t *testing.T) {
	s := newTestService(t)
	steps := []struct {
		name string
		do   func() error
	}{
		{"execution role", func() error {
			_, err := s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "SageMakerExecutionRole", AssumeRolePolicyDocument: seedExecTrust})
			return err
		}},
		{"execution role LF policy", func() error {
			_, err := s.putInline(kindRole)(ctx, root, &PutPolicyInput{RoleName: "SageMakerExecutionRole", PolicyName: "lf", PolicyDocument: seedExecInline})
			return err
		}},
		{"execution role assume policy", func() error {
			_, err := s.putInline(kindRole)(ctx, root, &PutPolicyInput{RoleName: "SageMakerExecutionRole", PolicyName: "assume", PolicyDocument: seedExecAssume})
			return err
		}},
		{"application role", func() error {
			_, err := s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "ApplicationRole", AssumeRolePolicyDocument: seedAppTrust})
			return err
		}},
		{"application role policy", func() error {
			_, err := s.CreatePolicy(ctx, root, &CreatePolicyInput{PolicyName: "app", PolicyDocument: seedAppPolicy})
			return err
		}},
		{"glue job role", func() error {
			_, err := s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "my-glue-job-role", AssumeRolePolicyDocument: glueTrust})
			return err
		}},
		{"glue job role assets policy", func() error {
			_, err := s.putInline(kindRole)(ctx, root, &PutPolicyInput{RoleName: "my-glue-job-role", PolicyName: "assets", PolicyDocument: seedGlueAssets})
			return err
		}},
		{"glue assumed role trusting the job role", func() error {
			_, err := s.CreateRole(ctx, root, &CreateRoleInput{RoleName: "my-glue-assumed-role", AssumeRolePolicyDocument: seedGlueTrust})
			return err
		}},
		{"glue job role may assume it", func() error {
			_, err := s.putInline(kindRole)(ctx, root, &PutPolicyInput{RoleName: "my-glue-job-role", PolicyName: "assume", PolicyDocument: seedGlueAssume})
			return err
		}},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Errorf("%s: %v", st.name, err)
		}
	}
	r := must[*Role](t)(s.Role(ctx, "arn:aws:iam::123456789012:role/my-glue-assumed-role"))
	if r.TrustPolicy != seedGlueTrust || r.Trust == nil {
		t.Errorf("trust policy not kept as given")
	}
}

func TestUpdateUserRenameFollowsReferences(t *testing.T) {
	s := fixture(t)
	k := must[*CreateAccessKeyOutput](t)(s.CreateAccessKey(ctx, root, &CreateAccessKeyInput{UserName: "u"}))
	must[*Empty](t)(s.AddUserToGroup(ctx, root, &GroupMembershipInput{GroupName: "g", UserName: "u"}))
	must[*Empty](t)(s.attach(kindUser, true)(ctx, root, &EntityPolicyInput{UserName: "u", PolicyArn: polARN}))
	must[*Empty](t)(s.UpdateUser(ctx, root, &UpdateUserInput{UserName: "u", NewUserName: "u2", NewPath: "/team/"}))
	g := must[*GetGroupOutput](t)(s.GetGroup(ctx, root, &GetGroupInput{GroupName: "g"}))
	e := must[*ListEntitiesForPolicyOutput](t)(s.ListEntitiesForPolicy(ctx, root, &ListEntitiesForPolicyInput{PolicyArn: polARN}))
	cred := must[*identity.Credential](t)(s.Lookup(ctx, k.AccessKey.AccessKeyId, ""))
	got := []string{g.Users[0].UserName, string(g.Users[0].Arn), e.PolicyUsers[0].UserName, string(cred.Principal.ARN)}
	want := []string{"u2", "arn:aws:iam::123456789012:user/team/u2", "u2", "arn:aws:iam::123456789012:user/team/u2"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := s.GetUser(ctx, root, &GetUserInput{UserName: "u"}); code(err) != "NoSuchEntity" {
		t.Errorf("old name: %v", err)
	}
}

func TestSecretsSealedAtRest(t *testing.T) {
	s := fixture(t)
	k := must[*CreateAccessKeyOutput](t)(s.CreateAccessKey(ctx, root, &CreateAccessKeyInput{UserName: "u"}))
	for _, ns := range []string{nsUser, nsKey, nsKeyUsed, nsMeta} {
		recs, err := s.st.List(ctx, ns, store.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if strings.Contains(string(r.Value), k.AccessKey.SecretAccessKey) {
				t.Errorf("%s/%s holds the secret in plain text", ns, r.Key)
			}
		}
	}
	keys := must[*ListAccessKeysOutput](t)(s.ListAccessKeys(ctx, root, &ListAccessKeysInput{UserName: "u"}))
	if len(keys.AccessKeyMetadata) != 1 || keys.AccessKeyMetadata[0].AccessKeyId != k.AccessKey.AccessKeyId {
		t.Errorf("ListAccessKeys = %+v", keys.AccessKeyMetadata)
	}
}

func TestLookup(t *testing.T) {
	s := fixture(t)
	k := must[*CreateAccessKeyOutput](t)(s.CreateAccessKey(ctx, root, &CreateAccessKeyInput{UserName: "u"}))
	id := k.AccessKey.AccessKeyId
	check := func(name string, key identity.AccessKeyID, token string, want error) {
		t.Helper()
		_, err := s.Lookup(ctx, key, token)
		if err != want {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
	check("active", id, "", nil)
	check("with a session token", id, "tok", identity.ErrUnknownAccessKey)
	check("unknown", "AKIAUNKNOWNUNKNOWN00", "", identity.ErrUnknownAccessKey)
	check("not AKIA", "ASIAUNKNOWNUNKNOWN00", "", identity.ErrUnknownAccessKey)
	must[*Empty](t)(s.UpdateAccessKey(ctx, root, &UpdateAccessKeyInput{UserName: "u", AccessKeyId: id, Status: "Inactive"}))
	check("inactive", id, "", identity.ErrInactiveKey)
	must[*Empty](t)(s.UpdateAccessKey(ctx, root, &UpdateAccessKeyInput{UserName: "u", AccessKeyId: id, Status: "Active"}))
	check("reactivated", id, "", nil)
	must[*Empty](t)(s.DeleteAccessKey(ctx, root, &DeleteAccessKeyInput{UserName: "u", AccessKeyId: id}))
	check("deleted", id, "", identity.ErrUnknownAccessKey)
}

func TestAccessKeyLastUsed(t *testing.T) {
	s := fixture(t)
	k := must[*CreateAccessKeyOutput](t)(s.CreateAccessKey(ctx, root, &CreateAccessKeyInput{UserName: "u"}))
	out := must[*GetAccessKeyLastUsedOutput](t)(s.GetAccessKeyLastUsed(ctx, root, &GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKey.AccessKeyId}))
	if d := cmp.Diff(AccessKeyLastUsed{ServiceName: "N/A", Region: "N/A"}, out.AccessKeyLastUsed); d != "" {
		t.Errorf("never used (-want +got):\n%s", d)
	}
	cred := must[*identity.Credential](t)(s.Lookup(ctx, k.AccessKey.AccessKeyId, ""))
	rctx := identity.WithRequestInfo(ctx, &identity.RequestInfo{Region: "eu-west-1", Time: t0})
	s.Decide(rctx, cred.Principal, AuthzRequest{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
	out = must[*GetAccessKeyLastUsedOutput](t)(s.GetAccessKeyLastUsed(ctx, root, &GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKey.AccessKeyId}))
	when := t0
	if d := cmp.Diff(AccessKeyLastUsed{LastUsedDate: &when, ServiceName: "s3", Region: "eu-west-1"}, out.AccessKeyLastUsed); d != "" {
		t.Errorf("used (-want +got):\n%s", d)
	}
	// A second replica sees the stamp through the store.
	other := New(s.st, s.ring, acct, &Options{Now: s.now})
	out = must[*GetAccessKeyLastUsedOutput](t)(other.GetAccessKeyLastUsed(ctx, root, &GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKey.AccessKeyId}))
	if out.AccessKeyLastUsed.ServiceName != "s3" {
		t.Errorf("other replica: %+v", out.AccessKeyLastUsed)
	}
}

func TestOIDCProviders(t *testing.T) {
	s := newTestService(t)
	out := must[*CreateOpenIDConnectProviderOutput](t)(s.CreateOpenIDConnectProvider(ctx, root, &CreateOpenIDConnectProviderInput{Url: "https://Issuer.example.com/realm/", ClientIDList: []string{"app"}}))
	arn := identity.ARN("arn:aws:iam::123456789012:oidc-provider/issuer.example.com/realm")
	if out.OpenIDConnectProviderArn != arn {
		t.Fatalf("arn %s", out.OpenIDConnectProviderArn)
	}
	if _, err := s.CreateOpenIDConnectProvider(ctx, root, &CreateOpenIDConnectProviderInput{Url: "https://issuer.example.com/realm"}); code(err) != "EntityAlreadyExists" {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := s.CreateOpenIDConnectProvider(ctx, root, &CreateOpenIDConnectProviderInput{Url: "http://plain.example.com"}); code(err) != "ValidationError" {
		t.Errorf("http: %v", err)
	}
	must[*Empty](t)(s.AddClientIDToOpenIDConnectProvider(ctx, root, &ClientIDInput{OpenIDConnectProviderArn: arn, ClientID: "sts.amazonaws.com"}))
	must[*Empty](t)(s.RemoveClientIDFromOpenIDConnectProvider(ctx, root, &ClientIDInput{OpenIDConnectProviderArn: arn, ClientID: "app"}))
	got := must[*GetOpenIDConnectProviderOutput](t)(s.GetOpenIDConnectProvider(ctx, root, &OIDCArnInput{OpenIDConnectProviderArn: arn}))
	if d := cmp.Diff([]string{"sts.amazonaws.com"}, got.ClientIDList); d != "" || got.Url != "issuer.example.com/realm" {
		t.Errorf("provider %+v %s", got, d)
	}
	p := must[*OIDCProvider](t)(s.OIDCProviderFor(ctx, "https://issuer.example.com/realm"))
	if p.ARN != arn {
		t.Errorf("OIDCProviderFor: %+v", p)
	}
	must[*Empty](t)(s.DeleteOpenIDConnectProvider(ctx, root, &OIDCArnInput{OpenIDConnectProviderArn: arn}))
	l := must[*ListOpenIDConnectProvidersOutput](t)(s.ListOpenIDConnectProviders(ctx, root, nil))
	if len(l.OpenIDConnectProviderList) != 0 {
		t.Errorf("after delete: %+v", l)
	}
}
