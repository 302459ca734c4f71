package interop

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLakeFormationAWSCLI drives Lake Formation with the aws CLI v1 and v2 (whose old model has
// every operation used here; it lacks AllowFullTableExternalDataAccess and the query-planning
// operations, which Sluice does not serve — so the host-prefix trap of spec §12 does not arise).
func TestLakeFormationAWSCLI(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	dir := t.TempDir()
	table := glueFile(t, dir, "table.json", s0TableJSON)
	for _, major := range []string{"1", "2"} {
		t.Run("v"+major, func(t *testing.T) {
			cli := awsCLI(t, major)
			call := func(svc string, args ...string) result {
				t.Helper()
				return run(t, clientEnv(d.Endpoint()), cli, append([]string{"--endpoint-url", d.Endpoint(), "--output", "json", svc}, args...)...)
			}
			ok := func(svc string, args ...string) map[string]any {
				t.Helper()
				r := call(svc, args...)
				if r.err != nil {
					t.Fatalf("aws %s %s: %v\n%s", svc, strings.Join(args, " "), r.err, r.stderr)
				}
				m := map[string]any{}
				if strings.TrimSpace(r.stdout) != "" {
					if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
						t.Fatalf("aws %s %s: output %q: %v", svc, args[0], r.stdout, err)
					}
				}
				return m
			}
			fails := func(code string, svc string, args ...string) string {
				t.Helper()
				r := call(svc, args...)
				if r.err == nil || !strings.Contains(r.stderr, code) {
					t.Fatalf("aws %s %s: want %s, got err=%v stderr=%s", svc, args[0], code, r.err, r.stderr)
				}
				return r.stderr
			}
			lf := func(args ...string) map[string]any { t.Helper(); return ok("lakeformation", args...) }
			db := "lf_db_v" + major
			app := "arn:aws:iam::123456789012:role/app-v" + major

			// Settings: a new account's defaults, then put (replace) with filtering enabled.
			if major == "1" {
				st := lf("get-data-lake-settings")["DataLakeSettings"].(map[string]any)
				def := st["CreateTableDefaultPermissions"].([]any)
				if len(def) != 1 || !strings.Contains(mustJSON(def), "IAM_ALLOWED_PRINCIPALS") {
					t.Fatalf("default table permissions %v", def)
				}
			}
			lf("put-data-lake-settings", "--data-lake-settings", `{"DataLakeAdmins":[{"DataLakePrincipalIdentifier":"arn:aws:iam::123456789012:role/exec"}],
				"CreateDatabaseDefaultPermissions":[],"CreateTableDefaultPermissions":[],"AllowExternalDataFiltering":true,
				"ExternalDataFilteringAllowList":[{"DataLakePrincipalIdentifier":"123456789012"}],"AuthorizedSessionTagValueList":["engine"]}`)
			st := lf("get-data-lake-settings")["DataLakeSettings"].(map[string]any)
			if len(st["CreateTableDefaultPermissions"].([]any)) != 0 || st["AllowExternalDataFiltering"] != true {
				t.Fatalf("settings after put %v", st)
			}

			// Catalog objects, governed from now on.
			ok("glue", "create-database", "--database-input", `{"Name":"`+db+`"}`)
			ok("glue", "create-table", "--database-name", db, "--table-input", table)

			// Locations.
			loc := "arn:aws:s3:::sluice-lake-v" + major
			lf("register-resource", "--resource-arn", loc, "--role-arn", "arn:aws:iam::123456789012:role/loc")
			fails("AlreadyExistsException", "lakeformation", "register-resource", "--resource-arn", loc, "--role-arn", "arn:aws:iam::123456789012:role/loc")
			if got := lf("describe-resource", "--resource-arn", loc)["ResourceInfo"].(map[string]any); got["RoleArn"] != "arn:aws:iam::123456789012:role/loc" {
				t.Fatalf("describe-resource %v", got)
			}
			if n := len(lf("list-resources")["ResourceInfoList"].([]any)); n < 1 {
				t.Fatalf("list-resources: %d", n)
			}

			// Grants: a column grant, listed, revoked.
			cols := `{"TableWithColumns":{"DatabaseName":"` + db + `","Name":"dummy_data","ColumnNames":["id","first_name"]}}`
			lf("grant-permissions", "--principal", "DataLakePrincipalIdentifier="+app, "--resource", cols, "--permissions", "SELECT")
			lp := lf("list-permissions", "--principal", "DataLakePrincipalIdentifier="+app)["PrincipalResourcePermissions"].([]any)
			if len(lp) != 1 || !strings.Contains(mustJSON(lp), `"ColumnNames":["id","first_name"]`) {
				t.Fatalf("list-permissions %s", mustJSON(lp))
			}
			byRes := lf("list-permissions", "--resource", `{"Table":{"DatabaseName":"`+db+`","Name":"dummy_data"}}`)["PrincipalResourcePermissions"].([]any)
			if len(byRes) != 1 { // the app's columns (root, the creator here, gets no creator grant)
				t.Fatalf("list-permissions by resource %s", mustJSON(byRes))
			}
			fails("EntityNotFoundException", "lakeformation", "grant-permissions", "--principal", "DataLakePrincipalIdentifier="+app,
				"--resource", `{"Table":{"DatabaseName":"`+db+`","Name":"nope"}}`, "--permissions", "SELECT")
			fails("InvalidInputException", "lakeformation", "grant-permissions", "--principal", "DataLakePrincipalIdentifier="+app,
				"--resource", `{"Database":{"Name":"`+db+`"}}`, "--permissions", "SELECT")
			lf("revoke-permissions", "--principal", "DataLakePrincipalIdentifier="+app, "--resource", cols, "--permissions", "SELECT")
			if lp := lf("list-permissions", "--principal", "DataLakePrincipalIdentifier="+app)["PrincipalResourcePermissions"].([]any); len(lp) != 0 {
				t.Fatalf("after revoke %s", mustJSON(lp))
			}
			bg := lf("batch-grant-permissions", "--entries", `[{"Id":"1","Principal":{"DataLakePrincipalIdentifier":"`+app+`"},"Resource":{"Table":{"DatabaseName":"`+db+`","Name":"dummy_data"}},"Permissions":["DESCRIBE"]},
				{"Id":"2","Principal":{"DataLakePrincipalIdentifier":"`+app+`"},"Resource":{"Table":{"DatabaseName":"`+db+`","Name":"missing"}},"Permissions":["DESCRIBE"]}]`)
			if f := bg["Failures"].([]any); len(f) != 1 || !strings.Contains(mustJSON(f), "EntityNotFoundException") {
				t.Fatalf("batch failures %s", mustJSON(f))
			}

			// Data cells filters: the row filter is type-checked against the table.
			filter := func(name, expr string) string {
				return `{"TableCatalogId":"123456789012","DatabaseName":"` + db + `","TableName":"dummy_data","Name":"` + name +
					`","RowFilter":{"FilterExpression":"` + expr + `"},"ColumnWildcard":{"ExcludedColumnNames":["email"]}}`
			}
			lf("create-data-cells-filter", "--table-data", filter("low_ids", "id < 100 AND first_name LIKE 'A%'"))
			msg := fails("InvalidInputException", "lakeformation", "create-data-cells-filter", "--table-data", filter("bad", "id = 'x'"))
			if !strings.Contains(msg, "position 6") || !strings.Contains(msg, "type mismatch") {
				t.Fatalf("filter error message %q", msg)
			}
			fl := lf("list-data-cells-filter", "--table", `{"DatabaseName":"`+db+`","Name":"dummy_data"}`)["DataCellsFilters"].([]any)
			if len(fl) != 1 {
				t.Fatalf("list-data-cells-filter %s", mustJSON(fl))
			}
			lf("grant-permissions", "--principal", "DataLakePrincipalIdentifier="+app, "--permissions", "SELECT",
				"--resource", `{"DataCellsFilter":{"TableCatalogId":"123456789012","DatabaseName":"`+db+`","TableName":"dummy_data","Name":"low_ids"}}`)
			lf("delete-data-cells-filter", "--table-catalog-id", "123456789012", "--database-name", db, "--table-name", "dummy_data", "--name", "low_ids")

			// LF-tags.
			key := "level_v" + major
			lf("create-lf-tag", "--tag-key", key, "--tag-values", "public", "secret")
			if got := lf("get-lf-tag", "--tag-key", key); len(got["TagValues"].([]any)) != 2 {
				t.Fatalf("get-lf-tag %v", got)
			}
			add := lf("add-lf-tags-to-resource", "--resource", `{"Table":{"DatabaseName":"`+db+`","Name":"dummy_data"}}`,
				"--lf-tags", `[{"TagKey":"`+key+`","TagValues":["public"]}]`)
			if f, _ := add["Failures"].([]any); len(f) != 0 {
				t.Fatalf("add-lf-tags failures %s", mustJSON(f))
			}
			rt := lf("get-resource-lf-tags", "--resource", `{"Table":{"DatabaseName":"`+db+`","Name":"dummy_data"}}`)
			if !strings.Contains(mustJSON(rt["LFTagsOnTable"]), `"public"`) {
				t.Fatalf("get-resource-lf-tags %s", mustJSON(rt))
			}
			found := lf("search-tables-by-lf-tags", "--expression", `[{"TagKey":"`+key+`","TagValues":["public"]}]`)["TableList"].([]any)
			if len(found) != 1 {
				t.Fatalf("search-tables-by-lf-tags %s", mustJSON(found))
			}
			lf("grant-permissions", "--principal", "DataLakePrincipalIdentifier="+app, "--permissions", "SELECT",
				"--resource", `{"LFTagPolicy":{"ResourceType":"TABLE","Expression":[{"TagKey":"`+key+`","TagValues":["public"]}]}}`)
			if n := len(lf("list-lf-tags")["LFTags"].([]any)); n < 1 {
				t.Fatalf("list-lf-tags: %d", n)
			}

			// Vending refuses the root caller an unregistered table location and unknown tables.
			fails("EntityNotFoundException", "lakeformation", "get-temporary-glue-table-credentials",
				"--table-arn", "arn:aws:glue:us-east-1:123456789012:table/"+db+"/nope", "--supported-permission-types", "COLUMN_PERMISSION")
			fails("InvalidInputException", "lakeformation", "get-temporary-glue-table-credentials",
				"--table-arn", "arn:aws:glue:us-east-1:123456789012:table/"+db+"/dummy_data", "--supported-permission-types", "COLUMN_PERMISSION")
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
