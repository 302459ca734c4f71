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
)

func newCreds() *cobra.Command {
	var (
		endpoint, role, spn string
		duration            time.Duration
	)
	cmd := &cobra.Command{
		Use:   "creds",
		Short: "Print temporary AWS credentials for a role, from your Kerberos ticket (credential_process)",
		Long: `Log in to Sluice with your Kerberos ticket (kinit first) and print temporary credentials of a
role mapped to you, in the JSON that the AWS CLI, boto3, pandas and the SDKs read from a
credential_process. The ticket cache is $KRB5CCNAME (default /tmp/krb5cc_<uid>), the Kerberos
configuration $KRB5_CONFIG (default /etc/krb5.conf). The SPNEGO service principal is
HTTP/<endpoint host> unless --spn says otherwise. Clients call it again when the credentials
expire, so they refresh by themselves while your ticket is valid.`,
		Example: `  kinit user1@EXAMPLE.COM
  sluice creds --role arn:aws:iam::123456789012:role/analyst --endpoint-url http://127.0.0.1:9876

  # ~/.aws/config:
  [profile analyst]
  credential_process = sluice creds --role arn:aws:iam::123456789012:role/analyst --endpoint-url http://127.0.0.1:9876
  endpoint_url = http://127.0.0.1:9876`,
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
	return cmd
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
