package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/internal/krblogin"
	"github.com/sluicehq/sluice/internal/oidclogin"
)

func newCreds() *cobra.Command {
	var (
		endpoint, role, spn string
		duration            time.Duration
		o                   oidcFlags
	)
	cmd := &cobra.Command{
		Use:   "creds",
		Short: "Print temporary AWS credentials for a role, from your Kerberos ticket or an OIDC sign-in (credential_process)",
		Long: `Log in to Sluice and print temporary credentials of a role mapped to you, in the JSON that
the AWS CLI, boto3, pandas and the SDKs read from a credential_process.

Kerberos (the default): your ticket (kinit first) authenticates you. The ticket cache is
$KRB5CCNAME (default /tmp/krb5cc_<uid>), the Kerberos configuration $KRB5_CONFIG (default
/etc/krb5.conf). The SPNEGO service principal is HTTP/<endpoint host> unless --spn says
otherwise. Clients call it again when the credentials expire, so they refresh by themselves
while your ticket is valid.

OIDC (--oidc): you sign in at your identity provider (--issuer, --client-id) with the device
flow: the command prints a URL and a code on standard error (and on your terminal when standard
error is not one), you open the URL in any browser and enter the code, and the ID token is
exchanged with STS AssumeRoleWithWebIdentity for the role. Credentials and the refresh token are
cached per endpoint, issuer, client and role in $XDG_CACHE_HOME/sluice (default
~/.cache/sluice, private files), so later calls neither prompt nor ask the provider until the
credentials are about to expire; --no-cache turns that off. The AWS CLI captures a
credential_process's standard error, which is why the prompt also goes to /dev/tty; without a
terminal (a scheduled job), run the command once by hand first so the cache holds a refresh token.`,
		Example: `  kinit user1@EXAMPLE.COM
  sluice creds --role arn:aws:iam::123456789012:role/analyst --endpoint-url http://127.0.0.1:9876

  # ~/.aws/config:
  [profile analyst]
  credential_process = sluice creds --role arn:aws:iam::123456789012:role/analyst --endpoint-url http://127.0.0.1:9876
  endpoint_url = http://127.0.0.1:9876

  # OIDC sign-in
  sluice creds --oidc --issuer https://idp.example.com --client-id sluice-cli \
      --role arn:aws:iam::123456789012:role/analyst --endpoint-url http://127.0.0.1:9876`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if role == "" {
				return fmt.Errorf("--role is required")
			}
			ep := endpoint
			if ep == "" {
				ep = os.Getenv("AWS_ENDPOINT_URL")
			}
			if ep == "" {
				ep = "http://127.0.0.1:9876"
			}
			u, err := url.Parse(ep)
			if err != nil || u.Host == "" {
				return fmt.Errorf("--endpoint-url %q is not a URL", ep)
			}
			if o.enabled {
				return oidcCreds(cmd, ep, role, duration, o)
			}
			cl, err := kerberosClient()
			if err != nil {
				return err
			}
			defer cl.Destroy()
			if spn == "" {
				spn = "HTTP/" + u.Hostname()
			}
			body, _ := json.Marshal(krblogin.Request{RoleArn: role, DurationSeconds: int32(duration / time.Second)})
			req, err := http.NewRequestWithContext(cmd.Context(), http.MethodPost, strings.TrimSuffix(ep, "/")+krblogin.Path, bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			if err := spnego.SetSPNEGOHeader(cl, req, spn); err != nil {
				return fmt.Errorf("getting a Kerberos service ticket for %s (is your ticket valid? kinit): %w", spn, err)
			}
			resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			if err != nil {
				return err
			}
			if resp.StatusCode != http.StatusOK {
				var e struct{ Code, Message string }
				if json.Unmarshal(data, &e) != nil || e.Code == "" {
					return fmt.Errorf("login refused: HTTP %d", resp.StatusCode)
				}
				return fmt.Errorf("login refused: %s: %s", e.Code, e.Message)
			}
			var out krblogin.Output
			if err := json.Unmarshal(data, &out); err != nil || out.Version != 1 || out.AccessKeyId == "" {
				return fmt.Errorf("unexpected login answer from %s", ep)
			}
			return printJSON(cmd.OutOrStdout(), out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&endpoint, "endpoint-url", "", "Sluice endpoint (default $AWS_ENDPOINT_URL, else http://127.0.0.1:9876)")
	f.StringVar(&role, "role", "", "ARN of the role to use (required; it must be mapped to you)")
	f.StringVar(&spn, "spn", "", "service principal of Sluice (default HTTP/<endpoint host>)")
	f.DurationVar(&duration, "duration", 0, "session duration (default 1h; at most the role's maximum)")
	f.BoolVar(&o.enabled, "oidc", false, "sign in at an OIDC provider (device flow) instead of using a Kerberos ticket")
	f.StringVar(&o.issuer, "issuer", "", "OIDC issuer URL (with --oidc)")
	f.StringVar(&o.clientID, "client-id", "", "OAuth client id registered at the issuer for Sluice (with --oidc)")
	f.StringSliceVar(&o.scopes, "scope", nil, "OAuth scopes to ask for (default openid,offline_access; openid is always asked)")
	f.StringVar(&o.caFile, "oidc-ca-file", "", "PEM file of CA certificates to trust for the issuer (besides the system roots)")
	f.BoolVar(&o.noCache, "no-cache", false, "neither read nor write the credential cache (with --oidc)")
	return cmd
}

type oidcFlags struct {
	enabled, noCache         bool
	issuer, clientID, caFile string
	scopes                   []string
}

// oidcCreds signs in with the device flow (package oidclogin) and prints the credentials.
func oidcCreds(cmd *cobra.Command, endpoint, role string, duration time.Duration, f oidcFlags) error {
	if f.issuer == "" || f.clientID == "" {
		return fmt.Errorf("--oidc needs --issuer and --client-id")
	}
	opts := &oidclogin.Options{Prompt: promptTo(cmd.ErrOrStderr())}
	if f.caFile != "" {
		cl, err := clientTrusting(f.caFile)
		if err != nil {
			return err
		}
		cl.Timeout = 30 * time.Second
		opts.IssuerClient = cl
	}
	if !f.noCache {
		dir, err := oidclogin.DefaultCacheDir()
		if err != nil {
			return fmt.Errorf("no cache directory (use --no-cache): %w", err)
		}
		opts.CacheDir = dir
	}
	c, err := oidclogin.New(oidclogin.Config{Endpoint: endpoint, Issuer: f.issuer, ClientID: f.clientID, RoleARN: role,
		Scopes: f.scopes, Duration: duration}, opts)
	if err != nil {
		return err
	}
	creds, err := c.Credentials(cmd.Context())
	if err != nil {
		return fmt.Errorf("OIDC login: %w", err)
	}
	return printJSON(cmd.OutOrStdout(), creds.Process())
}

// promptTo tells the person how to sign in, on w and, when w is not a terminal (a
// credential_process's standard error is captured by its client), on the controlling terminal.
func promptTo(w io.Writer) func(oidclogin.Prompt) {
	return func(p oidclogin.Prompt) {
		msg := fmt.Sprintf("To sign in, open %s and enter the code %s\n", p.VerificationURI, p.UserCode)
		if p.VerificationURIComplete != "" {
			msg += fmt.Sprintf("(or open %s)\n", p.VerificationURIComplete)
		}
		msg += fmt.Sprintf("Waiting for the sign-in (the code expires at %s)...\n", p.Expires.Local().Format("15:04:05"))
		io.WriteString(w, msg)
		if f, ok := w.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				return
			}
		}
		if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			io.WriteString(tty, msg)
			tty.Close()
		}
	}
}

// kerberosClient loads the user's ticket cache and Kerberos configuration the way MIT's tools
// do: $KRB5CCNAME (FILE: caches only) and $KRB5_CONFIG.
func kerberosClient() (*client.Client, error) {
	cfgPath := "/etc/krb5.conf"
	if v := os.Getenv("KRB5_CONFIG"); v != "" {
		cfgPath = filepath.SplitList(v)[0]
	}
	kcfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, fmt.Errorf("Kerberos configuration %s: %w", cfgPath, err)
	}
	cc := os.Getenv("KRB5CCNAME")
	if cc == "" {
		cc = "/tmp/krb5cc_" + strconv.Itoa(os.Getuid())
	}
	if typ, rest, ok := strings.Cut(cc, ":"); ok && !strings.Contains(typ, "/") {
		if typ != "FILE" {
			return nil, fmt.Errorf("KRB5CCNAME=%s: only FILE: ticket caches are supported", cc)
		}
		cc = rest
	}
	ccache, err := credentials.LoadCCache(cc)
	if err != nil {
		return nil, fmt.Errorf("no Kerberos ticket in %s (run kinit): %w", cc, err)
	}
	cl, err := client.NewFromCCache(ccache, kcfg, client.DisablePAFXFAST(true))
	if err != nil {
		return nil, fmt.Errorf("Kerberos ticket cache %s: %w", cc, err)
	}
	return cl, nil
}
