package catalog

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/identity"
)

// governedFixture: root (a data-lake admin) owns database tpc with tables customer, secret and
// sales (partitioned); alice may see customer (some columns) and sales (all), bob nothing.
func governedFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, true)
	f.createDB(t, root, "tpc")
	f.createTable(t, root, "tpc", `{"Name":"customer","StorageDescriptor":{"Columns":[{"Name":"id","Type":"int"},{"Name":"first_name","Type":"string"},{"Name":"email","Type":"string"}],"Location":"s3://lake/customer/"}}`)
	f.createTable(t, root, "tpc", `{"Name":"secret","PartitionKeys":[{"Name":"year","Type":"int"}]}`)
	f.createTable(t, root, "tpc", parquetTable)
	for _, table := range []string{"secret", "web_sales"} {
		if _, err := f.svc.CreatePartition(f.ctx, root, &CreatePartitionRequest{DatabaseName: str("tpc"), TableName: str(table),
			PartitionInput: json.RawMessage(map[string]string{"secret": `{"Values":["2024"]}`, "web_sales": `{"Values":["2024","eu"]}`}[table])}); err != nil {
			t.Fatal(err)
		}
	}
	f.gov.grant(alice, Target{Database: "tpc", Table: "customer"}, "DESCRIBE")
	f.gov.columns[alice.ARN] = map[Target][]string{{Database: "tpc", Table: "customer"}: {"id", "email"}}
	f.gov.grant(alice, Target{Database: "tpc", Table: "web_sales"}, "SELECT")
	f.gov.registered[Target{Database: "tpc", Table: "web_sales"}] = true
	return f
}

func TestGovernanceHidesTables(t *testing.T) {
	f := governedFixture(t)
	unf := func(p *fixtureCall, table string) error {
		_, err := f.svc.GetUnfilteredTableMetadata(f.ctx, p.who, &GetUnfilteredTableMetadataRequest{CatalogId: str("123456789012"),
			DatabaseName: str("tpc"), Name: str(table), SupportedPermissionTypes: []string{"COLUMN_PERMISSION", "CELL_FILTER_PERMISSION"}})
		return err
	}
	getTable := func(p *fixtureCall, table string) error {
		_, err := f.svc.GetTable(f.ctx, p.who, &GetTableRequest{DatabaseName: str("tpc"), Name: str(table)})
		return err
	}
	getParts := func(p *fixtureCall, table string) error {
		_, err := f.svc.GetPartitions(f.ctx, p.who, &GetPartitionsRequest{DatabaseName: str("tpc"), TableName: str(table)})
		return err
	}
	getPart := func(p *fixtureCall, table string) error {
		_, err := f.svc.GetPartition(f.ctx, p.who, &GetPartitionRequest{DatabaseName: str("tpc"), TableName: str(table), PartitionValues: []string{"2024"}})
		return err
	}
	a, b := &fixtureCall{alice}, &fixtureCall{bob}
	// A hidden table answers exactly like a missing one; a hidden database like a missing one.
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"GetTable hidden", getTable(a, "secret"), "EntityNotFoundException: Table secret not found."},
		{"GetTable missing", getTable(a, "nothere"), "EntityNotFoundException: Table nothere not found."},
		{"GetTable visible", getTable(a, "customer"), ""},
		{"GetPartitions hidden", getParts(a, "secret"), "EntityNotFoundException: Table secret not found."},
		{"GetPartition hidden", getPart(a, "secret"), "EntityNotFoundException: Table secret not found."},
		{"GetPartitions missing", getParts(a, "nothere"), "EntityNotFoundException: Table nothere not found."},
		{"GetUnfilteredTableMetadata hidden", unf(a, "secret"), "EntityNotFoundException: Table secret not found."},
		{"GetUnfilteredTableMetadata missing", unf(a, "nothere"), "EntityNotFoundException: Table nothere not found."},
		{"hidden database", getTable(b, "customer"), "EntityNotFoundException: Database tpc not found."},
		{"GetDatabase hidden", func() error {
			_, err := f.svc.GetDatabase(f.ctx, bob, &GetDatabaseRequest{Name: str("tpc")})
			return err
		}(), "EntityNotFoundException: Database tpc not found."},
		{"GetTables in hidden database", func() error {
			_, err := f.svc.GetTables(f.ctx, bob, &GetTablesRequest{DatabaseName: str("tpc")})
			return err
		}(), "EntityNotFoundException: Database tpc not found."},
		{"CreateDatabase without CREATE_DATABASE", func() error {
			_, err := f.svc.CreateDatabase(f.ctx, alice, &CreateDatabaseRequest{DatabaseInput: json.RawMessage(`{"Name":"mine"}`)})
			return err
		}(), "AccessDeniedException: Insufficient Lake Formation permission(s): Required CREATE_DATABASE on "},
		{"CreateTable without CREATE_TABLE", func() error {
			_, err := f.svc.CreateTable(f.ctx, alice, &CreateTableRequest{DatabaseName: str("tpc"), TableInput: json.RawMessage(`{"Name":"x"}`)})
			return err
		}(), "AccessDeniedException: Insufficient Lake Formation permission(s): Required CREATE_TABLE on "},
		{"DeleteTable without DROP", func() error {
			_, err := f.svc.DeleteTable(f.ctx, alice, &DeleteTableRequest{DatabaseName: str("tpc"), Name: str("customer")})
			return err
		}(), "AccessDeniedException: Insufficient Lake Formation permission(s): Required DROP on customer"},
		{"UpdateTable without ALTER", func() error {
			_, err := f.svc.UpdateTable(f.ctx, alice, &UpdateTableRequest{DatabaseName: str("tpc"), TableInput: json.RawMessage(`{"Name":"customer"}`)})
			return err
		}(), "AccessDeniedException: Insufficient Lake Formation permission(s): Required ALTER on customer"},
		{"CreatePartition without ALTER or INSERT", func() error {
			_, err := f.svc.CreatePartition(f.ctx, alice, &CreatePartitionRequest{DatabaseName: str("tpc"), TableName: str("web_sales"), PartitionInput: json.RawMessage(`{"Values":["1","x"]}`)})
			return err
		}(), "AccessDeniedException: Insufficient Lake Formation permission(s): Required ALTER on web_sales"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := errText(tc.err); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}

	// Lists leave hidden entities out silently.
	tables, err := f.svc.GetTables(f.ctx, alice, &GetTablesRequest{DatabaseName: str("tpc")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"customer", "web_sales"}, names(t, tables.TableList)); diff != "" {
		t.Errorf("GetTables (-want +got):\n%s", diff)
	}
	found, err := f.svc.SearchTables(f.ctx, alice, &SearchTablesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"customer", "web_sales"}, names(t, found.TableList)); diff != "" {
		t.Errorf("SearchTables (-want +got):\n%s", diff)
	}
	dbs, err := f.svc.GetDatabases(f.ctx, alice, &GetDatabasesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"tpc"}, names(t, dbs.DatabaseList)); diff != "" {
		t.Errorf("GetDatabases alice (-want +got):\n%s", diff)
	}
	dbs, _ = f.svc.GetDatabases(f.ctx, bob, &GetDatabasesRequest{})
	if len(dbs.DatabaseList) != 0 {
		t.Errorf("GetDatabases bob = %v", names(t, dbs.DatabaseList))
	}
	// IsRegisteredWithLakeFormation comes from Governance.
	got, _ := f.svc.GetTable(f.ctx, alice, &GetTableRequest{DatabaseName: str("tpc"), Name: str("web_sales")})
	if decodeMap(t, got.Table)["IsRegisteredWithLakeFormation"] != true {
		t.Errorf("web_sales not registered: %s", got.Table)
	}
}

type fixtureCall struct{ who *identity.Principal }

func TestGovernanceCreatedDeleted(t *testing.T) {
	f := governedFixture(t)
	f.gov.grant(alice, Target{}, "CREATE_DATABASE")
	f.createDB(t, alice, "mine")
	f.createTable(t, alice, "mine", `{"Name":"t"}`)
	for _, target := range []Target{{Database: "mine"}, {Database: "mine", Table: "t"}} {
		if !f.gov.holds(alice, "ALL", target) {
			t.Errorf("creator lacks ALL on %+v", target)
		}
	}
	if _, err := f.svc.DeleteDatabase(f.ctx, alice, &DeleteDatabaseRequest{Name: str("mine")}); err != nil {
		t.Fatal(err)
	}
	for _, target := range []Target{{Database: "mine"}, {Database: "mine", Table: "t"}} {
		if f.gov.holds(alice, "DESCRIBE", target) {
			t.Errorf("grants on %+v survived the delete", target)
		}
	}
}

func TestUnfilteredMetadata(t *testing.T) {
	both := []string{"COLUMN_PERMISSION", "CELL_FILTER_PERMISSION"}
	for _, tc := range []struct {
		name     string
		governed bool
		table    string
		types    []string
		filters  []CellFilter
		want     *GetUnfilteredTableMetadataResponse
		wantErr  string
	}{
		{name: "nil governance is full access", table: "customer", types: []string{"COLUMN_PERMISSION"},
			want: &GetUnfilteredTableMetadataResponse{AuthorizedColumns: []string{"id", "first_name", "email"}, Permissions: []Permission{"ALL"}}},
		{name: "column restriction", governed: true, table: "customer", types: both,
			want: &GetUnfilteredTableMetadataResponse{AuthorizedColumns: []string{"id", "email"}, Permissions: []Permission{"DESCRIBE", "SELECT"}}},
		{name: "column restriction without COLUMN_PERMISSION", governed: true, table: "customer", types: []string{"CELL_FILTER_PERMISSION"},
			wantErr: "PermissionTypeMismatchException: The table has column permissions, but COLUMN_PERMISSION is not a supported permission type."},
		{name: "full table", governed: true, table: "web_sales", types: []string{"COLUMN_PERMISSION"},
			want: &GetUnfilteredTableMetadataResponse{AuthorizedColumns: []string{"order_id", "amount", "year", "region"},
				IsRegisteredWithLakeFormation: true, Permissions: []Permission{"SELECT"}}},
		{name: "cell filters", governed: true, table: "web_sales", types: both, filters: []CellFilter{{ColumnName: "amount", RowFilterExpression: "region = 'eu'"}},
			want: &GetUnfilteredTableMetadataResponse{AuthorizedColumns: []string{}, IsRegisteredWithLakeFormation: true, Permissions: []Permission{"SELECT"},
				CellFilters: []ColumnRowFilter{{ColumnName: "amount", RowFilterExpression: "region = 'eu'"}}, RowFilter: "region = 'eu'"}},
		{name: "cell filters without CELL_FILTER_PERMISSION", governed: true, table: "web_sales", types: []string{"COLUMN_PERMISSION"},
			filters: []CellFilter{{ColumnName: "amount", RowFilterExpression: "region = 'eu'"}},
			wantErr: "PermissionTypeMismatchException: The table has data filters, but CELL_FILTER_PERMISSION is not a supported permission type."},
		{name: "unknown permission type", table: "customer", types: []string{"ROW"}, wantErr: "InvalidInputException: Unknown permission type ROW"},
		{name: "no permission types", table: "customer", wantErr: "InvalidInputException: SupportedPermissionTypes must hold 1 to 255 entries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f *fixture
			if tc.governed {
				f = governedFixture(t)
			} else {
				f = newFixture(t, false)
				f.createDB(t, root, "tpc")
				f.createTable(t, root, "tpc", `{"Name":"customer","StorageDescriptor":{"Columns":[{"Name":"id","Type":"int"},{"Name":"first_name","Type":"string"},{"Name":"email","Type":"string"}]}}`)
			}
			if tc.filters != nil {
				f.gov.filters[alice.ARN] = map[Target][]CellFilter{{Database: "tpc", Table: tc.table}: tc.filters}
			}
			got, err := f.svc.GetUnfilteredTableMetadata(f.ctx, alice, &GetUnfilteredTableMetadataRequest{CatalogId: str("123456789012"),
				DatabaseName: str("tpc"), Name: str(tc.table), SupportedPermissionTypes: tc.types})
			if errText(err) != tc.wantErr {
				t.Fatalf("error %s, want %s", errText(err), tc.wantErr)
			}
			if err != nil {
				return
			}
			if decodeMap(t, got.Table)["Name"] != tc.table || len(got.QueryAuthorizationId) != 36 {
				t.Errorf("Table %s, QueryAuthorizationId %q", got.Table, got.QueryAuthorizationId)
			}
			got.Table, got.QueryAuthorizationId, got.ResourceArn = nil, "", ""
			if tc.want.CellFilters == nil {
				tc.want.CellFilters = []ColumnRowFilter{}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
