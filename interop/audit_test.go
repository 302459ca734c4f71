package interop

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sluicehq/sluice/internal/audit"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/sqlitestore"
)

// auditedRequestIDs opens a stopped Sluice's store and returns the request ids of every record,
// after checking the chain with the key ring in the data dir.
func verifyDataDir(t *testing.T, dataDir string) (*audit.Report, map[string]int) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlitestore.Open(ctx, filepath.Join(dataDir, "sluice.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ring, _, err := keyring.LoadOrCreate(filepath.Join(dataDir, "keyring.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(ctx, st, ring, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	after := ""
	for {
		recs, err := st.List(ctx, audit.NSLog, store.ListOptions{StartAfter: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			es, err := audit.DecodeBlock(r.Value)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				ev, err := audit.ParseEvent(e.Event)
				if err != nil {
					t.Fatal(err)
				}
				ids[ev.RequestID]++
			}
		}
		if len(recs) < 1000 {
			return rep, ids
		}
		after = recs[len(recs)-1].Key
	}
}

// TestAuditSurvivesKill9 loads a `sluice serve` with concurrent signed requests, kills it with
// SIGKILL mid-load, restarts it, and checks that every request that got an answer has exactly one
// record and that the chain verifies, with the library and with `sluice audit verify`.
func TestAuditSurvivesKill9(t *testing.T) {
	dataDir := t.TempDir()
	p := serve(t, dataDir)
	var (
		mu    sync.Mutex
		acked []string
		stop  atomic.Bool
		wg    sync.WaitGroup
	)
	client := goSTS(p.endpoint, p.keyID, p.secret)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 5000 && !stop.Load(); i++ {
				out, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
				if err != nil {
					return // the server is gone
				}
				id, _ := awsmw.GetRequestIDMetadata(out.ResultMetadata)
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	stop.Store(true)
	wg.Wait()
	if len(acked) < 50 {
		t.Fatalf("only %d requests answered before the kill", len(acked))
	}

	// Restart: the chain continues; a request after the restart is audited too.
	p2 := serve(t, dataDir)
	if _, err := goSTS(p2.endpoint, p.keyID, p.secret).GetCallerIdentity(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	p2.stop(t)

	rep, ids := verifyDataDir(t, dataDir)
	if !rep.OK() {
		t.Fatalf("chain does not verify after kill -9: %v", rep.Problems)
	}
	missing := 0
	for _, id := range acked {
		if id == "" || ids[id] != 1 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged requests lack exactly one record", missing, len(acked))
	}
	t.Logf("%d acknowledged requests before kill -9, %d records, %d chains, %d digests", len(acked), rep.Records, rep.Chains, rep.Digests)

	bin, _ := sluiceBinary()
	out, err := exec.Command(bin, "audit", "verify", "--data-dir", dataDir).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "OK: ") {
		t.Errorf("sluice audit verify: %v\n%s", err, out)
	}
}

// lookupEvents runs `aws cloudtrail lookup-events` and decodes its answer.
func lookupEvents(t *testing.T, cli, endpoint string, env []string, args ...string) []map[string]any {
	t.Helper()
	r := run(t, env, cli, append([]string{"--endpoint-url", endpoint, "--output", "json", "cloudtrail", "lookup-events"}, args...)...)
	if r.err != nil {
		t.Fatalf("lookup-events %v: %v\n%s", args, r.err, r.stderr)
	}
	var out struct{ Events []map[string]any }
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("lookup-events output: %v\n%s", err, r.stdout)
	}
	return out.Events
}

// TestLookupEventsAWSCLI reads the trail with both aws CLIs.
func TestLookupEventsAWSCLI(t *testing.T) {
	for _, major := range []string{"2", "1"} {
		t.Run("v"+major, func(t *testing.T) {
			cli := awsCLI(t, major)
			d := startSluice(t)
			ctx := context.Background()
			for range 3 {
				if _, err := goSTS(d.Endpoint(), rootKeyID, rootSecret).GetCallerIdentity(ctx, nil); err != nil {
					t.Fatal(err)
				}
			}
			goSTS(d.Endpoint(), "AKIANOTAKEYATALL000", rootSecret).GetCallerIdentity(ctx, nil)
			env := clientEnv(d.Endpoint())

			evs := lookupEvents(t, cli, d.Endpoint(), env, "--lookup-attributes", "AttributeKey=EventName,AttributeValue=GetCallerIdentity")
			if len(evs) != 3 {
				t.Fatalf("got %d GetCallerIdentity events, want 3: %v", len(evs), evs)
			}
			e := evs[0]
			if e["EventSource"] != "sts.amazonaws.com" || e["ReadOnly"] != "true" || e["Username"] != "root" || e["AccessKeyId"] != rootKeyID {
				t.Errorf("event %v", e)
			}
			var rec map[string]any
			if err := json.Unmarshal([]byte(e["CloudTrailEvent"].(string)), &rec); err != nil || rec["eventVersion"] != "1.11" {
				t.Errorf("CloudTrailEvent %v: %v", e["CloudTrailEvent"], err)
			}

			// The failed authentication is there, under the key it used.
			evs = lookupEvents(t, cli, d.Endpoint(), env, "--lookup-attributes", "AttributeKey=AccessKeyId,AttributeValue=AKIANOTAKEYATALL000")
			if len(evs) != 1 || !strings.Contains(evs[0]["CloudTrailEvent"].(string), `"errorCode":"InvalidClientTokenId"`) {
				t.Errorf("failed authentication: %v", evs)
			}

			// The CLI pages through everything with --max-items (NextToken round trips).
			evs = lookupEvents(t, cli, d.Endpoint(), env, "--page-size", "2")
			if len(evs) < 6 { // 3 GCI + 1 failure + the lookups themselves
				t.Errorf("paged %d events", len(evs))
			}

			// Errors are CloudTrail's.
			r := run(t, env, cli, "--endpoint-url", d.Endpoint(), "cloudtrail", "lookup-events", "--max-results", "51")
			if r.err == nil || !strings.Contains(r.stderr, "InvalidMaxResultsException") {
				t.Errorf("max-results 51: %v %s", r.err, r.stderr)
			}
		})
	}
}
