package lakeformation

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/rowfilter"
)

// TableFacts is what resolution needs to know about a table: its columns (data then partition
// keys) and its effective LF-tags (database → table → column, lower level overriding).
type TableFacts struct {
	Database, Name string
	Columns        []string
	// Tags are the table's effective tags (database tags overridden by the table's own);
	// ColumnTags the effective tags of each column (lower-cased keys).
	Tags       map[string]string
	ColumnTags map[string]map[string]string
}

// Input is everything that applies to one principal and one table. Grants must already be
// restricted to the principal (its user or role ARN) and IAM_ALLOWED_PRINCIPALS, on the
// table, its database's TableWildcard, its data cells filters and LF-tag policies; the
// service reads exactly those through its indexes.
type Input struct {
	Table   TableFacts
	Admin   bool
	Grants  []Grant
	Filters map[string]DataCellsFilter // the table's filters by name
}

// Access is a principal's effective access to a table.
type Access struct {
	Full        bool
	Columns     []string // authorized for SELECT, in table order
	CellFilters []catalog.CellFilter
	RowFilter   string
	Permissions []Permission // held on the table (ALL expanded)
	Grantable   []Permission
	// IAMAllowed: IAM_ALLOWED_PRINCIPALS holds a permission here, so IAM alone decides it.
	IAMAllowed bool

	grants []Grant // the grants resolution read (set by the service, for refusals)
}

// Denied reports whether p holds nothing at all on the table.
func (a *Access) Denied() bool { return len(a.Permissions) == 0 }

// Has reports whether the access includes perm.
func (a *Access) Has(perm Permission) bool { return permSet(a.Permissions).has(perm) }

// String renders the access on one line (the form the resolution test files use).
func (a *Access) String() string {
	if a.Denied() {
		return "denied"
	}
	var parts []string
	switch {
	case a.Full:
		parts = append(parts, "full")
	case len(a.Columns) == 0:
		parts = append(parts, "cols=-")
	default:
		parts = append(parts, "cols="+strings.Join(a.Columns, ","))
	}
	parts = append(parts, "perms="+joinPerms(a.Permissions))
	if len(a.Grantable) > 0 {
		parts = append(parts, "grantable="+joinPerms(a.Grantable))
	}
	if a.RowFilter != "" {
		parts = append(parts, "rows="+a.RowFilter)
	}
	if len(a.CellFilters) > 0 {
		var cs []string
		for _, c := range a.CellFilters {
			cs = append(cs, c.ColumnName+":"+c.RowFilterExpression)
		}
		parts = append(parts, "cells="+strings.Join(cs, ";"))
	}
	if a.IAMAllowed {
		parts = append(parts, "iam")
	}
	return strings.Join(parts, " ")
}

func joinPerms(ps []Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}

// colState accumulates, per column, whether some grant shows all its rows and otherwise the
// row expressions under which it is visible.
type colState struct {
	allRows bool
	exprs   []rowfilter.Expr
}

// Resolve computes effective access (spec §8.4): SELECT sources give columns and rows; the
// union of columns is authorized; a column with any all-rows source is unrestricted, otherwise
// visible where the OR of its filters holds. It is pure.
func Resolve(in Input) *Access {
	t := in.Table
	var perms, grantable permSet
	iamAllowed := false
	cols := map[string]*colState{}
	addCol := func(c string, expr rowfilter.Expr) {
		st := cols[c]
		if st == nil {
			st = &colState{}
			cols[c] = st
		}
		if expr == nil {
			st.allRows = true
		} else {
			st.exprs = append(st.exprs, expr)
		}
	}
	allCols := func(expr rowfilter.Expr, exclude []string) {
		for _, c := range t.Columns {
			if !containsFold(exclude, c) {
				addCol(c, expr)
			}
		}
	}
	var rowExprs []rowfilter.Expr
	anyAllRows := false
	for _, g := range in.Grants {
		p := newPermSet(g.Permissions...)
		gopt := newPermSet(g.PermissionsWithGrantOption...)
		r := &g.Resource
		var applied permSet
		switch {
		case r.Table != nil && (r.Table.TableWildcard != nil && r.Table.DatabaseName == t.Database ||
			r.Table.DatabaseName == t.Database && r.Table.Name == t.Name):
			applied = p.expand(tablePerms)
			grantable = grantable.union(gopt.expand(tablePerms))
			if applied.has(Select) {
				allCols(nil, nil)
				anyAllRows = true
			}
		case r.TableWithColumns != nil && r.TableWithColumns.DatabaseName == t.Database && r.TableWithColumns.Name == t.Name:
			applied = p.expand(tablePerms)
			grantable = grantable.union(gopt.expand(tablePerms))
			if applied.has(Select) {
				tc := r.TableWithColumns
				if tc.ColumnWildcard != nil {
					allCols(nil, tc.ColumnWildcard.ExcludedColumnNames)
				} else {
					for _, c := range t.Columns {
						if containsFold(tc.ColumnNames, c) {
							addCol(c, nil)
						}
					}
				}
				anyAllRows = true
			}
		case r.DataCellsFilter != nil && r.DataCellsFilter.DatabaseName == t.Database && r.DataCellsFilter.TableName == t.Name:
			f, ok := in.Filters[r.DataCellsFilter.Name]
			if !ok || !p.has(Select) {
				continue // a grant on a deleted filter gives nothing
			}
			applied = permSet{Select}
			var expr rowfilter.Expr
			if f.RowFilter != nil && f.RowFilter.AllRowsWildcard == nil && f.RowFilter.FilterExpression != "" {
				e, err := rowfilter.Parse(f.RowFilter.FilterExpression)
				if err != nil {
					continue // stored filters were checked; a broken one shows nothing
				}
				expr = e
				rowExprs = append(rowExprs, e)
			} else {
				anyAllRows = true
			}
			if f.ColumnWildcard != nil {
				allCols(expr, f.ColumnWildcard.ExcludedColumnNames)
			} else {
				for _, c := range t.Columns {
					if containsFold(f.ColumnNames, c) {
						addCol(c, expr)
					}
				}
			}
		case r.LFTagPolicy != nil && r.LFTagPolicy.ResourceType == "TABLE":
			exp := p.expand(tablePerms)
			matchedCol := false
			for _, c := range t.Columns {
				if matchesExpr(t.ColumnTags[c], r.LFTagPolicy.Expression) {
					matchedCol = true
					if exp.has(Select) {
						addCol(c, nil)
						anyAllRows = true
					}
				}
			}
			switch {
			case matchesExpr(t.Tags, r.LFTagPolicy.Expression):
				applied = exp
				grantable = grantable.union(gopt.expand(tablePerms))
			case matchedCol && exp.has(Select):
				applied = permSet{Select}
			}
		default:
			continue
		}
		if len(applied) > 0 && g.Principal.DataLakePrincipalIdentifier == IAMAllowedPrincipals {
			iamAllowed = true
		}
		perms = perms.union(applied)
	}
	if in.Admin {
		perms = perms.union(permSet{Describe})
		grantable = grantable.union(tablePerms)
	}
	a := &Access{Permissions: perms, Grantable: grantable, IAMAllowed: iamAllowed}
	if len(perms) == 0 {
		return a
	}
	a.Columns = []string{}
	unrestricted := 0
	for _, c := range t.Columns {
		st := cols[c]
		if st == nil {
			continue
		}
		a.Columns = append(a.Columns, c)
		if st.allRows {
			unrestricted++
			continue
		}
		a.CellFilters = append(a.CellFilters, catalog.CellFilter{ColumnName: c, RowFilterExpression: orOf(st.exprs)})
	}
	if len(a.Columns) > 0 && !anyAllRows {
		a.RowFilter = orOf(rowExprs)
	}
	if perms.has(Select) && unrestricted == len(t.Columns) && len(a.Columns) == len(t.Columns) {
		a.Full = true
	}
	return a
}

// orOf prints the disjunction of distinct expressions canonically.
func orOf(es []rowfilter.Expr) string {
	var uniq []rowfilter.Expr
	seen := map[string]bool{}
	for _, e := range es {
		s := rowfilter.Print(e)
		if !seen[s] {
			seen[s] = true
			uniq = append(uniq, e)
		}
	}
	if len(uniq) == 0 {
		return ""
	}
	return rowfilter.Print(rowfilter.AnyOf(uniq...))
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

// mergeGrant adds perms (and the grant option on grantable) to the grant cur holds on the same
// resource key (cur may be nil) and returns the new record. Column lists of
// TableWithColumns grants merge: include lists union, a wildcard absorbs an include list, two
// wildcards keep only the columns excluded by both.
func mergeGrant(cur *Grant, add Grant) Grant {
	if cur == nil {
		g := add
		g.Permissions = newPermSet(add.Permissions...).union(add.PermissionsWithGrantOption)
		g.PermissionsWithGrantOption = newPermSet(add.PermissionsWithGrantOption...)
		return g
	}
	g := *cur
	g.Permissions = newPermSet(cur.Permissions...).union(add.Permissions).union(add.PermissionsWithGrantOption)
	g.PermissionsWithGrantOption = newPermSet(cur.PermissionsWithGrantOption...).union(add.PermissionsWithGrantOption)
	if a, c := add.Resource.TableWithColumns, cur.Resource.TableWithColumns; a != nil && c != nil {
		n := *c
		switch {
		case a.ColumnWildcard != nil && c.ColumnWildcard != nil:
			var ex []string
			for _, x := range c.ColumnWildcard.ExcludedColumnNames {
				if containsFold(a.ColumnWildcard.ExcludedColumnNames, x) {
					ex = append(ex, x)
				}
			}
			n.ColumnWildcard = &ColumnWildcard{ExcludedColumnNames: ex}
		case a.ColumnWildcard != nil:
			n.ColumnNames, n.ColumnWildcard = nil, a.ColumnWildcard
		case c.ColumnWildcard != nil:
			var ex []string
			for _, x := range c.ColumnWildcard.ExcludedColumnNames {
				if !containsFold(a.ColumnNames, x) {
					ex = append(ex, x)
				}
			}
			n.ColumnWildcard = &ColumnWildcard{ExcludedColumnNames: ex}
		default:
			n.ColumnNames = unionFold(c.ColumnNames, a.ColumnNames)
		}
		g.Resource.TableWithColumns = &n
	}
	return g
}

// revokeGrant removes perms from cur (and, for PermissionsWithGrantOption, only the option).
// For TableWithColumns with column names it removes those columns. It returns nil when
// nothing is left, and an error when cur does not hold what is revoked.
func revokeGrant(cur *Grant, rev Grant) (*Grant, error) {
	if cur == nil {
		return nil, fmt.Errorf("no such grant")
	}
	g := *cur
	held := newPermSet(cur.Permissions...)
	for _, p := range rev.Permissions {
		if p != All && !held.has(p) {
			return nil, fmt.Errorf("the principal does not hold %s on the resource", p)
		}
	}
	if rc, cc := rev.Resource.TableWithColumns, cur.Resource.TableWithColumns; rc != nil && cc != nil && len(rc.ColumnNames) > 0 && len(rev.Permissions) > 0 {
		n := *cc
		if cc.ColumnWildcard != nil {
			n.ColumnWildcard = &ColumnWildcard{ExcludedColumnNames: unionFold(cc.ColumnWildcard.ExcludedColumnNames, rc.ColumnNames)}
		} else {
			var keep []string
			for _, c := range cc.ColumnNames {
				if !containsFold(rc.ColumnNames, c) {
					keep = append(keep, c)
				}
			}
			n.ColumnNames = keep
			if len(keep) == 0 {
				return nil, nil
			}
		}
		g.Resource.TableWithColumns = &n
		return &g, nil
	}
	g.Permissions = held.minus(newPermSet(rev.Permissions...))
	g.PermissionsWithGrantOption = newPermSet(cur.PermissionsWithGrantOption...).minus(newPermSet(rev.Permissions...)).minus(newPermSet(rev.PermissionsWithGrantOption...))
	if len(g.Permissions) == 0 {
		return nil, nil
	}
	return &g, nil
}

func unionFold(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !containsFold(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// canGrant decides whether a non-admin holder may grant or revoke perms on r, given what it
// holds on r and (for column and cell grants) on the whole table: each permission needs its grant
// option on the same resource; SELECT on columns or through a filter needs SELECT with grant
// option on the whole table (spec §8.4).
func canGrant(onResource, onTable *Grant, perms []Permission, r *Resource) bool {
	need := newPermSet(perms...)
	if len(need) == 0 {
		return false
	}
	if r.TableWithColumns != nil || r.DataCellsFilter != nil {
		if onTable != nil && newPermSet(onTable.PermissionsWithGrantOption...).has(Select) {
			return true
		}
		if r.DataCellsFilter != nil || onResource == nil {
			return false
		}
		// A grantable include-list column grant may be re-granted for a subset of its columns.
		if onResource.Resource.TableWithColumns == nil || onResource.Resource.TableWithColumns.ColumnWildcard != nil {
			return false
		}
		for _, c := range r.TableWithColumns.ColumnNames {
			if !containsFold(onResource.Resource.TableWithColumns.ColumnNames, c) {
				return false
			}
		}
		if r.TableWithColumns.ColumnWildcard != nil {
			return false
		}
	}
	if onResource == nil {
		return false
	}
	held := newPermSet(onResource.PermissionsWithGrantOption...)
	for _, p := range need {
		if !held.has(p) {
			return false
		}
	}
	return true
}
