package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/rootkeys"
	"github.com/sluicehq/sluice/internal/secret"
	"github.com/sluicehq/sluice/internal/sigv4"
)

// sink is an S3 handler that reads the verified body to the end and answers 200.
type sink struct{}

func (sink) ServeAWS(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
	c.Operation = "PutObject"
	if _, err := io.Copy(io.Discard, c.Body); err != nil {
		c.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

const uploadSize = 32 << 20

// benchUpload PUTs uploadSize bytes per op through the whole server (SigV4 verification
// included) over loopback HTTP, with the payload mode given.
func benchUpload(b *testing.B, mode string) {
	root := &rootkeys.Keys{Account: "123456789012", AccessKeyID: keyID, Secret: secret.New(secKey)}
	s := New(Config{Account: "123456789012", Region: "us-east-1", Credentials: []CredentialResolver{root},
		Services: map[string]awsproto.Handler{"s3": sink{}}})
	s.SetReady(true)
	hs := httptest.NewServer(s)
	defer hs.Close()
	payload := bytes.Repeat([]byte("0123456789abcdef"), uploadSize/16)
	// The client's work (hashing, chunk signing) happens once, before the timer: the benchmark
	// measures the server. The signature stays valid within the 15-minute skew.
	now := time.Now()
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secKey}
	req, _ := http.NewRequest(http.MethodPut, hs.URL+"/bucket/key", nil)
	body := payload
	hash := mode
	switch mode {
	case "sha256":
		sum := sha256.Sum256(payload)
		hash = hex.EncodeToString(sum[:])
	case sigv4.StreamingPayload:
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(uploadSize))
	}
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if mode == sigv4.StreamingPayload {
		scope := sigv4.Scope{Date: now.UTC().Format("20060102"), Region: "us-east-1", Service: "s3"}
		size := len(sigv4.NewChunkEncoder([]byte(secKey), scope, now, string(make([]byte, 64))).Encode(payload, 64<<10, nil))
		req.ContentLength = int64(size)
		req.Header.Set("Content-Length", strconv.Itoa(size))
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "s3", "us-east-1", now); err != nil {
			b.Fatal(err)
		}
		a, err := sigv4.Parse(req)
		if err != nil {
			b.Fatal(err)
		}
		body = sigv4.NewChunkEncoder([]byte(secKey), scope, now, a.Signature).Encode(payload, 64<<10, nil)
		req.Header.Del("Content-Length")
	} else {
		req.ContentLength = int64(len(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "s3", "us-east-1", now); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(uploadSize)
	b.ResetTimer()
	for b.Loop() {
		r := req.Clone(context.Background())
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("%d %s", resp.StatusCode, msg)
		}
	}
}

// BenchmarkUploadUnsignedPayload is the baseline: the same body, UNSIGNED-PAYLOAD, through the
// same server.
func BenchmarkUploadUnsignedPayload(b *testing.B) { benchUpload(b, sigv4.UnsignedPayload) }

// BenchmarkUploadSignedSHA256 verifies a hex x-amz-content-sha256 while streaming.
func BenchmarkUploadSignedSHA256(b *testing.B) { benchUpload(b, "sha256") }

// BenchmarkUploadChunkedSigned verifies every 64 KiB chunk signature while streaming.
func BenchmarkUploadChunkedSigned(b *testing.B) { benchUpload(b, sigv4.StreamingPayload) }

// quitter is an S3 handler that reads a little of the body, keeps it, and fails.
type quitter struct{ body chan io.Reader }

func (q quitter) ServeAWS(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
	c.Operation = "PutObject"
	io.ReadFull(c.Body, make([]byte, 100))
	q.body <- c.Body
	c.Fail(w, r, awsproto.Errorf(http.StatusBadRequest, "InvalidRequest", "no thanks"))
}

// TestVerifiedBodyClosed: a handler that stops reading a large signed body part way leaves
// nothing reading the request after the response: the server closes the verified body (and its
// read-ahead goroutine) before ServeHTTP returns.
func TestVerifiedBodyClosed(t *testing.T) {
	root := &rootkeys.Keys{Account: "123456789012", AccessKeyID: keyID, Secret: secret.New(secKey)}
	q := quitter{body: make(chan io.Reader, 1)}
	s := New(Config{Account: "123456789012", Region: "us-east-1", Credentials: []CredentialResolver{root},
		Services: map[string]awsproto.Handler{"s3": q}})
	s.SetReady(true)
	hs := httptest.NewServer(s)
	defer hs.Close()
	payload := bytes.Repeat([]byte("0123456789abcdef"), (8<<20)/16)
	sum := sha256.Sum256(payload)
	req, _ := http.NewRequest(http.MethodPut, hs.URL+"/bucket/key", bytes.NewReader(payload))
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secKey},
		req, hex.EncodeToString(sum[:]), "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("status %d", resp.StatusCode)
		}
	} // the server may close the connection before the client has sent everything
	body := <-q.body
	hs.Close() // waits for ServeHTTP to return
	if _, err := body.Read(make([]byte, 10)); err == nil {
		t.Error("the verified body still reads after the response")
	}
}
