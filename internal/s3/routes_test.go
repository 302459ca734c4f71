package s3

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/awsproto"
)

// TestRoute checks which operation a request selects, and what an unrouted one answers.
func TestRoute(t *testing.T) {
	cases := []struct {
		name, method, path, query string
		op                        string // "" when unrouted
		code                      string // the error of an unrouted request
	}{
		{"list objects", "GET", "/b", "prefix=x", "ListObjects", ""},
		{"list v2", "GET", "/b", "list-type=2", "ListObjectsV2", ""},
		{"delete bucket", "DELETE", "/b", "", "DeleteBucket", ""},
		{"create bucket", "PUT", "/b", "", "CreateBucket", ""},
		{"put tagging", "PUT", "/b", "tagging", "PutBucketTagging", ""},
		{"delete lifecycle", "DELETE", "/b", "lifecycle", "DeleteBucketLifecycle", ""},
		{"delete public access block", "DELETE", "/b", "publicAccessBlock", "DeletePublicAccessBlock", ""},
		{"get metrics by id", "GET", "/b", "metrics&id=m1", "GetBucketMetricsConfiguration", ""},
		{"list metrics", "GET", "/b", "metrics", "ListBucketMetricsConfigurations", ""},
		{"list metrics page", "GET", "/b", "metrics&continuation-token=x", "ListBucketMetricsConfigurations", ""},
		{"list analytics", "GET", "/b", "analytics", "ListBucketAnalyticsConfigurations", ""},
		{"list inventory", "GET", "/b", "inventory", "ListBucketInventoryConfigurations", ""},
		{"list tiering", "GET", "/b", "intelligent-tiering", "ListBucketIntelligentTieringConfigurations", ""},
		{"get tiering", "GET", "/b", "intelligent-tiering&id=t", "GetBucketIntelligentTieringConfiguration", ""},
		{"delete versioning is not DeleteBucket", "DELETE", "/b", "versioning", "", "MethodNotAllowed"},
		{"delete logging", "DELETE", "/b", "logging", "", "MethodNotAllowed"},
		{"delete requestPayment", "DELETE", "/b", "requestPayment", "", "MethodNotAllowed"},
		{"delete accelerate", "DELETE", "/b", "accelerate", "", "MethodNotAllowed"},
		{"delete notification", "DELETE", "/b", "notification", "", "MethodNotAllowed"},
		{"delete object-lock", "DELETE", "/b", "object-lock", "", "MethodNotAllowed"},
		{"delete location is not DeleteBucket", "DELETE", "/b", "location", "", "MethodNotAllowed"},
		{"delete uploads is not DeleteBucket", "DELETE", "/b", "uploads", "", "MethodNotAllowed"},
		{"put location is not CreateBucket", "PUT", "/b", "location", "", "MethodNotAllowed"},
		{"put policyStatus", "PUT", "/b", "policyStatus", "", "MethodNotAllowed"},
		{"get object", "GET", "/b/k", "versionId=null", "GetObject", ""},
		{"object tagging", "PUT", "/b/k", "tagging", "PutObjectTagging", ""},
		{"put retention is not PutObject", "PUT", "/b/k", "retention", "", "NotImplemented"},
		{"post restore", "POST", "/b/k", "restore", "", "NotImplemented"},
		{"bucket metadata table", "GET", "/b", "metadataTable", "", "NotImplemented"},
		{"post object", "POST", "/b/k", "", "", "MethodNotAllowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vals, _ := url.ParseQuery(c.query)
			q := &req{q: vals}
			q.bucket, q.key, _ = strings.Cut(c.path[1:], "/")
			q.hasKey = q.key != ""
			var got [2]string
			if rt := route(c.method, q); rt != nil {
				got[0] = rt.op
			} else {
				got[1] = awsproto.As(unroutedError(c.method, q)).Code
			}
			if diff := cmp.Diff([2]string{c.op, c.code}, got); diff != "" {
				t.Errorf("%s %s?%s (-want +got):\n%s", c.method, c.path, c.query, diff)
			}
		})
	}
}

func TestMethodNotAllowedBody(t *testing.T) {
	vals, _ := url.ParseQuery("versioning")
	e := awsproto.As(unroutedError("DELETE", &req{q: vals, bucket: "b"}))
	want := map[string]string{"Method": "DELETE", "ResourceType": "VERSIONING"}
	if e.Status != http.StatusMethodNotAllowed || !cmp.Equal(e.Fields, want) {
		t.Errorf("got %d %v, want 405 %v", e.Status, e.Fields, want)
	}
}
