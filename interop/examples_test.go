package interop

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/krbtest"
)

// exampleTimeout bounds one example's run.sh. Each makes 20 to 40 aws CLI calls, and the CLI's
// start-up dominates: seconds each on a busy 2-core machine.
const exampleTimeout = 15 * time.Minute

// TestExamples runs every story of examples/ end to end as a user would: a fresh `sluice serve`
// (the binary, random port, temporary data dir, fixed root keys), then the example's run.sh with
// a clean client environment, the sluice binary and aws CLI v1 first on PATH. The output must
// contain the lines of the example's expected.txt, in order (each line of expected.txt must be
// part of a line of the output). The S2 example starts its own realm and its own sluice serve
// with the realm's keytab.
func TestExamples(t *testing.T) {
	t.Parallel()
	// S0's get-modify-put of the data-lake settings needs AllowFullTableExternalDataAccess in
	// the CLI's model: aws CLI v1 from pip has it, Debian's v2.9 does not.
	cli1 := awsCLI(t, "1")
	debianPython(t)
	bin, err := sluiceBinary()
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := filepath.Glob("../examples/*/run.sh")
	if err != nil || len(dirs) < 5 {
		t.Fatalf("examples: %v %v", dirs, err)
	}
	path := filepath.Dir(bin) + string(os.PathListSeparator) + filepath.Dir(cli1) + string(os.PathListSeparator) + os.Getenv("PATH")
	for _, script := range dirs {
		dir := filepath.Dir(script)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			switch {
			case strings.HasPrefix(name, "s2-"):
				if b := krbtest.Missing(); b != "" {
					missing(t, "MIT Kerberos ("+b+")", "apt-get install krb5-kdc krb5-admin-server krb5-user")
				}
			case strings.HasPrefix(name, "s4-"):
				if _, err := exec.LookPath("rclone"); err != nil {
					missing(t, "rclone", "apt-get install rclone")
				}
			}
			want, err := os.ReadFile(filepath.Join(dir, "expected.txt"))
			if err != nil {
				t.Fatal(err)
			}
			ep := "http://127.0.0.1:9" // unused by S2, which starts its own server
			if !strings.HasPrefix(name, "s2-") {
				ep = serveWithRootKeys(t, bin)
			}
			abs, _ := filepath.Abs(script)
			start := time.Now()
			out, err := runExample(t, clientEnv(ep, "PATH="+path, "TMPDIR="+t.TempDir()), abs)
			t.Logf("%s ran in %v", name, time.Since(start).Round(time.Second))
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, out)
			}
			if missingLine, ok := linesInOrder(out, string(want)); !ok {
				t.Fatalf("%s: output lacks (in order) the line %q of expected.txt:\n%s", name, missingLine, out)
			}
		})
	}
}

// serveWithRootKeys starts the sluice binary with the fixed root keys and returns its endpoint.
func serveWithRootKeys(t *testing.T, bin string) string {
	t.Helper()
	dataDir := t.TempDir()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "warn")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dataDir,
		"SLUICE_ROOT_ACCESS_KEY_ID=" + rootKeyID, "SLUICE_ROOT_SECRET_ACCESS_KEY=" + rootSecret}
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		ep := ""
		for sc.Scan() {
			if m := endpointRE.FindStringSubmatch(sc.Text()); m != nil && ep == "" {
				ep = m[1]
			}
			if ep != "" && strings.Contains(sc.Text(), "get-caller-identity") {
				found <- ep
				ep = "sent"
			}
		}
		close(found)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case ep, ok := <-found:
		if !ok {
			t.Fatalf("sluice serve exited before its banner:\n%s", stderr.String())
		}
		return ep
	case <-time.After(2 * time.Minute):
		t.Fatalf("sluice serve printed no banner in 2 minutes:\n%s", stderr.String())
	}
	return ""
}

// runExample runs a run.sh in its own process group (killed whole on timeout) and returns its
// stdout and stderr interleaved.
func runExample(t *testing.T, env []string, script string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), exampleTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = env
	cmd.Stdin = nil
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return out.String(), err
}

// linesInOrder reports whether every non-empty line of want is contained in a line of out, in
// order; otherwise it returns the first line it could not find.
func linesInOrder(out, want string) (string, bool) {
	lines := strings.Split(out, "\n")
	i := 0
	for _, w := range strings.Split(want, "\n") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		for i < len(lines) && !strings.Contains(lines[i], w) {
			i++
		}
		if i == len(lines) {
			return w, false
		}
		i++
	}
	return "", true
}
