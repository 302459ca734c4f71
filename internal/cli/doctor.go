package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/internal/daemon"
	"github.com/sluicehq/sluice/internal/doctor"
)

func newDoctor() *cobra.Command {
	var (
		cfg    doctor.Config
		cf     clientFlags
		output string
	)
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check a Sluice installation and its running server, and say how to fix what is wrong",
		Long: `Check the configuration in the data directory and the running server, and print one line per
finding: ok, warn or fail (skip when a check cannot run), what was checked and found, and for
warn and fail the command that fixes it.

Offline (from --data-dir, --store, --blob and --keyring-file, read as ` + "`sluice serve`" + ` reads them):
the store is reachable and migrated (opened read-only; pending migrations are reported, never
applied), blob storage is writable (a probe object is written and deleted), the key ring and the
root credentials file are readable by their owner only.

Against the server (--endpoint-url): the health endpoint answers 200, its clock is within a
minute of this machine's, and, signed with your AWS credentials (the usual chain), the root keys
were not used for daily work in the last 7 days (CloudTrail) and no table under a registered Lake
Formation location still grants IAM_ALLOWED_PRINCIPALS (nor do the default permissions for new
tables). The server checks are skipped when the endpoint does not answer.

Exit status 1 when any check fails; warnings do not fail.`,
		Example: `  sluice doctor --data-dir /var/lib/sluice
  sluice doctor --endpoint-url http://sluice.internal:9876 --output json
  AWS_PROFILE=sluice-root sluice doctor`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return fmt.Errorf("--output %q: use text or json", output)
			}
			cfg.Endpoint = doctorEndpoint(cf.endpoint)
			awsCfg, err := cf.config(cmd.Context())
			if err != nil {
				cfg.NoAWS = err
			} else {
				cfg.AWS = &awsCfg
				if awsCfg.BaseEndpoint != nil {
					cfg.Endpoint = *awsCfg.BaseEndpoint // a profile's endpoint_url counts too
				}
			}
			findings := doctor.Run(cmd.Context(), cfg, nil)
			if output == "json" {
				err = doctor.WriteJSON(cmd.OutOrStdout(), findings)
			} else {
				err = doctor.WriteText(cmd.OutOrStdout(), findings)
			}
			if err != nil {
				return err
			}
			if n := failures(findings); n > 0 {
				return fmt.Errorf("doctor: %d check(s) failed", n)
			}
			return nil
		},
	}
	cf.register(cmd)
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", daemon.DefaultDataDir, "data directory of the Sluice to check")
	f.StringVar(&cfg.Store, "store", "", "store: empty for SQLite in the data dir, or a postgres:// URL")
	f.StringVar(&cfg.Blob, "blob", "", "object storage: empty for <data-dir>/objects, a directory, or s3://bucket/prefix?endpoint=URL&region=R")
	f.StringVar(&cfg.KeyringFile, "keyring-file", "", "key ring file (default <data-dir>/keyring.json)")
	f.StringVarP(&output, "output", "o", "text", "output format: text or json")
	applyEnv := bindEnv(f, map[string]string{
		"data-dir": "SLUICE_DATA_DIR", "store": "SLUICE_STORE", "blob": "SLUICE_BLOB", "keyring-file": "SLUICE_KEYRING_FILE",
	})
	cmd.PreRunE = func(*cobra.Command, []string) error { return applyEnv() }
	return cmd
}

// doctorEndpoint is the endpoint client commands use: the flag, else AWS_ENDPOINT_URL, else
// Sluice's default address.
func doctorEndpoint(flag string) string {
	switch {
	case flag != "":
		return flag
	case os.Getenv("AWS_ENDPOINT_URL") != "":
		return os.Getenv("AWS_ENDPOINT_URL")
	}
	return "http://" + daemon.DefaultAddr
}

func failures(fs []doctor.Finding) int {
	n := 0
	for _, f := range fs {
		if f.Status == doctor.Fail {
			n++
		}
	}
	return n
}
