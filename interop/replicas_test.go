package interop

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/daemon"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/store/storetest"
)

// TestReplicasShareOnePostgres runs two Sluice replicas the way docs/operators.md sets them up
// (one PostgreSQL database, one key ring, one root key, shared objects, a data directory each)
// and spreads one client's calls over both, as a load balancer would: a session minted by one
// replica is honoured by the other, a revocation made on one takes effect on the other's next
// request, a Lake Formation query planned on one is paged and read on either, and each
// replica's audit records are found through the other.
func TestReplicasShareOnePostgres(t *testing.T) {
	t.Parallel()
	url := storetest.StartPostgres(t)
	dir := t.TempDir()
	if _, _, err := keyring.LoadOrCreate(filepath.Join(dir, "ring.json"), nil); err != nil {
		t.Fatal(err)
	}
	ring, err := os.ReadFile(filepath.Join(dir, "ring.json"))
	if err != nil {
		t.Fatal(err)
	}
	objects := filepath.Join(dir, "objects")
	env := map[string]string{"SLUICE_ROOT_ACCESS_KEY_ID": rootKeyID, "SLUICE_ROOT_SECRET_ACCESS_KEY": rootSecret}
	replica := func() string {
		d, err := daemon.Start(context.Background(), daemon.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Store: url,
			KeyringJSON: string(ring), Blob: objects, Getenv: func(k string) string { return env[k] }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Shutdown(context.Background()) })
		return d.Endpoint()
	}
	a, b := replica(), replica()
	cli := awsCLI(t, "2")

	// STS: assumed on b, used on a; revoked on a, refused on b.
	awsJSON(t, cli, clientEnv(a), a, "iam", "create-role", "--role-name", "worker", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+account+`:root"},"Action":"sts:AssumeRole"}]}`)
	awsJSON(t, cli, clientEnv(a), a, "iam", "put-role-policy", "--role-name", "worker", "--policy-name", "list",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}`)
	creds := awsJSON(t, cli, clientEnv(b), b, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+account+":role/worker",
		"--role-session-name", "spread")["Credentials"].(map[string]any)
	session := func(ep string) []string {
		return keyEnv(ep, creds["AccessKeyId"].(string), creds["SecretAccessKey"].(string), creds["SessionToken"].(string))
	}
	if arn := awsJSON(t, cli, session(a), a, "sts", "get-caller-identity")["Arn"]; arn != "arn:aws:sts::"+account+":assumed-role/worker/spread" {
		t.Errorf("the session minted by b, on a: %v", arn)
	}
	awsJSON(t, cli, session(b), b, "s3api", "list-buckets")
	awsJSON(t, cli, clientEnv(a), a, "iam", "put-role-policy", "--role-name", "worker", "--policy-name", "stop",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)
	awsFails(t, cli, session(b), b, "AccessDenied", "s3api", "list-buckets")

	// Lake Formation's query API: planned on a, paged on b, read on both.
	tina := lfQuerySetup(t, a)
	qhost := func(ep string) string { return "query-" + strings.TrimPrefix(ep, "http://") }
	code, body := lfCall(t, a, qhost(a), tina, "StartQueryPlanning", map[string]any{
		"QueryPlanningContext": map[string]any{"CatalogId": account, "DatabaseName": "tpc"},
		"QueryString":          "SELECT * FROM dl_tpc_web_sales WHERE ws_state = 'CA'"})
	var started struct{ QueryId string }
	if json.Unmarshal(body, &started); code != 200 || started.QueryId == "" {
		t.Fatalf("StartQueryPlanning on a: %d %s", code, body)
	}
	code, body = lfCall(t, b, qhost(b), tina, "GetWorkUnits", map[string]any{"QueryId": started.QueryId})
	var units struct {
		WorkUnitRanges []struct {
			WorkUnitIdMin int64
			WorkUnitToken string
		}
	}
	if err := json.Unmarshal(body, &units); code != 200 || err != nil || len(units.WorkUnitRanges) != 2 {
		t.Fatalf("GetWorkUnits on b: %d %s", code, body)
	}
	for i, u := range units.WorkUnitRanges {
		ep := []string{a, b}[i]
		code, body = lfCall(t, ep, "data-"+strings.TrimPrefix(ep, "http://"), tina, "GetWorkUnitResults",
			map[string]any{"QueryId": started.QueryId, "WorkUnitId": u.WorkUnitIdMin, "WorkUnitToken": u.WorkUnitToken})
		if code != 200 {
			t.Fatalf("GetWorkUnitResults of unit %d on replica %d: %d %s", u.WorkUnitIdMin, i, code, body)
		}
	}
	code, body = lfCall(t, b, qhost(b), tina, "GetQueryState", map[string]any{"QueryId": started.QueryId})
	if code != 200 || !strings.Contains(string(body), `"FINISHED"`) {
		t.Errorf("GetQueryState on b after both units were read: %d %s", code, body)
	}
	code, body = lfCall(t, a, qhost(a), tina, "GetQueryStatistics", map[string]any{"QueryId": started.QueryId})
	if code != 200 || !strings.Contains(string(body), `"WorkUnitsExecutedCount":2`) {
		t.Errorf("GetQueryStatistics on a: %d %s", code, body)
	}

	// Audit: b's AssumeRole is found through a.
	events := awsJSON(t, cli, clientEnv(a), a, "cloudtrail", "lookup-events", "--lookup-attributes",
		"AttributeKey=EventName,AttributeValue=AssumeRole")["Events"].([]any)
	if !strings.Contains(mustJSON(events), `assumed-role/worker/spread`) {
		t.Errorf("b's AssumeRole is not among the events seen through a: %s", mustJSON(events))
	}
}
