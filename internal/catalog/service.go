package catalog

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/store"
)

// Authorizer decides an IAM action on a resource ARN for a principal: nil to allow, an error
// (an *awsproto.Error for a denial) otherwise. The daemon adapts (*iam.Service).Authorize to
// it; a nil Authorizer allows everything.
type Authorizer func(ctx context.Context, p *identity.Principal, action, resource string) error

// Options are the optional dependencies of New. A nil *Options means defaults.
type Options struct {
	Now    func() time.Time // default time.Now
	Rand   io.Reader        // QueryAuthorizationId material; default crypto/rand
	Logger *slog.Logger     // default: discard
}

// Service is the Glue Data Catalog of one account.
type Service struct {
	st      store.Store
	authz   Authorizer
	account identity.AccountID
	region  string
	now     func() time.Time
	rand    io.Reader
	log     *slog.Logger

	mu  sync.RWMutex
	gov Governance
}

// New returns the catalog of account in region, kept in st and authorized by authz.
func New(st store.Store, authz Authorizer, account identity.AccountID, region string, opts *Options) *Service {
	s := &Service{st: st, authz: authz, account: account, region: region,
		now: time.Now, rand: rand.Reader, log: slog.New(slog.DiscardHandler)}
	if opts != nil {
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

// SetGovernance wires Lake Formation in (after construction, since Lake Formation reads the
// catalog too). nil returns the decision to IAM alone.
func (s *Service) SetGovernance(g Governance) {
	s.mu.Lock()
	s.gov = g
	s.mu.Unlock()
}

func (s *Service) governance() Governance {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.gov
}

// Store namespaces.
const (
	nsDatabase     = "glue/database"
	nsTable        = "glue/table"
	nsTableVersion = "glue/tableversion"
	nsPartition    = "glue/partition"
)

// Errors, with Glue's codes. Glue models no HTTP status for its exceptions: they are 400.

func errNotFound(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "EntityNotFoundException", format, args...)
}

func errExists(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "AlreadyExistsException", format, args...)
}

func errInvalid(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "InvalidInputException", format, args...)
}

func errDenied(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "AccessDeniedException", format, args...)
}

func errPermissionType(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "PermissionTypeMismatchException", format, args...)
}

func errConcurrent(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "ConcurrentModificationException", format, args...)
}

func errLimit(format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(http.StatusBadRequest, "ResourceNumberLimitExceededException", format, args...)
}

func dbNotFound(db string) *awsproto.Error { return errNotFound("Database %s not found.", db) }

func tableNotFound(table string) *awsproto.Error { return errNotFound("Table %s not found.", table) }

func partitionNotFound() *awsproto.Error { return errNotFound("Cannot find partition.") }

// ARNs.

func (s *Service) catalogARN() string {
	return "arn:aws:glue:" + s.region + ":" + string(s.account) + ":catalog"
}

func (s *Service) databaseARN(db string) string {
	return "arn:aws:glue:" + s.region + ":" + string(s.account) + ":database/" + db
}

func (s *Service) tableARN(db, table string) string { return TableARN(s.region, s.account, db, table) }

// TableARN is a Glue table's ARN: arn:aws:glue:<region>:<account>:table/<database>/<table>.
func TableARN(region string, account identity.AccountID, db, table string) string {
	return "arn:aws:glue:" + region + ":" + string(account) + ":table/" + db + "/" + table
}

// checkCatalog refuses any catalog but the account's own.
func (s *Service) checkCatalog(p *identity.Principal, catalogID *string, action string) error {
	if catalogID == nil || *catalogID == string(s.account) {
		return nil
	}
	caller := "anonymous"
	if p != nil && p.ARN != "" {
		caller = string(p.ARN)
	}
	return errDenied("User: %s is not authorized to perform: %s on resource: arn:aws:glue:%s:%s:catalog",
		caller, action, s.region, *catalogID)
}

// iamAllow asks the IAM authorizer, turning its denial into Glue's AccessDeniedException.
func (s *Service) iamAllow(ctx context.Context, p *identity.Principal, action, resource string) error {
	if s.authz == nil {
		return nil
	}
	err := s.authz(ctx, p, action, resource)
	if err == nil {
		return nil
	}
	if e := awsproto.As(err); e != nil && (e.Code == "AccessDenied" || e.Code == "AccessDeniedException") {
		d := errDenied("%s", e.Message)
		for k, v := range e.Fields { // the sealed decision (EncodedAuthorizationMessage) travels on
			d = d.With(k, v)
		}
		return d
	}
	return err
}

// lfAllow asks Governance for perm on target (nil Governance allows).
func (s *Service) lfAllow(ctx context.Context, p *identity.Principal, perm Permission, target Target) error {
	g := s.governance()
	if g == nil {
		return nil
	}
	return g.Authorize(ctx, p, perm, target)
}

// lfAllowAny allows when Governance grants any of perms; the first refusal is returned.
func (s *Service) lfAllowAny(ctx context.Context, p *identity.Principal, target Target, perms ...Permission) error {
	g := s.governance()
	if g == nil {
		return nil
	}
	var first error
	for _, perm := range perms {
		err := g.Authorize(ctx, p, perm, target)
		if err == nil {
			return nil
		}
		if awsproto.As(err) == nil {
			return err // internal
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// canDescribe reports whether p may see target (always, with a nil Governance).
func (s *Service) canDescribe(ctx context.Context, p *identity.Principal, target Target) bool {
	g := s.governance()
	return g == nil || g.CanDescribe(ctx, p, target)
}

// describe is DESCRIBE on target as a gate: a refusal that says "not found" (or denied) is
// re-rendered as notFound, so a hidden entity answers exactly like a missing one.
func (s *Service) describe(ctx context.Context, p *identity.Principal, target Target, notFound error) error {
	err := s.lfAllow(ctx, p, "DESCRIBE", target)
	if err == nil {
		return nil
	}
	if e := awsproto.As(err); e != nil && (e.Code == "EntityNotFoundException" || e.Code == "AccessDeniedException") {
		return notFound
	}
	return err
}

func (s *Service) created(ctx context.Context, p *identity.Principal, target Target) error {
	if g := s.governance(); g != nil {
		return g.Created(ctx, p, target)
	}
	return nil
}

func (s *Service) deleted(ctx context.Context, target Target) error {
	if g := s.governance(); g != nil {
		return g.Deleted(ctx, target)
	}
	return nil
}

// storeErr maps store kinds the domain did not handle itself.
func storeErr(err error) error {
	switch store.KindOf(err) {
	case store.Conflict, store.Busy:
		return errConcurrent("The catalog was modified concurrently; retry the request.")
	}
	return err
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func callerARN(p *identity.Principal) string {
	if p == nil {
		return ""
	}
	return string(p.ARN)
}
