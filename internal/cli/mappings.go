package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/mappings"
)

// native calls Sluice's own API (/_sluice/v1/…), SigV4-signed with the service name "sluice"
// and the credentials of the usual AWS chain. It decodes a 2xx JSON answer into out and turns
// an error answer into an error naming its code.
func (f *clientFlags) native(ctx context.Context, method, path string, query url.Values, in, out any) error {
	cfg, err := f.config(ctx)
	if err != nil {
		return err
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	u := strings.TrimSuffix(*cfg.BaseEndpoint, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "sluice", cfg.Region, time.Now()); err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Type    string `json:"__type"`
			Message string
			Code    string
		}
		json.Unmarshal(data, &e)
		if e.Type == "" {
			e.Type = e.Code
		}
		if e.Type == "" {
			return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
		}
		return fmt.Errorf("%s: %s", e.Type, e.Message)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

func newMappings() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mappings",
		Short: "Map Kerberos principals, OIDC subjects and IAM users to the roles they may use",
		Long: `A mapping lets one identity obtain sessions of one role through a login (sluice creds). An
identity may be mapped to several roles and picks one per login. The role's trust policy must
admit the identity too; Sluice refuses a mapping for a role whose trust would not, e.g. for
Kerberos:

  {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::<acct>:kerberos-realm/EXAMPLE.COM"},
   "Action": ["sts:AssumeRoleWithKerberos", "sts:SetSourceIdentity"],
   "Condition": {"StringLike": {"kerberos:principal": "*@EXAMPLE.COM"}}}

These commands call Sluice's API with the usual AWS credentials (environment, AWS_PROFILE,
credential_process) and need sluice:CreateMapping, sluice:ListMappings, sluice:DeleteMapping.`,
		Example: `  sluice mappings add --kerberos user1@EXAMPLE.COM --role arn:aws:iam::123456789012:role/analyst
  sluice mappings add --kerberos '*@EXAMPLE.COM' --role arn:aws:iam::123456789012:role/reader
  sluice mappings list --endpoint-url http://127.0.0.1:9876
  sluice mappings remove map-0123456789abcdef`,
	}
	cmd.AddCommand(newMappingsAdd(), newMappingsList(), newMappingsRemove())
	return cmd
}

func newMappingsAdd() *cobra.Command {
	var f clientFlags
	var in mappings.CreateInput
	var role, user string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Map an identity to a role",
		Example: `  sluice mappings add --kerberos user1@EXAMPLE.COM --role arn:aws:iam::123456789012:role/analyst
  sluice mappings add --oidc-issuer https://idp.example.com --oidc-group data-eng --role arn:aws:iam::123456789012:role/eng
  sluice mappings add --iam-user arn:aws:iam::123456789012:user/alice --role arn:aws:iam::123456789012:role/analyst`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if role == "" {
				return fmt.Errorf("--role is required")
			}
			in.RoleARN = identity.ARN(role)
			in.IAMUser = identity.ARN(user)
			var out mappings.CreateOutput
			if err := f.native(cmd.Context(), http.MethodPost, "/_sluice/v1/mappings", nil, &in, &out); err != nil {
				return err
			}
			if jsonOut {
				return printJSON(cmd.OutOrStdout(), out)
			}
			fmt.Fprintln(cmd.OutOrStdout(), out.Mapping.ID)
			return nil
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&in.Kerberos, "kerberos", "", "Kerberos principal (user@REALM) or realm pattern (*@REALM)")
	fl.StringVar(&in.OIDCIssuer, "oidc-issuer", "", "OIDC issuer URL (https://…)")
	fl.StringVar(&in.OIDCSubject, "oidc-sub", "", "OIDC subject (sub claim)")
	fl.StringVar(&in.OIDCGroup, "oidc-group", "", "OIDC group (groups claim)")
	fl.StringVar(&user, "iam-user", "", "IAM user ARN")
	fl.StringVar(&role, "role", "", "role ARN the identity may use (required)")
	fl.BoolVar(&jsonOut, "json", false, "print the mapping as JSON")
	return cmd
}

func newMappingsList() *cobra.Command {
	var f clientFlags
	var kerberos, role string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List mappings",
		Example: "  sluice mappings list\n  sluice mappings list --kerberos user1@EXAMPLE.COM --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			if kerberos != "" {
				q.Set("kerberos", kerberos)
			}
			if role != "" {
				q.Set("role", role)
			}
			var out mappings.ListOutput
			if err := f.native(cmd.Context(), http.MethodGet, "/_sluice/v1/mappings", q, nil, &out); err != nil {
				return err
			}
			if jsonOut {
				return printJSON(cmd.OutOrStdout(), out)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tIDENTITY\tROLE")
			for _, m := range out.Mappings {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", m.ID, describe(&m), m.RoleARN)
			}
			return tw.Flush()
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&kerberos, "kerberos", "", "only mappings of this Kerberos principal or pattern")
	cmd.Flags().StringVar(&role, "role", "", "only mappings to this role ARN")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print JSON")
	return cmd
}

func newMappingsRemove() *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:     "remove MAPPING_ID",
		Short:   "Remove a mapping",
		Example: "  sluice mappings remove map-0123456789abcdef",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.native(cmd.Context(), http.MethodDelete, "/_sluice/v1/mappings/"+url.PathEscape(args[0]), nil, nil, nil)
		},
	}
	f.register(cmd)
	return cmd
}

func describe(m *mappings.Mapping) string {
	switch {
	case m.Kerberos != "":
		return "kerberos:" + m.Kerberos
	case m.OIDCIssuer != "":
		s := "oidc:" + m.OIDCIssuer
		if m.OIDCSubject != "" {
			s += " sub=" + m.OIDCSubject
		}
		if m.OIDCGroup != "" {
			s += " group=" + m.OIDCGroup
		}
		return s
	}
	return "iam:" + string(m.IAMUser)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
