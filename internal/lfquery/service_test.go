package lfquery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/blob"
	"github.com/sluicehq/sluice/internal/blob/localfs"
	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
	"github.com/sluicehq/sluice/internal/tables"
)

const acct = identity.AccountID("123456789012")

func role(name string) *identity.Principal {
	return &identity.Principal{Type: identity.AssumedRole, Account: acct,
		ARN:     identity.ARN("arn:aws:sts::123456789012:assumed-role/" + name + "/s"),
		Session: &identity.Session{RoleARN: identity.ARN("arn:aws:iam::123456789012:role/" + name), RoleName: name, Name: "s"}}
}

var (
	tina  = role("sales")   // SELECT on id, region, amount where region = 'CA'
	admin = role("admin")   // SELECT on everything
	bob   = role("outside") // cannot DESCRIBE the table
	noIAM = role("noiam")   // IAM denies lakeformation:*
)

// testCatalog is a one-table catalog (sales.orders) with Lake Formation's answers per principal:
// the catalog and governance edges of tables.Service, in memory.
type testCatalog struct{}

var ordersInfo = &catalog.TableInfo{Database: "sales", Name: "orders",
	Columns:  []catalog.ColumnInfo{{Name: "id", Type: "bigint"}, {Name: "region", Type: "string"}, {Name: "amount", Type: "double"}, {Name: "email", Type: "string"}},
	Location: "s3://data/orders/", Parameters: map[string]string{"classification": "csv"}}

func notFound(name string) error {
	return awsproto.Errorf(http.StatusBadRequest, "EntityNotFoundException", "Table %s not found.", name)
}

func (testCatalog) GetTable(_ context.Context, p *identity.Principal, in *catalog.GetTableRequest) (*catalog.GetTableResponse, error) {
	if *in.DatabaseName != "sales" || *in.Name != "orders" || p == bob {
		return nil, notFound(*in.Name)
	}
	return &catalog.GetTableResponse{Table: json.RawMessage(`{"Name":"orders","StorageDescriptor":{"SerdeInfo":{"SerializationLibrary":"org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"}}}`)}, nil
}

func (testCatalog) GetDatabases(context.Context, *identity.Principal, *catalog.GetDatabasesRequest) (*catalog.GetDatabasesResponse, error) {
	return &catalog.GetDatabasesResponse{}, nil
}

func (testCatalog) GetTables(context.Context, *identity.Principal, *catalog.GetTablesRequest) (*catalog.GetTablesResponse, error) {
	return &catalog.GetTablesResponse{}, nil
}

func (testCatalog) LookupTable(_ context.Context, db, name string) (*catalog.TableInfo, error) {
	if db == "sales" && name == "orders" {
		return ordersInfo, nil
	}
	return nil, notFound(name)
}

type testGovernance struct{ catalog.Governance }

func (testGovernance) TableAccess(_ context.Context, p *identity.Principal, _, _ string) (*catalog.TableAccess, error) {
	switch p {
	case admin:
		return &catalog.TableAccess{Full: true}, nil
	case tina:
		return &catalog.TableAccess{AuthorizedColumns: []string{"id", "region", "amount"}, RowFilter: "region = 'CA'"}, nil
	}
	return nil, awsproto.Errorf(http.StatusForbidden, "AccessDeniedException", "no access")
}

func allowIAM(_ context.Context, p *identity.Principal, action, _ string) error {
	if p == noIAM {
		return awsproto.AccessDenied("%s is not authorized to perform: %s", p.ARN, action)
	}
	return nil
}

type fixture struct {
	svc    *Service
	router *awsproto.JSONRouter
	now    time.Time
	st     store.Store
	tbl    *tables.Service
	ring   *keyring.Ring
}

// replica is another Sluice replica: the same store, tables and key ring, none of this one's
// memory (or this one after a restart).
func (fx *fixture) replica() *fixture {
	r := &fixture{now: fx.now, st: fx.st, tbl: fx.tbl, ring: fx.ring}
	r.svc = New(fx.st, fx.tbl, fx.ring, allowIAM, &Options{Now: func() time.Time { return r.now }})
	r.router = &awsproto.JSONRouter{Service: awsproto.LakeFormation, Ops: r.svc.Operations()}
	return r
}

// newFixture stores three CSV files of four rows each (regions CA, TX, CA, NY per file).
func newFixture(t testing.TB, opts *Options) *fixture {
	t.Helper()
	objs, err := localfs.Open(t.TempDir(), &localfs.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { objs.Close() })
	regions := []string{"CA", "TX", "CA", "NY"}
	for f := 0; f < 3; f++ {
		var b strings.Builder
		for i := 0; i < 4; i++ {
			id := f*4 + i + 1
			fmt.Fprintf(&b, "%d,%s,%d.5,u%d@example.com\n", id, regions[i], id, id)
		}
		data := []byte(b.String())
		if _, err := objs.Put(context.Background(), "data", fmt.Sprintf("orders/part-%d.csv", f), bytes.NewReader(data), &blob.Attrs{Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
	}
	ring, err := keyring.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), ring: ring}
	tbl := tables.NewService(testCatalog{}, testGovernance{}, objs, tables.Authorizer(allowIAM), &tables.ServiceOptions{BatchSize: 3})
	o := Options{Now: func() time.Time { return fx.now }}
	if opts != nil {
		o.TTL, o.MaxQueries = opts.TTL, opts.MaxQueries
	}
	fx.tbl = tbl
	fx.st = memstore.New(nil)
	fx.svc = New(fx.st, tbl, ring, allowIAM, &o)
	fx.router = &awsproto.JSONRouter{Service: awsproto.LakeFormation, Ops: fx.svc.Operations()}
	return fx
}

type reply struct {
	status int
	code   string
	body   []byte
	call   *awsproto.Call
}

// do sends one REST-JSON request through the router as p.
func (fx *fixture) do(t testing.TB, p *identity.Principal, op string, in any) reply {
	t.Helper()
	data, _ := json.Marshal(in)
	r := httptest.NewRequest(http.MethodPost, "/"+op, bytes.NewReader(data))
	c := &awsproto.Call{RequestID: "req", Service: awsproto.LakeFormation, Principal: p, Body: bytes.NewReader(data)}
	r = r.WithContext(awsproto.WithCall(r.Context(), c))
	w := httptest.NewRecorder()
	fx.router.ServeAWS(w, r, c)
	return reply{status: w.Code, code: w.Header().Get("X-Amzn-ErrorType"), body: w.Body.Bytes(), call: c}
}

func (fx *fixture) start(t testing.TB, p *identity.Principal, q string) string {
	t.Helper()
	r := fx.do(t, p, "StartQueryPlanning", map[string]any{"QueryPlanningContext": map[string]any{"DatabaseName": "sales"}, "QueryString": q})
	if r.status != 200 {
		t.Fatalf("StartQueryPlanning(%q): %d %s", q, r.status, r.body)
	}
	var out StartQueryPlanningOutput
	json.Unmarshal(r.body, &out)
	if len(out.QueryId) != 36 {
		t.Fatalf("QueryId %q", out.QueryId)
	}
	return out.QueryId
}

func (fx *fixture) units(t testing.TB, p *identity.Principal, id string) []WorkUnitRange {
	t.Helper()
	var all []WorkUnitRange
	next := ""
	for {
		in := map[string]any{"QueryId": id, "PageSize": 2}
		if next != "" {
			in["NextToken"] = next
		}
		r := fx.do(t, p, "GetWorkUnits", in)
		if r.status != 200 {
			t.Fatalf("GetWorkUnits: %d %s", r.status, r.body)
		}
		var out GetWorkUnitsOutput
		json.Unmarshal(r.body, &out)
		all = append(all, out.WorkUnitRanges...)
		if out.NextToken == nil {
			return all
		}
		next = *out.NextToken
	}
}

// rows decodes an Arrow IPC stream into text rows, with the column names first.
func rows(t testing.TB, body []byte) [][]string {
	t.Helper()
	rd, err := ipc.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("arrow stream: %v", err)
	}
	defer rd.Release()
	var names []string
	for _, f := range rd.Schema().Fields() {
		names = append(names, f.Name)
	}
	out := [][]string{names}
	for rd.Next() {
		rec := rd.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			var row []string
			for k := 0; k < int(rec.NumCols()); k++ {
				row = append(row, cell(rec.Column(k), i))
			}
			out = append(out, row)
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func cell(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "NULL"
	}
	switch a := a.(type) {
	case *array.Int64:
		return fmt.Sprint(a.Value(i))
	case *array.Float64:
		return fmt.Sprint(a.Value(i))
	case *array.String:
		return a.Value(i)
	}
	return a.ValueStr(i)
}

// readAll runs the whole protocol as p and returns every unit's rows (header once).
func (fx *fixture) readAll(t testing.TB, p *identity.Principal, q string) [][]string {
	t.Helper()
	id := fx.start(t, p, q)
	var out [][]string
	for _, u := range fx.units(t, p, id) {
		for wid := u.WorkUnitIdMin; wid <= u.WorkUnitIdMax; wid++ {
			r := fx.do(t, p, "GetWorkUnitResults", map[string]any{"QueryId": id, "WorkUnitId": wid, "WorkUnitToken": u.WorkUnitToken})
			if r.status != 200 {
				t.Fatalf("GetWorkUnitResults: %d %s", r.status, r.body)
			}
			got := rows(t, r.body)
			if out == nil {
				out = got[:1]
			}
			out = append(out, got[1:]...)
		}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	fx := newFixture(t, nil)
	for _, tc := range []struct {
		name string
		p    *identity.Principal
		q    string
		want [][]string
	}{
		{name: "admin sees everything", p: admin, q: "SELECT id, region FROM orders WHERE id <= 5",
			want: [][]string{{"id", "region"}, {"1", "CA"}, {"2", "TX"}, {"3", "CA"}, {"4", "NY"}, {"5", "CA"}}},
		{name: "tina: her rows and columns only", p: tina, q: "SELECT * FROM sales.orders",
			want: [][]string{{"id", "region", "amount"}, {"1", "CA", "1.5"}, {"3", "CA", "3.5"}, {"5", "CA", "5.5"}, {"7", "CA", "7.5"}, {"9", "CA", "9.5"}, {"11", "CA", "11.5"}}},
		{name: "tina's where narrows, never widens", p: tina, q: "SELECT id FROM orders WHERE region = 'TX' OR id > 8",
			want: [][]string{{"id"}, {"9"}, {"11"}}},
		{name: "limit is global", p: admin, q: "SELECT id FROM orders LIMIT 6",
			want: [][]string{{"id"}, {"1"}, {"2"}, {"3"}, {"4"}, {"5"}, {"6"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, fx.readAll(t, tc.p, tc.q)); d != "" {
				t.Fatalf("(-want +got)\n%s", d)
			}
		})
	}
}

func TestStateStatisticsAndAudit(t *testing.T) {
	fx := newFixture(t, nil)
	id := fx.start(t, tina, "SELECT id FROM orders")
	state := func(p *identity.Principal) string {
		r := fx.do(t, p, "GetQueryState", map[string]any{"QueryId": id})
		var out GetQueryStateOutput
		json.Unmarshal(r.body, &out)
		return out.State
	}
	if s := state(tina); s != StateWorkUnitsAvailable {
		t.Fatalf("state %s", s)
	}
	us := fx.units(t, tina, id)
	if len(us) != 3 {
		t.Fatalf("%d work units, want one per file", len(us))
	}
	for _, u := range us {
		r := fx.do(t, tina, "GetWorkUnitResults", map[string]any{"QueryId": id, "WorkUnitId": u.WorkUnitIdMin, "WorkUnitToken": u.WorkUnitToken})
		if r.status != 200 || r.call.Output != nil {
			t.Fatalf("%d %s", r.status, r.body)
		}
		want := map[string]any{"columns": []string{"id"}, "rowFilter": "region = 'CA'", "queryId": id, "workUnitId": u.WorkUnitIdMin}
		if d := cmp.Diff(want, r.call.Extra); d != "" {
			t.Fatalf("audit extra (-want +got)\n%s", d)
		}
		if in, ok := r.call.Input.(*workUnitAudit); !ok || in.QueryId != id {
			t.Fatalf("audit input %#v keeps the token", r.call.Input)
		}
		if rs := r.call.Resources; len(rs) != 1 || rs[0].Type != "AWS::Glue::Table" ||
			!strings.HasPrefix(rs[0].ARN, "arn:aws:glue:us-east-1:") || !strings.HasSuffix(rs[0].ARN, ":table/sales/orders") {
			t.Fatalf("audit resources %+v, want the table", rs)
		}
	}
	if s := state(tina); s != StateFinished {
		t.Fatalf("state after reading every unit: %s", s)
	}
	r := fx.do(t, tina, "GetQueryStatistics", map[string]any{"QueryId": id})
	var raw map[string]any
	json.Unmarshal(r.body, &raw)
	want := map[string]any{
		"ExecutionStatistics": map[string]any{"AverageExecutionTimeMillis": 0.0, "DataScannedBytes": 297.0, "WorkUnitsExecutedCount": 3.0},
		"PlanningStatistics":  map[string]any{"EstimatedDataToScanBytes": 297.0, "PlanningTimeMillis": 0.0, "QueueTimeMillis": 0.0, "WorkUnitsGeneratedCount": 3.0},
		"QuerySubmissionTime": "2026-05-01T12:00:00.000Z",
	}
	if d := cmp.Diff(want, raw); d != "" {
		t.Fatalf("statistics (-want +got)\n%s", d)
	}
	// Past its lifetime the query is EXPIRED, and the other operations answer ExpiredException.
	fx.now = fx.now.Add(2 * time.Hour)
	if s := state(tina); s != StateExpired {
		t.Fatalf("state after the TTL: %s", s)
	}
	if r := fx.do(t, tina, "GetWorkUnitResults", map[string]any{"QueryId": id, "WorkUnitId": 0, "WorkUnitToken": us[0].WorkUnitToken}); r.status != 410 || r.code != "ExpiredException" {
		t.Fatalf("expired token: %d %s", r.status, r.body)
	}
}

func TestAuthorization(t *testing.T) {
	fx := newFixture(t, nil)
	plan := func(p *identity.Principal, q string) reply {
		return fx.do(t, p, "StartQueryPlanning", map[string]any{"QueryPlanningContext": map[string]any{"DatabaseName": "sales"}, "QueryString": q})
	}
	missing := plan(admin, "SELECT * FROM nothere")
	hidden := plan(bob, "SELECT * FROM orders")
	if missing.status != 400 || missing.code != "EntityNotFoundException" || hidden.status != missing.status || hidden.code != missing.code {
		t.Fatalf("missing %d %s, hidden %d %s: a hidden table must answer as a missing one", missing.status, missing.body, hidden.status, hidden.body)
	}
	if r := plan(noIAM, "SELECT * FROM orders"); r.status != 403 || r.code != "AccessDeniedException" {
		t.Fatalf("IAM denial: %d %s", r.status, r.body)
	}
	if r := plan(tina, "SELECT email FROM orders"); r.status != 403 || r.code != "AccessDeniedException" {
		t.Fatalf("hidden column: %d %s", r.status, r.body)
	}
	if r := plan(tina, "SELECT id FROM orders WHERE email = 'x'"); r.status != 400 || !strings.Contains(string(r.body), "position 29: WHERE: unknown column email") {
		t.Fatalf("where naming a hidden column: %d %s", r.status, r.body)
	}
	if r := plan(tina, "SELECT id FROM orders WHERE id = "); r.status != 400 || r.code != "InvalidInputException" || !strings.Contains(string(r.body), "position 34") {
		t.Fatalf("syntax error: %d %s", r.status, r.body)
	}

	// Another principal cannot use tina's query, its state or its work units.
	id := fx.start(t, tina, "SELECT * FROM orders")
	us := fx.units(t, tina, id)
	if r := fx.do(t, admin, "GetWorkUnits", map[string]any{"QueryId": id}); r.status != 410 {
		t.Fatalf("admin listing tina's work units: %d %s", r.status, r.body)
	}
	if r := fx.do(t, admin, "GetQueryState", map[string]any{"QueryId": id}); !strings.Contains(string(r.body), StateExpired) {
		t.Fatalf("admin reading tina's state: %s", r.body)
	}
	forged := fx.do(t, admin, "GetWorkUnitResults", map[string]any{"QueryId": id, "WorkUnitId": 0, "WorkUnitToken": "AAAA"})
	stolen := fx.do(t, admin, "GetWorkUnitResults", map[string]any{"QueryId": id, "WorkUnitId": 0, "WorkUnitToken": us[0].WorkUnitToken})
	if stolen.status != 400 || stolen.code != "InvalidInputException" || string(stolen.body) != string(forged.body) {
		t.Fatalf("stolen token: %d %s; forged: %s", stolen.status, stolen.body, forged.body)
	}
	if r := fx.do(t, tina, "GetWorkUnitResults", map[string]any{"QueryId": id, "WorkUnitId": 1, "WorkUnitToken": us[0].WorkUnitToken}); r.status != 400 {
		t.Fatalf("token for another unit: %d %s", r.status, r.body)
	}
}

// TestAnotherReplica: query state is in the store and work unit tokens are self-contained, so a
// client whose requests a load balancer spreads over replicas (or that outlives a restart) plans
// on one, pages work units on another and reads them on either; the statistics and the state
// count every replica's executions.
func TestAnotherReplica(t *testing.T) {
	fx := newFixture(t, nil)
	other := fx.replica()
	id := fx.start(t, tina, "SELECT id FROM orders WHERE id < 4")
	us := other.units(t, tina, id)
	if len(us) != 3 {
		t.Fatalf("%d work units on another replica, want 3", len(us))
	}
	for i, u := range us {
		on := fx
		if i%2 == 1 {
			on = other
		}
		r := on.do(t, tina, "GetWorkUnitResults", map[string]any{"QueryId": id, "WorkUnitId": u.WorkUnitIdMin, "WorkUnitToken": u.WorkUnitToken})
		if r.status != 200 {
			t.Fatalf("GetWorkUnitResults of unit %d: %d %s", i, r.status, r.body)
		}
		if i == 0 {
			if d := cmp.Diff([][]string{{"id"}, {"1"}, {"3"}}, rows(t, r.body)); d != "" {
				t.Fatalf("(-want +got)\n%s", d)
			}
		}
	}
	if r := other.do(t, tina, "GetQueryState", map[string]any{"QueryId": id}); !strings.Contains(string(r.body), StateFinished) {
		t.Fatalf("GetQueryState on another replica after every unit was read: %s", r.body)
	}
	r := fx.do(t, tina, "GetQueryStatistics", map[string]any{"QueryId": id})
	var stats struct{ ExecutionStatistics ExecutionStatistics }
	if err := json.Unmarshal(r.body, &stats); err != nil || stats.ExecutionStatistics.WorkUnitsExecutedCount != 3 {
		t.Fatalf("statistics over both replicas: %s", r.body)
	}
	if r := other.do(t, admin, "GetWorkUnits", map[string]any{"QueryId": id}); r.status != 410 || r.code != "ExpiredException" {
		t.Fatalf("another principal on another replica: %d %s", r.status, r.body)
	}
}

// TestSweep: expired queries and their executions leave the store when a later query is
// planned after sweepEvery.
func TestSweep(t *testing.T) {
	fx := newFixture(t, nil)
	old := fx.start(t, tina, "SELECT id FROM orders")
	u := fx.units(t, tina, old)[0]
	if r := fx.do(t, tina, "GetWorkUnitResults", map[string]any{"QueryId": old, "WorkUnitId": u.WorkUnitIdMin, "WorkUnitToken": u.WorkUnitToken}); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	count := func(ns string) int {
		recs, err := fx.st.List(context.Background(), ns, store.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	if q, e, u := count(nsQuery), count(nsExec), count(nsUnit); q != 1 || e != 1 || u != 3 {
		t.Fatalf("before: %d queries, %d execution records, %d units", q, e, u)
	}
	fx.now = fx.now.Add(2 * time.Hour)
	fresh := fx.start(t, tina, "SELECT id FROM orders")
	recs, err := fx.st.List(context.Background(), nsQuery, store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Key != fresh || count(nsExec) != 0 || count(nsUnit) != 3 || count(nsExpiry) != 1 {
		t.Errorf("after the sweep: %d queries (want only %s), %d execution records, %d units (want the fresh one's 3), %d expiry entries",
			len(recs), fresh, count(nsExec), count(nsUnit), count(nsExpiry))
	}
}

func TestInputs(t *testing.T) {
	fx := newFixture(t, &Options{MaxQueries: 1})
	for _, tc := range []struct {
		name, op string
		in       any
		code     string
	}{
		{"no context", "StartQueryPlanning", map[string]any{"QueryString": "SELECT * FROM orders"}, "InvalidInputException"},
		{"as of time", "StartQueryPlanning", map[string]any{"QueryPlanningContext": map[string]any{"DatabaseName": "sales", "QueryAsOfTime": 1700000000}, "QueryString": "SELECT * FROM orders"}, "InvalidInputException"},
		{"transaction", "StartQueryPlanning", map[string]any{"QueryPlanningContext": map[string]any{"DatabaseName": "sales", "TransactionId": "t1"}, "QueryString": "SELECT * FROM orders"}, "InvalidInputException"},
		{"parameters", "StartQueryPlanning", map[string]any{"QueryPlanningContext": map[string]any{"DatabaseName": "sales", "QueryParameters": map[string]string{"1": "x"}}, "QueryString": "SELECT * FROM orders"}, "InvalidInputException"},
		{"foreign catalog", "StartQueryPlanning", map[string]any{"QueryPlanningContext": map[string]any{"DatabaseName": "sales", "CatalogId": "999999999999"}, "QueryString": "SELECT * FROM orders"}, "InvalidInputException"},
		{"short query id", "GetQueryState", map[string]any{"QueryId": "x"}, "InvalidInputException"},
		{"unknown query", "GetWorkUnits", map[string]any{"QueryId": strings.Repeat("0", 36)}, "ExpiredException"},
		{"unknown statistics", "GetQueryStatistics", map[string]any{"QueryId": strings.Repeat("0", 36)}, "ExpiredException"},
		{"no unit id", "GetWorkUnitResults", map[string]any{"QueryId": strings.Repeat("0", 36), "WorkUnitToken": "x"}, "InvalidInputException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := fx.do(t, admin, tc.op, tc.in); r.code != tc.code {
				t.Fatalf("%d %s, want %s", r.status, r.body, tc.code)
			}
		})
	}
	fx.start(t, admin, "SELECT * FROM orders")
	r := fx.do(t, admin, "StartQueryPlanning", map[string]any{"QueryPlanningContext": map[string]any{"DatabaseName": "sales"}, "QueryString": "SELECT * FROM orders"})
	if r.status != 429 || r.code != "ThrottledException" {
		t.Fatalf("over MaxQueries: %d %s", r.status, r.body)
	}
	fx.now = fx.now.Add(2 * time.Hour) // the old query expires and makes room
	fx.start(t, admin, "SELECT * FROM orders")
}

func BenchmarkWorkUnitResults(b *testing.B) {
	fx := newFixture(b, nil)
	id := fx.start(b, tina, "SELECT * FROM orders")
	u := fx.units(b, tina, id)[0]
	in := map[string]any{"QueryId": id, "WorkUnitId": 0, "WorkUnitToken": u.WorkUnitToken}
	b.ReportAllocs()
	for b.Loop() {
		if r := fx.do(b, tina, "GetWorkUnitResults", in); r.status != 200 {
			b.Fatal(r.status)
		}
	}
}
