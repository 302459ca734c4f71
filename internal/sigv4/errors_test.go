package sigv4

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// verifyAll parses, verifies and reads r; it returns the first error.
func verifyAll(v *Verifier, r *http.Request) error {
	a, err := Parse(r)
	if err != nil {
		return err
	}
	b, err := v.Verify(r, a, []byte(testCreds.SecretAccessKey))
	if err != nil {
		return err
	}
	_, err = io.ReadAll(b)
	return err
}

func newReq(t testing.TB, method, url string, body string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestErrorCodes(t *testing.T) {
	iamURL := "https://iam.example.com/"
	s3URL := "https://s3.example.com/bucket/key"
	form := "Action=GetUser&Version=2010-05-08"
	tests := []struct {
		name string
		opts *Options
		req  func(t *testing.T) *http.Request
		want ErrorCode
	}{
		{"unsigned", nil, func(t *testing.T) *http.Request { return newReq(t, "GET", iamURL, "") }, ErrMissingAuthentication},
		{"missing signature component", nil, func(t *testing.T) *http.Request {
			r := newReq(t, "GET", iamURL, "")
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260524/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date")
			r.Header.Set("X-Amz-Date", "20260524T100000Z")
			return r
		}, ErrMalformedAuthorization},
		{"sigv2 header", nil, func(t *testing.T) *http.Request {
			r := newReq(t, "GET", iamURL, "")
			r.Header.Set("Authorization", "AWS AKID:c2lnbmF0dXJl")
			return r
		}, ErrMalformedAuthorization},
		{"bad scope terminator", nil, func(t *testing.T) *http.Request {
			r := signRequest(t, newReq(t, "GET", iamURL, ""), emptySHA256, "iam")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "aws4_request", "aws5_request", 1))
			return r
		}, ErrMalformedAuthorization},
		{"scope date differs from x-amz-date", nil, func(t *testing.T) *http.Request {
			r := signRequest(t, newReq(t, "GET", iamURL, ""), emptySHA256, "iam")
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20260524/", "/20260523/", 1))
			return r
		}, ErrMalformedAuthorization},
		{"both mechanisms", nil, func(t *testing.T) *http.Request {
			r := presignRequest(t, newReq(t, "GET", s3URL, ""), "s3", testTime, time.Hour)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
			return r
		}, ErrMalformedAuthorization},
		{"unsupported payload hash", nil, func(t *testing.T) *http.Request {
			r := newReq(t, "PUT", s3URL, "x")
			r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")
			return signRequest(t, r, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "s3")
		}, ErrMalformedAuthorization},
		{"presign expires zero", nil, func(t *testing.T) *http.Request {
			r := presignRequest(t, newReq(t, "GET", s3URL, ""), "s3", testTime, time.Hour)
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=3600", "X-Amz-Expires=0", 1)
			return r
		}, ErrMalformedPresign},
		{"presign expires too long", nil, func(t *testing.T) *http.Request {
			return presignRequest(t, newReq(t, "GET", s3URL, ""), "s3", testTime, 604801*time.Second)
		}, ErrMalformedPresign},
		{"presign missing signed headers", nil, func(t *testing.T) *http.Request {
			r := presignRequest(t, newReq(t, "GET", s3URL, ""), "s3", testTime, time.Hour)
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-SignedHeaders=", "X-Amz-SignedHeadersX=", 1)
			return r
		}, ErrMalformedPresign},
		{"no date", nil, func(t *testing.T) *http.Request {
			r := signRequest(t, newReq(t, "GET", iamURL, ""), emptySHA256, "iam")
			r.Header.Del("X-Amz-Date")
			return r
		}, ErrMissingDate},
		{"tampered header", nil, func(t *testing.T) *http.Request {
			r := newReq(t, "GET", iamURL, "")
			r.Header.Set("X-Amz-Target", "AWSGlue.GetTable")
			signRequest(t, r, emptySHA256, "iam")
			r.Header.Set("X-Amz-Target", "AWSGlue.DeleteTable")
			return r
		}, ErrSignatureMismatch},
		{"tampered body non-s3", nil, func(t *testing.T) *http.Request {
			r := signRequest(t, newReq(t, "POST", iamURL, form), sha256Hex([]byte(form)), "iam")
			r.Body = io.NopCloser(strings.NewReader(strings.Replace(form, "GetUser", "DelUser", 1)))
			return r
		}, ErrSignatureMismatch},
		{"presign expired", &Options{Now: func() time.Time { return testTime.Add(61 * time.Minute) }}, func(t *testing.T) *http.Request {
			return presignRequest(t, newReq(t, "GET", s3URL, ""), "s3", testTime, time.Hour)
		}, ErrRequestExpired},
		{"presign from the future", nil, func(t *testing.T) *http.Request {
			return presignRequest(t, newReq(t, "GET", s3URL, ""), "s3", testTime.Add(20*time.Minute), time.Hour)
		}, ErrRequestNotYetValid},
		{"clock skew ahead", &Options{Now: func() time.Time { return testTime.Add(16 * time.Minute) }}, func(t *testing.T) *http.Request {
			return signRequest(t, newReq(t, "GET", iamURL, ""), emptySHA256, "iam")
		}, ErrRequestTimeTooSkewed},
		{"clock skew behind", &Options{Now: func() time.Time { return testTime.Add(-16 * time.Minute) }}, func(t *testing.T) *http.Request {
			return signRequest(t, newReq(t, "GET", iamURL, ""), emptySHA256, "iam")
		}, ErrRequestTimeTooSkewed},
		{"unsigned x-amz header", nil, func(t *testing.T) *http.Request {
			r := signRequest(t, newReq(t, "PUT", s3URL, ""), UnsignedPayload, "s3")
			r.Header.Set("X-Amz-Copy-Source", "other-bucket/secret")
			return r
		}, ErrUnsignedHeader},
		{"tampered body s3", nil, func(t *testing.T) *http.Request {
			r := newReq(t, "PUT", s3URL, "hello world")
			r.Header.Set("X-Amz-Content-Sha256", sha256Hex([]byte("hello world")))
			signRequest(t, r, sha256Hex([]byte("hello world")), "s3")
			r.Body = io.NopCloser(strings.NewReader("hello WORLD"))
			return r
		}, ErrContentSHA256Mismatch},
		{"truncated chunked body", nil, func(t *testing.T) *http.Request {
			c := newChunked(t, payloadOf(5000), StreamingPayload, 1024)
			return c.request(c.body[:len(c.body)-40])
		}, ErrMalformedChunk},
		{"bad chunk signature", nil, func(t *testing.T) *http.Request {
			c := newChunked(t, payloadOf(5000), StreamingPayload, 1024)
			b := bytes.Clone(c.body)
			b[100] ^= 1 // inside the first chunk's data
			return c.request(b)
		}, ErrChunkSignatureMismatch},
		{"bad trailer checksum", nil, func(t *testing.T) *http.Request {
			c := newChunked(t, payloadOf(5000), StreamingUnsignedPayloadTrailer, 1024, "x-amz-checksum-crc32c")
			b := bytes.Clone(c.body)
			b[100] ^= 1
			return c.request(b)
		}, ErrChecksumMismatch},
		{"oversize body", &Options{Now: testNow, MaxBody: 16}, func(t *testing.T) *http.Request {
			return signRequest(t, newReq(t, "POST", iamURL, form), sha256Hex([]byte(form)), "iam")
		}, ErrBodyTooLarge},
		{"oversize body unknown length", &Options{Now: testNow, MaxBody: 16}, func(t *testing.T) *http.Request {
			r := signRequest(t, newReq(t, "POST", iamURL, form), sha256Hex([]byte(form)), "iam")
			r.ContentLength = -1
			r.Header.Set("Content-Length", "34")
			return r
		}, ErrBodyTooLarge},
	}
	covered := map[ErrorCode]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			if opts == nil {
				opts = &Options{Now: testNow}
			}
			err := verifyAll(NewVerifier(opts), tc.req(t))
			var e *Error
			if !errors.As(err, &e) || e.Code != tc.want || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if e.Message == "" || strings.Contains(e.Error(), testCreds.SecretAccessKey) {
				t.Errorf("bad message %q", e.Error())
			}
			if tc.want == ErrSignatureMismatch && (e.CanonicalRequest == "" || e.StringToSign == "") {
				t.Errorf("mismatch without canonical request / string to sign")
			}
			covered[tc.want] = true
		})
	}
	for c := ErrMissingAuthentication; c <= ErrBodyTooLarge; c++ {
		if !covered[c] {
			t.Errorf("no test produces %v", c)
		}
	}
}

func TestSecretRotationMissesCache(t *testing.T) {
	v := NewVerifier(&Options{Now: testNow, MaxCachedKeys: 2})
	mk := func() *http.Request {
		return signRequest(t, newReq(t, "GET", "https://iam.example.com/", ""), emptySHA256, "iam")
	}
	if err := verifyAll(v, mk()); err != nil {
		t.Fatal(err)
	}
	r := mk()
	a, _ := Parse(r)
	if _, err := v.Verify(r, a, []byte("rotated-secret")); !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("rotated secret: %v", err)
	}
	if err := verifyAll(v, mk()); err != nil {
		t.Fatal(err)
	}
	// The cache stays bounded.
	for _, region := range []string{"a", "b", "c", "d"} {
		v.signingKey("AKID", Scope{"20260524", region, "s3"}, []byte("s"))
	}
	if n := len(v.keys); n > 2 {
		t.Fatalf("cache holds %d keys", n)
	}
}
