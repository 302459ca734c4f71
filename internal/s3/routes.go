package s3

import (
	"encoding/xml"
	"net/http"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/policy"
)

type level int

const (
	levelService level = iota + 1 // GET /
	levelBucket                   // /bucket
	levelObject                   // /bucket/key
)

// routeEntry is one operation: matched by method, level and a sub-resource query parameter
// ("" matches when no other entry's parameter is present), authorized with action on the
// bucket or object ARN.
type routeEntry struct {
	method string
	level  level
	sub    string
	op     string
	action string
	fn     func(*Service, *req) error
	// listKeys adds s3:prefix, s3:delimiter and s3:max-keys.
	listKeys bool
}

func (rt *routeEntry) resource(q *req) string {
	switch rt.level {
	case levelService:
		return "*"
	case levelBucket:
		return bucketARN(q.bucket)
	}
	return objectARN(q.bucket, q.key)
}

func (rt *routeEntry) condKeys(q *req) *policy.Context {
	if !rt.listKeys {
		return nil
	}
	c := policy.NewContext()
	c.Set("s3:prefix", q.q.Get("prefix"))
	if q.q.Has("delimiter") {
		c.Set("s3:delimiter", q.q.Get("delimiter"))
	}
	if v := q.q.Get("max-keys"); v != "" {
		c.Set("s3:max-keys", v)
	} else {
		c.Set("s3:max-keys", "1000")
	}
	return c
}

// probe is a bucket sub-resource that Sluice does not configure: GET answers what AWS answers for
// a bucket with nothing configured (an empty document or the specific NoSuch… error), PUT is not
// implemented and DELETE succeeds.
type probe struct {
	sub, name, getAction, putAction string
	empty                           any    // GET response when nothing is configured
	code                            string // GET error when nothing is configured (404)
	msg                             string
}

var probes = []probe{
	{"versioning", "BucketVersioning", "s3:GetBucketVersioning", "s3:PutBucketVersioning", &versioningConfiguration{}, "", ""},
	{"encryption", "BucketEncryption", "s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration", nil, "ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found"},
	{"tagging", "BucketTagging", "s3:GetBucketTagging", "s3:PutBucketTagging", nil, "NoSuchTagSet", "The TagSet does not exist"},
	{"cors", "BucketCors", "s3:GetBucketCORS", "s3:PutBucketCORS", nil, "NoSuchCORSConfiguration", "The CORS configuration does not exist"},
	{"lifecycle", "BucketLifecycleConfiguration", "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration", nil, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"},
	{"ownershipControls", "BucketOwnershipControls", "s3:GetBucketOwnershipControls", "s3:PutBucketOwnershipControls", nil, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found"},
	{"publicAccessBlock", "PublicAccessBlock", "s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock", nil, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found"},
	{"object-lock", "ObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration", "s3:PutBucketObjectLockConfiguration", nil, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket"},
	{"website", "BucketWebsite", "s3:GetBucketWebsite", "s3:PutBucketWebsite", nil, "NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration"},
	{"replication", "BucketReplication", "s3:GetReplicationConfiguration", "s3:PutReplicationConfiguration", nil, "ReplicationConfigurationNotFoundError", "The replication configuration was not found"},
	{"policyStatus", "BucketPolicyStatus", "s3:GetBucketPolicyStatus", "", nil, "NoSuchBucketPolicy", "The bucket policy does not exist"},
	{"logging", "BucketLogging", "s3:GetBucketLogging", "s3:PutBucketLogging", &bucketLoggingStatus{}, "", ""},
	{"notification", "BucketNotificationConfiguration", "s3:GetBucketNotification", "s3:PutBucketNotification", &notificationConfiguration{}, "", ""},
	{"requestPayment", "BucketRequestPayment", "s3:GetBucketRequestPayment", "s3:PutBucketRequestPayment", &requestPaymentConfiguration{Payer: "BucketOwner"}, "", ""},
	{"accelerate", "BucketAccelerateConfiguration", "s3:GetAccelerateConfiguration", "s3:PutAccelerateConfiguration", &accelerateConfiguration{}, "", ""},
	{"analytics", "BucketAnalyticsConfiguration", "s3:GetAnalyticsConfiguration", "s3:PutAnalyticsConfiguration", nil, "NoSuchConfiguration", "The specified configuration does not exist."},
	{"metrics", "BucketMetricsConfiguration", "s3:GetMetricsConfiguration", "s3:PutMetricsConfiguration", nil, "NoSuchConfiguration", "The specified configuration does not exist."},
	{"inventory", "BucketInventoryConfiguration", "s3:GetInventoryConfiguration", "s3:PutInventoryConfiguration", nil, "NoSuchConfiguration", "The specified configuration does not exist."},
	{"intelligent-tiering", "BucketIntelligentTieringConfiguration", "s3:GetIntelligentTieringConfiguration", "s3:PutIntelligentTieringConfiguration", nil, "NoSuchConfiguration", "The specified configuration does not exist."},
}

type versioningConfiguration struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ VersioningConfiguration"`
}
type bucketLoggingStatus struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ BucketLoggingStatus"`
}
type notificationConfiguration struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ NotificationConfiguration"`
}
type requestPaymentConfiguration struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ RequestPaymentConfiguration"`
	Payer   string
}
type accelerateConfiguration struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ AccelerateConfiguration"`
}

func probeGet(p probe) func(*Service, *req) error {
	return func(s *Service, q *req) error {
		if p.code != "" {
			return errorf(http.StatusNotFound, p.code, "%s", p.msg).With("BucketName", q.bucket)
		}
		s.writeXML(q, p.empty)
		return nil
	}
}

func probeDelete(s *Service, q *req) error {
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func putNotImplemented(s *Service, q *req) error { return notImplemented() }

// routes is the whole API, in match order per (method, level).
var routes = buildRoutes()

func buildRoutes() []routeEntry {
	rs := []routeEntry{
		{method: "GET", level: levelService, op: "ListBuckets", action: "s3:ListAllMyBuckets", fn: (*Service).listBuckets},

		{method: "PUT", level: levelBucket, sub: "policy", op: "PutBucketPolicy", action: "s3:PutBucketPolicy", fn: (*Service).putBucketPolicy},
		{method: "GET", level: levelBucket, sub: "policy", op: "GetBucketPolicy", action: "s3:GetBucketPolicy", fn: (*Service).getBucketPolicy},
		{method: "DELETE", level: levelBucket, sub: "policy", op: "DeleteBucketPolicy", action: "s3:DeleteBucketPolicy", fn: (*Service).deleteBucketPolicy},
		{method: "GET", level: levelBucket, sub: "location", op: "GetBucketLocation", action: "s3:GetBucketLocation", fn: (*Service).getBucketLocation},
		{method: "GET", level: levelBucket, sub: "acl", op: "GetBucketAcl", action: "s3:GetBucketAcl", fn: (*Service).getACL},
		{method: "PUT", level: levelBucket, sub: "acl", op: "PutBucketAcl", action: "s3:PutBucketAcl", fn: putNotImplemented},
		{method: "GET", level: levelBucket, sub: "uploads", op: "ListMultipartUploads", action: "s3:ListBucketMultipartUploads", fn: (*Service).listUploads},
		{method: "GET", level: levelBucket, sub: "versions", op: "ListObjectVersions", action: "s3:ListBucketVersions", fn: (*Service).listVersions, listKeys: true},
		{method: "POST", level: levelBucket, sub: "delete", op: "DeleteObjects", fn: (*Service).deleteObjects},
	}
	for _, p := range probes {
		rs = append(rs, routeEntry{method: "GET", level: levelBucket, sub: p.sub, op: "Get" + p.name, action: p.getAction, fn: probeGet(p)})
		if p.putAction != "" {
			rs = append(rs,
				routeEntry{method: "PUT", level: levelBucket, sub: p.sub, op: "Put" + p.name, action: p.putAction, fn: putNotImplemented},
				routeEntry{method: "DELETE", level: levelBucket, sub: p.sub, op: "Delete" + p.name, action: p.putAction, fn: probeDelete})
		}
	}
	rs = append(rs,
		routeEntry{method: "GET", level: levelBucket, sub: "list-type", op: "ListObjectsV2", action: "s3:ListBucket", fn: (*Service).listObjectsV2, listKeys: true},
		routeEntry{method: "GET", level: levelBucket, op: "ListObjects", action: "s3:ListBucket", fn: (*Service).listObjectsV1, listKeys: true},
		routeEntry{method: "HEAD", level: levelBucket, op: "HeadBucket", action: "s3:ListBucket", fn: (*Service).headBucket},
		routeEntry{method: "PUT", level: levelBucket, op: "CreateBucket", action: "s3:CreateBucket", fn: (*Service).createBucket},
		routeEntry{method: "DELETE", level: levelBucket, op: "DeleteBucket", action: "s3:DeleteBucket", fn: (*Service).deleteBucket},

		routeEntry{method: "POST", level: levelObject, sub: "uploads", op: "CreateMultipartUpload", action: "s3:PutObject", fn: (*Service).createUpload},
		routeEntry{method: "POST", level: levelObject, sub: "uploadId", op: "CompleteMultipartUpload", action: "s3:PutObject", fn: (*Service).completeUpload},
		routeEntry{method: "PUT", level: levelObject, sub: "uploadId", op: "UploadPart", action: "s3:PutObject", fn: (*Service).uploadPart},
		routeEntry{method: "GET", level: levelObject, sub: "uploadId", op: "ListParts", action: "s3:ListMultipartUploadParts", fn: (*Service).listParts},
		routeEntry{method: "DELETE", level: levelObject, sub: "uploadId", op: "AbortMultipartUpload", action: "s3:AbortMultipartUpload", fn: (*Service).abortUpload},
		routeEntry{method: "GET", level: levelObject, sub: "acl", op: "GetObjectAcl", action: "s3:GetObjectAcl", fn: (*Service).getObjectACL},
		routeEntry{method: "PUT", level: levelObject, sub: "acl", op: "PutObjectAcl", action: "s3:PutObjectAcl", fn: putNotImplemented},
		routeEntry{method: "GET", level: levelObject, sub: "tagging", op: "GetObjectTagging", action: "s3:GetObjectTagging", fn: (*Service).getObjectTagging},
		routeEntry{method: "PUT", level: levelObject, sub: "tagging", op: "PutObjectTagging", action: "s3:PutObjectTagging", fn: putNotImplemented},
		routeEntry{method: "DELETE", level: levelObject, sub: "tagging", op: "DeleteObjectTagging", action: "s3:DeleteObjectTagging", fn: probeDelete},
		routeEntry{method: "GET", level: levelObject, sub: "attributes", op: "GetObjectAttributes", action: "s3:GetObject", fn: putNotImplemented},
		routeEntry{method: "GET", level: levelObject, op: "GetObject", action: "s3:GetObject", fn: (*Service).getObject},
		routeEntry{method: "HEAD", level: levelObject, op: "HeadObject", action: "s3:GetObject", fn: (*Service).getObject},
		routeEntry{method: "PUT", level: levelObject, op: "PutObject", action: "s3:PutObject", fn: (*Service).putObject},
		routeEntry{method: "DELETE", level: levelObject, op: "DeleteObject", action: "s3:DeleteObject", fn: (*Service).deleteObject},
	)
	return rs
}

// route finds the operation of a request.
func route(method string, q *req) *routeEntry {
	lv := levelObject
	switch {
	case q.bucket == "":
		lv = levelService
	case !q.hasKey:
		lv = levelBucket
	}
	for i := range routes {
		rt := &routes[i]
		if rt.method != method || rt.level != lv {
			continue
		}
		if rt.sub == "" || q.q.Has(rt.sub) {
			return rt
		}
	}
	return nil
}

// Operations lists the routed operation names (for the every-route-authorizes test).
func Operations() []string {
	var out []string
	for _, rt := range routes {
		out = append(out, rt.op)
	}
	return out
}

func (s *Service) writeXML(q *req, v any) {
	awsproto.WriteXML(q.w, q.r, http.StatusOK, v)
}
