package catalog

import (
	"context"

	"github.com/sluicehq/sluice/internal/identity"
)

// This file is the contract between the Glue Data Catalog (this package) and Lake Formation
// (package lakeformation, which implements Governance). The catalog owns databases, tables and
// partitions; Lake Formation owns who may do what with them. Glue calls need the IAM action
// (glue:GetTable, …, decided by the IAM authorizer) AND, for governed resources, a Lake Formation
// permission (decided by Governance), as AWS does (spec §4 "Glue ↔ LF", §8.4).

// Permission is a Lake Formation permission name: ALL, SELECT, ALTER, DROP, DELETE, INSERT,
// DESCRIBE, CREATE_DATABASE, CREATE_TABLE, DATA_LOCATION_ACCESS, CREATE_LF_TAG, ASSOCIATE.
type Permission string

// Target names what a catalog operation acts on. Database alone = the database; Table set = a
// table; both empty = the catalog.
type Target struct {
	Database string
	Table    string
}

// TableAccess is a principal's effective access to one table (spec §8.4), the answer the
// Lake Formation resolver gives to GetUnfilteredTableMetadata, vending and filtered reads.
type TableAccess struct {
	// Full: SELECT on every column and every row (no exclusions, no filters).
	Full bool
	// AuthorizedColumns: the union of columns the principal may SELECT ([] when it holds only
	// non-SELECT permissions such as DESCRIBE).
	AuthorizedColumns []string
	// CellFilters: per column, the row condition under which its cells are visible; a column
	// with an all-rows grant has none. Empty when every authorized column is unrestricted.
	CellFilters []CellFilter
	// RowFilter: the OR of the row expressions of the filters that apply ("" = all rows).
	RowFilter string
	// IsRegisteredWithLakeFormation: the table's location lies under a registered location.
	IsRegisteredWithLakeFormation bool
	// Permissions the principal holds on the table (SELECT, DESCRIBE, …).
	Permissions []Permission
}

// CellFilter restricts one column's cells to rows where RowFilterExpression holds.
type CellFilter struct {
	ColumnName          string
	RowFilterExpression string
}

// Governance is Lake Formation as the catalog sees it. A nil Governance means IAM alone decides
// (the IAM_ALLOWED_PRINCIPALS default of AWS).
type Governance interface {
	// Authorize decides whether p holds perm on target (DESCRIBE to see a database or table,
	// CREATE_DATABASE on the catalog, CREATE_TABLE on a database, ALTER/DROP on a table…). A
	// refusal is an *awsproto.Error: AccessDeniedException, or for DESCRIBE of something p may
	// not see, the same EntityNotFoundException a missing entity gets.
	Authorize(ctx context.Context, p *identity.Principal, perm Permission, target Target) error
	// CanDescribe reports whether p may see target in listings (list calls filter silently).
	CanDescribe(ctx context.Context, p *identity.Principal, target Target) bool
	// Created is called after p created a database or table, in the same request, so Lake
	// Formation can apply the default permissions (CreateDatabase/TableDefaultPermissions) and
	// the creator's implicit permissions.
	Created(ctx context.Context, p *identity.Principal, target Target) error
	// Deleted is called after a database or table was deleted, to drop its grants.
	Deleted(ctx context.Context, target Target) error
	// TableAccess resolves p's effective access to a table.
	TableAccess(ctx context.Context, p *identity.Principal, db, table string) (*TableAccess, error)
}

// Reader is what Lake Formation reads from the catalog, without authorization; *Service
// implements it. Lookups of missing entities return an error matching store.ErrNotFound.
type Reader interface {
	LookupDatabase(ctx context.Context, name string) (*DatabaseInfo, error)
	LookupTable(ctx context.Context, db, name string) (*TableInfo, error)
	ListDatabases(ctx context.Context) ([]*DatabaseInfo, error)
	ListTables(ctx context.Context, db string) ([]*TableInfo, error)
}

// DatabaseInfo is a database as Lake Formation needs it.
type DatabaseInfo struct {
	Name        string
	LocationURI string
}

// TableInfo is a table as Lake Formation needs it.
type TableInfo struct {
	Database      string
	Name          string
	Columns       []ColumnInfo // data columns, in order
	PartitionKeys []ColumnInfo
	Location      string            // StorageDescriptor.Location, e.g. s3://bucket/prefix/
	Parameters    map[string]string // table parameters (classification, skip.header.line.count…)
}

// ColumnInfo is a column name and its Hive type (string, int, bigint, double, boolean, date…).
type ColumnInfo struct {
	Name string
	Type string
}
