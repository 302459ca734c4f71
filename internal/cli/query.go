package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/spf13/cobra"

	"github.com/sluicehq/sluice/internal/lfquery"
	"github.com/sluicehq/sluice/internal/tables"
)

// nativeStream performs a signed GET of Sluice's API and returns the response body.
func (f *clientFlags) nativeStream(ctx context.Context, path string, query url.Values) (io.ReadCloser, error) {
	cfg, err := f.config(ctx)
	if err != nil {
		return nil, err
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	u := strings.TrimSuffix(*cfg.BaseEndpoint, "/") + path
	if len(query) > 0 {
		u += "?" + strings.ReplaceAll(query.Encode(), "+", "%20")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "sluice", cfg.Region, time.Now()); err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		var e struct {
			Type    string `json:"__type"`
			Message string
		}
		json.Unmarshal(data, &e)
		if e.Type == "" {
			return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil, fmt.Errorf("%s: %s", e.Type, e.Message)
	}
	return resp.Body, nil
}

func newQuery() *cobra.Command {
	var f clientFlags
	var output string
	cmd := &cobra.Command{
		Use:   "query \"SELECT cols FROM db.table [WHERE …] [LIMIT n]\"",
		Short: "Read the rows of a table you may see, filtered by Sluice",
		Long: `query reads a table through Sluice's filtered read API: Sluice reads the files itself and
returns only the columns, rows and cells the caller's Lake Formation grants allow. The WHERE
clause uses the row-filter grammar of data cells filters (=, <>, <, <=, >, >=, BETWEEN, IN, LIKE,
IS [NOT] NULL, AND, OR, NOT; strings in single quotes) and only narrows the result.

The caller needs glue:GetTable and lakeformation:GetDataAccess (IAM) and SELECT (Lake Formation).`,
		Example: `  sluice query "SELECT * FROM tpc.dl_tpc_customer LIMIT 10"
  sluice query --output csv "SELECT ws_order_number, ws_state FROM tpc.dl_tpc_web_sales WHERE ws_state = 'CA'"
  sluice query --output parquet "SELECT * FROM tpc.dl_tpc_item" > items.parquet`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sel, err := lfquery.ParseStatement(args[0], "")
			if err != nil {
				return err
			}
			format := output
			switch output {
			case "table":
				format = "csv"
			case "csv", "jsonl", "parquet", "arrow":
			default:
				return fmt.Errorf("--output must be table, csv, jsonl, parquet or arrow")
			}
			q := url.Values{"format": {format}}
			if sel.Columns != nil {
				q.Set("columns", strings.Join(sel.Columns, ","))
			}
			if sel.Where != "" {
				q.Set("where", strings.TrimSpace(sel.Where))
			}
			if sel.Limit > 0 {
				q.Set("limit", strconv.FormatInt(sel.Limit, 10))
			}
			body, err := f.nativeStream(cmd.Context(), "/_sluice/v1/tables/"+url.PathEscape(sel.Database)+"/"+url.PathEscape(sel.Table)+"/rows", q)
			if err != nil {
				return err
			}
			defer body.Close()
			// A progress line on stderr for long reads, when it is a terminal that the rows do
			// not also go to (a table is printed only at the end).
			var pw io.Writer
			if isTerminal(cmd.ErrOrStderr()) && (output == "table" || !isTerminal(cmd.OutOrStdout())) {
				pw = cmd.ErrOrStderr()
			}
			pr := newProgress(body, pw, sel.Database+"."+sel.Table, format == "csv" || format == "jsonl", time.Now)
			if pw != nil {
				pr.run(250 * time.Millisecond)
			}
			defer pr.Close()
			if output != "table" {
				_, err = io.Copy(cmd.OutOrStdout(), pr)
				return err
			}
			return printAligned(cmd.OutOrStdout(), pr, pr.Close)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output: table, csv, jsonl, parquet or arrow")
	return cmd
}

// printAligned renders CSV as an aligned table; NULL cells print as NULL. read runs once the
// input is read, before anything is printed.
func printAligned(w io.Writer, r io.Reader, read func()) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	n := -1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		for i, v := range rec {
			if n >= 0 && v == "" {
				rec[i] = "NULL"
			}
			rec[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(rec[i])
		}
		if n < 0 {
			for i := range rec {
				rec[i] = strings.ToUpper(rec[i])
			}
		}
		fmt.Fprintln(tw, strings.Join(rec, "\t"))
		n++
	}
	read()
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "(%d rows)\n", max(n, 0))
	return nil
}

func newDatabases() *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "databases",
		Short: "List the databases you may describe",
		Example: `  sluice databases
  sluice databases --endpoint-url http://127.0.0.1:9876 --profile analyst`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out struct{ Databases []tables.DatabaseSummary }
			if err := f.native(cmd.Context(), http.MethodGet, "/_sluice/v1/databases", nil, nil, &out); err != nil {
				return err
			}
			for _, d := range out.Databases {
				fmt.Fprintln(cmd.OutOrStdout(), d.Name)
			}
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

func newTables() *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "tables DATABASE",
		Short: "List the tables of a database you may describe",
		Example: `  sluice tables tpc
  sluice tables tpc --endpoint-url http://127.0.0.1:9876 --profile analyst`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out struct{ Tables []tables.TableSummary }
			if err := f.native(cmd.Context(), http.MethodGet, "/_sluice/v1/databases/"+url.PathEscape(args[0])+"/tables", nil, nil, &out); err != nil {
				return err
			}
			var b bytes.Buffer
			for _, t := range out.Tables {
				fmt.Fprintln(&b, t.Name)
			}
			_, err := cmd.OutOrStdout().Write(b.Bytes())
			return err
		},
	}
	f.register(cmd)
	return cmd
}
