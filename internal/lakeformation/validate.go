package lakeformation

import (
	"maps"
	"slices"
	"strings"
)

var allowedPerms = map[string][]Permission{
	"CATALOG":                {CreateDatabase, CreateLFTag},
	"DATABASE":               {All, Alter, CreateTable, Describe, Drop},
	"TABLE":                  {All, Select, Alter, Drop, Delete, Insert, Describe},
	"COLUMNS":                {Select},
	"DATA_LOCATION":          {DataLocationAccess},
	"FILTER":                 {Select, Describe, Drop},
	"LF_TAG":                 {Describe, Associate, Alter, Drop},
	"LF_TAG_POLICY_DATABASE": {All, Alter, CreateTable, Describe, Drop},
	"LF_TAG_POLICY_TABLE":    {All, Select, Alter, Drop, Delete, Insert, Describe},
}

// validateGrant checks the shape of a grant or revoke request and normalizes its permission
// names (CREATE_TAG → CREATE_LF_TAG). Errors are InvalidInputException.
func validateGrant(g *Grant) error {
	if strings.TrimSpace(g.Principal.DataLakePrincipalIdentifier) == "" {
		return invalidInput("Principal.DataLakePrincipalIdentifier is required")
	}
	if err := validateResource(&g.Resource); err != nil {
		return err
	}
	if t := g.Resource.LFTag; t != nil { // LF-tag keys and values are lower-cased, as stored
		n := LFTagKeyResource{CatalogId: t.CatalogId, TagKey: lower(t.TagKey)}
		for _, v := range t.TagValues {
			n.TagValues = append(n.TagValues, lower(v))
		}
		g.Resource.LFTag = &n
	}
	kind := resourceType(&g.Resource)
	switch {
	case g.Resource.TableWithColumns != nil:
		kind = "COLUMNS"
	case g.Resource.DataCellsFilter != nil:
		kind = "FILTER"
	}
	norm := func(ps []Permission) ([]Permission, error) {
		var out []Permission
		for _, p := range ps {
			n, ok := knownPerms[string(p)]
			if !ok {
				return nil, invalidInput("unknown permission %q", p)
			}
			if !slices.Contains(allowedPerms[kind], n) {
				return nil, invalidInput("permission %s is not valid on a %s resource", n, strings.ToLower(strings.ReplaceAll(kind, "_", " ")))
			}
			out = append(out, n)
		}
		return newPermSet(out...), nil
	}
	var err error
	if g.Permissions, err = norm(g.Permissions); err != nil {
		return err
	}
	if g.PermissionsWithGrantOption, err = norm(g.PermissionsWithGrantOption); err != nil {
		return err
	}
	if len(g.Permissions) == 0 && len(g.PermissionsWithGrantOption) == 0 {
		return invalidInput("Permissions must not be empty")
	}
	if tc := g.Resource.TableWithColumns; tc != nil && tc.ColumnWildcard != nil && len(g.PermissionsWithGrantOption) > 0 {
		return invalidInput("a grantable column permission must name its columns (ColumnNames), not a ColumnWildcard")
	}
	return nil
}

// validateResource checks that exactly one member is set and its required fields are present.
func validateResource(r *Resource) error {
	n := 0
	for _, set := range []bool{r.Catalog != nil, r.Database != nil, r.Table != nil, r.TableWithColumns != nil,
		r.DataLocation != nil, r.DataCellsFilter != nil, r.LFTag != nil, r.LFTagPolicy != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return invalidInput("Resource must have exactly one member")
	}
	switch {
	case r.Database != nil && r.Database.Name == "":
		return invalidInput("Resource.Database.Name is required")
	case r.Table != nil:
		if r.Table.DatabaseName == "" {
			return invalidInput("Resource.Table.DatabaseName is required")
		}
		if (r.Table.Name == "") == (r.Table.TableWildcard == nil) {
			return invalidInput("Resource.Table needs exactly one of Name and TableWildcard")
		}
	case r.TableWithColumns != nil:
		tc := r.TableWithColumns
		if tc.DatabaseName == "" || tc.Name == "" {
			return invalidInput("Resource.TableWithColumns needs DatabaseName and Name")
		}
		if (len(tc.ColumnNames) == 0) == (tc.ColumnWildcard == nil) {
			return invalidInput("Resource.TableWithColumns needs exactly one of ColumnNames and ColumnWildcard")
		}
	case r.DataLocation != nil && r.DataLocation.ResourceArn == "":
		return invalidInput("Resource.DataLocation.ResourceArn is required")
	case r.DataCellsFilter != nil:
		f := r.DataCellsFilter
		if f.DatabaseName == "" || f.TableName == "" || f.Name == "" {
			return invalidInput("Resource.DataCellsFilter needs DatabaseName, TableName and Name")
		}
	case r.LFTag != nil:
		if r.LFTag.TagKey == "" || len(r.LFTag.TagValues) == 0 {
			return invalidInput("Resource.LFTag needs TagKey and TagValues")
		}
	case r.LFTagPolicy != nil:
		p := r.LFTagPolicy
		if p.ResourceType != "DATABASE" && p.ResourceType != "TABLE" {
			return invalidInput("Resource.LFTagPolicy.ResourceType must be DATABASE or TABLE")
		}
		if len(p.Expression) == 0 || len(p.Expression) > 5 {
			return invalidInput("Resource.LFTagPolicy.Expression must have 1 to 5 LF-tags")
		}
		for _, t := range p.Expression {
			if t.TagKey == "" || len(t.TagValues) == 0 {
				return invalidInput("every LF-tag of an expression needs TagKey and TagValues")
			}
		}
	}
	return nil
}

// effectiveTags computes a table's effective tags (database overridden by table) and each
// column's (table's overridden by the column's own).
func effectiveTags(db, tbl map[string]string, cols map[string]map[string]string, columns []string) (map[string]string, map[string]map[string]string) {
	t := maps.Clone(db)
	if t == nil {
		t = map[string]string{}
	}
	maps.Copy(t, tbl)
	ct := make(map[string]map[string]string, len(columns))
	for _, c := range columns {
		m := maps.Clone(t)
		maps.Copy(m, cols[c])
		ct[c] = m
	}
	return t, ct
}

// tableOf names the table a table-level resource is about.
func tableOf(r *Resource) (db, table string, ok bool) {
	switch {
	case r.Table != nil && r.Table.TableWildcard == nil:
		return r.Table.DatabaseName, r.Table.Name, true
	case r.TableWithColumns != nil:
		return r.TableWithColumns.DatabaseName, r.TableWithColumns.Name, true
	case r.DataCellsFilter != nil:
		return r.DataCellsFilter.DatabaseName, r.DataCellsFilter.TableName, true
	}
	return "", "", false
}
