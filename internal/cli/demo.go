package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/internal/demo"
	"github.com/sluicehq/sluice/internal/krblogin"
	"github.com/sluicehq/sluice/internal/rootkeys"
)

func newDemo() *cobra.Command {
	var (
		sf        serverFlags
		rows      int
		seed      uint64
		configDir string
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run Sluice with a governed demo lake, AWS profiles per persona, and commands to try",
		Long: `Run Sluice (as serve does, with the same flags) with the lake of stories S0 and S1 in it: bucket
tpc-lake with the TPC-like database tpc (customers with sensitive columns, addresses, items,
web sales as CSV, JSON lines, gzip CSV and Parquet), Lake Formation in charge with LF-Tags,
column grants and data cells filters, the roles of a notebook (execution and application role)
and of a shared engine (marketing, sales, electronics), and the users David and Tina.

Everything is created through Sluice's public APIs. The data dir defaults to a new temporary
directory removed on exit; a data dir that sluice demo seeded before is reused as it is. The AWS
config and credentials files (one profile per persona) go to <data-dir>/aws unless
--aws-config-dir names another directory; in an existing file only the block between
"# >>> sluice demo >>>" and "# <<< sluice demo <<<" is replaced. The demo then prints commands
to try per persona and serves until SIGINT or SIGTERM.`,
		Example: `  sluice demo
  sluice demo --addr 127.0.0.1:0 --rows 20000
  sluice demo --data-dir ./demo-data            # kept: the next run reuses it
  sluice demo --aws-config-dir ~/.aws           # profiles in your own AWS files`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			dir, throwaway := sf.cfg.DataDir, sf.cfg.DataDir == ""
			if throwaway {
				var err error
				if dir, err = os.MkdirTemp("", "sluice-demo-"); err != nil {
					return err
				}
				defer os.RemoveAll(dir)
			}
			dir, err := filepath.Abs(dir)
			if err != nil {
				return err
			}
			lake, err := demo.Load(dir)
			switch {
			case errors.Is(err, demo.ErrNotSeeded):
				if entries, _ := os.ReadDir(dir); len(entries) > 0 {
					return fmt.Errorf("data dir %s is not empty and was not seeded by sluice demo: use a new directory", dir)
				}
			case err != nil:
				return err
			}
			sf.cfg.DataDir = dir
			d, err := sf.start(cmd)
			if err != nil {
				return err
			}
			ep := d.Endpoint()
			seeded := ""
			if lake == nil {
				start := time.Now()
				lake, err = demo.Seed(cmd.Context(), ep, aws.Credentials{AccessKeyID: string(d.Root.AccessKeyID), SecretAccessKey: d.Root.Secret.Reveal()},
					&demo.Options{Region: sf.cfg.Region, Rows: rows, Seed: seed})
				if err == nil {
					err = lake.Save(dir)
				}
				if err != nil {
					d.Shutdown(cmd.Context())
					return err
				}
				seeded = fmt.Sprintf("Seeded in %.1fs.", time.Since(start).Seconds())
			} else {
				seeded = "Reusing the lake seeded before."
			}

			if configDir == "" {
				configDir = filepath.Join(dir, "aws")
			} else if rest, ok := strings.CutPrefix(configDir, "~/"); ok {
				home, err := os.UserHomeDir()
				if err != nil {
					d.Shutdown(cmd.Context())
					return err
				}
				configDir = filepath.Join(home, rest)
			}
			exe, err := os.Executable()
			if err != nil {
				exe = "sluice"
			}
			config, creds := demo.AWSFiles(lake, ep, func(p demo.PersonaName) string {
				return demo.ShellQuote(exe) + " demo creds --data-dir " + demo.ShellQuote(dir) + " --endpoint-url " + ep + " " + string(p)
			})
			if err := demo.WriteAWSFiles(configDir, config, creds); err != nil {
				d.Shutdown(cmd.Context())
				return err
			}

			fmt.Fprintf(out, "Sluice demo is serving on %s (account %s, region %s).\n", ep, lake.Account, lake.Region)
			if throwaway {
				fmt.Fprintf(out, "Data dir %s (removed on exit). %s\n", dir, seeded)
			} else {
				fmt.Fprintf(out, "Data dir %s (kept). %s\n", dir, seeded)
			}
			if d.Root.Source != "environment" {
				fmt.Fprintf(out, "Root keys: %s.\n", filepath.Join(dir, rootkeys.FileName))
			}
			var tables []string
			for _, t := range lake.Tables {
				tables = append(tables, t.Name+" ("+t.Format+")")
			}
			fmt.Fprintf(out, "Lake: s3://%s, Glue database %s: %s; %d web sales.\n", demo.DataBucket, lake.Database, strings.Join(tables, ", "), lake.Rows)
			fmt.Fprintf(out, "AWS profiles in %s (config, credentials): one per persona below; <persona>%s: role_arn instead of credential_process, for clients that read endpoint_url.\n",
				configDir, demo.RoleARNSuffix)
			fmt.Fprintf(out, "\nIn another shell:\n  %s\n", demo.Exports(ep, configDir))
			demo.WriteGuide(out, demo.Guide(lake, ep, configDir))
			fmt.Fprintf(out, "\nServing until Ctrl-C.\n")
			return serveUntilDone(cmd.Context(), d)
		},
	}
	sf.register(cmd, "")
	f := cmd.Flags()
	f.IntVar(&rows, "rows", 5000, "web sales rows to generate (a tenth as many customers, a twenty-fifth as many items); used when seeding")
	f.Uint64Var(&seed, "seed", 1, "seed of the data generator; used when seeding")
	f.StringVar(&configDir, "aws-config-dir", "", "directory for the AWS config and credentials files (default <data-dir>/aws; ~/.aws to use your own)")
	cmd.AddCommand(newDemoCreds())
	return cmd
}

func newDemoCreds() *cobra.Command {
	var (
		dataDir, endpoint string
		duration          time.Duration
	)
	cmd := &cobra.Command{
		Use:   "creds PERSONA",
		Short: "Print a demo persona's credentials as credential_process JSON",
		Long: `Assume the persona's role with its user's key (with the persona's session name, source identity
and session tags) at the Sluice demo's endpoint and print the session as credential_process JSON.
The profiles that sluice demo writes call it; clients call it again when the session expires.`,
		Example: `  sluice demo creds --data-dir /tmp/sluice-demo-123 --endpoint-url http://127.0.0.1:9876 david

  # AWS config (as sluice demo writes it):
  [profile david]
  credential_process = sluice demo creds --data-dir /tmp/sluice-demo-123 --endpoint-url http://127.0.0.1:9876 david`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dataDir == "" || endpoint == "" {
				return errors.New("--data-dir and --endpoint-url are required")
			}
			lake, err := demo.Load(dataDir)
			if err != nil {
				return err
			}
			p, ok := lake.Persona(demo.PersonaName(args[0]))
			if !ok {
				var names []string
				for _, p := range lake.Personas {
					names = append(names, string(p.Name))
				}
				return fmt.Errorf("no persona %q (the demo has %s)", args[0], strings.Join(names, ", "))
			}
			c, err := p.Credentials(cmd.Context(), endpoint, lake.Region, duration)
			if err != nil {
				return err
			}
			o := krblogin.Output{Version: 1, AccessKeyId: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
			if c.CanExpire {
				o.Expiration = c.Expires.UTC().Format(time.RFC3339)
			}
			return printJSON(cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", "", "data dir of the demo (required)")
	f.StringVar(&endpoint, "endpoint-url", "", "Sluice endpoint (required)")
	f.DurationVar(&duration, "duration", 0, "session duration (default the role's, 1h)")
	return cmd
}
