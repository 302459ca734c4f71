package sigv4

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// BenchmarkVerifyS3GET: a typical aws-sdk-go-v2 GetObject (x-id, amz-sdk-* headers,
// x-amz-checksum-mode, session token) verified with a cached signing key.
func BenchmarkVerifyS3GET(b *testing.B) {
	r := newReq(b, "GET", "https://bucket.s3.us-east-1.amazonaws.com/data/year%3D2026/part-00001.parquet?x-id=GetObject", "")
	r.Header.Set("Accept-Encoding", "identity")
	r.Header.Set("Amz-Sdk-Invocation-Id", "5a7d3c2e-1b2a-4c3d-9e8f-0a1b2c3d4e5f")
	r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	r.Header.Set("X-Amz-Checksum-Mode", "ENABLED")
	r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.47.7 ua/2.1 os/linux lang/go#1.26 md/GOOS#linux api/s3#1.114.8 m/E,Z")
	signRequest(b, r, emptySHA256, "s3")
	r.RequestURI = r.URL.RequestURI()
	r.Body = http.NoBody
	v := NewVerifier(&Options{Now: testNow})
	secret := []byte(testCreds.SecretAccessKey)
	b.ReportAllocs()
	for b.Loop() {
		a, err := Parse(r)
		if err != nil {
			b.Fatal(err)
		}
		body, err := v.Verify(r, a, secret)
		if err != nil {
			b.Fatal(err)
		}
		_ = body
	}
}

const benchBody = 8 << 20

// onlyReader hides io.WriterTo so both benchmarks copy through a buffer as a socket body does.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// BenchmarkChunkedUpload reads an 8 MiB STREAMING-AWS4-HMAC-SHA256-PAYLOAD body (64 KiB chunks)
// through Verify's chunk verifier.
func BenchmarkChunkedUpload(b *testing.B) {
	c := newChunked(b, payloadOf(benchBody), StreamingPayload, 64<<10)
	v := NewVerifier(&Options{Now: testNow})
	secret := []byte(testCreds.SecretAccessKey)
	rd := bytes.NewReader(c.body)
	b.SetBytes(benchBody)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(c.body)
		r := c.req.Clone(b.Context())
		r.Body = io.NopCloser(onlyReader{rd})
		a, err := Parse(r)
		if err != nil {
			b.Fatal(err)
		}
		body, err := v.Verify(r, a, secret)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, body); err != nil || n != benchBody {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkUnsignedRead reads the same 8 MiB as an UNSIGNED-PAYLOAD PUT, passed through.
func BenchmarkUnsignedRead(b *testing.B) {
	payload := payloadOf(benchBody)
	r := newReq(b, "PUT", "https://s3.example.com/bucket/key", "")
	r.ContentLength = benchBody
	r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
	signRequest(b, r, UnsignedPayload, "s3")
	v := NewVerifier(&Options{Now: testNow})
	secret := []byte(testCreds.SecretAccessKey)
	rd := bytes.NewReader(payload)
	b.SetBytes(benchBody)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(payload)
		rr := r.Clone(b.Context())
		rr.Body = io.NopCloser(onlyReader{rd})
		a, err := Parse(rr)
		if err != nil {
			b.Fatal(err)
		}
		body, err := v.Verify(rr, a, secret)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, body); err != nil || n != benchBody {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkHashedUpload reads the same 8 MiB as a PUT with a hex x-amz-content-sha256
// (the floor any verifying reader has: one SHA-256 pass).
func BenchmarkHashedUpload(b *testing.B) {
	payload := payloadOf(benchBody)
	r := newReq(b, "PUT", "https://s3.example.com/bucket/key", "")
	r.ContentLength = benchBody
	h := sha256Hex(payload)
	r.Header.Set("X-Amz-Content-Sha256", h)
	signRequest(b, r, h, "s3")
	v := NewVerifier(&Options{Now: testNow})
	secret := []byte(testCreds.SecretAccessKey)
	rd := bytes.NewReader(payload)
	b.SetBytes(benchBody)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(payload)
		rr := r.Clone(b.Context())
		rr.Body = io.NopCloser(onlyReader{rd})
		a, _ := Parse(rr)
		body, err := v.Verify(rr, a, secret)
		if err != nil {
			b.Fatal(err)
		}
		if n, err := io.Copy(io.Discard, body); err != nil || n != benchBody {
			b.Fatal(n, err)
		}
	}
}
