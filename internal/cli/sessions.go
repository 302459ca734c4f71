package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/spf13/cobra"
)

// RevokePolicyName is the inline policy AWS's console uses to revoke a role's active sessions.
const RevokePolicyName = "AWSRevokeOlderSessions"

func newSessions() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sessions",
		Short: "Manage role sessions",
		Example: `  # Revoke every session of a role issued before now:
  sluice sessions revoke --role app`,
	}
	var cf clientFlags
	var role string
	var before string
	revoke := &cobra.Command{
		Use:   "revoke",
		Short: "Revoke the active sessions of a role",
		Long: `Revoke every session of a role issued before a time (default: now), as AWS's console does:
an inline policy AWSRevokeOlderSessions on the role denies every action to sessions whose
aws:TokenIssueTime is older. It takes effect on the next request on every replica. New sessions
keep working. Needs iam:PutRolePolicy on the role.`,
		Example: `  sluice sessions revoke --role app
  sluice sessions revoke --role arn:aws:iam::123456789012:role/app --before 2026-11-24T10:00:00Z`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if role == "" {
				return fmt.Errorf("--role is required (a role name or ARN)")
			}
			t := time.Now().UTC().Truncate(time.Second)
			if before != "" {
				var err error
				if t, err = time.Parse(time.RFC3339, before); err != nil {
					return fmt.Errorf("--before %q: use RFC 3339, e.g. 2026-11-24T10:00:00Z", before)
				}
			}
			name := role
			if i := strings.LastIndex(role, "/"); strings.HasPrefix(role, "arn:") && i >= 0 {
				name = role[i+1:]
			}
			cfg, err := cf.config(cmd.Context())
			if err != nil {
				return err
			}
			doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"%s"}}}]}`, t.Format(time.RFC3339))
			_, err = iam.NewFromConfig(cfg).PutRolePolicy(cmd.Context(), &iam.PutRolePolicyInput{
				RoleName: aws.String(name), PolicyName: aws.String(RevokePolicyName), PolicyDocument: aws.String(doc),
			})
			if err != nil {
				return fmt.Errorf("revoking sessions of %s: %w", name, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "sessions of role %s issued before %s are revoked\n", name, t.Format(time.RFC3339))
			return nil
		},
	}
	cf.register(revoke)
	revoke.Flags().StringVar(&role, "role", "", "role name or ARN")
	revoke.Flags().StringVar(&before, "before", "", "revoke sessions issued before this RFC 3339 time (default now)")
	cmd.AddCommand(revoke)
	return cmd
}
