package interop

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// lfQuerySetup is story S1's sales table, twice over (two Parquet files: two work units), with
// Tina's sales role limited by a data cells filter to CA rows and without ws_item_sk. It returns
// Tina's session credentials.
func lfQuerySetup(t *testing.T, ep string) aws.Credentials {
	t.Helper()
	cli := awsCLI(t, "2")
	dir := t.TempDir()
	root := clientEnv(ep)
	awsJSON(t, cli, root, ep, "lakeformation", "put-data-lake-settings", "--data-lake-settings",
		`{"DataLakeAdmins":[],"CreateDatabaseDefaultPermissions":[],"CreateTableDefaultPermissions":[]}`)
	mustRun(t, root, cli, "--endpoint-url", ep, "s3", "mb", "s3://tpc-lake")
	for key, p := range s1Files(t, dir) {
		if strings.HasPrefix(key, "web_sales/") {
			for _, k := range []string{"web_sales/part-0.parquet", "web_sales/part-1.parquet"} {
				mustRun(t, root, cli, "--endpoint-url", ep, "s3", "cp", strings.TrimPrefix(p, "file://"), "s3://tpc-lake/"+k)
			}
		}
	}
	awsJSON(t, cli, root, ep, "glue", "create-database", "--database-input", `{"Name":"tpc"}`)
	var tables []map[string]any
	if err := jsonUnmarshal(s1Tables, &tables); err != nil {
		t.Fatal(err)
	}
	awsJSON(t, cli, root, ep, "glue", "create-table", "--database-name", "tpc", "--table-input", mustJSON(tables[3]))

	engineID, engineSecret := newUser(t, cli, ep, dir, "emr-engine", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"*"}]}`)
	name := "sales-data-access-role"
	awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", name, "--assume-role-policy-document", writeFile(t, dir, "trust.json",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+account+`:user/emr-engine"},
		"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}`))
	awsJSON(t, cli, root, ep, "iam", "put-role-policy", "--role-name", name, "--policy-name", "data", "--policy-document", writeFile(t, dir, "data.json",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:GetTable","lakeformation:GetDataAccess",
		"lakeformation:StartQueryPlanning","lakeformation:GetQueryState","lakeformation:GetWorkUnits","lakeformation:GetWorkUnitResults",
		"lakeformation:GetQueryStatistics"],"Resource":"*"}]}`))
	awsJSON(t, cli, root, ep, "lakeformation", "create-data-cells-filter", "--table-data", `{"TableCatalogId":"`+account+`","DatabaseName":"tpc",
		"TableName":"dl_tpc_web_sales","Name":"ca_only","RowFilter":{"FilterExpression":"ws_state = 'CA'"},"ColumnWildcard":{"ExcludedColumnNames":["ws_item_sk"]}}`)
	awsJSON(t, cli, root, ep, "lakeformation", "grant-permissions", "--principal", `{"DataLakePrincipalIdentifier":"arn:aws:iam::`+account+`:role/`+name+`"}`,
		"--permissions", "SELECT", "--resource", `{"DataCellsFilter":{"TableCatalogId":"`+account+`","DatabaseName":"tpc","TableName":"dl_tpc_web_sales","Name":"ca_only"}}`)

	out, err := goSTS(ep, engineID, engineSecret).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + account + ":role/" + name), RoleSessionName: aws.String("tina"), SourceIdentity: aws.String("tina"),
		Tags: []ststypes.Tag{{Key: aws.String("LakeFormationAuthorizedCaller"), Value: aws.String("Amazon EMR")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
}

// lfCall signs a Lake Formation REST-JSON call with aws/signer/v4 and sends it to ep with the
// given Host header (the SDKs' "query-"/"data-" prefixed host).
func lfCall(t *testing.T, ep, host string, creds aws.Credentials, op string, in any) (int, []byte) {
	t.Helper()
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest(http.MethodPost, ep+"/"+op, bytes.NewReader(body))
	req.Host = host
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "lakeformation", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

// arrowRows decodes an Arrow IPC stream: its column names, its row count and the distinct values
// of column col.
func arrowRows(t *testing.T, data []byte, col string) (names []string, n int, values map[string]bool) {
	t.Helper()
	rd, err := ipc.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an Arrow IPC stream (%d bytes): %v", len(data), err)
	}
	defer rd.Release()
	k := -1
	for i, f := range rd.Schema().Fields() {
		names = append(names, f.Name)
		if f.Name == col {
			k = i
		}
	}
	values = map[string]bool{}
	for rd.Next() {
		rec := rd.RecordBatch()
		n += int(rec.NumRows())
		if k >= 0 {
			a := rec.Column(k).(*array.String)
			for i := 0; i < a.Len(); i++ {
				values[a.Value(i)] = true
			}
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	return names, n, values
}

// TestLFQueryGo runs the query API from Go, signing with aws/signer/v4 (the Go SDK has no Lake
// Formation module in go.mod), with the Host the SDKs would send: query-127.0.0.1:PORT and
// data-127.0.0.1:PORT (spec §1.2, trap 1). Tina as sales gets only CA rows and her columns.
func TestLFQueryGo(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	ep := d.Endpoint()
	tina := lfQuerySetup(t, ep)
	qhost, dhost := "query-"+d.Addr(), "data-"+d.Addr()

	code, body := lfCall(t, ep, qhost, tina, "StartQueryPlanning", map[string]any{
		"QueryPlanningContext": map[string]any{"CatalogId": account, "DatabaseName": "tpc"},
		"QueryString":          "SELECT * FROM dl_tpc_web_sales WHERE ws_state = 'CA' OR ws_state = 'TX'"})
	if code != 200 {
		t.Fatalf("StartQueryPlanning: %d %s", code, body)
	}
	var started struct{ QueryId string }
	json.Unmarshal(body, &started)
	code, body = lfCall(t, ep, qhost, tina, "GetQueryState", map[string]any{"QueryId": started.QueryId})
	if code != 200 || !strings.Contains(string(body), `"WORKUNITS_AVAILABLE"`) {
		t.Fatalf("GetQueryState: %d %s", code, body)
	}
	code, body = lfCall(t, ep, qhost, tina, "GetWorkUnits", map[string]any{"QueryId": started.QueryId})
	var units struct {
		WorkUnitRanges []struct {
			WorkUnitIdMin, WorkUnitIdMax int64
			WorkUnitToken                string
		}
	}
	if err := json.Unmarshal(body, &units); code != 200 || err != nil || len(units.WorkUnitRanges) != 2 {
		t.Fatalf("GetWorkUnits: %d %s", code, body)
	}
	total := 0
	for _, u := range units.WorkUnitRanges {
		code, body = lfCall(t, ep, dhost, tina, "GetWorkUnitResults", map[string]any{"QueryId": started.QueryId, "WorkUnitId": u.WorkUnitIdMin, "WorkUnitToken": u.WorkUnitToken})
		if code != 200 {
			t.Fatalf("GetWorkUnitResults: %d %s", code, body)
		}
		names, n, states := arrowRows(t, body, "ws_state")
		if strings.Join(names, ",") != "ws_order_number,ws_state,ws_net_paid" || len(states) != 1 || !states["CA"] {
			t.Fatalf("unit %d: columns %v, states %v", u.WorkUnitIdMin, names, states)
		}
		total += n
	}
	if want := 2 * s1SalesN / len(s1States); total != want {
		t.Fatalf("tina read %d rows, want %d", total, want)
	}
	code, body = lfCall(t, ep, qhost, tina, "GetQueryStatistics", map[string]any{"QueryId": started.QueryId})
	if code != 200 || !strings.Contains(string(body), `"WorkUnitsExecutedCount":2`) || !strings.Contains(string(body), `"QuerySubmissionTime":"20`) {
		t.Fatalf("GetQueryStatistics: %d %s", code, body)
	}
	// A column outside her grant fails at planning, as does one that does not exist.
	code, body = lfCall(t, ep, qhost, tina, "StartQueryPlanning", map[string]any{
		"QueryPlanningContext": map[string]any{"DatabaseName": "tpc"}, "QueryString": "SELECT ws_item_sk FROM dl_tpc_web_sales"})
	if code != 403 || !strings.Contains(string(body), "AccessDeniedException") {
		t.Fatalf("hidden column: %d %s", code, body)
	}
	// The root, which started nothing, cannot read Tina's work unit.
	rootCreds := aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}
	u := units.WorkUnitRanges[0]
	code, body = lfCall(t, ep, dhost, rootCreds, "GetWorkUnitResults", map[string]any{"QueryId": started.QueryId, "WorkUnitId": u.WorkUnitIdMin, "WorkUnitToken": u.WorkUnitToken})
	if code != 400 || !strings.Contains(string(body), "InvalidInputException") {
		t.Fatalf("root reading tina's unit: %d %s", code, body)
	}

	// Every GetWorkUnitResults read is in the trail with the filters that applied.
	cli := awsCLI(t, "2")
	evs := lookupEvents(t, cli, ep, clientEnv(ep), "--lookup-attributes", "AttributeKey=EventName,AttributeValue=GetWorkUnitResults")
	okReads := 0
	for _, e := range evs {
		s := mustJSON(e)
		if strings.Contains(s, `ws_state = 'CA'`) && strings.Contains(s, "tina") {
			okReads++
		}
	}
	if okReads < 2 {
		t.Fatalf("GetWorkUnitResults events with tina's row filter: %d of %d\n%v", okReads, len(evs), evs)
	}
}

// lfQueryScript is boto3's side: plan, wait, list the work units, and save each unit's result
// stream; pyarrow counts rows when it is installed.
const lfQueryScript = `
import json, os, sys, boto3
from botocore.config import Config
kw = {}
if os.environ.get("USE_CONFIG") == "1":
    kw["config"] = Config(inject_host_prefix=False)
lf = boto3.client("lakeformation", endpoint_url=os.environ["SLUICE_ENDPOINT"], **kw)
q = lf.start_query_planning(QueryPlanningContext={"DatabaseName": "tpc"},
    QueryString="SELECT ws_order_number, ws_state FROM tpc.dl_tpc_web_sales")["QueryId"]
state = lf.get_query_state(QueryId=q)["State"]
units = lf.get_work_units(QueryId=q, PageSize=1)
ranges = list(units["WorkUnitRanges"])
while units.get("NextToken"):
    units = lf.get_work_units(QueryId=q, PageSize=1, NextToken=units["NextToken"])
    ranges += units["WorkUnitRanges"]
files, rows = [], None
for r in ranges:
    for wid in range(r["WorkUnitIdMin"], r["WorkUnitIdMax"] + 1):
        body = lf.get_work_unit_results(QueryId=q, WorkUnitId=wid, WorkUnitToken=r["WorkUnitToken"])["ResultStream"].read()
        path = os.path.join(sys.argv[1], "unit-%d.arrow" % wid)
        with open(path, "wb") as f:
            f.write(body)
        files.append(path)
try:
    import pyarrow.ipc
    rows = sum(pyarrow.ipc.open_stream(open(p, "rb").read()).read_all().num_rows for p in files)
except ImportError:
    pass
stats = lf.get_query_statistics(QueryId=q)
print(json.dumps({"state": state, "files": files, "rows": rows,
    "submitted": str(stats["QuerySubmissionTime"]), "executed": stats["ExecutionStatistics"]["WorkUnitsExecutedCount"]}))
`

// TestLFQueryBoto3 runs the query API with boto3: Debian's (botocore 1.29) with
// Config(inject_host_prefix=False), and pip's (1.43) with AWS_DISABLE_HOST_PREFIX_INJECTION=true.
// The Arrow streams are decoded here (pyarrow is not installed on Debian's python).
func TestLFQueryBoto3(t *testing.T) {
	t.Parallel()
	deb := debianPython(t)
	d := startSluice(t)
	ep := d.Endpoint()
	tina := lfQuerySetup(t, ep)
	type variant struct {
		name, py string
		env      []string
	}
	variants := []variant{{"debian boto3, Config(inject_host_prefix=False)", deb, []string{"USE_CONFIG=1"}}}
	for _, p := range pythons() {
		if p != deb {
			variants = append(variants, variant{"pip boto3, AWS_DISABLE_HOST_PREFIX_INJECTION", p, []string{"AWS_DISABLE_HOST_PREFIX_INJECTION=true"}})
		}
	}
	if len(variants) == 1 {
		t.Logf("no pip boto3 found: only Debian's runs")
	}
	for _, v := range variants {
		dir := t.TempDir()
		script := filepath.Join(dir, "q.py")
		if err := os.WriteFile(script, []byte(lfQueryScript), 0o600); err != nil {
			t.Fatal(err)
		}
		env := append(keyEnv(ep, tina.AccessKeyID, tina.SecretAccessKey, tina.SessionToken), v.env...)
		r := run(t, env, v.py, script, dir)
		if r.err != nil {
			t.Fatalf("%s: %v\n%s", v.name, r.err, r.stderr)
		}
		var out struct {
			State     string
			Files     []string
			Rows      *int
			Submitted string
			Executed  int
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &out); err != nil {
			t.Fatalf("%s: output %q: %v", v.name, r.stdout, err)
		}
		if out.State != "WORKUNITS_AVAILABLE" || len(out.Files) != 2 || out.Executed != 2 || !strings.HasPrefix(out.Submitted, "20") {
			t.Fatalf("%s: %+v", v.name, out)
		}
		total := 0
		for _, f := range out.Files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			names, n, states := arrowRows(t, data, "ws_state")
			if strings.Join(names, ",") != "ws_order_number,ws_state" || len(states) != 1 || !states["CA"] {
				t.Fatalf("%s: columns %v, states %v", v.name, names, states)
			}
			total += n
		}
		if want := 2 * s1SalesN / len(s1States); total != want || out.Rows != nil && *out.Rows != want {
			t.Fatalf("%s: %d rows (pyarrow: %v), want %d", v.name, total, out.Rows, want)
		}
		t.Logf("%s: %d CA rows in %d work units", v.name, total, len(out.Files))
	}
}

// TestLFQueryAWSCLI drives the query API with the aws CLI v1 (pip's botocore 1.43 honours
// AWS_DISABLE_HOST_PREFIX_INJECTION; without it the CLI would call query-127.0.0.1). The CLI
// writes GetWorkUnitResults' stream to a file, decoded here.
func TestLFQueryAWSCLI(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "1")
	d := startSluice(t)
	ep := d.Endpoint()
	tina := lfQuerySetup(t, ep)
	env := append(keyEnv(ep, tina.AccessKeyID, tina.SecretAccessKey, tina.SessionToken), "AWS_DISABLE_HOST_PREFIX_INJECTION=true")
	started := awsJSON(t, cli, env, ep, "lakeformation", "start-query-planning",
		"--query-planning-context", "CatalogId="+account+",DatabaseName=tpc",
		"--query-string", "SELECT ws_order_number, ws_state FROM dl_tpc_web_sales")
	id, _ := started["QueryId"].(string)
	if len(id) != 36 {
		t.Fatalf("start-query-planning: %v", started)
	}
	if st := awsJSON(t, cli, env, ep, "lakeformation", "get-query-state", "--query-id", id); st["State"] != "WORKUNITS_AVAILABLE" {
		t.Fatalf("get-query-state: %v", st)
	}
	units := awsJSON(t, cli, env, ep, "lakeformation", "get-work-units", "--query-id", id)
	ranges, _ := units["WorkUnitRanges"].([]any)
	if len(ranges) == 0 {
		t.Fatalf("get-work-units: %v", units)
	}
	dir := t.TempDir()
	total := 0
	for i, r := range ranges {
		u := r.(map[string]any)
		out := filepath.Join(dir, fmt.Sprintf("unit-%d.arrow", i))
		res := run(t, env, cli, "--endpoint-url", ep, "lakeformation", "get-work-unit-results", "--query-id", id,
			"--work-unit-id", fmt.Sprint(u["WorkUnitIdMin"]), "--work-unit-token", u["WorkUnitToken"].(string), out)
		if res.err != nil {
			t.Fatalf("get-work-unit-results: %v\n%s", res.err, res.stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		names, n, states := arrowRows(t, data, "ws_state")
		if strings.Join(names, ",") != "ws_order_number,ws_state" || len(states) != 1 || !states["CA"] {
			t.Fatalf("unit %d: columns %v, states %v", i, names, states)
		}
		total += n
	}
	if want := 2 * s1SalesN / len(s1States); total != want {
		t.Fatalf("aws CLI read %d rows, want %d (Tina's region only)", total, want)
	}
}
