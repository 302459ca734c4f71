package interop

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestDoctorBinary runs `sluice doctor` as a user would against `sluice serve`: a fresh install
// passes; a table under a registered location created with the default settings fails (exit 1)
// with revoke and put-data-lake-settings commands that, run by the aws CLI v2 (the older model),
// fix it; then the doctor passes again. With the server gone, the server checks are skipped and
// the offline ones still pass.
func TestDoctorBinary(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	p := serve(t, dataDir)
	bin, err := sluiceBinary()
	if err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dataDir,
		"AWS_ACCESS_KEY_ID=" + p.keyID, "AWS_SECRET_ACCESS_KEY=" + p.secret, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
	}
	doctor := func(endpoint string, args ...string) result {
		return run(t, env, bin, append([]string{"doctor", "--data-dir", dataDir, "--endpoint-url", endpoint}, args...)...)
	}
	exitCode := func(r result) int {
		var ee *exec.ExitError
		if errors.As(r.err, &ee) {
			return ee.ExitCode()
		}
		if r.err != nil {
			t.Fatalf("doctor: %v\n%s", r.err, r.stderr)
		}
		return 0
	}

	r := doctor(p.endpoint)
	if exitCode(r) != 0 || !strings.Contains(r.stdout, "ok    health") || !strings.Contains(r.stdout, "0 fail, 0 skipped") {
		t.Fatalf("fresh install: exit %d\n%s%s", exitCode(r), r.stdout, r.stderr)
	}

	cli := awsCLI(t, "2")
	for _, args := range [][]string{
		{"lakeformation", "register-resource", "--resource-arn", "arn:aws:s3:::lake/sales", "--use-service-linked-role"},
		{"glue", "create-database", "--database-input", "Name=sales"},
		{"glue", "create-table", "--database-name", "sales", "--table-input", `{"Name":"orders","StorageDescriptor":{"Location":"s3://lake/sales/orders/","Columns":[{"Name":"id","Type":"int"}]}}`},
	} {
		if r := run(t, env, cli, append([]string{"--endpoint-url", p.endpoint}, args...)...); r.err != nil {
			t.Fatalf("aws %v: %v\n%s", args, r.err, r.stderr)
		}
	}

	r = doctor(p.endpoint)
	if exitCode(r) != 1 || !regexp.MustCompile(`(?m)^fail  iam-allowed-principals  table sales\.orders at s3://lake/sales/orders/ `).MatchString(r.stdout) ||
		!strings.Contains(r.stderr, "1 check(s) failed") {
		t.Fatalf("governed table: exit %d\n%s%s", exitCode(r), r.stdout, r.stderr)
	}
	fixes := regexp.MustCompile(`(?m)^\s+fix: aws (lakeformation .*)$`).FindAllStringSubmatch(r.stdout, -1)
	if len(fixes) != 2 {
		t.Fatalf("want a revoke and a put-data-lake-settings fix:\n%s", r.stdout)
	}
	for _, fix := range fixes {
		if r := run(t, env, "sh", "-c", shellQuoteArg(cli)+" "+fix[1]); r.err != nil {
			t.Fatalf("fix %s: %v\n%s", fix[1], r.err, r.stderr)
		}
	}

	r = doctor(p.endpoint, "--output", "json")
	var report struct {
		Findings []struct{ Check, Status, Message, Fix string }
		Failed   bool
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil || exitCode(r) != 0 || report.Failed {
		t.Fatalf("after the fixes: exit %d, %v\n%s%s", exitCode(r), err, r.stdout, r.stderr)
	}
	for _, f := range report.Findings {
		want := "ok"
		if f.Check == "root-usage" {
			want = "warn" // root did the setup above
		}
		if f.Status != want {
			t.Errorf("after the fixes: %+v, want %s", f, want)
		}
	}

	p.stop(t)
	r = doctor(p.endpoint)
	if exitCode(r) != 0 || !strings.Contains(r.stdout, "ok    store") || strings.Count(r.stdout, "not reachable") != 4 {
		t.Fatalf("server stopped: exit %d\n%s%s", exitCode(r), r.stdout, r.stderr)
	}
}

func shellQuoteArg(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
