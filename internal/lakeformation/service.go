package lakeformation

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/audit"
	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storejson"
	"github.com/sluicehq/sluice/internal/sts"
)

// AuthorizeFunc asks IAM whether p may perform action on resource ("*" for Lake Formation's
// actions); a refusal is an *awsproto.Error AccessDenied. The daemon adapts (*iam.Service).Authorize.
type AuthorizeFunc func(ctx context.Context, p *identity.Principal, action, resource string) error

// RoleFunc looks up an IAM role by ARN for vending (the registered location's role).
type RoleFunc func(ctx context.Context, arn string) (*sts.Role, error)

// Vendor mints narrowed role sessions; *sts.Service implements it.
type Vendor interface {
	Vend(ctx context.Context, r sts.VendRequest) (*sts.Credentials, identity.ARN, error)
}

// Auditor adds the GetDataAccess record to the current request; *audit.Slot implements it.
type Auditor interface {
	Add(ctx context.Context, x *audit.Extra) error
}

// RevokeFunc denies every session of a role issued before a time (IAM's AWSRevokeOlderSessions
// inline policy, a Deny on aws:TokenIssueTime).
type RevokeFunc func(ctx context.Context, roleARN string, before time.Time) error

// Options are the optional dependencies of New; nil means defaults.
type Options struct {
	Region string // for table ARNs; default us-east-1
	// Authorize is IAM's decision on lakeformation:* actions. Default: only root is allowed.
	Authorize AuthorizeFunc
	Roles     RoleFunc
	Vendor    Vendor
	Auditor   Auditor
	Revoke    RevokeFunc
	// LinkedRole is IAM's side of UseServiceLinkedRole; nil: registering with
	// UseServiceLinkedRole records the role's ARN but creates nothing.
	LinkedRole LinkedRole
	// Ring seals the decision behind Lake Formation's own refusals (see deny); nil: refusals
	// carry no encoded message.
	Ring   *keyring.Ring
	Now    func() time.Time // default time.Now
	Rand   io.Reader        // default crypto/rand
	Logger *slog.Logger
}

// Service is Lake Formation: settings, locations, grants, data cells filters, LF-tags, the
// resolver and credential vending. It implements catalog.Governance.
type Service struct {
	st      store.Store
	cat     catalog.Reader
	account identity.AccountID
	region  string
	authz   AuthorizeFunc
	roles   RoleFunc
	vendor  Vendor
	auditor Auditor
	revoke  RevokeFunc
	linked  LinkedRole
	ring    *keyring.Ring
	now     func() time.Time
	rand    io.Reader
	log     *slog.Logger

	linkMu   sync.Mutex // serializes rewrites of the service-linked role's policy
	initOnce sync.Once
	initErr  error
}

var _ catalog.Governance = (*Service)(nil)

// Store namespaces.
const (
	nsSettings = "lf/settings"
	nsGrant    = "lf/grant"   // resourceKey psep principal → Grant
	nsGrantP   = "lf/grant-p" // principal psep resourceKey → Grant (the by-principal index)
	nsLocation = "lf/location"
	nsFilter   = "lf/filter" // db sep table sep name → DataCellsFilter
	nsTag      = "lf/tag"    // lower(key) → LFTagPair
	nsTagOn    = "lf/tagon"  // D sep db sep | T sep db sep table sep [column] → map key→value
)

// New returns the service over st, reading tables through cat.
func New(st store.Store, cat catalog.Reader, account identity.AccountID, opts *Options) *Service {
	var o Options
	if opts != nil {
		o = *opts
	}
	s := &Service{st: st, cat: cat, account: account, region: o.Region, authz: o.Authorize, roles: o.Roles,
		vendor: o.Vendor, auditor: o.Auditor, revoke: o.Revoke, linked: o.LinkedRole, ring: o.Ring, now: o.Now, rand: o.Rand, log: o.Logger}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.authz == nil {
		s.authz = func(_ context.Context, p *identity.Principal, action, _ string) error {
			if p != nil && p.Type == identity.Root {
				return nil
			}
			return accessDenied("%s is not authorized to perform: %s", arnOf(p), action)
		}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

func arnOf(p *identity.Principal) string {
	if p == nil {
		return "anonymous"
	}
	return string(p.ARN)
}

// principalOf is the Lake Formation principal of a caller: the role ARN for role sessions
// (grants never name session ARNs), else the user or root ARN.
func principalOf(p *identity.Principal) string {
	if p == nil {
		return ""
	}
	if p.Session != nil && p.Session.RoleARN != "" {
		return string(p.Session.RoleARN)
	}
	return string(p.ARN)
}

// iam checks the IAM action lakeformation:<op>.
func (s *Service) iam(ctx context.Context, p *identity.Principal, op string) error {
	return s.authz(ctx, p, "lakeformation:"+op, "*")
}

// defaultSettings are a new account's: IAM_ALLOWED_PRINCIPALS gets ALL on new databases and
// tables (spec §8.4, trap 10).
func defaultSettings() *DataLakeSettings {
	iap := []PrincipalPermissions{{Principal: &DataLakePrincipal{DataLakePrincipalIdentifier: IAMAllowedPrincipals}, Permissions: []Permission{All}}}
	f := false
	return &DataLakeSettings{
		DataLakeAdmins: []DataLakePrincipal{}, ReadOnlyAdmins: []DataLakePrincipal{},
		CreateDatabaseDefaultPermissions: iap, CreateTableDefaultPermissions: iap,
		TrustedResourceOwners: []string{}, AllowExternalDataFiltering: &f, AllowFullTableExternalDataAccess: &f,
		ExternalDataFilteringAllowList: []DataLakePrincipal{}, AuthorizedSessionTagValueList: []string{},
		Parameters: map[string]string{"CROSS_ACCOUNT_VERSION": "1", "SET_SOURCE_IDENTITY": "FALSE"},
	}
}

// init writes the defaults of a new account once: the settings and IAM_ALLOWED_PRINCIPALS'
// CREATE_DATABASE on the catalog (AWS's default "database creators").
func (s *Service) init(ctx context.Context) error {
	s.initOnce.Do(func() {
		s.initErr = s.st.Update(ctx, func(tx store.Tx) error {
			if _, err := tx.Get(ctx, nsSettings, "current"); err == nil {
				return nil
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if err := storejson.Put(ctx, tx, nsSettings, "current", defaultSettings()); err != nil {
				return err
			}
			return s.putGrant(ctx, tx, Grant{
				Principal: DataLakePrincipal{DataLakePrincipalIdentifier: IAMAllowedPrincipals},
				Resource:  Resource{Catalog: &CatalogResource{}}, Permissions: []Permission{CreateDatabase},
			})
		})
	})
	return s.initErr
}

func (s *Service) settings(ctx context.Context, r store.Reader) (*DataLakeSettings, error) {
	if err := s.init(ctx); err != nil {
		return nil, internal(err)
	}
	st, err := storejson.Get[DataLakeSettings](ctx, r, nsSettings, "current")
	if errors.Is(err, store.ErrNotFound) {
		return defaultSettings(), nil
	}
	if err != nil {
		return nil, internal(err)
	}
	return st, nil
}

func (s *Service) isAdmin(st *DataLakeSettings, p *identity.Principal) bool {
	if p == nil {
		return false
	}
	if p.Type == identity.Root && p.Account == s.account {
		return true
	}
	me := principalOf(p)
	for _, a := range st.DataLakeAdmins {
		if a.DataLakePrincipalIdentifier == me {
			return true
		}
	}
	return false
}

// seesAll reports whether p reads every Lake Formation object of the account: a data-lake
// admin or a read-only admin.
func (s *Service) seesAll(st *DataLakeSettings, p *identity.Principal) bool {
	if s.isAdmin(st, p) {
		return true
	}
	me := principalOf(p)
	for _, a := range st.ReadOnlyAdmins {
		if me != "" && a.DataLakePrincipalIdentifier == me {
			return true
		}
	}
	return false
}

func listJSON[T any](ctx context.Context, r store.Reader, ns, prefix string) ([]*T, []string, error) {
	recs, err := r.List(ctx, ns, store.ListOptions{Prefix: prefix})
	if err != nil {
		return nil, nil, err
	}
	out := make([]*T, 0, len(recs))
	keys := make([]string, 0, len(recs))
	for _, rec := range recs {
		v := new(T)
		if err := json.Unmarshal(rec.Value, v); err != nil {
			return nil, nil, err
		}
		out = append(out, v)
		keys = append(keys, rec.Key)
	}
	return out, keys, nil
}

var (
	iamPrincipalRE = regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:(user|role)/[\w+=,.@/-]+$`)
	accountRE      = regexp.MustCompile(`^[0-9]{12}$`)
)

// validPrincipal accepts IAM user and role ARNs, 12-digit account ids and
// IAM_ALLOWED_PRINCIPALS. The ARN's entity is not required to exist (AWS accepts grants to
// principals created later in several paths; Sluice chooses to always accept them).
func validPrincipal(id string) bool {
	return id == IAMAllowedPrincipals || iamPrincipalRE.MatchString(id) || accountRE.MatchString(id)
}

func (s *Service) tableARN(db, table string) string {
	return catalog.TableARN(s.region, s.account, db, table)
}

// fill sets CatalogId on the output form of a resource.
func (s *Service) fill(r Resource) Resource {
	id := string(s.account)
	switch {
	case r.Catalog != nil:
		c := *r.Catalog
		r.Catalog = &c
	case r.Database != nil:
		d := *r.Database
		d.CatalogId = id
		r.Database = &d
	case r.Table != nil:
		t := *r.Table
		t.CatalogId = id
		r.Table = &t
	case r.TableWithColumns != nil:
		t := *r.TableWithColumns
		t.CatalogId = id
		r.TableWithColumns = &t
	case r.DataLocation != nil:
		l := *r.DataLocation
		l.CatalogId = id
		r.DataLocation = &l
	case r.DataCellsFilter != nil:
		f := *r.DataCellsFilter
		f.TableCatalogId = id
		r.DataCellsFilter = &f
	case r.LFTag != nil:
		t := *r.LFTag
		t.CatalogId = id
		r.LFTag = &t
	case r.LFTagPolicy != nil:
		t := *r.LFTagPolicy
		t.CatalogId = id
		r.LFTagPolicy = &t
	}
	return r
}

func lower(s string) string { return strings.ToLower(s) }
