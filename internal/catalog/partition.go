package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
)

// Wire shapes of the partition operations.

type CreatePartitionRequest struct {
	CatalogId      *string
	DatabaseName   *string
	TableName      *string
	PartitionInput json.RawMessage
}

type BatchCreatePartitionRequest struct {
	CatalogId          *string
	DatabaseName       *string
	TableName          *string
	PartitionInputList []json.RawMessage
}

type PartitionError struct {
	PartitionValues []string    `json:"PartitionValues"`
	ErrorDetail     ErrorDetail `json:"ErrorDetail"`
}

type BatchPartitionResponse struct {
	Errors []PartitionError `json:"Errors"`
}

type GetPartitionRequest struct {
	CatalogId       *string
	DatabaseName    *string
	TableName       *string
	PartitionValues []string
}

type GetPartitionResponse struct {
	Partition json.RawMessage `json:"Partition"`
}

// Segment selects one of TotalSegments disjoint slices of a table's partitions.
type Segment struct {
	SegmentNumber int32
	TotalSegments int32
}

type GetPartitionsRequest struct {
	CatalogId           *string
	DatabaseName        *string
	TableName           *string
	Expression          *string
	NextToken           *string
	Segment             *Segment
	MaxResults          *int32
	ExcludeColumnSchema *bool
	TransactionId       *string
	QueryAsOfTime       *awsproto.Timestamp
}

type GetPartitionsResponse struct {
	Partitions []json.RawMessage `json:"Partitions"`
	NextToken  *string           `json:"NextToken,omitempty"`
}

// PartitionValueList names one partition by its values.
type PartitionValueList struct {
	Values []string `json:"Values"`
}

type BatchGetPartitionRequest struct {
	CatalogId       *string
	DatabaseName    *string
	TableName       *string
	PartitionsToGet []PartitionValueList
}

type BatchGetPartitionResponse struct {
	Partitions      []json.RawMessage    `json:"Partitions"`
	UnprocessedKeys []PartitionValueList `json:"UnprocessedKeys"`
}

type UpdatePartitionRequest struct {
	CatalogId          *string
	DatabaseName       *string
	TableName          *string
	PartitionValueList []string
	PartitionInput     json.RawMessage
}

type DeletePartitionRequest struct {
	CatalogId       *string
	DatabaseName    *string
	TableName       *string
	PartitionValues []string
}

type BatchDeletePartitionRequest struct {
	CatalogId          *string
	DatabaseName       *string
	TableName          *string
	PartitionsToDelete []PartitionValueList
}

// partitionTable authorizes a partition operation: the IAM action on the table, DESCRIBE of
// the table, and for writes one of perms. It returns the table and its partition keys.
func (s *Service) partitionTable(ctx context.Context, p *identity.Principal, catalogID, dbIn, tableIn *string, action string, perms ...Permission) (*tableRecord, []column, error) {
	if err := s.checkCatalog(p, catalogID, action); err != nil {
		return nil, nil, err
	}
	db, table, err := tableNames(dbIn, tableIn, "TableName")
	if err != nil {
		return nil, nil, err
	}
	if err := s.iamAllow(ctx, p, action, s.tableARN(db, table)); err != nil {
		return nil, nil, err
	}
	t, err := s.visibleTable(ctx, p, db, table)
	if err != nil {
		return nil, nil, err
	}
	if len(perms) > 0 {
		if err := s.lfAllowAny(ctx, p, Target{Database: db, Table: table}, perms...); err != nil {
			return nil, nil, err
		}
	}
	v, err := t.view()
	if err != nil {
		return nil, nil, err
	}
	return t, v.PartitionKeys, nil
}

var (
	permsWrite  = []Permission{"ALTER", "INSERT"}
	permsDelete = []Permission{"ALTER", "DELETE"}
)

func checkValues(what string, values []string, keys []column) error {
	if len(keys) == 0 {
		return errInvalid("The table has no partition keys.")
	}
	if len(values) != len(keys) {
		return errInvalid("%s has %d values; the table has %d partition keys.", what, len(values), len(keys))
	}
	for i, v := range values {
		if err := checkText(fmt.Sprintf("%s[%d]", what, i), v, maxValueLen); err != nil {
			return err
		}
	}
	return nil
}

// partitionInput validates a PartitionInput against the table's keys.
func partitionInput(raw json.RawMessage, keys []column) ([]string, json.RawMessage, error) {
	m, err := object("PartitionInput", raw)
	if err != nil {
		return nil, nil, err
	}
	var v partitionView
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, nil, errInvalid("PartitionInput is malformed: %s", jsonProblem(err))
	}
	if err := checkValues("PartitionInput.Values", v.Values, keys); err != nil {
		return nil, nil, err
	}
	if err := checkSD("PartitionInput.StorageDescriptor", v.StorageDescriptor); err != nil {
		return nil, nil, err
	}
	if err := normalizeTimes(m, "LastAccessTime", "LastAnalyzedTime"); err != nil {
		return nil, nil, err
	}
	out, _ := json.Marshal(m)
	return v.Values, out, nil
}

func (s *Service) partitionJSON(t *tableRecord, rec *partitionRecord, excludeColumns bool) (json.RawMessage, error) {
	fields := map[string]any{
		"Values":       rec.Values,
		"DatabaseName": t.Database,
		"TableName":    t.Name,
		"CreationTime": ts(rec.CreationTime),
		"CatalogId":    string(s.account),
	}
	if excludeColumns {
		var m struct {
			SD map[string]json.RawMessage `json:"StorageDescriptor"`
		}
		if err := json.Unmarshal(rec.Input, &m); err != nil {
			return nil, err
		}
		if m.SD != nil {
			delete(m.SD, "Columns")
			fields["StorageDescriptor"] = m.SD
		}
	}
	return overlay(rec.Input, fields)
}

func decodePartition(val []byte) (*partitionRecord, error) {
	var r partitionRecord
	if err := json.Unmarshal(val, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func partitionErr(values []string, err error) (PartitionError, error) {
	e := awsproto.As(err)
	if e == nil {
		return PartitionError{}, err
	}
	if values == nil {
		values = []string{}
	}
	return PartitionError{PartitionValues: values, ErrorDetail: ErrorDetail{ErrorCode: e.Code, ErrorMessage: e.Message}}, nil
}

// CreatePartition adds a partition (glue:CreatePartition; ALTER or INSERT on the table).
func (s *Service) CreatePartition(ctx context.Context, p *identity.Principal, in *CreatePartitionRequest) (*Empty, error) {
	t, keys, err := s.partitionTable(ctx, p, in.CatalogId, in.DatabaseName, in.TableName, "glue:CreatePartition", permsWrite...)
	if err != nil {
		return nil, err
	}
	values, input, err := partitionInput(in.PartitionInput, keys)
	if err != nil {
		return nil, err
	}
	rec := partitionRecord{Values: values, Input: input, CreationTime: s.now().UTC()}
	val, _ := json.Marshal(rec)
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if err := tableStillThere(ctx, tx, t); err != nil {
			return err
		}
		_, err := tx.Create(ctx, nsPartition, partitionKey(t.Database, t.Name, values), val)
		return err
	})
	if errors.Is(err, store.ErrExists) {
		return nil, errExists("Partition already exists.")
	}
	if err != nil {
		return nil, storeErr(err)
	}
	return &Empty{}, nil
}

func tableStillThere(ctx context.Context, tx store.Tx, t *tableRecord) error {
	if _, err := tx.Get(ctx, nsTable, tableKey(t.Database, t.Name)); err != nil {
		if isNotFound(err) {
			return tableNotFound(t.Name)
		}
		return err
	}
	return nil
}

// BatchCreatePartition adds up to 100 partitions; invalid or existing ones are reported in
// Errors and the rest are created (glue:BatchCreatePartition; ALTER or INSERT).
func (s *Service) BatchCreatePartition(ctx context.Context, p *identity.Principal, in *BatchCreatePartitionRequest) (*BatchPartitionResponse, error) {
	t, keys, err := s.partitionTable(ctx, p, in.CatalogId, in.DatabaseName, in.TableName, "glue:BatchCreatePartition", permsWrite...)
	if err != nil {
		return nil, err
	}
	if len(in.PartitionInputList) == 0 || len(in.PartitionInputList) > maxBatchCreate {
		return nil, errInvalid("PartitionInputList must hold 1 to %d partitions", maxBatchCreate)
	}
	out := &BatchPartitionResponse{Errors: []PartitionError{}}
	type entry struct {
		values []string
		val    []byte
	}
	var entries []entry
	now := s.now().UTC()
	for _, raw := range in.PartitionInputList {
		values, input, err := partitionInput(raw, keys)
		if err != nil {
			var v partitionView
			json.Unmarshal(raw, &v)
			pe, err := partitionErr(v.Values, err)
			if err != nil {
				return nil, err
			}
			out.Errors = append(out.Errors, pe)
			continue
		}
		val, _ := json.Marshal(partitionRecord{Values: values, Input: input, CreationTime: now})
		entries = append(entries, entry{values, val})
	}
	var dup []PartitionError
	err = s.st.Update(ctx, func(tx store.Tx) error {
		dup = dup[:0]
		if err := tableStillThere(ctx, tx, t); err != nil {
			return err
		}
		for _, e := range entries {
			_, err := tx.Create(ctx, nsPartition, partitionKey(t.Database, t.Name, e.values), e.val)
			if errors.Is(err, store.ErrExists) {
				pe, _ := partitionErr(e.values, errExists("Partition already exists."))
				dup = append(dup, pe)
				continue
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	out.Errors = append(out.Errors, dup...)
	return out, nil
}

// GetPartition returns one partition (glue:GetPartition; DESCRIBE of the table).
func (s *Service) GetPartition(ctx context.Context, p *identity.Principal, in *GetPartitionRequest) (*GetPartitionResponse, error) {
	t, keys, err := s.partitionTable(ctx, p, in.CatalogId, in.DatabaseName, in.TableName, "glue:GetPartition")
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
	return &GetPartitionResponse{Partition: j}, nil
}

func (s *Service) loadPartition(ctx context.Context, t *tableRecord, keys []column, values []string) (*partitionRecord, error) {
	if err := checkValues("PartitionValues", values, keys); err != nil {
		return nil, err
	}
	r, err := s.st.Get(ctx, nsPartition, partitionKey(t.Database, t.Name, values))
	if isNotFound(err) {
		return nil, partitionNotFound()
	}
	if err != nil {
		return nil, err
	}
	return decodePartition(r.Value)
}

// segmentOf validates a Segment and returns a membership test for partition keys.
func segmentOf(seg *Segment) (func(key string) bool, error) {
	if seg == nil {
		return func(string) bool { return true }, nil
	}
	if seg.TotalSegments < 1 || seg.TotalSegments > maxTotalSegments {
		return nil, errInvalid("Segment.TotalSegments must be between 1 and %d", maxTotalSegments)
	}
	if seg.SegmentNumber < 0 || seg.SegmentNumber >= seg.TotalSegments {
		return nil, errInvalid("Segment.SegmentNumber must be between 0 and TotalSegments-1")
	}
	return func(key string) bool {
		h := fnv.New32a()
		h.Write([]byte(key))
		return int32(h.Sum32()%uint32(seg.TotalSegments)) == seg.SegmentNumber
	}, nil
}

// listPartitions pages through a table's partitions selected by expr and seg.
func (s *Service) listPartitions(ctx context.Context, t *tableRecord, keys []column, expr *string, seg *Segment, token *string, maxResults *int32, each func(*partitionRecord) error) (*string, error) {
	n, err := pageSize(maxResults, maxPagePartitions)
	if err != nil {
		return nil, err
	}
	prefix := tableKey(t.Database, t.Name) + "/"
	start, err := decodeToken(token, prefix)
	if err != nil {
		return nil, err
	}
	var pred *predicate
	if expr != nil {
		if pred, err = compileExpr(*expr, keys); err != nil {
			return nil, err
		}
	}
	inSeg, err := segmentOf(seg)
	if err != nil {
		return nil, err
	}
	next, err := scan(ctx, s.st, nsPartition, prefix, start, n, func(r store.Record) (bool, error) {
		if !inSeg(r.Key) {
			return false, nil
		}
		rec, err := decodePartition(r.Value)
		if err != nil {
			return false, err
		}
		if !pred.match(rec.Values) {
			return false, nil
		}
		return true, each(rec)
	})
	if err != nil || next == "" {
		return nil, err
	}
	return encodeToken(next), nil
}

// GetPartitions lists a table's partitions selected by Expression and Segment
// (glue:GetPartitions; DESCRIBE of the table), MaxResults 1..1000.
func (s *Service) GetPartitions(ctx context.Context, p *identity.Principal, in *GetPartitionsRequest) (*GetPartitionsResponse, error) {
	t, keys, err := s.partitionTable(ctx, p, in.CatalogId, in.DatabaseName, in.TableName, "glue:GetPartitions")
	if err != nil {
		return nil, err
	}
	exclude := in.ExcludeColumnSchema != nil && *in.ExcludeColumnSchema
	out := &GetPartitionsResponse{Partitions: []json.RawMessage{}}
	out.NextToken, err = s.listPartitions(ctx, t, keys, in.Expression, in.Segment, in.NextToken, in.MaxResults, func(rec *partitionRecord) error {
		j, err := s.partitionJSON(t, rec, exclude)
		out.Partitions = append(out.Partitions, j)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// BatchGetPartition returns the listed partitions that exist, up to 1000
// (glue:BatchGetPartition; DESCRIBE of the table). UnprocessedKeys is always empty.
func (s *Service) BatchGetPartition(ctx context.Context, p *identity.Principal, in *BatchGetPartitionRequest) (*BatchGetPartitionResponse, error) {
	t, keys, err := s.partitionTable(ctx, p, in.CatalogId, in.DatabaseName, in.TableName, "glue:BatchGetPartition")
	if err != nil {
		return nil, err
	}
	if len(in.PartitionsToGet) == 0 || len(in.PartitionsToGet) > maxBatchGet {
		return nil, errInvalid("PartitionsToGet must hold 1 to %d entries", maxBatchGet)
	}
	out := &BatchGetPartitionResponse{Partitions: []json.RawMessage{}, UnprocessedKeys: []PartitionValueList{}}
	for _, pv := range in.PartitionsToGet {
		rec, err := s.loadPartition(ctx, t, keys, pv.Values)
		if e := awsproto.As(err); e != nil {
			if e.Code == "EntityNotFoundException" {
				continue
			}
			return nil, err
		}
		if err != nil {
			return nil, err
		}
		j, err := s.partitionJSON(t, rec, false)
		if err != nil {
			return nil, err
		}
		out.Partitions = append(out.Partitions, j)
	}
	return out, nil
}

// UpdatePartition replaces a partition's definition, possibly changing its values
// (glue:UpdatePartition; ALTER or INSERT).
func (s *Service) UpdatePartition(ctx context.Context, p *identity.Principal, in *UpdatePartitionRequest) (*Empty, error) {
	t, keys, err := s.partitionTable(ctx, p, in.CatalogId, in.DatabaseName, in.TableName, "glue:UpdatePartition", permsWrite...)
	if err != nil {
		return nil, err
	}
	if err := checkValues("PartitionValueList", in.PartitionValueList, keys); err != nil {
		return nil, err
	}
	values, input, err := partitionInput(in.PartitionInput, keys)
	if err != nil {
		return nil, err
	}
	oldKey := partitionKey(t.Database, t.Name, in.PartitionValueList)
	newKey := partitionKey(t.Database, t.Name, values)
	err = s.st.Update(ctx, func(tx store.Tx) error {
		r, err := tx.Get(ctx, nsPartition, oldKey)
		if isNotFound(err) {
			return partitionNotFound()
		}
		if err != nil {
			return err
		}
		rec, err := decodePartition(r.Value)
		if err != nil {
			return err
		}
		rec.Values, rec.Input = values, input
		val, _ := json.Marshal(rec)
		if newKey == oldKey {
			_, err = tx.PutIfVersion(ctx, nsPartition, oldKey, val, r.Version)
			return err
		}
		if _, err := tx.Create(ctx, nsPartition, newKey, val); err != nil {
			if errors.Is(err, store.ErrExists) {
				return errExists("Partition already exists.")
			}
			return err
		}
		return tx.Delete(ctx, nsPartition, oldKey)
	})
	if err != nil {
		return nil, storeErr(err)
	}
	return &Empty{}, nil
}

// DeletePartition deletes one partition (glue:DeletePartition; ALTER or DELETE).
func (s *Service) DeletePartition(ctx context.Context, p *identity.Principal, in *DeletePartitionRequest) (*Empty, error) {
	t, keys, err := s.partitionTable(ctx, p, in.CatalogId, in.DatabaseName, in.TableName, "glue:DeletePartition", permsDelete...)
	if err != nil {
		return nil, err
	}
	if err := checkValues("PartitionValues", in.PartitionValues, keys); err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		err := tx.Delete(ctx, nsPartition, partitionKey(t.Database, t.Name, in.PartitionValues))
		if isNotFound(err) {
			return partitionNotFound()
		}
		return err
	})
	if err != nil {
		return nil, storeErr(err)
	}
	return &Empty{}, nil
}

// BatchDeletePartition deletes up to 25 partitions; missing or invalid ones are reported in
// Errors (glue:BatchDeletePartition; ALTER or DELETE).
func (s *Service) BatchDeletePartition(ctx context.Context, p *identity.Principal, in *BatchDeletePartitionRequest) (*BatchPartitionResponse, error) {
	t, keys, err := s.partitionTable(ctx, p, in.CatalogId, in.DatabaseName, in.TableName, "glue:BatchDeletePartition", permsDelete...)
	if err != nil {
		return nil, err
	}
	if len(in.PartitionsToDelete) == 0 || len(in.PartitionsToDelete) > maxBatchDelete {
		return nil, errInvalid("PartitionsToDelete must hold 1 to %d entries", maxBatchDelete)
	}
	var errs []PartitionError
	err = s.st.Update(ctx, func(tx store.Tx) error {
		errs = []PartitionError{}
		for _, pv := range in.PartitionsToDelete {
			var perr error
			if err := checkValues("Values", pv.Values, keys); err != nil {
				perr = err
			} else if err := tx.Delete(ctx, nsPartition, partitionKey(t.Database, t.Name, pv.Values)); isNotFound(err) {
				perr = partitionNotFound()
			} else if err != nil {
				return err
			}
			if perr != nil {
				pe, _ := partitionErr(pv.Values, perr)
				errs = append(errs, pe)
			}
		}
		return nil
	})
	if err != nil {
		return nil, storeErr(err)
	}
	return &BatchPartitionResponse{Errors: errs}, nil
}
