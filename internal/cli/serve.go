package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/internal/daemon"
	"github.com/sluicehq/sluice/internal/identity"
)

func newServe() *cobra.Command {
	var sf serverFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Sluice server",
		Long: `Run the Sluice server on one address for every service (IAM, STS, Glue, Lake Formation,
CloudTrail, S3). On first start it creates the data directory, a key ring and root keys, and
prints how to point the AWS CLI at it. SIGINT or SIGTERM drains in-flight requests and exits 0.`,
		Example: `  sluice serve
  sluice serve --addr 0.0.0.0:9876 --data-dir /var/lib/sluice
  SLUICE_STORE=postgres://sluice@db/sluice sluice serve --log-format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := sf.start(cmd)
			if err != nil {
				return err
			}
			d.Banner(cmd.OutOrStdout())
			return serveUntilDone(cmd.Context(), d)
		},
	}
	sf.register(cmd, daemon.DefaultDataDir)
	return cmd
}

// serverFlags are the flags (and their SLUICE_* variables) of a command that runs the server:
// serve and demo.
type serverFlags struct {
	cfg                 daemon.Config
	account             string
	logFormat, logLevel string
	oidcCAFile          string
}

// register adds the flags to cmd and sets its PreRunE to read the environment variables.
func (sf *serverFlags) register(cmd *cobra.Command, dataDirDefault string) {
	cfg := &sf.cfg
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", daemon.DefaultAddr, "address to listen on")
	dataDirUsage := "directory for the key ring, root keys, SQLite store and objects"
	if dataDirDefault == "" {
		dataDirUsage += " (default a new directory under the temporary directory, removed on exit)"
	}
	f.StringVar(&cfg.DataDir, "data-dir", dataDirDefault, dataDirUsage)
	f.StringVar(&cfg.Store, "store", "", "store: empty for SQLite in the data dir, or a postgres:// URL")
	f.StringVar(&sf.account, "account-id", daemon.DefaultAccount, "12-digit account id")
	f.StringVar(&cfg.Region, "region", daemon.DefaultRegion, "region Sluice reports")
	f.StringVar(&sf.logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&sf.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.StringVar(&cfg.KeyringFile, "keyring-file", "", "key ring file (default <data-dir>/keyring.json); SLUICE_KEYRING may hold the ring itself")
	f.StringVar(&cfg.Blob, "blob", "", "object storage: empty for <data-dir>/objects, a directory, or s3://bucket/prefix?endpoint=URL&region=R (keys in SLUICE_BLOB_ACCESS_KEY_ID, SLUICE_BLOB_SECRET_ACCESS_KEY)")
	f.StringVar(&cfg.S3Domain, "s3-domain", "localhost", "domain for virtual-hosted-style S3 requests (<bucket>.<domain>)")
	f.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 0, "how long to drain in-flight requests on SIGTERM (default 30s)")
	f.StringVar(&cfg.KRB5Keytab, "krb5-keytab", "", "service keytab for Kerberos (SPNEGO) logins at /_sluice/v1/login/kerberos; empty turns them off")
	f.StringVar(&cfg.KRB5Service, "krb5-service", "", "service principal to accept from the keytab (e.g. HTTP/sluice.example.com@EXAMPLE.COM; default any in the keytab)")
	f.Float64Var(&cfg.STSLimits.PerPrincipal, "sts-rate-limit", 0, "credential-issuing STS calls per second per principal, 0 = unlimited (answered with Throttling)")
	f.Float64Var(&cfg.STSLimits.Global, "sts-global-rate-limit", 0, "credential-issuing STS calls per second for this replica, 0 = unlimited")
	f.StringVar(&sf.oidcCAFile, "oidc-ca-file", "", "PEM file of CA certificates to trust for OIDC issuers (besides the system roots)")
	f.StringVar(&cfg.OIDCGroupsClaim, "oidc-groups-claim", "groups", "ID-token claim listing a person's groups, matched by sluice mappings --oidc-group")
	f.StringVar(&cfg.OIDCSourceIdentityClaim, "oidc-source-identity-claim", "sub", "ID-token claim that becomes the session's SourceIdentity when the issuer has mappings (e.g. email)")
	applyEnv := bindEnv(f, map[string]string{
		"oidc-ca-file": "SLUICE_OIDC_CA_FILE", "oidc-groups-claim": "SLUICE_OIDC_GROUPS_CLAIM",
		"oidc-source-identity-claim": "SLUICE_OIDC_SOURCE_IDENTITY_CLAIM",
		"sts-rate-limit":             "SLUICE_STS_RATE_LIMIT", "sts-global-rate-limit": "SLUICE_STS_GLOBAL_RATE_LIMIT",
		"krb5-keytab": "SLUICE_KRB5_KEYTAB", "krb5-service": "SLUICE_KRB5_SERVICE",
		"addr": "SLUICE_ADDR", "data-dir": "SLUICE_DATA_DIR", "store": "SLUICE_STORE",
		"account-id": "SLUICE_ACCOUNT_ID", "region": "SLUICE_REGION",
		"log-format": "SLUICE_LOG_FORMAT", "log-level": "SLUICE_LOG_LEVEL",
		"keyring-file": "SLUICE_KEYRING_FILE", "blob": "SLUICE_BLOB", "s3-domain": "SLUICE_S3_DOMAIN",
	})
	cmd.PreRunE = func(*cobra.Command, []string) error { return applyEnv() }
}

// start starts the daemon that the flags describe.
func (sf *serverFlags) start(cmd *cobra.Command) (*daemon.Daemon, error) {
	logger, err := newLogger(cmd.ErrOrStderr(), sf.logFormat, sf.logLevel)
	if err != nil {
		return nil, err
	}
	cfg := sf.cfg
	cfg.Logger = logger
	cfg.Account = identity.AccountID(sf.account)
	cfg.KeyringJSON = os.Getenv("SLUICE_KEYRING")
	if sf.oidcCAFile != "" {
		if cfg.OIDCClient, err = clientTrusting(sf.oidcCAFile); err != nil {
			return nil, err
		}
	}
	return daemon.Start(cmd.Context(), cfg)
}

// serveUntilDone serves until ctx ends (SIGINT, SIGTERM), then drains and stops d.
func serveUntilDone(ctx context.Context, d *daemon.Daemon) error {
	select {
	case <-ctx.Done():
		return d.Shutdown(context.Background())
	case err := <-d.Done():
		d.Shutdown(context.Background())
		return err
	}
}

// clientTrusting returns an HTTP client that trusts the system roots and the PEM certificates in
// file.
func clientTrusting(file string) (*http.Client, error) {
	pemData, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--oidc-ca-file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pemData) {
		return nil, fmt.Errorf("--oidc-ca-file %s holds no PEM certificate", file)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}, nil
}
