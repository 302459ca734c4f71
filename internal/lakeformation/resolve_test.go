package lakeformation

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The resolution cases live in testdata/resolve/*.txt. Each case starts with "== name" and
// runs its lines in order against an empty grant set:
//
//	table db.t a:string b:int …      the table (db.t) and its columns
//	admin                            the principal is a data-lake admin
//	grant WHO PERMS RES [with PERMS] grant (WHO: P = the principal, IAP, or another name)
//	revoke WHO PERMS RES [with PERMS]   revoke (PERMS "-" with "with X" revokes only the option)
//	filter NAME cols=a,b|*|*-c rows=EXPR|*   define a data cells filter on the table
//	tag db|table|col:NAME K=V        assign an LF-tag
//	expect ACCESS                    resolve P on the table and compare Access.String()
//	cangrant PERMS RES => yes|no     may P grant PERMS on RES
//	error ...                        the previous grant/revoke line must have failed
//	readonly                         the principal is a read-only admin
//	deftag KEY v1,v2 [by WHO]        define an LF-tag (created by WHO)
//	seetags k=v1,v2 k2=v3 | -        the LF-tags (and values) P sees (TagView), by key
//
// RES: table db.t | wildcard db | database db | columns db.t a,b | exclude db.t c,d (or -) |
// filter db.t NAME | tagpolicy TABLE k=v1|v2,k2=x | location arn | lftag KEY v1,v2 (or *).
func TestResolveFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/resolve/*.txt")
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range strings.Split(string(data), "\n== ")[1:] {
			name, body, _ := strings.Cut(c, "\n")
			total++
			t.Run(filepath.Base(f)+"/"+name, func(t *testing.T) { runCase(t, body) })
		}
	}
	if total < 80 {
		t.Errorf("only %d resolution cases", total)
	}
}

const testP = "arn:aws:iam::123456789012:role/P"

func who(s string) string {
	switch s {
	case "P":
		return testP
	case "IAP":
		return IAMAllowedPrincipals
	}
	return "arn:aws:iam::123456789012:role/" + s
}

func parsePerms(s string) []Permission {
	if s == "-" {
		return nil
	}
	var out []Permission
	for _, p := range strings.Split(s, ",") {
		out = append(out, knownPerms[p])
	}
	return out
}

func parseRes(t *testing.T, f []string) (Resource, int) {
	t.Helper()
	dbt := func(s string) (string, string) { d, tb, _ := strings.Cut(s, "."); return d, tb }
	switch f[0] {
	case "table":
		d, tb := dbt(f[1])
		return Resource{Table: &TableResource{DatabaseName: d, Name: tb}}, 2
	case "wildcard":
		return Resource{Table: &TableResource{DatabaseName: f[1], TableWildcard: &struct{}{}}}, 2
	case "database":
		return Resource{Database: &DatabaseResource{Name: f[1]}}, 2
	case "catalog":
		return Resource{Catalog: &CatalogResource{}}, 1
	case "columns":
		d, tb := dbt(f[1])
		if len(f) < 3 {
			return Resource{TableWithColumns: &TableWithColumnsResource{DatabaseName: d, Name: tb}}, 2
		}
		return Resource{TableWithColumns: &TableWithColumnsResource{DatabaseName: d, Name: tb, ColumnNames: strings.Split(f[2], ",")}}, 3
	case "exclude":
		d, tb := dbt(f[1])
		var ex []string
		if f[2] != "-" {
			ex = strings.Split(f[2], ",")
		}
		return Resource{TableWithColumns: &TableWithColumnsResource{DatabaseName: d, Name: tb, ColumnWildcard: &ColumnWildcard{ExcludedColumnNames: ex}}}, 3
	case "filter":
		d, tb := dbt(f[1])
		return Resource{DataCellsFilter: &DataCellsFilterResource{DatabaseName: d, TableName: tb, Name: f[2]}}, 3
	case "tagpolicy":
		var expr []LFTag
		for _, kv := range strings.Split(f[2], ",") {
			k, v, _ := strings.Cut(kv, "=")
			expr = append(expr, LFTag{TagKey: k, TagValues: strings.Split(v, "|")})
		}
		return Resource{LFTagPolicy: &LFTagPolicyResource{ResourceType: f[1], Expression: expr}}, 3
	case "location":
		return Resource{DataLocation: &DataLocationResource{ResourceArn: f[1]}}, 2
	case "lftag":
		return Resource{LFTag: &LFTagKeyResource{TagKey: f[1], TagValues: strings.Split(f[2], ",")}}, 3
	}
	t.Fatalf("bad resource %q", f)
	return Resource{}, 0
}

func runCase(t *testing.T, body string) {
	grants := map[string]*Grant{} // by resourceKey+psep+principal
	facts := TableFacts{Tags: map[string]string{}, ColumnTags: map[string]map[string]string{}}
	var dbTags, tblTags = map[string]string{}, map[string]string{}
	colOwn := map[string]map[string]string{}
	filters := map[string]DataCellsFilter{}
	admin, readonly := false, false
	type tagDef struct {
		pair    LFTagPair
		creator string
	}
	var tagDefs []tagDef
	lastErr := ""
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		switch f[0] {
		case "table":
			facts.Database, facts.Name, _ = strings.Cut(f[1], ".")
			for _, c := range f[2:] {
				name, _, _ := strings.Cut(c, ":")
				facts.Columns = append(facts.Columns, name)
			}
		case "admin":
			admin = true
		case "readonly":
			readonly = true
		case "deftag":
			vals := strings.Split(strings.ToLower(f[2]), ",")
			slices.Sort(vals)
			d := tagDef{pair: LFTagPair{TagKey: strings.ToLower(f[1]), TagValues: vals}}
			if len(f) == 5 && f[3] == "by" {
				d.creator = who(f[4])
			}
			tagDefs = append(tagDefs, d)
		case "seetags":
			v := TagView{All: admin || readonly, Principal: testP}
			for _, g := range grants {
				if g.Resource.LFTag != nil {
					v.Grants = append(v.Grants, *g)
				}
			}
			var seen []string
			for _, d := range tagDefs {
				if t, ok := v.Visible(d.pair, d.creator); ok {
					seen = append(seen, t.TagKey+"="+strings.Join(t.TagValues, ","))
				}
			}
			slices.Sort(seen)
			got := strings.Join(seen, " ")
			if got == "" {
				got = "-"
			}
			if diff := cmp.Diff(strings.TrimSpace(strings.TrimPrefix(line, "seetags")), got); diff != "" {
				t.Fatalf("%s (-want +got):\n%s", line, diff)
			}
		case "grant", "revoke":
			res, n := parseRes(t, f[3:])
			g := Grant{Principal: DataLakePrincipal{DataLakePrincipalIdentifier: who(f[1])}, Resource: res, Permissions: parsePerms(f[2])}
			if rest := f[3+n:]; len(rest) == 2 && rest[0] == "with" {
				g.PermissionsWithGrantOption = parsePerms(rest[1])
			}
			k := resourceKey(&g.Resource) + psep + g.Principal.DataLakePrincipalIdentifier
			lastErr = ""
			if f[0] == "grant" {
				if err := validateGrant(&g); err != nil {
					lastErr = err.Error()
					continue
				}
				ng := mergeGrant(grants[k], g)
				grants[k] = &ng
			} else {
				ng, err := revokeGrant(grants[k], g)
				if err != nil {
					lastErr = err.Error()
					continue
				}
				if ng == nil {
					delete(grants, k)
				} else {
					grants[k] = ng
				}
			}
		case "error":
			if lastErr == "" || !strings.Contains(lastErr, strings.TrimSpace(strings.TrimPrefix(line, "error"))) {
				t.Fatalf("%s: want error %q, got %q", line, strings.TrimPrefix(line, "error "), lastErr)
			}
			lastErr = ""
		case "filter":
			fl := DataCellsFilter{DatabaseName: facts.Database, TableName: facts.Name, Name: f[1]}
			rest := strings.Join(f[2:], " ")
			cols, rows, _ := strings.Cut(strings.TrimPrefix(rest, "cols="), " rows=")
			switch {
			case cols == "*":
				fl.ColumnWildcard = &ColumnWildcard{}
			case strings.HasPrefix(cols, "*-"):
				fl.ColumnWildcard = &ColumnWildcard{ExcludedColumnNames: strings.Split(cols[2:], ",")}
			default:
				fl.ColumnNames = strings.Split(cols, ",")
			}
			if rows == "*" {
				fl.RowFilter = &RowFilter{AllRowsWildcard: &struct{}{}}
			} else {
				fl.RowFilter = &RowFilter{FilterExpression: rows}
			}
			filters[fl.Name] = fl
		case "dropfilter":
			delete(filters, f[1])
		case "tag":
			k, v, _ := strings.Cut(f[2], "=")
			k = strings.ToLower(k)
			switch {
			case f[1] == "db":
				dbTags[k] = v
			case f[1] == "table":
				tblTags[k] = v
			default:
				col := strings.TrimPrefix(f[1], "col:")
				if colOwn[col] == nil {
					colOwn[col] = map[string]string{}
				}
				colOwn[col][k] = v
			}
		case "expect":
			facts.Tags, facts.ColumnTags = effectiveTags(dbTags, tblTags, colOwn, facts.Columns)
			in := Input{Table: facts, Admin: admin, Filters: filters}
			keys := make([]string, 0, len(grants))
			for k := range grants {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				g := grants[k]
				if p := g.Principal.DataLakePrincipalIdentifier; p == testP || p == IAMAllowedPrincipals {
					in.Grants = append(in.Grants, *g)
				}
			}
			got := Resolve(in).String()
			want := strings.TrimSpace(strings.TrimPrefix(line, "expect"))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("%s (-want +got):\n%s", line, diff)
			}
		case "cangrant":
			lhs, want, _ := strings.Cut(line, " => ")
			lf := strings.Fields(lhs)
			res, _ := parseRes(t, lf[2:])
			var onRes, onTable *Grant
			onRes = grants[resourceKey(&res)+psep+testP]
			if db, tb, ok := tableOf(&res); ok {
				onTable = grants[resourceKey(&Resource{Table: &TableResource{DatabaseName: db, Name: tb}})+psep+testP]
			}
			ok := admin || canGrant(onRes, onTable, parsePerms(lf[1]), &res)
			got := map[bool]string{true: "yes", false: "no"}[ok]
			if got != want {
				t.Fatalf("%s: got %s", line, got)
			}
		default:
			t.Fatalf("unknown line %q", line)
		}
	}
	if lastErr != "" {
		t.Fatalf("unexpected error: %s", lastErr)
	}
}
