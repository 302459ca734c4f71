package catalog

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/sluicehq/sluice/internal/store"
)

// The catalog.Reader implementation: lookups without authorization, for Lake Formation.

var _ Reader = (*Service)(nil)

// LookupDatabase returns a database; a missing one is an error matching store.ErrNotFound.
func (s *Service) LookupDatabase(ctx context.Context, name string) (*DatabaseInfo, error) {
	rec, err := s.st.Get(ctx, nsDatabase, dbKey(strings.ToLower(name)))
	if err != nil {
		return nil, err
	}
	return databaseInfo(rec.Value)
}

// LookupTable returns a table; a missing one is an error matching store.ErrNotFound.
func (s *Service) LookupTable(ctx context.Context, db, name string) (*TableInfo, error) {
	rec, err := s.st.Get(ctx, nsTable, tableKey(strings.ToLower(db), strings.ToLower(name)))
	if err != nil {
		return nil, err
	}
	return tableInfo(rec.Value)
}

// ListDatabases returns every database in name order.
func (s *Service) ListDatabases(ctx context.Context) ([]*DatabaseInfo, error) {
	recs, err := s.st.List(ctx, nsDatabase, store.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]*DatabaseInfo, 0, len(recs))
	for _, r := range recs {
		d, err := databaseInfo(r.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// ListTables returns every table of a database in name order (none for a missing database).
func (s *Service) ListTables(ctx context.Context, db string) ([]*TableInfo, error) {
	recs, err := s.st.List(ctx, nsTable, store.ListOptions{Prefix: dbKey(strings.ToLower(db)) + "/"})
	if err != nil {
		return nil, err
	}
	out := make([]*TableInfo, 0, len(recs))
	for _, r := range recs {
		t, err := tableInfo(r.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func databaseInfo(val []byte) (*DatabaseInfo, error) {
	var d databaseRecord
	if err := json.Unmarshal(val, &d); err != nil {
		return nil, err
	}
	var v databaseView
	if err := json.Unmarshal(d.Input, &v); err != nil {
		return nil, err
	}
	info := &DatabaseInfo{Name: d.Name}
	if v.LocationURI != nil {
		info.LocationURI = *v.LocationURI
	}
	return info, nil
}

func tableInfo(val []byte) (*TableInfo, error) {
	t, err := decodeTable(val)
	if err != nil {
		return nil, err
	}
	v, err := t.view()
	if err != nil {
		return nil, err
	}
	return infoOf(t, v), nil
}

func infoOf(t *tableRecord, v *tableView) *TableInfo {
	info := &TableInfo{Database: t.Database, Name: t.Name, Parameters: v.Parameters,
		Columns: []ColumnInfo{}, PartitionKeys: []ColumnInfo{}}
	if sd := v.StorageDescriptor; sd != nil {
		for _, c := range sd.Columns {
			info.Columns = append(info.Columns, ColumnInfo{Name: c.Name, Type: c.Type})
		}
		if sd.Location != nil {
			info.Location = *sd.Location
		}
	}
	for _, c := range v.PartitionKeys {
		info.PartitionKeys = append(info.PartitionKeys, ColumnInfo{Name: c.Name, Type: c.Type})
	}
	return info
}
