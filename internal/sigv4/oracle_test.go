package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The oracle: aws-sdk-go-v2's signer signs generated requests; every one must verify, and a
// mutation of any signed component must be rejected.

var oracleCreds = aws.Credentials{AccessKeyID: "AKIAORACLEEXAMPLE123", SecretAccessKey: "oracleSecret/K7MDENG+bPxRfiCYEXAMPLEKEY"}

// wireReq is a signed request as the client would send it.
type wireReq struct {
	desc      string
	service   string
	method    string
	url       string // absolute, with the escaped path and raw query as sent
	header    http.Header
	body      []byte
	host      string
	presigned bool
	signedAt  time.Time
	bodyHash  string // payload hash the client used
}

func (w *wireReq) request() *http.Request {
	r, err := http.NewRequest(w.method, w.url, bytes.NewReader(w.body))
	if err != nil {
		panic(err)
	}
	if len(w.body) == 0 {
		r.Body = http.NoBody
		r.ContentLength = 0
	}
	r.Header = w.header.Clone()
	if w.host != "" {
		r.Host = w.host
	}
	return r
}

var (
	pathPieces  = []string{"a", "b c", "ü", "日本", "x+y", "50%", "t~ilde", "q=1", "semi;colon", "it's", "(p)", "star*", "!", "$", "&amp", "@at", "comma,", "dash-_.", "Z"}
	queryKeys   = []string{"a", "b", "list-type", "prefix", "x id", "ü", "plus+", "pct%", "tilde~", "empty", "Action", "delimiter"}
	queryValues = []string{"", "1", "two words", "a+b", "50%", "ü日本", "~._-", "/slash/", "=eq", "&amp", "*"}
	services    = []string{"s3", "s3", "iam", "sts", "glue", "lakeformation"}
)

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

// s3Escape escapes a path the way the S3 client does (everything but unreserved and '/').
func s3Escape(p string) string {
	var b []byte
	for i := 0; i < len(p); i++ {
		if c := p[i]; unreserved(c) || c == '/' {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return string(b)
}

func genOracle(t testing.TB, rng *rand.Rand, base string, i int) *wireReq {
	t.Helper()
	svc := pick(rng, services)
	methods := []string{"GET", "PUT", "POST", "DELETE", "HEAD"}
	if svc != "s3" {
		methods = []string{"POST", "GET", "PUT"}
	}
	method := pick(rng, methods)
	var segs []string
	for n := rng.IntN(4); n >= 0; n-- {
		segs = append(segs, pick(rng, pathPieces)+strconv.Itoa(rng.IntN(3)))
	}
	path := "/" + strings.Join(segs, "/")
	if rng.IntN(4) == 0 {
		path += "/"
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = path
	if svc == "s3" && rng.IntN(2) == 0 {
		u.RawPath = s3Escape(path) // as the S3 client sends keys
	}
	q := url.Values{}
	for n := rng.IntN(5); n > 0; n-- {
		k := pick(rng, queryKeys)
		q[k] = append(q[k], pick(rng, queryValues))
	}
	if svc == "s3" && rng.IntN(3) == 0 {
		q.Set("x-id", "GetObject")
	}
	u.RawQuery = q.Encode()
	var body []byte
	if method == "POST" || method == "PUT" {
		body = make([]byte, rng.IntN(300))
		for j := range body {
			body[j] = byte(rng.IntN(256))
		}
	}
	r, err := http.NewRequest(method, u.String(), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(body) == 0 {
		r.Body, r.ContentLength = http.NoBody, 0
	}
	r.Header.Set("X-Amz-Meta-Note", "  spaced   out   value ")
	if rng.IntN(2) == 0 {
		r.Header.Add("X-Custom", "one")
		r.Header.Add("X-Custom", "two  words")
	}
	r.Header.Set("Amz-Sdk-Invocation-Id", fmt.Sprintf("inv-%d", i))
	r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	r.Header.Set("Accept-Encoding", "identity")
	r.Header.Set("User-Agent", "aws-sdk-go-v2/oracle") // not signed by the SDK
	if body != nil {
		r.Header.Set("Content-Type", "application/octet-stream")
	}
	creds := oracleCreds
	if rng.IntN(3) == 0 {
		creds.SessionToken = "FwoGZXIvYXdzEXAMPLE//token+" + strconv.Itoa(i)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	presigned := rng.IntN(4) == 0
	if svc == "s3" {
		if !presigned {
			if method == "PUT" && rng.IntN(2) == 0 {
				hash = UnsignedPayload
			}
			r.Header.Set("X-Amz-Content-Sha256", hash)
		} else {
			hash = UnsignedPayload
		}
	}
	signedAt := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(86400*30)) * time.Second)
	region := pick(rng, []string{"us-east-1", "eu-west-1", "ap-southeast-2"})
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = svc == "s3" })
	w := &wireReq{service: svc, method: method, body: body, presigned: presigned, signedAt: signedAt, bodyHash: hash}
	if presigned {
		pq := r.URL.Query()
		pq.Set("X-Amz-Expires", strconv.Itoa(60+rng.IntN(3600)))
		r.URL.RawQuery = pq.Encode()
		signed, hdr, err := signer.PresignHTTP(context.Background(), creds, r, hash, svc, region, signedAt)
		if err != nil {
			t.Fatal(err)
		}
		w.url = signed
		w.header = http.Header{}
		for k, v := range hdr {
			if k != "Host" {
				w.header[k] = v
			}
		}
		// Headers the SDK did not sign travel too (net/http adds its own anyway).
		w.header.Set("User-Agent", r.Header.Get("User-Agent"))
	} else {
		if err := signer.SignHTTP(context.Background(), creds, r, hash, svc, region, signedAt); err != nil {
			t.Fatal(err)
		}
		w.url = r.URL.String()
		w.header = r.Header.Clone()
	}
	w.desc = fmt.Sprintf("#%d %s %s %s presigned=%v hash=%.16s", i, svc, method, w.url, presigned, hash)
	return w
}

// verifyWire parses and verifies r, then reads the whole body.
func verifyWire(v *Verifier, r *http.Request, secret string) ([]byte, error) {
	a, err := Parse(r)
	if err != nil {
		return nil, err
	}
	b, err := v.Verify(r, a, []byte(secret))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(b)
}

func TestOracleSDK(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	stats := map[string]int{}
	defer func() { t.Logf("verified: %v", stats) }()
	for i := range 400 {
		w := genOracle(t, rng, "https://bucket.example.com", i)
		stats[fmt.Sprintf("%s presigned=%v", w.service, w.presigned)]++
		v := NewVerifier(&Options{Now: func() time.Time { return w.signedAt.Add(30 * time.Second) }})
		got, err := verifyWire(v, w.request(), oracleCreds.SecretAccessKey)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && e.CanonicalRequest != "" {
				t.Logf("canonical request:\n%s", e.CanonicalRequest)
			}
			t.Fatalf("%s: %v", w.desc, err)
		}
		if !bytes.Equal(got, w.body) {
			t.Fatalf("%s: body mismatch", w.desc)
		}
		for _, m := range mutations(w) {
			r := w.request()
			m.apply(r)
			if _, err := verifyWire(v, r, oracleCreds.SecretAccessKey); err == nil {
				t.Errorf("%s: mutation %q accepted", w.desc, m.name)
			}
		}
	}
}

type mutation struct {
	name  string
	apply func(r *http.Request)
}

func mutations(w *wireReq) []mutation {
	ms := []mutation{
		{"method", func(r *http.Request) {
			if r.Method == "GET" {
				r.Method = "HEAD"
			} else {
				r.Method = "GET"
			}
		}},
		{"path", func(r *http.Request) {
			r.URL.Path += "x"
			if r.URL.RawPath != "" {
				r.URL.RawPath += "x"
			}
		}},
		{"path-encoding", func(r *http.Request) { // same decoded path, different bytes on the wire
			esc := s3Escape(r.URL.Path)
			i := len(esc) - 1 // the digit ending the first segment
			if j := strings.IndexByte(esc[1:], '/'); j >= 0 {
				i = j
			}
			r.URL.RawPath = esc[:i] + fmt.Sprintf("%%%02X", esc[i]) + esc[i+1:]
		}},
		{"query-add", func(r *http.Request) { r.URL.RawQuery = "extra=1&" + r.URL.RawQuery }},
		{"scope-region", func(r *http.Request) {
			replaceAuth(r, "/us-east-1/", "/us-west-2/", "/eu-west-1/", "/us-east-1/", "/ap-southeast-2/", "/us-east-1/")
		}},
		{"scope-service", func(r *http.Request) { replaceAuth(r, "/"+w.service+"/", "/sqs/") }},
		{"signed-header", func(r *http.Request) {
			if w.presigned {
				r.Host = "other.example.com"
				return
			}
			r.Header.Set("X-Amz-Meta-Note", "changed")
		}},
		{"date", func(r *http.Request) {
			shift := w.signedAt.Add(time.Second).Format(amzTimeFmt)
			if w.presigned {
				r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Date="+w.signedAt.Format(amzTimeFmt), "X-Amz-Date="+shift, 1)
			} else {
				r.Header.Set("X-Amz-Date", shift)
			}
		}},
	}
	if len(w.body) > 0 && w.bodyHash != UnsignedPayload {
		ms = append(ms, mutation{"body", func(r *http.Request) {
			b := bytes.Clone(w.body)
			b[len(b)/2] ^= 1
			r.Body = io.NopCloser(bytes.NewReader(b))
		}})
	}
	if w.presigned {
		ms = append(ms, mutation{"query-value", func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=", "X-Amz-Expires=1", 1)
		}})
	}
	return ms
}

// replaceAuth rewrites the first matching old/new pair in the Authorization header or the
// X-Amz-Credential parameter.
func replaceAuth(r *http.Request, pairs ...string) {
	for i := 0; i < len(pairs); i += 2 {
		old, nw := pairs[i], pairs[i+1]
		if a := r.Header.Get("Authorization"); strings.Contains(a, old) {
			r.Header.Set("Authorization", strings.Replace(a, old, nw, 1))
			return
		}
		eo, en := url.QueryEscape(old), url.QueryEscape(nw)
		if strings.Contains(r.URL.RawQuery, eo) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, eo, en, 1)
			return
		}
	}
}

// TestOracleHTTPServer sends SDK-signed requests through a real net/http server, so the
// server's header handling (Host, Content-Length moved out of Header, added headers) is used.
func TestOracleHTTPServer(t *testing.T) {
	var now time.Time
	v := NewVerifier(&Options{Now: func() time.Time { return now }})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := Parse(r)
		if err == nil {
			var b *Body
			if b, err = v.Verify(r, a, []byte(oracleCreds.SecretAccessKey)); err == nil {
				var data []byte
				if data, err = io.ReadAll(b); err == nil {
					w.Header().Set("X-Body-Sha256", sha256Hex(data))
					return
				}
			}
		}
		var e *Error
		if errors.As(err, &e) {
			w.Header().Set("X-Error", e.Code.String()+": "+e.Message)
		}
		w.WriteHeader(http.StatusForbidden)
		if e != nil {
			io.WriteString(w, e.CanonicalRequest)
		}
	}))
	defer srv.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 150 {
		w := genOracle(t, rng, srv.URL, i)
		now = w.signedAt.Add(-10 * time.Second)
		resp, err := srv.Client().Do(w.request())
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s %s\n%s", w.desc, resp.Status, resp.Header.Get("X-Error"), msg)
		}
		if w.method != "HEAD" && resp.Header.Get("X-Body-Sha256") != sha256Hex(w.body) {
			t.Fatalf("%s: handler read a different body", w.desc)
		}
		// One tampered signed header per request must come back 403.
		r := w.request()
		if w.presigned {
			r.URL.RawQuery = "tampered=1&" + r.URL.RawQuery
		} else {
			r.Header.Set("X-Amz-Meta-Note", "tampered")
		}
		resp, err = srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("%s: tampered request got %s", w.desc, resp.Status)
		}
	}
}
