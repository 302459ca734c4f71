package catalog

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
)

// Wire shapes of the database operations (member names as in the Glue model).

type CreateDatabaseRequest struct {
	CatalogId     *string
	DatabaseInput json.RawMessage
	Tags          map[string]string
}

type GetDatabaseRequest struct {
	CatalogId *string
	Name      *string
}

type GetDatabaseResponse struct {
	Database json.RawMessage `json:"Database"`
}

type GetDatabasesRequest struct {
	CatalogId         *string
	NextToken         *string
	MaxResults        *int32
	ResourceShareType *string
}

type GetDatabasesResponse struct {
	DatabaseList []json.RawMessage `json:"DatabaseList"`
	NextToken    *string           `json:"NextToken,omitempty"`
}

type UpdateDatabaseRequest struct {
	CatalogId     *string
	Name          *string
	DatabaseInput json.RawMessage
}

type DeleteDatabaseRequest struct {
	CatalogId *string
	Name      *string
}

// Empty is the answer of operations that return nothing.
type Empty struct{}

// databaseInput validates a DatabaseInput and returns it with its name lower-cased.
func databaseInput(raw json.RawMessage) (string, json.RawMessage, error) {
	m, err := object("DatabaseInput", raw)
	if err != nil {
		return "", nil, err
	}
	var v databaseView
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", nil, errInvalid("DatabaseInput is malformed")
	}
	if v.Name == nil {
		return "", nil, errInvalid("DatabaseInput.Name is required")
	}
	name, err := checkName("DatabaseInput.Name", *v.Name)
	if err != nil {
		return "", nil, err
	}
	if v.Description != nil {
		if err := checkText("DatabaseInput.Description", *v.Description, 2048); err != nil {
			return "", nil, err
		}
	}
	if v.LocationURI != nil && len(*v.LocationURI) > 1024 {
		return "", nil, errInvalid("DatabaseInput.LocationUri is longer than 1024 characters")
	}
	m["Name"], _ = json.Marshal(name)
	out, _ := json.Marshal(m)
	return name, out, nil
}

func requiredName(what string, name *string) (string, error) {
	if name == nil {
		return "", errInvalid("%s is required", what)
	}
	return checkName(what, *name)
}

func (s *Service) databaseJSON(rec *databaseRecord) (json.RawMessage, error) {
	return overlay(rec.Input, map[string]any{
		"Name":       rec.Name,
		"CreateTime": ts(rec.CreateTime),
		"CatalogId":  string(s.account),
	})
}

func (s *Service) loadDatabase(ctx context.Context, r store.Reader, db string) (*databaseRecord, error) {
	rec, err := r.Get(ctx, nsDatabase, dbKey(db))
	if err != nil {
		if isNotFound(err) {
			return nil, dbNotFound(db)
		}
		return nil, err
	}
	var d databaseRecord
	if err := json.Unmarshal(rec.Value, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// visibleDatabase loads db and checks p may describe it; a hidden database is not found.
func (s *Service) visibleDatabase(ctx context.Context, p *identity.Principal, db string) (*databaseRecord, error) {
	d, err := s.loadDatabase(ctx, s.st, db)
	if err != nil {
		return nil, err
	}
	if err := s.describe(ctx, p, Target{Database: db}, dbNotFound(db)); err != nil {
		return nil, err
	}
	return d, nil
}

// CreateDatabase creates a database. Needs glue:CreateDatabase on the database and
// CREATE_DATABASE on the catalog. AlreadyExistsException if the name is taken.
func (s *Service) CreateDatabase(ctx context.Context, p *identity.Principal, in *CreateDatabaseRequest) (*Empty, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:CreateDatabase"); err != nil {
		return nil, err
	}
	name, input, err := databaseInput(in.DatabaseInput)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) > 50 {
		return nil, errInvalid("At most 50 tags are allowed")
	}
	if err := s.iamAllow(ctx, p, "glue:CreateDatabase", s.databaseARN(name)); err != nil {
		return nil, err
	}
	if err := s.lfAllow(ctx, p, "CREATE_DATABASE", Target{}); err != nil {
		return nil, err
	}
	rec := databaseRecord{Name: name, Input: input, CreateTime: s.now().UTC()}
	val, _ := json.Marshal(rec)
	err = s.st.Update(ctx, func(tx store.Tx) error {
		_, err := tx.Create(ctx, nsDatabase, dbKey(name), val)
		return err
	})
	if errors.Is(err, store.ErrExists) {
		return nil, errExists("Database already exists.")
	}
	if err != nil {
		return nil, storeErr(err)
	}
	if err := s.created(ctx, p, Target{Database: name}); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// GetDatabase returns a database the caller may describe (glue:GetDatabase).
func (s *Service) GetDatabase(ctx context.Context, p *identity.Principal, in *GetDatabaseRequest) (*GetDatabaseResponse, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:GetDatabase"); err != nil {
		return nil, err
	}
	name, err := requiredName("Name", in.Name)
	if err != nil {
		return nil, err
	}
	if err := s.iamAllow(ctx, p, "glue:GetDatabase", s.databaseARN(name)); err != nil {
		return nil, err
	}
	d, err := s.visibleDatabase(ctx, p, name)
	if err != nil {
		return nil, err
	}
	out, err := s.databaseJSON(d)
	if err != nil {
		return nil, err
	}
	return &GetDatabaseResponse{Database: out}, nil
}

// GetDatabases lists the databases the caller may describe (glue:GetDatabases on the
// catalog), in name order, MaxResults 1..100.
func (s *Service) GetDatabases(ctx context.Context, p *identity.Principal, in *GetDatabasesRequest) (*GetDatabasesResponse, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:GetDatabases"); err != nil {
		return nil, err
	}
	n, err := pageSize(in.MaxResults, maxPageTables)
	if err != nil {
		return nil, err
	}
	start, err := decodeToken(in.NextToken, "")
	if err != nil {
		return nil, err
	}
	if err := s.iamAllow(ctx, p, "glue:GetDatabases", s.catalogARN()); err != nil {
		return nil, err
	}
	out := &GetDatabasesResponse{DatabaseList: []json.RawMessage{}}
	next, err := scan(ctx, s.st, nsDatabase, "", start, n, func(rec store.Record) (bool, error) {
		var d databaseRecord
		if err := json.Unmarshal(rec.Value, &d); err != nil {
			return false, err
		}
		if !s.canDescribe(ctx, p, Target{Database: d.Name}) {
			return false, nil
		}
		j, err := s.databaseJSON(&d)
		if err != nil {
			return false, err
		}
		out.DatabaseList = append(out.DatabaseList, j)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if next != "" {
		out.NextToken = encodeToken(next)
	}
	return out, nil
}

// UpdateDatabase replaces a database's definition (glue:UpdateDatabase, ALTER). The name
// cannot change.
func (s *Service) UpdateDatabase(ctx context.Context, p *identity.Principal, in *UpdateDatabaseRequest) (*Empty, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:UpdateDatabase"); err != nil {
		return nil, err
	}
	name, err := requiredName("Name", in.Name)
	if err != nil {
		return nil, err
	}
	newName, input, err := databaseInput(in.DatabaseInput)
	if err != nil {
		return nil, err
	}
	if newName != name {
		return nil, errInvalid("Renaming a database is not supported.")
	}
	if err := s.iamAllow(ctx, p, "glue:UpdateDatabase", s.databaseARN(name)); err != nil {
		return nil, err
	}
	if _, err := s.visibleDatabase(ctx, p, name); err != nil {
		return nil, err
	}
	if err := s.lfAllow(ctx, p, "ALTER", Target{Database: name}); err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		d, err := s.loadDatabase(ctx, tx, name)
		if err != nil {
			return err
		}
		d.Input = input
		val, _ := json.Marshal(d)
		_, err = tx.Put(ctx, nsDatabase, dbKey(name), val)
		return err
	})
	if err != nil {
		return nil, storeErr(err)
	}
	return &Empty{}, nil
}

// DeleteDatabase deletes a database with all its tables and partitions (glue:DeleteDatabase,
// DROP on the database).
func (s *Service) DeleteDatabase(ctx context.Context, p *identity.Principal, in *DeleteDatabaseRequest) (*Empty, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:DeleteDatabase"); err != nil {
		return nil, err
	}
	name, err := requiredName("Name", in.Name)
	if err != nil {
		return nil, err
	}
	if err := s.iamAllow(ctx, p, "glue:DeleteDatabase", s.databaseARN(name)); err != nil {
		return nil, err
	}
	if _, err := s.visibleDatabase(ctx, p, name); err != nil {
		return nil, err
	}
	if err := s.lfAllow(ctx, p, "DROP", Target{Database: name}); err != nil {
		return nil, err
	}
	var tables []string
	err = s.st.Update(ctx, func(tx store.Tx) error {
		tables = tables[:0]
		if err := tx.Delete(ctx, nsDatabase, dbKey(name)); err != nil {
			if isNotFound(err) {
				return dbNotFound(name)
			}
			return err
		}
		prefix := dbKey(name) + "/"
		recs, err := tx.List(ctx, nsTable, store.ListOptions{Prefix: prefix})
		if err != nil {
			return err
		}
		for _, r := range recs {
			var t tableRecord
			if err := json.Unmarshal(r.Value, &t); err != nil {
				return err
			}
			tables = append(tables, t.Name)
		}
		for _, ns := range []string{nsTable, nsTableVersion, nsPartition} {
			if _, err := tx.DeletePrefix(ctx, ns, prefix); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	for _, t := range tables {
		if err := s.deleted(ctx, Target{Database: name, Table: t}); err != nil {
			return nil, err
		}
	}
	if err := s.deleted(ctx, Target{Database: name}); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}
