package daemon

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	stssvc "github.com/sluicehq/sluice/internal/sts"
)

// TestSTSThrottling: --sts-rate-limit reaches STS; the SDKs see AWS's Throttling error.
func TestSTSThrottling(t *testing.T) {
	env := map[string]string{"SLUICE_ROOT_ACCESS_KEY_ID": benchKey, "SLUICE_ROOT_SECRET_ACCESS_KEY": benchSecret}
	d, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Store: "memory:",
		Getenv: func(k string) string { return env[k] }, STSLimits: stssvc.Limits{PerPrincipal: 0.01, Burst: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Shutdown(context.Background())
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(d.Endpoint()), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(benchKey, benchSecret, "")}
	ctx := context.Background()
	if _, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	client := sts.NewFromConfig(cfg)
	in := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s1")}
	if _, err := client.AssumeRole(ctx, in); err != nil {
		t.Fatal(err)
	}
	_, err = client.AssumeRole(ctx, in)
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "Throttling" {
		t.Fatalf("second call: %v", err)
	}
}

// TestOneServerPerSQLiteFile: a second Sluice on the same SQLite store is refused, saying what to
// do, until the first has shut down (its cached reads assume it is the only writer).
func TestOneServerPerSQLiteFile(t *testing.T) {
	env := map[string]string{"SLUICE_ROOT_ACCESS_KEY_ID": benchKey, "SLUICE_ROOT_SECRET_ACCESS_KEY": benchSecret}
	cfg := Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Getenv: func(k string) string { return env[k] }}
	first, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Start(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "another process is serving this database") {
		t.Fatalf("second Start on the same data dir = %v", err)
	}
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	again, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start after the first shut down: %v", err)
	}
	again.Shutdown(context.Background())
}
