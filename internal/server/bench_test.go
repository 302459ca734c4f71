package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/rootkeys"
	"github.com/sluicehq/sluice/internal/secret"
	"github.com/sluicehq/sluice/internal/sts"
)

const gciBody = "Action=GetCallerIdentity&Version=2011-06-15"

// benchHTTP drives handler over real loopback HTTP with keep-alive connections from parallel
// clients, each request signed as the SDK signs it (the client work is the same for both
// handlers, so the ratio compares the servers).
func benchHTTP(b *testing.B, handler http.Handler) {
	hs := httptest.NewServer(handler)
	defer hs.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	sum := sha256.Sum256([]byte(gciBody))
	hash := hex.EncodeToString(sum[:])
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secKey}
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
}

// BenchmarkBareHandler is the baseline: a net/http handler that returns a fixed
// GetCallerIdentity response without authenticating anything.
func BenchmarkBareHandler(b *testing.B) {
	const resp = `<?xml version="1.0" encoding="UTF-8"?>
<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><UserId>123456789012</UserId><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:root</Arn></GetCallerIdentityResult><ResponseMetadata><RequestId>0</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
	benchHTTP(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, resp)
	}))
}

// BenchmarkGetCallerIdentity is the whole Sluice path: SigV4 verification, credential lookup,
// routing, query decoding, XML encoding, logging and metrics.
func BenchmarkGetCallerIdentity(b *testing.B) {
	root := &rootkeys.Keys{Account: "123456789012", AccessKeyID: keyID, Secret: secret.New(secKey)}
	s := New(Config{
		Account:     "123456789012",
		Region:      "us-east-1",
		Credentials: []CredentialResolver{root},
		Services:    map[string]awsproto.Handler{"sts": sts.New("123456789012", nil, nil, nil).Routes()},
		// The production log line, formatted and thrown away.
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	s.SetReady(true)
	benchHTTP(b, s)
}
