package sigv4

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const fuzzSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

func FuzzParseAuthorization(f *testing.F) {
	for _, v := range loadVectors(f, "testdata/*/*.txt") {
		for line := range strings.SplitSeq(v.request, "\n") {
			if a, ok := strings.CutPrefix(line, "Authorization: "); ok {
				f.Add(a, "20150830T123600Z")
			}
		}
	}
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e", "")
	f.Add("AWS4-HMAC-SHA256 ,,,=,Signature=", "x")
	v := NewVerifier(&Options{Now: fixedNow("20150830T123600Z")})
	f.Fuzz(func(t *testing.T, authz, date string) {
		r := &http.Request{Method: "GET", Host: "example.amazonaws.com", URL: &url.URL{Path: "/"},
			Header: http.Header{"Authorization": {authz}, "X-Amz-Date": {date}}, Body: http.NoBody}
		a, err := Parse(r)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Message == "" {
				t.Fatalf("Parse error not a *Error: %v", err)
			}
			return
		}
		if len(a.Signature) != 64 || a.AccessKeyID == "" || len(a.SignedHeaders) == 0 {
			t.Fatalf("accepted incomplete auth %+v", a)
		}
		// A fuzzed header cannot carry a valid signature except the published ones.
		b, err := v.Verify(r, a, []byte(fuzzSecret))
		if err == nil && !knownSignature(a.Signature) {
			t.Fatalf("accepted signature %s", a.Signature)
		}
		if b != nil {
			io.Copy(io.Discard, b)
		}
	})
}

func knownSignature(sig string) bool {
	switch sig {
	case "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31":
		return true
	}
	return false
}

func FuzzParsePresigned(f *testing.F) {
	for _, svc := range []string{"s3", "sts"} {
		r := presignRequest(f, newReq(f, "GET", "https://h.example.com/b/k?x-id=GetObject&a=b+c", ""), svc, testTime, time.Hour)
		f.Add(r.URL.RawQuery)
	}
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=99999999999999999999")
	f.Add("X-Amz-Signature&X-Amz-Signature=")
	v := NewVerifier(&Options{Now: testNow})
	f.Fuzz(func(t *testing.T, rawQuery string) {
		r := &http.Request{Method: "GET", Host: "h.example.com", URL: &url.URL{Path: "/b/k", RawQuery: rawQuery},
			Header: http.Header{}, Body: http.NoBody}
		a, err := Parse(r)
		if err != nil {
			return
		}
		if !a.Presigned || len(a.Signature) != 64 {
			t.Fatalf("bad presigned auth %+v", a)
		}
		if a.Expires < 0 || a.Expires > maxExpires*time.Second {
			t.Fatalf("expires %v", a.Expires)
		}
		_, err = v.Verify(r, a, []byte(testCreds.SecretAccessKey))
		// Only the unmodified seeds verify.
		if err == nil && !strings.Contains(rawQuery, "X-Amz-Signature=") {
			t.Fatalf("accepted %q", rawQuery)
		}
	})
}

// FuzzChunkedDecoder feeds arbitrary aws-chunked bodies to requests whose headers are validly
// signed. Whatever the body, the decoder must not panic, must stay within its chunk limit, and
// in signed mode must never release data that is not the original payload's prefix.
func FuzzChunkedDecoder(f *testing.F) {
	payload := payloadOf(300)
	modes := []struct {
		mode string
		tr   []string
	}{
		{StreamingPayload, nil},
		{StreamingPayloadTrailer, []string{"x-amz-checksum-crc32"}},
		{StreamingUnsignedPayloadTrailer, []string{"x-amz-checksum-crc32c"}},
	}
	var reqs []*chunked
	for i, m := range modes {
		c := newChunked(f, payload, m.mode, 128, m.tr...)
		reqs = append(reqs, c)
		f.Add(uint8(i), c.body)
		f.Add(uint8(i), c.body[:len(c.body)/2])
		f.Add(uint8(i), []byte("ffffffff;chunk-signature="+strings.Repeat("0", 64)+"\r\n"))
	}
	v := NewVerifier(&Options{Now: testNow, MaxChunkSize: 1024})
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		c := reqs[int(which)%len(reqs)]
		r := c.request(body)
		a, err := Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		b, err := v.Verify(r, a, []byte(testCreds.SecretAccessKey))
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		_, err = io.Copy(&got, io.LimitReader(b, 1<<20))
		if cr := b.chunked; cr != nil && cap(cr.buf) > 1024+1<<20 {
			t.Fatalf("chunk buffer grew to %d", cap(cr.buf))
		}
		if c.req.Header.Get("X-Amz-Content-Sha256") != StreamingUnsignedPayloadTrailer {
			if !bytes.HasPrefix(payload, got.Bytes()) {
				t.Fatalf("released data that is not the signed payload")
			}
		}
		if err == nil && c.req.Header.Get("X-Amz-Content-Sha256") != StreamingUnsignedPayloadTrailer && !bytes.Equal(got.Bytes(), payload) {
			t.Fatalf("accepted a different payload")
		}
	})
}
