package doctor_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/lakeformation"
	lftypes "github.com/aws/aws-sdk-go-v2/service/lakeformation/types"

	"github.com/sluicehq/sluice/internal/daemon"
	"github.com/sluicehq/sluice/internal/doctor"
)

const (
	rootKey    = "AKIADOCTORTEST000001"
	rootSecret = "doctorTestSecretKey0000000000000000000000"
)

// TestDaemon runs the doctor against an in-process Sluice on SQLite: a table under a registered
// location created with the default settings still grants IAM_ALLOWED_PRINCIPALS, which the
// doctor reports with the revoke command; after the revoke (and emptied defaults) it is ok.
func TestDaemon(t *testing.T) {
	ctx := context.Background()
	dataDir := t.TempDir()
	env := map[string]string{"SLUICE_ROOT_ACCESS_KEY_ID": rootKey, "SLUICE_ROOT_SECRET_ACCESS_KEY": rootSecret}
	getenv := func(k string) string { return env[k] }
	d, err := daemon.Start(ctx, daemon.Config{Addr: "127.0.0.1:0", DataDir: dataDir, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Shutdown(context.Background())
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(d.Endpoint()), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(rootKey, rootSecret, "")}
	lf, gl := lakeformation.NewFromConfig(cfg), glue.NewFromConfig(cfg)
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(lf.RegisterResource(ctx, &lakeformation.RegisterResourceInput{ResourceArn: aws.String("arn:aws:s3:::lake/sales"), UseServiceLinkedRole: aws.Bool(true)}))
	must(gl.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{Name: aws.String("sales")}}))
	for name, loc := range map[string]string{"orders": "s3://lake/sales/orders/", "scratch": "s3://elsewhere/scratch/"} {
		must(gl.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String("sales"), TableInput: &gluetypes.TableInput{
			Name: aws.String(name), StorageDescriptor: &gluetypes.StorageDescriptor{Location: aws.String(loc),
				Columns: []gluetypes.Column{{Name: aws.String("id"), Type: aws.String("int")}}}}}))
	}

	run := func() []doctor.Finding {
		return doctor.Run(ctx, doctor.Config{DataDir: dataDir, Endpoint: d.Endpoint(), AWS: &cfg, Getenv: getenv}, nil)
	}
	byCheck := func(fs []doctor.Finding, c doctor.Check) []doctor.Finding {
		var out []doctor.Finding
		for _, f := range fs {
			if f.Check == c {
				out = append(out, f)
			}
		}
		return out
	}

	fs := run()
	for _, c := range []doctor.Check{doctor.CheckStore, doctor.CheckBlob, doctor.CheckKeyring, doctor.CheckRootCredentials, doctor.CheckHealth, doctor.CheckClock} {
		if got := byCheck(fs, c); len(got) != 1 || got[0].Status != doctor.OK {
			t.Errorf("%s: %+v", c, got)
		}
	}
	iap := byCheck(fs, doctor.CheckIAMAllowed)
	if len(iap) != 2 {
		t.Fatalf("iam-allowed-principals: %+v", iap)
	}
	wantFix := `aws lakeformation revoke-permissions --endpoint-url ` + d.Endpoint() + ` --principal DataLakePrincipalIdentifier=IAM_ALLOWED_PRINCIPALS --resource '{"Table":{"DatabaseName":"sales","Name":"orders"}}' --permissions ALL`
	if f := iap[0]; f.Status != doctor.Fail || !strings.Contains(f.Message, "table sales.orders at s3://lake/sales/orders/") || f.Fix != wantFix {
		t.Errorf("governed table: %+v\nwant fix %s", f, wantFix)
	}
	if f := iap[1]; f.Status != doctor.Warn || !strings.Contains(f.Fix, `"CreateTableDefaultPermissions":[]`) {
		t.Errorf("defaults: %+v", f)
	}
	// Root did the setup above itself: daily work, by the doctor's definition.
	if got := byCheck(fs, doctor.CheckRootUsage); len(got) != 1 || got[0].Status != doctor.Warn || !strings.Contains(got[0].Message, "glue:CreateTable ×2") {
		t.Errorf("root usage: %+v", got)
	}
	if !doctor.Failed(fs) {
		t.Error("not failed")
	}

	// Apply the fixes.
	must(lf.RevokePermissions(ctx, &lakeformation.RevokePermissionsInput{
		Principal:   &lftypes.DataLakePrincipal{DataLakePrincipalIdentifier: aws.String(doctor.IAMAllowedPrincipals)},
		Resource:    &lftypes.Resource{Table: &lftypes.TableResource{DatabaseName: aws.String("sales"), Name: aws.String("orders")}},
		Permissions: []lftypes.Permission{lftypes.PermissionAll}}))
	got, err := lf.GetDataLakeSettings(ctx, &lakeformation.GetDataLakeSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	s := got.DataLakeSettings
	s.CreateDatabaseDefaultPermissions, s.CreateTableDefaultPermissions = []lftypes.PrincipalPermissions{}, []lftypes.PrincipalPermissions{}
	must(lf.PutDataLakeSettings(ctx, &lakeformation.PutDataLakeSettingsInput{DataLakeSettings: s}))

	fs = run()
	for _, f := range byCheck(fs, doctor.CheckIAMAllowed) {
		if f.Status != doctor.OK {
			t.Errorf("after the fix: %+v", f)
		}
	}
	if doctor.Failed(fs) {
		t.Errorf("still failed: %+v", fs)
	}

	// Without credentials the signed checks are skipped; the rest still run.
	fs = doctor.Run(ctx, doctor.Config{DataDir: dataDir, Endpoint: d.Endpoint(), Getenv: getenv}, nil)
	for _, c := range []doctor.Check{doctor.CheckRootUsage, doctor.CheckIAMAllowed} {
		if got := byCheck(fs, c); len(got) != 1 || got[0].Status != doctor.Skip || !strings.Contains(got[0].Message, "no AWS credentials") {
			t.Errorf("%s without credentials: %+v", c, got)
		}
	}
	if got := byCheck(fs, doctor.CheckHealth); len(got) != 1 || got[0].Status != doctor.OK {
		t.Errorf("health: %+v", got)
	}
}

// TestUnreachable: with no server, every server check is skipped with the reason, and the
// offline ones still report.
func TestUnreachable(t *testing.T) {
	fs := doctor.Run(context.Background(), doctor.Config{DataDir: t.TempDir(), Endpoint: "http://127.0.0.1:1"}, nil)
	var skipped []doctor.Check
	for _, f := range fs {
		if f.Status == doctor.Skip {
			if !strings.Contains(f.Message, "http://127.0.0.1:1 is not reachable") {
				t.Errorf("%+v", f)
			}
			skipped = append(skipped, f.Check)
		}
	}
	want := []doctor.Check{doctor.CheckHealth, doctor.CheckClock, doctor.CheckRootUsage, doctor.CheckIAMAllowed}
	if strings.Join(toStrings(skipped), ",") != strings.Join(toStrings(want), ",") {
		t.Errorf("skipped %v, want %v", skipped, want)
	}
	if fs[0].Check != doctor.CheckStore || fs[0].Status != doctor.Fail || !doctor.Failed(fs) {
		t.Errorf("store: %+v", fs[0])
	}
}

func toStrings(cs []doctor.Check) []string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c))
	}
	return out
}
