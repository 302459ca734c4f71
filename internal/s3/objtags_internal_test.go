package s3

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/awsproto"
)

// tagHeaderCases are x-amz-tagging values: the tags they set, or the error code.
var tagHeaderCases = []struct {
	name, header string
	want         []Tag
	code         string
}{
	{"empty", "", nil, ""},
	{"one", "a=1", []Tag{{"a", "1"}}, ""},
	{"two, order kept", "b=2&a=1", []Tag{{"b", "2"}, {"a", "1"}}, ""},
	{"escaped", "team=data%20eng&path=a%2Fb&plus=x+y", []Tag{{"team", "data eng"}, {"path", "a/b"}, {"plus", "x y"}}, ""},
	{"key without =", "flag", []Tag{{"flag", ""}}, ""},
	{"empty value", "k=", []Tag{{"k", ""}}, ""},
	{"empty segments skipped", "&a=1&&", []Tag{{"a", "1"}}, ""},
	{"unicode", "%C3%A9t%C3%A9=%E6%97%A5", []Tag{{"été", "日"}}, ""},
	{"ten", tagHeader(10), nil, "ok"},
	{"eleven", tagHeader(11), nil, "InvalidTag"},
	{"duplicate", "a=1&a=2", nil, "InvalidTag"},
	{"aws prefix", "aws%3Aowner=x", nil, "InvalidTag"},
	{"AWS prefix any case", "AWS:owner=x", nil, "InvalidTag"},
	{"empty key", "=v", nil, "InvalidTag"},
	{"key 128", strings.Repeat("k", 128) + "=v", nil, "ok"},
	{"key 129", strings.Repeat("k", 129) + "=v", nil, "InvalidTag"},
	{"value 256 characters", "k=" + strings.Repeat("%C3%A9", 256), nil, "ok"},
	{"value 257", "k=" + strings.Repeat("v", 257), nil, "InvalidTag"},
	{"bad character", "k=a%3Bb", nil, "InvalidTag"},
	{"bad escape", "k=%zz", nil, "InvalidArgument"},
	{"invalid utf-8", "k=%ff", nil, "InvalidTag"},
}

func tagHeader(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, "k"+strings.Repeat("x", i)+"=v")
	}
	return strings.Join(parts, "&")
}

func TestParseTagHeader(t *testing.T) {
	for _, tc := range tagHeaderCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseTagHeader(tc.header)
			gotCode := ""
			if err != nil {
				gotCode = awsproto.As(err).Code
			}
			switch {
			case tc.code == "ok":
				if err != nil {
					t.Errorf("error %v, want none", err)
				}
			case gotCode != tc.code:
				t.Errorf("code %q (%v), want %q", gotCode, err, tc.code)
			case tc.code == "":
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("tags (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// The header and the Tagging document share one validator: the same tags pass or fail the same
// way in both shapes, and the object limit is 10 where the bucket's is 50.
func TestObjectTaggingDocument(t *testing.T) {
	cases := []struct {
		name, body string
		want       []Tag
		code       string
	}{
		{"two", `<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value></Value></Tag></TagSet></Tagging>`, []Tag{{"a", "1"}, {"b", ""}}, ""},
		{"empty set", `<Tagging><TagSet></TagSet></Tagging>`, []Tag{}, ""},
		{"ten", tags(10), nil, "ok"},
		{"eleven", tags(11), nil, "InvalidTag"},
		{"duplicate", `<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>`, nil, "InvalidTag"},
		{"aws prefix", `<Tagging><TagSet><Tag><Key>aws:x</Key><Value>1</Value></Tag></TagSet></Tagging>`, nil, "InvalidTag"},
		{"no value", `<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>`, nil, "MalformedXML"},
		{"not xml", `a=1`, nil, "MalformedXML"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseObjectTagging([]byte(tc.body))
			gotCode := ""
			if err != nil {
				gotCode = awsproto.As(err).Code
			}
			switch {
			case tc.code == "ok":
				if err != nil {
					t.Errorf("error %v, want none", err)
				}
			case gotCode != tc.code:
				t.Errorf("code %q (%v), want %q", gotCode, err, tc.code)
			case tc.code == "":
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("tags (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// FuzzParseTagHeader checks that whatever parses is a valid object tag set, whose re-encoding
// parses to the same tags.
func FuzzParseTagHeader(f *testing.F) {
	for _, tc := range tagHeaderCases {
		f.Add(tc.header)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tags, err := parseTagHeader(h)
		if err != nil {
			if awsproto.As(err) == nil {
				t.Fatalf("error %v is not an S3 error", err)
			}
			return
		}
		if err := checkTags(tags, maxObjectTags, "Object"); err != nil {
			t.Fatalf("parsed tags %q fail validation: %v", tags, err)
		}
		var parts []string
		for _, tg := range tags {
			parts = append(parts, url.QueryEscape(tg.Key)+"="+url.QueryEscape(tg.Value))
		}
		again, err := parseTagHeader(strings.Join(parts, "&"))
		if err != nil || !cmp.Equal(tags, again) {
			t.Fatalf("re-encoded %q parsed to %q, %v", tags, again, err)
		}
	})
}

func BenchmarkParseTagHeader(b *testing.B) {
	h := "team=data%20eng&cost-center=1234&stage=raw&owner=alice%40example.com&pii=false"
	for b.Loop() {
		if _, err := parseTagHeader(h); err != nil {
			b.Fatal(err)
		}
	}
}
