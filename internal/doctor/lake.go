package doctor

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// IAMAllowedPrincipals is Lake Formation's virtual group of every IAM principal. While it holds a
// permission on a table, IAM alone decides access to it and Lake Formation grants (columns, row
// filters, tags) restrict nothing.
const IAMAllowedPrincipals = "IAM_ALLOWED_PRINCIPALS"

// GrantKind is the shape of a table grant's resource.
type GrantKind uint8

// The grant kinds that give access to a table's data.
const (
	TableGrant    GrantKind = iota + 1 // Table{DatabaseName, Name}
	WildcardGrant                      // Table{DatabaseName, TableWildcard}: every table of the database
	ColumnsGrant                       // TableWithColumns{DatabaseName, Name, ColumnNames | ColumnWildcard}
)

// Grant is a grant to IAM_ALLOWED_PRINCIPALS on table data.
type Grant struct {
	Kind     GrantKind
	Database string
	Table    string // empty for WildcardGrant
	// For ColumnsGrant: Columns, or AllColumns with Excluded.
	Columns    []string
	AllColumns bool
	Excluded   []string
	// Permissions and GrantOption are as ListPermissions returns them ("ALL", "SELECT", …).
	Permissions, GrantOption []string
}

// Table is a catalog table and its storage location ("s3://bucket/prefix/").
type Table struct {
	Database, Name, Location string
}

// PrincipalPermissions is a data-lake default: what a principal gets on every new database or
// table.
type PrincipalPermissions struct {
	Principal   string
	Permissions []string
}

// Settings are the data-lake settings, as GetDataLakeSettings returns them. The fix for the
// defaults is a PutDataLakeSettings of all of them (it replaces every field).
type Settings struct {
	DataLakeAdmins                   []string
	ReadOnlyAdmins                   []string
	CreateDatabaseDefaultPermissions []PrincipalPermissions
	CreateTableDefaultPermissions    []PrincipalPermissions
	Parameters                       map[string]string
	TrustedResourceOwners            []string
	AllowExternalDataFiltering       bool
	AllowFullTableExternalDataAccess bool
	ExternalDataFilteringAllowList   []string
	AuthorizedSessionTagValueList    []string
}

// Lake is what IAMAllowed inspects.
type Lake struct {
	// Locations are the registered locations' ARNs ("arn:aws:s3:::bucket/prefix").
	Locations []string
	Tables    []Table
	// Grants are the grants to IAM_ALLOWED_PRINCIPALS (other grants are ignored).
	Grants   []Grant
	Settings Settings
}

// IAMAllowed lists every governed table (one whose location lies under a registered location)
// on which IAM_ALLOWED_PRINCIPALS still holds permissions, each with the revoke commands that fix
// it, and checks that the data-lake defaults do not grant the group anything on new databases
// and tables. endpoint goes into the fix commands (--endpoint-url; "" leaves it out).
func IAMAllowed(l Lake, endpoint string) []Finding {
	var out []Finding
	byDB := map[string][]Grant{}
	for _, g := range l.Grants {
		byDB[g.Database] = append(byDB[g.Database], g)
	}
	regs := registrations(l.Locations)
	governed := 0
	for _, t := range l.Tables {
		loc := regs.governing(t.Location)
		if loc == "" {
			continue
		}
		governed++
		var held []Grant
		for _, g := range byDB[t.Database] {
			if (g.Kind == WildcardGrant || g.Table == t.Name) && len(g.Permissions)+len(g.GrantOption) > 0 {
				held = append(held, g)
			}
		}
		if len(held) == 0 {
			continue
		}
		var perms, fixes []string
		for _, g := range held {
			perms = append(perms, g.Permissions...)
			fixes = append(fixes, revokeCommand(g, endpoint))
		}
		slices.Sort(perms)
		perms = slices.Compact(perms)
		via := ""
		for _, g := range held {
			if g.Kind == WildcardGrant {
				via = " (through the grant on all tables of database " + g.Database + ")"
			}
		}
		out = append(out, Finding{Check: CheckIAMAllowed, Status: Fail,
			Message: fmt.Sprintf("table %s.%s at %s (registered location %s) still grants %s to IAM_ALLOWED_PRINCIPALS%s: IAM alone decides access and Lake Formation grants restrict nothing",
				t.Database, t.Name, t.Location, loc, strings.Join(perms, ","), via),
			Fix: strings.Join(slices.Compact(fixes), "\n")})
	}
	if len(out) == 0 {
		msg := fmt.Sprintf("no governed table grants IAM_ALLOWED_PRINCIPALS anything (%d of %d table(s) lie under the %d registered location(s))", governed, len(l.Tables), len(l.Locations))
		if len(l.Locations) == 0 {
			msg = "no location is registered with Lake Formation: it governs no table and IAM alone decides (register one with `aws lakeformation register-resource`)"
		}
		out = append(out, Finding{Check: CheckIAMAllowed, Status: OK, Message: msg})
	}
	out = append(out, defaults(l, endpoint))
	return out
}

// defaults checks Create{Database,Table}DefaultPermissions.
func defaults(l Lake, endpoint string) Finding {
	var what []string
	if grantsIAP(l.Settings.CreateDatabaseDefaultPermissions) {
		what = append(what, "new databases")
	}
	if grantsIAP(l.Settings.CreateTableDefaultPermissions) {
		what = append(what, "new tables")
	}
	switch {
	case len(what) == 0:
		return Finding{Check: CheckIAMAllowed, Status: OK, Message: "the data-lake default permissions grant IAM_ALLOWED_PRINCIPALS nothing on new databases and tables"}
	case len(l.Locations) == 0:
		return Finding{Check: CheckIAMAllowed, Status: OK, Message: "the data-lake default permissions grant IAM_ALLOWED_PRINCIPALS ALL on " + strings.Join(what, " and ") + " (AWS's default; fine while no location is registered)"}
	}
	return Finding{Check: CheckIAMAllowed, Status: Warn,
		Message: "the data-lake default permissions grant IAM_ALLOWED_PRINCIPALS ALL on " + strings.Join(what, " and ") + ": every one created from now on is governed by IAM alone",
		Fix:     putSettingsCommand(l.Settings, endpoint)}
}

func grantsIAP(ps []PrincipalPermissions) bool {
	for _, p := range ps {
		if p.Principal == IAMAllowedPrincipals && len(p.Permissions) > 0 {
			return true
		}
	}
	return false
}

// registration is a registered location and its path ("bucket/prefix/", with the slash).
type registration struct{ arn, path string }

type registrationList []registration

func registrations(arns []string) registrationList {
	var out registrationList
	for _, arn := range arns {
		if p := strings.TrimSuffix(strings.TrimPrefix(arn, "arn:aws:s3:::"), "/"); p != "" {
			out = append(out, registration{arn, p + "/"})
		}
	}
	return out
}

// governing returns the registered location ARN that contains the table location, or "".
func (rs registrationList) governing(location string) string {
	path, ok := s3Path(location)
	if !ok {
		return ""
	}
	path += "/"
	best := ""
	for _, r := range rs {
		if strings.HasPrefix(path, r.path) && len(r.arn) > len(best) {
			best = r.arn
		}
	}
	return best
}

// governingLocation returns the registered location ARN that contains the table location, or "".
func governingLocation(location string, registered []string) string {
	return registrations(registered).governing(location)
}

// s3Path turns "s3://bucket/a/b/" (or s3a://, s3n://) into "bucket/a/b".
func s3Path(location string) (string, bool) {
	for _, scheme := range []string{"s3://", "s3a://", "s3n://"} {
		if rest, ok := strings.CutPrefix(location, scheme); ok {
			return strings.TrimSuffix(rest, "/"), rest != ""
		}
	}
	return "", false
}

// revokeCommand is the aws CLI call that revokes g from IAM_ALLOWED_PRINCIPALS.
func revokeCommand(g Grant, endpoint string) string {
	var res any
	switch g.Kind {
	case WildcardGrant:
		res = map[string]any{"Table": map[string]any{"DatabaseName": g.Database, "TableWildcard": map[string]any{}}}
	case ColumnsGrant:
		r := map[string]any{"DatabaseName": g.Database, "Name": g.Table}
		if g.AllColumns {
			cw := map[string]any{}
			if len(g.Excluded) > 0 {
				cw["ExcludedColumnNames"] = g.Excluded
			}
			r["ColumnWildcard"] = cw
		} else {
			r["ColumnNames"] = g.Columns
		}
		res = map[string]any{"TableWithColumns": r}
	default:
		res = map[string]any{"Table": map[string]any{"DatabaseName": g.Database, "Name": g.Table}}
	}
	b, _ := json.Marshal(res) // maps of strings: cannot fail
	var c strings.Builder
	c.WriteString("aws lakeformation revoke-permissions")
	if endpoint != "" {
		c.WriteString(" --endpoint-url " + shellQuote(endpoint))
	}
	c.WriteString(" --principal DataLakePrincipalIdentifier=" + IAMAllowedPrincipals)
	c.WriteString(" --resource " + shellQuote(string(b)))
	if len(g.Permissions) > 0 {
		c.WriteString(" --permissions " + strings.Join(g.Permissions, " "))
	}
	if len(g.GrantOption) > 0 {
		c.WriteString(" --permissions-with-grant-option " + strings.Join(g.GrantOption, " "))
	}
	return c.String()
}

// Wire shapes of PutDataLakeSettings' DataLakeSettings, in the model's member order. Members the
// aws CLI v2.9 model lacks (ReadOnlyAdmins, AllowFullTableExternalDataAccess) are left out unless
// set, so the command works with old and new CLIs alike.
type wirePrincipal struct {
	DataLakePrincipalIdentifier string
}

type wirePrincipalPermissions struct {
	Principal   wirePrincipal
	Permissions []string
}

type wireSettings struct {
	DataLakeAdmins                   []wirePrincipal
	ReadOnlyAdmins                   []wirePrincipal `json:",omitempty"`
	CreateDatabaseDefaultPermissions []wirePrincipalPermissions
	CreateTableDefaultPermissions    []wirePrincipalPermissions
	Parameters                       map[string]string `json:",omitempty"`
	TrustedResourceOwners            []string          `json:",omitempty"`
	AllowExternalDataFiltering       bool
	AllowFullTableExternalDataAccess bool            `json:",omitempty"`
	ExternalDataFilteringAllowList   []wirePrincipal `json:",omitempty"`
	AuthorizedSessionTagValueList    []string        `json:",omitempty"`
}

func principals(ids []string) []wirePrincipal {
	out := []wirePrincipal{}
	for _, id := range ids {
		out = append(out, wirePrincipal{id})
	}
	return out
}

// withoutIAP keeps the defaults of other principals.
func withoutIAP(ps []PrincipalPermissions) []wirePrincipalPermissions {
	out := []wirePrincipalPermissions{}
	for _, p := range ps {
		if p.Principal != IAMAllowedPrincipals {
			out = append(out, wirePrincipalPermissions{wirePrincipal{p.Principal}, p.Permissions})
		}
	}
	return out
}

// putSettingsCommand is the aws CLI call that writes s back with both defaults emptied of
// IAM_ALLOWED_PRINCIPALS.
func putSettingsCommand(s Settings, endpoint string) string {
	w := wireSettings{
		DataLakeAdmins:                   principals(s.DataLakeAdmins),
		CreateDatabaseDefaultPermissions: withoutIAP(s.CreateDatabaseDefaultPermissions),
		CreateTableDefaultPermissions:    withoutIAP(s.CreateTableDefaultPermissions),
		Parameters:                       s.Parameters,
		TrustedResourceOwners:            s.TrustedResourceOwners,
		AllowExternalDataFiltering:       s.AllowExternalDataFiltering,
		AllowFullTableExternalDataAccess: s.AllowFullTableExternalDataAccess,
		AuthorizedSessionTagValueList:    s.AuthorizedSessionTagValueList,
	}
	if len(s.ReadOnlyAdmins) > 0 {
		w.ReadOnlyAdmins = principals(s.ReadOnlyAdmins)
	}
	if len(s.ExternalDataFilteringAllowList) > 0 {
		w.ExternalDataFilteringAllowList = principals(s.ExternalDataFilteringAllowList)
	}
	b, _ := json.Marshal(w) // plain strings, slices and maps: cannot fail
	var c strings.Builder
	c.WriteString("aws lakeformation put-data-lake-settings")
	if endpoint != "" {
		c.WriteString(" --endpoint-url " + shellQuote(endpoint))
	}
	c.WriteString(" --data-lake-settings " + shellQuote(string(b)))
	return c.String()
}
