package lakeformation

import (
	"context"
	"errors"

	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
)

// Authorize implements catalog.Governance: CREATE_DATABASE on the catalog (admins, grants,
// IAM_ALLOWED_PRINCIPALS by default), DESCRIBE/CREATE_TABLE/ALTER/DROP on a database
// (database grants, or DESCRIBE through any grant inside it), and table permissions through
// the resolver. DESCRIBE refusals are EntityNotFoundException, like a missing entity. The
// account root may do anything with catalog objects (Sluice's bootstrap identity; it holds no
// grants of its own and is not given creator grants).
func (s *Service) Authorize(ctx context.Context, p *identity.Principal, perm catalog.Permission, target catalog.Target) error {
	if p != nil && p.Type == identity.Root && p.Account == s.account {
		return nil
	}
	st, err := s.settings(ctx, s.st)
	if err != nil {
		return err
	}
	admin := s.isAdmin(st, p)
	me := principalOf(p)
	switch {
	case target.Database == "":
		if admin && (perm == CreateDatabase || perm == Describe) {
			return nil
		}
		var held []Grant
		for _, pr := range []string{me, IAMAllowedPrincipals} {
			g, err := s.getGrant(ctx, s.st, &Resource{Catalog: &CatalogResource{}}, pr)
			if err != nil {
				return internal(err)
			}
			if g != nil && permSet(g.Permissions).has(perm) {
				return nil
			}
			held = append(held, grantList(g)...)
		}
		return s.deny(p, refusal{action: "lakeformation:" + string(perm), resource: s.catalogARN(), reason: reasonNoPermission, grants: held},
			"Insufficient Lake Formation permission(s): Required %s on Catalog", perm)
	case target.Table == "":
		if perm == Describe && admin {
			return nil
		}
		var held []Grant
		for _, pr := range []string{me, IAMAllowedPrincipals} {
			g, err := s.getGrant(ctx, s.st, &Resource{Database: &DatabaseResource{Name: target.Database}}, pr)
			if err != nil {
				return internal(err)
			}
			if g != nil && (permSet(g.Permissions).expand(dbPerms).has(perm) || perm == Describe) {
				return nil
			}
			held = append(held, grantList(g)...)
			if perm == Describe {
				ok, err := s.anyGrantIn(ctx, pr, target.Database)
				if err != nil {
					return internal(err)
				}
				if ok {
					return nil
				}
			}
		}
		if perm == Describe {
			return entityNotFound("Database %s not found.", target.Database)
		}
		return s.deny(p, refusal{action: "lakeformation:" + string(perm), resource: s.databaseARN(target.Database), reason: reasonNoPermission, grants: held},
			"Insufficient Lake Formation permission(s): Required %s on %s", perm, target.Database)
	default:
		t, err := s.cat.LookupTable(ctx, target.Database, target.Table)
		if errors.Is(err, store.ErrNotFound) {
			return entityNotFound("Table %s not found.", target.Table)
		} else if err != nil {
			return internal(err)
		}
		a, err := s.access(ctx, p, st, t)
		if err != nil {
			return err
		}
		if perm == Describe {
			if a.Denied() {
				return entityNotFound("Table %s not found.", target.Table)
			}
			return nil
		}
		if a.Has(perm) {
			return nil
		}
		return s.deny(p, refusal{action: "lakeformation:" + string(perm), resource: s.tableARN(target.Database, target.Table), reason: reasonNoPermission, grants: a.grants},
			"Insufficient Lake Formation permission(s): Required %s on %s", perm, target.Table)
	}
}

// anyGrantIn reports whether principal holds anything on a table (or wildcard, filter) of db:
// that makes the database visible.
func (s *Service) anyGrantIn(ctx context.Context, principal, db string) (bool, error) {
	for _, kind := range []string{"W", "T", "X", "F"} {
		recs, err := s.st.List(ctx, nsGrantP, store.ListOptions{Prefix: principal + psep + kind + sep + db + sep, Limit: 1})
		if err != nil {
			return false, err
		}
		if kind == "W" {
			recs, err = s.st.List(ctx, nsGrantP, store.ListOptions{Prefix: principal + psep + kind + sep + db, Limit: 1})
			if err != nil {
				return false, err
			}
			if len(recs) > 0 && recs[0].Key != principal+psep+"W"+sep+db {
				recs = nil
			}
		}
		if len(recs) > 0 {
			return true, nil
		}
	}
	return false, nil
}

// CanDescribe implements catalog.Governance.
func (s *Service) CanDescribe(ctx context.Context, p *identity.Principal, target catalog.Target) bool {
	return s.Authorize(ctx, p, Describe, target) == nil
}

// Created implements catalog.Governance: the creator gets ALL (with grant option) on what it
// created, and IAM_ALLOWED_PRINCIPALS the Create{Database,Table}DefaultPermissions.
func (s *Service) Created(ctx context.Context, p *identity.Principal, target catalog.Target) error {
	st, err := s.settings(ctx, s.st)
	if err != nil {
		return err
	}
	res := Resource{Database: &DatabaseResource{Name: target.Database}}
	defaults := st.CreateDatabaseDefaultPermissions
	if target.Table != "" {
		res = Resource{Table: &TableResource{DatabaseName: target.Database, Name: target.Table}}
		defaults = st.CreateTableDefaultPermissions
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if me := principalOf(p); me != "" && (p.Type != identity.Root) {
			if err := s.putGrant(ctx, tx, Grant{Principal: DataLakePrincipal{DataLakePrincipalIdentifier: me}, Resource: res,
				Permissions: []Permission{All}, PermissionsWithGrantOption: []Permission{All}}); err != nil {
				return err
			}
		}
		for _, d := range defaults {
			if d.Principal == nil || len(d.Permissions) == 0 {
				continue
			}
			if err := s.putGrant(ctx, tx, Grant{Principal: *d.Principal, Resource: res, Permissions: d.Permissions}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return internal(err)
	}
	return nil
}

// Deleted implements catalog.Governance: grants, filters and tags of the database or table go.
func (s *Service) Deleted(ctx context.Context, target catalog.Target) error {
	err := s.st.Update(ctx, func(tx store.Tx) error {
		var prefixes []string
		var filterPrefix, tagPrefix string
		if target.Table == "" {
			db := target.Database
			prefixes = []string{"D" + sep + db + psep, "W" + sep + db + psep, "T" + sep + db + sep, "X" + sep + db + sep, "F" + sep + db + sep}
			filterPrefix, tagPrefix = db+sep, "T"+sep+db+sep
			if err := tx.Delete(ctx, nsTagOn, "D"+sep+db); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		} else {
			k := target.Database + sep + target.Table
			prefixes = []string{"T" + sep + k + psep, "X" + sep + k + psep, "F" + sep + k + sep}
			filterPrefix, tagPrefix = k+sep, "T"+sep+k+sep
		}
		for _, pre := range prefixes {
			if err := s.dropGrants(ctx, tx, pre); err != nil {
				return err
			}
		}
		if _, err := tx.DeletePrefix(ctx, nsFilter, filterPrefix); err != nil {
			return err
		}
		_, err := tx.DeletePrefix(ctx, nsTagOn, tagPrefix)
		return err
	})
	if err != nil {
		return internal(err)
	}
	return nil
}

// TableAccess implements catalog.Governance. Nothing at all → AccessDeniedException.
func (s *Service) TableAccess(ctx context.Context, p *identity.Principal, db, table string) (*catalog.TableAccess, error) {
	st, err := s.settings(ctx, s.st)
	if err != nil {
		return nil, err
	}
	t, err := s.cat.LookupTable(ctx, db, table)
	if errors.Is(err, store.ErrNotFound) {
		return nil, entityNotFound("Table %s not found.", table)
	} else if err != nil {
		return nil, internal(err)
	}
	a, err := s.access(ctx, p, st, t)
	if err != nil {
		return nil, err
	}
	if a.Denied() {
		return nil, s.deny(p, refusal{action: "lakeformation:SELECT", resource: s.tableARN(db, table), reason: reasonNoPermission, grants: a.grants},
			"Insufficient Lake Formation permission(s) on %s", table)
	}
	loc, err := s.locationFor(ctx, t.Location)
	if err != nil {
		return nil, err
	}
	return &catalog.TableAccess{Full: a.Full, AuthorizedColumns: a.Columns, CellFilters: a.CellFilters, RowFilter: a.RowFilter,
		IsRegisteredWithLakeFormation: loc != nil, Permissions: a.Permissions}, nil
}
