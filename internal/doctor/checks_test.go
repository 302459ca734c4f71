package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// brief is what the table tests compare: status, and whether the message and fix hold a piece.
type brief struct {
	Status  Status
	HasFix  bool
	Message bool // the message contains the case's want text
}

func summarize(f Finding, want string) brief {
	return brief{Status: f.Status, HasFix: f.Fix != "", Message: strings.Contains(f.Message, want)}
}

var fileCases = []struct {
	name    string
	f       FileState
	fromEnv bool
	parse   error
	want    brief
	text    string // in the message
	fix     string // in the fix
}{
	{"owner only", FileState{Path: "/d/k.json", Mode: 0o600}, false, nil, brief{OK, false, true}, "mode 0600", ""},
	{"owner read only", FileState{Path: "/d/k.json", Mode: 0o400}, false, nil, brief{OK, false, true}, "mode 0400", ""},
	{"group readable", FileState{Path: "/d/k.json", Mode: 0o640}, false, nil, brief{Fail, true, true}, "mode 0640", "chmod 600 /d/k.json"},
	{"world readable", FileState{Path: "/d/k.json", Mode: 0o644}, false, nil, brief{Fail, true, true}, "mode 0644", "chmod 600 /d/k.json"},
	{"other execute", FileState{Path: "/d/k.json", Mode: 0o601}, false, nil, brief{Fail, true, true}, "group or others", "chmod 600"},
	{"path quoted", FileState{Path: "/my dir/k.json", Mode: 0o666}, false, nil, brief{Fail, true, true}, "mode 0666", "chmod 600 '/my dir/k.json'"},
	{"missing", FileState{Path: "/d/k.json", Err: fs.ErrNotExist}, false, nil, brief{Fail, true, true}, "no key ring at /d/k.json", "sluice keyring rotate"},
	{"unreadable", FileState{Path: "/d/k.json", Err: fs.ErrPermission}, false, nil, brief{Warn, true, true}, "not readable", "as the user"},
	{"directory", FileState{Path: "/d/k.json", Mode: fs.ModeDir | 0o700}, false, nil, brief{Fail, false, true}, "not a regular file", ""},
	{"damaged", FileState{Path: "/d/k.json", Mode: 0o600}, false, errors.New("bad json"), brief{Fail, true, true}, "damaged", "backup"},
	{"from env", FileState{}, true, nil, brief{OK, false, true}, "SLUICE_KEYRING", ""},
}

func TestKeyring(t *testing.T) {
	for _, c := range fileCases {
		t.Run(c.name, func(t *testing.T) {
			f := Keyring(c.f, c.fromEnv, c.parse)
			if diff := cmp.Diff(c.want, summarize(f, c.text)); diff != "" {
				t.Errorf("%+v\n(-want +got):\n%s", f, diff)
			}
			if !strings.Contains(f.Fix, c.fix) || f.Check != CheckKeyring {
				t.Errorf("fix %q, want it to hold %q", f.Fix, c.fix)
			}
		})
	}
}

func TestRootCredentials(t *testing.T) {
	cases := []struct {
		name    string
		f       FileState
		fromEnv bool
		want    brief
		text    string
	}{
		{"0600", FileState{Path: "/d/root-credentials.json", Mode: 0o600}, false, brief{OK, false, true}, "mode 0600"},
		{"0644", FileState{Path: "/d/root-credentials.json", Mode: 0o644}, false, brief{Fail, true, true}, "group or others"},
		{"0660", FileState{Path: "/d/root-credentials.json", Mode: 0o660}, false, brief{Fail, true, true}, "mode 0660"},
		{"absent", FileState{Path: "/d/root-credentials.json", Err: fs.ErrNotExist}, false, brief{OK, false, true}, "SLUICE_ROOT_"},
		{"environment", FileState{Path: "/d/root-credentials.json", Mode: 0o644}, true, brief{OK, false, true}, "environment"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := RootCredentials(c.f, c.fromEnv)
			if diff := cmp.Diff(c.want, summarize(f, c.text)); diff != "" {
				t.Errorf("%+v\n(-want +got):\n%s", f, diff)
			}
		})
	}
}

var clockCases = []struct {
	name string
	skew time.Duration // server minus local
	want Status
	text string
}{
	{"in sync", 0, OK, "0s ahead"},
	{"half a second", 400 * time.Millisecond, OK, "0s ahead"},
	{"30s behind", -30 * time.Second, OK, "30s behind"},
	{"exactly a minute", time.Minute, OK, "1m0s ahead"},
	{"just over a minute", time.Minute + 2*time.Second, Warn, "1m2s ahead"},
	{"4 minutes behind", -4 * time.Minute, Warn, "4m0s behind"},
	{"exactly 5 minutes", 5 * time.Minute, Warn, "5m0s ahead"},
	{"6 minutes ahead", 6 * time.Minute, Fail, "refused"},
	{"an hour behind", -time.Hour, Fail, "1h0m0s behind"},
}

func TestClock(t *testing.T) {
	local := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for _, c := range clockCases {
		t.Run(c.name, func(t *testing.T) {
			f := Clock(local, local.Add(c.skew))
			got := brief{Status: f.Status, HasFix: f.Fix != "", Message: strings.Contains(f.Message, c.text)}
			want := brief{Status: c.want, HasFix: c.want != OK, Message: true}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%+v\n(-want +got):\n%s", f, diff)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	cases := []struct {
		status int
		want   Status
	}{{200, OK}, {503, Fail}, {404, Fail}, {500, Fail}}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.status), func(t *testing.T) {
			f := Health("http://h:1", c.status)
			if f.Status != c.want || !strings.Contains(f.Message, "http://h:1/_sluice/health answered "+fmt.Sprint(c.status)) {
				t.Errorf("%+v", f)
			}
		})
	}
}

func TestStore(t *testing.T) {
	cases := []struct {
		name string
		s    Schema
		want brief
		text string
	}{
		{"migrated", Schema{Driver: "sqlite", Where: "/d/sluice.db", Version: 3, Latest: 3}, brief{OK, false, true}, "migrated (schema version 3)"},
		{"pending", Schema{Driver: "sqlite", Where: "/d/sluice.db", Version: 1, Latest: 3}, brief{Warn, true, true}, "2 migration(s) pending"},
		{"never migrated", Schema{Driver: "sqlite", Where: "/d/sluice.db", Version: 0, Latest: 1}, brief{Warn, true, true}, "1 migration(s) pending"},
		{"newer than binary", Schema{Driver: "sqlite", Where: "/d/sluice.db", Version: 4, Latest: 3}, brief{Fail, true, true}, "newer than this binary's 3"},
		{"missing", Schema{Driver: "sqlite", Where: "/d/sluice.db", Err: fs.ErrNotExist}, brief{Fail, true, true}, "does not exist"},
		{"unreachable", Schema{Driver: "postgres", Where: "db:5432/sluice", Err: errors.New("connection refused")}, brief{Fail, true, true}, "not reachable: connection refused"},
		{"postgres version", Schema{Driver: "postgres", Where: "db:5432/sluice", Version: 2}, brief{OK, false, true}, "schema version 2"},
		{"postgres empty", Schema{Driver: "postgres", Where: "db:5432/sluice"}, brief{Warn, true, true}, "no migrations applied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := Store(c.s)
			if diff := cmp.Diff(c.want, summarize(f, c.text)); diff != "" {
				t.Errorf("%+v\n(-want +got):\n%s", f, diff)
			}
		})
	}
}

func TestRootUsage(t *testing.T) {
	ev := func(src, name string) Event {
		return Event{Source: src + ".amazonaws.com", Name: name, UserAgent: "aws-cli/2.9.19"}
	}
	cases := []struct {
		name      string
		events    []Event
		truncated bool
		want      brief
		text      string
	}{
		{"none", nil, false, brief{OK, false, true}, "no calls"},
		{"bootstrap only", []Event{ev("iam", "CreateUser"), ev("iam", "CreateAccessKey"), ev("iam", "PutUserPolicy"), ev("lakeformation", "PutDataLakeSettings"), ev("sts", "GetCallerIdentity")}, false, brief{OK, false, true}, "besides bootstrap"},
		{"doctor's own calls", []Event{{Source: "glue.amazonaws.com", Name: "GetTables", UserAgent: "aws-sdk-go-v2/1.47.7 app/sluice-doctor"}}, false, brief{OK, false, true}, "no calls"},
		{"daily work", []Event{ev("glue", "GetTable"), ev("glue", "GetTable"), ev("s3", "GetObject"), ev("iam", "CreateUser")}, false, brief{Warn, true, true}, "3 non-bootstrap call(s) in the last 7 days (glue:GetTable ×2, s3:GetObject ×1)"},
		{"truncated", []Event{ev("s3", "GetObject")}, true, brief{Warn, true, true}, "made at least 1"},
		{"many kinds", []Event{ev("s3", "A"), ev("s3", "B"), ev("s3", "C"), ev("s3", "D"), ev("s3", "E"), ev("s3", "F"), ev("s3", "G"), ev("s3", "H"), ev("s3", "I"), ev("s3", "J")}, false, brief{Warn, true, true}, "s3:H ×1, 2 more kinds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := RootUsage(c.events, c.truncated)
			if diff := cmp.Diff(c.want, summarize(f, c.text)); diff != "" {
				t.Errorf("%+v\n(-want +got):\n%s", f, diff)
			}
		})
	}
}

var locationCases = []struct {
	name       string
	location   string
	registered []string
	want       string
}{
	{"under", "s3://lake/sales/orders/", []string{"arn:aws:s3:::lake/sales"}, "arn:aws:s3:::lake/sales"},
	{"equal", "s3://lake/sales", []string{"arn:aws:s3:::lake/sales/"}, "arn:aws:s3:::lake/sales/"},
	{"bucket", "s3://lake/x", []string{"arn:aws:s3:::lake"}, "arn:aws:s3:::lake"},
	{"sibling prefix", "s3://lake/salesforce/t/", []string{"arn:aws:s3:::lake/sales"}, ""},
	{"other bucket", "s3://lake2/sales/t/", []string{"arn:aws:s3:::lake"}, ""},
	{"s3a", "s3a://lake/sales/t", []string{"arn:aws:s3:::lake/sales"}, "arn:aws:s3:::lake/sales"},
	{"longest wins", "s3://lake/sales/t", []string{"arn:aws:s3:::lake", "arn:aws:s3:::lake/sales"}, "arn:aws:s3:::lake/sales"},
	{"no location", "", []string{"arn:aws:s3:::lake"}, ""},
	{"not s3", "hdfs://lake/sales", []string{"arn:aws:s3:::lake"}, ""},
	{"empty registration", "s3://lake/t", []string{"arn:aws:s3:::"}, ""},
}

func TestGoverningLocation(t *testing.T) {
	for _, c := range locationCases {
		t.Run(c.name, func(t *testing.T) {
			if got := governingLocation(c.location, c.registered); got != c.want {
				t.Errorf("governingLocation(%q, %q) = %q, want %q", c.location, c.registered, got, c.want)
			}
		})
	}
}

// FuzzGoverningLocation: a location is governed only by a registration that is a path prefix of
// it on a segment boundary.
func FuzzGoverningLocation(f *testing.F) {
	for _, c := range locationCases {
		reg := ""
		if len(c.registered) > 0 {
			reg = c.registered[0]
		}
		f.Add(c.location, reg)
	}
	f.Fuzz(func(t *testing.T, location, reg string) {
		got := governingLocation(location, []string{reg})
		if got == "" {
			return
		}
		path, ok := s3Path(location)
		r := strings.TrimSuffix(strings.TrimPrefix(got, "arn:aws:s3:::"), "/")
		if !ok || got != reg || r == "" || (path != r && !strings.HasPrefix(path, r+"/")) {
			t.Fatalf("governingLocation(%q, %q) = %q", location, reg, got)
		}
	})
}

func defaultSettings() Settings {
	iap := []PrincipalPermissions{{Principal: IAMAllowedPrincipals, Permissions: []string{"ALL"}}}
	return Settings{CreateDatabaseDefaultPermissions: iap, CreateTableDefaultPermissions: iap,
		Parameters: map[string]string{"CROSS_ACCOUNT_VERSION": "1"}}
}

func TestIAMAllowed(t *testing.T) {
	tables := []Table{
		{Database: "sales", Name: "orders", Location: "s3://lake/sales/orders/"},
		{Database: "sales", Name: "items", Location: "s3://lake/sales/items/"},
		{Database: "raw", Name: "logs", Location: "s3://scratch/logs/"},
	}
	const ep = "http://127.0.0.1:9876"
	revokeOrders := `aws lakeformation revoke-permissions --endpoint-url http://127.0.0.1:9876 --principal DataLakePrincipalIdentifier=IAM_ALLOWED_PRINCIPALS --resource '{"Table":{"DatabaseName":"sales","Name":"orders"}}' --permissions ALL`
	cases := []struct {
		name string
		lake Lake
		want []Finding
	}{
		{
			name: "nothing registered, defaults untouched",
			lake: Lake{Tables: tables, Grants: []Grant{{Kind: TableGrant, Database: "raw", Table: "logs", Permissions: []string{"ALL"}}}, Settings: defaultSettings()},
			want: []Finding{
				{Check: CheckIAMAllowed, Status: OK, Message: "no location is registered with Lake Formation: it governs no table and IAM alone decides (register one with `aws lakeformation register-resource`)"},
				{Check: CheckIAMAllowed, Status: OK, Message: "the data-lake default permissions grant IAM_ALLOWED_PRINCIPALS ALL on new databases and new tables (AWS's default; fine while no location is registered)"},
			},
		},
		{
			name: "governed table still granted, ungoverned ignored",
			lake: Lake{Locations: []string{"arn:aws:s3:::lake/sales"}, Tables: tables, Settings: Settings{},
				Grants: []Grant{
					{Kind: TableGrant, Database: "sales", Table: "orders", Permissions: []string{"ALL"}},
					{Kind: TableGrant, Database: "raw", Table: "logs", Permissions: []string{"ALL"}},
				}},
			want: []Finding{
				{Check: CheckIAMAllowed, Status: Fail, Message: "table sales.orders at s3://lake/sales/orders/ (registered location arn:aws:s3:::lake/sales) still grants ALL to IAM_ALLOWED_PRINCIPALS: IAM alone decides access and Lake Formation grants restrict nothing", Fix: revokeOrders},
				{Check: CheckIAMAllowed, Status: OK, Message: "the data-lake default permissions grant IAM_ALLOWED_PRINCIPALS nothing on new databases and tables"},
			},
		},
		{
			name: "wildcard and column grants",
			lake: Lake{Locations: []string{"arn:aws:s3:::lake/sales"}, Tables: tables[1:2],
				Grants: []Grant{
					{Kind: WildcardGrant, Database: "sales", Permissions: []string{"SELECT"}},
					{Kind: ColumnsGrant, Database: "sales", Table: "items", AllColumns: true, Excluded: []string{"price"}, Permissions: []string{"SELECT"}, GrantOption: []string{"SELECT"}},
				}},
			want: []Finding{
				{Check: CheckIAMAllowed, Status: Fail, Message: "table sales.items at s3://lake/sales/items/ (registered location arn:aws:s3:::lake/sales) still grants SELECT to IAM_ALLOWED_PRINCIPALS (through the grant on all tables of database sales): IAM alone decides access and Lake Formation grants restrict nothing",
					Fix: `aws lakeformation revoke-permissions --endpoint-url http://127.0.0.1:9876 --principal DataLakePrincipalIdentifier=IAM_ALLOWED_PRINCIPALS --resource '{"Table":{"DatabaseName":"sales","TableWildcard":{}}}' --permissions SELECT` + "\n" +
						`aws lakeformation revoke-permissions --endpoint-url http://127.0.0.1:9876 --principal DataLakePrincipalIdentifier=IAM_ALLOWED_PRINCIPALS --resource '{"TableWithColumns":{"ColumnWildcard":{"ExcludedColumnNames":["price"]},"DatabaseName":"sales","Name":"items"}}' --permissions SELECT --permissions-with-grant-option SELECT`},
				{Check: CheckIAMAllowed, Status: OK, Message: "the data-lake default permissions grant IAM_ALLOWED_PRINCIPALS nothing on new databases and tables"},
			},
		},
		{
			name: "revoked, defaults still grant",
			lake: Lake{Locations: []string{"arn:aws:s3:::lake/sales"}, Tables: tables, Settings: Settings{
				DataLakeAdmins:                []string{"arn:aws:iam::123456789012:user/admin"},
				CreateTableDefaultPermissions: []PrincipalPermissions{{Principal: IAMAllowedPrincipals, Permissions: []string{"ALL"}}},
				Parameters:                    map[string]string{"CROSS_ACCOUNT_VERSION": "1"}, AllowExternalDataFiltering: true,
				AuthorizedSessionTagValueList: []string{"engine1"}}},
			want: []Finding{
				{Check: CheckIAMAllowed, Status: OK, Message: "no governed table grants IAM_ALLOWED_PRINCIPALS anything (2 of 3 table(s) lie under the 1 registered location(s))"},
				{Check: CheckIAMAllowed, Status: Warn, Message: "the data-lake default permissions grant IAM_ALLOWED_PRINCIPALS ALL on new tables: every one created from now on is governed by IAM alone",
					Fix: `aws lakeformation put-data-lake-settings --endpoint-url http://127.0.0.1:9876 --data-lake-settings '{"DataLakeAdmins":[{"DataLakePrincipalIdentifier":"arn:aws:iam::123456789012:user/admin"}],"CreateDatabaseDefaultPermissions":[],"CreateTableDefaultPermissions":[],"Parameters":{"CROSS_ACCOUNT_VERSION":"1"},"AllowExternalDataFiltering":true,"AuthorizedSessionTagValueList":["engine1"]}'`},
			},
		},
		{
			name: "empty permission lists are no grant",
			lake: Lake{Locations: []string{"arn:aws:s3:::lake"}, Tables: tables[:1],
				Grants:   []Grant{{Kind: TableGrant, Database: "sales", Table: "orders"}},
				Settings: Settings{CreateTableDefaultPermissions: []PrincipalPermissions{{Principal: IAMAllowedPrincipals}}}},
			want: []Finding{
				{Check: CheckIAMAllowed, Status: OK, Message: "no governed table grants IAM_ALLOWED_PRINCIPALS anything (1 of 1 table(s) lie under the 1 registered location(s))"},
				{Check: CheckIAMAllowed, Status: OK, Message: "the data-lake default permissions grant IAM_ALLOWED_PRINCIPALS nothing on new databases and tables"},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, IAMAllowed(c.lake, ep)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestShellQuote(t *testing.T) {
	cases := []struct{ in, want string }{
		{"/var/lib/sluice/keyring.json", "/var/lib/sluice/keyring.json"},
		{"http://127.0.0.1:9876", "http://127.0.0.1:9876"},
		{"", "''"},
		{"a b", "'a b'"},
		{`{"a":"it's"}`, `'{"a":"it'\''s"}'`},
		{"$HOME", "'$HOME'"},
	}
	for _, c := range cases {
		if got := shellQuote(c.in); got != c.want {
			t.Errorf("shellQuote(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWriteText(t *testing.T) {
	fs := []Finding{
		{Check: CheckStore, Status: OK, Message: "fine"},
		{Check: CheckKeyring, Status: Fail, Message: "bad mode", Fix: "chmod 600 k"},
		{Check: CheckRootUsage, Status: Warn, Message: "root used", Fix: "one\ntwo"},
		{Check: CheckHealth, Status: Skip, Message: "skipped: no server"},
	}
	var b strings.Builder
	if err := WriteText(&b, fs); err != nil {
		t.Fatal(err)
	}
	want := `ok    store       fine
fail  keyring     bad mode
                  fix: chmod 600 k
warn  root-usage  root used
                  fix: one
                       two
skip  health      skipped: no server
1 ok, 1 warn, 1 fail, 1 skipped
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !Failed(fs) || Failed(fs[:1]) {
		t.Error("Failed")
	}
}

func TestStatusText(t *testing.T) {
	for _, s := range []Status{OK, Warn, Fail, Skip} {
		b, _ := s.MarshalText()
		var back Status
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("%v round trip: %v %v", s, back, err)
		}
	}
	var s Status
	if s.UnmarshalText([]byte("bad")) == nil {
		t.Error("bad status accepted")
	}
}

func BenchmarkIAMAllowed(b *testing.B) {
	var l Lake
	for i := range 50 {
		l.Locations = append(l.Locations, fmt.Sprintf("arn:aws:s3:::lake/db%d", i))
	}
	for i := range 5000 {
		db := fmt.Sprintf("db%d", i%100)
		l.Tables = append(l.Tables, Table{Database: db, Name: fmt.Sprintf("t%d", i), Location: fmt.Sprintf("s3://lake/%s/t%d/", db, i)})
		if i%10 == 0 {
			l.Grants = append(l.Grants, Grant{Kind: TableGrant, Database: db, Table: fmt.Sprintf("t%d", i), Permissions: []string{"ALL"}})
		}
	}
	l.Settings = defaultSettings()
	b.ReportAllocs()
	for b.Loop() {
		IAMAllowed(l, "http://127.0.0.1:9876")
	}
}
