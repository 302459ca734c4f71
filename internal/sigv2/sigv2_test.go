package sigv2_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/sigv2"
)

const (
	akid   = "AKIAIOSFODNN7EXAMPLE"
	secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

func request(method, target, host string, headers map[string]string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.Host = host
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r
}

// The examples of the AWS S3 SigV2 documentation (RESTAuthentication), virtual-hosted style.
func TestDocumentedExamples(t *testing.T) {
	cases := []struct {
		name    string
		r       *http.Request
		now     time.Time
		wantSTS string
	}{
		{
			name: "object GET",
			r: request("GET", "/photos/puppy.jpg", "johnsmith.s3.amazonaws.com", map[string]string{
				"Date": "Tue, 27 Mar 2007 19:36:42 +0000", "Authorization": "AWS " + akid + ":bWq2s1WEIj+Ydj0vQ697zp+IXMU="}),
			now:     time.Date(2007, 3, 27, 19, 40, 0, 0, time.UTC),
			wantSTS: "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg",
		},
		{
			name: "object PUT",
			r: request("PUT", "/photos/puppy.jpg", "johnsmith.s3.amazonaws.com", map[string]string{
				"Content-Type": "image/jpeg", "Date": "Tue, 27 Mar 2007 21:15:45 +0000", "Authorization": "AWS " + akid + ":MyyxeRY7whkBe+bq8fHCL/2kKUg="}),
			now:     time.Date(2007, 3, 27, 21, 15, 0, 0, time.UTC),
			wantSTS: "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg",
		},
		{
			name: "list with sub-resource-free query",
			r: request("GET", "/?prefix=photos&max-keys=50&marker=puppy", "johnsmith.s3.amazonaws.com", map[string]string{
				"User-Agent": "Mozilla/5.0", "Date": "Tue, 27 Mar 2007 19:42:41 +0000", "Authorization": "AWS " + akid + ":htDYFYduRNen8P9ZfE/s9SuKy0U="}),
			now:     time.Date(2007, 3, 27, 19, 42, 0, 0, time.UTC),
			wantSTS: "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/",
		},
		{
			name: "acl sub-resource",
			r: request("GET", "/?acl", "johnsmith.s3.amazonaws.com", map[string]string{
				"Date": "Tue, 27 Mar 2007 19:44:46 +0000", "Authorization": "AWS " + akid + ":c2WLPFtWHVgbEmeEG93a4cG37dM="}),
			now:     time.Date(2007, 3, 27, 19, 44, 0, 0, time.UTC),
			wantSTS: "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl",
		},
		{
			name:    "presigned",
			r:       request("GET", "/photos/puppy.jpg?AWSAccessKeyId="+akid+"&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D", "johnsmith.s3.amazonaws.com", nil),
			now:     time.Unix(1175139000, 0),
			wantSTS: "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !sigv2.Is(c.r) {
				t.Fatal("Is = false")
			}
			a, err := sigv2.Parse(c.r)
			if err != nil {
				t.Fatal(err)
			}
			res := sigv2.Resources(c.r, "s3.amazonaws.com")
			if diff := cmp.Diff(c.wantSTS, sigv2.StringToSign(c.r, a, res[0])); diff != "" {
				t.Errorf("StringToSign (-want +got):\n%s", diff)
			}
			if err := sigv2.Verify(c.r, a, []byte(secret), res, c.now); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if err := sigv2.Verify(c.r, a, []byte("wrong"), res, c.now); code(err) != sigv2.ErrSignatureMismatch {
				t.Errorf("Verify with a wrong secret = %v", err)
			}
		})
	}
}

func code(err error) sigv2.Code {
	var e *sigv2.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func TestTimeAndParse(t *testing.T) {
	signed := func(r *http.Request, a *sigv2.Auth) {
		sts := sigv2.StringToSign(r, a, sigv2.Resources(r, "")[0])
		q := r.URL.Query()
		q.Set("Signature", sigv2.Sign([]byte(secret), sts))
		r.URL.RawQuery = q.Encode()
	}
	now := time.Unix(1700000000, 0)
	// Presigned with a session token and a response override, path style.
	r := request("GET", "/bkt/a%20b.txt?AWSAccessKeyId="+akid+"&Expires=1700000100&x-amz-security-token=tok&response-content-type=text%2Fplain", "127.0.0.1:9000", nil)
	signed(r, &sigv2.Auth{Presigned: true, Expires: 1700000100})
	a, err := sigv2.Parse(r)
	if err != nil || a.SecurityToken != "tok" || !a.Presigned {
		t.Fatalf("Parse = %+v, %v", a, err)
	}
	if err := sigv2.Verify(r, a, []byte(secret), sigv2.Resources(r, "localhost"), now); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if err := sigv2.Verify(r, a, []byte(secret), sigv2.Resources(r, "localhost"), time.Unix(1700000101, 0)); code(err) != sigv2.ErrExpired {
		t.Errorf("Verify after Expires = %v", err)
	}
	// Header form: skew.
	h := request("GET", "/bkt/k", "x", map[string]string{"Date": now.UTC().Format(http.TimeFormat), "Authorization": "AWS " + akid + ":x"})
	ha, err := sigv2.Parse(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := sigv2.Verify(h, ha, []byte(secret), []string{"/bkt/k"}, now.Add(16*time.Minute)); code(err) != sigv2.ErrTimeTooSkewed {
		t.Errorf("skewed = %v", err)
	}
	for _, bad := range []map[string]string{
		{"Authorization": "AWS nocolon", "Date": "Tue, 27 Mar 2007 19:36:42 GMT"},
		{"Authorization": "AWS a:b"},
		{"Authorization": "AWS a:b", "Date": "yesterday"},
	} {
		if _, err := sigv2.Parse(request("GET", "/", "h", bad)); err == nil {
			t.Errorf("Parse(%v) succeeded", bad)
		}
	}
	if _, err := sigv2.Parse(request("GET", "/?AWSAccessKeyId=a&Signature=b&Expires=soon", "h", nil)); code(err) != sigv2.ErrMalformed {
		t.Errorf("bad Expires = %v", err)
	}
}

func FuzzParseVerify(f *testing.F) {
	f.Add("GET", "/photos/puppy.jpg", "johnsmith.s3.amazonaws.com", "AWS "+akid+":bWq2s1WEIj+Ydj0vQ697zp+IXMU=", "Tue, 27 Mar 2007 19:36:42 +0000")
	f.Add("GET", "/b/k?AWSAccessKeyId=a&Expires=1&Signature=x&acl&uploadId=%ZZ", "h", "", "")
	f.Add("PUT", "/b/k?partNumber=1&uploadId=x", "b.localhost:1", "AWS a:", "")
	f.Fuzz(func(t *testing.T, method, target, host, authz, date string) {
		r, err := http.NewRequest("GET", "http://x", nil)
		if err != nil {
			return
		}
		if u, err := r.URL.Parse(target); err == nil {
			r.URL = u
		}
		r.Method, r.Host = method, host
		r.Header.Set("Authorization", authz)
		r.Header.Set("Date", date)
		if !sigv2.Is(r) {
			return
		}
		a, err := sigv2.Parse(r)
		if err != nil {
			var e *sigv2.Error
			if !errors.As(err, &e) {
				t.Fatalf("non-*Error %v", err)
			}
			return
		}
		res := sigv2.Resources(r, "localhost")
		if len(res) == 0 {
			t.Fatal("no resources")
		}
		// A signature computed for the request verifies; the parsed one verifies only if equal.
		sts := sigv2.StringToSign(r, a, res[0])
		a.Signature = sigv2.Sign([]byte(secret), sts)
		now := a.Time
		if a.Presigned {
			now = time.Unix(a.Expires, 0)
		}
		if err := sigv2.Verify(r, a, []byte(secret), res, now); err != nil {
			t.Fatalf("own signature rejected: %v", err)
		}
	})
}
