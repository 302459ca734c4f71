package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

const (
	benchKey    = "AKIAIOSFODNN7EXAMPLE"
	benchSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var assumeBody = url.Values{
	"Action": {"AssumeRole"}, "Version": {"2011-06-15"},
	"RoleArn":         {"arn:aws:iam::123456789012:role/bench"},
	"RoleSessionName": {"bench-session"},
}.Encode()

// benchAssume posts signed AssumeRole requests to endpoint from parallel clients over loopback.
// clientsPerCPU sets the concurrent clients of the AssumeRole benchmarks (× GOMAXPROCS):
// SLUICE_BENCH_CLIENTS_PER_CPU, default 8 (16 clients on 2 cores).
func clientsPerCPU() int {
	if n, err := strconv.Atoi(os.Getenv("SLUICE_BENCH_CLIENTS_PER_CPU")); err == nil && n > 0 {
		return n
	}
	return 8
}

func benchAssume(b *testing.B, endpoint string) {
	tr := &http.Transport{MaxIdleConnsPerHost: 4 * clientsPerCPU() * runtime.GOMAXPROCS(0)}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	sum := sha256.Sum256([]byte(assumeBody))
	hash := hex.EncodeToString(sum[:])
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: benchKey, SecretAccessKey: benchSecret}
	b.ReportAllocs()
	b.SetParallelism(clientsPerCPU())
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(assumeBody))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			if err := signer.SignHTTP(context.Background(), creds, req, hash, "sts", "us-east-1", time.Now()); err != nil {
				b.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("%d %s", resp.StatusCode, body)
			}
		}
	})
}

// BenchmarkAssumeRoleBare is the baseline: a net/http handler answering a fixed AssumeRole
// response to the same signed requests.
func BenchmarkAssumeRoleBare(b *testing.B) {
	const resp = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIAEXAMPLEEXAMPLE00</AccessKeyId><SecretAccessKey>x</SecretAccessKey><SessionToken>y</SessionToken><Expiration>2026-11-24T12:00:00Z</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:bench-session</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/bench/bench-session</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>0</RequestId></ResponseMetadata></AssumeRoleResponse>`
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, resp)
	}))
	defer hs.Close()
	benchAssume(b, hs.URL)
}

func benchDaemon(b *testing.B, store string) {
	env := map[string]string{"SLUICE_ROOT_ACCESS_KEY_ID": benchKey, "SLUICE_ROOT_SECRET_ACCESS_KEY": benchSecret}
	d, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", DataDir: b.TempDir(), Store: store, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Shutdown(context.Background())
	client := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(d.Endpoint()),
		Credentials: credentials.NewStaticCredentialsProvider(benchKey, benchSecret, "")})
	_, err = client.CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String("bench"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		b.Fatal(err)
	}
	benchAssume(b, d.Endpoint())
}

// BenchmarkAssumeRoleSluiceMemory is the whole path — SigV4, routing, IAM role lookup, trust and
// identity evaluation, minting, sealing, the audit record — on the in-memory store.
func BenchmarkAssumeRoleSluiceMemory(b *testing.B) { benchDaemon(b, "memory:") }

// BenchmarkAssumeRoleSluiceSQLite is the same on the default store: the audit record is durable
// (group-committed fsync) before each answer.
func BenchmarkAssumeRoleSluiceSQLite(b *testing.B) { benchDaemon(b, "") }
