package lfquery

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/rowfilter"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/tables"
	"github.com/sluicehq/sluice/internal/uuid"
)

// Tables opens authorized, filtered reads (*tables.Service or *tables.Slot).
type Tables interface {
	Open(ctx context.Context, p *identity.Principal, database, table string, req tables.Request) (*tables.Read, error)
}

// Authorizer decides an IAM action (a denial is an *awsproto.Error).
type Authorizer func(ctx context.Context, p *identity.Principal, action, resource string) error

// Options tunes New; nil = defaults.
type Options struct {
	// TTL is how long a query and its work unit tokens live (default 1 h).
	TTL time.Duration
	// MaxQueries bounds the open queries planned by this replica (default 10,000); beyond it
	// StartQueryPlanning answers ThrottledException.
	MaxQueries int
	Now        func() time.Time // default time.Now
	Rand       io.Reader        // query ids; default crypto/rand
	Logger     *slog.Logger
	Region     string // the catalog's region, for the tables' ARNs in audit records (default us-east-1)
}

// Service is Lake Formation's query API over the filtered read path.
type Service struct {
	st     store.Store
	tables Tables
	ring   *keyring.Ring
	authz  Authorizer
	ttl    time.Duration
	max    int
	region string
	now    func() time.Time
	rand   io.Reader
	log    *slog.Logger

	mu        sync.Mutex
	planned   map[string]time.Time // the open queries this replica planned: expiry by id
	lastSweep time.Time
}

// New returns the query API over a table reader, keeping query state in st, with the key ring
// that seals work unit tokens and IAM's authorizer.
func New(st store.Store, tbl Tables, ring *keyring.Ring, authz Authorizer, opts *Options) *Service {
	s := &Service{st: st, tables: tbl, ring: ring, authz: authz, ttl: time.Hour, max: 10000, now: time.Now, rand: rand.Reader,
		log: slog.New(slog.DiscardHandler), planned: map[string]time.Time{}, region: "us-east-1"}
	if opts != nil {
		if opts.Region != "" {
			s.region = opts.Region
		}
		if opts.TTL > 0 {
			s.ttl = opts.TTL
		}
		if opts.MaxQueries > 0 {
			s.max = opts.MaxQueries
		}
		if opts.Now != nil {
			s.now = opts.Now
		}
		if opts.Rand != nil {
			s.rand = opts.Rand
		}
		if opts.Logger != nil {
			s.log = opts.Logger
		}
	}
	return s
}

// Operations are the REST-JSON operations of the query API, for Lake Formation's router.
func (s *Service) Operations() map[string]awsproto.JSONOp {
	return map[string]awsproto.JSONOp{
		"StartQueryPlanning": awsproto.JSONOpOf(s.StartQueryPlanning),
		"GetQueryState":      awsproto.JSONOpOf(s.GetQueryState),
		"GetQueryStatistics": awsproto.JSONOpOf(s.GetQueryStatistics),
		"GetWorkUnits":       awsproto.JSONOpOf(s.GetWorkUnits),
		"GetWorkUnitResults": awsproto.JSONOpOf(s.GetWorkUnitResults),
	}
}

// QueryPlanningContext is the model's shape of the same name.
type QueryPlanningContext struct {
	CatalogId       string              `json:",omitempty"`
	DatabaseName    string              `json:",omitempty"`
	QueryAsOfTime   *awsproto.Timestamp `json:",omitempty"`
	QueryParameters map[string]string   `json:",omitempty"`
	TransactionId   string              `json:",omitempty"`
}

// StartQueryPlanningInput is StartQueryPlanning's request.
type StartQueryPlanningInput struct {
	QueryPlanningContext *QueryPlanningContext
	QueryString          string
}

// StartQueryPlanningOutput is StartQueryPlanning's answer.
type StartQueryPlanningOutput struct {
	QueryId string
}

// StartQueryPlanning parses the statement, authorizes the read (IAM lakeformation:StartQueryPlanning,
// then everything tables.Service.Open checks: a table the caller may not describe answers
// EntityNotFoundException as a missing one does) and plans its work units.
func (s *Service) StartQueryPlanning(ctx context.Context, p *identity.Principal, in *StartQueryPlanningInput) (*StartQueryPlanningOutput, error) {
	start := s.now()
	if err := s.iam(ctx, p, "StartQueryPlanning"); err != nil {
		return nil, err
	}
	qc := in.QueryPlanningContext
	switch {
	case qc == nil || qc.DatabaseName == "":
		return nil, invalid("QueryPlanningContext.DatabaseName is required")
	case in.QueryString == "":
		return nil, invalid("QueryString is required")
	case qc.CatalogId != "" && p != nil && qc.CatalogId != string(p.Account):
		return nil, invalid("CatalogId %s is not this account's catalog", qc.CatalogId)
	case qc.QueryAsOfTime != nil:
		return nil, invalid("QueryAsOfTime is not supported: Sluice reads the table's current files")
	case qc.TransactionId != "":
		return nil, invalid("TransactionId is not supported: Sluice has no governed-table transactions")
	case len(qc.QueryParameters) > 0:
		return nil, invalid("QueryParameters are not supported: the statement has no parameter markers")
	}
	st, err := ParseStatement(in.QueryString, qc.DatabaseName)
	if err != nil {
		return nil, apiError(err)
	}
	rd, err := s.open(ctx, p, st)
	if err != nil {
		return nil, err
	}
	files, err := rd.Files(ctx)
	if err != nil {
		return nil, err
	}
	q := &queryRecord{Owner: principalARN(p), Statement: *st, Submitted: start, Expires: start.Add(s.ttl)}
	// One work unit per data file; a LIMIT is global, so a limited query (or an empty table) is
	// one unit over all files.
	var units [][]tables.File
	if st.Limit > 0 || len(files) <= 1 {
		units = [][]tables.File{files}
	} else {
		for _, f := range files {
			units = append(units, []tables.File{f})
		}
	}
	for _, f := range files {
		q.Estimated += f.Size
	}
	q.Units = len(units)
	q.Planning = s.now().Sub(start)
	id, err := s.add(ctx, q, units)
	if err != nil {
		return nil, apiError(err)
	}
	if c := awsproto.CallFrom(ctx); c != nil {
		c.Resources = append(c.Resources, tables.TableResource(s.region, c, st.Database, st.Table))
		c.Extra = rd.Applied()
		c.Extra["queryId"] = id
		c.Extra["workUnits"] = q.Units
	}
	return &StartQueryPlanningOutput{QueryId: id}, nil
}

// open opens the statement's read for p, placing where-clause errors in the statement.
func (s *Service) open(ctx context.Context, p *identity.Principal, st *Statement) (*tables.Read, error) {
	rd, err := s.tables.Open(ctx, p, st.Database, st.Table, tables.Request{Columns: st.Columns, Where: st.Where, Limit: st.Limit})
	if err != nil {
		var re *rowfilter.Error
		if st.WherePos > 0 && tables.KindOf(err) == tables.Invalid && errors.As(err, &re) {
			return nil, apiError(whereError(re, st.WherePos))
		}
		return nil, lfError(err)
	}
	return rd, nil
}

// QueryIDInput is the request of GetQueryState and GetQueryStatistics.
type QueryIDInput struct {
	QueryId string
}

// GetQueryStateOutput is GetQueryState's answer.
type GetQueryStateOutput struct {
	State string
	Error string `json:",omitempty"`
}

// Query states.
const (
	StatePending            = "PENDING"
	StateWorkUnitsAvailable = "WORKUNITS_AVAILABLE"
	StateError              = "ERROR"
	StateFinished           = "FINISHED"
	StateExpired            = "EXPIRED"
)

// GetQueryState reports WORKUNITS_AVAILABLE once planned (planning is synchronous), FINISHED
// once every work unit has been served (by any replica), and EXPIRED for a query past its
// lifetime or one not known for the caller (never issued, or another principal's). The model
// gives this operation no ExpiredException: the state says it.
func (s *Service) GetQueryState(ctx context.Context, p *identity.Principal, in *QueryIDInput) (*GetQueryStateOutput, error) {
	if err := s.iam(ctx, p, "GetQueryState"); err != nil {
		return nil, err
	}
	if err := checkQueryID(in.QueryId); err != nil {
		return nil, apiError(err)
	}
	q, err := s.lookup(ctx, s.st, p, in.QueryId)
	if err != nil {
		return nil, err
	}
	if q == nil {
		return &GetQueryStateOutput{State: StateExpired}, nil
	}
	ex, err := s.executions(ctx, in.QueryId)
	if err != nil {
		return nil, err
	}
	if len(ex) == q.Units {
		return &GetQueryStateOutput{State: StateFinished}, nil
	}
	return &GetQueryStateOutput{State: StateWorkUnitsAvailable}, nil
}

// GetWorkUnitsInput is GetWorkUnits' request.
type GetWorkUnitsInput struct {
	QueryId   string
	NextToken string `json:",omitempty"`
	PageSize  *int   `json:",omitempty"`
}

// WorkUnitRange is the model's shape: here every range holds one work unit.
type WorkUnitRange struct {
	WorkUnitIdMin int64
	WorkUnitIdMax int64
	WorkUnitToken string
}

// GetWorkUnitsOutput is GetWorkUnits' answer.
type GetWorkUnitsOutput struct {
	NextToken      *string `json:",omitempty"`
	QueryId        string
	WorkUnitRanges []WorkUnitRange
}

// DefaultPageSize is GetWorkUnits' page size when the request names none.
const DefaultPageSize = 100

// GetWorkUnits pages through the query's work units, each with a sealed WorkUnitToken.
func (s *Service) GetWorkUnits(ctx context.Context, p *identity.Principal, in *GetWorkUnitsInput) (*GetWorkUnitsOutput, error) {
	if err := s.iam(ctx, p, "GetWorkUnits"); err != nil {
		return nil, err
	}
	if err := checkQueryID(in.QueryId); err != nil {
		return nil, apiError(err)
	}
	size := DefaultPageSize
	if in.PageSize != nil {
		if *in.PageSize < 1 {
			return nil, invalid("PageSize must be at least 1")
		}
		size = min(*in.PageSize, 1000)
	}
	from := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(in.NextToken)
		if err != nil || n < 0 {
			return nil, invalid("NextToken is not valid")
		}
		from = n
	}
	q, err := s.lookup(ctx, s.st, p, in.QueryId)
	if err != nil {
		return nil, err
	}
	if q == nil {
		return nil, apiError(expired(in.QueryId))
	}
	if from > q.Units {
		return nil, invalid("NextToken is not valid")
	}
	out := &GetWorkUnitsOutput{QueryId: in.QueryId, WorkUnitRanges: []WorkUnitRange{}}
	to := min(from+size, q.Units)
	units, err := s.units(ctx, in.QueryId, from, to)
	if err != nil {
		return nil, err
	}
	st := &q.Statement
	for i := from; i < to; i++ {
		c := &unitClaims{Query: in.QueryId, Unit: int64(i), Owner: string(q.Owner), Database: st.Database, Table: st.Table,
			Columns: st.Columns, Where: st.Where, WherePos: st.WherePos, Limit: st.Limit, Expires: q.Expires.Unix()}
		files := units[i-from]
		c.Files = make([]string, len(files))
		for k, f := range files {
			c.Files[k] = f.Key
			c.Bytes += f.Size
		}
		tok, err := sealUnit(s.ring, c)
		if err != nil {
			return nil, err
		}
		out.WorkUnitRanges = append(out.WorkUnitRanges, WorkUnitRange{WorkUnitIdMin: int64(i), WorkUnitIdMax: int64(i), WorkUnitToken: tok})
	}
	if to < q.Units {
		next := strconv.Itoa(to)
		out.NextToken = &next
	}
	return out, nil
}

// GetWorkUnitResultsInput is GetWorkUnitResults' request.
type GetWorkUnitResultsInput struct {
	QueryId       string
	WorkUnitId    *int64
	WorkUnitToken string
}

// workUnitAudit is GetWorkUnitResults' request as the audit trail records it (no token).
type workUnitAudit struct {
	QueryId    string
	WorkUnitId int64
}

// GetWorkUnitResults streams the unit's visible rows as an Apache Arrow IPC stream. The token
// carries the unit; the read is authorized again for the caller (revoked grants apply at once)
// and only the principal that started the query may read it: a token presented by anyone else
// answers like a forged one.
func (s *Service) GetWorkUnitResults(ctx context.Context, p *identity.Principal, in *GetWorkUnitResultsInput) (*awsproto.Stream, error) {
	if err := s.iam(ctx, p, "GetWorkUnitResults"); err != nil {
		return nil, err
	}
	if err := checkQueryID(in.QueryId); err != nil {
		return nil, apiError(err)
	}
	if in.WorkUnitId == nil || *in.WorkUnitId < 0 {
		return nil, invalid("WorkUnitId is required and must not be negative")
	}
	c := openUnit(s.ring, in.WorkUnitToken)
	if c == nil || c.Query != in.QueryId || c.Unit != *in.WorkUnitId || c.Owner != string(principalARN(p)) {
		return nil, invalid("The work unit token is not valid.")
	}
	if !s.now().Before(time.Unix(c.Expires, 0)) {
		return nil, apiError(expired(in.QueryId))
	}
	st := &Statement{Database: c.Database, Table: c.Table, Columns: c.Columns, Where: c.Where, WherePos: c.WherePos, Limit: c.Limit}
	rd, err := s.open(ctx, p, st)
	if err != nil {
		return nil, err
	}
	if call := awsproto.CallFrom(ctx); call != nil {
		call.Resources = append(call.Resources, tables.TableResource(s.region, call, c.Database, c.Table))
		call.Input = &workUnitAudit{QueryId: in.QueryId, WorkUnitId: *in.WorkUnitId}
		call.Extra = rd.Applied()
		call.Extra["queryId"] = in.QueryId
		call.Extra["workUnitId"] = *in.WorkUnitId
	}
	files := c.Files
	if files == nil {
		files = []string{}
	}
	return &awsproto.Stream{ContentType: tables.ContentType("arrow"), Write: func(w io.Writer) error {
		start := s.now()
		sink, err := tables.NewSink(w, "arrow", rd.Schema())
		if err == nil {
			_, err = rd.Scan(ctx, sink, files)
			if cerr := sink.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			s.log.Error("lfquery: work unit results", "query", c.Query, "unit", c.Unit, "database", c.Database, "table", c.Table, "err", err)
			return err
		}
		if err := s.executed(ctx, p, c, s.now().Sub(start)); err != nil {
			// The rows went out; only the statistics miss this execution.
			s.log.Error("lfquery: recording a work unit's execution", "query", c.Query, "unit", c.Unit, "err", err)
		}
		return nil
	}}, nil
}

// ExecutionStatistics is the model's shape (the executions of every replica).
type ExecutionStatistics struct {
	AverageExecutionTimeMillis int64
	DataScannedBytes           int64
	WorkUnitsExecutedCount     int64
}

// PlanningStatistics is the model's shape.
type PlanningStatistics struct {
	EstimatedDataToScanBytes int64
	PlanningTimeMillis       int64
	QueueTimeMillis          int64
	WorkUnitsGeneratedCount  int64
}

// ISO8601 is a time the model marks timestampFormat iso8601 (QuerySubmissionTime): a JSON string,
// not the epoch number of other REST-JSON timestamps.
type ISO8601 time.Time

// MarshalJSON writes the time as an RFC 3339 string in UTC with milliseconds.
func (t ISO8601) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z") + `"`), nil
}

// GetQueryStatisticsOutput is GetQueryStatistics' answer.
type GetQueryStatisticsOutput struct {
	ExecutionStatistics *ExecutionStatistics
	PlanningStatistics  *PlanningStatistics
	QuerySubmissionTime *ISO8601
}

// GetQueryStatistics reports the planning and the executions of a query.
func (s *Service) GetQueryStatistics(ctx context.Context, p *identity.Principal, in *QueryIDInput) (*GetQueryStatisticsOutput, error) {
	if err := s.iam(ctx, p, "GetQueryStatistics"); err != nil {
		return nil, err
	}
	if err := checkQueryID(in.QueryId); err != nil {
		return nil, apiError(err)
	}
	q, err := s.lookup(ctx, s.st, p, in.QueryId)
	if err != nil {
		return nil, err
	}
	if q == nil {
		return nil, apiError(expired(in.QueryId))
	}
	execs, err := s.executions(ctx, in.QueryId)
	if err != nil {
		return nil, err
	}
	ex := &ExecutionStatistics{}
	var total time.Duration
	for _, e := range execs {
		ex.DataScannedBytes += e.Bytes
		ex.WorkUnitsExecutedCount += e.Runs
		total += e.Time
	}
	if ex.WorkUnitsExecutedCount > 0 {
		ex.AverageExecutionTimeMillis = total.Milliseconds() / ex.WorkUnitsExecutedCount
	}
	sub := ISO8601(q.Submitted)
	return &GetQueryStatisticsOutput{
		ExecutionStatistics: ex,
		PlanningStatistics: &PlanningStatistics{EstimatedDataToScanBytes: q.Estimated, PlanningTimeMillis: q.Planning.Milliseconds(),
			WorkUnitsGeneratedCount: int64(q.Units)},
		QuerySubmissionTime: &sub,
	}, nil
}

// add stores q and its units under a fresh id. It refuses a query beyond MaxQueries open ones
// planned here, and sweeps expired queries when a sweep is due.
func (s *Service) add(ctx context.Context, q *queryRecord, units [][]tables.File) (string, error) {
	now := s.now()
	s.mu.Lock()
	if len(s.planned) >= s.max {
		for id, exp := range s.planned {
			if !now.Before(exp) {
				delete(s.planned, id)
			}
		}
	}
	full := len(s.planned) >= s.max
	sweep := now.Sub(s.lastSweep) >= sweepEvery
	if sweep {
		s.lastSweep = now
	}
	s.mu.Unlock()
	if sweep {
		if err := s.sweep(ctx, 5); err != nil {
			s.log.Error("lfquery: deleting expired queries", "err", err)
		}
	}
	if full {
		return "", errorf(Throttled, "Too many open queries; try again later.")
	}
	for {
		id := uuid.New(s.rand)
		err := s.st.Update(ctx, func(tx store.Tx) error { return create(ctx, tx, id, q, units) })
		if errors.Is(err, store.ErrExists) {
			continue
		}
		if err != nil {
			return "", err
		}
		s.mu.Lock()
		s.planned[id] = q.Expires
		s.mu.Unlock()
		return id, nil
	}
}

func (s *Service) iam(ctx context.Context, p *identity.Principal, op string) error {
	if err := s.authz(ctx, p, "lakeformation:"+op, "*"); err != nil {
		return lfError(err)
	}
	return nil
}

// lfError gives IAM's AccessDenied the code Lake Formation's model uses.
func lfError(err error) error {
	if e := awsproto.As(err); e != nil && e.Code == "AccessDenied" {
		c := *e
		c.Code = "AccessDeniedException"
		return &c
	}
	return err
}

func principalARN(p *identity.Principal) identity.ARN {
	if p == nil {
		return ""
	}
	return p.ARN
}

func checkQueryID(id string) error {
	if len(id) != 36 {
		return errorf(Invalid, "QueryId must be 36 characters long")
	}
	return nil
}

func expired(id string) error {
	return errorf(Expired, "Query %s has expired or is not known.", id)
}

func invalid(format string, args ...any) error {
	return awsproto.Errorf(http.StatusBadRequest, "InvalidInputException", format, args...)
}
