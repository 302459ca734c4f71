package catalog

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

const testAccount identity.AccountID = "123456789012"

var (
	clock = time.Date(2026, 11, 22, 23, 34, 41, 0, time.UTC)
	root  = identity.NewRoot(testAccount, "AKIAROOT")
	alice = &identity.Principal{Type: identity.IAMUser, Account: testAccount, ARN: "arn:aws:iam::123456789012:user/alice", UserName: "alice", ID: "AIDAALICE"}
	bob   = &identity.Principal{Type: identity.IAMUser, Account: testAccount, ARN: "arn:aws:iam::123456789012:user/bob", UserName: "bob", ID: "AIDABOB"}
)

// policyAuthorizer decides with the real policy engine over per-principal identity policies;
// root is allowed everything.
type policyAuthorizer map[identity.ARN][]*policy.Policy

func (pa policyAuthorizer) authorize(_ context.Context, p *identity.Principal, action, resource string) error {
	if p.Type == identity.Root {
		return nil
	}
	set := &policy.Set{Identity: pa[p.ARN]}
	r := policy.Evaluate(set, &policy.Request{Action: action, Resource: resource,
		Principal: policy.Principal{ARN: string(p.ARN), Account: string(p.Account)}, Context: policy.NewContext()})
	if r.Decision == policy.Allow {
		return nil
	}
	return awsproto.AccessDenied("%s", r.Message(string(p.ARN), action, resource))
}

func mustPolicy(t testing.TB, doc string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(doc), policy.Identity)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// allowAll is an identity policy allowing every Glue action.
const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"glue:*","Resource":"*"}]}`

// grantGovernance is a small Lake Formation: a grant table, admins, creators get ALL.
type grantGovernance struct {
	mu     sync.Mutex
	admins map[identity.ARN]bool
	grants map[identity.ARN]map[Target][]Permission
	// columns restricts SELECT to some columns; filters adds cell filters; registered marks
	// tables registered with Lake Formation.
	columns    map[identity.ARN]map[Target][]string
	filters    map[identity.ARN]map[Target][]CellFilter
	registered map[Target]bool
}

func newGov() *grantGovernance {
	return &grantGovernance{admins: map[identity.ARN]bool{}, grants: map[identity.ARN]map[Target][]Permission{},
		columns: map[identity.ARN]map[Target][]string{}, filters: map[identity.ARN]map[Target][]CellFilter{},
		registered: map[Target]bool{}}
}

func (g *grantGovernance) grant(p *identity.Principal, target Target, perms ...Permission) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.grants[p.ARN] == nil {
		g.grants[p.ARN] = map[Target][]Permission{}
	}
	g.grants[p.ARN][target] = append(g.grants[p.ARN][target], perms...)
}

func (g *grantGovernance) holds(p *identity.Principal, perm Permission, target Target) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.admins[p.ARN] && (perm == "DESCRIBE" || perm == "CREATE_DATABASE") {
		return true
	}
	perms := g.grants[p.ARN][target]
	return slices.Contains(perms, perm) || slices.Contains(perms, "ALL") ||
		(perm == "DESCRIBE" && len(perms) > 0)
}

func (g *grantGovernance) Authorize(ctx context.Context, p *identity.Principal, perm Permission, target Target) error {
	if g.holds(p, perm, target) || (perm == "DESCRIBE" && g.CanDescribe(ctx, p, target)) {
		return nil
	}
	if perm == "DESCRIBE" {
		return errNotFound("Entity not found")
	}
	return errDenied("Insufficient Lake Formation permission(s): Required %s on %s", perm, target.Table)
}

func (g *grantGovernance) CanDescribe(ctx context.Context, p *identity.Principal, target Target) bool {
	if g.holds(p, "DESCRIBE", target) {
		return true
	}
	if target.Table == "" { // any permission on a table of the database shows the database
		g.mu.Lock()
		defer g.mu.Unlock()
		for t, perms := range g.grants[p.ARN] {
			if t.Database == target.Database && t.Table != "" && len(perms) > 0 {
				return true
			}
		}
	}
	return false
}

func (g *grantGovernance) Created(_ context.Context, p *identity.Principal, target Target) error {
	g.grant(p, target, "ALL")
	return nil
}

func (g *grantGovernance) Deleted(_ context.Context, target Target) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, m := range g.grants {
		delete(m, target)
	}
	return nil
}

func (g *grantGovernance) TableAccess(_ context.Context, p *identity.Principal, db, table string) (*TableAccess, error) {
	target := Target{Database: db, Table: table}
	g.mu.Lock()
	perms := slices.Clone(g.grants[p.ARN][target])
	cols := g.columns[p.ARN][target]
	filters := g.filters[p.ARN][target]
	reg := g.registered[target]
	g.mu.Unlock()
	if len(perms) == 0 && len(cols) == 0 {
		return nil, errDenied("Insufficient Lake Formation permission(s) on %s", table)
	}
	a := &TableAccess{IsRegisteredWithLakeFormation: reg, Permissions: perms, AuthorizedColumns: []string{}}
	switch {
	case len(cols) > 0:
		a.AuthorizedColumns = cols
		a.Permissions = append(a.Permissions, "SELECT")
	case slices.Contains(perms, "SELECT") || slices.Contains(perms, "ALL"):
		a.Full = true
	}
	if len(filters) > 0 {
		a.Full = false
		a.CellFilters = filters
		var ors []string
		for _, f := range filters {
			ors = append(ors, f.RowFilterExpression)
		}
		a.RowFilter = strings.Join(ors, " OR ")
	}
	return a, nil
}

type fixture struct {
	svc  *Service
	gov  *grantGovernance // nil when IAM alone decides
	pols policyAuthorizer
	ctx  context.Context
}

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = 7
	}
	return len(b), nil
}

func newFixture(t testing.TB, governed bool) *fixture {
	t.Helper()
	f := &fixture{pols: policyAuthorizer{}, ctx: context.Background()}
	f.pols[alice.ARN] = []*policy.Policy{mustPolicy(t, allowAll)}
	f.pols[bob.ARN] = []*policy.Policy{mustPolicy(t, allowAll)}
	f.svc = New(memstore.New(nil), f.pols.authorize, testAccount, "us-east-1", &Options{
		Now: func() time.Time { return clock }, Rand: zeroReader{}})
	if governed {
		f.gov = newGov()
		f.gov.admins[root.ARN] = true
		f.svc.SetGovernance(f.gov)
	}
	return f
}

func str(s string) *string { return &s }
func i32(n int32) *int32   { return &n }

// errCode returns the AWS error code of err ("" for nil, "internal" for others).
func errCode(err error) string {
	if err == nil {
		return ""
	}
	if e := awsproto.As(err); e != nil {
		return e.Code
	}
	return "internal: " + err.Error()
}

func errText(err error) string {
	if e := awsproto.As(err); e != nil {
		return e.Code + ": " + e.Message
	}
	if err == nil {
		return ""
	}
	return "internal: " + err.Error()
}

func (f *fixture) createDB(t testing.TB, p *identity.Principal, name string) {
	t.Helper()
	if _, err := f.svc.CreateDatabase(f.ctx, p, &CreateDatabaseRequest{DatabaseInput: json.RawMessage(`{"Name":"` + name + `"}`)}); err != nil {
		t.Fatalf("CreateDatabase %s: %v", name, err)
	}
}

func (f *fixture) createTable(t testing.TB, p *identity.Principal, db, input string) {
	t.Helper()
	if _, err := f.svc.CreateTable(f.ctx, p, &CreateTableRequest{DatabaseName: str(db), TableInput: json.RawMessage(input)}); err != nil {
		t.Fatalf("CreateTable %s: %v", input, err)
	}
}

func decodeMap(t testing.TB, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return m
}

// names extracts the "Name" member of each object.
func names(t testing.TB, list []json.RawMessage) []string {
	t.Helper()
	out := []string{}
	for _, r := range list {
		out = append(out, decodeMap(t, r)["Name"].(string))
	}
	return out
}

func storeAll() store.ListOptions { return store.ListOptions{} }
