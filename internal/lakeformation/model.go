package lakeformation

import (
	"slices"
	"sort"
	"strings"

	"github.com/sluicehq/sluice/internal/catalog"
)

// Permission is a Lake Formation permission name.
type Permission = catalog.Permission

// The permissions. CREATE_TAG (the old model's name) is read as CREATE_LF_TAG.
const (
	All                Permission = "ALL"
	Select             Permission = "SELECT"
	Alter              Permission = "ALTER"
	Drop               Permission = "DROP"
	Delete             Permission = "DELETE"
	Insert             Permission = "INSERT"
	Describe           Permission = "DESCRIBE"
	CreateDatabase     Permission = "CREATE_DATABASE"
	CreateTable        Permission = "CREATE_TABLE"
	DataLocationAccess Permission = "DATA_LOCATION_ACCESS"
	CreateLFTag        Permission = "CREATE_LF_TAG"
	Associate          Permission = "ASSOCIATE"
)

// IAMAllowedPrincipals is the virtual group of every IAM principal: a grant to it hands the
// decision to IAM alone.
const IAMAllowedPrincipals = "IAM_ALLOWED_PRINCIPALS"

var knownPerms = map[string]Permission{
	"ALL": All, "SELECT": Select, "ALTER": Alter, "DROP": Drop, "DELETE": Delete, "INSERT": Insert,
	"DESCRIBE": Describe, "CREATE_DATABASE": CreateDatabase, "CREATE_TABLE": CreateTable,
	"DATA_LOCATION_ACCESS": DataLocationAccess, "CREATE_LF_TAG": CreateLFTag, "CREATE_TAG": CreateLFTag,
	"ASSOCIATE": Associate,
}

// tablePerms are what ALL means on a table; dbPerms on a database.
var (
	tablePerms = []Permission{Alter, Delete, Describe, Drop, Insert, Select}
	dbPerms    = []Permission{Alter, CreateTable, Describe, Drop}
)

// permSet is a sorted, duplicate-free permission list.
type permSet []Permission

func newPermSet(ps ...Permission) permSet {
	out := permSet(slices.Clone(ps))
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return slices.Compact(out)
}

func (s permSet) has(p Permission) bool { return slices.Contains(s, p) || slices.Contains(s, All) }
func (s permSet) union(o permSet) permSet {
	return newPermSet(append(slices.Clone(s), o...)...)
}
func (s permSet) minus(o permSet) permSet {
	if slices.Contains(o, All) {
		return nil
	}
	var out permSet
	for _, p := range s {
		if !slices.Contains(o, p) {
			out = append(out, p)
		}
	}
	return out
}

// expand replaces ALL with the permissions it stands for on a kind of resource.
func (s permSet) expand(all []Permission) permSet {
	if !slices.Contains(s, All) {
		return s
	}
	return newPermSet(append(s.minus(permSet{All}), all...)...)
}

// Wire shapes (rest-json, member names as in the model).

// DataLakePrincipal names a principal: an IAM user or role ARN, an account id or
// IAM_ALLOWED_PRINCIPALS.
type DataLakePrincipal struct {
	DataLakePrincipalIdentifier string `json:",omitempty"`
}

// Resource is exactly one of its members.
type Resource struct {
	Catalog          *CatalogResource          `json:",omitempty"`
	Database         *DatabaseResource         `json:",omitempty"`
	Table            *TableResource            `json:",omitempty"`
	TableWithColumns *TableWithColumnsResource `json:",omitempty"`
	DataLocation     *DataLocationResource     `json:",omitempty"`
	DataCellsFilter  *DataCellsFilterResource  `json:",omitempty"`
	LFTag            *LFTagKeyResource         `json:",omitempty"`
	LFTagPolicy      *LFTagPolicyResource      `json:",omitempty"`
}

type CatalogResource struct {
	Id string `json:",omitempty"`
}

type DatabaseResource struct {
	CatalogId string `json:",omitempty"`
	Name      string
}

type TableResource struct {
	CatalogId     string `json:",omitempty"`
	DatabaseName  string
	Name          string    `json:",omitempty"`
	TableWildcard *struct{} `json:",omitempty"`
}

type TableWithColumnsResource struct {
	CatalogId      string `json:",omitempty"`
	DatabaseName   string
	Name           string
	ColumnNames    []string        `json:",omitempty"`
	ColumnWildcard *ColumnWildcard `json:",omitempty"`
}

type ColumnWildcard struct {
	ExcludedColumnNames []string `json:",omitempty"`
}

type DataLocationResource struct {
	CatalogId   string `json:",omitempty"`
	ResourceArn string
}

type DataCellsFilterResource struct {
	TableCatalogId string `json:",omitempty"`
	DatabaseName   string
	TableName      string
	Name           string
}

type LFTagKeyResource struct {
	CatalogId string `json:",omitempty"`
	TagKey    string
	TagValues []string
}

type LFTagPolicyResource struct {
	CatalogId    string  `json:",omitempty"`
	ResourceType string  // DATABASE | TABLE
	Expression   []LFTag `json:",omitempty"`
}

// LFTag is a key and values; in an expression, a key's values OR and keys AND.
type LFTag struct {
	TagKey    string
	TagValues []string
}

// LFTagPair is an LF-tag with its catalog.
type LFTagPair struct {
	CatalogId string `json:",omitempty"`
	TagKey    string
	TagValues []string
}

// PrincipalPermissions is one entry of the default permissions for new databases/tables.
type PrincipalPermissions struct {
	Principal   *DataLakePrincipal `json:",omitempty"`
	Permissions []Permission
}

// DataLakeSettings are the account's Lake Formation settings.
type DataLakeSettings struct {
	DataLakeAdmins                   []DataLakePrincipal
	ReadOnlyAdmins                   []DataLakePrincipal
	CreateDatabaseDefaultPermissions []PrincipalPermissions
	CreateTableDefaultPermissions    []PrincipalPermissions
	Parameters                       map[string]string `json:",omitempty"`
	TrustedResourceOwners            []string
	AllowExternalDataFiltering       *bool `json:",omitempty"`
	AllowFullTableExternalDataAccess *bool `json:",omitempty"`
	ExternalDataFilteringAllowList   []DataLakePrincipal
	AuthorizedSessionTagValueList    []string
}

// DataCellsFilter is a named column and row restriction of one table.
type DataCellsFilter struct {
	TableCatalogId string `json:",omitempty"`
	DatabaseName   string
	TableName      string
	Name           string
	RowFilter      *RowFilter      `json:",omitempty"`
	ColumnNames    []string        `json:",omitempty"`
	ColumnWildcard *ColumnWildcard `json:",omitempty"`
	VersionId      string          `json:",omitempty"`
}

// RowFilter is FilterExpression or AllRowsWildcard.
type RowFilter struct {
	FilterExpression string    `json:",omitempty"`
	AllRowsWildcard  *struct{} `json:",omitempty"`
}

// Grant is what one principal holds on one resource: the stored record and the
// ListPermissions entry.
type Grant struct {
	Principal                  DataLakePrincipal
	Resource                   Resource
	Permissions                []Permission
	PermissionsWithGrantOption []Permission
}

const sep, psep = "\x1f", "\x1e"

// resourceKey is the canonical key of a resource; grants are stored under key+psep+principal.
// TableWithColumns grants share one record per table and principal (column lists merge).
func resourceKey(r *Resource) string {
	switch {
	case r.Catalog != nil:
		return "C"
	case r.Database != nil:
		return "D" + sep + r.Database.Name
	case r.Table != nil && r.Table.TableWildcard != nil:
		return "W" + sep + r.Table.DatabaseName
	case r.Table != nil:
		return "T" + sep + r.Table.DatabaseName + sep + r.Table.Name
	case r.TableWithColumns != nil:
		return "X" + sep + r.TableWithColumns.DatabaseName + sep + r.TableWithColumns.Name
	case r.DataLocation != nil:
		return "L" + sep + r.DataLocation.ResourceArn
	case r.DataCellsFilter != nil:
		f := r.DataCellsFilter
		return "F" + sep + f.DatabaseName + sep + f.TableName + sep + f.Name
	case r.LFTag != nil:
		// One record per key and value set: permissions on different values stay apart.
		vs := make([]string, len(r.LFTag.TagValues))
		for i, v := range r.LFTag.TagValues {
			vs[i] = strings.ToLower(v)
		}
		sort.Strings(vs)
		return "K" + sep + strings.ToLower(r.LFTag.TagKey) + sep + strings.Join(slices.Compact(vs), "|")
	case r.LFTagPolicy != nil:
		return "P" + sep + r.LFTagPolicy.ResourceType + sep + exprKey(r.LFTagPolicy.Expression)
	}
	return ""
}

func exprKey(expr []LFTag) string {
	parts := make([]string, len(expr))
	for i, t := range expr {
		vs := slices.Clone(t.TagValues)
		sort.Strings(vs)
		parts[i] = t.TagKey + "=" + strings.Join(vs, "|")
	}
	sort.Strings(parts)
	return strings.Join(parts, "&")
}

// resourceType is the ListPermissions ResourceType of a resource.
func resourceType(r *Resource) string {
	switch {
	case r.Catalog != nil:
		return "CATALOG"
	case r.Database != nil:
		return "DATABASE"
	case r.Table != nil, r.TableWithColumns != nil, r.DataCellsFilter != nil:
		return "TABLE"
	case r.DataLocation != nil:
		return "DATA_LOCATION"
	case r.LFTag != nil:
		return "LF_TAG"
	case r.LFTagPolicy != nil:
		if r.LFTagPolicy.ResourceType == "DATABASE" {
			return "LF_TAG_POLICY_DATABASE"
		}
		return "LF_TAG_POLICY_TABLE"
	}
	return ""
}

// matchesExpr reports whether effective tags (key → value) satisfy an LF-tag expression:
// every key present with one of its values ('*' = any value).
func matchesExpr(tags map[string]string, expr []LFTag) bool {
	if len(expr) == 0 {
		return false
	}
	for _, t := range expr {
		v, ok := tags[strings.ToLower(t.TagKey)]
		if !ok {
			return false
		}
		hit := false
		for _, want := range t.TagValues {
			if want == "*" || strings.EqualFold(want, v) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
}
