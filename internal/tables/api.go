package tables

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/identity"
)

// Catalog is what the read API needs from the Glue catalog (*catalog.Service): the
// authorizing Glue reads (IAM glue:* and Lake Formation DESCRIBE, hiding what the caller may
// not describe) and the unauthorized lookup of a table's columns.
type Catalog interface {
	GetTable(ctx context.Context, p *identity.Principal, in *catalog.GetTableRequest) (*catalog.GetTableResponse, error)
	GetDatabases(ctx context.Context, p *identity.Principal, in *catalog.GetDatabasesRequest) (*catalog.GetDatabasesResponse, error)
	GetTables(ctx context.Context, p *identity.Principal, in *catalog.GetTablesRequest) (*catalog.GetTablesResponse, error)
	LookupTable(ctx context.Context, db, name string) (*catalog.TableInfo, error)
}

// Authorizer decides an IAM action (a denial is an *awsproto.Error).
type Authorizer func(ctx context.Context, p *identity.Principal, action, resource string) error

// Service is the native read API.
type Service struct {
	cat    Catalog
	gov    catalog.Governance
	objs   Objects
	authz  Authorizer
	logger *slog.Logger
	batch  int
	region string
}

// ServiceOptions tunes NewService; nil = defaults.
type ServiceOptions struct {
	Logger    *slog.Logger
	BatchSize int
	Region    string // the catalog's region, for the tables' ARNs (default us-east-1)
}

// NewService returns the read API over a catalog, its governance (Lake Formation), the blob
// storage holding the tables' files and the IAM authorizer.
func NewService(cat Catalog, gov catalog.Governance, objs Objects, authz Authorizer, opts *ServiceOptions) *Service {
	s := &Service{cat: cat, gov: gov, objs: objs, authz: authz, logger: slog.New(slog.DiscardHandler), batch: 8192, region: "us-east-1"}
	if opts != nil {
		if opts.Region != "" {
			s.region = opts.Region
		}
		if opts.Logger != nil {
			s.logger = opts.Logger
		}
		if opts.BatchSize > 0 {
			s.batch = opts.BatchSize
		}
	}
	return s
}

// Slot holds the Service once the daemon's store and blob storage are open.
type Slot struct{ p atomic.Pointer[Service] }

// Set installs s.
func (sl *Slot) Set(s *Service) { sl.p.Store(s) }

// Register adds the read API to n:
//
//	GET /_sluice/v1/databases                               ListDatabases → {"Databases":[{"Name"}]}
//	GET /_sluice/v1/databases/{database}/tables             ListTables    → {"Tables":[{"Name","Columns"}]}
//	GET /_sluice/v1/tables/{database}/{table}/rows          ReadRows      ?columns=a,b&where=…&limit=n&format=csv|jsonl|arrow|parquet
func (sl *Slot) Register(n *awsproto.NativeRouter) {
	n.Handle("GET /_sluice/v1/databases", "ListDatabases", func(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
		if s := sl.service(w, r, c); s != nil {
			s.listDatabases(w, r, c)
		}
	})
	n.Handle("GET /_sluice/v1/databases/{database}/tables", "ListTables", func(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
		if s := sl.service(w, r, c); s != nil {
			s.listTables(w, r, c)
		}
	})
	n.Handle("GET /_sluice/v1/tables/{database}/{table}/rows", "ReadRows", func(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
		if s := sl.service(w, r, c); s != nil {
			s.readRows(w, r, c)
		}
	})
}

func (sl *Slot) service(w http.ResponseWriter, r *http.Request, c *awsproto.Call) *Service {
	s := sl.p.Load()
	if s == nil {
		c.Fail(w, r, awsproto.Errorf(http.StatusServiceUnavailable, "ServiceUnavailable", "Sluice is starting; try again."))
	}
	return s
}

// TableResource names the table a filtered read reads, for the audit record of the call c (its
// resources, so that LookupEvents by ResourceName finds every read of a table, allowed or not).
// region is the catalog's (Sluice's), not the client's signing region.
func TableResource(region string, c *awsproto.Call, database, table string) awsproto.Resource {
	var account identity.AccountID
	if c.Principal != nil {
		account = c.Principal.Account
	}
	return awsproto.Resource{ARN: catalog.TableARN(region, account, database, table), Type: "AWS::Glue::Table"}
}

// DatabaseSummary is one entry of ListDatabases.
type DatabaseSummary struct {
	Name        string
	Description string `json:",omitempty"`
}

// TableSummary is one entry of ListTables.
type TableSummary struct {
	Name          string
	Columns       []catalog.ColumnInfo
	PartitionKeys []catalog.ColumnInfo `json:",omitempty"`
}

func (s *Service) listDatabases(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
	out := struct{ Databases []DatabaseSummary }{Databases: []DatabaseSummary{}}
	req := &catalog.GetDatabasesRequest{}
	for {
		resp, err := s.cat.GetDatabases(r.Context(), c.Principal, req)
		if err != nil {
			c.Fail(w, r, err)
			return
		}
		for _, raw := range resp.DatabaseList {
			var d DatabaseSummary
			if json.Unmarshal(raw, &d) == nil {
				out.Databases = append(out.Databases, d)
			}
		}
		if resp.NextToken == nil || *resp.NextToken == "" {
			break
		}
		req.NextToken = resp.NextToken
	}
	c.Output = out
	awsproto.Sluice.WriteJSON(w, r, c.RequestID, out)
}

type glueTable struct {
	Name              string
	PartitionKeys     []catalog.ColumnInfo
	StorageDescriptor struct {
		Columns     []catalog.ColumnInfo
		InputFormat string
		SerdeInfo   struct {
			SerializationLibrary string
			Parameters           map[string]string
		}
	}
}

func (s *Service) listTables(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
	db := r.PathValue("database")
	c.Input = map[string]string{"databaseName": db}
	out := struct{ Tables []TableSummary }{Tables: []TableSummary{}}
	req := &catalog.GetTablesRequest{DatabaseName: &db}
	for {
		resp, err := s.cat.GetTables(r.Context(), c.Principal, req)
		if err != nil {
			c.Fail(w, r, err)
			return
		}
		for _, raw := range resp.TableList {
			var t glueTable
			if json.Unmarshal(raw, &t) == nil {
				out.Tables = append(out.Tables, TableSummary{Name: t.Name, Columns: t.StorageDescriptor.Columns, PartitionKeys: t.PartitionKeys})
			}
		}
		if resp.NextToken == nil || *resp.NextToken == "" {
			break
		}
		req.NextToken = resp.NextToken
	}
	c.Output = out
	awsproto.Sluice.WriteJSON(w, r, c.RequestID, out)
}

// ReadInput is the decoded query of ReadRows (requestParameters in the audit trail).
type ReadInput struct {
	DatabaseName string   `json:"databaseName"`
	TableName    string   `json:"tableName"`
	Columns      []string `json:"columns,omitempty"`
	Where        string   `json:"where,omitempty"`
	Limit        int64    `json:"limit,omitempty"`
	Format       string   `json:"format"`
}

func (s *Service) readRows(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
	ctx := r.Context()
	q := r.URL.Query()
	in := &ReadInput{DatabaseName: r.PathValue("database"), TableName: r.PathValue("table"), Where: q.Get("where"), Format: q.Get("format")}
	if in.Format == "" {
		in.Format = "csv"
	}
	if v := q.Get("columns"); v != "" {
		for _, col := range strings.Split(v, ",") {
			if col = strings.TrimSpace(col); col != "" {
				in.Columns = append(in.Columns, col)
			}
		}
	}
	c.Input = in
	c.Resources = append(c.Resources, TableResource(s.region, c, in.DatabaseName, in.TableName))
	if v := q.Get("limit"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			c.Fail(w, r, awsproto.Errorf(http.StatusBadRequest, "InvalidInputException", "limit must be a non-negative integer"))
			return
		}
		in.Limit = n
	}
	if ContentType(in.Format) == "application/octet-stream" {
		c.Fail(w, r, awsproto.Errorf(http.StatusBadRequest, "InvalidInputException", "format must be one of csv, jsonl, arrow, parquet"))
		return
	}
	rd, err := s.Open(ctx, c.Principal, in.DatabaseName, in.TableName, Request{Columns: in.Columns, Where: in.Where, Limit: in.Limit})
	if err != nil {
		c.Fail(w, r, err)
		return
	}
	c.Extra = rd.Applied()
	w.Header().Set("Content-Type", ContentType(in.Format))
	w.Header().Set("X-Amzn-RequestId", c.RequestID)
	sink, err := NewSink(w, in.Format, rd.Schema())
	if err != nil {
		c.Fail(w, r, apiError(err))
		return
	}
	st, err := rd.Scan(ctx, sink, nil)
	if err == nil {
		err = sink.Close()
	}
	// The audit record was written with the status line, before the rows; the counts go to the log.
	s.logger.Debug("read rows", "request_id", c.RequestID, "rows_read", st.RowsRead, "rows_returned", st.RowsReturned,
		"row_groups", st.RowGroups, "row_groups_skipped", st.RowGroupsSkipped)
	if err != nil {
		// The status line is gone; cut the response so the client sees a broken body.
		s.logger.Error("read rows", "database", in.DatabaseName, "table", in.TableName, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// apiError maps a tables error to the JSON error shape, revealing nothing beyond its message. The
// tables error stays the cause (for logs, and for callers that re-position a where clause's
// *rowfilter.Error inside a larger statement).
func apiError(err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	var out *awsproto.Error
	switch e.Kind {
	case Denied:
		out = awsproto.Errorf(http.StatusForbidden, "AccessDeniedException", "%s", e.Msg)
	case Invalid:
		msg := e.Msg
		if e.Err != nil {
			msg += ": " + e.Err.Error()
		}
		out = awsproto.Errorf(http.StatusBadRequest, "InvalidInputException", "%s", msg)
	default:
		out = awsproto.Errorf(http.StatusBadRequest, "InvalidInputException", "%s", e.Error())
	}
	out.Err = err
	return out
}
