// Package cli implements the sluice command line: `sluice serve`, `sluice version`, and the
// client commands that later issues add. Main is shared by cmd/sluice and the testscript tests.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Version is set at build time with -ldflags "-X github.com/sluicehq/sluice/internal/cli.Version=v1.2.3".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
		if v != "" {
			return v
		}
	}
	return "(devel)"
}

// Main runs the sluice command with args and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "sluice:", err)
		return 1
	}
	return 0
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "sluice",
		Short: "A self-hosted access-control plane for data lakes that speaks the AWS APIs",
		Long: `Sluice speaks IAM, STS, the Glue Data Catalog, Lake Formation, CloudTrail and S3 on one
endpoint, so the AWS CLI, boto3, pandas and the AWS SDKs work against it by changing only the
endpoint URL.`,
		Example: `  # Run on the embedded defaults (127.0.0.1:9876, ./sluice-data):
  sluice serve

  # Ask who you are, with the root keys that serve printed:
  aws --endpoint-url http://127.0.0.1:9876 sts get-caller-identity`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newServe(), newVersion(), newKeyring(), newSessions(), newAudit(), newMappings(), newCreds())
	root.AddCommand(newQuery(), newDatabases(), newTables())
	root.AddCommand(newDoctor())
	root.AddCommand(newDemo())
	return root
}

func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version of sluice",
		Example: "  sluice version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "sluice", version())
			return nil
		},
	}
}

// bindEnv mentions each flag's environment variable in its help and returns a function, for
// PreRunE, that gives every flag not set on the command line the value of its variable.
func bindEnv(fs *pflag.FlagSet, envs map[string]string) func() error {
	for name, env := range envs {
		f := fs.Lookup(name)
		if f == nil {
			panic("no flag " + name)
		}
		f.Usage += " (env " + env + ")"
	}
	return func() error {
		for name, env := range envs {
			f := fs.Lookup(name)
			if v, ok := os.LookupEnv(env); ok && v != "" && !f.Changed {
				if err := f.Value.Set(v); err != nil {
					return fmt.Errorf("%s=%q: %w", env, v, err)
				}
			}
		}
		return nil
	}
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}
