package lakeformation

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sluicehq/sluice/internal/audit"
	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
	"github.com/sluicehq/sluice/internal/store/sqlitestore"
	"github.com/sluicehq/sluice/internal/sts"
)

// memCatalog is a small in-memory catalog.Reader.
type memCatalog struct {
	mu     sync.Mutex
	dbs    map[string]*catalog.DatabaseInfo
	tables map[string]*catalog.TableInfo
}

func newMemCatalog() *memCatalog {
	return &memCatalog{dbs: map[string]*catalog.DatabaseInfo{}, tables: map[string]*catalog.TableInfo{}}
}

func (c *memCatalog) add(t *catalog.TableInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dbs[t.Database] == nil {
		c.dbs[t.Database] = &catalog.DatabaseInfo{Name: t.Database}
	}
	c.tables[t.Database+"/"+t.Name] = t
}

func (c *memCatalog) LookupDatabase(_ context.Context, name string) (*catalog.DatabaseInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := c.dbs[name]; d != nil {
		return d, nil
	}
	return nil, store.E("get", store.NotFound, "db", name, nil)
}

func (c *memCatalog) LookupTable(_ context.Context, db, name string) (*catalog.TableInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.tables[db+"/"+name]; t != nil {
		return t, nil
	}
	return nil, store.E("get", store.NotFound, "table", name, nil)
}

func (c *memCatalog) ListDatabases(context.Context) ([]*catalog.DatabaseInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*catalog.DatabaseInfo
	for _, d := range c.dbs {
		out = append(out, d)
	}
	return out, nil
}

func (c *memCatalog) ListTables(_ context.Context, db string) ([]*catalog.TableInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*catalog.TableInfo
	for _, t := range c.tables {
		if t.Database == db {
			out = append(out, t)
		}
	}
	return out, nil
}

type recAuditor struct{ events []*audit.Extra }

func (r *recAuditor) Add(_ context.Context, x *audit.Extra) error {
	r.events = append(r.events, x)
	return nil
}

const acct = identity.AccountID("123456789012")

var (
	root     = identity.NewRoot(acct, "AKIAROOT")
	locRole  = &sts.Role{Name: "loc", ID: "AROALOC", ARN: "arn:aws:iam::123456789012:role/loc"}
	adminARN = "arn:aws:iam::123456789012:role/exec"
	appARN   = "arn:aws:iam::123456789012:role/app"
)

func session(roleARN, name string, tags ...identity.Tag) *identity.Principal {
	role := roleARN[strings.LastIndex(roleARN, "/")+1:]
	return &identity.Principal{Type: identity.AssumedRole, Account: acct,
		ARN:     identity.ARN("arn:aws:sts::123456789012:assumed-role/" + role + "/" + name),
		Session: &identity.Session{RoleARN: identity.ARN(roleARN), RoleName: role, RoleID: "AROA" + strings.ToUpper(role), Name: name, Tags: tags}}
}

type fixture struct {
	svc   *Service
	cat   *memCatalog
	aud   *recAuditor
	ctx   context.Context
	stsvc *sts.Service
}

func newFixture(t testing.TB) *fixture { return newFixtureOn(t, memstore.New(nil)) }

func newFixtureOn(t testing.TB, st store.Store) *fixture {
	ring, err := keyring.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{cat: newMemCatalog(), aud: &recAuditor{}, ctx: context.Background()}
	f.stsvc = sts.New(acct, ring, nil, nil)
	f.svc = New(st, f.cat, acct, &Options{
		Authorize: func(context.Context, *identity.Principal, string, string) error { return nil },
		Roles: func(_ context.Context, arn string) (*sts.Role, error) {
			if arn == string(locRole.ARN) {
				return locRole, nil
			}
			return nil, errors.New("no such role")
		},
		Vendor: f.stsvc, Auditor: f.aud,
	})
	f.cat.add(&catalog.TableInfo{Database: "db", Name: "t", Location: "s3://bucket/warehouse/t/",
		Columns: []catalog.ColumnInfo{{Name: "id", Type: "int"}, {Name: "name", Type: "string"}, {Name: "region", Type: "string"}}})
	f.cat.add(&catalog.TableInfo{Database: "db", Name: "other", Location: "s3://bucket/warehouse/other",
		Columns: []catalog.ColumnInfo{{Name: "x", Type: "int"}}})
	return f
}

func ok(t testing.TB) func(any, error) {
	return func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

func code(err error) string {
	if err == nil {
		return ""
	}
	if e := awsproto.As(err); e != nil {
		return e.Code
	}
	return "internal: " + err.Error()
}

func ptrue() *bool { b := true; return &b }

// setupS0 makes exec an admin, enables external filtering with tag value "engine", registers the
// location and grants the app role SELECT on two columns.
func (f *fixture) setupS0(t testing.TB) {
	ok(t)(f.svc.PutDataLakeSettings(f.ctx, root, &SettingsInput{DataLakeSettings: &DataLakeSettings{
		DataLakeAdmins:                 []DataLakePrincipal{{DataLakePrincipalIdentifier: adminARN}},
		AllowExternalDataFiltering:     ptrue(),
		ExternalDataFilteringAllowList: []DataLakePrincipal{{DataLakePrincipalIdentifier: string(acct)}},
		AuthorizedSessionTagValueList:  []string{"engine"},
	}}))
	ok(t)(f.svc.RegisterResource(f.ctx, root, &RegisterInput{ResourceArn: "arn:aws:s3:::bucket/warehouse", RoleArn: string(locRole.ARN)}))
	exec := session(adminARN, "s")
	ok(t)(f.svc.GrantPermissions(f.ctx, exec, &GrantInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: appARN},
		Resource: &Resource{TableWithColumns: &TableWithColumnsResource{DatabaseName: "db", Name: "t", ColumnNames: []string{"id", "name"}}}, Permissions: []Permission{Select}}))
}

const tArn = "arn:aws:glue:us-east-1:123456789012:table/db/t"

func TestVendingPaths(t *testing.T) {
	f := newFixture(t)
	f.setupS0(t)
	tagged := session(appARN, "nb", identity.Tag{Key: "LakeFormationAuthorizedCaller", Value: "engine"})
	cases := []struct {
		name string
		p    *identity.Principal
		in   VendInput
		want string
	}{
		{"tagged with column support", tagged, VendInput{TableArn: tArn, SupportedPermissionTypes: []string{ColumnPermission}}, ""},
		{"tagged without column support", tagged, VendInput{TableArn: tArn}, "PermissionTypeMismatchException"},
		{"untagged partial", session(appARN, "nb"), VendInput{TableArn: tArn, SupportedPermissionTypes: []string{ColumnPermission}}, "AccessDeniedException"},
		{"unlisted tag value", session(appARN, "nb", identity.Tag{Key: "LakeFormationAuthorizedCaller", Value: "other"}), VendInput{TableArn: tArn, SupportedPermissionTypes: []string{ColumnPermission}}, "AccessDeniedException"},
		{"ungranted table", tagged, VendInput{TableArn: "arn:aws:glue:us-east-1:123456789012:table/db/other", SupportedPermissionTypes: []string{ColumnPermission}}, "AccessDeniedException"},
		{"missing table", tagged, VendInput{TableArn: "arn:aws:glue:us-east-1:123456789012:table/db/none"}, "EntityNotFoundException"},
		{"bad arn", tagged, VendInput{TableArn: "arn:aws:s3:::x"}, "InvalidInputException"},
		{"duration too short", tagged, VendInput{TableArn: tArn, DurationSeconds: 60}, "InvalidInputException"},
		{"insert not held", tagged, VendInput{TableArn: tArn, Permissions: []Permission{Insert}, SupportedPermissionTypes: []string{ColumnPermission}}, "AccessDeniedException"},
		{"admin without select", session(adminARN, "s", identity.Tag{Key: "LakeFormationAuthorizedCaller", Value: "engine"}), VendInput{TableArn: tArn, SupportedPermissionTypes: []string{ColumnPermission}}, "AccessDeniedException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.svc.GetTemporaryGlueTableCredentials(f.ctx, tc.p, &tc.in)
			if got := code(err); got != tc.want {
				t.Fatalf("code = %q (%v), want %q", got, err, tc.want)
			}
			if err == nil && (out.AccessKeyId == "" || out.SessionToken == "" || cmp.Diff([]string{"s3://bucket/warehouse/t/"}, out.VendedS3Path) != "") {
				t.Fatalf("bad output %+v", out)
			}
		})
	}
	// Every attempt is audited as GetDataAccess; refusals carry the error.
	if len(f.aud.events) != len(cases) {
		t.Fatalf("%d audit events", len(f.aud.events))
	}
	ev := f.aud.events[0]
	if ev.EventName != "GetDataAccess" || ev.Err != nil || !strings.HasPrefix(ev.Data["lakeFormationRoleSessionName"].(string), "AWSLF-00-NA-123456789012-") ||
		ev.Data["lakeFormationPrincipal"] != appARN || ev.Data["LakeFormationAuthorizedSessionTag"] != "LakeFormationAuthorizedCaller:engine" {
		t.Fatalf("audit %+v", ev)
	}
	if f.aud.events[2].Err == nil || f.aud.events[2].Err.Code != "AccessDeniedException" {
		t.Fatalf("refusal audit %+v", f.aud.events[2])
	}

	// Path B: full SELECT, untagged, only with AllowFullTableExternalDataAccess.
	ok(t)(f.svc.GrantPermissions(f.ctx, root, &GrantInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: appARN},
		Resource: &Resource{Table: &TableResource{DatabaseName: "db", Name: "t"}}, Permissions: []Permission{Select}}))
	untagged := session(appARN, "u")
	if _, err := f.svc.GetTemporaryGlueTableCredentials(f.ctx, untagged, &VendInput{TableArn: tArn}); code(err) != "AccessDeniedException" {
		t.Fatalf("full table without setting: %v", err)
	}
	st, _ := f.svc.GetDataLakeSettings(f.ctx, root, nil)
	st.DataLakeSettings.AllowFullTableExternalDataAccess = ptrue()
	ok(t)(f.svc.PutDataLakeSettings(f.ctx, session(adminARN, "s"), &SettingsInput{DataLakeSettings: st.DataLakeSettings}))
	if _, err := f.svc.GetTemporaryGlueTableCredentials(f.ctx, untagged, &VendInput{TableArn: tArn}); err != nil {
		t.Fatalf("full table: %v", err)
	}
	// Revocation stops new vending at once.
	ok(t)(f.svc.RevokePermissions(f.ctx, root, &GrantInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: appARN},
		Resource: &Resource{Table: &TableResource{DatabaseName: "db", Name: "t"}}, Permissions: []Permission{Select}}))
	if _, err := f.svc.GetTemporaryGlueTableCredentials(f.ctx, untagged, &VendInput{TableArn: tArn}); code(err) != "AccessDeniedException" {
		t.Fatalf("after revoke: %v", err)
	}
}

func TestVendingUnregisteredLocation(t *testing.T) {
	f := newFixture(t)
	ok(t)(f.svc.GrantPermissions(f.ctx, root, &GrantInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: appARN},
		Resource: &Resource{Table: &TableResource{DatabaseName: "db", Name: "t"}}, Permissions: []Permission{Select}}))
	_, err := f.svc.GetTemporaryGlueTableCredentials(f.ctx, session(appARN, "x"), &VendInput{TableArn: tArn})
	if code(err) != "InvalidInputException" || !strings.Contains(err.Error(), "not registered") {
		t.Fatalf("got %v", err)
	}
}

func TestScopePolicy(t *testing.T) {
	type req struct {
		action, resource, prefix string
		want                     bool
	}
	cases := []struct {
		name        string
		bucket, pfx string
		put, del    bool
		reqs        []req
	}{
		{"prefix", "b", "a/b/", false, false, []req{
			{"s3:GetObject", "arn:aws:s3:::b/a/b/x", "", true},
			{"s3:GetObject", "arn:aws:s3:::b/a/b/deep/x.csv", "", true},
			{"s3:GetObject", "arn:aws:s3:::b/a/bc/x", "", false},
			{"s3:GetObject", "arn:aws:s3:::b/a/x", "", false},
			{"s3:GetObject", "arn:aws:s3:::other/a/b/x", "", false},
			{"s3:PutObject", "arn:aws:s3:::b/a/b/x", "", false},
			{"s3:DeleteObject", "arn:aws:s3:::b/a/b/x", "", false},
			{"s3:ListBucket", "arn:aws:s3:::b", "a/b/", true},
			{"s3:ListBucket", "arn:aws:s3:::b", "a/b/sub", true},
			{"s3:ListBucket", "arn:aws:s3:::b", "a/bc", false},
			{"s3:ListBucket", "arn:aws:s3:::b", "a/", false},
			{"s3:ListBucket", "arn:aws:s3:::b", "", false},
			{"s3:ListBucket", "arn:aws:s3:::other", "a/b/", false},
		}},
		{"writes when asked", "b", "t/", true, true, []req{
			{"s3:PutObject", "arn:aws:s3:::b/t/x", "", true},
			{"s3:DeleteObject", "arn:aws:s3:::b/t/x", "", true},
			{"s3:PutObject", "arn:aws:s3:::b/u/x", "", false},
		}},
		{"wildcard characters are literal", "b", "we*ird?/$x/", false, false, []req{
			{"s3:GetObject", "arn:aws:s3:::b/we*ird?/$x/k", "", true},
			{"s3:GetObject", "arn:aws:s3:::b/weXXird!/$x/k", "", false},
			{"s3:GetObject", "arn:aws:s3:::b/we*ird?/x/k", "", false},
			{"s3:ListBucket", "arn:aws:s3:::b", "we*ird?/$x/a", true},
			{"s3:ListBucket", "arn:aws:s3:::b", "weYird?/$x/", false},
		}},
		{"bucket root", "b", "", false, false, []req{
			{"s3:GetObject", "arn:aws:s3:::b/anything", "", true},
			{"s3:ListBucket", "arn:aws:s3:::b", "", true},
			{"s3:GetObject", "arn:aws:s3:::c/anything", "", false},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := ScopePolicy(tc.bucket, tc.pfx, tc.put, tc.del)
			pol, err := policy.Parse([]byte(doc), policy.Session)
			if err != nil {
				t.Fatalf("%s: %v", doc, err)
			}
			set := &policy.Set{Identity: []*policy.Policy{pol}}
			for _, r := range tc.reqs {
				c := policy.NewContext()
				if r.action == "s3:ListBucket" {
					c.Set("s3:prefix", r.prefix)
				}
				res := policy.Evaluate(set, &policy.Request{Action: r.action, Resource: r.resource, Context: c})
				if got := res.Decision == policy.Allow; got != r.want {
					t.Errorf("%s %s prefix=%q: allowed=%v, want %v\npolicy %s", r.action, r.resource, r.prefix, got, r.want, doc)
				}
			}
		})
	}
}

func TestSettingsAndGrantsAPI(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx
	// Defaults: IAM_ALLOWED_PRINCIPALS ALL on new databases and tables.
	st, err := f.svc.GetDataLakeSettings(ctx, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := st.DataLakeSettings.CreateTableDefaultPermissions; len(d) != 1 || d[0].Principal.DataLakePrincipalIdentifier != IAMAllowedPrincipals {
		t.Fatalf("defaults %+v", d)
	}
	// Bootstrap: a non-root caller allowed by IAM may put while there are no admins.
	user := &identity.Principal{Type: identity.IAMUser, Account: acct, ARN: "arn:aws:iam::123456789012:user/bob"}
	ok(t)(f.svc.PutDataLakeSettings(ctx, user, &SettingsInput{DataLakeSettings: &DataLakeSettings{DataLakeAdmins: []DataLakePrincipal{{DataLakePrincipalIdentifier: adminARN}}}}))
	if _, err := f.svc.PutDataLakeSettings(ctx, user, &SettingsInput{DataLakeSettings: &DataLakeSettings{}}); code(err) != "AccessDeniedException" {
		t.Fatalf("non-admin put: %v", err)
	}
	st, _ = f.svc.GetDataLakeSettings(ctx, root, nil)
	if len(st.DataLakeSettings.CreateTableDefaultPermissions) != 0 {
		t.Fatal("put must replace (omitted = cleared)")
	}
	// New table after emptying defaults: creator gets ALL, IAP nothing.
	f.cat.add(&catalog.TableInfo{Database: "db", Name: "n", Location: "s3://bucket/n/", Columns: []catalog.ColumnInfo{{Name: "a", Type: "string"}}})
	creator := session(adminARN, "s")
	if err := f.svc.Created(ctx, creator, catalog.Target{Database: "db", Table: "n"}); err != nil {
		t.Fatal(err)
	}
	acc, err := f.svc.TableAccess(ctx, creator, "db", "n")
	if err != nil || !acc.Full {
		t.Fatalf("creator access %+v %v", acc, err)
	}
	if _, err := f.svc.TableAccess(ctx, user, "db", "n"); code(err) != "AccessDeniedException" {
		t.Fatalf("stranger: %v", err)
	}
	if err := f.svc.Authorize(ctx, user, Describe, catalog.Target{Database: "db", Table: "n"}); code(err) != "EntityNotFoundException" {
		t.Fatalf("describe refusal: %v", err)
	}
	// Grant option: the user cannot grant, then can after being given the option.
	g := &GrantInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: appARN}, Resource: &Resource{Table: &TableResource{DatabaseName: "db", Name: "n"}}, Permissions: []Permission{Select}}
	if _, err := f.svc.GrantPermissions(ctx, user, g); code(err) != "AccessDeniedException" {
		t.Fatalf("grant without option: %v", err)
	}
	ok(t)(f.svc.GrantPermissions(ctx, creator, &GrantInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: string(user.ARN)},
		Resource: g.Resource, PermissionsWithGrantOption: []Permission{Select}}))
	ok(t)(f.svc.GrantPermissions(ctx, user, g))
	// Unknown table, bad principal, bad column grant.
	bad := []struct {
		name string
		in   GrantInput
		want string
	}{
		{"missing table", GrantInput{Principal: g.Principal, Resource: &Resource{Table: &TableResource{DatabaseName: "db", Name: "zz"}}, Permissions: []Permission{Select}}, "EntityNotFoundException"},
		{"bad principal", GrantInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: "bob"}, Resource: g.Resource, Permissions: []Permission{Select}}, "InvalidInputException"},
		{"two members", GrantInput{Principal: g.Principal, Resource: &Resource{Catalog: &CatalogResource{}, Database: &DatabaseResource{Name: "db"}}, Permissions: []Permission{Select}}, "InvalidInputException"},
	}
	for _, b := range bad {
		if _, err := f.svc.GrantPermissions(ctx, root, &b.in); code(err) != b.want {
			t.Errorf("%s: %v", b.name, err)
		}
	}
	// ListPermissions by principal and by resource.
	lp, err := f.svc.ListPermissions(ctx, root, &ListPermissionsInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: appARN}})
	if err != nil || len(lp.PrincipalResourcePermissions) != 1 || lp.PrincipalResourcePermissions[0].Resource.Table.CatalogId != string(acct) {
		t.Fatalf("list by principal %+v %v", lp, err)
	}
	lr, err := f.svc.ListPermissions(ctx, root, &ListPermissionsInput{Resource: g.Resource, MaxResults: 1})
	if err != nil || len(lr.PrincipalResourcePermissions) != 1 || lr.NextToken == "" {
		t.Fatalf("list by resource %+v %v", lr, err)
	}
	lr2, err := f.svc.ListPermissions(ctx, root, &ListPermissionsInput{Resource: g.Resource, MaxResults: 10, NextToken: lr.NextToken})
	if err != nil || len(lr2.PrincipalResourcePermissions) != 2 {
		t.Fatalf("page 2 %+v %v", lr2, err)
	}
	// Deleting the table drops its grants.
	ok(t)(nil, f.svc.Deleted(ctx, catalog.Target{Database: "db", Table: "n"}))
	lp, _ = f.svc.ListPermissions(ctx, root, &ListPermissionsInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: appARN}})
	if len(lp.PrincipalResourcePermissions) != 0 {
		t.Fatalf("grants survive delete: %+v", lp)
	}
}

func TestFiltersAndTagsAPI(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx
	mk := func(expr string) *FilterInput {
		return &FilterInput{TableData: &DataCellsFilter{DatabaseName: "db", TableName: "t", Name: "f", ColumnWildcard: &ColumnWildcard{}, RowFilter: &RowFilter{FilterExpression: expr}}}
	}
	if _, err := f.svc.CreateDataCellsFilter(ctx, root, mk("region = 5")); code(err) != "InvalidInputException" || !strings.Contains(err.Error(), "position 10") {
		t.Fatalf("type error: %v", err)
	}
	if _, err := f.svc.CreateDataCellsFilter(ctx, root, mk("nope = 'x'")); code(err) != "InvalidInputException" {
		t.Fatalf("unknown column: %v", err)
	}
	ok(t)(f.svc.CreateDataCellsFilter(ctx, root, mk("region = 'eu'")))
	if _, err := f.svc.CreateDataCellsFilter(ctx, root, mk("region = 'eu'")); code(err) != "AlreadyExistsException" {
		t.Fatalf("dup: %v", err)
	}
	ok(t)(f.svc.GrantPermissions(ctx, root, &GrantInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: appARN},
		Resource: &Resource{DataCellsFilter: &DataCellsFilterResource{DatabaseName: "db", TableName: "t", Name: "f"}}, Permissions: []Permission{Select}}))
	acc, err := f.svc.TableAccess(ctx, session(appARN, "x"), "db", "t")
	if err != nil || acc.RowFilter != "region = 'eu'" || len(acc.CellFilters) != 3 {
		t.Fatalf("filtered access %+v %v", acc, err)
	}
	ok(t)(f.svc.UpdateDataCellsFilter(ctx, root, mk("region IN ('eu', 'us')")))
	acc, _ = f.svc.TableAccess(ctx, session(appARN, "x"), "db", "t")
	if acc.RowFilter != "region IN ('eu', 'us')" {
		t.Fatalf("after update %+v", acc)
	}
	gf, err := f.svc.GetDataCellsFilter(ctx, root, &FilterNameInput{DatabaseName: "db", TableName: "t", Name: "f"})
	if err != nil || gf.DataCellsFilter.VersionId != "2" {
		t.Fatalf("get %+v %v", gf, err)
	}
	ok(t)(f.svc.DeleteDataCellsFilter(ctx, root, &FilterNameInput{DatabaseName: "db", TableName: "t", Name: "f"}))
	if _, err := f.svc.TableAccess(ctx, session(appARN, "x"), "db", "t"); code(err) != "AccessDeniedException" {
		t.Fatalf("after delete: %v", err)
	}

	// LF-tags: create, assign on table and column, resolve through a tag policy.
	ok(t)(f.svc.CreateLFTag(ctx, root, &TagInput{TagKey: "Level", TagValues: []string{"public", "secret"}}))
	ok(t)(f.svc.AddLFTagsToResource(ctx, root, &ResourceTagsInput{Resource: &Resource{Table: &TableResource{DatabaseName: "db", Name: "t"}}, LFTags: []LFTagPair{{TagKey: "level", TagValues: []string{"public"}}}}))
	out, err := f.svc.AddLFTagsToResource(ctx, root, &ResourceTagsInput{Resource: &Resource{TableWithColumns: &TableWithColumnsResource{DatabaseName: "db", Name: "t", ColumnNames: []string{"name"}}},
		LFTags: []LFTagPair{{TagKey: "level", TagValues: []string{"secret"}}, {TagKey: "nokey", TagValues: []string{"x"}}}})
	if err != nil || len(out.Failures) != 1 || out.Failures[0].Error.ErrorCode != "EntityNotFoundException" {
		t.Fatalf("add tags %+v %v", out, err)
	}
	ok(t)(f.svc.GrantPermissions(ctx, root, &GrantInput{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: appARN},
		Resource: &Resource{LFTagPolicy: &LFTagPolicyResource{ResourceType: "TABLE", Expression: []LFTag{{TagKey: "level", TagValues: []string{"public"}}}}}, Permissions: []Permission{Select}}))
	acc, err = f.svc.TableAccess(ctx, session(appARN, "x"), "db", "t")
	if err != nil || cmp.Diff([]string{"id", "region"}, acc.AuthorizedColumns) != "" {
		t.Fatalf("tag access %+v %v", acc, err)
	}
	rt, err := f.svc.GetResourceLFTags(ctx, root, &ResourceTagsInput{Resource: &Resource{Table: &TableResource{DatabaseName: "db", Name: "t"}}})
	if err != nil || len(rt.LFTagsOnTable) != 1 || rt.LFTagsOnColumns[1].LFTags[0].TagValues[0] != "secret" {
		t.Fatalf("resource tags %+v %v", rt, err)
	}
	st, err := f.svc.SearchTablesByLFTags(ctx, root, &SearchInput{Expression: []LFTag{{TagKey: "level", TagValues: []string{"public"}}}})
	if err != nil || len(st.TableList) != 1 || st.TableList[0].Table.Name != "t" {
		t.Fatalf("search %+v %v", st, err)
	}
	ok(t)(f.svc.DeleteLFTag(ctx, root, &TagInput{TagKey: "level"}))
	if _, err := f.svc.TableAccess(ctx, session(appARN, "x"), "db", "t"); code(err) != "AccessDeniedException" {
		t.Fatalf("after tag delete: %v", err)
	}
}

func TestLocationsAPI(t *testing.T) {
	f := newFixture(t)
	ctx := f.ctx
	ok(t)(f.svc.RegisterResource(ctx, root, &RegisterInput{ResourceArn: "arn:aws:s3:::b/p/", RoleArn: string(locRole.ARN)}))
	if _, err := f.svc.RegisterResource(ctx, root, &RegisterInput{ResourceArn: "arn:aws:s3:::b/p", RoleArn: string(locRole.ARN)}); code(err) != "AlreadyExistsException" {
		t.Fatalf("dup: %v", err)
	}
	ok(t)(f.svc.RegisterResource(ctx, root, &RegisterInput{ResourceArn: "arn:aws:s3:::c", UseServiceLinkedRole: ptrue()}))
	if _, err := f.svc.RegisterResource(ctx, session(appARN, "x"), &RegisterInput{ResourceArn: "arn:aws:s3:::d", RoleArn: string(locRole.ARN)}); code(err) != "AccessDeniedException" {
		t.Fatalf("non-admin: %v", err)
	}
	l, err := f.svc.ListResources(ctx, root, &ListResourcesInput{})
	if err != nil || len(l.ResourceInfoList) != 2 || !strings.HasSuffix(l.ResourceInfoList[1].RoleArn, ServiceLinkedRoleName) {
		t.Fatalf("list %+v %v", l, err)
	}
	loc, _ := f.svc.locationFor(ctx, "s3://b/p/q/r.csv")
	if loc == nil || loc.ResourceArn != "arn:aws:s3:::b/p" {
		t.Fatalf("locationFor %+v", loc)
	}
	if loc, _ := f.svc.locationFor(ctx, "s3://b/pq/r.csv"); loc != nil {
		t.Fatalf("b/pq must not match b/p")
	}
	ok(t)(f.svc.DeregisterResource(ctx, root, &ResourceArnInput{ResourceArn: "arn:aws:s3:::b/p"}))
	if _, err := f.svc.DescribeResource(ctx, root, &ResourceArnInput{ResourceArn: "arn:aws:s3:::b/p"}); code(err) != "EntityNotFoundException" {
		t.Fatalf("describe: %v", err)
	}
}

// BenchmarkVend compares vending with 10 tables against 10,000 tables and 100,000 grants, on
// the default store (SQLite in a temporary directory): resolution reads only the grants that
// apply, so the ratio stays near 1.
func BenchmarkVend(b *testing.B) {
	for _, size := range []struct{ tables, grants int }{{10, 10}, {10000, 100000}} {
		b.Run(fmt.Sprintf("tables=%d/grants=%d", size.tables, size.grants), func(b *testing.B) {
			st, err := sqlitestore.Open(context.Background(), filepath.Join(b.TempDir(), "lf.db"), nil)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			f := newFixtureOn(b, st)
			f.setupS0(b)
			ctx := f.ctx
			err = f.svc.st.Update(ctx, func(tx store.Tx) error {
				for i := 0; i < size.grants; i++ {
					tn := fmt.Sprintf("t%05d", i%size.tables)
					if i < size.tables {
						f.cat.add(&catalog.TableInfo{Database: "db", Name: tn, Location: "s3://bucket/warehouse/" + tn + "/", Columns: []catalog.ColumnInfo{{Name: "a", Type: "int"}}})
					}
					g := Grant{Principal: DataLakePrincipal{DataLakePrincipalIdentifier: fmt.Sprintf("arn:aws:iam::123456789012:role/r%d", i/size.tables)},
						Resource: Resource{Table: &TableResource{DatabaseName: "db", Name: tn}}, Permissions: []Permission{Select}}
					if err := f.svc.putGrant(ctx, tx, g); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			p := session(appARN, "nb", identity.Tag{Key: "LakeFormationAuthorizedCaller", Value: "engine"})
			in := VendInput{TableArn: tArn, SupportedPermissionTypes: []string{ColumnPermission}}
			f.svc.auditor = discardAuditor{}
			runtime.GC() // do not bill the setup's garbage to the measured loop
			b.ResetTimer()
			for b.Loop() {
				if _, err := f.svc.GetTemporaryGlueTableCredentials(ctx, p, &in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// discardAuditor keeps the benchmark from growing a slice of events.
type discardAuditor struct{}

func (discardAuditor) Add(context.Context, *audit.Extra) error { return nil }
