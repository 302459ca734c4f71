package lakeformation

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/internal/authzmsg"
	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/iam"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
	"github.com/sluicehq/sluice/internal/sts"
)

func errText(err error) string {
	if err == nil {
		return ""
	}
	if e := awsproto.As(err); e != nil {
		return e.Code + ": " + e.Message
	}
	return "internal: " + err.Error()
}

// TestLFTagReads: ListLFTags and GetLFTag show each caller what AWS shows it.
func TestLFTagReads(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx
	const (
		creatorARN  = "arn:aws:iam::123456789012:role/steward"
		readerARN   = "arn:aws:iam::123456789012:role/auditor"
		strangerARN = "arn:aws:iam::123456789012:role/stranger"
	)
	ok(t)(f.svc.PutDataLakeSettings(ctx, root, &SettingsInput{DataLakeSettings: &DataLakeSettings{
		DataLakeAdmins: []DataLakePrincipal{{DataLakePrincipalIdentifier: adminARN}},
		ReadOnlyAdmins: []DataLakePrincipal{{DataLakePrincipalIdentifier: readerARN}}}}))
	admin := session(adminARN, "a")
	for _, tg := range []TagInput{{TagKey: "Level", TagValues: []string{"public", "secret", "internal"}}, {TagKey: "team", TagValues: []string{"hr", "sales"}}} {
		ok(t)(f.svc.CreateLFTag(ctx, admin, &tg))
	}
	grant := func(pr string, res Resource, perms, gopt []Permission) {
		t.Helper()
		ok(t)(f.svc.GrantPermissions(ctx, admin, &GrantInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: pr}, Resource: &res,
			Permissions: perms, PermissionsWithGrantOption: gopt}))
	}
	grant(creatorARN, Resource{Catalog: &CatalogResource{}}, []Permission{CreateLFTag}, nil)
	ok(t)(f.svc.CreateLFTag(ctx, session(creatorARN, "s"), &TagInput{TagKey: "owner", TagValues: []string{"finance"}}))
	grant(appARN, Resource{LFTag: &LFTagKeyResource{TagKey: "level", TagValues: []string{"PUBLIC"}}}, []Permission{Describe}, nil)
	grant(appARN, Resource{LFTag: &LFTagKeyResource{TagKey: "level", TagValues: []string{"secret"}}}, []Permission{Associate}, []Permission{Associate})
	grant(appARN, Resource{LFTag: &LFTagKeyResource{TagKey: "team", TagValues: []string{"hr"}}}, []Permission{Alter}, nil)

	list := func(p *identity.Principal, in ListTagsInput) string {
		t.Helper()
		var got []string
		for {
			out, err := f.svc.ListLFTags(ctx, p, &in)
			if err != nil {
				return errText(err)
			}
			for _, tg := range out.LFTags {
				got = append(got, tg.TagKey+"="+strings.Join(tg.TagValues, ","))
			}
			if out.NextToken == "" {
				return strings.Join(got, " ")
			}
			in.NextToken = out.NextToken
		}
	}
	get := func(p *identity.Principal, in TagInput) string {
		t.Helper()
		out, err := f.svc.GetLFTag(ctx, p, &in)
		if err != nil {
			return errText(err)
		}
		return out.CatalogId + ":" + out.TagKey + "=" + strings.Join(out.TagValues, ",")
	}
	all := "level=internal,public,secret owner=finance team=hr,sales"
	for _, c := range []struct{ name, got, want string }{
		{"admin lists every tag", list(admin, ListTagsInput{}), all},
		{"admin pages one by one", list(admin, ListTagsInput{MaxResults: 1}), all},
		{"read-only admin lists every tag", list(session(readerARN, "r"), ListTagsInput{}), all},
		{"root lists every tag", list(root, ListTagsInput{}), all},
		{"creator lists its own tag only", list(session(creatorARN, "s"), ListTagsInput{}), "owner=finance"},
		{"grantee lists the values it holds", list(session(appARN, "x"), ListTagsInput{}), "level=public,secret"},
		{"grantee pages past hidden tags", list(session(appARN, "x"), ListTagsInput{MaxResults: 1}), "level=public,secret"},
		{"stranger lists nothing", list(session(strangerARN, "x"), ListTagsInput{}), ""},
		{"ResourceShareType ALL is this catalog", list(session(appARN, "x"), ListTagsInput{ResourceShareType: "ALL"}), "level=public,secret"},
		{"ResourceShareType FOREIGN is empty", list(admin, ListTagsInput{ResourceShareType: "FOREIGN"}), ""},
		{"bad ResourceShareType", list(admin, ListTagsInput{ResourceShareType: "MINE"}), "InvalidInputException: ResourceShareType must be ALL or FOREIGN"},
		{"own CatalogId", list(session(appARN, "x"), ListTagsInput{CatalogId: string(acct)}), "level=public,secret"},
		{"other CatalogId is empty", list(admin, ListTagsInput{CatalogId: "210987654321"}), ""},
		{"admin gets a tag", get(admin, TagInput{TagKey: "TEAM"}), "123456789012:team=hr,sales"},
		{"grantee gets its values", get(session(appARN, "x"), TagInput{TagKey: "level"}), "123456789012:level=public,secret"},
		{"alter alone hides the tag", get(session(appARN, "x"), TagInput{TagKey: "team"}), "EntityNotFoundException: Tag key team not found"},
		{"missing tag", get(session(appARN, "x"), TagInput{TagKey: "nosuch"}), "EntityNotFoundException: Tag key nosuch not found"},
		{"creator gets its tag", get(session(creatorARN, "s"), TagInput{TagKey: "owner"}), "123456789012:owner=finance"},
		{"creator does not get others' tags", get(session(creatorARN, "s"), TagInput{TagKey: "level"}), "EntityNotFoundException: Tag key level not found"},
		{"other CatalogId", get(admin, TagInput{TagKey: "level", CatalogId: "210987654321"}), "EntityNotFoundException: Tag key level not found"},
	} {
		if d := cmp.Diff(c.want, c.got); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}

	// Changing a tag: admins, its creator, or ALTER (update) / DROP (delete) on it.
	grant(creatorARN, Resource{LFTag: &LFTagKeyResource{TagKey: "level", TagValues: []string{"public"}}}, []Permission{Describe}, nil)
	update := func(p *identity.Principal, key string) string {
		_, err := f.svc.UpdateLFTag(ctx, p, &TagInput{TagKey: key, TagValuesToAdd: []string{"extra"}})
		return errText(err)
	}
	drop := func(p *identity.Principal, key string) string {
		_, err := f.svc.DeleteLFTag(ctx, p, &TagInput{TagKey: key})
		return errText(err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"ALTER holder updates", update(session(appARN, "x"), "team"), ""},
		{"DESCRIBE holder may not update", update(session(appARN, "x"), "level"), "AccessDeniedException: Insufficient Lake Formation permission(s): ALTER on LF-Tag level"},
		{"CREATE_LF_TAG alone does not reach others' tags", update(session(creatorARN, "s"), "team"), "EntityNotFoundException: Tag key team not found"},
		{"creator updates its tag", update(session(creatorARN, "s"), "owner"), ""},
		{"ALTER is not DROP", drop(session(appARN, "x"), "team"), "AccessDeniedException: Insufficient Lake Formation permission(s): DROP on LF-Tag team"},
		{"stranger", drop(session(strangerARN, "x"), "owner"), "EntityNotFoundException: Tag key owner not found"},
		{"creator drops its tag", drop(session(creatorARN, "s"), "owner"), ""},
	} {
		got := c.got
		if i := strings.Index(got, " Encoded authorization failure message: "); i >= 0 {
			got = got[:i]
		}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}

	// ASSOCIATE follows the values of each grant: secret (ASSOCIATE) yes, public (DESCRIBE) no.
	f.cat.add(&catalog.TableInfo{Database: "db", Name: "t", Location: "s3://bucket/warehouse/t/", Columns: []catalog.ColumnInfo{{Name: "id", Type: "int"}}})
	grant(appARN, Resource{Table: &TableResource{DatabaseName: "db", Name: "t"}}, []Permission{Describe}, nil)
	out, err := f.svc.AddLFTagsToResource(ctx, session(appARN, "x"), &ResourceTagsInput{Resource: &Resource{Table: &TableResource{DatabaseName: "db", Name: "t"}},
		LFTags: []LFTagPair{{TagKey: "level", TagValues: []string{"secret"}}}})
	if err != nil || len(out.Failures) != 0 {
		t.Errorf("associate secret: %v %+v", err, out)
	}
	out, err = f.svc.AddLFTagsToResource(ctx, session(appARN, "x"), &ResourceTagsInput{Resource: &Resource{Table: &TableResource{DatabaseName: "db", Name: "t"}},
		LFTags: []LFTagPair{{TagKey: "level", TagValues: []string{"public"}}}})
	if err != nil || len(out.Failures) != 1 || out.Failures[0].Error.ErrorCode != "AccessDeniedException" {
		t.Errorf("associate public (DESCRIBE only): %v %+v", err, out)
	}

	// Deleting the tag drops every grant on it, whatever the values.
	ok(t)(f.svc.DeleteLFTag(ctx, admin, &TagInput{TagKey: "level"}))
	lp, err := f.svc.ListPermissions(ctx, admin, &ListPermissionsInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: appARN}, ResourceType: "LF_TAG"})
	if err != nil || len(lp.PrincipalResourcePermissions) != 1 || lp.PrincipalResourcePermissions[0].Resource.LFTag.TagKey != "team" {
		t.Errorf("grants left after DeleteLFTag: %v %+v", err, lp)
	}
}

// testLinkedRole is the daemon's adapter over a real IAM service (package daemon's
// lfLinkedRole, repeated here because lakeformation may not import daemon).
type testLinkedRole struct{ iam *iam.Service }

const slrARN = "arn:aws:iam::123456789012:role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess"

func (a testLinkedRole) CreateLinkedRole(ctx context.Context, p *identity.Principal) error {
	if _, err := a.iam.Role(ctx, slrARN); err == nil {
		return nil
	}
	_, err := a.iam.CreateServiceLinkedRole(ctx, p, &iam.CreateServiceLinkedRoleInput{AWSServiceName: "lakeformation.amazonaws.com"})
	return err
}

func (a testLinkedRole) PutLinkedRolePolicy(ctx context.Context, doc string) error {
	err := a.iam.PutServiceRolePolicy(ctx, "lakeformation.amazonaws.com", &iam.PutPolicyInput{RoleName: ServiceLinkedRoleName, PolicyName: LinkedRolePolicyName, PolicyDocument: doc})
	if e := awsproto.As(err); e != nil && e.Code == "NoSuchEntity" {
		return nil
	}
	return err
}

// withIAM returns a store, a key ring, a real IAM service over them, and IAM as Lake
// Formation's authorizer.
func withIAM(t *testing.T) (store.Store, *keyring.Ring, *iam.Service, func(context.Context, *identity.Principal, string, string) error) {
	t.Helper()
	st := memstore.New(nil)
	ring, err := keyring.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	im := iam.New(st, ring, acct, nil)
	return st, ring, im, func(ctx context.Context, p *identity.Principal, action, resource string) error {
		return im.Authorize(ctx, p, iam.AuthzRequest{Action: action, Resource: resource})
	}
}

// TestServiceLinkedRole: registering with UseServiceLinkedRole creates the role through IAM,
// keeps its policy listing the locations, and vending for such a location assumes it.
func TestServiceLinkedRole(t *testing.T) {
	ctx := context.Background()
	st, ring, im, authorize := withIAM(t)
	stsvc := sts.New(acct, ring, nil, nil)
	cat := newMemCatalog()
	cat.add(&catalog.TableInfo{Database: "db", Name: "t", Location: "s3://lake/warehouse/t/", Columns: []catalog.ColumnInfo{{Name: "id", Type: "int"}}})
	svc := New(st, cat, acct, &Options{
		Authorize: authorize,
		Roles: func(ctx context.Context, arn string) (*sts.Role, error) {
			r, err := im.Role(ctx, arn)
			if err != nil {
				return nil, err
			}
			return &sts.Role{Name: r.Name, ID: r.ID, ARN: r.ARN, Trust: r.Trust, MaxSessionDuration: r.MaxSessionDuration}, nil
		},
		Vendor: stsvc, LinkedRole: testLinkedRole{im}, Ring: ring,
	})
	// An admin user without iam:CreateServiceLinkedRole cannot register through the role.
	ok(t)(im.CreateRole(ctx, root, &iam.CreateRoleInput{RoleName: "steward",
		AssumeRolePolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`}))
	ok(t)(im.PutRolePolicy(ctx, root, &iam.PutPolicyInput{RoleName: "steward", PolicyName: "lf",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lakeformation:*","Resource":"*"}]}`}))
	steward := session("arn:aws:iam::123456789012:role/steward", "s")
	stewardARN := "arn:aws:iam::123456789012:role/steward"
	ok(t)(svc.PutDataLakeSettings(ctx, root, &SettingsInput{DataLakeSettings: &DataLakeSettings{DataLakeAdmins: []DataLakePrincipal{{DataLakePrincipalIdentifier: stewardARN}}}}))
	yes := true
	_, err := svc.RegisterResource(ctx, steward, &RegisterInput{ResourceArn: "arn:aws:s3:::lake/warehouse", UseServiceLinkedRole: &yes})
	if code(err) != "AccessDenied" || !strings.Contains(err.Error(), "iam:CreateServiceLinkedRole") {
		t.Fatalf("register without iam:CreateServiceLinkedRole: %v", err)
	}
	if _, err := svc.DescribeResource(ctx, root, &ResourceArnInput{ResourceArn: "arn:aws:s3:::lake/warehouse"}); code(err) != "EntityNotFoundException" {
		t.Fatalf("a refused registration left a location: %v", err)
	}
	ok(t)(im.PutRolePolicy(ctx, root, &iam.PutPolicyInput{RoleName: "steward", PolicyName: "slr",
		PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"*","Condition":{"StringEquals":{"iam:AWSServiceName":"lakeformation.amazonaws.com"}}}]}`}))
	policyOf := func() string {
		t.Helper()
		r, err := im.Role(ctx, slrARN)
		if err != nil {
			t.Fatal(err)
		}
		return r.Inline[LinkedRolePolicyName]
	}
	ok(t)(svc.RegisterResource(ctx, steward, &RegisterInput{ResourceArn: "arn:aws:s3:::lake/warehouse", UseServiceLinkedRole: &yes}))
	ok(t)(svc.RegisterResource(ctx, steward, &RegisterInput{ResourceArn: "arn:aws:s3:::other", UseServiceLinkedRole: &yes}))
	ok(t)(svc.RegisterResource(ctx, root, &RegisterInput{ResourceArn: "arn:aws:s3:::byrole", RoleArn: "arn:aws:iam::123456789012:role/loc"}))
	if d := cmp.Diff(LinkedRolePolicy([]string{"arn:aws:s3:::lake/warehouse", "arn:aws:s3:::other"}), policyOf()); d != "" {
		t.Errorf("role policy after two registrations (-want +got):\n%s", d)
	}
	r, err := im.Role(ctx, slrARN)
	if err != nil || r.Path != "/aws-service-role/lakeformation.amazonaws.com/" || !strings.Contains(r.TrustPolicy, `"Service":"lakeformation.amazonaws.com"`) {
		t.Errorf("service-linked role: %v %+v", err, r)
	}
	d, err := svc.DescribeResource(ctx, root, &ResourceArnInput{ResourceArn: "arn:aws:s3:::lake/warehouse"})
	if err != nil || d.ResourceInfo.RoleArn != slrARN {
		t.Errorf("DescribeResource: %v %+v", err, d)
	}

	// Vending for the table under the location is a session of the service-linked role.
	ok(t)(svc.PutDataLakeSettings(ctx, steward, &SettingsInput{DataLakeSettings: &DataLakeSettings{
		DataLakeAdmins: []DataLakePrincipal{{DataLakePrincipalIdentifier: stewardARN}}, AllowFullTableExternalDataAccess: &yes}}))
	ok(t)(svc.GrantPermissions(ctx, steward, &GrantInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: stewardARN},
		Resource: &Resource{Table: &TableResource{DatabaseName: "db", Name: "t"}}, Permissions: []Permission{Select}}))
	out, err := svc.GetTemporaryGlueTableCredentials(ctx, steward, &VendInput{TableArn: "arn:aws:glue:us-east-1:123456789012:table/db/t"})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := stsvc.Lookup(ctx, identity.AccessKeyID(out.AccessKeyId), out.SessionToken)
	if err != nil || cred.Principal.Session == nil || string(cred.Principal.Session.RoleARN) != slrARN {
		t.Errorf("vended session: %v %+v", err, cred)
	}

	// Deregistering and moving a location to another role take it out of the policy.
	ok(t)(svc.DeregisterResource(ctx, steward, &ResourceArnInput{ResourceArn: "arn:aws:s3:::other"}))
	if d := cmp.Diff(LinkedRolePolicy([]string{"arn:aws:s3:::lake/warehouse"}), policyOf()); d != "" {
		t.Errorf("role policy after deregistering (-want +got):\n%s", d)
	}
	ok(t)(svc.UpdateResource(ctx, steward, &RegisterInput{ResourceArn: "arn:aws:s3:::lake/warehouse", RoleArn: "arn:aws:iam::123456789012:role/loc"}))
	if d := cmp.Diff(LinkedRolePolicy(nil), policyOf()); d != "" {
		t.Errorf("role policy after UpdateResource (-want +got):\n%s", d)
	}
}

func TestLinkedRolePolicy(t *testing.T) {
	for _, c := range []struct {
		name string
		locs []string
		want string
	}{
		{"none", nil, `{"Version":"2012-10-17","Statement":[{"Sid":"LakeFormationDataAccessServiceRolePolicy","Effect":"Allow","Action":["s3:ListAllMyBuckets"],"Resource":["arn:aws:s3:::*"]}]}`},
		{"bucket and prefixes in one bucket", []string{"arn:aws:s3:::b/x", "arn:aws:s3:::a", "arn:aws:s3:::b/y*"},
			`{"Version":"2012-10-17","Statement":[{"Sid":"LakeFormationDataAccessServiceRolePolicy","Effect":"Allow","Action":["s3:ListAllMyBuckets"],"Resource":["arn:aws:s3:::*"]},` +
				`{"Sid":"LakeFormationDataAccessObjects","Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion","s3:PutObject","s3:DeleteObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts"],"Resource":["arn:aws:s3:::a/*","arn:aws:s3:::b/x/*","arn:aws:s3:::b/y${*}/*"]},` +
				`{"Sid":"LakeFormationDataAccessBuckets","Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::a","arn:aws:s3:::b"]}]}`},
	} {
		if d := cmp.Diff(c.want, LinkedRolePolicy(c.locs)); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}
}

// TestRefusalsCarryDecision: Lake Formation's own refusals seal the decision; DESCRIBE
// refusals still look like missing entities and carry nothing.
func TestRefusalsCarryDecision(t *testing.T) {
	ring, err := keyring.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	f.svc.ring = ring
	ctx := f.ctx
	app := session(appARN, "nb")
	app.ID = "AROAAPP:nb"
	tbl := &Resource{Table: &TableResource{DatabaseName: "db", Name: "t"}}
	ok(t)(f.svc.GrantPermissions(ctx, root, &GrantInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: appARN}, Resource: tbl, Permissions: []Permission{Describe}}))
	ok(t)(f.svc.RegisterResource(ctx, root, &RegisterInput{ResourceArn: "arn:aws:s3:::bucket/warehouse", RoleArn: string(locRole.ARN)}))

	type decoded struct {
		Action, Resource, Principal, Reason string
		Grants                              []string
	}
	decode := func(err error) *decoded {
		t.Helper()
		e := awsproto.As(err)
		if e == nil || e.Code != "AccessDeniedException" {
			t.Fatalf("want AccessDeniedException, got %v", err)
		}
		blob := e.Fields["EncodedAuthorizationMessage"]
		if blob == "" || !strings.HasSuffix(e.Message, " "+EncodedMessagePrefix+blob) {
			t.Fatalf("refusal without its encoded message: %+v", e)
		}
		data, err := authzmsg.Decode(ring, blob)
		if err != nil {
			t.Fatal(err)
		}
		var m authzmsg.Message
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		d := &decoded{Action: m.Context.Action, Resource: m.Context.Resource, Principal: m.Context.Principal.ARN + " " + m.Context.Principal.ID, Reason: m.Reason}
		for _, s := range m.MatchedStatements.Items {
			d.Grants = append(d.Grants, s.Policy)
		}
		if m.Allowed || len(m.Context.Conditions.Items) == 0 || m.Context.Conditions.Items[0].Values[0] != appARN {
			t.Errorf("decoded context: %+v", m)
		}
		return d
	}
	tableARN := "arn:aws:glue:us-east-1:123456789012:table/db/t"
	describeGrant := "Lake Formation grant to " + appARN + " on " + tableARN + ": DESCRIBE"
	appPrincipal := "arn:aws:sts::123456789012:assumed-role/app/nb AROAAPP:nb"
	for _, c := range []struct {
		name string
		call func() error
		want decoded
	}{
		{"grant without grant option", func() error {
			_, err := f.svc.GrantPermissions(ctx, app, &GrantInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: "arn:aws:iam::123456789012:role/other"},
				Resource: tbl, Permissions: []Permission{Select}})
			return err
		}, decoded{"lakeformation:GrantPermissions", tableARN, appPrincipal, reasonNoGrantOption, []string{describeGrant}}},
		{"vend without SELECT", func() error {
			_, err := f.svc.GetTemporaryGlueTableCredentials(ctx, app, &VendInput{TableArn: tableARN})
			return err
		}, decoded{"lakeformation:SELECT", tableARN, appPrincipal, reasonNoPermission, []string{describeGrant}}},
		{"glue ALTER without permission", func() error {
			return f.svc.Authorize(ctx, app, Alter, catalog.Target{Database: "db", Table: "t"})
		}, decoded{"lakeformation:ALTER", tableARN, appPrincipal, reasonNoPermission, []string{describeGrant}}},
		{"register by a non-admin", func() error {
			_, err := f.svc.RegisterResource(ctx, app, &RegisterInput{ResourceArn: "arn:aws:s3:::x", RoleArn: string(locRole.ARN)})
			return err
		}, decoded{"lakeformation:RegisterResource", "arn:aws:s3:::x", appPrincipal, reasonNotAdmin, nil}},
		{"create LF-tag without CREATE_LF_TAG", func() error {
			_, err := f.svc.CreateLFTag(ctx, app, &TagInput{TagKey: "k", TagValues: []string{"v"}})
			return err
		}, decoded{"lakeformation:CREATE_LF_TAG", "arn:aws:glue:us-east-1:123456789012:catalog", appPrincipal, reasonNoPermission, nil}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if d := cmp.Diff(&c.want, decode(c.call())); d != "" {
				t.Errorf("decoded (-want +got):\n%s", d)
			}
		})
	}
	// A table the caller may not see answers as missing, with nothing sealed.
	err = f.svc.Authorize(ctx, app, Describe, catalog.Target{Database: "db", Table: "other"})
	if e := awsproto.As(err); e == nil || e.Code != "EntityNotFoundException" || len(e.Fields) != 0 || strings.Contains(e.Message, EncodedMessagePrefix) {
		t.Errorf("hidden table: %+v", e)
	}
}

// BenchmarkListLFTags: a non-admin listing 200 tags, 20 of them granted.
func BenchmarkListLFTags(b *testing.B) {
	f := newFixture(b)
	for i := range 200 {
		key := "k" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		ok(b)(f.svc.CreateLFTag(f.ctx, root, &TagInput{TagKey: key, TagValues: []string{"v1", "v2"}}))
		if i%10 == 0 {
			ok(b)(f.svc.GrantPermissions(f.ctx, root, &GrantInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: appARN},
				Resource: &Resource{LFTag: &LFTagKeyResource{TagKey: key, TagValues: []string{"v1"}}}, Permissions: []Permission{Describe}}))
		}
	}
	app := session(appARN, "x")
	b.ResetTimer()
	for b.Loop() {
		out, err := f.svc.ListLFTags(f.ctx, app, &ListTagsInput{})
		if err != nil || len(out.LFTags) != 20 {
			b.Fatal(err, len(out.LFTags))
		}
	}
}

// deletingLinkedRole deletes the service-linked role right after the first time it makes sure
// of it, as an administrator's DeleteServiceLinkedRole running between RegisterResource's
// first check and its location's commit would.
type deletingLinkedRole struct {
	testLinkedRole
	done *bool
}

func (a deletingLinkedRole) CreateLinkedRole(ctx context.Context, p *identity.Principal) error {
	if err := a.testLinkedRole.CreateLinkedRole(ctx, p); err != nil || *a.done {
		return err
	}
	*a.done = true
	_, err := a.iam.DeleteServiceLinkedRole(ctx, root, &iam.RoleNameInput{RoleName: ServiceLinkedRoleName})
	return err
}

// TestLinkedRoleDeletedDuringRegistration: a registration whose role was deleted between its
// first check and its commit creates the role again, so the location never names a missing
// role.
func TestLinkedRoleDeletedDuringRegistration(t *testing.T) {
	ctx := context.Background()
	st, ring, im, authorize := withIAM(t)
	deleted := false
	svc := New(st, newMemCatalog(), acct, &Options{
		Authorize: authorize, LinkedRole: deletingLinkedRole{testLinkedRole{im}, &deleted}, Ring: ring,
	})
	yes := true
	ok(t)(svc.RegisterResource(ctx, root, &RegisterInput{ResourceArn: "arn:aws:s3:::lake/warehouse", UseServiceLinkedRole: &yes}))
	if !deleted {
		t.Fatal("the role was not deleted during the registration")
	}
	r, err := im.Role(ctx, slrARN)
	if err != nil {
		t.Fatalf("the location names a deleted role: %v", err)
	}
	if d := cmp.Diff(LinkedRolePolicy([]string{"arn:aws:s3:::lake/warehouse"}), r.Inline[LinkedRolePolicyName]); d != "" {
		t.Errorf("the recreated role's policy (-want +got):\n%s", d)
	}
}
