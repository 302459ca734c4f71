package interop

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// sluiceBinary builds cmd/sluice once per test binary.
var sluiceBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "sluice-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "sluice")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/sluice").CombinedOutput()
	if err != nil {
		return "", &buildError{string(out), err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

type serveProc struct {
	cmd      *exec.Cmd
	endpoint string
	keyID    string
	secret   string
	banner   string
}

var (
	endpointRE = regexp.MustCompile(`serving on (http://\S+) `)
	keyIDRE    = regexp.MustCompile(`AWS_ACCESS_KEY_ID=(\S+)`)
	secretRE   = regexp.MustCompile(`AWS_SECRET_ACCESS_KEY=(\S+)`)
)

// serve starts the sluice binary as a user would, with no SLUICE_ROOT_* in its environment, and
// reads its banner.
func serve(t *testing.T, dataDir string) *serveProc {
	t.Helper()
	bin, err := sluiceBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "warn")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dataDir}
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd}
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
	deadline := time.After(60 * time.Second)
	var banner strings.Builder
	for p.endpoint == "" || !strings.Contains(banner.String(), "get-caller-identity") {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("sluice exited before its banner:\n%s", banner.String())
			}
			banner.WriteString(l + "\n")
			if m := endpointRE.FindStringSubmatch(l); m != nil {
				p.endpoint = m[1]
			}
			if m := keyIDRE.FindStringSubmatch(l); m != nil {
				p.keyID = m[1]
			}
			if m := secretRE.FindStringSubmatch(l); m != nil {
				p.secret = m[1]
			}
		case <-deadline:
			t.Fatalf("no banner after 60 s:\n%s", banner.String())
		}
	}
	go func() {
		for range lines {
		}
	}()
	p.banner = banner.String()
	return p
}

func (p *serveProc) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("sluice serve exited with %v after SIGTERM, want 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sluice serve did not exit within 30 s of SIGTERM")
	}
}

// TestServeBinary follows the README: start `sluice serve`, use the printed keys, restart, stop.
func TestServeBinary(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	p := serve(t, dataDir)
	if p.keyID == "" || p.secret == "" || !strings.HasPrefix(p.keyID, "AKIA") || len(p.secret) != 40 {
		t.Fatalf("first start must print generated root keys:\n%s", p.banner)
	}

	resp, err := http.Get(p.endpoint + "/_sluice/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("health = %d", resp.StatusCode)
	}

	out, err := goSTS(p.endpoint, p.keyID, p.secret).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != rootARN {
		t.Errorf("Arn = %s", aws.ToString(out.Arn))
	}

	resp, err = http.Get(p.endpoint + "/_sluice/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`sluice_requests_total{code="200",operation="GetCallerIdentity",service="sts"} 1`,
		`sluice_request_duration_seconds_bucket{operation="GetCallerIdentity",service="sts"`,
		`sluice_requests_in_flight 0`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	for _, f := range []string{"keyring.json", "root-credentials.json"} {
		st, err := os.Stat(filepath.Join(dataDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	p.stop(t)

	// A restart reuses the keys and does not print the secret again.
	p2 := serve(t, dataDir)
	if p2.keyID != p.keyID || strings.Contains(p2.banner, p.secret) {
		t.Errorf("restart banner:\n%s", p2.banner)
	}
	if _, err := goSTS(p2.endpoint, p.keyID, p.secret).GetCallerIdentity(context.Background(), nil); err != nil {
		t.Errorf("keys not reused: %v", err)
	}
	p2.stop(t)
}
