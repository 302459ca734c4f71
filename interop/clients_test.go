// Package interop drives a running Sluice with the real AWS clients: aws CLI v1 (pip) and v2
// (Debian awscli), boto3 (Debian python3-boto3, and the pip one when present) and aws-sdk-go-v2.
//
// A client that is missing fails the test under CI=true (the test command installs them) and is
// skipped loudly otherwise.
package interop

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/daemon"
)

const (
	rootKeyID  = "AKIAIOSFODNN7EXAMPLE"
	rootSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	account    = "123456789012"
)

// missing reports an absent client: fatal in CI, a loud skip elsewhere.
func missing(t *testing.T, what, install string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (%s); the test command installs it as root", what, install)
	}
	t.Skipf("SKIPPING: %s is not installed (%s)", what, install)
}

// startSluice runs a Sluice in this process on a random port with fixed root keys.
func startSluice(t *testing.T) *daemon.Daemon {
	t.Helper()
	env := map[string]string{"SLUICE_ROOT_ACCESS_KEY_ID": rootKeyID, "SLUICE_ROOT_SECRET_ACCESS_KEY": rootSecret}
	d, err := daemon.Start(context.Background(), daemon.Config{
		Addr:    "127.0.0.1:0",
		DataDir: t.TempDir(),
		Getenv:  func(k string) string { return env[k] },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	return d
}

// awsCLIs finds aws CLI executables by major version ("1", "2").
var awsCLIs = sync.OnceValue(func() map[string]string {
	found := map[string]string{}
	candidates := []string{"/usr/bin/aws"}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		candidates = append(candidates, filepath.Join(dir, "aws"))
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err != nil {
			continue
		}
		out, err := exec.Command(c, "--version").CombinedOutput()
		if err != nil {
			continue
		}
		s := string(out)
		for _, v := range []string{"1", "2"} {
			if strings.HasPrefix(s, "aws-cli/"+v+".") && found[v] == "" {
				found[v] = c
			}
		}
	}
	return found
})

func awsCLI(t *testing.T, major string) string {
	t.Helper()
	path := awsCLIs()[major]
	if path == "" {
		if major == "1" {
			missing(t, "aws CLI v1", "pip's awscli, part of this machine image")
		}
		missing(t, "aws CLI v2", "apt-get install awscli")
	}
	return path
}

// pythons returns the Python interpreters that have boto3: Debian's first.
var pythons = sync.OnceValue(func() []string {
	var found []string
	seen := map[string]bool{}
	for _, c := range []string{"/usr/bin/python3", "python3"} {
		p, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		real, _ := filepath.EvalSymlinks(p)
		if seen[real] {
			continue
		}
		if exec.Command(p, "-c", "import boto3").Run() == nil {
			seen[real] = true
			found = append(found, p)
		}
	}
	return found
})

func debianPython(t *testing.T) string {
	t.Helper()
	for _, p := range pythons() {
		if p == "/usr/bin/python3" {
			return p
		}
	}
	missing(t, "Debian boto3", "apt-get install python3-boto3 python3-pandas")
	return ""
}

// clientEnv is the environment of a client process: only what the client needs, so the
// developer's own AWS settings never leak in.
func clientEnv(endpoint string, extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.TempDir(),
		"AWS_ACCESS_KEY_ID=" + rootKeyID,
		"AWS_SECRET_ACCESS_KEY=" + rootSecret,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
		"SLUICE_ENDPOINT=" + endpoint,
	}
	if v := os.Getenv("PYENV_ROOT"); v != "" {
		env = append(env, "PYENV_ROOT="+v)
	}
	return append(env, extra...)
}

type result struct {
	stdout, stderr string
	err            error
}

func run(t *testing.T, env []string, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return result{out.String(), errb.String(), err}
}
