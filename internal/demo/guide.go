package demo

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Try is one command of the guide and what it shows.
type Try struct {
	Command string
	Expect  string
}

// Section is the guide for one persona.
type Section struct {
	Persona PersonaName
	Title   string
	Tries   []Try
}

// Guide returns, per persona, commands to try against the lake at endpoint with the AWS files
// in configDir (as written by WriteAWSFiles), and what each should show. The commands assume
// the environment of Exports. aws commands carry --endpoint-url for clients that ignore
// endpoint_url.
func Guide(l *Lake, endpoint, configDir string) []Section {
	aws := "aws --endpoint-url " + endpoint + " --profile "
	role := func(name string) string { return "arn:aws:iam::" + l.Account + ":role/" + name }
	sales := l.Rows / 5
	var out []Section
	for _, name := range []PersonaName{David, TinaSales, TinaElectronics, NotebookApp, Notebook, Engine, Admin} {
		p, ok := l.Persona(name)
		if !ok {
			continue
		}
		s := Section{Persona: p.Name, Title: p.Description}
		switch p.Name {
		case David:
			s.Tries = []Try{
				{`sluice query --profile david "SELECT * FROM tpc.dl_tpc_customer LIMIT 3"`,
					"3 customers with c_customer_sk and c_birth_country only: names and emails are not granted"},
				{`sluice query --profile david "SELECT * FROM tpc.dl_tpc_customer_address LIMIT 3"`,
					"denied (EntityNotFoundException): marketing has no grant on the table, so it cannot even see it"},
				{aws + p.User + " sts assume-role --role-arn " + role("sales-data-access-role") + " --role-session-name david",
					"AccessDenied: David's own policy lets him assume only the marketing role"},
			}
		case TinaSales:
			s.Tries = []Try{
				{`sluice query --profile tina-sales "SELECT * FROM tpc.dl_tpc_web_sales LIMIT 5"`,
					"5 sales, every one with ws_state " + SalesRegion + " (her data cells filter)"},
				{"PYTHONPATH=" + ShellQuote(configDir) + ` AWS_PROFILE=tina-sales python3 -c 'from read_table import read_table; df = read_table("tpc", "dl_tpc_web_sales"); print(len(df), sorted(df.ws_state.unique()))'`,
					fmt.Sprintf("%d ['%s']: pandas gets her region's %d of the %d sales", sales, SalesRegion, sales, l.Rows)},
			}
		case TinaElectronics:
			s.Tries = []Try{
				{aws + "tina-electronics glue get-tables --database-name tpc --query 'TableList[].Name' --output text",
					"dl_tpc_item: the only table this role may describe"},
				{`sluice query --profile tina-electronics "SELECT * FROM tpc.dl_tpc_item LIMIT 5"`,
					"Electronics items only"},
			}
		case NotebookApp:
			s.Tries = []Try{
				{aws + "notebook-app s3api get-object --bucket " + DataBucket + " --key customer/part-0.csv /dev/stdout",
					"AccessDenied: the application role has no S3 access of its own"},
				{aws + "notebook-app glue get-unfiltered-table-metadata --catalog-id " + l.Account + " --database-name tpc --name dl_tpc_customer --supported-permission-types COLUMN_PERMISSION --query AuthorizedColumns --output text",
					strings.Join(AppColumns, "\t") + ": the columns the execution role granted it"},
				{aws + "notebook-app lakeformation get-temporary-glue-table-credentials --table-arn arn:aws:glue:" + l.Region + ":" + l.Account + ":table/tpc/dl_tpc_customer --supported-permission-types COLUMN_PERMISSION --query AccessKeyId --output text",
					"an ASIA… key that reads only s3://" + DataBucket + "/customer/ (the session is tagged " + tagKey + "=" + NotebookTag + ")"},
			}
		case Notebook:
			s.Tries = []Try{
				{aws + "notebook lakeformation get-data-lake-settings --query DataLakeSettings.DataLakeAdmins --output text",
					"the execution role and demo-admin: the data-lake admins"},
			}
		case Engine:
			s.Tries = []Try{
				{aws + "engine sts assume-role --role-arn " + role("sales-data-access-role") + " --role-session-name tina --source-identity tina-sales-electronics --tags 'Key=" + tagKey + ",Value=" + EngineTag + "' --query AssumedRoleUser.Arn --output text",
					"arn:aws:sts::" + l.Account + ":assumed-role/sales-data-access-role/tina: the engine acts for Tina"},
			}
		case Admin:
			s.Tries = []Try{
				{aws + `admin lakeformation get-resource-lf-tags --resource '{"Table":{"DatabaseName":"tpc","Name":"dl_tpc_web_sales"}}' --query 'LFTagsOnTable[].[TagKey,TagValues[0]]' --output text`,
					"domain\tsales: the table's LF-Tag"},
				{aws + "admin cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=ReadRows --query 'Events[].Username' --output text",
					"the session of everyone who read rows so far, e.g. david-non-sensitive-customer"},
			}
		}
		out = append(out, s)
	}
	return out
}

// Exports is the shell line that points clients at the demo's AWS files and endpoint.
func Exports(endpoint, configDir string) string {
	return "export AWS_CONFIG_FILE=" + ShellQuote(filepath.Join(configDir, ConfigFile)) +
		" AWS_SHARED_CREDENTIALS_FILE=" + ShellQuote(filepath.Join(configDir, CredentialsFile)) +
		" AWS_ENDPOINT_URL=" + endpoint
}

// WriteGuide prints the sections: "<persona> — <title>", then each command after "  $ " and
// what it shows after "    → ".
func WriteGuide(w io.Writer, sections []Section) {
	for _, s := range sections {
		fmt.Fprintf(w, "\n%s — %s\n", s.Persona, s.Title)
		for _, t := range s.Tries {
			fmt.Fprintf(w, "  $ %s\n    → %s\n", t.Command, strings.ReplaceAll(t.Expect, "\t", " "))
		}
	}
}

// ShellQuote quotes s for a POSIX shell when it needs it.
func ShellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:,@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
