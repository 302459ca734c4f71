// Package daemon wires a running Sluice: data directory, key ring, root keys, store, services and
// the HTTP listener. It is the one place where dependencies are chosen; `sluice serve` and the
// end-to-end tests both start Sluice through Start.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/audit"
	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/blob/blobopen"
	"github.com/sluicehq/sluice/internal/catalog"
	"github.com/sluicehq/sluice/internal/iam"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/krblogin"
	"github.com/sluicehq/sluice/internal/lakeformation"
	"github.com/sluicehq/sluice/internal/lfquery"
	"github.com/sluicehq/sluice/internal/mappings"
	"github.com/sluicehq/sluice/internal/oidc"
	"github.com/sluicehq/sluice/internal/rootkeys"
	"github.com/sluicehq/sluice/internal/s3"
	"github.com/sluicehq/sluice/internal/server"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storeopen"
	"github.com/sluicehq/sluice/internal/sts"
	"github.com/sluicehq/sluice/internal/tables"
)

// Defaults a newcomer gets.
const (
	DefaultAddr    = "127.0.0.1:9876"
	DefaultDataDir = "./sluice-data"
	DefaultAccount = "123456789012"
	DefaultRegion  = "us-east-1"
)

// Config configures Start. Zero fields take the defaults above.
type Config struct {
	Addr    string
	DataDir string
	// Store is a DSN: "" = SQLite in the data dir, "postgres://…" = PostgreSQL, "memory:" for tests.
	Store   string
	Account identity.AccountID
	Region  string
	// KeyringFile overrides <data-dir>/keyring.json; KeyringJSON (SLUICE_KEYRING) supplies the ring
	// itself, for replicas that share one.
	KeyringFile string
	KeyringJSON string
	Logger      *slog.Logger
	// Getenv reads SLUICE_ROOT_* (default os.Getenv).
	Getenv func(string) string
	// ShutdownTimeout bounds the drain of in-flight requests (default 30 s).
	ShutdownTimeout time.Duration
	// OIDCClient fetches OIDC discovery documents and keys (default: system roots, 10 s timeout).
	OIDCClient *http.Client
	// OIDCGroupsClaim and OIDCSourceIdentityClaim name the ID-token claims that mapped OIDC
	// logins are matched by and recorded as (default "groups" and "sub"; see sts.Options).
	OIDCGroupsClaim         string
	OIDCSourceIdentityClaim string
	// STSLimits throttles credential issuing per principal and per replica (zero: unlimited).
	STSLimits sts.Limits
	// Now is the clock of every service (default time.Now); tests move it to expire credentials.
	Now func() time.Time
	// Blob is where S3 objects live: "" = <data-dir>/objects, a path, or
	// s3://bucket/prefix?endpoint=…&region=… (credentials SLUICE_BLOB_ACCESS_KEY_ID/SECRET via Getenv).
	Blob string
	// S3Domain is the host under which virtual-hosted-style S3 requests name their bucket
	// (default "localhost": mybucket.localhost:9876).
	S3Domain string
	// KRB5Keytab is the service keytab of Kerberos logins (/_sluice/v1/login/kerberos); "" turns
	// them off. KRB5Service names the accepted principal when the keytab holds several.
	KRB5Keytab  string
	KRB5Service string
}

// Daemon is a running Sluice.
type Daemon struct {
	cfg     Config
	Root    *rootkeys.Keys
	Keyring *keyring.Ring
	Store   store.Store
	Server  *server.Server
	// Audit is the audit log (set once the store is open); Auditing serves it to the server.
	Audit    *audit.Log
	Auditing *audit.Slot
	// IAMSlot serves IAM (users, roles, policies, the authorizer) once the store is open.
	IAMSlot *iam.Slot
	// S3Slot serves S3 once the store is open.
	S3Slot *s3.Slot
	// GlueSlot serves the Glue Data Catalog once the store is open.
	GlueSlot *catalog.Slot
	// LFSlot serves Lake Formation once the store is open.
	LFSlot *lakeformation.Slot
	// Native routes Sluice's own API (/_sluice/v1/…, service "sluice"); register routes on it
	// before Start returns. Mappings serves /_sluice/v1/mappings once the store is open.
	Native   *awsproto.NativeRouter
	Mappings *mappings.Slot
	// Tables serves the filtered read API (/_sluice/v1/databases, /_sluice/v1/tables/…).
	Tables   *tables.Slot
	listener net.Listener
	http     *http.Server
	done     chan error
	// KeyringCreated and RootGenerated report first-start events, for the banner.
	KeyringCreated bool
}

func (c *Config) defaults() {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Account == "" {
		c.Account = DefaultAccount
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Getenv == nil {
		c.Getenv = os.Getenv
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.KeyringFile == "" {
		c.KeyringFile = filepath.Join(c.DataDir, "keyring.json")
	}
}

// validAccount checks the 12-digit account id.
func validAccount(a identity.AccountID) bool {
	if len(a) != 12 {
		return false
	}
	for _, r := range a {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Start opens everything and starts serving in the background. The listener is bound when Start
// returns, so Addr is usable at once.
func Start(ctx context.Context, cfg Config) (*Daemon, error) {
	cfg.defaults()
	if !validAccount(cfg.Account) {
		return nil, fmt.Errorf("account id %q must be 12 digits", cfg.Account)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	d := &Daemon{cfg: cfg, done: make(chan error, 1)}
	var err error
	if cfg.KeyringJSON != "" {
		d.Keyring, err = keyring.Parse([]byte(cfg.KeyringJSON), nil)
	} else {
		d.Keyring, d.KeyringCreated, err = keyring.LoadOrCreate(cfg.KeyringFile, nil)
	}
	if err != nil {
		return nil, err
	}
	d.Root, err = rootkeys.Load(cfg.Account, filepath.Join(cfg.DataDir, rootkeys.FileName), cfg.Getenv, nil)
	if err != nil {
		return nil, err
	}

	// IAM needs the store, which opens after the listener binds: STS reaches it through the slot.
	d.IAMSlot = &iam.Slot{}
	d.S3Slot = &s3.Slot{}
	d.GlueSlot = &catalog.Slot{}
	d.LFSlot = &lakeformation.Slot{}
	iamForSTS := stsIAM{iam: d.IAMSlot.Service}
	d.Mappings = &mappings.Slot{}
	stsSvc := sts.New(cfg.Account, d.Keyring, iamForSTS, &sts.Options{
		Logger: cfg.Logger, Now: cfg.Now, Providers: iamForSTS, Limits: cfg.STSLimits, OIDC: oidc.NewVerifier(&oidc.Options{Now: cfg.Now, Client: cfg.OIDCClient}),
		Mappings: stsMappings{slot: d.Mappings}, GroupsClaim: cfg.OIDCGroupsClaim, SourceIdentityClaim: cfg.OIDCSourceIdentityClaim,
	})
	d.Auditing = &audit.Slot{}
	// LookupEvents is authorized by IAM (cloudtrail:LookupEvents) once it runs.
	trail := audit.NewAPI(d.Auditing.Reader(), cfg.Account, cfg.Region, audit.AuthorizerFunc(
		func(ctx context.Context, p *identity.Principal, action, resource string) error {
			svc := d.IAMSlot.Service()
			if svc == nil {
				return errors.New("IAM is not running yet")
			}
			return svc.Authorize(ctx, p, iam.AuthzRequest{Action: action, Resource: resource})
		}))
	// Sluice's own API and the login endpoints (identity mappings, Kerberos).
	d.Native = awsproto.NewNativeRouter()
	d.Mappings.Register(d.Native)
	d.Tables = &tables.Slot{}
	d.Tables.Register(d.Native)
	// Lake Formation's query API reads through the same filtered path; its state is in the store
	// and its work unit tokens are sealed by the key ring, so any replica serves every call.
	query := &lfquery.Slot{}
	logins := http.NewServeMux()
	if cfg.KRB5Keytab != "" {
		kt, err := krblogin.LoadKeytab(cfg.KRB5Keytab, cfg.KRB5Service)
		if err != nil {
			return nil, err
		}
		logins.Handle("POST "+krblogin.Path, krblogin.New(kt, cfg.Account, stsSvc, func() krblogin.Mapper {
			if m := d.Mappings.Service(); m != nil {
				return m
			}
			return nil
		}, &krblogin.Options{Service: cfg.KRB5Service, Logger: cfg.Logger, Audit: d.Auditing, Region: cfg.Region, Now: cfg.Now,
			// Requests wait for the store to open (the server's start gate) before they get here.
			Replays: &krblogin.StoreReplays{Store: func() store.Store { return d.Store }, Now: cfg.Now, Logger: cfg.Logger}}))
	}
	d.Server = server.New(server.Config{
		Account:     cfg.Account,
		Region:      cfg.Region,
		Logger:      cfg.Logger,
		Credentials: []server.CredentialResolver{d.Root, d.IAMSlot, stsSvc},
		Services:    map[string]awsproto.Handler{"sts": stsSvc.Routes(), "cloudtrail": trail.Routes(), "iam": d.IAMSlot, "s3": d.S3Slot, "glue": d.GlueSlot, "lakeformation": d.LFSlot.WithQuery(query.Operations()), "sluice": d.Native},
		Internal:    logins,
		Health:      d.health,
		Audit:       d.Auditing,
		Now:         cfg.Now,
	})
	// Bind first so health answers 503 while the store opens and migrates.
	d.listener, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, err
	}
	d.http = &http.Server{
		Handler:           d.Server,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	go func() {
		err := d.http.Serve(d.listener)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		d.done <- err
	}()

	dsn := cfg.Store
	if dsn == "" {
		dsn = filepath.Join(cfg.DataDir, "sluice.db")
	}
	// Exclusive: a second Sluice serving the same SQLite file is refused (replicas share
	// PostgreSQL), which lets the store answer hot reads from memory.
	d.Store, err = storeopen.Open(ctx, dsn, &store.Options{Logger: cfg.Logger, Exclusive: true})
	if err != nil {
		d.http.Close()
		if se := new(store.Error); errors.As(err, &se) {
			return nil, err // already says "store: …"
		}
		return nil, fmt.Errorf("store: %w", err)
	}
	chain, err := audit.LoadOrCreateChainID(filepath.Join(cfg.DataDir, "audit-chain-id"), nil)
	if err == nil {
		d.Audit, err = audit.Open(ctx, d.Store, d.Keyring, cfg.Account, &audit.Options{Logger: cfg.Logger, Chain: chain})
	}
	if err != nil {
		d.http.Close()
		d.Store.Close()
		return nil, fmt.Errorf("audit: %w", err)
	}
	d.Auditing.Set(d.Audit)
	d.IAMSlot.Set(iam.New(d.Store, d.Keyring, cfg.Account, &iam.Options{Logger: cfg.Logger, Now: cfg.Now,
		LinkedRoleUsage: lfLinkedRoleUsage(d.LFSlot, cfg.Region)}))
	d.Mappings.Set(mappings.New(d.Store, func(ctx context.Context, p *identity.Principal, action, resource string) error {
		return d.IAMSlot.Service().Authorize(ctx, p, iam.AuthzRequest{Action: action, Resource: resource})
	}, mappings.IAMTrust{IAM: d.IAMSlot.Service, Account: cfg.Account}, cfg.Account, &mappings.Options{Logger: cfg.Logger, Now: cfg.Now}))
	d.GlueSlot.Set(catalog.New(d.Store, func(ctx context.Context, p *identity.Principal, action, resource string) error {
		return d.IAMSlot.Service().Authorize(ctx, p, iam.AuthzRequest{Action: action, Resource: resource})
	}, cfg.Account, cfg.Region, &catalog.Options{Logger: cfg.Logger, Now: cfg.Now}))
	// Lake Formation governs the catalog and vends credentials through STS.
	lfSvc := lakeformation.New(d.Store, d.GlueSlot.Service(), cfg.Account, &lakeformation.Options{
		Region: cfg.Region, Logger: cfg.Logger, Now: cfg.Now, Vendor: stsSvc, Auditor: d.Auditing, Roles: iamForSTS.Role,
		Ring: d.Keyring, LinkedRole: lfLinkedRole{iam: d.IAMSlot.Service, account: cfg.Account},
		// Revoking vended sessions is Lake Formation acting on an admin's decision: it writes
		// IAM's AWSRevokeOlderSessions policy on the location's role with the service's authority.
		Revoke: func(ctx context.Context, roleARN string, before time.Time) error {
			_, name, _ := strings.Cut(roleARN, ":role/")
			name = name[strings.LastIndexByte(name, '/')+1:]
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"` +
				before.UTC().Format(time.RFC3339) + `"}}}]}`
			return d.IAMSlot.Service().PutServiceRolePolicy(ctx, lfServiceName,
				&iam.PutPolicyInput{RoleName: name, PolicyName: "AWSRevokeOlderSessions", PolicyDocument: doc})
		},
		Authorize: func(ctx context.Context, p *identity.Principal, action, resource string) error {
			return d.IAMSlot.Service().Authorize(ctx, p, iam.AuthzRequest{Action: action, Resource: resource})
		},
	})
	d.GlueSlot.Service().SetGovernance(lfSvc)
	d.LFSlot.Set(lfSvc)
	query.Set(lfquery.New(d.Store, d.Tables, d.Keyring, func(ctx context.Context, p *identity.Principal, action, resource string) error {
		return d.IAMSlot.Service().Authorize(ctx, p, iam.AuthzRequest{Action: action, Resource: resource})
	}, &lfquery.Options{Now: cfg.Now, Logger: cfg.Logger, Region: cfg.Region}))
	if err := d.startS3(); err != nil {
		d.http.Close()
		d.Store.Close()
		return nil, fmt.Errorf("s3: %w", err)
	}
	d.Server.SetReady(true)
	cfg.Logger.Info("sluice started", "addr", d.Addr(), "account", string(cfg.Account), "region", cfg.Region,
		"store", storeKind(dsn), "data_dir", cfg.DataDir, "root_keys", d.Root.Source)
	return d, nil
}

func storeKind(dsn string) string {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return "postgres"
	case strings.HasPrefix(dsn, "memory:"):
		return "memory"
	}
	return "sqlite"
}

func (d *Daemon) health(ctx context.Context) error {
	if d.Store == nil {
		return errors.New("store not open")
	}
	return d.Store.Ping(ctx)
}

// Addr returns the address the daemon listens on (useful with port 0).
func (d *Daemon) Addr() string { return d.listener.Addr().String() }

// Endpoint returns the base URL of the daemon.
func (d *Daemon) Endpoint() string { return "http://" + d.Addr() }

// Done is closed (after sending the serve error, nil on a clean stop) when the listener stops.
func (d *Daemon) Done() <-chan error { return d.done }

// Shutdown stops accepting, drains in-flight requests (bounded by ShutdownTimeout), and closes
// the store.
func (d *Daemon) Shutdown(ctx context.Context) error {
	d.Server.SetReady(false)
	ctx, cancel := context.WithTimeout(ctx, d.cfg.ShutdownTimeout)
	defer cancel()
	err := d.http.Shutdown(ctx)
	if err != nil {
		d.cfg.Logger.Warn("drain did not finish; closing remaining connections", "err", err)
		d.http.Close()
	}
	if cerr := d.Audit.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if svc := d.IAMSlot.Service(); svc != nil {
		if ferr := svc.Flush(ctx); ferr != nil {
			d.cfg.Logger.Warn("iam: flushing access key last-used stamps", "err", ferr)
		}
	}
	if cerr := d.Store.Close(); cerr != nil && err == nil {
		err = cerr
	}
	d.cfg.Logger.Info("sluice stopped")
	return err
}

// Banner writes how to point the AWS CLI at Sluice. The secret is shown only when the keys were
// generated by this start (printed once); otherwise it says where they are.
func (d *Daemon) Banner(w io.Writer) {
	ep := d.Endpoint()
	fmt.Fprintf(w, "Sluice is serving on %s (account %s, region %s).\n", ep, d.cfg.Account, d.cfg.Region)
	switch d.Root.Source {
	case "generated":
		fmt.Fprintf(w, "\nRoot credentials were generated and saved in %s (mode 0600).\n", filepath.Join(d.cfg.DataDir, rootkeys.FileName))
		fmt.Fprintf(w, "They are shown only this once. Point the AWS CLI, boto3 or the Go SDK at Sluice with:\n\n")
		fmt.Fprintf(w, "  export AWS_ACCESS_KEY_ID=%s\n", d.Root.AccessKeyID)
		fmt.Fprintf(w, "  export AWS_SECRET_ACCESS_KEY=%s\n", d.Root.Secret.Reveal())
	case "file":
		fmt.Fprintf(w, "\nRoot access key %s (secret in %s). Point the AWS CLI at Sluice with:\n\n", d.Root.AccessKeyID, filepath.Join(d.cfg.DataDir, rootkeys.FileName))
		fmt.Fprintf(w, "  export AWS_ACCESS_KEY_ID=%s\n", d.Root.AccessKeyID)
		fmt.Fprintf(w, "  export AWS_SECRET_ACCESS_KEY=<SecretAccessKey from that file>\n")
	default:
		fmt.Fprintf(w, "\nRoot access key %s from SLUICE_ROOT_ACCESS_KEY_ID. Point the AWS CLI at Sluice with:\n\n", d.Root.AccessKeyID)
		fmt.Fprintf(w, "  export AWS_ACCESS_KEY_ID=%s\n", d.Root.AccessKeyID)
		fmt.Fprintf(w, "  export AWS_SECRET_ACCESS_KEY=\"$SLUICE_ROOT_SECRET_ACCESS_KEY\"\n")
	}
	fmt.Fprintf(w, "  export AWS_DEFAULT_REGION=%s\n", d.cfg.Region)
	fmt.Fprintf(w, "  export AWS_ENDPOINT_URL=%s   # read by newer SDKs; older CLIs need --endpoint-url\n\n", ep)
	fmt.Fprintf(w, "  aws --endpoint-url %s sts get-caller-identity\n\n", ep)
}

// startS3 opens the blob driver and installs the S3 gateway, authorized by IAM.
func (d *Daemon) startS3() error {
	drv, err := blobopen.Open(d.cfg.Blob, filepath.Join(d.cfg.DataDir, "objects"), d.cfg.Getenv)
	if err != nil {
		return err
	}
	authz := s3.AuthorizerFunc(func(ctx context.Context, p *identity.Principal, r s3.AuthzRequest) error {
		return d.IAMSlot.Service().Authorize(ctx, p, iam.AuthzRequest{Action: r.Action, Resource: r.Resource,
			Context: r.Context, ResourcePolicy: r.ResourcePolicy, ResourceRequired: r.ResourceRequired})
	})
	d.S3Slot.Set(s3.New(d.cfg.Account, d.Store, drv, authz, &s3.Options{
		Domain: d.cfg.S3Domain, Region: d.cfg.Region, Logger: d.cfg.Logger, Now: d.cfg.Now}))
	d.Tables.Set(tables.NewService(d.GlueSlot.Service(), d.LFSlot.Service(), drv,
		func(ctx context.Context, p *identity.Principal, action, resource string) error {
			return d.IAMSlot.Service().Authorize(ctx, p, iam.AuthzRequest{Action: action, Resource: resource})
		}, &tables.ServiceOptions{Logger: d.cfg.Logger, Region: d.cfg.Region}))
	return nil
}

// DataDir returns the daemon's data directory.
func (d *Daemon) DataDir() string { return d.cfg.DataDir }
