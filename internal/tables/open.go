package tables

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/blob"
	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/identity"
)

// Read is one table read authorized and compiled for a principal, as Service.Open returns it.
// Every way into the filtered read path (the native ReadRows route, Lake Formation's query API)
// goes through Open, so they authorize and filter alike.
type Read struct {
	s    *Service
	tbl  *Table
	plan *Plan
}

// File is one data file of a table, as Read.Files lists it.
type File struct {
	Key  string
	Size int64
}

// Open authorizes and compiles a read of database.table by p:
//
//   - glue:GetTable (IAM) and DESCRIBE (Lake Formation): a table the caller may not describe
//     answers EntityNotFoundException, exactly as a missing one does;
//   - lakeformation:GetDataAccess (IAM), which every reader of governed data needs;
//   - the principal's Lake Formation access (authorized columns, row and cell filters), against
//     which req's columns and where clause are checked (AccessDeniedException,
//     InvalidInputException).
//
// Errors are *awsproto.Error ready for the client (or internal errors).
func (s *Service) Open(ctx context.Context, p *identity.Principal, database, table string, req Request) (*Read, error) {
	resp, err := s.cat.GetTable(ctx, p, &catalog.GetTableRequest{DatabaseName: &database, Name: &table})
	if err != nil {
		return nil, err
	}
	var gt glueTable
	if err := json.Unmarshal(resp.Table, &gt); err != nil {
		return nil, awsproto.Errorf(http.StatusInternalServerError, "InternalServiceException", "the table cannot be read")
	}
	info, err := s.cat.LookupTable(ctx, database, table)
	if err != nil {
		return nil, awsproto.Errorf(http.StatusNotFound, "EntityNotFoundException", "Table %s not found.", table)
	}
	// A query engine needs lakeformation:GetDataAccess to read governed data.
	if err := s.authz(ctx, p, "lakeformation:GetDataAccess", "*"); err != nil {
		return nil, err
	}
	var acc *catalog.TableAccess
	if s.gov == nil {
		acc = &catalog.TableAccess{Full: true}
	} else if acc, err = s.gov.TableAccess(ctx, p, info.Database, info.Name); err != nil {
		return nil, err
	}
	tbl, err := NewTable(info, &Serde{SerializationLibrary: gt.StorageDescriptor.SerdeInfo.SerializationLibrary,
		InputFormat: gt.StorageDescriptor.InputFormat, Parameters: gt.StorageDescriptor.SerdeInfo.Parameters})
	if err != nil {
		return nil, apiError(err)
	}
	plan, err := Compile(tbl, acc, req)
	if err != nil {
		return nil, apiError(err)
	}
	return &Read{s: s, tbl: tbl, plan: plan}, nil
}

// Schema is the schema of the rows the read produces.
func (r *Read) Schema() *arrow.Schema { return r.plan.Schema() }

// Applied describes the columns and filters that apply, for the audit record.
func (r *Read) Applied() map[string]any { return r.plan.Applied() }

// Files lists the table's data files in key order (hidden files and folder markers excluded).
func (r *Read) Files(ctx context.Context) ([]File, error) {
	fs, err := listFiles(ctx, r.s.objs, r.tbl)
	if err != nil {
		return nil, err
	}
	out := make([]File, len(fs))
	for i, f := range fs {
		out[i] = File{Key: f.key, Size: f.size}
	}
	return out, nil
}

// Scan writes the visible rows to sink. keys, when not nil, restricts the scan to those data
// files of the table (a work unit); a key that no longer exists is skipped.
func (r *Read) Scan(ctx context.Context, sink Sink, keys []string) (Stats, error) {
	objs := r.s.objs
	if keys != nil {
		sorted := append([]string(nil), keys...)
		sort.Strings(sorted)
		objs = onlyKeys{Objects: objs, keys: sorted}
	}
	return r.plan.Scan(ctx, objs, sink, &Options{BatchSize: r.s.batch})
}

// onlyKeys lists only the given keys (each still checked against the storage).
type onlyKeys struct {
	Objects
	keys []string // sorted
}

func (o onlyKeys) List(ctx context.Context, bucket string, opts blob.ListOptions) ([]blob.Entry, error) {
	var out []blob.Entry
	for _, k := range o.keys {
		if k <= opts.StartAfter || len(k) < len(opts.Prefix) || k[:len(opts.Prefix)] != opts.Prefix {
			continue
		}
		if opts.Limit > 0 && len(out) >= opts.Limit {
			break
		}
		ents, err := o.Objects.List(ctx, bucket, blob.ListOptions{Prefix: k, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(ents) == 1 && ents[0].Key == k {
			out = append(out, ents[0])
		}
	}
	return out, nil
}

// Open is Service.Open on the installed service (ServiceUnavailable while Sluice starts).
func (sl *Slot) Open(ctx context.Context, p *identity.Principal, database, table string, req Request) (*Read, error) {
	s := sl.p.Load()
	if s == nil {
		return nil, awsproto.Errorf(http.StatusServiceUnavailable, "ServiceUnavailable", "Sluice is starting; try again.")
	}
	return s.Open(ctx, p, database, table, req)
}
