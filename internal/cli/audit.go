package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	s3api "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/internal/audit"
	"github.com/sluicehq/sluice/internal/daemon"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/storeopen"
)

// auditFlags are shared by the audit subcommands that read the log offline.
type auditFlags struct {
	dataDir, storeDSN, keyringFile string
}

func (f *auditFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dataDir, "data-dir", daemon.DefaultDataDir, "data directory of the Sluice whose log to read")
	cmd.Flags().StringVar(&f.storeDSN, "store", "", "store DSN (default the SQLite file in --data-dir)")
	cmd.Flags().StringVar(&f.keyringFile, "keyring", "", "key ring file with the digest keys (default <data-dir>/keyring.json)")
}

func (f *auditFlags) open(ctx context.Context) (store.Store, error) {
	dsn := f.storeDSN
	if dsn == "" {
		dsn = filepath.Join(f.dataDir, "sluice.db")
		if _, err := os.Stat(dsn); err != nil {
			return nil, fmt.Errorf("no Sluice store at %s: %w", dsn, err)
		}
	}
	return storeopen.Open(ctx, dsn, nil)
}

func (f *auditFlags) ring() (*keyring.Ring, error) {
	path := f.keyringFile
	if path == "" {
		path = filepath.Join(f.dataDir, "keyring.json")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key ring: %w", err)
	}
	return keyring.Parse(data, nil)
}

// parseTime accepts RFC 3339, a date (YYYY-MM-DD, UTC) or a duration before now ("2h").
func parseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("time %q: use RFC 3339, YYYY-MM-DD or a duration such as 2h", s)
}

func newAudit() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Verify, export and read the audit trail",
		Long: `Every AWS request Sluice answers leaves one CloudTrail record in a hash-chained log with signed
digests. These commands read the log directly from the data directory (offline is fine).`,
		Example: `  sluice audit verify --data-dir ./sluice-data
  sluice audit export --data-dir ./sluice-data --to ./trail
  sluice audit verify --export ./trail --keyring ./sluice-data/keyring.json
  sluice audit search --user alice --from 24h
  sluice audit tail -f`,
	}
	cmd.AddCommand(newAuditVerify(), newAuditExport(), newAuditSearch(), newAuditTail())
	return cmd
}

func newAuditVerify() *cobra.Command {
	var f auditFlags
	var exportDir, from, to string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Prove that no audit record was changed, removed, inserted, reordered or cut off",
		Long: `Recompute every record's hash and link, check every signed digest against the key ring's public
keys, and check that each chain ends at its signed head. Exit status 1 names the first bad record.`,
		Example: `  sluice audit verify --data-dir ./sluice-data
  sluice audit verify --export ./trail --keyring ./keyring.json --from 2026-07-01`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			now := time.Now()
			var opts audit.VerifyOptions
			var err error
			if opts.From, err = parseTime(from, now); err != nil {
				return err
			}
			if opts.To, err = parseTime(to, now); err != nil {
				return err
			}
			var st store.Store
			if exportDir == "" {
				if st, err = f.open(cmd.Context()); err != nil {
					return err
				}
				defer st.Close()
			}
			ring, err := f.ring()
			if err != nil {
				return err
			}
			var rep *audit.Report
			if exportDir != "" {
				rep, err = audit.VerifyExport(exportDir, ring, &opts)
			} else {
				rep, err = audit.Verify(cmd.Context(), st, ring, &opts)
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if rep.OK() {
				fmt.Fprintf(out, "OK: %d records in %d chains; %d signed digests verified\n", rep.Records, rep.Chains, rep.Digests)
				return nil
			}
			fmt.Fprintf(out, "FAILED: first bad record: %s\n", rep.Problems[0])
			for _, p := range rep.Problems[1:] {
				fmt.Fprintf(out, "  also: %s\n", p)
			}
			return fmt.Errorf("audit log verification failed (%d problems)", len(rep.Problems))
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&exportDir, "export", "", "verify an export directory instead of the store")
	cmd.Flags().StringVar(&from, "from", "", "report content problems only for records from this time")
	cmd.Flags().StringVar(&to, "to", "", "… up to this time")
	return cmd
}

func newAuditExport() *cobra.Command {
	var f auditFlags
	var to, account, region, endpoint string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the log as CloudTrail log files and digest files, to a directory or a bucket",
		Long: `Write every record as gzip JSON {"Records":[…]} under AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/,
with one digest file per chain under AWSLogs/<account>/CloudTrail-Digest/ that lets
'sluice audit verify --export' prove the files complete and unchanged.

--to s3://bucket/prefix uploads the files to a bucket (of a Sluice, or any S3) with the
credentials of the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and
--endpoint-url (default AWS_ENDPOINT_URL).`,
		Example: `  sluice audit export --data-dir ./sluice-data --to ./trail
  sluice audit export --data-dir ./sluice-data --to s3://audit-archive/sluice --endpoint-url http://127.0.0.1:9876`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to == "" {
				return errors.New("--to DIR or --to s3://bucket/prefix is required")
			}
			st, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			dir := to
			bucket, prefix, toS3 := strings.Cut(strings.TrimPrefix(to, "s3://"), "/")
			toS3 = strings.HasPrefix(to, "s3://")
			if toS3 {
				if bucket == "" {
					return fmt.Errorf("--to %q: name a bucket", to)
				}
				if dir, err = os.MkdirTemp("", "sluice-export"); err != nil {
					return err
				}
				defer os.RemoveAll(dir)
			}
			rep, err := audit.Export(cmd.Context(), st, dir, account, region, time.Now())
			if err != nil {
				return err
			}
			if toS3 {
				if err := uploadDir(cmd.Context(), dir, bucket, prefix, endpoint, region); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "exported %d records of %d chains in %d log files to %s\n", rep.Records, rep.Chains, rep.Files, to)
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&to, "to", "", "directory, or s3://bucket/prefix, to write to")
	cmd.Flags().StringVar(&account, "account", daemon.DefaultAccount, "account id in the layout")
	cmd.Flags().StringVar(&region, "region", daemon.DefaultRegion, "region in the layout (and of the bucket)")
	cmd.Flags().StringVar(&endpoint, "endpoint-url", os.Getenv("AWS_ENDPOINT_URL"), "S3 endpoint for s3:// targets")
	return cmd
}

// uploadDir puts every file under dir into bucket under prefix, path-style.
func uploadDir(ctx context.Context, dir, bucket, prefix, endpoint, region string) error {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return err
	}
	client := s3api.NewFromConfig(cfg, func(o *s3api.Options) {
		o.UsePathStyle = true
		if endpoint != "" {
			o.BaseEndpoint = &endpoint
		}
	})
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		key := path.Join(prefix, filepath.ToSlash(rel))
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		ctype := "application/x-gzip"
		if _, err := client.PutObject(ctx, &s3api.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data), ContentType: &ctype}); err != nil {
			return fmt.Errorf("upload %s: %w", key, err)
		}
		return nil
	})
}

// searchFilter selects records; empty fields match everything.
type searchFilter struct {
	user, role, session, sourceIdentity, event, resource, errorCode string
	anyError                                                        bool
}

func (s *searchFilter) match(e *audit.Event) bool {
	u := &e.UserIdentity
	sc := u.SessionContext
	switch {
	case s.user != "" && e.Username() != s.user && u.UserName != s.user && u.ARN != s.user:
		return false
	case s.role != "" && (sc == nil || sc.SessionIssuer == nil || (sc.SessionIssuer.UserName != s.role && sc.SessionIssuer.ARN != s.role)):
		return false
	case s.session != "" && (u.Type != "AssumedRole" || e.Username() != s.session):
		return false
	case s.sourceIdentity != "" && (sc == nil || sc.SourceIdentity != s.sourceIdentity):
		return false
	case s.event != "" && e.EventName != s.event:
		return false
	case s.errorCode != "" && e.ErrorCode != s.errorCode:
		return false
	case s.anyError && e.ErrorCode == "":
		return false
	case s.resource != "" && !slices.ContainsFunc(e.Resources, func(r audit.EventResource) bool {
		return r.ARN == s.resource || strings.HasPrefix(r.ARN, s.resource)
	}):
		return false
	}
	return true
}

// query picks the most selective index for the filter.
func (s *searchFilter) query() audit.Query {
	switch {
	case s.event != "":
		return audit.Query{Attr: audit.EventName, Value: s.event}
	case s.user != "" && !strings.HasPrefix(s.user, "arn:"):
		return audit.Query{Attr: audit.Username, Value: s.user}
	case s.session != "":
		return audit.Query{Attr: audit.Username, Value: s.session}
	}
	return audit.Query{Attr: audit.All}
}

func printEvent(w io.Writer, f audit.Found, asJSON bool) {
	if asJSON {
		w.Write(f.Entry.Event)
		io.WriteString(w, "\n")
		return
	}
	e := f.Event
	who := e.UserIdentity.ARN
	if who == "" {
		who = "(unauthenticated"
		if e.UserIdentity.AccessKeyID != "" {
			who += " key " + e.UserIdentity.AccessKeyID
		}
		who += ")"
	}
	if sc := e.UserIdentity.SessionContext; sc != nil && sc.SourceIdentity != "" {
		who += " [source " + sc.SourceIdentity + "]"
	}
	outcome := "OK"
	if e.ErrorCode != "" {
		outcome = e.ErrorCode
	}
	var res []string
	for _, r := range e.Resources {
		res = append(res, r.ARN)
	}
	fmt.Fprintf(w, "%s  %-28s %-26s %-14s %s %s\n", e.EventTime, e.EventSource, e.EventName, outcome, who, strings.Join(res, ","))
}

func newAuditSearch() *cobra.Command {
	var f auditFlags
	var s searchFilter
	var from, to, output string
	var limit int
	cmd := &cobra.Command{
		Use:   "search",
		Short: "Find audit records by user, role, session, source identity, event, resource, time or error",
		Example: `  sluice audit search --user alice
  sluice audit search --role app --source-identity david --from 2026-07-01
  sluice audit search --error AccessDenied --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return fmt.Errorf("--output %q: use text or json", output)
			}
			now := time.Now()
			q := s.query()
			var err error
			if q.Start, err = parseTime(from, now); err != nil {
				return err
			}
			if q.End, err = parseTime(to, now); err != nil {
				return err
			}
			st, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			q.Limit = 50
			n := 0
			for n < limit {
				found, next, err := audit.Lookup(cmd.Context(), st, q)
				if err != nil {
					return err
				}
				for _, fd := range found {
					if s.match(fd.Event) && n < limit {
						printEvent(cmd.OutOrStdout(), fd, output == "json")
						n++
					}
				}
				if next == "" {
					break
				}
				q.NextToken = next
			}
			if n == 0 && output == "text" {
				fmt.Fprintln(cmd.ErrOrStderr(), "no matching records")
			}
			return nil
		},
	}
	f.add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&s.user, "user", "", "IAM user name, session name, or principal ARN")
	fl.StringVar(&s.role, "role", "", "role name or ARN behind the session")
	fl.StringVar(&s.session, "session", "", "role session name")
	fl.StringVar(&s.sourceIdentity, "source-identity", "", "session source identity")
	fl.StringVar(&s.event, "event", "", "event name (AssumeRole, GetObject, GetDataAccess…)")
	fl.StringVar(&s.resource, "resource", "", "resource ARN or ARN prefix")
	fl.StringVar(&s.errorCode, "error", "", "error code (AccessDenied…)")
	fl.BoolVar(&s.anyError, "failed", false, "only failed requests")
	fl.StringVar(&from, "from", "", "from time (RFC 3339, YYYY-MM-DD or a duration ago such as 2h)")
	fl.StringVar(&to, "to", "", "to time")
	fl.IntVar(&limit, "limit", 100, "at most this many records, newest first")
	fl.StringVarP(&output, "output", "o", "text", "text or json (one CloudTrail record per line)")
	return cmd
}

func newAuditTail() *cobra.Command {
	var f auditFlags
	var follow bool
	var n int
	var output string
	var interval time.Duration
	cmd := &cobra.Command{
		Use:     "tail",
		Short:   "Show the newest audit records, oldest first; -f keeps following",
		Example: "  sluice audit tail -n 20 -f",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := f.open(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			seen := map[string]bool{}
			show := func(limit int) error {
				found, _, err := audit.Lookup(cmd.Context(), st, audit.Query{Limit: max(1, min(limit, 50))})
				if err != nil {
					return err
				}
				slices.Reverse(found)
				for _, fd := range found {
					if !seen[fd.Event.EventID] {
						seen[fd.Event.EventID] = true
						printEvent(cmd.OutOrStdout(), fd, output == "json")
					}
				}
				return nil
			}
			if err := show(n); err != nil {
				return err
			}
			for follow {
				select {
				case <-cmd.Context().Done():
					return nil
				case <-time.After(interval):
				}
				if err := show(50); err != nil {
					return err
				}
				if len(seen) > 100000 {
					clear(seen)
				}
			}
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new records")
	cmd.Flags().IntVarP(&n, "lines", "n", 10, "records to show first (at most 50)")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	cmd.Flags().DurationVar(&interval, "interval", time.Second, "poll interval with -f")
	return cmd
}
