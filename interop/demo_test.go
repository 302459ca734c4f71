package interop

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDemoBinary runs `sluice demo` as a user would (a throw-away data dir, port 0), then runs
// commands exactly as it printed them: two with the aws CLI v2 (its profiles: a user's static
// key, and a persona's session through credential_process = sluice demo creds) and the pandas
// snippet with Debian's python3 and botocore. SIGTERM stops it and removes the data dir.
func TestDemoBinary(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "2")
	py := debianPython(t)
	if r := run(t, os.Environ(), py, "-c", "import pandas"); r.err != nil {
		missing(t, "Debian pandas", "apt-get install python3-pandas")
	}
	bin, err := sluiceBinary()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	cmd := exec.Command(bin, "demo", "--addr", "127.0.0.1:0", "--log-level", "warn")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "TMPDIR=" + tmp}
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, stdout)
	}()
	var out strings.Builder
	deadline := time.After(90 * time.Second)
	for !strings.Contains(out.String(), "Serving until Ctrl-C.") {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("sluice demo exited before its guide:\n%s", out.String())
			}
			out.WriteString(l + "\n")
		case <-deadline:
			t.Fatalf("no guide after 90 s:\n%s", out.String())
		}
	}
	go func() {
		for range lines {
		}
	}()
	guide := out.String()
	t.Logf("demo ready in %v:\n%s", time.Since(start), guide)
	m := endpointRE.FindStringSubmatch(guide)
	if m == nil || strings.HasSuffix(m[1], ":0") {
		t.Fatalf("no actual endpoint in:\n%s", guide)
	}

	// The environment the guide asks for, and nothing of the developer's.
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="}
	for _, l := range strings.Split(guide, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "export "); ok {
			env = append(env, strings.Fields(rest)...)
		}
	}
	if len(env) != 7 {
		t.Fatalf("no export line in:\n%s", guide)
	}
	// command returns the printed command that contains all of words.
	command := func(words ...string) string {
		t.Helper()
	next:
		for _, l := range strings.Split(guide, "\n") {
			c, ok := strings.CutPrefix(l, "  $ ")
			if !ok {
				continue
			}
			for _, w := range words {
				if !strings.Contains(c, w) {
					continue next
				}
			}
			return c
		}
		t.Fatalf("no printed command with %q", words)
		return ""
	}
	shell := func(c string) result {
		t.Helper()
		if rest, ok := strings.CutPrefix(c, "aws "); ok {
			c = cli + " " + rest
		}
		c = strings.Replace(c, " python3 ", " "+py+" ", 1)
		return run(t, env, "/bin/sh", "-c", c)
	}

	// David asking for the sales role with his own key: AccessDenied.
	r := shell(command("--profile david-non-sensitive-customer", "sales-data-access-role"))
	if r.err == nil || !strings.Contains(r.stderr, "(AccessDenied)") {
		t.Errorf("david asking for the sales role: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	// The notebook's application role (credential_process) sees its authorized columns.
	r = shell(command("--profile notebook-app", "get-unfiltered-table-metadata"))
	if r.err != nil || strings.TrimSpace(r.stdout) != "c_customer_sk\tc_birth_country" {
		t.Errorf("notebook-app's authorized columns: %v\n%q\n%s", r.err, r.stdout, r.stderr)
	}
	// Tina as sales reads her region into pandas.
	r = shell(command("AWS_PROFILE=tina-sales", "read_table"))
	if r.err != nil || strings.TrimSpace(r.stdout) != "1000 ['CA']" {
		t.Errorf("pandas as tina-sales: %v\n%q\n%s", r.err, r.stdout, r.stderr)
	}

	// SIGTERM: exit 0, the throw-away data dir is gone.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sluice demo exited with %v after SIGTERM, want 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sluice demo did not exit within 30 s of SIGTERM")
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "sluice-demo-*")); len(left) > 0 {
		t.Errorf("data dir left behind: %v", left)
	}
}
