package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
)

// Wire shapes of the table operations.

type CreateTableRequest struct {
	CatalogId        *string
	DatabaseName     *string
	TableInput       json.RawMessage
	PartitionIndexes []json.RawMessage
	TransactionId    *string
}

type GetTableRequest struct {
	CatalogId     *string
	DatabaseName  *string
	Name          *string
	TransactionId *string
	QueryAsOfTime *awsproto.Timestamp
}

type GetTableResponse struct {
	Table json.RawMessage `json:"Table"`
}

type GetTablesRequest struct {
	CatalogId     *string
	DatabaseName  *string
	Expression    *string
	NextToken     *string
	MaxResults    *int32
	TransactionId *string
	QueryAsOfTime *awsproto.Timestamp
}

type GetTablesResponse struct {
	TableList []json.RawMessage `json:"TableList"`
	NextToken *string           `json:"NextToken,omitempty"`
}

type UpdateTableRequest struct {
	CatalogId     *string
	DatabaseName  *string
	TableInput    json.RawMessage
	SkipArchive   *bool
	TransactionId *string
	VersionId     *string
}

type DeleteTableRequest struct {
	CatalogId     *string
	DatabaseName  *string
	Name          *string
	TransactionId *string
}

type BatchDeleteTableRequest struct {
	CatalogId      *string
	DatabaseName   *string
	TablesToDelete []string
	TransactionId  *string
}

// ErrorDetail is a per-entry failure of a batch operation.
type ErrorDetail struct {
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

type TableError struct {
	TableName   string      `json:"TableName"`
	ErrorDetail ErrorDetail `json:"ErrorDetail"`
}

type BatchDeleteTableResponse struct {
	Errors []TableError `json:"Errors"`
}

type GetTableVersionsRequest struct {
	CatalogId    *string
	DatabaseName *string
	TableName    *string
	NextToken    *string
	MaxResults   *int32
}

type TableVersion struct {
	Table     json.RawMessage `json:"Table"`
	VersionId string          `json:"VersionId"`
}

type GetTableVersionsResponse struct {
	TableVersions []TableVersion `json:"TableVersions"`
	NextToken     *string        `json:"NextToken,omitempty"`
}

type PropertyPredicate struct {
	Key        *string
	Value      *string
	Comparator *string
}

type SearchTablesRequest struct {
	CatalogId         *string
	NextToken         *string
	Filters           []PropertyPredicate
	SearchText        *string
	SortCriteria      []json.RawMessage
	MaxResults        *int32
	ResourceShareType *string
}

type SearchTablesResponse struct {
	TableList []json.RawMessage `json:"TableList"`
	NextToken *string           `json:"NextToken,omitempty"`
}

// tableInput validates a TableInput and returns its lower-cased name, the input to store and
// its typed view.
func tableInput(raw json.RawMessage) (string, json.RawMessage, *tableView, error) {
	m, err := object("TableInput", raw)
	if err != nil {
		return "", nil, nil, err
	}
	var v tableView
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", nil, nil, errInvalid("TableInput is malformed: %s", jsonProblem(err))
	}
	if v.Name == nil {
		return "", nil, nil, errInvalid("TableInput.Name is required")
	}
	name, err := checkName("TableInput.Name", *v.Name)
	if err != nil {
		return "", nil, nil, err
	}
	if v.Description != nil {
		if err := checkText("TableInput.Description", *v.Description, 2048); err != nil {
			return "", nil, nil, err
		}
	}
	if v.Owner != nil {
		if err := checkText("TableInput.Owner", *v.Owner, maxNameLen); err != nil {
			return "", nil, nil, err
		}
	}
	if err := checkSD("TableInput.StorageDescriptor", v.StorageDescriptor); err != nil {
		return "", nil, nil, err
	}
	if err := checkColumns("TableInput.PartitionKeys", v.PartitionKeys); err != nil {
		return "", nil, nil, err
	}
	if err := normalizeTimes(m, "LastAccessTime", "LastAnalyzedTime"); err != nil {
		return "", nil, nil, err
	}
	m["Name"], _ = json.Marshal(name)
	v.Name = &name
	out, _ := json.Marshal(m)
	return name, out, &v, nil
}

func checkSD(what string, sd *storageDescriptor) error {
	if sd == nil {
		return nil
	}
	if sd.Location != nil && len(*sd.Location) > maxLocationLen {
		return errInvalid("%s.Location is longer than %d characters", what, maxLocationLen)
	}
	return checkColumns(what+".Columns", sd.Columns)
}

func checkColumns(what string, cols []column) error {
	for i, c := range cols {
		if c.Name == "" {
			return errInvalid("%s[%d].Name is required", what, i)
		}
		if err := checkText(fmt.Sprintf("%s[%d].Name", what, i), c.Name, maxNameLen); err != nil {
			return err
		}
	}
	return nil
}

func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("%s has the wrong JSON type (%s)", te.Field, te.Value)
	}
	return "not a valid JSON object"
}

func (r *tableRecord) view() (*tableView, error) {
	var v tableView
	if err := json.Unmarshal(r.Input, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// tableJSON renders a table record as a Glue Table.
func (s *Service) tableJSON(rec *tableRecord, registered bool) (json.RawMessage, error) {
	return overlay(rec.Input, map[string]any{
		"Name":                          rec.Name,
		"DatabaseName":                  rec.Database,
		"CreateTime":                    ts(rec.CreateTime),
		"UpdateTime":                    ts(rec.UpdateTime),
		"CreatedBy":                     rec.CreatedBy,
		"IsRegisteredWithLakeFormation": registered,
		"CatalogId":                     string(s.account),
		"VersionId":                     strconv.FormatInt(rec.VersionID, 10),
	})
}

// registered asks Governance whether the table's location is registered with Lake Formation.
func (s *Service) registered(ctx context.Context, p *identity.Principal, db, table string) bool {
	g := s.governance()
	if g == nil {
		return false
	}
	a, err := g.TableAccess(ctx, p, db, table)
	return err == nil && a != nil && a.IsRegisteredWithLakeFormation
}

func decodeTable(val []byte) (*tableRecord, error) {
	var t tableRecord
	if err := json.Unmarshal(val, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// loadTable returns the table record, or nil when it does not exist.
func loadTable(ctx context.Context, r store.Reader, db, table string) (*tableRecord, int64, error) {
	rec, err := r.Get(ctx, nsTable, tableKey(db, table))
	if err != nil {
		if isNotFound(err) {
			return nil, 0, nil
		}
		return nil, 0, err
	}
	t, err := decodeTable(rec.Value)
	return t, rec.Version, err
}

// visibleTable loads a table p may describe. A missing or hidden table in a visible database
// is "Table x not found."; a missing or hidden database is "Database x not found.".
func (s *Service) visibleTable(ctx context.Context, p *identity.Principal, db, table string) (*tableRecord, error) {
	t, _, err := loadTable(ctx, s.st, db, table)
	if err != nil {
		return nil, err
	}
	if t != nil {
		err := s.lfAllow(ctx, p, "DESCRIBE", Target{Database: db, Table: table})
		if err == nil {
			return t, nil
		}
		if awsproto.As(err) == nil {
			return nil, err
		}
	}
	if _, err := s.visibleDatabase(ctx, p, db); err != nil {
		return nil, err
	}
	return nil, tableNotFound(table)
}

// tableNames validates the database and table names of a request.
func tableNames(db, table *string, tableMember string) (string, string, error) {
	d, err := requiredName("DatabaseName", db)
	if err != nil {
		return "", "", err
	}
	t, err := requiredName(tableMember, table)
	if err != nil {
		return "", "", err
	}
	return d, t, nil
}

func versionKey(db, table string, version int64) string {
	// Inverted so that a table's versions list newest first.
	return tableKey(db, table) + "/" + fmt.Sprintf("%020d", math.MaxInt64-version)
}

// CreateTable creates a table in a database (glue:CreateTable on the table, CREATE_TABLE on
// the database). AlreadyExistsException if the name is taken.
func (s *Service) CreateTable(ctx context.Context, p *identity.Principal, in *CreateTableRequest) (*Empty, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:CreateTable"); err != nil {
		return nil, err
	}
	db, err := requiredName("DatabaseName", in.DatabaseName)
	if err != nil {
		return nil, err
	}
	name, input, _, err := tableInput(in.TableInput)
	if err != nil {
		return nil, err
	}
	if len(in.PartitionIndexes) > 3 {
		return nil, errLimit("At most 3 partition indexes are allowed per table.")
	}
	if err := s.iamAllow(ctx, p, "glue:CreateTable", s.tableARN(db, name)); err != nil {
		return nil, err
	}
	if _, err := s.visibleDatabase(ctx, p, db); err != nil {
		return nil, err
	}
	if err := s.lfAllow(ctx, p, "CREATE_TABLE", Target{Database: db}); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	rec := tableRecord{Database: db, Name: name, Input: input, CreateTime: now, UpdateTime: now, CreatedBy: callerARN(p)}
	val, _ := json.Marshal(rec)
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(ctx, nsDatabase, dbKey(db)); err != nil {
			if isNotFound(err) {
				return dbNotFound(db)
			}
			return err
		}
		if _, err := tx.Create(ctx, nsTable, tableKey(db, name), val); err != nil {
			return err
		}
		_, err := tx.Put(ctx, nsTableVersion, versionKey(db, name, 0), val)
		return err
	})
	if errors.Is(err, store.ErrExists) {
		return nil, errExists("Table already exists.")
	}
	if err != nil {
		return nil, storeErr(err)
	}
	if err := s.created(ctx, p, Target{Database: db, Table: name}); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

// GetTable returns a table the caller may describe (glue:GetTable).
func (s *Service) GetTable(ctx context.Context, p *identity.Principal, in *GetTableRequest) (*GetTableResponse, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:GetTable"); err != nil {
		return nil, err
	}
	db, name, err := tableNames(in.DatabaseName, in.Name, "Name")
	if err != nil {
		return nil, err
	}
	if err := s.iamAllow(ctx, p, "glue:GetTable", s.tableARN(db, name)); err != nil {
		return nil, err
	}
	t, err := s.visibleTable(ctx, p, db, name)
	if err != nil {
		return nil, err
	}
	out, err := s.tableJSON(t, s.registered(ctx, p, db, name))
	if err != nil {
		return nil, err
	}
	return &GetTableResponse{Table: out}, nil
}

// GetTables lists the tables of a database that the caller may describe and whose names match
// Expression (glue:GetTables on the database), in name order, MaxResults 1..100.
func (s *Service) GetTables(ctx context.Context, p *identity.Principal, in *GetTablesRequest) (*GetTablesResponse, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:GetTables"); err != nil {
		return nil, err
	}
	db, err := requiredName("DatabaseName", in.DatabaseName)
	if err != nil {
		return nil, err
	}
	n, err := pageSize(in.MaxResults, maxPageTables)
	if err != nil {
		return nil, err
	}
	prefix := dbKey(db) + "/"
	start, err := decodeToken(in.NextToken, prefix)
	if err != nil {
		return nil, err
	}
	match := func(string) bool { return true }
	if in.Expression != nil && *in.Expression != "" {
		if match, err = namePattern(*in.Expression); err != nil {
			return nil, err
		}
	}
	if err := s.iamAllow(ctx, p, "glue:GetTables", s.databaseARN(db)); err != nil {
		return nil, err
	}
	if _, err := s.visibleDatabase(ctx, p, db); err != nil {
		return nil, err
	}
	out := &GetTablesResponse{TableList: []json.RawMessage{}}
	next, err := scan(ctx, s.st, nsTable, prefix, start, n, func(rec store.Record) (bool, error) {
		t, err := decodeTable(rec.Value)
		if err != nil {
			return false, err
		}
		if !match(t.Name) || !s.canDescribe(ctx, p, Target{Database: db, Table: t.Name}) {
			return false, nil
		}
		j, err := s.tableJSON(t, s.registered(ctx, p, db, t.Name))
		if err != nil {
			return false, err
		}
		out.TableList = append(out.TableList, j)
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

// UpdateTable replaces a table's definition (glue:UpdateTable, ALTER) and bumps its VersionId.
// A VersionId in the request must be the current one (ConcurrentModificationException).
// SkipArchive drops the previous version from GetTableVersions.
func (s *Service) UpdateTable(ctx context.Context, p *identity.Principal, in *UpdateTableRequest) (*Empty, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:UpdateTable"); err != nil {
		return nil, err
	}
	db, err := requiredName("DatabaseName", in.DatabaseName)
	if err != nil {
		return nil, err
	}
	name, input, _, err := tableInput(in.TableInput)
	if err != nil {
		return nil, err
	}
	if err := s.iamAllow(ctx, p, "glue:UpdateTable", s.tableARN(db, name)); err != nil {
		return nil, err
	}
	if _, err := s.visibleTable(ctx, p, db, name); err != nil {
		return nil, err
	}
	if err := s.lfAllow(ctx, p, "ALTER", Target{Database: db, Table: name}); err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		t, version, err := loadTable(ctx, tx, db, name)
		if err != nil {
			return err
		}
		if t == nil {
			return tableNotFound(name)
		}
		if in.VersionId != nil && *in.VersionId != strconv.FormatInt(t.VersionID, 10) {
			return errConcurrent("Update table failed due to concurrent modifications.")
		}
		prev := t.VersionID
		t.Input = input
		t.UpdateTime = s.now().UTC()
		t.VersionID++
		val, _ := json.Marshal(t)
		if _, err := tx.PutIfVersion(ctx, nsTable, tableKey(db, name), val, version); err != nil {
			return err
		}
		if in.SkipArchive != nil && *in.SkipArchive {
			if err := tx.Delete(ctx, nsTableVersion, versionKey(db, name, prev)); err != nil && !isNotFound(err) {
				return err
			}
		}
		_, err = tx.Put(ctx, nsTableVersion, versionKey(db, name, t.VersionID), val)
		return err
	})
	if err != nil {
		return nil, storeErr(err)
	}
	return &Empty{}, nil
}

// DeleteTable deletes a table with its partitions and versions (glue:DeleteTable, DROP).
func (s *Service) DeleteTable(ctx context.Context, p *identity.Principal, in *DeleteTableRequest) (*Empty, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:DeleteTable"); err != nil {
		return nil, err
	}
	db, name, err := tableNames(in.DatabaseName, in.Name, "Name")
	if err != nil {
		return nil, err
	}
	if err := s.deleteTable(ctx, p, "glue:DeleteTable", db, name); err != nil {
		return nil, err
	}
	return &Empty{}, nil
}

func (s *Service) deleteTable(ctx context.Context, p *identity.Principal, action, db, name string) error {
	if err := s.iamAllow(ctx, p, action, s.tableARN(db, name)); err != nil {
		return err
	}
	if _, err := s.visibleTable(ctx, p, db, name); err != nil {
		return err
	}
	if err := s.lfAllow(ctx, p, "DROP", Target{Database: db, Table: name}); err != nil {
		return err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Delete(ctx, nsTable, tableKey(db, name)); err != nil {
			if isNotFound(err) {
				return tableNotFound(name)
			}
			return err
		}
		prefix := tableKey(db, name) + "/"
		if _, err := tx.DeletePrefix(ctx, nsPartition, prefix); err != nil {
			return err
		}
		_, err := tx.DeletePrefix(ctx, nsTableVersion, prefix)
		return err
	})
	if err != nil {
		return storeErr(err)
	}
	return s.deleted(ctx, Target{Database: db, Table: name})
}

// BatchDeleteTable deletes up to 100 tables of one database; each failure is reported in
// Errors (glue:BatchDeleteTable and DROP per table).
func (s *Service) BatchDeleteTable(ctx context.Context, p *identity.Principal, in *BatchDeleteTableRequest) (*BatchDeleteTableResponse, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:BatchDeleteTable"); err != nil {
		return nil, err
	}
	db, err := requiredName("DatabaseName", in.DatabaseName)
	if err != nil {
		return nil, err
	}
	if len(in.TablesToDelete) == 0 || len(in.TablesToDelete) > maxBatchDeleteTable {
		return nil, errInvalid("TablesToDelete must hold 1 to %d names", maxBatchDeleteTable)
	}
	out := &BatchDeleteTableResponse{Errors: []TableError{}}
	for _, raw := range in.TablesToDelete {
		name, err := checkName("TablesToDelete", raw)
		if err == nil {
			err = s.deleteTable(ctx, p, "glue:BatchDeleteTable", db, name)
		}
		if err != nil {
			e := awsproto.As(err)
			if e == nil {
				return nil, err
			}
			out.Errors = append(out.Errors, TableError{TableName: raw, ErrorDetail: ErrorDetail{ErrorCode: e.Code, ErrorMessage: e.Message}})
		}
	}
	return out, nil
}

// GetTableVersions lists a table's versions, newest first (glue:GetTableVersions).
func (s *Service) GetTableVersions(ctx context.Context, p *identity.Principal, in *GetTableVersionsRequest) (*GetTableVersionsResponse, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:GetTableVersions"); err != nil {
		return nil, err
	}
	db, name, err := tableNames(in.DatabaseName, in.TableName, "TableName")
	if err != nil {
		return nil, err
	}
	n, err := pageSize(in.MaxResults, maxPageTables)
	if err != nil {
		return nil, err
	}
	prefix := tableKey(db, name) + "/"
	start, err := decodeToken(in.NextToken, prefix)
	if err != nil {
		return nil, err
	}
	if err := s.iamAllow(ctx, p, "glue:GetTableVersions", s.tableARN(db, name)); err != nil {
		return nil, err
	}
	if _, err := s.visibleTable(ctx, p, db, name); err != nil {
		return nil, err
	}
	reg := s.registered(ctx, p, db, name)
	out := &GetTableVersionsResponse{TableVersions: []TableVersion{}}
	next, err := scan(ctx, s.st, nsTableVersion, prefix, start, n, func(rec store.Record) (bool, error) {
		t, err := decodeTable(rec.Value)
		if err != nil {
			return false, err
		}
		j, err := s.tableJSON(t, reg)
		if err != nil {
			return false, err
		}
		out.TableVersions = append(out.TableVersions, TableVersion{Table: j, VersionId: strconv.FormatInt(t.VersionID, 10)})
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

// SearchTables searches every table the caller may describe (glue:SearchTables on the
// catalog). SearchText matches, case-insensitively, a substring of the table or database
// name, description, owner, a column name or a parameter value; Filters (EQUALS only) match
// DatabaseName, Name, Description, Owner, TableType or a table parameter by key exactly.
func (s *Service) SearchTables(ctx context.Context, p *identity.Principal, in *SearchTablesRequest) (*SearchTablesResponse, error) {
	if err := s.checkCatalog(p, in.CatalogId, "glue:SearchTables"); err != nil {
		return nil, err
	}
	n, err := pageSize(in.MaxResults, maxPagePartitions)
	if err != nil {
		return nil, err
	}
	start, err := decodeToken(in.NextToken, "")
	if err != nil {
		return nil, err
	}
	for _, f := range in.Filters {
		if f.Key == nil || *f.Key == "" {
			return nil, errInvalid("Filters: Key is required")
		}
		if f.Comparator != nil && *f.Comparator != "EQUALS" {
			return nil, errInvalid("Filters: comparator %s is not supported on %s", *f.Comparator, *f.Key)
		}
	}
	if err := s.iamAllow(ctx, p, "glue:SearchTables", s.catalogARN()); err != nil {
		return nil, err
	}
	text := ""
	if in.SearchText != nil {
		text = strings.ToLower(strings.Trim(*in.SearchText, `"`))
	}
	out := &SearchTablesResponse{TableList: []json.RawMessage{}}
	next, err := scan(ctx, s.st, nsTable, "", start, n, func(rec store.Record) (bool, error) {
		t, err := decodeTable(rec.Value)
		if err != nil {
			return false, err
		}
		v, err := t.view()
		if err != nil {
			return false, err
		}
		if !searchMatch(t, v, text, in.Filters) || !s.canDescribe(ctx, p, Target{Database: t.Database, Table: t.Name}) {
			return false, nil
		}
		j, err := s.tableJSON(t, s.registered(ctx, p, t.Database, t.Name))
		if err != nil {
			return false, err
		}
		out.TableList = append(out.TableList, j)
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

func searchMatch(t *tableRecord, v *tableView, text string, filters []PropertyPredicate) bool {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	for _, f := range filters {
		var got string
		switch *f.Key {
		case "DatabaseName":
			got = t.Database
		case "Name", "TableName":
			got = t.Name
		case "Description":
			got = str(v.Description)
		case "Owner":
			got = str(v.Owner)
		case "TableType":
			got = str(v.TableType)
		default:
			got = v.Parameters[*f.Key]
		}
		if got != str(f.Value) {
			return false
		}
	}
	if text == "" {
		return true
	}
	fields := []string{t.Name, t.Database, str(v.Description), str(v.Owner)}
	if v.StorageDescriptor != nil {
		for _, c := range v.StorageDescriptor.Columns {
			fields = append(fields, c.Name)
		}
	}
	for _, c := range v.PartitionKeys {
		fields = append(fields, c.Name)
	}
	for _, pv := range v.Parameters {
		fields = append(fields, pv)
	}
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), text) {
			return true
		}
	}
	return false
}
