package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/blob/localfs"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/rootkeys"
	"github.com/sluicehq/sluice/internal/s3"
	"github.com/sluicehq/sluice/internal/secret"
	"github.com/sluicehq/sluice/internal/server"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

func s3Request(b *testing.B, method, url string, body []byte) *http.Request {
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds := aws.Credentials{AccessKeyID: benchKey, SecretAccessKey: benchSecret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "s3", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	return req
}

// BenchmarkS3Get4KiB compares 4 KiB GetObject over loopback HTTP with and without the audit log
// (SQLite, synchronous=FULL), with many parallel clients. Objects are on localfs.
func BenchmarkS3Get4KiB(b *testing.B) {
	for _, audited := range []bool{false, true} {
		name := "unaudited"
		if audited {
			name = "audited"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			fs, err := localfs.Open(filepath.Join(dir, "objects"), nil)
			if err != nil {
				b.Fatal(err)
			}
			rootOnly := s3.AuthorizerFunc(func(_ context.Context, p *identity.Principal, _ s3.AuthzRequest) error {
				if p.Type == identity.Root {
					return nil
				}
				return awsproto.AccessDenied("denied")
			})
			root := &rootkeys.Keys{Account: "123456789012", AccessKeyID: benchKey, Secret: secret.New(benchSecret)}
			cfg := server.Config{Account: "123456789012", Region: "us-east-1",
				Credentials: []server.CredentialResolver{root},
				Services:    map[string]awsproto.Handler{"s3": s3.New("123456789012", memstore.New(nil), fs, rootOnly, nil)}}
			if audited {
				st := openSQLite(b, filepath.Join(dir, "a.db"))
				defer st.Close()
				l := openLog(b, st, nil)
				defer l.Close()
				cfg.Audit = l
			}
			srv := server.New(cfg)
			srv.SetReady(true)
			hs := httptest.NewServer(srv)
			defer hs.Close()
			for _, r := range []*http.Request{
				s3Request(b, http.MethodPut, hs.URL+"/bench", nil),
				s3Request(b, http.MethodPut, hs.URL+"/bench/obj", bytes.Repeat([]byte("x"), 4096)),
			} {
				resp, err := http.DefaultClient.Do(r)
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("setup: %v %v", err, resp.Status)
				}
				resp.Body.Close()
			}
			tr := &http.Transport{MaxIdleConnsPerHost: 512}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			b.SetParallelism(128)
			b.SetBytes(4096)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Do(s3Request(b, http.MethodGet, hs.URL+"/bench/obj", nil))
					if err != nil {
						b.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || n != 4096 {
						b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
