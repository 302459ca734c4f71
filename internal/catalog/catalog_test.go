package catalog

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/identity"
)

// The S0 CSV table, as spec §4 describes a conventional CSV table.
const csvTable = `{
  "Name": "Dummy_Data",
  "Description": "notebook sample",
  "Owner": "hadoop",
  "Retention": 0,
  "TableType": "EXTERNAL_TABLE",
  "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
  "StorageDescriptor": {
    "Columns": [
      {"Name": "id", "Type": "int", "Comment": "row id"},
      {"Name": "name", "Type": "string", "Parameters": {"pii": "true"}},
      {"Name": "email", "Type": "string"}
    ],
    "Location": "s3://lake/dummy_data/",
    "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    "Compressed": false,
    "NumberOfBuckets": -1,
    "SerdeInfo": {"Name": "csv", "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
      "Parameters": {"field.delim": ","}},
    "BucketColumns": [],
    "SortColumns": [],
    "Parameters": {},
    "SkewedInfo": {"SkewedColumnNames": [], "SkewedColumnValues": [], "SkewedColumnValueLocationMaps": {}},
    "StoredAsSubDirectories": false
  }
}`

// A Parquet table with partition keys.
const parquetTable = `{
  "Name": "web_sales",
  "TableType": "EXTERNAL_TABLE",
  "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
  "PartitionKeys": [{"Name": "year", "Type": "int"}, {"Name": "region", "Type": "string", "Comment": "sales region"}],
  "StorageDescriptor": {
    "Columns": [{"Name": "order_id", "Type": "bigint"}, {"Name": "amount", "Type": "double"}],
    "Location": "s3://lake/web_sales/",
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe", "Parameters": {"serialization.format": "1"}}
  }
}`

// A view with members this server does not know.
const unknownMembersTable = `{
  "Name": "v1",
  "TableType": "VIRTUAL_VIEW",
  "ViewOriginalText": "/* Presto View: abc */",
  "ViewExpandedText": "/* Presto View */",
  "TargetTable": {"CatalogId": "123456789012", "DatabaseName": "other", "Name": "t", "Region": "us-east-1"},
  "ViewDefinition": {"IsProtected": true, "Definer": "arn:aws:iam::123456789012:role/x", "Representations": [{"Dialect": "ATHENA", "ViewOriginalText": "select 1"}]},
  "FutureMember": {"Nested": [1, 2, {"x": null}]},
  "LastAccessTime": "2026-01-02T03:04:05Z"
}`

func TestTableRoundTrip(t *testing.T) {
	created := float64(clock.Unix())
	server := func(name string) map[string]any {
		return map[string]any{"Name": name, "DatabaseName": "sales", "CreateTime": created, "UpdateTime": created,
			"CreatedBy": string(alice.ARN), "IsRegisteredWithLakeFormation": false, "CatalogId": "123456789012", "VersionId": "0"}
	}
	for _, tc := range []struct {
		name, input, table string
		fix                func(map[string]any)
	}{
		{"csv", csvTable, "dummy_data", nil},
		{"parquet", parquetTable, "web_sales", nil},
		{"unknown members", unknownMembersTable, "v1", func(m map[string]any) {
			m["LastAccessTime"] = float64(1767323045) // normalized to epoch seconds
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, false)
			f.createDB(t, alice, "Sales")
			f.createTable(t, alice, "SALES", tc.input)
			got, err := f.svc.GetTable(f.ctx, alice, &GetTableRequest{DatabaseName: str("sales"), Name: str(strings.ToUpper(tc.table))})
			if err != nil {
				t.Fatal(err)
			}
			want := decodeMap(t, json.RawMessage(tc.input))
			maps.Copy(want, server(tc.table))
			if tc.fix != nil {
				tc.fix(want)
			}
			if diff := cmp.Diff(want, decodeMap(t, got.Table)); diff != "" {
				t.Errorf("GetTable (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDatabases(t *testing.T) {
	f := newFixture(t, false)
	f.createDB(t, alice, "Tpc")
	_, err := f.svc.CreateDatabase(f.ctx, alice, &CreateDatabaseRequest{DatabaseInput: json.RawMessage(
		`{"Name":"lake","Description":"d","LocationUri":"s3://lake/","Parameters":{"k":"v"},"CreateTableDefaultPermissions":[]}`)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.GetDatabase(f.ctx, alice, &GetDatabaseRequest{Name: str("LAKE")})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"Name": "lake", "Description": "d", "LocationUri": "s3://lake/", "Parameters": map[string]any{"k": "v"},
		"CreateTableDefaultPermissions": []any{}, "CreateTime": float64(clock.Unix()), "CatalogId": "123456789012"}
	if diff := cmp.Diff(want, decodeMap(t, got.Database)); diff != "" {
		t.Errorf("GetDatabase (-want +got):\n%s", diff)
	}
	if _, err := f.svc.UpdateDatabase(f.ctx, alice, &UpdateDatabaseRequest{Name: str("lake"), DatabaseInput: json.RawMessage(`{"Name":"lake","Description":"new"}`)}); err != nil {
		t.Fatal(err)
	}
	got, _ = f.svc.GetDatabase(f.ctx, alice, &GetDatabaseRequest{Name: str("lake")})
	if d := decodeMap(t, got.Database)["Description"]; d != "new" {
		t.Errorf("after UpdateDatabase Description = %v", d)
	}

	long := strings.Repeat("a", 256)
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"duplicate", func() error {
			_, err := f.svc.CreateDatabase(f.ctx, alice, &CreateDatabaseRequest{DatabaseInput: json.RawMessage(`{"Name":"TPC"}`)})
			return err
		}, "AlreadyExistsException: Database already exists."},
		{"missing", func() error {
			_, err := f.svc.GetDatabase(f.ctx, alice, &GetDatabaseRequest{Name: str("nope")})
			return err
		}, "EntityNotFoundException: Database nope not found."},
		{"no input", func() error {
			_, err := f.svc.CreateDatabase(f.ctx, alice, &CreateDatabaseRequest{})
			return err
		}, "InvalidInputException: DatabaseInput is required"},
		{"empty name", func() error {
			_, err := f.svc.CreateDatabase(f.ctx, alice, &CreateDatabaseRequest{DatabaseInput: json.RawMessage(`{"Name":""}`)})
			return err
		}, "InvalidInputException: DatabaseInput.Name must not be empty"},
		{"long name", func() error {
			_, err := f.svc.CreateDatabase(f.ctx, alice, &CreateDatabaseRequest{DatabaseInput: json.RawMessage(`{"Name":"` + long + `"}`)})
			return err
		}, "InvalidInputException: DatabaseInput.Name is longer than 255 characters"},
		{"control character", func() error {
			_, err := f.svc.CreateDatabase(f.ctx, alice, &CreateDatabaseRequest{DatabaseInput: json.RawMessage(`{"Name":"a\nb"}`)})
			return err
		}, "InvalidInputException: DatabaseInput.Name contains an invalid character"},
		{"rename", func() error {
			_, err := f.svc.UpdateDatabase(f.ctx, alice, &UpdateDatabaseRequest{Name: str("lake"), DatabaseInput: json.RawMessage(`{"Name":"other"}`)})
			return err
		}, "InvalidInputException: Renaming a database is not supported."},
		{"other catalog", func() error {
			_, err := f.svc.GetDatabase(f.ctx, alice, &GetDatabaseRequest{CatalogId: str("111111111111"), Name: str("tpc")})
			return err
		}, "AccessDeniedException: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: glue:GetDatabase on resource: arn:aws:glue:us-east-1:111111111111:catalog"},
		{"iam denies", func() error {
			_, err := f.svc.GetDatabase(f.ctx, &identity.Principal{Type: identity.IAMUser, Account: testAccount, ARN: "arn:aws:iam::123456789012:user/carol"},
				&GetDatabaseRequest{Name: str("tpc")})
			return err
		}, "AccessDeniedException: User: arn:aws:iam::123456789012:user/carol is not authorized to perform: glue:GetDatabase on resource: arn:aws:glue:us-east-1:123456789012:database/tpc because no identity-based policy allows the glue:GetDatabase action"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := errText(tc.call()); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}

	// DeleteDatabase removes its tables and partitions.
	f.createTable(t, alice, "tpc", parquetTable)
	if _, err := f.svc.CreatePartition(f.ctx, alice, &CreatePartitionRequest{DatabaseName: str("tpc"), TableName: str("web_sales"),
		PartitionInput: json.RawMessage(`{"Values":["2024","eu"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DeleteDatabase(f.ctx, alice, &DeleteDatabaseRequest{Name: str("tpc")}); err != nil {
		t.Fatal(err)
	}
	f.createDB(t, alice, "tpc")
	if _, err := f.svc.GetTable(f.ctx, alice, &GetTableRequest{DatabaseName: str("tpc"), Name: str("web_sales")}); errCode(err) != "EntityNotFoundException" {
		t.Errorf("table survived DeleteDatabase: %v", err)
	}
	if recs, _ := f.svc.st.List(f.ctx, nsPartition, storeAll()); len(recs) != 0 {
		t.Errorf("%d partitions survived DeleteDatabase", len(recs))
	}
}

func TestPagination(t *testing.T) {
	f := newFixture(t, false)
	for i := range 7 {
		f.createDB(t, alice, fmt.Sprintf("db%d", i))
	}
	for i := range 5 {
		f.createTable(t, alice, "db0", fmt.Sprintf(`{"Name":"t%d"}`, i))
	}
	var pages [][]string
	var tok *string
	for {
		out, err := f.svc.GetDatabases(f.ctx, alice, &GetDatabasesRequest{MaxResults: i32(3), NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, names(t, out.DatabaseList))
		if tok = out.NextToken; tok == nil {
			break
		}
	}
	want := [][]string{{"db0", "db1", "db2"}, {"db3", "db4", "db5"}, {"db6"}}
	if diff := cmp.Diff(want, pages); diff != "" {
		t.Errorf("GetDatabases pages (-want +got):\n%s", diff)
	}
	pages, tok = nil, nil
	for {
		out, err := f.svc.GetTables(f.ctx, alice, &GetTablesRequest{DatabaseName: str("db0"), MaxResults: i32(5), NextToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, names(t, out.TableList))
		if tok = out.NextToken; tok == nil {
			break
		}
	}
	if diff := cmp.Diff([][]string{{"t0", "t1", "t2", "t3", "t4"}}, pages); diff != "" {
		t.Errorf("GetTables pages (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name string
		in   GetTablesRequest
		want string
	}{
		{"max 0", GetTablesRequest{DatabaseName: str("db0"), MaxResults: i32(0)}, "InvalidInputException"},
		{"max 101", GetTablesRequest{DatabaseName: str("db0"), MaxResults: i32(101)}, "InvalidInputException"},
		{"bad token", GetTablesRequest{DatabaseName: str("db0"), NextToken: str("!!")}, "InvalidInputException"},
		{"token of another database", GetTablesRequest{DatabaseName: str("db1"), NextToken: encodeToken("db0/t1")}, "InvalidInputException"},
		{"missing database", GetTablesRequest{DatabaseName: str("zz")}, "EntityNotFoundException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.GetTables(f.ctx, alice, &tc.in)
			if got := errCode(err); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGetTablesExpression(t *testing.T) {
	f := newFixture(t, false)
	f.createDB(t, alice, "tpc")
	for _, n := range []string{"dl_tpc_customer", "dl_tpc_customer_address", "dl_tpc_item", "dl_tpc_web_sales", "other"} {
		f.createTable(t, alice, "tpc", `{"Name":"`+n+`"}`)
	}
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{"*", []string{"dl_tpc_customer", "dl_tpc_customer_address", "dl_tpc_item", "dl_tpc_web_sales", "other"}},
		{"dl_tpc_customer*", []string{"dl_tpc_customer", "dl_tpc_customer_address"}},
		{"DL_TPC_ITEM", []string{"dl_tpc_item"}},
		{"*item|other", []string{"dl_tpc_item", "other"}},
		{"dl_tpc_.*sales", []string{"dl_tpc_web_sales"}},
		{"customer", []string{}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			out, err := f.svc.GetTables(f.ctx, alice, &GetTablesRequest{DatabaseName: str("tpc"), Expression: str(tc.expr)})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, names(t, out.TableList)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := f.svc.GetTables(f.ctx, alice, &GetTablesRequest{DatabaseName: str("tpc"), Expression: str("a(")}); errCode(err) != "InvalidInputException" {
		t.Errorf("bad pattern: %v", err)
	}
}

func TestTables(t *testing.T) {
	f := newFixture(t, false)
	f.createDB(t, alice, "db")
	f.createTable(t, alice, "db", csvTable)
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"duplicate", func() error {
			_, err := f.svc.CreateTable(f.ctx, alice, &CreateTableRequest{DatabaseName: str("db"), TableInput: json.RawMessage(`{"Name":"DUMMY_DATA"}`)})
			return err
		}, "AlreadyExistsException: Table already exists."},
		{"missing database", func() error {
			_, err := f.svc.CreateTable(f.ctx, alice, &CreateTableRequest{DatabaseName: str("nodb"), TableInput: json.RawMessage(`{"Name":"t"}`)})
			return err
		}, "EntityNotFoundException: Database nodb not found."},
		{"missing table", func() error {
			_, err := f.svc.GetTable(f.ctx, alice, &GetTableRequest{DatabaseName: str("db"), Name: str("nope")})
			return err
		}, "EntityNotFoundException: Table nope not found."},
		{"no name", func() error {
			_, err := f.svc.CreateTable(f.ctx, alice, &CreateTableRequest{DatabaseName: str("db"), TableInput: json.RawMessage(`{"Owner":"x"}`)})
			return err
		}, "InvalidInputException: TableInput.Name is required"},
		{"wrong type", func() error {
			_, err := f.svc.CreateTable(f.ctx, alice, &CreateTableRequest{DatabaseName: str("db"), TableInput: json.RawMessage(`{"Name":"t","PartitionKeys":"x"}`)})
			return err
		}, "InvalidInputException: TableInput is malformed: PartitionKeys has the wrong JSON type (string)"},
		{"column without name", func() error {
			_, err := f.svc.CreateTable(f.ctx, alice, &CreateTableRequest{DatabaseName: str("db"), TableInput: json.RawMessage(`{"Name":"t","StorageDescriptor":{"Columns":[{"Type":"int"}]}}`)})
			return err
		}, "InvalidInputException: TableInput.StorageDescriptor.Columns[0].Name is required"},
		{"too many indexes", func() error {
			_, err := f.svc.CreateTable(f.ctx, alice, &CreateTableRequest{DatabaseName: str("db"), TableInput: json.RawMessage(`{"Name":"t"}`),
				PartitionIndexes: []json.RawMessage{json.RawMessage(`{}`), json.RawMessage(`{}`), json.RawMessage(`{}`), json.RawMessage(`{}`)}})
			return err
		}, "ResourceNumberLimitExceededException: At most 3 partition indexes are allowed per table."},
		{"stale version", func() error {
			_, err := f.svc.UpdateTable(f.ctx, alice, &UpdateTableRequest{DatabaseName: str("db"), TableInput: json.RawMessage(`{"Name":"dummy_data"}`), VersionId: str("7")})
			return err
		}, "ConcurrentModificationException: Update table failed due to concurrent modifications."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := errText(tc.call()); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}

	// UpdateTable bumps VersionId and keeps versions, newest first.
	for i, desc := range []string{"v1", "v2"} {
		if _, err := f.svc.UpdateTable(f.ctx, alice, &UpdateTableRequest{DatabaseName: str("db"), VersionId: str(fmt.Sprint(i)),
			TableInput: json.RawMessage(`{"Name":"dummy_data","Description":"` + desc + `"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := f.svc.GetTable(f.ctx, alice, &GetTableRequest{DatabaseName: str("db"), Name: str("dummy_data")})
	if m := decodeMap(t, got.Table); m["VersionId"] != "2" || m["Description"] != "v2" || m["StorageDescriptor"] != nil {
		t.Errorf("after two updates: %v", m)
	}
	vers, err := f.svc.GetTableVersions(f.ctx, alice, &GetTableVersionsRequest{DatabaseName: str("db"), TableName: str("dummy_data")})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range vers.TableVersions {
		ids = append(ids, v.VersionId)
	}
	if diff := cmp.Diff([]string{"2", "1", "0"}, ids); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}

	// BatchDeleteTable reports the missing one.
	f.createTable(t, alice, "db", `{"Name":"t2"}`)
	bd, err := f.svc.BatchDeleteTable(f.ctx, alice, &BatchDeleteTableRequest{DatabaseName: str("db"), TablesToDelete: []string{"dummy_data", "nope", "T2"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []TableError{{TableName: "nope", ErrorDetail: ErrorDetail{ErrorCode: "EntityNotFoundException", ErrorMessage: "Table nope not found."}}}
	if diff := cmp.Diff(want, bd.Errors); diff != "" {
		t.Errorf("BatchDeleteTable errors (-want +got):\n%s", diff)
	}
	out, _ := f.svc.GetTables(f.ctx, alice, &GetTablesRequest{DatabaseName: str("db")})
	if len(out.TableList) != 0 {
		t.Errorf("tables left: %v", names(t, out.TableList))
	}
	if _, err := f.svc.DeleteTable(f.ctx, alice, &DeleteTableRequest{DatabaseName: str("db"), Name: str("dummy_data")}); errCode(err) != "EntityNotFoundException" {
		t.Errorf("DeleteTable of deleted table: %v", err)
	}
}

func TestSearchTables(t *testing.T) {
	f := newFixture(t, false)
	f.createDB(t, alice, "a")
	f.createDB(t, alice, "b")
	f.createTable(t, alice, "a", csvTable)
	f.createTable(t, alice, "b", parquetTable)
	f.createTable(t, alice, "b", `{"Name":"customers","Description":"People"}`)
	for _, tc := range []struct {
		name string
		in   SearchTablesRequest
		want []string
	}{
		{"all", SearchTablesRequest{}, []string{"dummy_data", "customers", "web_sales"}},
		{"name", SearchTablesRequest{SearchText: str("SALES")}, []string{"web_sales"}},
		{"column", SearchTablesRequest{SearchText: str("email")}, []string{"dummy_data"}},
		{"description", SearchTablesRequest{SearchText: str("people")}, []string{"customers"}},
		{"parameter", SearchTablesRequest{SearchText: str("parquet")}, []string{"web_sales"}},
		{"filter", SearchTablesRequest{Filters: []PropertyPredicate{{Key: str("DatabaseName"), Value: str("b")}}}, []string{"customers", "web_sales"}},
		{"filter parameter", SearchTablesRequest{Filters: []PropertyPredicate{{Key: str("classification"), Value: str("csv")}}}, []string{"dummy_data"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.svc.SearchTables(f.ctx, alice, &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, names(t, out.TableList)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
