package interop

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// quickStart returns the shell blocks of the README's "Quick start" section, in order.
func quickStart(t *testing.T, readme string) []string {
	t.Helper()
	_, sec, ok := strings.Cut(readme, "\n## Quick start")
	if !ok {
		t.Fatal(`README.md has no "## Quick start" section`)
	}
	if i := strings.Index(sec, "\n## "); i >= 0 {
		sec = sec[:i]
	}
	var blocks []string
	for {
		_, rest, ok := strings.Cut(sec, "```sh\n")
		if !ok {
			break
		}
		body, after, ok := strings.Cut(rest, "```")
		if !ok {
			t.Fatal("README.md: unterminated code block in Quick start")
		}
		blocks = append(blocks, body)
		sec = after
	}
	return blocks
}

var exportRE = regexp.MustCompile(`(?m)^\s*export (AWS_[A-Z_]+)=(\S+)`)

// TestNewcomerQuickStart follows the README as a newcomer would: a clean clone, the build, `sluice
// serve` in one terminal, and story S0 in another with the export lines serve printed, up to the
// pandas DataFrame. It reports the wall time (BENCHMARKS.md, issue I).
func TestNewcomerQuickStart(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		missing(t, "git", "apt-get install git")
	}
	awsCLI(t, "2")
	py := debianPython(t)
	if exec.Command(py, "-c", "import pandas").Run() != nil {
		missing(t, "Debian pandas", "apt-get install python3-pandas")
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := quickStart(t, string(readme))
	if len(blocks) != 3 {
		t.Fatalf("Quick start has %d shell blocks; want 3 (clone and build, serve, story S0)", len(blocks))
	}
	start := time.Now()

	// Block 1: clone and build. The clone comes from this repository's HEAD instead of GitHub;
	// every other line runs as written.
	home := t.TempDir()
	top, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var build []string
	cloned := false
	for _, line := range strings.Split(blocks[0], "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "git" && f[1] == "clone" {
			rest := ""
			if _, after, ok := strings.Cut(line, "&&"); ok {
				rest = after
			}
			build = append(build, "git clone --quiet "+shellQuote(top)+" sluice"+andThen(rest))
			cloned = true
			continue
		}
		build = append(build, line)
	}
	if !cloned {
		t.Fatal("Quick start's first block does not clone the repository")
	}
	env := newcomerEnv(home)
	if out, err := runShell(t, home, env, strings.Join(build, "\n"), 10*time.Minute); err != nil {
		t.Fatalf("clone and build: %v\n%s", err, out)
	}
	built := time.Since(start)
	repo := filepath.Join(home, "sluice")

	// Block 2, "terminal 1": sluice serve, on a free port instead of the default (set through its
	// environment variable, the command stays as written).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serve := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", blocks[1])
	serve.Dir = repo
	serve.Env = append(env, "SLUICE_ADDR=127.0.0.1:0", "SLUICE_LOG_LEVEL=warn")
	stdout, _ := serve.StdoutPipe()
	var serveErr bytes.Buffer
	serve.Stderr = &serveErr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); serve.Wait() })
	exports := map[string]string{}
	banner := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		done := false
		for sc.Scan() {
			if m := exportRE.FindStringSubmatch(sc.Text()); m != nil {
				exports[m[1]] = m[2]
			}
			if !done && strings.Contains(sc.Text(), "get-caller-identity") {
				done = true
				close(banner)
			}
		}
		if !done {
			close(banner)
		}
	}()
	select {
	case <-banner:
	case <-time.After(2 * time.Minute):
		t.Fatalf("sluice serve printed no banner; stderr:\n%s", serveErr.String())
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"} {
		if exports[k] == "" {
			t.Fatalf("serve's banner has no export of %s; stderr:\n%s", k, serveErr.String())
		}
	}

	// Block 3, "terminal 2": paste the export lines, run the story.
	var paste []string
	for k, v := range exports {
		paste = append(paste, "export "+k+"="+v)
	}
	script := strings.Join(paste, "\n") + "\n" + blocks[2]
	out, err := runShell(t, repo, env, script, 5*time.Minute)
	if err != nil {
		t.Fatalf("story S0: %v\n%s", err, out)
	}
	for _, want := range []string{"pandas DataFrame (3 rows):", " id city", "story S0 done"} {
		if !strings.Contains(out, want) {
			t.Errorf("story S0 output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("newcomer: clean clone → build %s → story S0's pandas result %s (wall time)", built.Round(time.Second), time.Since(start).Round(time.Second))
}

func andThen(rest string) string {
	if strings.TrimSpace(rest) == "" {
		return ""
	}
	return " &&" + rest
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// newcomerEnv is a clean shell environment: PATH (Go, the aws CLI), a fresh HOME, Go's caches
// as the machine has them, nothing of the developer's AWS settings.
func newcomerEnv(home string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true"}
	for _, k := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GOFLAGS", "PYENV_ROOT", "TMPDIR"} {
		if v := os.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	// Go's caches default to HOME; keep the machine's (the suite has just built the same code), or
	// measure a first build with SLUICE_NEWCOMER_GOCACHE=<empty dir>.
	if v := os.Getenv("SLUICE_NEWCOMER_GOCACHE"); v != "" {
		env = append(env, "GOCACHE="+v)
	} else if os.Getenv("GOCACHE") == "" {
		if d, err := os.UserCacheDir(); err == nil {
			env = append(env, "GOCACHE="+filepath.Join(d, "go-build"))
		}
	}
	if os.Getenv("GOMODCACHE") == "" && os.Getenv("GOPATH") == "" {
		if h, err := os.UserHomeDir(); err == nil {
			env = append(env, "GOPATH="+filepath.Join(h, "go"))
		}
	}
	return env
}

func runShell(t *testing.T, dir string, env []string, script string, limit time.Duration) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}
