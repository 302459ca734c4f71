package interop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUsersDocPandas runs the pandas example of docs/users.md (Debian python3, botocore's
// SigV4 signer, urllib) as the sales role of story S1's setup: it must see only its region.
func TestUsersDocPandas(t *testing.T) {
	py := debianPython(t)
	if r := run(t, os.Environ(), py, "-c", "import pandas"); r.err != nil {
		missing(t, "Debian pandas", "apt-get install python3-pandas")
	}
	doc, err := os.ReadFile(filepath.Join("..", "docs", "users.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i := strings.Index(s, "<!-- pandas-example -->\n```python\n")
	j := strings.Index(s, "```\n<!-- end -->")
	if i < 0 || j < i {
		t.Fatal("docs/users.md: pandas example not found")
	}
	script := s[i+len("<!-- pandas-example -->\n```python\n") : j]

	cli := awsCLI(t, "2")
	d := startSluice(t)
	ep := d.Endpoint()
	dir := t.TempDir()
	root := clientEnv(ep)
	awsJSON(t, cli, root, ep, "lakeformation", "put-data-lake-settings", "--data-lake-settings",
		`{"DataLakeAdmins":[],"CreateDatabaseDefaultPermissions":[],"CreateTableDefaultPermissions":[]}`)
	mustRun(t, root, cli, "--endpoint-url", ep, "s3", "mb", "s3://tpc-lake")
	for key, p := range s1Files(t, dir) {
		if strings.HasPrefix(key, "web_sales/") {
			mustRun(t, root, cli, "--endpoint-url", ep, "s3", "cp", strings.TrimPrefix(p, "file://"), "s3://tpc-lake/"+key)
		}
	}
	awsJSON(t, cli, root, ep, "glue", "create-database", "--database-input", `{"Name":"tpc"}`)
	var tables []map[string]any
	if err := jsonUnmarshal(s1Tables, &tables); err != nil {
		t.Fatal(err)
	}
	awsJSON(t, cli, root, ep, "glue", "create-table", "--database-name", "tpc", "--table-input", mustJSON(tables[3]))
	id, secret := newUser(t, cli, ep, dir, "analyst", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["glue:GetTable","lakeformation:GetDataAccess"],"Resource":"*"}]}`)
	awsJSON(t, cli, root, ep, "lakeformation", "create-data-cells-filter", "--table-data", `{"TableCatalogId":"`+account+`","DatabaseName":"tpc",
		"TableName":"dl_tpc_web_sales","Name":"ca","RowFilter":{"FilterExpression":"ws_state = 'CA'"},"ColumnWildcard":{"ExcludedColumnNames":[]}}`)
	awsJSON(t, cli, root, ep, "lakeformation", "grant-permissions", "--principal", `{"DataLakePrincipalIdentifier":"arn:aws:iam::`+account+`:user/analyst"}`,
		"--permissions", "SELECT", "--resource", `{"DataCellsFilter":{"TableCatalogId":"`+account+`","DatabaseName":"tpc","TableName":"dl_tpc_web_sales","Name":"ca"}}`)

	env := keyEnv(ep, id, secret, "")
	env = append(env, "AWS_ENDPOINT_URL="+ep)
	r := run(t, env, py, "-c", script)
	if r.err != nil {
		t.Fatalf("pandas example: %v\n%s", r.err, r.stderr)
	}
	if got := strings.TrimSpace(r.stdout); got != "1000 ['CA'] ['ws_order_number', 'ws_state']" {
		t.Fatalf("pandas example printed %q", got)
	}
}
