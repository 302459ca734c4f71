package demo

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/daemon"
)

const (
	rootKeyID  = "AKIAIOSFODNN7EXAMPLE"
	rootSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// seeded is one in-process Sluice with the demo lake, shared by the tests of this package.
type seeded struct {
	d    *daemon.Daemon
	lake *Lake
	took time.Duration
	err  error
}

var shared struct {
	once sync.Once
	*seeded
}

func seedShared() *seeded {
	env := map[string]string{"SLUICE_ROOT_ACCESS_KEY_ID": rootKeyID, "SLUICE_ROOT_SECRET_ACCESS_KEY": rootSecret}
	dir, err := tempDir()
	if err != nil {
		return &seeded{err: err}
	}
	d, err := daemon.Start(context.Background(), daemon.Config{Addr: "127.0.0.1:0", DataDir: dir, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		return &seeded{err: err}
	}
	start := time.Now()
	lake, err := Seed(context.Background(), d.Endpoint(), aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}, nil)
	return &seeded{d: d, lake: lake, took: time.Since(start), err: err}
}

func lake(t *testing.T) *seeded {
	t.Helper()
	shared.once.Do(func() { shared.seeded = seedShared() })
	s := shared.seeded
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s
}

func (s *seeded) creds(t *testing.T, name PersonaName) aws.Credentials {
	t.Helper()
	p, ok := s.lake.Persona(name)
	if !ok {
		t.Fatalf("no persona %s", name)
	}
	c, err := p.Credentials(context.Background(), s.d.Endpoint(), s.lake.Region, 0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// native makes a signed GET of Sluice's read API.
func (s *seeded) native(t *testing.T, c aws.Credentials, path string, q url.Values) (int, string) {
	t.Helper()
	u := s.d.Endpoint() + path
	if len(q) > 0 {
		u += "?" + strings.ReplaceAll(q.Encode(), "+", "%20")
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	sum := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, hex.EncodeToString(sum[:]), "sluice", s.lake.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (s *seeded) rows(t *testing.T, c aws.Credentials, table string, q url.Values) [][]string {
	t.Helper()
	code, body := s.native(t, c, "/_sluice/v1/tables/tpc/"+table+"/rows", q)
	if code != 200 {
		t.Fatalf("%s: HTTP %d %s", table, code, body)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	var je *APIError
	if errors.As(err, &je) {
		return je.Code
	}
	return ""
}

func TestSeedIsFast(t *testing.T) {
	s := lake(t)
	t.Logf("seeding took %v", s.took)
	got := []PersonaName{}
	for _, p := range s.lake.Personas {
		got = append(got, p.Name)
	}
	want := []PersonaName{Admin, Notebook, NotebookApp, Engine, David, TinaSales, TinaElectronics}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("personas (-want +got):\n%s", diff)
	}
}

func TestDavid(t *testing.T) {
	s := lake(t)
	david := s.creds(t, David)
	got := s.rows(t, david, "dl_tpc_customer", url.Values{"limit": {"10"}})
	if diff := cmp.Diff([]string{"c_customer_sk", "c_birth_country"}, got[0]); diff != "" {
		t.Errorf("david's customer columns (-want +got):\n%s", diff)
	}
	if len(got) != 11 {
		t.Errorf("david's first ten customers: %d rows", len(got)-1)
	}
	code, body := s.native(t, david, "/_sluice/v1/tables/tpc/dl_tpc_customer_address/rows", nil)
	if code/100 != 4 {
		t.Errorf("david on dl_tpc_customer_address: HTTP %d %s", code, body)
	}
	t.Logf("david on dl_tpc_customer_address: %d %s", code, body)
}

func tempDir() (string, error) { return os.MkdirTemp("", "sluice-demo-test") }

func TestDavidMayUseOnlyMarketing(t *testing.T) {
	s := lake(t)
	david, _ := s.lake.Persona(David)
	for _, tc := range []struct {
		name, role, want string
	}{
		{"marketing", "marketing-data-access-role", ""},
		{"sales", "sales-data-access-role", "AccessDenied"},
		{"electronics", "electronics-data-access-role", "AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stsClient(s.d.Endpoint(), s.lake.Region, david.UserCredentials()).AssumeRole(context.Background(), &sts.AssumeRoleInput{
				RoleArn: aws.String("arn:aws:iam::" + s.lake.Account + ":role/" + tc.role), RoleSessionName: aws.String("david")})
			if got := apiCode(err); got != tc.want {
				t.Errorf("david assuming %s: %q (%v), want %q", tc.role, got, err, tc.want)
			}
		})
	}
}

func TestTina(t *testing.T) {
	s := lake(t)
	sales := s.rows(t, s.creds(t, TinaSales), "dl_tpc_web_sales", nil)
	if len(sales)-1 != s.lake.Rows/5 {
		t.Errorf("tina/sales: %d rows, want %d", len(sales)-1, s.lake.Rows/5)
	}
	for _, r := range sales[1:] {
		if r[2] != SalesRegion {
			t.Fatalf("tina/sales sees %v", r)
		}
	}
	elec := s.creds(t, TinaElectronics)
	items := s.rows(t, elec, "dl_tpc_item", nil)
	for _, r := range items[1:] {
		if r[2] != "Electronics" {
			t.Fatalf("tina/electronics sees %v", r)
		}
	}
	if len(items) < 2 {
		t.Error("tina/electronics sees no items")
	}
	code, body := s.native(t, elec, "/_sluice/v1/databases/tpc/tables", nil)
	if code != 200 || !strings.Contains(body, "dl_tpc_item") || strings.Contains(body, "dl_tpc_web_sales") || strings.Contains(body, "dl_tpc_customer") {
		t.Errorf("tina/electronics lists: %d %s", code, body)
	}
}

func TestNotebook(t *testing.T) {
	s := lake(t)
	ctx := context.Background()
	app := s.creds(t, NotebookApp)
	cfg := aws.Config{Region: s.lake.Region, BaseEndpoint: aws.String(s.d.Endpoint()), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return app, nil })}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	_, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(DataBucket), Key: aws.String("customer/part-0.csv")})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("app role reading S3 directly: %v, want AccessDenied", err)
	}
	c := &jsonCaller{endpoint: s.d.Endpoint(), region: s.lake.Region, creds: app, client: http.DefaultClient, now: time.Now}
	var meta struct{ AuthorizedColumns []string }
	if err := c.glue(ctx, "GetUnfilteredTableMetadata", map[string]any{"CatalogId": s.lake.Account, "DatabaseName": Database,
		"Name": "dl_tpc_customer", "SupportedPermissionTypes": []string{"COLUMN_PERMISSION"}}, &meta); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(AppColumns, meta.AuthorizedColumns); diff != "" {
		t.Errorf("AuthorizedColumns (-want +got):\n%s", diff)
	}
	var vended struct{ AccessKeyId, SecretAccessKey, SessionToken string }
	if err := c.lf(ctx, "GetTemporaryGlueTableCredentials", map[string]any{
		"TableArn":                 "arn:aws:glue:" + s.lake.Region + ":" + s.lake.Account + ":table/tpc/dl_tpc_customer",
		"SupportedPermissionTypes": []string{"COLUMN_PERMISSION"}}, &vended); err != nil {
		t.Fatal(err)
	}
	v := aws.Credentials{AccessKeyID: vended.AccessKeyId, SecretAccessKey: vended.SecretAccessKey, SessionToken: vended.SessionToken}
	cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return v, nil })
	vs3 := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := vs3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(DataBucket), Key: aws.String("customer/part-0.csv")}); err != nil {
		t.Errorf("vended credentials reading the table: %v", err)
	}
	if _, err := vs3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(DataBucket), Key: aws.String("web_sales/part-0.parquet")}); apiCode(err) != "AccessDenied" {
		t.Errorf("vended credentials outside the table: %v, want AccessDenied", err)
	}
	// The app role may not vend the address table: it has no grant there.
	err = c.lf(ctx, "GetTemporaryGlueTableCredentials", map[string]any{
		"TableArn":                 "arn:aws:glue:" + s.lake.Region + ":" + s.lake.Account + ":table/tpc/dl_tpc_customer_address",
		"SupportedPermissionTypes": []string{"COLUMN_PERMISSION"}}, &vended)
	if apiCode(err) != "AccessDeniedException" {
		t.Errorf("vending an ungranted table: %v", err)
	}
}

func TestEngineAssumesForItsUsers(t *testing.T) {
	s := lake(t)
	engine := s.creds(t, Engine)
	for _, r := range []string{"marketing", "sales", "electronics"} {
		_, err := stsClient(s.d.Endpoint(), s.lake.Region, engine).AssumeRole(context.Background(), &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::" + s.lake.Account + ":role/" + r + "-data-access-role"), RoleSessionName: aws.String("tina"),
			SourceIdentity: aws.String("tina-sales-electronics"),
			Tags:           []ststypes.Tag{{Key: aws.String(tagKey), Value: aws.String(EngineTag)}}})
		if err != nil {
			t.Errorf("engine assuming %s: %v", r, err)
		}
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.seeded != nil && shared.d != nil {
		shared.d.Shutdown(context.Background())
		os.RemoveAll(shared.d.DataDir())
	}
	os.Exit(code)
}

// BenchmarkSeed seeds a fresh in-memory Sluice per iteration (5000 web sales).
func BenchmarkSeed(b *testing.B) {
	env := map[string]string{"SLUICE_ROOT_ACCESS_KEY_ID": rootKeyID, "SLUICE_ROOT_SECRET_ACCESS_KEY": rootSecret}
	for b.Loop() {
		b.StopTimer()
		d, err := daemon.Start(context.Background(), daemon.Config{Addr: "127.0.0.1:0", DataDir: b.TempDir(), Store: "memory:", Getenv: func(k string) string { return env[k] }})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := Seed(context.Background(), d.Endpoint(), aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret}, nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		d.Shutdown(context.Background())
		b.StartTimer()
	}
}
