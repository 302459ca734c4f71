package interop

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/sluicehq/sluice/internal/tpcgen"
)

// The TPC-like tables of story S1, generated deterministically by tpcgen: states and
// categories are assigned round robin, so a fifth of the sales are CA and a quarter of the items
// Electronics.
var (
	s1States = tpcgen.States
	s1Cats   = tpcgen.Categories
	s1SalesN = 100_000
	s1CustN  = 500
	s1ItemsN = 200
)

func s1Files(t *testing.T, dir string) map[string]string {
	t.Helper()
	g := tpcgen.New(&tpcgen.Options{Customers: s1CustN, Items: s1ItemsN, Sales: s1SalesN})
	files := map[string]string{}
	var b bytes.Buffer
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Customer: CSV with a header line (skip.header.line.count = 1); some last names hold a comma.
	must(g.WriteCSV(&b, tpcgen.Customer, true))
	files["customer/part-0.csv"] = writeFile(t, dir, "customer.csv", b.String())
	// Customer address: JSON lines.
	b.Reset()
	must(g.WriteJSONL(&b, tpcgen.CustomerAddress))
	files["customer_address/part-0.json"] = writeFile(t, dir, "addr.json", b.String())
	// Item: gzip CSV without a header.
	b.Reset()
	zw := gzip.NewWriter(&b)
	must(g.WriteCSV(zw, tpcgen.Item, false))
	must(zw.Close())
	files["item/part-0.csv.gz"] = writeFile(t, dir, "item.csv.gz", b.String())
	// Web sales: Parquet, 100,000 rows in row groups of 20,000.
	b.Reset()
	must(g.WriteParquet(&b, tpcgen.WebSales, &tpcgen.ParquetOptions{RowGroupRows: 20_000}))
	files["web_sales/part-0.parquet"] = writeFile(t, dir, "ws.parquet", b.String())
	return files
}

const s1Tables = `[
 {"Name":"dl_tpc_customer","Parameters":{"classification":"csv","skip.header.line.count":"1"},
  "StorageDescriptor":{"Location":"s3://tpc-lake/customer/","Columns":[{"Name":"c_customer_sk","Type":"bigint"},{"Name":"c_first_name","Type":"string"},
   {"Name":"c_last_name","Type":"string"},{"Name":"c_email_address","Type":"string"},{"Name":"c_birth_country","Type":"string"}],
   "SerdeInfo":{"SerializationLibrary":"org.apache.hadoop.hive.serde2.OpenCSVSerde","Parameters":{"separatorChar":",","quoteChar":"\""}}}},
 {"Name":"dl_tpc_customer_address","Parameters":{"classification":"json"},
  "StorageDescriptor":{"Location":"s3://tpc-lake/customer_address/","Columns":[{"Name":"ca_address_sk","Type":"bigint"},{"Name":"ca_street","Type":"string"},{"Name":"ca_state","Type":"string"}],
   "SerdeInfo":{"SerializationLibrary":"org.openx.data.jsonserde.JsonSerDe"}}},
 {"Name":"dl_tpc_item","Parameters":{"classification":"csv"},
  "StorageDescriptor":{"Location":"s3://tpc-lake/item/","Columns":[{"Name":"i_item_sk","Type":"bigint"},{"Name":"i_product_name","Type":"string"},{"Name":"i_category","Type":"string"}],
   "SerdeInfo":{"SerializationLibrary":"org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe","Parameters":{"field.delim":","}}}},
 {"Name":"dl_tpc_web_sales","Parameters":{"classification":"parquet"},
  "StorageDescriptor":{"Location":"s3://tpc-lake/web_sales/","Columns":[{"Name":"ws_order_number","Type":"bigint"},{"Name":"ws_item_sk","Type":"bigint"},
   {"Name":"ws_state","Type":"string"},{"Name":"ws_net_paid","Type":"double"}],
   "SerdeInfo":{"SerializationLibrary":"org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}}}
]`

// nativeGet calls Sluice's native API signed with service "sluice".
func nativeGet(t *testing.T, ep string, creds aws.Credentials, path string, q url.Values) (int, string) {
	t.Helper()
	u := ep + path
	if len(q) > 0 {
		u += "?" + strings.ReplaceAll(q.Encode(), "+", "%20")
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	sum := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sluice", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestStoryS1(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "2")
	d := startSluice(t)
	ep := d.Endpoint()
	dir := t.TempDir()
	root := clientEnv(ep)
	acct := account

	// Lake Formation governs new objects; EMR-tagged sessions may filter.
	awsJSON(t, cli, root, ep, "lakeformation", "put-data-lake-settings", "--data-lake-settings", `{"DataLakeAdmins":[],
		"CreateDatabaseDefaultPermissions":[],"CreateTableDefaultPermissions":[],"AllowExternalDataFiltering":true,
		"ExternalDataFilteringAllowList":[{"DataLakePrincipalIdentifier":"`+acct+`"}],"AuthorizedSessionTagValueList":["Amazon EMR"]}`)

	// Data through the S3 API.
	mustRun(t, root, cli, "--endpoint-url", ep, "s3", "mb", "s3://tpc-lake")
	for key, p := range s1Files(t, dir) {
		mustRun(t, root, cli, "--endpoint-url", ep, "s3", "cp", strings.TrimPrefix(p, "file://"), "s3://tpc-lake/"+key)
	}
	awsJSON(t, cli, root, ep, "glue", "create-database", "--database-input", `{"Name":"tpc"}`)
	awsJSON(t, cli, root, ep, "glue", "create-database", "--database-input", `{"Name":"hr"}`)
	var tables []map[string]any
	if err := jsonUnmarshal(s1Tables, &tables); err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		awsJSON(t, cli, root, ep, "glue", "create-table", "--database-name", "tpc", "--table-input", mustJSON(tb))
	}

	// The engine identity and the three roles it assumes for its users.
	engineID, engineSecret := newUser(t, cli, ep, dir, "emr-engine", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"arn:aws:iam::`+acct+`:role/*-data-access-role"}]}`)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:user/emr-engine"},
		"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}`
	perms := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:GetDatabase","glue:GetDatabases","glue:GetTable","glue:GetTables","lakeformation:GetDataAccess"],"Resource":"*"}]}`
	for _, r := range []string{"marketing", "sales", "electronics"} {
		name := r + "-data-access-role"
		awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", name, "--assume-role-policy-document", writeFile(t, dir, name+"-trust.json", trust))
		awsJSON(t, cli, root, ep, "iam", "put-role-policy", "--role-name", name, "--policy-name", "data", "--policy-document", writeFile(t, dir, name+".json", perms))
	}
	roleARN := func(r string) string { return "arn:aws:iam::" + acct + ":role/" + r + "-data-access-role" }
	lf := func(args ...string) {
		t.Helper()
		awsJSON(t, cli, root, ep, append([]string{"lakeformation"}, args...)...)
	}
	principal := func(r string) string { return `{"DataLakePrincipalIdentifier":"` + roleARN(r) + `"}` }
	// marketing: SELECT on the customer table without the sensitive columns.
	lf("grant-permissions", "--principal", principal("marketing"), "--permissions", "SELECT", "--resource",
		`{"TableWithColumns":{"DatabaseName":"tpc","Name":"dl_tpc_customer","ColumnWildcard":{"ExcludedColumnNames":["c_first_name","c_last_name","c_email_address"]}}}`)
	// sales: a data cells filter for one region.
	lf("create-data-cells-filter", "--table-data", `{"TableCatalogId":"`+acct+`","DatabaseName":"tpc","TableName":"dl_tpc_web_sales","Name":"ca_only",
		"RowFilter":{"FilterExpression":"ws_state = 'CA'"},"ColumnWildcard":{"ExcludedColumnNames":[]}}`)
	lf("grant-permissions", "--principal", principal("sales"), "--permissions", "SELECT", "--resource",
		`{"DataCellsFilter":{"TableCatalogId":"`+acct+`","DatabaseName":"tpc","TableName":"dl_tpc_web_sales","Name":"ca_only"}}`)
	// electronics: a filter on the category.
	lf("create-data-cells-filter", "--table-data", `{"TableCatalogId":"`+acct+`","DatabaseName":"tpc","TableName":"dl_tpc_item","Name":"electronics",
		"RowFilter":{"FilterExpression":"i_category = 'Electronics'"},"ColumnWildcard":{"ExcludedColumnNames":[]}}`)
	lf("grant-permissions", "--principal", principal("electronics"), "--permissions", "SELECT", "--resource",
		`{"DataCellsFilter":{"TableCatalogId":"`+acct+`","DatabaseName":"tpc","TableName":"dl_tpc_item","Name":"electronics"}}`)

	// The engine assumes a role for a user: session tag and source identity.
	session := func(role, user string) aws.Credentials {
		t.Helper()
		out, err := goSTS(ep, engineID, engineSecret).AssumeRole(context.Background(), &sts.AssumeRoleInput{
			RoleArn: aws.String(roleARN(role)), RoleSessionName: aws.String(user + "-session"), SourceIdentity: aws.String(user),
			Tags: []ststypes.Tag{{Key: aws.String("LakeFormationAuthorizedCaller"), Value: aws.String("Amazon EMR")}},
		})
		if err != nil {
			t.Fatalf("assume %s for %s: %v", role, user, err)
		}
		c := out.Credentials
		return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
	}
	rows := func(creds aws.Credentials, table string, q url.Values) [][]string {
		t.Helper()
		code, body := nativeGet(t, ep, creds, "/_sluice/v1/tables/tpc/"+table+"/rows", q)
		if code != 200 {
			t.Fatalf("%s: HTTP %d %s", table, code, body)
		}
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}

	david := session("marketing", "david")
	got := rows(david, "dl_tpc_customer", url.Values{"limit": {"10"}})
	if len(got) != 11 || strings.Join(got[0], ",") != "c_customer_sk,c_birth_country" {
		t.Fatalf("david's customers: %v", got)
	}
	if code, body := nativeGet(t, ep, david, "/_sluice/v1/tables/tpc/dl_tpc_customer/rows", url.Values{"columns": {"c_email_address"}}); code != 403 || !strings.Contains(body, "AccessDeniedException") {
		t.Fatalf("david asking for emails: %d %s", code, body)
	}
	if code, body := nativeGet(t, ep, david, "/_sluice/v1/tables/tpc/dl_tpc_customer_address/rows", nil); code/100 != 4 || !strings.Contains(body, "Exception") {
		t.Fatalf("david on addresses: %d %s", code, body)
	} else {
		t.Logf("david on dl_tpc_customer_address: %d %s", code, body)
	}
	if _, err := goSTS(ep, engineID, engineSecret).AssumeRole(context.Background(), &sts.AssumeRoleInput{}); err == nil {
		t.Fatal("empty AssumeRole accepted")
	}
	code, body := nativeGet(t, ep, david, "/_sluice/v1/databases", nil)
	if code != 200 || !strings.Contains(body, `"tpc"`) || strings.Contains(body, `"hr"`) {
		t.Fatalf("david's databases: %d %s", code, body)
	}
	code, body = nativeGet(t, ep, david, "/_sluice/v1/databases/tpc/tables", nil)
	if code != 200 || !strings.Contains(body, "dl_tpc_customer") || strings.Contains(body, "dl_tpc_web_sales") {
		t.Fatalf("david's tables: %d %s", code, body)
	}

	tinaSales := session("sales", "tina")
	start := time.Now()
	got = rows(tinaSales, "dl_tpc_web_sales", nil)
	t.Logf("tina/sales read %d rows of %d in %v", len(got)-1, s1SalesN, time.Since(start))
	if len(got)-1 != s1SalesN/len(s1States) {
		t.Fatalf("tina/sales rows = %d", len(got)-1)
	}
	for _, r := range got[1:] {
		if r[2] != "CA" {
			t.Fatalf("tina/sales sees %v", r)
		}
	}
	// Her where narrows and never widens.
	got = rows(tinaSales, "dl_tpc_web_sales", url.Values{"where": {"ws_state = 'TX' OR ws_net_paid >= 0"}, "limit": {"5"}})
	for _, r := range got[1:] {
		if r[2] != "CA" {
			t.Fatalf("tina's where widened: %v", r)
		}
	}
	tinaElec := session("electronics", "tina")
	got = rows(tinaElec, "dl_tpc_item", nil)
	if len(got)-1 != s1ItemsN/len(s1Cats) {
		t.Fatalf("tina/electronics items = %d", len(got)-1)
	}
	for _, r := range got[1:] {
		if r[2] != "Electronics" {
			t.Fatalf("tina/electronics sees %v", r)
		}
	}
	if code, _ := nativeGet(t, ep, tinaElec, "/_sluice/v1/tables/tpc/dl_tpc_web_sales/rows", nil); code/100 != 4 {
		t.Fatalf("tina/electronics on sales: %d", code)
	}

	// Every read is in the trail with the user's source identity and the filters that applied.
	evs := lookupEvents(t, cli, ep, root, "--lookup-attributes", "AttributeKey=EventName,AttributeValue=ReadRows")
	if len(evs) < 5 {
		t.Fatalf("ReadRows events: %d", len(evs))
	}
	for _, e := range evs {
		s := mustJSON(e)
		if !strings.Contains(s, "david") && !strings.Contains(s, "tina") {
			t.Errorf("event without source identity: %s", s)
		}
	}
	// An auditor asking who read the sales table finds the reads by the table's ARN, the
	// refused one (tina/electronics) included.
	salesARN := "arn:aws:glue:us-east-1:" + acct + ":table/tpc/dl_tpc_web_sales"
	byTable := lookupEvents(t, cli, ep, root, "--lookup-attributes", "AttributeKey=ResourceName,AttributeValue="+salesARN)
	reads, refused := 0, 0
	for _, e := range byTable {
		s := mustJSON(e)
		if strings.Contains(s, `"EventName":"ReadRows"`) {
			reads++
			if strings.Contains(s, `errorCode`) {
				refused++
			}
		}
	}
	if reads < 2 || refused < 1 {
		t.Errorf("ReadRows events of %s: %d, %d of them refused: %s", salesARN, reads, refused, mustJSON(byTable))
	}

	// The users choose among their own roles: David only marketing, Tina sales and electronics.
	// Their policies carry the seed's AllowEMRRuntimeRole statement verbatim (stored, EMR's own
	// action) and the sts:AssumeRole statement that Sluice enforces. The roles trust the account, so
	// each user's own policy decides.
	for _, r := range []string{"marketing", "sales", "electronics"} {
		name := r + "-data-access-role"
		awsJSON(t, cli, root, ep, "iam", "update-assume-role-policy", "--role-name", name, "--policy-document", writeFile(t, dir, name+"-trust2.json",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::`+acct+`:user/emr-engine","arn:aws:iam::`+acct+`:root"]},
			 "Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}`))
	}
	userPolicy := func(roles ...string) string {
		var arns []string
		for _, r := range roles {
			arns = append(arns, `"`+roleARN(r)+`"`)
		}
		return `{"Version":"2012-10-17","Statement":[
		 {"Sid":"AllowEMRRuntimeRole","Effect":"Allow","Action":"elasticmapreduce:GetClusterSessionCredentials","Resource":"*",
		  "Condition":{"StringLike":{"elasticmapreduce:ExecutionRoleArn":[` + strings.Join(arns, ",") + `]}}},
		 {"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":[` + strings.Join(arns, ",") + `]}]}`
	}
	davidID, davidSecret := newUser(t, cli, ep, dir, "david-non-sensitive-customer", userPolicy("marketing"))
	tinaID, tinaSecret := newUser(t, cli, ep, dir, "tina-sales-electronics", userPolicy("sales", "electronics"))
	assumeAs := func(id, secret, role, user string) error {
		_, err := goSTS(ep, id, secret).AssumeRole(context.Background(), &sts.AssumeRoleInput{
			RoleArn: aws.String(roleARN(role)), RoleSessionName: aws.String(user), SourceIdentity: aws.String(user),
			Tags: []ststypes.Tag{{Key: aws.String("LakeFormationAuthorizedCaller"), Value: aws.String("Amazon EMR")}},
		})
		return err
	}
	if err := assumeAs(davidID, davidSecret, "marketing", "david-non-sensitive-customer"); err != nil {
		t.Errorf("david as marketing: %v", err)
	}
	if err := assumeAs(davidID, davidSecret, "sales", "david-non-sensitive-customer"); apiCode(err) != "AccessDenied" {
		t.Errorf("david asking for the sales role: %v, want AccessDenied", err)
	}
	for _, r := range []string{"sales", "electronics", "sales"} { // switching needs no restart
		if err := assumeAs(tinaID, tinaSecret, r, "tina-sales-electronics"); err != nil {
			t.Errorf("tina as %s: %v", r, err)
		}
	}
	if err := assumeAs(tinaID, tinaSecret, "marketing", "tina-sales-electronics"); apiCode(err) != "AccessDenied" {
		t.Errorf("tina asking for the marketing role: %v, want AccessDenied", err)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
