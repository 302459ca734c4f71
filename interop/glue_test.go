package interop

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The S0 CSV table (spec §4's conventional CSV table) and a partitioned Parquet table.
const s0TableJSON = `{
  "Name": "dummy_data",
  "TableType": "EXTERNAL_TABLE",
  "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
  "StorageDescriptor": {
    "Columns": [{"Name": "id", "Type": "int"}, {"Name": "first_name", "Type": "string"}, {"Name": "email", "Type": "string"}],
    "Location": "s3://sluice-lake/dummy_data/",
    "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", "Parameters": {"field.delim": ","}}
  }
}`

const salesTableJSON = `{
  "Name": "web_sales",
  "TableType": "EXTERNAL_TABLE",
  "Parameters": {"classification": "parquet"},
  "PartitionKeys": [{"Name": "year", "Type": "int"}, {"Name": "region", "Type": "string"}],
  "StorageDescriptor": {"Columns": [{"Name": "order_id", "Type": "bigint"}], "Location": "s3://sluice-lake/web_sales/"}
}`

const partitionsJSON = `[
  {"Values": ["2023", "eu"], "StorageDescriptor": {"Location": "s3://sluice-lake/web_sales/year=2023/region=eu/"}},
  {"Values": ["2024", "eu"], "StorageDescriptor": {"Location": "s3://sluice-lake/web_sales/year=2024/region=eu/"}},
  {"Values": ["2024", "us"], "StorageDescriptor": {"Location": "s3://sluice-lake/web_sales/year=2024/region=us/"}}
]`

func glueFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return "file://" + p
}

func TestGlueAWSCLI(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	dir := t.TempDir()
	table := glueFile(t, dir, "table.json", s0TableJSON)
	sales := glueFile(t, dir, "sales.json", salesTableJSON)
	parts := glueFile(t, dir, "parts.json", partitionsJSON)
	for _, major := range []string{"1", "2"} {
		t.Run("v"+major, func(t *testing.T) {
			cli := awsCLI(t, major)
			db := "S0_DB_V" + major // Glue stores it lower-case
			lower := strings.ToLower(db)
			glue := func(args ...string) result {
				t.Helper()
				return run(t, clientEnv(d.Endpoint()), cli, append([]string{"--endpoint-url", d.Endpoint(), "--output", "json", "glue"}, args...)...)
			}
			ok := func(args ...string) map[string]any {
				t.Helper()
				r := glue(args...)
				if r.err != nil {
					t.Fatalf("aws glue %s: %v\n%s", strings.Join(args, " "), r.err, r.stderr)
				}
				m := map[string]any{}
				if strings.TrimSpace(r.stdout) != "" {
					if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
						t.Fatalf("aws glue %s: output %q: %v", args[0], r.stdout, err)
					}
				}
				return m
			}
			ok("create-database", "--database-input", `{"Name":"`+db+`","LocationUri":"s3://sluice-lake/"}`)
			ok("create-table", "--database-name", db, "--table-input", table)
			ok("create-table", "--database-name", db, "--table-input", sales)

			got := ok("get-table", "--database-name", db, "--name", "DUMMY_DATA")["Table"].(map[string]any)
			sd := got["StorageDescriptor"].(map[string]any)
			if got["Name"] != "dummy_data" || got["DatabaseName"] != lower || got["CreateTime"] == nil || got["CreatedBy"] != rootARN ||
				got["Parameters"].(map[string]any)["skip.header.line.count"] != "1" ||
				sd["SerdeInfo"].(map[string]any)["Parameters"].(map[string]any)["field.delim"] != "," ||
				sd["Location"] != "s3://sluice-lake/dummy_data/" {
				t.Errorf("get-table = %v", got)
			}

			var names []string
			for _, tb := range ok("get-tables", "--database-name", db)["TableList"].([]any) {
				names = append(names, tb.(map[string]any)["Name"].(string))
			}
			if !slices.Equal(names, []string{"dummy_data", "web_sales"}) {
				t.Errorf("get-tables names = %v", names)
			}

			bc := ok("batch-create-partition", "--database-name", db, "--table-name", "web_sales", "--partition-input-list", parts)
			if errs, _ := bc["Errors"].([]any); len(errs) != 0 {
				t.Errorf("batch-create-partition errors: %v", errs)
			}
			var values []string
			for _, p := range ok("get-partitions", "--database-name", db, "--table-name", "web_sales", "--expression", "year >= 2024 AND region = 'eu'")["Partitions"].([]any) {
				vs := p.(map[string]any)["Values"].([]any)
				values = append(values, vs[0].(string)+"/"+vs[1].(string))
			}
			if !slices.Equal(values, []string{"2024/eu"}) {
				t.Errorf("get-partitions = %v", values)
			}

			unf := ok("get-unfiltered-table-metadata", "--catalog-id", account, "--database-name", db, "--name", "dummy_data",
				"--supported-permission-types", "COLUMN_PERMISSION")
			cols, _ := json.Marshal(unf["AuthorizedColumns"])
			if string(cols) != `["id","first_name","email"]` || unf["Table"].(map[string]any)["Name"] != "dummy_data" {
				t.Errorf("get-unfiltered-table-metadata = %v", unf)
			}

			ok("delete-table", "--database-name", db, "--name", "dummy_data")
			r := glue("get-table", "--database-name", db, "--name", "dummy_data")
			if r.err == nil || !strings.Contains(r.stderr, "EntityNotFoundException") || !strings.Contains(r.stderr, "Table dummy_data not found.") {
				t.Errorf("get-table after delete: err=%v stderr=%s", r.err, r.stderr)
			}
		})
	}
}

const boto3GlueScript = `
import json, os
import boto3
from botocore.exceptions import ClientError
ep = os.environ["SLUICE_ENDPOINT"]
db = os.environ["GLUE_DB"]
g = boto3.client("glue", endpoint_url=ep)
g.create_database(DatabaseInput={"Name": db, "LocationUri": "s3://sluice-lake/"})
g.create_table(DatabaseName=db, TableInput=json.loads(os.environ["TABLE"]))
g.create_table(DatabaseName=db, TableInput=json.loads(os.environ["SALES"]))
out = {}
t = g.get_table(DatabaseName=db, Name="dummy_data")["Table"]
out["table"] = {"Name": t["Name"], "DatabaseName": t["DatabaseName"], "CreateTimeYear": t["CreateTime"].year,
                "Serde": t["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"], "VersionId": t["VersionId"]}
out["tables"] = [x["Name"] for x in g.get_tables(DatabaseName=db)["TableList"]]
out["batch_errors"] = g.batch_create_partition(DatabaseName=db, TableName="web_sales",
    PartitionInputList=json.loads(os.environ["PARTS"]))["Errors"]
out["partitions"] = [p["Values"] for p in g.get_partitions(DatabaseName=db, TableName="web_sales", Expression="year = 2024")["Partitions"]]
u = g.get_unfiltered_table_metadata(CatalogId=os.environ["ACCOUNT"], DatabaseName=db, Name="dummy_data",
    SupportedPermissionTypes=["COLUMN_PERMISSION"])
out["authorized"] = u["AuthorizedColumns"]
g.delete_table(DatabaseName=db, Name="dummy_data")
try:
    g.get_table(DatabaseName=db, Name="dummy_data")
    out["after_delete"] = "found"
except ClientError as e:
    out["after_delete"] = e.response["Error"]["Code"] + ": " + e.response["Error"]["Message"]
print(json.dumps(out))
`

func TestGlueBoto3(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	debianPython(t)
	for i, py := range pythons() {
		t.Run(py, func(t *testing.T) {
			db := "boto_db_" + string(rune('a'+i))
			r := run(t, clientEnv(d.Endpoint(), "GLUE_DB="+db, "TABLE="+s0TableJSON, "SALES="+salesTableJSON, "PARTS="+partitionsJSON, "ACCOUNT="+account),
				py, "-c", boto3GlueScript)
			if r.err != nil {
				t.Fatalf("%v\n%s", r.err, r.stderr)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("%q: %v", r.stdout, err)
			}
			want := map[string]any{
				"table": map[string]any{"Name": "dummy_data", "DatabaseName": db, "CreateTimeYear": got["table"].(map[string]any)["CreateTimeYear"],
					"Serde": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", "VersionId": "0"},
				"tables":       []any{"dummy_data", "web_sales"},
				"batch_errors": []any{},
				"partitions":   []any{[]any{"2024", "eu"}, []any{"2024", "us"}},
				"authorized":   []any{"id", "first_name", "email"},
				"after_delete": "EntityNotFoundException: Table dummy_data not found.",
			}
			if y, _ := got["table"].(map[string]any)["CreateTimeYear"].(float64); y < 2020 {
				t.Errorf("CreateTime year %v", y)
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			if string(gj) != string(wj) {
				t.Errorf("got  %s\nwant %s", gj, wj)
			}
		})
	}
}
