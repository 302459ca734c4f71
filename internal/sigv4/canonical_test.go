package sigv4

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCanonicalQuery(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"empty", "", ""},
		{"valueless", "uploads", "uploads="},
		{"plus is space", "a=b+c", "a=b%20c"},
		{"encoded plus stays plus", "a=b%2Bc", "a=b%2Bc"},
		{"lower-case escapes upper-cased", "a=%2f", "a=%2F"},
		{"unreserved decoded", "a=%7E%41", "a=~A"},
		{"sorted by encoded key", "b=1&a%2Fb=2&a-b=3", "a%2Fb=2&a-b=3&b=1"},
		{"repeated keys keep all values sorted", "k=2&k=1&k=", "k=&k=1&k=2"},
		{"signature excluded", "X-Amz-Signature=abc&x=1", "x=1"},
		{"empty pieces skipped", "a=1&&b=2&", "a=1&b=2"},
		{"bad escape kept literally", "a=%zz", "a=%25zz"},
		{"utf-8", "ü=日", "%C3%BC=%E6%97%A5"},
		{"x-id", "x-id=GetObject&list-type=2", "list-type=2&x-id=GetObject"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, string(appendCanonicalQuery(nil, tc.raw))); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestCanonicalURI(t *testing.T) {
	tests := []struct {
		name, path string
		s3         bool
		want       string
	}{
		{"s3 as sent", "/bucket/a%20b/./c//d", true, "/bucket/a%20b/./c//d"},
		{"s3 plus kept", "/bucket/a+b", true, "/bucket/a+b"},
		{"s3 empty", "", true, "/"},
		{"other double-encodes", "/a%20b", false, "/a%2520b"},
		{"other normalizes", "/a/./b/../c//d/", false, "/a/c/d/"},
		{"other dotdot past root", "/../..", false, "/"},
		{"other root", "/", false, "/"},
		{"other reserved", "/a:b@c", false, "/a%3Ab%40c"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, string(appendCanonicalURI(nil, tc.path, tc.s3))); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestWireTarget(t *testing.T) {
	tests := []struct {
		name      string
		r         *http.Request
		path, raw string
	}{
		{"server request uri wins over URL", &http.Request{RequestURI: "/b/a%2Bb?x=1", URL: &url.URL{Path: "/b/a+b"}}, "/b/a%2Bb", "x=1"},
		{"absolute form", &http.Request{RequestURI: "http://h:9000/b/k?q", URL: &url.URL{}}, "/b/k", "q"},
		{"client raw path", &http.Request{URL: &url.URL{Path: "/a b", RawPath: "/a%20b", RawQuery: "z"}}, "/a%20b", "z"},
		{"client opaque", &http.Request{URL: &url.URL{Opaque: "//h/x%2Fy"}}, "/x%2Fy", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, q := wireTarget(tc.r)
			if p != tc.path || q != tc.raw {
				t.Errorf("got %q %q, want %q %q", p, q, tc.path, tc.raw)
			}
		})
	}
}

func TestCanonicalHeaders(t *testing.T) {
	r := &http.Request{
		Host: "127.0.0.1:9000", ContentLength: 42, TransferEncoding: []string{"chunked"},
		Header: http.Header{
			"X-Amz-Meta-A":  {"  a   b\tc  "},
			"X-Multi":       {"1", "2 ", " 3"},
			"x-lower-set":   {"v"}, // set on the map directly
			"X-Amz-Date":    {"20260524T100000Z"},
			"Content-Type":  {"text/plain"},
			"Authorization": {"ignored"},
		},
	}
	got, missing := appendCanonicalHeaders(nil, r, []string{"content-length", "content-type", "host", "transfer-encoding", "x-amz-meta-a", "x-lower-set", "x-missing", "x-multi"})
	want := "content-length:42\ncontent-type:text/plain\nhost:127.0.0.1:9000\ntransfer-encoding:chunked\n" +
		"x-amz-meta-a:a b\tc\nx-lower-set:v\nx-missing:\nx-multi:1,2,3\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Error(diff)
	}
	if missing != "x-missing" {
		t.Errorf("missing = %q", missing)
	}
}

func TestParseAuthorizationHeader(t *testing.T) {
	r := &http.Request{Header: http.Header{
		"Authorization":        {"AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20150830/eu-west-1/iam/aws4_request,SignedHeaders=host;x-amz-date;x-amz-security-token,  Signature=5FA00FA31553B73EBF1942676E86291E8372FF2A2260956D9B8AAE1D763FBF31"},
		"X-Amz-Date":           {"20150830T123600Z"},
		"X-Amz-Security-Token": {"tok"},
	}, URL: &url.URL{Path: "/"}}
	a, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	want := &Auth{
		AccessKeyID: "ASIAEXAMPLE", Scope: Scope{"20150830", "eu-west-1", "iam"},
		SignedHeaders: []string{"host", "x-amz-date", "x-amz-security-token"},
		Signature:     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		Time:          fixedNow("20150830T123600Z")(), SecurityToken: "tok",
		signedHeaders: "host;x-amz-date;x-amz-security-token",
	}
	if diff := cmp.Diff(want, a, cmp.AllowUnexported(Auth{})); diff != "" {
		t.Error(diff)
	}
}

func TestDateHeaderFallback(t *testing.T) {
	// Without X-Amz-Date the Date header gives the time; the string to sign uses its ISO form.
	r := rawRequest(t, "GET / HTTP/1.1\nHost:example.amazonaws.com\nDate:Sun, 30 Aug 2015 12:36:00 GMT", nil)
	v := NewVerifier(&Options{Now: fixedNow("20150830T123600Z")})
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=date;host, Signature="+
		"0000000000000000000000000000000000000000000000000000000000000000")
	a2, err := Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	if !a2.Time.Equal(fixedNow("20150830T123600Z")()) {
		t.Fatalf("time %v", a2.Time)
	}
	_, err = v.Verify(r, a2, []byte("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))
	e, _ := err.(*Error)
	if e == nil || e.Code != ErrSignatureMismatch {
		t.Fatalf("got %v", err)
	}
	if want := "AWS4-HMAC-SHA256\n20150830T123600Z\n"; e.StringToSign[:len(want)] != want {
		t.Errorf("string to sign %q", e.StringToSign)
	}
}

func TestCredentialShapes(t *testing.T) {
	tests := []struct {
		cred string
		ok   bool
	}{
		{"AKID/20150830/us-east-1/iam/aws4_request", true},
		{"AKID/20150830/us-east-1/iam/aws4_request/", false},
		{"AKID/20150830/us-east-1/aws4_request", false},
		{"/20150830/us-east-1/iam/aws4_request", false},
		{"AKID/2015083/us-east-1/iam/aws4_request", false},
		{"AKID/20150830//iam/aws4_request", false},
		{"AKID/20150830/us-east-1//aws4_request", false},
		{"AKID/20150830/us-east-1/iam/aws5_request", false},
	}
	for _, tc := range tests {
		var a Auth
		err := a.setCredential(tc.cred, ErrMalformedAuthorization)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.cred, err)
		}
	}
}
