package daemon_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/audit"
	"github.com/sluicehq/sluice/internal/daemon"
	"github.com/sluicehq/sluice/internal/krblogin"
	"github.com/sluicehq/sluice/internal/lfquery"
	"github.com/sluicehq/sluice/internal/s3"
	"github.com/sluicehq/sluice/internal/sts"
)

// TestCompatibilityDoc keeps docs/compatibility.md equal to what the route tables answer:
//
//	go test ./internal/daemon -run TestCompatibilityDoc -update
//
// rewrites it; without -update the test fails with a diff when the file is out of date.
var update = flag.Bool("update", false, "rewrite docs/compatibility.md from the route tables")

const compatDoc = "../../docs/compatibility.md"

// compatService is one AWS service as the document shows it.
type compatService struct {
	key      string // signing name, as in the daemon's Services map and aws-operations.txt
	title    string
	protocol string
}

var compatServices = []compatService{
	{"sts", "STS", "query, POST / (`Action=`)"},
	{"iam", "IAM", "query, POST / (`Action=`)"},
	{"s3", "S3", "rest-xml: method, path and sub-resource"},
	{"glue", "Glue Data Catalog", "json 1.1 (`X-Amz-Target: AWSGlue.<Op>`)"},
	{"lakeformation", "Lake Formation", "rest-json, POST `/<Op>`"},
	{"cloudtrail", "CloudTrail", "json 1.1 (`X-Amz-Target: …CloudTrail_20131101.<Op>`)"},
}

// partial names the operations Sluice answers with less than AWS does, and what is missing.
// Keys are "<service>/<Operation>"; every key must be a routed operation (the test checks).
var partial = map[string]string{
	"sts/AssumeRole":                "MFA (`SerialNumber`, `TokenCode`) is refused with InvalidParameterValue; `ProvidedContexts` is ignored",
	"sts/GetSessionToken":           "MFA (`SerialNumber`, `TokenCode`) is refused with InvalidParameterValue",
	"sts/AssumeRoleWithWebIdentity": "OIDC providers registered in IAM only (no OAuth 2.0 `ProviderId` providers such as Amazon or Facebook); keys come from the issuer's discovery document",

	"iam/CreateServiceLinkedRole": "only for `lakeformation.amazonaws.com` (the role Lake Formation vends through for locations registered with `UseServiceLinkedRole`); `CustomSuffix` is refused",
	"iam/DeleteServiceLinkedRole": "the deletion task runs within the call, so its status is `SUCCEEDED` or `FAILED` (the role is in use by locations registered with `UseServiceLinkedRole`, listed in `RoleUsageList`), never `IN_PROGRESS`; active sessions of the role are not checked",

	"s3/ListObjectVersions":  "no versioning: every object is its only version (`VersionId` null)",
	"s3/GetBucketAcl":        "fixed answer: the owner has FULL_CONTROL; access is decided by IAM and bucket policies",
	"s3/PutBucketAcl":        "NotImplemented: use IAM and bucket policies",
	"s3/GetObjectAcl":        "fixed answer: the owner has FULL_CONTROL",
	"s3/PutObjectAcl":        "NotImplemented: use IAM and bucket policies",
	"s3/GetObjectAttributes": "NotImplemented",
	"s3/GetBucketLocation":   "the region Sluice runs in (`--region`)",

	// Bucket configurations: stored in the bucket record and returned, not acted on.
	"s3/PutBucketTagging":                   s3Stored + "; tags are not `aws:ResourceTag` condition keys",
	"s3/PutBucketEncryption":                s3Stored + ": SSE-S3 (`AES256`) only, `aws:kms` is NotImplemented; encryption at rest is the blob storage's (the operator's) business",
	"s3/GetBucketEncryption":                "the stored configuration; ServerSideEncryptionConfigurationNotFoundError when none (AWS answers SSE-S3 for every bucket)",
	"s3/PutBucketCors":                      s3Stored + ": no CORS preflight (`OPTIONS`) is answered",
	"s3/PutBucketLifecycleConfiguration":    s3Stored + ": no expiry, transition or upload abort runs",
	"s3/PutBucketOwnershipControls":         s3Stored + ": ACLs are fixed anyway (owner FULL_CONTROL)",
	"s3/PutPublicAccessBlock":               "enforced per bucket (BlockPublicPolicy, RestrictPublicBuckets for anonymous callers, BlockPublicAcls on uploads), all four on for a new bucket as on AWS since April 2023; IgnorePublicAcls has nothing to ignore (no ACL grants); no account-level block (S3 Control)",
	"s3/PutBucketVersioning":                "`Suspended` is stored (buckets are unversioned: every object is version `null`); `Enabled` and MFA delete are NotImplemented",
	"s3/PutBucketRequestPayment":            "`BucketOwner` only; `Requester` is NotImplemented",
	"s3/GetBucketRequestPayment":            "always `BucketOwner`",
	"s3/PutBucketAccelerateConfiguration":   "`Suspended` is stored; `Enabled` is NotImplemented",
	"s3/PutBucketLogging":                   "the empty `BucketLoggingStatus` only (the audit log records S3 requests); logging is NotImplemented",
	"s3/GetBucketLogging":                   "always empty (no logging)",
	"s3/PutBucketNotificationConfiguration": "the empty configuration only; notifications are NotImplemented",
	"s3/GetBucketNotificationConfiguration": "always empty (no notifications)",

	// Configurations Sluice does not keep.
	"s3/GetObjectLockConfiguration":                  s3None,
	"s3/PutObjectLockConfiguration":                  "NotImplemented: buckets are unversioned",
	"s3/GetBucketWebsite":                            s3None,
	"s3/PutBucketWebsite":                            "NotImplemented",
	"s3/DeleteBucketWebsite":                         "succeeds, changes nothing",
	"s3/GetBucketReplication":                        s3None,
	"s3/PutBucketReplication":                        "NotImplemented",
	"s3/DeleteBucketReplication":                     "succeeds, changes nothing",
	"s3/GetBucketAnalyticsConfiguration":             s3NoID,
	"s3/PutBucketAnalyticsConfiguration":             "NotImplemented",
	"s3/DeleteBucketAnalyticsConfiguration":          s3NoID,
	"s3/ListBucketAnalyticsConfigurations":           "always an empty list",
	"s3/GetBucketMetricsConfiguration":               s3NoID,
	"s3/PutBucketMetricsConfiguration":               "NotImplemented (metrics are Prometheus's, `/_sluice/metrics`)",
	"s3/DeleteBucketMetricsConfiguration":            s3NoID,
	"s3/ListBucketMetricsConfigurations":             "always an empty list",
	"s3/GetBucketInventoryConfiguration":             s3NoID,
	"s3/PutBucketInventoryConfiguration":             "NotImplemented",
	"s3/DeleteBucketInventoryConfiguration":          s3NoID,
	"s3/ListBucketInventoryConfigurations":           "always an empty list",
	"s3/GetBucketIntelligentTieringConfiguration":    s3NoID,
	"s3/PutBucketIntelligentTieringConfiguration":    "NotImplemented",
	"s3/DeleteBucketIntelligentTieringConfiguration": s3NoID,
	"s3/ListBucketIntelligentTieringConfigurations":  "always an empty list",

	"glue/GetUserDefinedFunction":  "the catalog stores no functions: answers as for an empty catalog",
	"glue/GetUserDefinedFunctions": "the catalog stores no functions: always an empty list",
	"glue/UpdateDatabase":          "renaming a database is refused (InvalidInputException)",
	"glue/SearchTables":            "`Filters` support the EQUALS comparator only",
	"glue/BatchGetPartition":       "`UnprocessedKeys` is always empty",

	"lakeformation/StartQueryPlanning": "`QueryString` is one `SELECT cols FROM db.table [WHERE row-filter] [LIMIT n]`: no joins, aggregates or functions; the WHERE clause uses the data-cells-filter grammar",

	"cloudtrail/LookupEvents": "S3 data events are included (AWS returns management events only); `EventCategory=insight` answers an empty list",
}

// extensions are operations Sluice routes that are not in the AWS model.
var extensions = map[string]string{
	"lakeformation/RevokeVendedSessions": "Sluice extension: `POST /RevokeVendedSessions {\"ResourceArn\": \"arn:aws:s3:::bucket/prefix\"}` denies the older sessions of the location's role (data-lake admins only)",
}

// Notes of S3 bucket configurations.
const (
	s3Stored = "stored and returned by Get…, removed by Delete…, not acted on"
	s3None   = "fixed answer: nothing configured (the NoSuch… error AWS sends)"
	s3NoID   = "NoSuchConfiguration: Sluice keeps none"
)

// renamed maps routed operations to the AWS operation they answer under another name (the name
// Sluice logs and counts them by).
var renamed = map[string]string{}

// sameRequest are AWS operations whose request is, on the wire, that of a routed operation
// (legacy names of the same sub-resource): AWS name → routed operation.
var sameRequest = map[string]string{
	"s3/GetBucketLifecycle":    "GetBucketLifecycleConfiguration",
	"s3/PutBucketLifecycle":    "PutBucketLifecycleConfiguration",
	"s3/GetBucketNotification": "GetBucketNotificationConfiguration",
	"s3/PutBucketNotification": "PutBucketNotificationConfiguration",
}

// headerVariants are S3 operations selected by a header of another route, not by the route
// table itself: the variant's name → the route that serves it.
var headerVariants = map[string]string{
	"CopyObject":     "PutObject",  // x-amz-copy-source
	"UploadPartCopy": "UploadPart", // x-amz-copy-source (+ x-amz-copy-source-range)
}

// operations returns every routed operation per service, from the daemon's own routers.
func operations(t *testing.T) (map[string][]string, *daemon.Daemon) {
	t.Helper()
	d, err := daemon.Start(context.Background(), daemon.Config{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), Store: "memory:",
		Getenv: func(string) string { return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	ops := map[string][]string{
		// STS's router does not depend on its collaborators; the daemon builds the same table.
		"sts":           sts.New(daemon.DefaultAccount, d.Keyring, nil, nil).Routes().Operations(),
		"iam":           d.IAMSlot.Service().Routes().Operations(),
		"glue":          d.GlueSlot.Service().Routes().Operations(),
		"lakeformation": lakeFormationOps(d),
		"cloudtrail":    audit.NewAPI(nil, daemon.DefaultAccount, daemon.DefaultRegion, nil).Routes().Operations(),
		"sluice":        d.Native.Operations(),
	}
	s3ops := s3.Operations()
	for v := range headerVariants {
		s3ops = append(s3ops, v)
	}
	sort.Strings(s3ops)
	ops["s3"] = slices.Compact(s3ops)
	return ops, d
}

// lakeFormationOps are the operations the daemon mounts on "lakeformation": the Lake Formation
// service's routes and, beside them (Slot.WithQuery), the query API of package lfquery, whose
// table does not depend on its collaborators.
func lakeFormationOps(d *daemon.Daemon) []string {
	ops := d.LFSlot.Service().Routes().Operations()
	for op := range (&lfquery.Slot{}).Operations() {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

// modelOp is one operation of an AWS model.
type modelOp struct {
	name string
	new  bool // only in the newer model (botocore 1.43.11), not in 1.29.27 / aws CLI 2.9
}

func loadModel(t *testing.T) map[string][]modelOp {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "aws-operations.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]modelOp{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) < 2 || len(fs) > 3 || (len(fs) == 3 && fs[2] != "new") {
			t.Fatalf("aws-operations.txt: bad line %q", line)
		}
		out[fs[0]] = append(out[fs[0]], modelOp{name: fs[1], new: len(fs) == 3})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func renderCompat(t *testing.T, ops map[string][]string, model map[string][]modelOp, differences string, nativePattern func(string) string) string {
	t.Helper()
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Compatibility with the AWS APIs\n\n")
	w("<!-- Generated by `go test ./internal/daemon -run TestCompatibilityDoc -update` from the route\n")
	w("     tables; edit internal/daemon/compat_test.go (notes) or\n")
	w("     internal/daemon/testdata/compat-differences.md (known differences), not this file. -->\n\n")
	w("Every operation Sluice answers, per service, generated from the route tables the server\n")
	w("dispatches with. **supported** means the operation behaves as AWS documents it for the\n")
	w("features Sluice has; **partial** says what is missing. The operations of the AWS model\n")
	w("that Sluice does not answer are listed after each table: they fail with\n")
	w("`InvalidAction` (query), `UnknownOperationException` (JSON) or `NotImplemented`/`MethodNotAllowed` (S3).\n")
	w("The AWS models are botocore 1.43.11's; † marks operations that only clients newer than\n")
	w("botocore 1.29.27 / aws CLI 2.9 know.\n\n")

	w("| service | protocol | answered | of which partial | AWS operations not answered |\n|---|---|---|---|---|\n")
	for _, s := range compatServices {
		np := 0
		for _, op := range ops[s.key] {
			if status, _ := opStatus(s.key, op, ops[s.key]); status == "partial" {
				np++
			}
		}
		w("| [%s](#%s) | %s | %d | %d | %d of %d |\n", s.title, anchor(s.title), s.protocol, len(ops[s.key]), np,
			len(missing(s.key, ops[s.key], model[s.key])), len(model[s.key]))
	}
	w("| [Sluice's own API](#sluices-own-api) | rest-json under `/_sluice/v1/`, SigV4 service `sluice` | %d | 0 | — |\n\n", len(ops["sluice"]))

	for _, s := range compatServices {
		w("## %s\n\n", s.title)
		w("| operation | status | notes |\n|---|---|---|\n")
		for _, op := range ops[s.key] {
			status, note := opStatus(s.key, op, ops[s.key])
			w("| `%s` | %s | %s |\n", op, status, note)
		}
		var same []string
		for key, r := range sameRequest {
			if svc, aws, _ := strings.Cut(key, "/"); svc == s.key {
				same = append(same, fmt.Sprintf("`%s` (as `%s`)", aws, r))
			}
		}
		if len(same) > 0 {
			sort.Strings(same)
			w("\nAlso answered, being the same request: %s.\n", strings.Join(same, ", "))
		}
		miss := missing(s.key, ops[s.key], model[s.key])
		w("\nNot answered (%d of the model's %d):", len(miss), len(model[s.key]))
		if len(miss) == 0 {
			w(" none.\n\n")
			continue
		}
		w("\n")
		for i, m := range miss {
			sep := ","
			if i == len(miss)-1 {
				sep = "."
			}
			dagger := ""
			if m.new {
				dagger = "†"
			}
			w("`%s`%s%s\n", m.name, dagger, sep)
		}
		w("\n")
	}

	w("## Sluice's own API\n\n")
	w("Signed with SigV4 like every AWS request, with the service name `sluice`; authorized by IAM\n")
	w("(`sluice:<Operation>` for mappings; Glue and Lake Formation permissions for tables).\n\n")
	w("| operation | method and path |\n|---|---|\n")
	for _, op := range ops["sluice"] {
		w("| `%s` | `%s` |\n", op, nativePattern(op))
	}
	w("\nUnauthenticated endpoints: `GET /_sluice/health` (200 when ready, 503 while starting or\n")
	w("draining), `GET /_sluice/metrics` (Prometheus) and, with `--krb5-keytab`, `POST %s`\n", krblogin.Path)
	w("(SPNEGO login used by `sluice creds`).\n\n")

	w("%s", differences)
	return b.String()
}

// opStatus returns the status and notes of a routed operation.
func opStatus(svc, op string, ops []string) (string, string) {
	key := svc + "/" + op
	if note, ok := extensions[key]; ok {
		return "extension", note
	}
	if n, ok := renamed[key]; ok {
		return "partial", fmt.Sprintf("AWS calls it `%s`", n)
	}
	if note, ok := partial[key]; ok {
		return "partial", note
	}
	if svc == "s3" {
		if base, ok := headerVariants[op]; ok {
			return "supported", fmt.Sprintf("`%s` with `x-amz-copy-source`", base)
		}
	}
	return "supported", ""
}

// awsName is the AWS name of a routed operation.
func awsName(svc, op string) string {
	if n, ok := renamed[svc+"/"+op]; ok {
		return n
	}
	return op
}

func missing(svc string, answered []string, model []modelOp) []modelOp {
	var names []string
	for _, op := range answered {
		names = append(names, awsName(svc, op))
	}
	var out []modelOp
	for _, m := range model {
		if r, ok := sameRequest[svc+"/"+m.name]; ok && slices.Contains(answered, r) {
			continue
		}
		if !slices.Contains(names, m.name) {
			out = append(out, m)
		}
	}
	return out
}

// anchor is GitHub's heading anchor for a simple title.
func anchor(title string) string {
	return strings.ReplaceAll(strings.ToLower(title), " ", "-")
}

func TestCompatibilityDoc(t *testing.T) {
	ops, d := operations(t)
	model := loadModel(t)

	// Every routed AWS operation is in the model or declared an extension; every note names a
	// routed operation, so neither list goes stale.
	for _, s := range compatServices {
		if len(ops[s.key]) == 0 {
			t.Errorf("%s: no routed operations", s.key)
		}
		if len(model[s.key]) == 0 {
			t.Errorf("%s: not in testdata/aws-operations.txt", s.key)
		}
		for _, op := range ops[s.key] {
			inModel := slices.ContainsFunc(model[s.key], func(m modelOp) bool { return m.name == awsName(s.key, op) })
			_, ext := extensions[s.key+"/"+op]
			if !inModel && !ext {
				t.Errorf("%s/%s is routed but is neither an AWS operation nor in extensions", s.key, op)
			}
			if inModel && ext {
				t.Errorf("%s/%s is an AWS operation, not an extension", s.key, op)
			}
		}
	}
	for _, m := range []map[string]string{partial, extensions, renamed} {
		for key := range m {
			svc, op, _ := strings.Cut(key, "/")
			if !slices.Contains(ops[svc], op) {
				t.Errorf("note for %s: not a routed operation", key)
			}
		}
	}
	for key, r := range sameRequest {
		svc, op, _ := strings.Cut(key, "/")
		if !slices.Contains(ops[svc], r) || !slices.ContainsFunc(model[svc], func(m modelOp) bool { return m.name == op }) {
			t.Errorf("sameRequest %s → %s: not an AWS operation answered by a routed one", key, r)
		}
	}

	differences, err := os.ReadFile(filepath.Join("testdata", "compat-differences.md"))
	if err != nil {
		t.Fatal(err)
	}
	got := renderCompat(t, ops, model, string(differences), d.Native.Pattern)
	if *update {
		if err := os.WriteFile(compatDoc, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(compatDoc)
	if err != nil {
		t.Fatalf("%v (run: go test ./internal/daemon -run TestCompatibilityDoc -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("docs/compatibility.md is out of date (-file +generated); run\n\tgo test ./internal/daemon -run TestCompatibilityDoc -update\n%s", diff)
	}
}
