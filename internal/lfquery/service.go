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
	// MaxQueries bounds the open queries of this replica (default 10,000); beyond it
	// StartQueryPlanning answers ThrottledException.
	MaxQueries int
	Now        func() time.Time // default time.Now
	Rand       io.Reader        // query ids; default crypto/rand
	Logger     *slog.Logger
}

// Service is Lake Formation's query API over the filtered read path.
type Service struct {
	tables Tables
	ring   *keyring.Ring
	authz  Authorizer
	ttl    time.Duration
	max    int
	now    func() time.Time
	rand   io.Reader
	log    *slog.Logger

	mu      sync.Mutex
	queries map[string]*query
}

// query is what this replica remembers of a query it planned.
type query struct {
	id        string
	owner     identity.ARN
	stmt      *Statement
	submitted time.Time
	expires   time.Time
	planning  time.Duration
	units     [][]tables.File
	estimated int64
	// Execution on this replica.
	executed map[int64]bool
	execTime time.Duration
	execRuns int64
	scanned  int64
}

// New returns the query API over a table reader, the key ring that seals work unit tokens and
// IAM's authorizer.
func New(tbl Tables, ring *keyring.Ring, authz Authorizer, opts *Options) *Service {
	s := &Service{tables: tbl, ring: ring, authz: authz, ttl: time.Hour, max: 10000, now: time.Now, rand: rand.Reader,
		log: slog.New(slog.DiscardHandler), queries: map[string]*query{}}
	if opts != nil {
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
	q := &query{owner: principalARN(p), stmt: st, submitted: start, expires: start.Add(s.ttl), executed: map[int64]bool{}}
	// One work unit per data file; a LIMIT is global, so a limited query (or an empty table) is
	// one unit over all files.
	if st.Limit > 0 || len(files) <= 1 {
		q.units = [][]tables.File{files}
	} else {
		for _, f := range files {
			q.units = append(q.units, []tables.File{f})
		}
	}
	for _, f := range files {
		q.estimated += f.Size
	}
	q.planning = s.now().Sub(start)
	if err := s.add(q); err != nil {
		return nil, apiError(err)
	}
	if c := awsproto.CallFrom(ctx); c != nil {
		c.Extra = rd.Applied()
		c.Extra["queryId"] = q.id
		c.Extra["workUnits"] = len(q.units)
	}
	return &StartQueryPlanningOutput{QueryId: q.id}, nil
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
// once this replica served every work unit, and EXPIRED for a query past its lifetime or one
// this replica does not know for the caller (another replica's, another principal's, or from
// before a restart). The model gives this operation no ExpiredException: the state says it.
func (s *Service) GetQueryState(ctx context.Context, p *identity.Principal, in *QueryIDInput) (*GetQueryStateOutput, error) {
	if err := s.iam(ctx, p, "GetQueryState"); err != nil {
		return nil, err
	}
	if err := checkQueryID(in.QueryId); err != nil {
		return nil, apiError(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.lookupLocked(p, in.QueryId)
	switch {
	case q == nil:
		return &GetQueryStateOutput{State: StateExpired}, nil
	case len(q.executed) == len(q.units):
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
	s.mu.Lock()
	q := s.lookupLocked(p, in.QueryId)
	s.mu.Unlock()
	if q == nil {
		return nil, apiError(expired(in.QueryId))
	}
	if from > len(q.units) {
		return nil, invalid("NextToken is not valid")
	}
	out := &GetWorkUnitsOutput{QueryId: q.id, WorkUnitRanges: []WorkUnitRange{}}
	to := min(from+size, len(q.units))
	for i := from; i < to; i++ {
		c := &unitClaims{Query: q.id, Unit: int64(i), Owner: string(q.owner), Database: q.stmt.Database, Table: q.stmt.Table,
			Columns: q.stmt.Columns, Where: q.stmt.Where, WherePos: q.stmt.WherePos, Limit: q.stmt.Limit, Expires: q.expires.Unix()}
		c.Files = make([]string, len(q.units[i]))
		for k, f := range q.units[i] {
			c.Files[k] = f.Key
			c.Bytes += f.Size
		}
		tok, err := sealUnit(s.ring, c)
		if err != nil {
			return nil, err
		}
		out.WorkUnitRanges = append(out.WorkUnitRanges, WorkUnitRange{WorkUnitIdMin: int64(i), WorkUnitIdMax: int64(i), WorkUnitToken: tok})
	}
	if to < len(q.units) {
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
		s.executed(p, c, s.now().Sub(start))
		return nil
	}}, nil
}

// ExecutionStatistics is the model's shape (this replica's executions).
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

// GetQueryStatistics reports the planning and this replica's execution of a query.
func (s *Service) GetQueryStatistics(ctx context.Context, p *identity.Principal, in *QueryIDInput) (*GetQueryStatisticsOutput, error) {
	if err := s.iam(ctx, p, "GetQueryStatistics"); err != nil {
		return nil, err
	}
	if err := checkQueryID(in.QueryId); err != nil {
		return nil, apiError(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.lookupLocked(p, in.QueryId)
	if q == nil {
		return nil, apiError(expired(in.QueryId))
	}
	ex := &ExecutionStatistics{DataScannedBytes: q.scanned, WorkUnitsExecutedCount: q.execRuns}
	if q.execRuns > 0 {
		ex.AverageExecutionTimeMillis = q.execTime.Milliseconds() / q.execRuns
	}
	sub := ISO8601(q.submitted)
	return &GetQueryStatisticsOutput{
		ExecutionStatistics: ex,
		PlanningStatistics: &PlanningStatistics{EstimatedDataToScanBytes: q.estimated, PlanningTimeMillis: q.planning.Milliseconds(),
			WorkUnitsGeneratedCount: int64(len(q.units))},
		QuerySubmissionTime: &sub,
	}, nil
}

// add registers q under a fresh id, dropping expired queries first.
func (s *Service) add(q *query) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queries) >= s.max {
		now := s.now()
		for id, old := range s.queries {
			if !now.Before(old.expires) {
				delete(s.queries, id)
			}
		}
		if len(s.queries) >= s.max {
			return errorf(Throttled, "Too many open queries; try again later.")
		}
	}
	for {
		q.id = uuid.New(s.rand)
		if s.queries[q.id] == nil {
			break
		}
	}
	s.queries[q.id] = q
	return nil
}

// lookupLocked returns the caller's live query id, or nil.
func (s *Service) lookupLocked(p *identity.Principal, id string) *query {
	q := s.queries[id]
	if q == nil || q.owner != principalARN(p) {
		return nil
	}
	if !s.now().Before(q.expires) {
		delete(s.queries, id)
		return nil
	}
	return q
}

// executed records a served work unit, when this replica planned its query.
func (s *Service) executed(p *identity.Principal, c *unitClaims, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.lookupLocked(p, c.Query)
	if q == nil {
		return
	}
	q.executed[c.Unit] = true
	q.execRuns++
	q.execTime += d
	q.scanned += c.Bytes
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
