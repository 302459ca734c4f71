package interop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

const rootARN = "arn:aws:iam::" + account + ":root"

func TestGetCallerIdentityAWSCLI(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	for _, major := range []string{"1", "2"} {
		t.Run("v"+major, func(t *testing.T) {
			cli := awsCLI(t, major)
			r := run(t, clientEnv(d.Endpoint()), cli, "--endpoint-url", d.Endpoint(), "--output", "json", "sts", "get-caller-identity")
			if r.err != nil {
				t.Fatalf("aws sts get-caller-identity: %v\n%s", r.err, r.stderr)
			}
			var out struct{ UserId, Account, Arn string }
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("output %q: %v", r.stdout, err)
			}
			if out.Arn != rootARN || out.Account != account || out.UserId != account {
				t.Errorf("got %+v", out)
			}
			// A wrong secret is SignatureDoesNotMatch, an unknown key InvalidClientTokenId.
			env := clientEnv(d.Endpoint(), "AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong")
			r = run(t, env, cli, "--endpoint-url", d.Endpoint(), "sts", "get-caller-identity")
			if r.err == nil || !strings.Contains(r.stderr, "SignatureDoesNotMatch") {
				t.Errorf("wrong secret: err=%v stderr=%s", r.err, r.stderr)
			}
			env = clientEnv(d.Endpoint(), "AWS_ACCESS_KEY_ID=AKIAUNKNOWNUNKNOWN00")
			r = run(t, env, cli, "--endpoint-url", d.Endpoint(), "sts", "get-caller-identity")
			if r.err == nil || !strings.Contains(r.stderr, "InvalidClientTokenId") {
				t.Errorf("unknown key: err=%v stderr=%s", r.err, r.stderr)
			}
		})
	}
}

const boto3Script = `
import json, os, sys
import boto3, botocore
from botocore.exceptions import ClientError
ep = os.environ["SLUICE_ENDPOINT"]
sts = boto3.client("sts", endpoint_url=ep)
me = sts.get_caller_identity()
out = {"arn": me["Arn"], "account": me["Account"], "request_id": me["ResponseMetadata"]["RequestId"],
       "botocore": botocore.__version__}
bad = boto3.client("sts", endpoint_url=ep, aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], aws_secret_access_key="x" * 40)
try:
    bad.get_caller_identity()
    out["wrong_secret"] = "accepted"
except ClientError as e:
    out["wrong_secret"] = e.response["Error"]["Code"]
    out["wrong_secret_status"] = e.response["ResponseMetadata"]["HTTPStatusCode"]
print(json.dumps(out))
`

func TestGetCallerIdentityBoto3(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	debianPython(t) // Debian's boto3 must be there; the pip one is tried too when present
	for _, py := range pythons() {
		t.Run(py, func(t *testing.T) {
			r := run(t, clientEnv(d.Endpoint()), py, "-c", boto3Script)
			if r.err != nil {
				t.Fatalf("%v\n%s", r.err, r.stderr)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
				t.Fatalf("%q: %v", r.stdout, err)
			}
			t.Logf("botocore %v", m["botocore"])
			if m["arn"] != rootARN || m["account"] != account || m["request_id"] == "" {
				t.Errorf("got %v", m)
			}
			if m["wrong_secret"] != "SignatureDoesNotMatch" || m["wrong_secret_status"] != float64(403) {
				t.Errorf("wrong secret: %v", m)
			}
		})
	}
}

func goSTS(endpoint, key, secret string) *sts.Client {
	return sts.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(key, secret, ""),
		BaseEndpoint:     aws.String(endpoint),
		RetryMaxAttempts: 1,
	})
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestGetCallerIdentityGoSDK(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	ctx := context.Background()
	out, err := goSTS(d.Endpoint(), rootKeyID, rootSecret).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Arn) != rootARN {
		t.Errorf("Arn = %s", aws.ToString(out.Arn))
	}
	if _, err := goSTS(d.Endpoint(), rootKeyID, "nope").GetCallerIdentity(ctx, nil); apiCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret: %v", err)
	}
	if _, err := goSTS(d.Endpoint(), "AKIANOTAKEYATALL000", rootSecret).GetCallerIdentity(ctx, nil); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("unknown key: %v", err)
	}
}

// signed builds a GetCallerIdentity POST signed by the SDK's signer at time at.
func signed(t *testing.T, endpoint string, body string, at time.Time) *http.Request {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret},
		req, hex.EncodeToString(sum[:]), "sts", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func errorCode(t *testing.T, resp *http.Response) (int, string) {
	t.Helper()
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	s := string(data)
	i, j := strings.Index(s, "<Code>"), strings.Index(s, "</Code>")
	if i < 0 || j < i {
		return resp.StatusCode, "(no code) " + s
	}
	return resp.StatusCode, s[i+6 : j]
}

// TestAuthFailures covers the failure modes of issue A with hand-signed requests.
func TestAuthFailures(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	ep := d.Endpoint()
	const body = "Action=GetCallerIdentity&Version=2011-06-15"
	presign := func(at time.Time, expires string) string {
		req, _ := http.NewRequest(http.MethodGet, ep+"/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires="+expires, nil)
		u, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: rootKeyID, SecretAccessKey: rootSecret},
			req, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sts", "us-east-1", at)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	tests := []struct {
		name       string
		req        func() *http.Request
		wantStatus int
		wantCode   string
	}{
		{"valid", func() *http.Request { return signed(t, ep, body, time.Now()) }, 200, "(no code)"},
		{"skewed clock", func() *http.Request { return signed(t, ep, body, time.Now().Add(-20*time.Minute)) }, 403, "SignatureDoesNotMatch"},
		{"tampered signed header", func() *http.Request {
			r := signed(t, ep, body, time.Now())
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"tampered body", func() *http.Request {
			r := signed(t, ep, body, time.Now())
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(body, "2011", "2012", 1)))
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"no signature", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, ep+"/", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 403, "MissingAuthenticationToken"},
		{"malformed authorization", func() *http.Request {
			r := signed(t, ep, body, time.Now())
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=garbage")
			return r
		}, 400, "IncompleteSignature"},
		{"valid presigned", func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, presign(time.Now(), "60"), nil)
			return r
		}, 200, "(no code)"},
		{"expired presigned", func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, presign(time.Now().Add(-10*time.Minute), "60"), nil)
			return r
		}, 400, "RequestExpired"},
		{"unknown action", func() *http.Request {
			return signed(t, ep, "Action=NoSuchThing&Version=2011-06-15", time.Now())
		}, 400, "InvalidAction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(tt.req())
			if err != nil {
				t.Fatal(err)
			}
			status, code := errorCode(t, resp)
			if status != tt.wantStatus || !strings.HasPrefix(code, tt.wantCode) {
				t.Errorf("got %d %s, want %d %s", status, code, tt.wantStatus, tt.wantCode)
			}
			if resp.Header.Get("x-amzn-RequestId") == "" {
				t.Error("no request id header")
			}
		})
	}
}

// TestOversizeBody: non-S3 bodies are capped and answered with an AWS error, not a hang.
func TestOversizeBody(t *testing.T) {
	t.Parallel()
	d := startSluice(t)
	big := "Action=GetCallerIdentity&Version=2011-06-15&Pad=" + strings.Repeat("x", 11<<20)
	resp, err := http.DefaultClient.Do(signed(t, d.Endpoint(), big, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	status, code := errorCode(t, resp)
	if status != http.StatusRequestEntityTooLarge || code != "RequestEntityTooLarge" {
		t.Errorf("got %d %s", status, code)
	}
}
