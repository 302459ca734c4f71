package lakeformation

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/rowfilter"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storejson"
)

func jsonBytes(v any) ([]byte, error)         { return json.Marshal(v) }
func jsonUnmarshal(b []byte, v any) error     { return json.Unmarshal(b, v) }
func filterKey(db, table, name string) string { return db + sep + table + sep + name }

type FilterInput struct {
	TableData *DataCellsFilter
}

type FilterNameInput struct {
	TableCatalogId string `json:",omitempty"`
	DatabaseName   string
	TableName      string
	Name           string
}

type GetFilterOutput struct {
	DataCellsFilter *DataCellsFilter
}

// checkFilter validates a filter against its table: exactly one of ColumnNames/ColumnWildcard,
// known columns, and a row expression that parses and type-checks (InvalidInputException
// naming the position and the problem).
func (s *Service) checkFilter(ctx context.Context, f *DataCellsFilter) error {
	if f == nil || f.DatabaseName == "" || f.TableName == "" || f.Name == "" {
		return invalidInput("TableData needs DatabaseName, TableName and Name")
	}
	if (len(f.ColumnNames) == 0) == (f.ColumnWildcard == nil) {
		return invalidInput("TableData needs exactly one of ColumnNames and ColumnWildcard")
	}
	t, err := s.cat.LookupTable(ctx, f.DatabaseName, f.TableName)
	if errors.Is(err, store.ErrNotFound) {
		return entityNotFound("Table %s not found.", f.TableName)
	} else if err != nil {
		return internal(err)
	}
	var cols []rowfilter.ColumnType
	for _, c := range t.Columns {
		cols = append(cols, rowfilter.ColumnType{Name: c.Name, Type: c.Type})
	}
	for _, c := range t.PartitionKeys {
		cols = append(cols, rowfilter.ColumnType{Name: c.Name, Type: c.Type, Partition: true})
	}
	known := func(n string) bool {
		for _, c := range cols {
			if c.Name == n || lower(c.Name) == lower(n) {
				return true
			}
		}
		return false
	}
	names := f.ColumnNames
	if f.ColumnWildcard != nil {
		names = f.ColumnWildcard.ExcludedColumnNames
	}
	for _, n := range names {
		if !known(n) {
			return invalidInput("Column %s not found in table %s.%s", n, f.DatabaseName, f.TableName)
		}
	}
	if f.RowFilter == nil || (f.RowFilter.AllRowsWildcard == nil && f.RowFilter.FilterExpression == "") {
		return invalidInput("RowFilter needs FilterExpression or AllRowsWildcard")
	}
	if f.RowFilter.AllRowsWildcard != nil && f.RowFilter.FilterExpression != "" {
		return invalidInput("RowFilter takes one of FilterExpression and AllRowsWildcard")
	}
	if expr := f.RowFilter.FilterExpression; expr != "" {
		e, err := rowfilter.Parse(expr)
		if err == nil {
			err = rowfilter.Check(e, cols)
		}
		if err != nil {
			return invalidInput("Invalid row filter expression: %s", err.Error())
		}
	}
	return nil
}

// filterAdmin: creating, changing and deleting filters needs admin or SELECT with grant
// option on the whole table.
func (s *Service) filterAdmin(ctx context.Context, p *identity.Principal, db, table string) error {
	st, err := s.settings(ctx, s.st)
	if err != nil {
		return err
	}
	if s.isAdmin(st, p) {
		return nil
	}
	g, err := s.getGrant(ctx, s.st, &Resource{Table: &TableResource{DatabaseName: db, Name: table}}, principalOf(p))
	if err != nil {
		return internal(err)
	}
	if g != nil && permSet(g.PermissionsWithGrantOption).has(Select) {
		return nil
	}
	return s.deny(p, refusal{action: "lakeformation:SELECT", resource: s.tableARN(db, table), reason: reasonNoGrantOption, grants: grantList(g)},
		"Insufficient Lake Formation permission(s) on %s.%s", db, table)
}

// CreateDataCellsFilter creates a named filter on a table.
func (s *Service) CreateDataCellsFilter(ctx context.Context, p *identity.Principal, in *FilterInput) (*empty, error) {
	if err := s.iam(ctx, p, "CreateDataCellsFilter"); err != nil {
		return nil, err
	}
	f := in.TableData
	if err := s.checkFilter(ctx, f); err != nil {
		return nil, err
	}
	if err := s.filterAdmin(ctx, p, f.DatabaseName, f.TableName); err != nil {
		return nil, err
	}
	nf := *f
	nf.TableCatalogId, nf.VersionId = string(s.account), "1"
	return s.done(s.st.Update(ctx, func(tx store.Tx) error {
		b, err := jsonBytes(nf)
		if err != nil {
			return err
		}
		_, err = tx.Create(ctx, nsFilter, filterKey(f.DatabaseName, f.TableName, f.Name), b)
		if errors.Is(err, store.ErrExists) {
			return alreadyExists("A data cells filter named %s already exists on %s.%s", f.Name, f.DatabaseName, f.TableName)
		}
		return err
	}))
}

// UpdateDataCellsFilter replaces a filter's columns and rows; grants on it stay.
func (s *Service) UpdateDataCellsFilter(ctx context.Context, p *identity.Principal, in *FilterInput) (*empty, error) {
	if err := s.iam(ctx, p, "UpdateDataCellsFilter"); err != nil {
		return nil, err
	}
	f := in.TableData
	if err := s.checkFilter(ctx, f); err != nil {
		return nil, err
	}
	if err := s.filterAdmin(ctx, p, f.DatabaseName, f.TableName); err != nil {
		return nil, err
	}
	return s.done(s.st.Update(ctx, func(tx store.Tx) error {
		k := filterKey(f.DatabaseName, f.TableName, f.Name)
		cur, err := storejson.Get[DataCellsFilter](ctx, tx, nsFilter, k)
		if errors.Is(err, store.ErrNotFound) {
			return entityNotFound("Data cells filter %s not found.", f.Name)
		}
		if err != nil {
			return err
		}
		v, _ := strconv.Atoi(cur.VersionId)
		nf := *f
		nf.TableCatalogId, nf.VersionId = string(s.account), strconv.Itoa(v+1)
		return storejson.Put(ctx, tx, nsFilter, k, nf)
	}))
}

// GetDataCellsFilter returns one filter.
func (s *Service) GetDataCellsFilter(ctx context.Context, p *identity.Principal, in *FilterNameInput) (*GetFilterOutput, error) {
	if err := s.iam(ctx, p, "GetDataCellsFilter"); err != nil {
		return nil, err
	}
	f, err := storejson.Get[DataCellsFilter](ctx, s.st, nsFilter, filterKey(in.DatabaseName, in.TableName, in.Name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, entityNotFound("Data cells filter %s not found.", in.Name)
	}
	if err != nil {
		return nil, internal(err)
	}
	return &GetFilterOutput{DataCellsFilter: f}, nil
}

// DeleteDataCellsFilter deletes a filter and every grant on it.
func (s *Service) DeleteDataCellsFilter(ctx context.Context, p *identity.Principal, in *FilterNameInput) (*empty, error) {
	if err := s.iam(ctx, p, "DeleteDataCellsFilter"); err != nil {
		return nil, err
	}
	if err := s.filterAdmin(ctx, p, in.DatabaseName, in.TableName); err != nil {
		return nil, err
	}
	return s.done(s.st.Update(ctx, func(tx store.Tx) error {
		err := tx.Delete(ctx, nsFilter, filterKey(in.DatabaseName, in.TableName, in.Name))
		if errors.Is(err, store.ErrNotFound) {
			return entityNotFound("Data cells filter %s not found.", in.Name)
		}
		if err != nil {
			return err
		}
		return s.dropGrants(ctx, tx, "F"+sep+filterKey(in.DatabaseName, in.TableName, in.Name)+psep)
	}))
}

// dropGrants deletes every grant whose by-resource key starts with prefix, and its index entry.
func (s *Service) dropGrants(ctx context.Context, tx store.Tx, prefix string) error {
	gs, keys, err := listJSON[Grant](ctx, tx, nsGrant, prefix)
	if err != nil {
		return err
	}
	for i, g := range gs {
		_, kp := grantKeys(g)
		if err := tx.Delete(ctx, nsGrant, keys[i]); err != nil {
			return err
		}
		if err := tx.Delete(ctx, nsGrantP, kp); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

type ListFiltersInput struct {
	Table      *TableResource `json:",omitempty"`
	NextToken  string         `json:",omitempty"`
	MaxResults int            `json:",omitempty"`
}

type ListFiltersOutput struct {
	DataCellsFilters []*DataCellsFilter
	NextToken        string `json:",omitempty"`
}

// ListDataCellsFilter lists the filters of a table, or all filters.
func (s *Service) ListDataCellsFilter(ctx context.Context, p *identity.Principal, in *ListFiltersInput) (*ListFiltersOutput, error) {
	if err := s.iam(ctx, p, "ListDataCellsFilter"); err != nil {
		return nil, err
	}
	prefix := ""
	if in.Table != nil {
		prefix = in.Table.DatabaseName + sep
		if in.Table.Name != "" {
			prefix += in.Table.Name + sep
		}
	}
	limit := in.MaxResults
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	recs, err := s.st.List(ctx, nsFilter, store.ListOptions{Prefix: prefix, StartAfter: in.NextToken, Limit: limit + 1})
	if err != nil {
		return nil, internal(err)
	}
	out := &ListFiltersOutput{DataCellsFilters: []*DataCellsFilter{}}
	for i, rec := range recs {
		if i == limit {
			out.NextToken = recs[i-1].Key
			break
		}
		f := new(DataCellsFilter)
		if err := jsonUnmarshal(rec.Value, f); err != nil {
			return nil, internal(err)
		}
		out.DataCellsFilters = append(out.DataCellsFilters, f)
	}
	return out, nil
}

var _ = awsproto.Timestamp{}
