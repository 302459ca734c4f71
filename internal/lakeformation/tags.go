package lakeformation

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"

	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storejson"
)

// LF-tags. Keys and values are stored lower-cased (AWS lower-cases them). A resource carries at
// most one value per key; effective tags flow database → table → column, the lower level
// overriding the same key.

type TagInput struct {
	CatalogId         string `json:",omitempty"`
	TagKey            string
	TagValues         []string `json:",omitempty"`
	TagValuesToAdd    []string `json:",omitempty"`
	TagValuesToDelete []string `json:",omitempty"`
}

func (s *Service) tagAdmin(ctx context.Context, p *identity.Principal) error {
	st, err := s.settings(ctx, s.st)
	if err != nil {
		return err
	}
	if s.isAdmin(st, p) {
		return nil
	}
	g, err := s.getGrant(ctx, s.st, &Resource{Catalog: &CatalogResource{}}, principalOf(p))
	if err != nil {
		return internal(err)
	}
	if g != nil && permSet(g.Permissions).has(CreateLFTag) {
		return nil
	}
	return s.deny(p, refusal{action: "lakeformation:CREATE_LF_TAG", resource: s.catalogARN(), reason: reasonNoPermission, grants: grantList(g)},
		"Insufficient Lake Formation permission(s): CREATE_LF_TAG")
}

// tagOwner checks that p may change tag key k with perm (ALTER to update it, DROP to delete it),
// as Lake Formation decides: a data-lake admin, the tag's creator, or a principal holding perm on
// the tag (directly or through IAM_ALLOWED_PRINCIPALS). Callers that may not even see the tag get
// EntityNotFoundException, as for a missing one.
func (s *Service) tagOwner(ctx context.Context, p *identity.Principal, k string, perm Permission) error {
	st, err := s.settings(ctx, s.st)
	if err != nil {
		return err
	}
	if s.isAdmin(st, p) {
		return nil
	}
	t, err := storejson.Get[storedTag](ctx, s.st, nsTag, k)
	if errors.Is(err, store.ErrNotFound) {
		return entityNotFound("Tag key %s not found", k)
	}
	if err != nil {
		return internal(err)
	}
	if t.Creator != "" && t.Creator == principalOf(p) {
		return nil
	}
	v, err := s.tagView(ctx, p, k)
	if err != nil {
		return err
	}
	holds := false // any grant on the tag: the caller knows it exists
	for _, g := range v.Grants {
		if g.Resource.LFTag == nil || g.Resource.LFTag.TagKey != k {
			continue
		}
		if permSet(g.Permissions).has(perm) || permSet(g.PermissionsWithGrantOption).has(perm) {
			return nil
		}
		holds = true
	}
	if _, ok := v.Visible(t.LFTagPair, t.Creator); !ok && !holds {
		return entityNotFound("Tag key %s not found", k)
	}
	return s.deny(p, refusal{action: "lakeformation:" + string(perm), resource: s.catalogARN(), reason: reasonNoPermission, grants: v.Grants},
		"Insufficient Lake Formation permission(s): %s on LF-Tag %s", perm, k)
}

func normValues(vs []string) ([]string, error) {
	if len(vs) == 0 || len(vs) > 1000 {
		return nil, invalidInput("TagValues must have 1 to 1000 values")
	}
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if len(v) > 256 {
			return nil, invalidInput("tag values are at most 256 characters")
		}
		out = append(out, lower(v))
	}
	sort.Strings(out)
	return slices.Compact(out), nil
}

func checkTagKey(k string) error {
	if k == "" || len(k) > 128 {
		return invalidInput("TagKey must be 1 to 128 characters")
	}
	return nil
}

// CreateLFTag creates a tag key with its allowed values.
func (s *Service) CreateLFTag(ctx context.Context, p *identity.Principal, in *TagInput) (*empty, error) {
	if err := s.iam(ctx, p, "CreateLFTag"); err != nil {
		return nil, err
	}
	if err := checkTagKey(in.TagKey); err != nil {
		return nil, err
	}
	vs, err := normValues(in.TagValues)
	if err != nil {
		return nil, err
	}
	if err := s.tagAdmin(ctx, p); err != nil {
		return nil, err
	}
	k := lower(in.TagKey)
	return s.done(s.st.Update(ctx, func(tx store.Tx) error {
		b, err := jsonBytes(storedTag{LFTagPair: LFTagPair{CatalogId: string(s.account), TagKey: k, TagValues: vs}, Creator: principalOf(p)})
		if err != nil {
			return err
		}
		_, err = tx.Create(ctx, nsTag, k, b)
		if errors.Is(err, store.ErrExists) {
			return alreadyExists("Tag key %s already exists", k)
		}
		return err
	}))
}

// GetLFTag returns a tag key and the values the caller may see (see TagView); a tag the
// caller may not see, or one in another catalog, is EntityNotFoundException like a missing one.
func (s *Service) GetLFTag(ctx context.Context, p *identity.Principal, in *TagInput) (*LFTagPair, error) {
	if err := s.iam(ctx, p, "GetLFTag"); err != nil {
		return nil, err
	}
	if n := len(in.TagKey); n < 1 || n > 128 {
		return nil, invalidInput("TagKey must be 1 to 128 characters")
	}
	notFound := entityNotFound("Tag key %s not found", in.TagKey)
	if !s.ownCatalog(in.CatalogId) {
		return nil, notFound
	}
	k := lower(in.TagKey)
	t, err := storejson.Get[storedTag](ctx, s.st, nsTag, k)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, internal(err)
	}
	v, err := s.tagView(ctx, p, k)
	if err != nil {
		return nil, err
	}
	out, ok := v.Visible(t.LFTagPair, t.Creator)
	if !ok {
		return nil, notFound
	}
	return &out, nil
}

// UpdateLFTag adds and deletes allowed values.
func (s *Service) UpdateLFTag(ctx context.Context, p *identity.Principal, in *TagInput) (*empty, error) {
	if err := s.iam(ctx, p, "UpdateLFTag"); err != nil {
		return nil, err
	}
	if n := len(in.TagKey); n < 1 || n > 128 {
		return nil, invalidInput("TagKey must be 1 to 128 characters")
	}
	if err := s.tagOwner(ctx, p, lower(in.TagKey), Alter); err != nil {
		return nil, err
	}
	return s.done(s.st.Update(ctx, func(tx store.Tx) error {
		k := lower(in.TagKey)
		t, err := storejson.Get[storedTag](ctx, tx, nsTag, k)
		if errors.Is(err, store.ErrNotFound) {
			return entityNotFound("Tag key %s not found", in.TagKey)
		}
		if err != nil {
			return err
		}
		vals := append(slices.Clone(t.TagValues), in.TagValuesToAdd...)
		var keep []string
		for _, v := range vals {
			if !containsFold(in.TagValuesToDelete, v) {
				keep = append(keep, v)
			}
		}
		if t.TagValues, err = normValues(keep); err != nil {
			return err
		}
		return storejson.Put(ctx, tx, nsTag, k, t)
	}))
}

// DeleteLFTag deletes a tag key, its assignments and its grants.
func (s *Service) DeleteLFTag(ctx context.Context, p *identity.Principal, in *TagInput) (*empty, error) {
	if err := s.iam(ctx, p, "DeleteLFTag"); err != nil {
		return nil, err
	}
	if n := len(in.TagKey); n < 1 || n > 128 {
		return nil, invalidInput("TagKey must be 1 to 128 characters")
	}
	k := lower(in.TagKey)
	if err := s.tagOwner(ctx, p, k, Drop); err != nil {
		return nil, err
	}
	return s.done(s.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Delete(ctx, nsTag, k); errors.Is(err, store.ErrNotFound) {
			return entityNotFound("Tag key %s not found", in.TagKey)
		} else if err != nil {
			return err
		}
		recs, err := tx.List(ctx, nsTagOn, store.ListOptions{})
		if err != nil {
			return err
		}
		for _, rec := range recs {
			m := map[string]string{}
			if err := jsonUnmarshal(rec.Value, &m); err != nil {
				return err
			}
			if _, ok := m[k]; ok {
				delete(m, k)
				if err := storejson.Put(ctx, tx, nsTagOn, rec.Key, m); err != nil {
					return err
				}
			}
		}
		if err := s.dropGrants(ctx, tx, "K"+sep+k+psep); err != nil { // records written before values were part of the key
			return err
		}
		return s.dropGrants(ctx, tx, "K"+sep+k+sep)
	}))
}

type ListTagsInput struct {
	CatalogId         string `json:",omitempty"`
	ResourceShareType string `json:",omitempty"` // "" (this catalog), ALL (this and shared), FOREIGN (shared only)
	MaxResults        int    `json:",omitempty"`
	NextToken         string `json:",omitempty"`
}

type ListTagsOutput struct {
	LFTags    []*LFTagPair
	NextToken string `json:",omitempty"`
}

// ListLFTags lists the tag keys, with the values, that the caller may see (see TagView), in
// key order, paged by key. Nothing is shared with Sluice's one catalog: FOREIGN lists nothing,
// ALL the same as none, and another CatalogId nothing.
func (s *Service) ListLFTags(ctx context.Context, p *identity.Principal, in *ListTagsInput) (*ListTagsOutput, error) {
	if err := s.iam(ctx, p, "ListLFTags"); err != nil {
		return nil, err
	}
	switch in.ResourceShareType {
	case "", "ALL", "FOREIGN":
	default:
		return nil, invalidInput("ResourceShareType must be ALL or FOREIGN")
	}
	limit := in.MaxResults
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	out := &ListTagsOutput{LFTags: []*LFTagPair{}}
	if in.ResourceShareType == "FOREIGN" || !s.ownCatalog(in.CatalogId) {
		return out, nil
	}
	v, err := s.tagView(ctx, p, "")
	if err != nil {
		return nil, err
	}
	// Read in batches until a page of visible tags is full; the token is the last key shown.
	after := in.NextToken
	for {
		recs, err := s.st.List(ctx, nsTag, store.ListOptions{StartAfter: after, Limit: limit + 1})
		if err != nil {
			return nil, internal(err)
		}
		for _, rec := range recs {
			t := new(storedTag)
			if err := jsonUnmarshal(rec.Value, t); err != nil {
				return nil, internal(err)
			}
			pair, ok := v.Visible(t.LFTagPair, t.Creator)
			if !ok {
				continue
			}
			if len(out.LFTags) == limit {
				out.NextToken = after
				return out, nil
			}
			out.LFTags = append(out.LFTags, &pair)
			after = rec.Key
		}
		if len(recs) <= limit {
			return out, nil
		}
		after = recs[len(recs)-1].Key
	}
}

type ResourceTagsInput struct {
	CatalogId string `json:",omitempty"`
	Resource  *Resource
	LFTags    []LFTagPair `json:",omitempty"`
}

type LFTagError struct {
	LFTag LFTagPair
	Error ErrorDetail
}

type ResourceTagsOutput struct {
	Failures []LFTagError
}

// tagOnKeys returns the tag-assignment key of a database, table or column resource.
func tagOnKeys(r *Resource) ([]string, error) {
	switch {
	case r.Database != nil:
		return []string{"D" + sep + r.Database.Name}, nil
	case r.Table != nil && r.Table.TableWildcard == nil:
		return []string{"T" + sep + r.Table.DatabaseName + sep + r.Table.Name + sep}, nil
	case r.TableWithColumns != nil:
		var ks []string
		for _, c := range r.TableWithColumns.ColumnNames {
			ks = append(ks, "T"+sep+r.TableWithColumns.DatabaseName+sep+r.TableWithColumns.Name+sep+lower(c))
		}
		if len(ks) == 0 {
			return nil, invalidInput("LF-tags on columns need ColumnNames")
		}
		return ks, nil
	}
	return nil, invalidInput("LF-tags attach to a Database, a Table or TableWithColumns")
}

func (s *Service) changeTags(ctx context.Context, p *identity.Principal, in *ResourceTagsInput, op string, add bool) (*ResourceTagsOutput, error) {
	if err := s.iam(ctx, p, op); err != nil {
		return nil, err
	}
	if in.Resource == nil || len(in.LFTags) == 0 {
		return nil, invalidInput("Resource and LFTags are required")
	}
	if err := validateResource(in.Resource); err != nil {
		return nil, err
	}
	if err := s.checkTarget(ctx, s.st, in.Resource); err != nil {
		return nil, err
	}
	keys, err := tagOnKeys(in.Resource)
	if err != nil {
		return nil, err
	}
	st, err := s.settings(ctx, s.st)
	if err != nil {
		return nil, err
	}
	admin := s.isAdmin(st, p)
	out := &ResourceTagsOutput{Failures: []LFTagError{}}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		out.Failures = out.Failures[:0]
		for _, k := range keys {
			m := map[string]string{}
			if rec, err := tx.Get(ctx, nsTagOn, k); err == nil {
				if err := jsonUnmarshal(rec.Value, &m); err != nil {
					return err
				}
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			for _, t := range in.LFTags {
				fail := func(code, msg string) {
					out.Failures = append(out.Failures, LFTagError{LFTag: t, Error: ErrorDetail{ErrorCode: code, ErrorMessage: msg}})
				}
				tk := lower(t.TagKey)
				def, err := storejson.Get[LFTagPair](ctx, tx, nsTag, tk)
				if errors.Is(err, store.ErrNotFound) {
					fail("EntityNotFoundException", "Tag key "+t.TagKey+" not found")
					continue
				} else if err != nil {
					return err
				}
				if len(t.TagValues) != 1 {
					fail("InvalidInputException", "exactly one value per tag key may be assigned to a resource")
					continue
				}
				v := lower(t.TagValues[0])
				if !slices.Contains(def.TagValues, v) {
					fail("EntityNotFoundException", "Tag value "+v+" not found for key "+tk)
					continue
				}
				if !admin {
					gs, _, err := listJSON[Grant](ctx, tx, nsGrantP, principalOf(p)+psep+"K"+sep+tk)
					if err != nil {
						return err
					}
					if !slices.ContainsFunc(gs, func(g *Grant) bool {
						r := g.Resource.LFTag
						return r != nil && lower(r.TagKey) == tk && permSet(g.Permissions).has(Associate) &&
							(containsFold(r.TagValues, v) || slices.Contains(r.TagValues, "*"))
					}) {
						fail("AccessDeniedException", "Insufficient Lake Formation permission(s): ASSOCIATE on "+tk+"="+v)
						continue
					}
				}
				if add {
					m[tk] = v
				} else if m[tk] == v {
					delete(m, tk)
				}
			}
			if err := storejson.Put(ctx, tx, nsTagOn, k, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if _, e := s.done(err); e != nil {
			return nil, e
		}
	}
	return out, nil
}

// AddLFTagsToResource assigns tags to a database, table or columns (one value per key).
func (s *Service) AddLFTagsToResource(ctx context.Context, p *identity.Principal, in *ResourceTagsInput) (*ResourceTagsOutput, error) {
	return s.changeTags(ctx, p, in, "AddLFTagsToResource", true)
}

// RemoveLFTagsFromResource removes tag assignments.
func (s *Service) RemoveLFTagsFromResource(ctx context.Context, p *identity.Principal, in *ResourceTagsInput) (*ResourceTagsOutput, error) {
	return s.changeTags(ctx, p, in, "RemoveLFTagsFromResource", false)
}

func (s *Service) ownTags(ctx context.Context, key string) (map[string]string, error) {
	m := map[string]string{}
	rec, err := s.st.Get(ctx, nsTagOn, key)
	if errors.Is(err, store.ErrNotFound) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	return m, jsonUnmarshal(rec.Value, &m)
}

// effectiveTableTags reads the tags of a database, a table and its columns (one Get and one
// List) and computes the effective ones.
func (s *Service) effectiveTableTags(ctx context.Context, db, table string, columns []string) (map[string]string, map[string]map[string]string, error) {
	dbTags, err := s.ownTags(ctx, "D"+sep+db)
	if err != nil {
		return nil, nil, err
	}
	prefix := "T" + sep + db + sep + table + sep
	recs, err := s.st.List(ctx, nsTagOn, store.ListOptions{Prefix: prefix})
	if err != nil {
		return nil, nil, err
	}
	tbl := map[string]string{}
	cols := map[string]map[string]string{}
	for _, rec := range recs {
		m := map[string]string{}
		if err := jsonUnmarshal(rec.Value, &m); err != nil {
			return nil, nil, err
		}
		if c := rec.Key[len(prefix):]; c == "" {
			tbl = m
		} else {
			cols[c] = m
		}
	}
	lc := map[string]map[string]string{}
	for _, c := range columns {
		lc[c] = cols[lower(c)]
	}
	t, ct := effectiveTags(dbTags, tbl, lc, columns)
	return t, ct, nil
}

func pairs(m map[string]string, account string) []LFTagPair {
	out := []LFTagPair{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, LFTagPair{CatalogId: account, TagKey: k, TagValues: []string{m[k]}})
	}
	return out
}

type ColumnLFTag struct {
	Name   string
	LFTags []LFTagPair
}

type ResourceLFTagsOutput struct {
	LFTagOnDatabase []LFTagPair   `json:",omitempty"`
	LFTagsOnTable   []LFTagPair   `json:",omitempty"`
	LFTagsOnColumns []ColumnLFTag `json:",omitempty"`
}

// GetResourceLFTags returns the effective tags of a database, or of a table and its columns.
func (s *Service) GetResourceLFTags(ctx context.Context, p *identity.Principal, in *ResourceTagsInput) (*ResourceLFTagsOutput, error) {
	if err := s.iam(ctx, p, "GetResourceLFTags"); err != nil {
		return nil, err
	}
	if in.Resource == nil {
		return nil, invalidInput("Resource is required")
	}
	acct := string(s.account)
	switch r := in.Resource; {
	case r.Database != nil:
		if _, err := s.cat.LookupDatabase(ctx, r.Database.Name); err != nil {
			return nil, entityNotFound("Database %s not found.", r.Database.Name)
		}
		m, err := s.ownTags(ctx, "D"+sep+r.Database.Name)
		if err != nil {
			return nil, internal(err)
		}
		return &ResourceLFTagsOutput{LFTagOnDatabase: pairs(m, acct)}, nil
	default:
		db, tn, ok := tableOf(r)
		if !ok {
			return nil, invalidInput("Resource must be a Database, Table or TableWithColumns")
		}
		t, err := s.cat.LookupTable(ctx, db, tn)
		if err != nil {
			return nil, entityNotFound("Table %s not found.", tn)
		}
		out, err := s.taggedTable(ctx, t)
		if err != nil {
			return nil, internal(err)
		}
		return &ResourceLFTagsOutput{LFTagOnDatabase: out.LFTagOnDatabase, LFTagsOnTable: out.LFTagsOnTable, LFTagsOnColumns: out.LFTagsOnColumns}, nil
	}
}

type TaggedTable struct {
	Table           TableResource
	LFTagOnDatabase []LFTagPair
	LFTagsOnTable   []LFTagPair
	LFTagsOnColumns []ColumnLFTag
	tags            map[string]string
}

func (s *Service) taggedTable(ctx context.Context, t *catalog.TableInfo) (*TaggedTable, error) {
	var cols []string
	for _, c := range t.Columns {
		cols = append(cols, c.Name)
	}
	for _, c := range t.PartitionKeys {
		cols = append(cols, c.Name)
	}
	dbTags, err := s.ownTags(ctx, "D"+sep+t.Database)
	if err != nil {
		return nil, err
	}
	eff, ct, err := s.effectiveTableTags(ctx, t.Database, t.Name, cols)
	if err != nil {
		return nil, err
	}
	acct := string(s.account)
	out := &TaggedTable{Table: TableResource{CatalogId: acct, DatabaseName: t.Database, Name: t.Name},
		LFTagOnDatabase: pairs(dbTags, acct), LFTagsOnTable: pairs(eff, acct), tags: eff}
	for _, c := range cols {
		out.LFTagsOnColumns = append(out.LFTagsOnColumns, ColumnLFTag{Name: c, LFTags: pairs(ct[c], acct)})
	}
	return out, nil
}

type SearchInput struct {
	CatalogId  string `json:",omitempty"`
	Expression []LFTag
	MaxResults int    `json:",omitempty"`
	NextToken  string `json:",omitempty"`
}

type SearchTablesOutput struct {
	TableList []*TaggedTable
	NextToken string `json:",omitempty"`
}

type TaggedDatabase struct {
	Database DatabaseResource
	LFTags   []LFTagPair
}

type SearchDatabasesOutput struct {
	DatabaseList []TaggedDatabase
	NextToken    string `json:",omitempty"`
}

// SearchTablesByLFTags lists the tables (that the caller may describe) whose effective tags
// satisfy the expression.
func (s *Service) SearchTablesByLFTags(ctx context.Context, p *identity.Principal, in *SearchInput) (*SearchTablesOutput, error) {
	if err := s.iam(ctx, p, "SearchTablesByLFTags"); err != nil {
		return nil, err
	}
	if len(in.Expression) == 0 {
		return nil, invalidInput("Expression is required")
	}
	dbs, err := s.cat.ListDatabases(ctx)
	if err != nil {
		return nil, internal(err)
	}
	out := &SearchTablesOutput{TableList: []*TaggedTable{}}
	for _, d := range dbs {
		ts, err := s.cat.ListTables(ctx, d.Name)
		if err != nil {
			return nil, internal(err)
		}
		for _, t := range ts {
			tt, err := s.taggedTable(ctx, t)
			if err != nil {
				return nil, internal(err)
			}
			if matchesExpr(tt.tags, in.Expression) && s.CanDescribe(ctx, p, catalog.Target{Database: t.Database, Table: t.Name}) {
				out.TableList = append(out.TableList, tt)
			}
		}
	}
	return out, nil
}

// SearchDatabasesByLFTags lists the databases whose tags satisfy the expression.
func (s *Service) SearchDatabasesByLFTags(ctx context.Context, p *identity.Principal, in *SearchInput) (*SearchDatabasesOutput, error) {
	if err := s.iam(ctx, p, "SearchDatabasesByLFTags"); err != nil {
		return nil, err
	}
	if len(in.Expression) == 0 {
		return nil, invalidInput("Expression is required")
	}
	dbs, err := s.cat.ListDatabases(ctx)
	if err != nil {
		return nil, internal(err)
	}
	out := &SearchDatabasesOutput{DatabaseList: []TaggedDatabase{}}
	for _, d := range dbs {
		m, err := s.ownTags(ctx, "D"+sep+d.Name)
		if err != nil {
			return nil, internal(err)
		}
		if matchesExpr(m, in.Expression) && s.CanDescribe(ctx, p, catalog.Target{Database: d.Name}) {
			out.DatabaseList = append(out.DatabaseList, TaggedDatabase{Database: DatabaseResource{CatalogId: string(s.account), Name: d.Name}, LFTags: pairs(m, string(s.account))})
		}
	}
	return out, nil
}
