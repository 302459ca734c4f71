package audit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/store/memstore"
)

func exportFixture(t *testing.T) (string, []string) {
	t.Helper()
	st := memstore.New(nil)
	l := openLog(t, st, &Options{DigestEvery: 10})
	fill(t, l, 30, t0.Add(time.Hour+23*time.Minute+40*time.Second)) // crosses midnight: two files
	l.Close()
	dir := t.TempDir()
	rep, err := Export(context.Background(), st, dir, string(testAccount), "us-east-1", t0.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files != 2 || rep.Records != 30 {
		t.Fatalf("export %+v", rep)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "AWSLogs/123456789012/CloudTrail/us-east-1/2026/07/0[12]/123456789012_CloudTrail_us-east-1_*_c-test-*.json.gz"))
	if len(logs) != 2 {
		t.Fatalf("log files %v", logs)
	}
	return dir, logs
}

func TestExportVerifies(t *testing.T) {
	dir, _ := exportFixture(t)
	rep, err := VerifyExport(dir, testRing(t), nil)
	if err != nil || !rep.OK() || rep.Records != 30 || rep.Chains != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
}

func TestExportTamper(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tamper  func(t *testing.T, logs []string)
		wantSeq uint64
		want    string
	}{
		{"change a record", func(t *testing.T, logs []string) {
			data, _, _ := readGzip(logs[1])
			s := strings.Replace(string(data), `"sourceIPAddress":"127.0.0.1"`, `"sourceIPAddress":"10.0.0.1"`, 1)
			writeGzip(logs[1], []byte(s))
		}, 13, "record changed"},
		{"delete a file", func(t *testing.T, logs []string) { os.Remove(logs[0]) }, 1, "missing"},
		{"drop the last record", func(t *testing.T, logs []string) {
			data, _, _ := readGzip(logs[1])
			s := string(data)
			i := strings.LastIndex(s, `,{"eventVersion"`)
			writeGzip(logs[1], []byte(s[:i]+"]}"))
		}, 30, "file truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, logs := exportFixture(t)
			tc.tamper(t, logs)
			rep, err := VerifyExport(dir, testRing(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() {
				t.Fatal("not detected")
			}
			if p := rep.Problems[0]; p.Seq != tc.wantSeq || !strings.Contains(p.What, tc.want) {
				t.Errorf("first problem %v, want %d %q; all %v", p, tc.wantSeq, tc.want, rep.Problems)
			}
		})
	}
}
