package catalog

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"

	"github.com/sluicehq/sluice/internal/identity"
)

// The unfiltered-metadata operations answer query engines that enforce Lake Formation
// themselves: the full table (or partitions) plus what the caller may read of it.

type AuditContext struct {
	AdditionalAuditContext *string
	RequestedColumns       []string
	AllColumnsRequested    *bool
}

type GetUnfilteredTableMetadataRequest struct {
	CatalogId                *string
	DatabaseName             *string
	Name                     *string
	AuditContext             *AuditContext
	SupportedPermissionTypes []string
	// Newer members (Region, ParentResourceArn, QuerySessionContext…) are accepted and ignored.
}

// ColumnRowFilter is a cell filter of one column.
type ColumnRowFilter struct {
	ColumnName          string `json:"ColumnName"`
	RowFilterExpression string `json:"RowFilterExpression"`
}

type GetUnfilteredTableMetadataResponse struct {
	Table                         json.RawMessage   `json:"Table"`
	AuthorizedColumns             []string          `json:"AuthorizedColumns"`
	IsRegisteredWithLakeFormation bool              `json:"IsRegisteredWithLakeFormation"`
	CellFilters                   []ColumnRowFilter `json:"CellFilters"`
	QueryAuthorizationId          string            `json:"QueryAuthorizationId"`
	Permissions                   []Permission      `json:"Permissions"`
	RowFilter                     string            `json:"RowFilter,omitempty"`
	ResourceArn                   string            `json:"ResourceArn"`
}

type GetUnfilteredPartitionMetadataRequest struct {
	CatalogId                *string
	DatabaseName             *string
	TableName                *string
	PartitionValues          []string
	AuditContext             *AuditContext
	SupportedPermissionTypes []string
}

type GetUnfilteredPartitionMetadataResponse struct {
	Partition                     json.RawMessage `json:"Partition"`
	AuthorizedColumns             []string        `json:"AuthorizedColumns"`
	IsRegisteredWithLakeFormation bool            `json:"IsRegisteredWithLakeFormation"`
}

type GetUnfilteredPartitionsMetadataRequest struct {
	CatalogId                *string
	DatabaseName             *string
	TableName                *string
	Expression               *string
	AuditContext             *AuditContext
	SupportedPermissionTypes []string
	NextToken                *string
	Segment                  *Segment
	MaxResults               *int32
}

type UnfilteredPartition struct {
	Partition                     json.RawMessage `json:"Partition"`
	AuthorizedColumns             []string        `json:"AuthorizedColumns"`
	IsRegisteredWithLakeFormation bool            `json:"IsRegisteredWithLakeFormation"`
}

type GetUnfilteredPartitionsMetadataResponse struct {
	UnfilteredPartitions []UnfilteredPartition `json:"UnfilteredPartitions"`
	NextToken            *string               `json:"NextToken,omitempty"`
}

// Permission types a caller may support.
const (
	permColumn = "COLUMN_PERMISSION"
	permCell   = "CELL_FILTER_PERMISSION"
)

func permissionTypes(types []string) (map[string]bool, error) {
	if len(types) == 0 || len(types) > 255 {
		return nil, errInvalid("SupportedPermissionTypes must hold 1 to 255 entries")
	}
	set := map[string]bool{}
	for _, t := range types {
		switch t {
		case permColumn, permCell, "NESTED_PERMISSION", "NESTED_CELL_PERMISSION":
			set[t] = true
		default:
			return nil, errInvalid("Unknown permission type %s", t)
		}
	}
	return set, nil
}

// access resolves p's access to table t and checks that the caller can enforce it.
func (s *Service) access(ctx context.Context, p *identity.Principal, t *tableRecord, types map[string]bool) (*TableAccess, error) {
	v, err := t.view()
	if err != nil {
		return nil, err
	}
	info := infoOf(t, v)
	all := make([]string, 0, len(info.Columns)+len(info.PartitionKeys))
	for _, c := range info.Columns {
		all = append(all, c.Name)
	}
	for _, c := range info.PartitionKeys {
		all = append(all, c.Name)
	}
	g := s.governance()
	if g == nil {
		return &TableAccess{Full: true, AuthorizedColumns: all, Permissions: []Permission{"ALL"}}, nil
	}
	a, err := g.TableAccess(ctx, p, t.Database, t.Name)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, errDenied("Insufficient Lake Formation permission(s) on %s", t.Name)
	}
	c := *a
	if c.Full {
		c.AuthorizedColumns = all
	}
	if !c.Full && len(c.AuthorizedColumns) < len(all) && !types[permColumn] {
		return nil, errPermissionType("The table has column permissions, but COLUMN_PERMISSION is not a supported permission type.")
	}
	if (len(c.CellFilters) > 0 || c.RowFilter != "") && !types[permCell] {
		return nil, errPermissionType("The table has data filters, but CELL_FILTER_PERMISSION is not a supported permission type.")
	}
	if c.AuthorizedColumns == nil {
		c.AuthorizedColumns = []string{}
	}
	if c.Permissions == nil {
		c.Permissions = []Permission{}
	}
	return &c, nil
}

// newQueryID returns a random 36-character id in UUID form.
func (s *Service) newQueryID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// GetUnfilteredTableMetadata returns the whole table and what the caller may read of it
// (glue:GetTable; DESCRIBE; Governance.TableAccess). A column restriction the caller cannot
// enforce (no COLUMN_PERMISSION), or cell filters without CELL_FILTER_PERMISSION, is
// PermissionTypeMismatchException; no access at all is AccessDeniedException.
func (s *Service) GetUnfilteredTableMetadata(ctx context.Context, p *identity.Principal, in *GetUnfilteredTableMetadataRequest) (*GetUnfilteredTableMetadataResponse, error) {
	if in.CatalogId == nil {
		return nil, errInvalid("CatalogId is required")
	}
	if err := s.checkCatalog(p, in.CatalogId, "glue:GetTable"); err != nil {
		return nil, err
	}
	db, name, err := tableNames(in.DatabaseName, in.Name, "Name")
	if err != nil {
		return nil, err
	}
	types, err := permissionTypes(in.SupportedPermissionTypes)
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
	a, err := s.access(ctx, p, t, types)
	if err != nil {
		return nil, err
	}
	j, err := s.tableJSON(t, a.IsRegisteredWithLakeFormation)
	if err != nil {
		return nil, err
	}
	qid, err := s.newQueryID()
	if err != nil {
		return nil, err
	}
	out := &GetUnfilteredTableMetadataResponse{
		Table:                         j,
		AuthorizedColumns:             a.AuthorizedColumns,
		IsRegisteredWithLakeFormation: a.IsRegisteredWithLakeFormation,
		CellFilters:                   []ColumnRowFilter{},
		QueryAuthorizationId:          qid,
		Permissions:                   a.Permissions,
		RowFilter:                     a.RowFilter,
		ResourceArn:                   s.tableARN(db, name),
	}
	for _, f := range a.CellFilters {
		out.CellFilters = append(out.CellFilters, ColumnRowFilter{ColumnName: f.ColumnName, RowFilterExpression: f.RowFilterExpression})
	}
	return out, nil
}

// GetUnfilteredPartitionMetadata returns one partition and the caller's authorized columns
// (glue:GetPartition; as GetUnfilteredTableMetadata).
func (s *Service) GetUnfilteredPartitionMetadata(ctx context.Context, p *identity.Principal, in *GetUnfilteredPartitionMetadataRequest) (*GetUnfilteredPartitionMetadataResponse, error) {
	if in.CatalogId == nil {
		return nil, errInvalid("CatalogId is required")
	}
	types, err := permissionTypes(in.SupportedPermissionTypes)
	if err != nil {
		return nil, err
	}
	t, keys, err := s.partitionTable(ctx, p, in.CatalogId, in.DatabaseName, in.TableName, "glue:GetPartition")
	if err != nil {
		return nil, err
	}
	a, err := s.access(ctx, p, t, types)
	if err != nil {
		return nil, err
	}
	rec, err := s.loadPartition(ctx, t, keys, in.PartitionValues)
	if err != nil {
		return nil, err
	}
	j, err := s.partitionJSON(t, rec, false)
	if err != nil {
		return nil, err
	}
	return &GetUnfilteredPartitionMetadataResponse{Partition: j, AuthorizedColumns: a.AuthorizedColumns,
		IsRegisteredWithLakeFormation: a.IsRegisteredWithLakeFormation}, nil
}

// GetUnfilteredPartitionsMetadata lists partitions selected by Expression and Segment with the
// caller's authorized columns (glue:GetPartitions; as GetUnfilteredTableMetadata).
func (s *Service) GetUnfilteredPartitionsMetadata(ctx context.Context, p *identity.Principal, in *GetUnfilteredPartitionsMetadataRequest) (*GetUnfilteredPartitionsMetadataResponse, error) {
	if in.CatalogId == nil {
		return nil, errInvalid("CatalogId is required")
	}
	types, err := permissionTypes(in.SupportedPermissionTypes)
	if err != nil {
		return nil, err
	}
	t, keys, err := s.partitionTable(ctx, p, in.CatalogId, in.DatabaseName, in.TableName, "glue:GetPartitions")
	if err != nil {
		return nil, err
	}
	a, err := s.access(ctx, p, t, types)
	if err != nil {
		return nil, err
	}
	out := &GetUnfilteredPartitionsMetadataResponse{UnfilteredPartitions: []UnfilteredPartition{}}
	out.NextToken, err = s.listPartitions(ctx, t, keys, in.Expression, in.Segment, in.NextToken, in.MaxResults, func(rec *partitionRecord) error {
		j, err := s.partitionJSON(t, rec, false)
		out.UnfilteredPartitions = append(out.UnfilteredPartitions, UnfilteredPartition{Partition: j,
			AuthorizedColumns: a.AuthorizedColumns, IsRegisteredWithLakeFormation: a.IsRegisteredWithLakeFormation})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
