package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

var (
	testCreds = aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	testTime  = time.Date(2026, 5, 24, 10, 0, 0, 0, time.UTC)
	testNow   = func() time.Time { return testTime.Add(time.Minute) }
)

// signRequest signs r with the SDK at testTime (S3 path escaping rules when service is s3).
func signRequest(t testing.TB, r *http.Request, payloadHash, service string) *http.Request {
	t.Helper()
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	if err := s.SignHTTP(context.Background(), testCreds, r, payloadHash, service, "us-east-1", testTime); err != nil {
		t.Fatal(err)
	}
	return r
}

// presignRequest presigns r with the SDK at signedAt for expires.
func presignRequest(t testing.TB, r *http.Request, service string, signedAt time.Time, expires time.Duration) *http.Request {
	t.Helper()
	q := r.URL.Query()
	q.Set("X-Amz-Expires", strconv.Itoa(int(expires/time.Second)))
	r.URL.RawQuery = q.Encode()
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	u, hdr, err := s.PresignHTTP(context.Background(), testCreds, r, UnsignedPayload, service, "us-east-1", signedAt)
	if err != nil {
		t.Fatal(err)
	}
	out, err := http.NewRequest(r.Method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k != "Host" {
			out.Header[k] = v
		}
	}
	return out
}

// chunked is an S3 PUT with an aws-chunked body as a client would send it.
type chunked struct {
	req     *http.Request
	body    []byte // encoded
	payload []byte
	seed    string
}

// newChunked builds a signed aws-chunked PUT of payload. mode is one of the STREAMING-* values;
// trailers names x-amz-checksum-* trailers whose values are computed from payload.
func newChunked(t testing.TB, payload []byte, mode string, chunkSize int, trailers ...string) *chunked {
	t.Helper()
	var tr []Trailer
	for _, name := range trailers {
		v, ok := Checksum(name, payload)
		if !ok {
			t.Fatalf("unsupported checksum %s", name)
		}
		tr = append(tr, Trailer{name, v})
	}
	scope := Scope{Date: testTime.Format(scopeDateFmt), Region: "us-east-1", Service: "s3"}
	encode := func(seed string) []byte {
		if mode == StreamingUnsignedPayloadTrailer {
			return NewUnsignedChunkEncoder().Encode(payload, chunkSize, tr)
		}
		return NewChunkEncoder([]byte(testCreds.SecretAccessKey), scope, testTime, seed).Encode(payload, chunkSize, tr)
	}
	size := len(encode(emptySHA256)) // same length whatever the seed
	r, err := http.NewRequest("PUT", "https://s3.example.com/bucket/key", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.ContentLength = int64(size)
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Content-Sha256", mode)
	r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(payload)))
	for _, name := range trailers {
		r.Header.Add("X-Amz-Trailer", name)
	}
	signRequest(t, r, mode, "s3")
	a, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	c := &chunked{req: r, payload: payload, seed: a.Signature}
	c.body = encode(a.Signature)
	if len(c.body) != size {
		t.Fatalf("encoded size changed: %d != %d", len(c.body), size)
	}
	return c
}

// request returns a fresh copy of the request carrying body.
func (c *chunked) request(body []byte) *http.Request {
	r := c.req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(body))
	return r
}

// readChunked verifies and reads c's request with body; it returns the decoded data and Body.
func readChunked(v *Verifier, c *chunked, body []byte) ([]byte, *Body, error) {
	r := c.request(body)
	a, err := Parse(r)
	if err != nil {
		return nil, nil, err
	}
	b, err := v.Verify(r, a, []byte(testCreds.SecretAccessKey))
	if err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(io.LimitReader(b, 1<<24))
	return data, b, err
}
