package interop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	iamapi "github.com/aws/aws-sdk-go-v2/service/iam"
	s3api "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sluicehq/sluice/internal/audit"
	"github.com/sluicehq/sluice/internal/daemon"
	"github.com/sluicehq/sluice/internal/keyring"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/sqlitestore"
	stssvc "github.com/sluicehq/sluice/internal/sts"
)

// auditedRequestIDs opens a stopped Sluice's store and returns the request ids of every record,
// after checking the chain with the key ring in the data dir.
func verifyDataDir(t *testing.T, dataDir string) (*audit.Report, map[string]int) {
	t.Helper()
	ctx := context.Background()
	st := openDataDirStore(t, dataDir)
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
	t.Parallel()
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
	// The postings that waited in memory at the kill were rebuilt at the restart: the index
	// finds every record, once.
	if n, dup := indexedRecords(t, dataDir); n != rep.Records || dup > 0 {
		t.Errorf("the index finds %d records (%d twice), the log holds %d", n, dup, rep.Records)
	}

	bin, _ := sluiceBinary()
	out, err := exec.Command(bin, "audit", "verify", "--data-dir", dataDir).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "OK: ") {
		t.Errorf("sluice audit verify: %v\n%s", err, out)
	}
}

// openDataDirStore opens the SQLite store of a stopped Sluice's data directory until the test
// ends.
func openDataDirStore(t *testing.T, dataDir string) *sqlitestore.Store {
	t.Helper()
	st, err := sqlitestore.Open(context.Background(), filepath.Join(dataDir, "sluice.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// indexedRecords pages through every record the audit index of dataDir's store finds, and
// returns how many it found and how many of those it had found already.
func indexedRecords(t *testing.T, dataDir string) (n, dup int) {
	t.Helper()
	ctx := context.Background()
	st := openDataDirStore(t, dataDir)
	seen := map[string]bool{}
	q := audit.Query{Limit: 50}
	for {
		found, next, err := audit.Lookup(ctx, st, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range found {
			if seen[f.Event.EventID] {
				dup++
			}
			seen[f.Event.EventID] = true
			n++
		}
		if next == "" {
			return n, dup
		}
		q.NextToken = next
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
	t.Parallel()
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

// routeRequest builds a signed request for op of a query or JSON 1.1 service.
func routeRequest(t *testing.T, endpoint, svc, op, key, secret string) *http.Request {
	t.Helper()
	var body, ctype, target string
	path := "/"
	switch svc {
	case "sts":
		body, ctype = "Action="+op+"&Version=2011-06-15", "application/x-www-form-urlencoded; charset=utf-8"
	case "iam":
		body, ctype = "Action="+op+"&Version=2010-05-08", "application/x-www-form-urlencoded; charset=utf-8"
	case "glue":
		body, ctype, target = "{}", "application/x-amz-json-1.1", "AWSGlue."+op
	case "cloudtrail":
		body, ctype, target = "{}", "application/x-amz-json-1.1", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."+op
	case "lakeformation":
		body, ctype, path = "{}", "application/json", "/"+op
	default:
		t.Fatalf("no request shape for %s", svc)
	}
	req, _ := http.NewRequest(http.MethodPost, endpoint+path, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), svc, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

// TestEveryOperationIsAudited walks every route table the daemon serves (STS, IAM, Glue, Lake
// Formation, CloudTrail) and calls each operation as root, as an IAM user without policies (denied), with an
// unknown key and with a bad signature, plus an unknown operation per service and a few S3
// requests; every request must leave exactly one record, and the log must verify.
func TestEveryOperationIsAudited(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	ctx := context.Background()
	iamSvc, glueSvc, lfSvc := d.IAMSlot.Service(), d.GlueSlot.Service(), d.LFSlot.Service()
	if iamSvc == nil || glueSvc == nil || lfSvc == nil {
		t.Fatal("IAM, Glue or Lake Formation not running")
	}
	// A user with no policy: everything it asks is denied.
	ic := iamapi.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(rootKeyID, rootSecret, ""),
		BaseEndpoint: aws.String(d.Endpoint()), RetryMaxAttempts: 1})
	if _, err := ic.CreateUser(ctx, &iamapi.CreateUserInput{UserName: aws.String("nopolicy")}); err != nil {
		t.Fatal(err)
	}
	ak, err := ic.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: aws.String("nopolicy")})
	if err != nil {
		t.Fatal(err)
	}
	userKey, userSecret := aws.ToString(ak.AccessKey.AccessKeyId), aws.ToString(ak.AccessKey.SecretAccessKey)

	tables := map[string][]string{
		"sts":           stssvc.New(account, d.Keyring, nil, nil).Routes().Operations(),
		"iam":           iamSvc.Routes().Operations(),
		"glue":          glueSvc.Routes().Operations(),
		"lakeformation": lfSvc.Routes().Operations(),
		"cloudtrail":    audit.NewAPI(nil, account, "us-east-1", nil).Routes().Operations(),
	}
	type sent struct {
		what string
		id   string
	}
	var reqs []*http.Request
	var whats []string
	for svc, ops := range tables {
		if len(ops) == 0 {
			t.Errorf("%s serves no operations", svc)
		}
		for _, op := range append(ops, "NoSuchOperation") {
			for _, who := range []struct{ name, key, secret string }{
				{"root", rootKeyID, rootSecret},
				{"user-without-policy", userKey, userSecret},
				{"unknown-key", "AKIAUNKNOWNUNKNOWN00", rootSecret},
				{"bad-signature", rootKeyID, "not-the-secret-not-the-secret-not-the-s"},
			} {
				reqs = append(reqs, routeRequest(t, d.Endpoint(), svc, op, who.key, who.secret))
				whats = append(whats, svc+" "+op+" as "+who.name)
			}
		}
	}
	// S3: a few object and bucket calls, signed and anonymous.
	for _, path := range []string{"/", "/bucket", "/bucket/key"} {
		r, _ := http.NewRequest(http.MethodGet, d.Endpoint()+path, nil)
		reqs = append(reqs, r)
		whats = append(whats, "s3 anonymous GET "+path)
	}

	results := make([]sent, len(reqs))
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(reqs) {
					return
				}
				resp, err := http.DefaultClient.Do(reqs[i])
				if err != nil {
					t.Errorf("%s: %v", whats[i], err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				id := resp.Header.Get("x-amzn-RequestId")
				if id == "" {
					id = resp.Header.Get("x-amz-request-id")
				}
				if resp.StatusCode >= 500 {
					// Not this test's business unless the record is missing (checked below).
					t.Logf("%s: status %d", whats[i], resp.StatusCode)
				}
				results[i] = sent{whats[i], id}
			}
		}()
	}
	wg.Wait()

	rep, err := audit.Verify(ctx, d.Store, d.Keyring, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	counts, dataAccess := map[string]int{}, map[string]int{}
	byName := map[string]*audit.Event{}
	recs, err := d.Store.List(ctx, audit.NSLog, store.ListOptions{})
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
			if ev.EventName == "GetDataAccess" {
				dataAccess[ev.RequestID]++ // vending's extra record (spec §7)
				continue
			}
			counts[ev.RequestID]++
			byName[ev.RequestID] = ev
		}
	}
	for _, s := range results {
		if s.id == "" || counts[s.id] != 1 {
			t.Errorf("%s: request id %q has %d records, want 1", s.what, s.id, counts[s.id])
			continue
		}
		ev := byName[s.id]
		switch {
		case strings.HasSuffix(s.what, "as unknown-key"):
			if ev.UserIdentity.AccessKeyID != "AKIAUNKNOWNUNKNOWN00" || ev.ErrorCode == "" {
				t.Errorf("%s: record %+v", s.what, ev.UserIdentity)
			}
		case strings.HasSuffix(s.what, "as bad-signature"):
			if ev.UserIdentity.AccessKeyID != rootKeyID || ev.ErrorCode == "" {
				t.Errorf("%s: record %+v %s", s.what, ev.UserIdentity, ev.ErrorCode)
			}
		case strings.HasSuffix(s.what, "as user-without-policy") && !strings.HasPrefix(s.what, "sts GetCallerIdentity") &&
			!strings.HasPrefix(s.what, "sts GetSessionToken"): // the two STS calls that need no permission
			if ev.ErrorCode == "" || ev.UserIdentity.UserName != "nopolicy" {
				t.Errorf("%s: a user without policies was not refused, or not named: %s %+v", s.what, ev.ErrorCode, ev.UserIdentity)
			}
		}
	}
	// Setup calls (CreateUser, CreateAccessKey) are records too; nothing else is.
	extra := 0
	for _, s := range results {
		if n := dataAccess[s.id]; n > 0 {
			extra += n
			if n != 1 || !strings.Contains(s.what, "GetTemporaryGlue") {
				t.Errorf("%s: %d GetDataAccess records", s.what, n)
			}
		}
	}
	if total := rep.Records; total != len(results)+2+extra {
		t.Errorf("%d records for %d requests (+%d GetDataAccess)", total, len(results)+2, extra)
	}

	// LookupEvents is authorized by IAM: a user allowed cloudtrail:LookupEvents reads the trail.
	if _, err := ic.PutUserPolicy(ctx, &iamapi.PutUserPolicyInput{UserName: aws.String("nopolicy"), PolicyName: aws.String("audit"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudtrail:LookupEvents","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(routeRequest(t, d.Endpoint(), "cloudtrail", "LookupEvents", userKey, userSecret))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"CloudTrailEvent"`) {
		t.Errorf("LookupEvents by an allowed user: %d %s", resp.StatusCode, body)
	}
	t.Logf("%d requests over %d services, %d records", len(results), len(tables)+1, rep.Records)
}

// TestStoryS4Audit follows story S4's audit expectations with the aws CLI v2: the AssumeRole
// event records the session name and source identity, and every call made with the session's
// credentials (STS and S3) shows arn:aws:sts::<acct>:assumed-role/<role>/<session> with the
// source identity. No secret of the story appears anywhere in the trail.
func TestStoryS4Audit(t *testing.T) {
	t.Parallel()
	cli := awsCLI(t, "2")
	d := startSluice(t)
	ep := d.Endpoint()
	dir := t.TempDir()
	root := clientEnv(ep)
	roleARN := "arn:aws:iam::" + account + ":role/dss-connection-role"
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},
	  "Action":["sts:AssumeRole","sts:SetSourceIdentity"]}]}`
	awsJSON(t, cli, root, ep, "iam", "create-role", "--role-name", "dss-connection-role",
		"--assume-role-policy-document", writeFile(t, dir, "trust.json", trust))
	awsJSON(t, cli, root, ep, "iam", "put-role-policy", "--role-name", "dss-connection-role", "--policy-name", "data",
		"--policy-document", writeFile(t, dir, "role.json",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sts:GetCallerIdentity"],"Resource":"*"}]}`))
	platID, platSecret := newUser(t, cli, ep, dir, "dss-platform",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:SetSourceIdentity"],"Resource":"`+roleARN+`"}]}`)

	session := "dss-conn-c1-assumed-for-david"
	out := awsJSON(t, cli, keyEnv(ep, platID, platSecret, ""), ep, "sts", "assume-role", "--role-arn", roleARN,
		"--role-session-name", session, "--source-identity", "david")
	creds := out["Credentials"].(map[string]any)
	sessKey, sessSecret, sessToken := creds["AccessKeyId"].(string), creds["SecretAccessKey"].(string), creds["SessionToken"].(string)
	sess := keyEnv(ep, sessKey, sessSecret, sessToken)
	awsJSON(t, cli, sess, ep, "sts", "get-caller-identity")
	awsJSON(t, cli, sess, ep, "s3api", "list-buckets")

	// The AssumeRole event names the session and its source identity; credentials show only
	// their key id.
	evs := lookupEvents(t, cli, ep, root, "--lookup-attributes", "AttributeKey=EventName,AttributeValue=AssumeRole")
	if len(evs) != 1 || evs[0]["Username"] != "dss-platform" {
		t.Fatalf("AssumeRole events: %v", evs)
	}
	var rec struct {
		RequestParameters map[string]any `json:"requestParameters"`
		ResponseElements  struct {
			Credentials map[string]any `json:"credentials"`
		} `json:"responseElements"`
		Resources []map[string]any `json:"resources"`
	}
	json.Unmarshal([]byte(evs[0]["CloudTrailEvent"].(string)), &rec)
	if rec.RequestParameters["roleSessionName"] != session || rec.RequestParameters["sourceIdentity"] != "david" ||
		rec.RequestParameters["roleArn"] != roleARN {
		t.Errorf("AssumeRole requestParameters = %v", rec.RequestParameters)
	}
	if c := rec.ResponseElements.Credentials; c["accessKeyId"] != sessKey || c["expiration"] == nil || len(c) != 2 {
		t.Errorf("AssumeRole responseElements.credentials = %v", c)
	}

	// Every call of the session shows the session ARN and source identity.
	wantARN := "arn:aws:sts::" + account + ":assumed-role/dss-connection-role/" + session
	evs = lookupEvents(t, cli, ep, root, "--lookup-attributes", "AttributeKey=Username,AttributeValue="+session)
	names := map[string]bool{}
	for _, e := range evs {
		var r struct {
			EventName    string `json:"eventName"`
			EventSource  string `json:"eventSource"`
			UserIdentity struct {
				Type           string `json:"type"`
				ARN            string `json:"arn"`
				AccessKeyID    string `json:"accessKeyId"`
				SessionContext struct {
					SourceIdentity string `json:"sourceIdentity"`
					SessionIssuer  struct {
						ARN string `json:"arn"`
					} `json:"sessionIssuer"`
				} `json:"sessionContext"`
			} `json:"userIdentity"`
		}
		json.Unmarshal([]byte(e["CloudTrailEvent"].(string)), &r)
		names[r.EventSource+" "+r.EventName] = true
		u := r.UserIdentity
		if u.Type != "AssumedRole" || u.ARN != wantARN || u.AccessKeyID != sessKey || u.SessionContext.SourceIdentity != "david" ||
			u.SessionContext.SessionIssuer.ARN != roleARN {
			t.Errorf("%s by the session: userIdentity %+v", r.EventName, u)
		}
	}
	if !names["sts.amazonaws.com GetCallerIdentity"] || !names["s3.amazonaws.com ListBuckets"] {
		t.Errorf("session events: %v", names)
	}

	// No secret anywhere in the trail.
	all := run(t, root, cli, "--endpoint-url", ep, "--output", "json", "cloudtrail", "lookup-events")
	if all.err != nil {
		t.Fatal(all.err, all.stderr)
	}
	for _, s := range []string{sessSecret, sessToken, platSecret, rootSecret} {
		if strings.Contains(all.stdout, s) || strings.Contains(all.stdout, strings.ReplaceAll(s, "/", `\\/`)) {
			t.Errorf("the trail contains a secret (%.6s…)", s)
		}
	}
	if !strings.Contains(all.stdout, platID) {
		t.Error("the trail lacks the platform's access key id")
	}
}

// TestAuditExportToBucket exports the trail of a running Sluice into one of its own buckets with
// `sluice audit export --to s3://…`, downloads it and verifies it offline.
func TestAuditExportToBucket(t *testing.T) {
	t.Parallel()
	bin, err := sluiceBinary()
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	env := map[string]string{"SLUICE_ROOT_ACCESS_KEY_ID": rootKeyID, "SLUICE_ROOT_SECRET_ACCESS_KEY": rootSecret}
	d, err := daemon.Start(context.Background(), daemon.Config{Addr: "127.0.0.1:0", DataDir: dataDir, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Shutdown(context.Background())
	ctx := context.Background()
	s3c := s3api.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(rootKeyID, rootSecret, ""),
		BaseEndpoint: aws.String(d.Endpoint()), RetryMaxAttempts: 1}, func(o *s3api.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3api.CreateBucketInput{Bucket: aws.String("audit-archive")}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		goSTS(d.Endpoint(), rootKeyID, rootSecret).GetCallerIdentity(ctx, nil)
	}

	cmd := exec.Command(bin, "audit", "export", "--data-dir", dataDir, "--to", "s3://audit-archive/trail", "--endpoint-url", d.Endpoint())
	cmd.Env = clientEnv(d.Endpoint())
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "exported ") {
		t.Fatalf("export: %v\n%s", err, out)
	}
	list, err := s3c.ListObjectsV2(ctx, &s3api.ListObjectsV2Input{Bucket: aws.String("audit-archive"), Prefix: aws.String("trail/")})
	if err != nil {
		t.Fatal(err)
	}
	local := t.TempDir()
	var logs, digests int
	for _, o := range list.Contents {
		key := aws.ToString(o.Key)
		switch {
		case strings.HasPrefix(key, "trail/AWSLogs/"+account+"/CloudTrail/us-east-1/"):
			logs++
		case strings.HasPrefix(key, "trail/AWSLogs/"+account+"/CloudTrail-Digest/us-east-1/"):
			digests++
		}
		obj, err := s3c.GetObject(ctx, &s3api.GetObjectInput{Bucket: aws.String("audit-archive"), Key: o.Key})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(obj.Body)
		obj.Body.Close()
		p := filepath.Join(local, filepath.FromSlash(key))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, data, 0o644)
	}
	if logs == 0 || digests != 1 {
		t.Fatalf("bucket holds %d log files and %d digest files", logs, digests)
	}
	rep, err := audit.VerifyExport(filepath.Join(local, "trail"), d.Keyring, nil)
	if err != nil || !rep.OK() || rep.Records < 4 { // CreateBucket and three GetCallerIdentity
		t.Fatalf("verify export: %+v %v", rep, err)
	}
}
