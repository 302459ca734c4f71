package s3

import (
	"net/http"
	"slices"
	"strings"

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
// ("" matches when no sub-resource parameter of the level is present), authorized with action on the
// bucket or object ARN.
type routeEntry struct {
	method string
	level  level
	sub    string
	with   string // a second query parameter that must be present ("id")
	op     string
	action string
	fn     func(*Service, *req) error
	// listKeys adds s3:prefix, s3:delimiter and s3:max-keys.
	listKeys bool
	// tags is where the request carries object tags (0: nowhere): they become
	// s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys, and from a header they also need
	// s3:PutObjectTagging.
	tags tagSource
	// existing opens the object before authorization: its tags become
	// s3:ExistingObjectTag/<key>, and the handler uses the open object (no second read).
	existing bool
	// acl: the request may ask for an ACL (x-amz-acl, x-amz-grant-*), which a bucket's
	// BlockPublicAcls refuses when it is public.
	acl bool
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
	for i := range subresources {
		rs = append(rs, subresources[i].routes()...)
	}
	rs = append(rs,
		routeEntry{method: "GET", level: levelBucket, sub: "list-type", op: "ListObjectsV2", action: "s3:ListBucket", fn: (*Service).listObjectsV2, listKeys: true},
		routeEntry{method: "GET", level: levelBucket, op: "ListObjects", action: "s3:ListBucket", fn: (*Service).listObjectsV1, listKeys: true},
		routeEntry{method: "HEAD", level: levelBucket, op: "HeadBucket", action: "s3:ListBucket", fn: (*Service).headBucket},
		routeEntry{method: "PUT", level: levelBucket, op: "CreateBucket", action: "s3:CreateBucket", fn: (*Service).createBucket},
		routeEntry{method: "DELETE", level: levelBucket, op: "DeleteBucket", action: "s3:DeleteBucket", fn: (*Service).deleteBucket},

		routeEntry{method: "POST", level: levelObject, sub: "uploads", op: "CreateMultipartUpload", action: "s3:PutObject", fn: (*Service).createUpload, tags: tagsHeader, acl: true},
		routeEntry{method: "POST", level: levelObject, sub: "uploadId", op: "CompleteMultipartUpload", action: "s3:PutObject", fn: (*Service).completeUpload},
		routeEntry{method: "PUT", level: levelObject, sub: "uploadId", op: "UploadPart", action: "s3:PutObject", fn: (*Service).uploadPart},
		routeEntry{method: "GET", level: levelObject, sub: "uploadId", op: "ListParts", action: "s3:ListMultipartUploadParts", fn: (*Service).listParts},
		routeEntry{method: "DELETE", level: levelObject, sub: "uploadId", op: "AbortMultipartUpload", action: "s3:AbortMultipartUpload", fn: (*Service).abortUpload},
		routeEntry{method: "GET", level: levelObject, sub: "acl", op: "GetObjectAcl", action: "s3:GetObjectAcl", fn: (*Service).getObjectACL, existing: true},
		routeEntry{method: "PUT", level: levelObject, sub: "acl", op: "PutObjectAcl", action: "s3:PutObjectAcl", fn: putNotImplemented},
		routeEntry{method: "GET", level: levelObject, sub: "tagging", op: "GetObjectTagging", action: "s3:GetObjectTagging", fn: (*Service).getObjectTagging, existing: true},
		routeEntry{method: "PUT", level: levelObject, sub: "tagging", op: "PutObjectTagging", action: "s3:PutObjectTagging", fn: (*Service).putObjectTagging, tags: tagsBody, existing: true},
		routeEntry{method: "DELETE", level: levelObject, sub: "tagging", op: "DeleteObjectTagging", action: "s3:DeleteObjectTagging", fn: (*Service).deleteObjectTagging, existing: true},
		routeEntry{method: "GET", level: levelObject, sub: "attributes", op: "GetObjectAttributes", action: "s3:GetObject", fn: putNotImplemented},
		routeEntry{method: "GET", level: levelObject, op: "GetObject", action: "s3:GetObject", fn: (*Service).getObject, existing: true},
		routeEntry{method: "HEAD", level: levelObject, op: "HeadObject", action: "s3:GetObject", fn: (*Service).getObject, existing: true},
		routeEntry{method: "PUT", level: levelObject, op: "PutObject", action: "s3:PutObject", fn: (*Service).putObject, tags: tagsHeader, acl: true},
		routeEntry{method: "DELETE", level: levelObject, op: "DeleteObject", action: "s3:DeleteObject", fn: (*Service).deleteObject},
	)
	return rs
}

func putNotImplemented(s *Service, q *req) error { return notImplemented() }

// unrouted are S3 sub-resources of AWS operations Sluice does not answer: a request naming one
// is NotImplemented rather than taken for the plain bucket or object operation.
var unrouted = map[level][]string{
	levelBucket: {"metadataTable", "metadataConfiguration", "metadataInventoryTable", "metadataJournalTable", "abac", "session", "renameObject"},
	levelObject: {"retention", "legal-hold", "restore", "torrent", "select", "renameObject"},
}

// subParams are, per level, the query parameters that select a sub-resource.
var subParams = func() map[level][]string {
	m := map[level][]string{}
	for _, rt := range routes {
		if rt.sub != "" && !slices.Contains(m[rt.level], rt.sub) {
			m[rt.level] = append(m[rt.level], rt.sub)
		}
	}
	return m
}()

func levelOf(q *req) level {
	switch {
	case q.bucket == "":
		return levelService
	case !q.hasKey:
		return levelBucket
	}
	return levelObject
}

// route finds the operation of a request. An entry without sub matches only when no
// sub-resource parameter of the level is present, so that "DELETE /b?versioning" is never
// DeleteBucket.
func route(method string, q *req) *routeEntry {
	lv := levelOf(q)
	plain := !slices.ContainsFunc(subParams[lv], q.q.Has) && !slices.ContainsFunc(unrouted[lv], q.q.Has)
	for i := range routes {
		rt := &routes[i]
		if rt.method != method || rt.level != lv {
			continue
		}
		if rt.sub == "" && plain || rt.sub != "" && q.q.Has(rt.sub) && (rt.with == "" || q.q.Has(rt.with)) {
			return rt
		}
	}
	return nil
}

// unroutedError is the answer to a request no route matches: NotImplemented for an operation
// of AWS's that Sluice does not answer, else MethodNotAllowed as S3 sends it (a sub-resource
// without that method, such as DELETE ?versioning).
func unroutedError(method string, q *req) error {
	lv := levelOf(q)
	for _, sub := range unrouted[lv] {
		if q.q.Has(sub) {
			return notImplemented()
		}
	}
	resource := map[level]string{levelService: "SERVICE", levelBucket: "BUCKET", levelObject: "OBJECT"}[lv]
	for _, sub := range subParams[lv] {
		if q.q.Has(sub) {
			resource = strings.ToUpper(sub)
			break
		}
	}
	return errorf(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.").
		With("Method", method).With("ResourceType", resource)
}

// Operations lists the routed operation names (for the every-route-authorizes test).
func Operations() []string {
	var out []string
	for _, rt := range routes {
		if slices.Contains(out, rt.op) {
			continue
		}
		out = append(out, rt.op)
	}
	return out
}

func (s *Service) writeXML(q *req, v any) {
	awsproto.WriteXML(q.w, q.r, http.StatusOK, v)
}
