package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/rootkeys"
	"github.com/sluicehq/sluice/internal/secret"
	"github.com/sluicehq/sluice/internal/server"
	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/sqlitestore"
	"github.com/sluicehq/sluice/internal/sts"
)

func openSQLite(b *testing.B, path string) *sqlitestore.Store {
	b.Helper()
	st, err := sqlitestore.Open(context.Background(), path, nil)
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// BenchmarkRecord measures Record from many goroutines on SQLite (fsync per batch).
func BenchmarkRecord(b *testing.B) {
	st := openSQLite(b, filepath.Join(b.TempDir(), "a.db"))
	defer st.Close()
	l := openLog(b, st, nil)
	defer l.Close()
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c, info := call(sessP, awsproto.STS, "GetCallerIdentity", time.Now())
			if err := l.Record(context.Background(), c, 200, info); err != nil {
				b.Fatal(err)
			}
		}
	})
}

const (
	benchKey    = "AKIAIOSFODNN7EXAMPLE"
	benchSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	gciBody     = "Action=GetCallerIdentity&Version=2011-06-15"
)

// BenchmarkGetCallerIdentity compares the whole server over loopback HTTP with and without the
// audit log (SQLite, synchronous=FULL), with many parallel clients.
func BenchmarkGetCallerIdentity(b *testing.B) {
	for _, audited := range []bool{false, true} {
		name := "unaudited"
		if audited {
			name = "audited"
		}
		b.Run(name, func(b *testing.B) {
			root := &rootkeys.Keys{Account: "123456789012", AccessKeyID: benchKey, Secret: secret.New(benchSecret)}
			cfg := server.Config{
				Account:     "123456789012",
				Region:      "us-east-1",
				Credentials: []server.CredentialResolver{root},
				Services:    map[string]awsproto.Handler{"sts": sts.New("123456789012", testRing(b), nil, nil).Routes()},
			}
			if audited {
				st := openSQLite(b, filepath.Join(b.TempDir(), "a.db"))
				defer st.Close()
				l := openLog(b, st, nil)
				defer l.Close()
				cfg.Audit = l
			}
			s := server.New(cfg)
			s.SetReady(true)
			hs := httptest.NewServer(s)
			defer hs.Close()
			tr := &http.Transport{MaxIdleConnsPerHost: 512}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			sum := sha256.Sum256([]byte(gciBody))
			hash := hex.EncodeToString(sum[:])
			signer := v4.NewSigner()
			creds := aws.Credentials{AccessKeyID: benchKey, SecretAccessKey: benchSecret}
			b.SetParallelism(128)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, hs.URL+"/", strings.NewReader(gciBody))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
					if err := signer.SignHTTP(context.Background(), creds, req, hash, "sts", "us-east-1", time.Now()); err != nil {
						b.Fatal(err)
					}
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// bigLog returns a SQLite log of n records, built once and kept in the temp dir across runs
// (SLUICE_AUDIT_BENCH_DIR overrides where): 97 users, 1 in 100 records is alice's, 1 in 10,000
// carol's; records 10 ms apart; S3 reads of 50 objects.
func bigLog(b *testing.B, n int) store.Store {
	b.Helper()
	dir := os.Getenv("SLUICE_AUDIT_BENCH_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("sluice-audit-bench-%d.db", n))
	done := path + ".done"
	if _, err := os.Stat(done); err == nil {
		return openSQLite(b, path)
	}
	os.Remove(path)
	os.Remove(path + "-wal")
	st := openSQLite(b, path)
	l := openLog(b, st, &Options{Chain: "c-bench"})
	start := time.Now()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 256
	for i := 0; i < n; i += batch {
		recs := make([]*prepared, 0, batch)
		for j := i; j < min(i+batch, n); j++ {
			p := &identity.Principal{Type: identity.IAMUser, Account: testAccount, ARN: identity.ARN(fmt.Sprintf("arn:aws:iam::123456789012:user/u%d", j%97)),
				ID: "AIDA", UserName: fmt.Sprintf("u%d", j%97), AccessKeyID: "AKIABENCH"}
			switch {
			case j%10000 == 0:
				p = &identity.Principal{Type: identity.IAMUser, Account: testAccount, ARN: "arn:aws:iam::123456789012:user/carol", UserName: "carol"}
			case j%100 == 1:
				p = userP
			}
			c, info := call(p, awsproto.S3, "GetObject", base.Add(time.Duration(j)*time.Millisecond*10))
			c.DataEvent = true
			c.Resources = []awsproto.Resource{{ARN: fmt.Sprintf("arn:aws:s3:::bucket/k%d", j%50), Type: "AWS::S3::Object"}}
			pr, err := l.prepare(Build(c, 200, info, testAccount, l.newEventID()), info.Time)
			if err != nil {
				b.Fatal(err)
			}
			recs = append(recs, pr)
		}
		if err := l.write(recs); err != nil {
			b.Fatal(err)
		}
	}
	l.Close()
	b.Logf("built %d records in %v", n, time.Since(start))
	os.WriteFile(done, nil, 0o644)
	return st
}

// BenchmarkLookupByUser1M answers LookupEvents by Username over a log of 1,000,000 records.
func BenchmarkLookupByUser1M(b *testing.B) {
	st := bigLog(b, 1_000_000)
	defer st.Close()
	api := NewAPI(st, testAccount, "us-east-1", nil)
	for _, user := range []string{"alice", "carol"} {
		b.Run(user, func(b *testing.B) {
			in := &LookupEventsInput{MaxResults: ip(50), LookupAttributes: []LookupAttribute{{"Username", user}}}
			b.ReportAllocs()
			for b.Loop() {
				out, err := api.LookupEvents(context.Background(), rootP, in)
				if err != nil || len(out.Events) != 50 && user == "alice" || len(out.Events) == 0 {
					b.Fatalf("%v %d", err, len(out.Events))
				}
			}
		})
	}
}
