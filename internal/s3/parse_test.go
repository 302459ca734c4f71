package s3

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

var rangeCases = []struct {
	h             string
	size          int64
	want          byteRange
	ok, unsatisfy bool
}{
	{"bytes=0-4", 20, byteRange{0, 5}, true, false},
	{"bytes=15-", 20, byteRange{15, 5}, true, false},
	{"bytes=-3", 20, byteRange{17, 3}, true, false},
	{"bytes=-30", 20, byteRange{0, 20}, true, false},
	{"bytes=18-100", 20, byteRange{18, 2}, true, false},
	{"bytes=20-", 20, byteRange{}, true, true},
	{"bytes=-0", 20, byteRange{}, true, true},
	{"bytes=0-0", 0, byteRange{}, true, true},
	{"bytes=5-2", 20, byteRange{}, false, false},
	{"bytes=0-1,3-4", 20, byteRange{}, false, false},
	{"items=0-1", 20, byteRange{}, false, false},
	{"bytes=x-1", 20, byteRange{}, false, false},
	{"", 20, byteRange{}, false, false},
}

func TestParseRange(t *testing.T) {
	for _, c := range rangeCases {
		r, ok, unsat := parseRange(c.h, c.size)
		if diff := cmp.Diff([]any{c.want, c.ok, c.unsatisfy}, []any{r, ok, unsat}, cmp.AllowUnexported(byteRange{})); diff != "" {
			t.Errorf("parseRange(%q, %d) (-want +got):\n%s", c.h, c.size, diff)
		}
	}
}

func FuzzParseRange(f *testing.F) {
	for _, c := range rangeCases {
		f.Add(c.h, c.size)
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			return
		}
		r, ok, unsat := parseRange(h, size)
		if ok && !unsat && (r.start < 0 || r.length <= 0 || r.start+r.length > size) {
			t.Fatalf("parseRange(%q, %d) = %+v outside the object", h, size, r)
		}
	})
}

func TestCopySource(t *testing.T) {
	cases := []struct{ in, bucket, key string }{
		{"bkt/a/b", "bkt", "a/b"},
		{"/bkt/a%20b", "bkt", "a b"},
		{"bkt/k%3Fv?versionId=null", "bkt", "k?v"},
		{"bkt/..%2F..", "bkt", "../.."},
	}
	for _, c := range cases {
		b, k, err := copySource(c.in)
		if err != nil || b != c.bucket || k != c.key {
			t.Errorf("copySource(%q) = %q %q %v", c.in, b, k, err)
		}
	}
	for _, bad := range []string{"", "bkt", "/bkt/", "%zz/k"} {
		if _, _, err := copySource(bad); err == nil {
			t.Errorf("copySource(%q) succeeded", bad)
		}
	}
}

func FuzzCopySource(f *testing.F) {
	f.Add("bkt/a/b")
	f.Add("/bkt/a%20b?versionId=1")
	f.Fuzz(func(t *testing.T, s string) {
		b, k, err := copySource(s)
		if err == nil && (b == "" || k == "") {
			t.Fatalf("copySource(%q) = %q, %q without error", s, b, k)
		}
	})
}

func TestBucketNames(t *testing.T) {
	for _, n := range []string{"abc", "my-bucket", "my.bucket.1", "a" + string(make([]byte, 0)) + "bc", "123"} {
		if !validBucketName(n) {
			t.Errorf("%q rejected", n)
		}
	}
	for _, n := range []string{"ab", "ABC", "a_b", "-ab", "ab-", "a..b", "a.-b", "10.0.0.1", "xn--ab", "ab-s3alias", "sthree-x"} {
		if validBucketName(n) {
			t.Errorf("%q accepted", n)
		}
	}
}

func TestListFolding(t *testing.T) {
	if got := encodeKey("a b+c/d", true); got != "a+b%2Bc/d" {
		t.Errorf("encodeKey = %q", got)
	}
	if !etagMatch(`"abc", "def"`, "def") || etagMatch(`"abc"`, "def") || !etagMatch("*", "x") {
		t.Error("etagMatch")
	}
}
