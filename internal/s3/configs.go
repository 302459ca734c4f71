package s3

import (
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"time"
)

// subresource is a bucket configuration addressed by a query parameter ("?tagging"): its
// operations, their IAM actions, what GET answers when nothing is stored, and how a PUT body is
// validated. Stored documents live in the bucket record (bucketRecord.Configs, keyed by the
// parameter) and go with it.
type subresource struct {
	sub        string // the query parameter
	name       string // operation suffix: Get<name>, Put<name>
	getAction  string
	putAction  string // "" when the configuration is read-only (no PUT)
	deleteOp   string // AWS's DELETE operation; "" when AWS has none (DELETE answers 405)
	delAction  string
	listOp     string // for configurations named by ?id=: the operation of a GET without id
	listResult func() any

	// What GET answers when nothing is stored: the document empty, or else a 404 with code.
	empty     any
	code, msg string

	// parse validates a PUT body and returns the document to store; a nil document means
	// the default (any stored one is removed). nil parse: PUT is NotImplemented with why.
	parse func(body []byte) (any, error)
	why   string

	// derive, when set, computes what GET answers from the bucket record (nil: not found).
	derive func(rec *bucketRecord) (any, error)
}

// storing adapts a typed parse function to subresource.parse.
func storing[T any](parse func([]byte) (*T, error)) func([]byte) (any, error) {
	return func(b []byte) (any, error) {
		d, err := parse(b)
		if err != nil || d == nil {
			return nil, err
		}
		return d, nil
	}
}

const noSuchConfiguration = "The specified configuration does not exist."

var subresources = []subresource{
	{sub: "tagging", name: "BucketTagging", getAction: "s3:GetBucketTagging", putAction: "s3:PutBucketTagging",
		deleteOp: "DeleteBucketTagging", delAction: "s3:PutBucketTagging",
		code: "NoSuchTagSet", msg: "The TagSet does not exist",
		parse: storing(func(b []byte) (*taggingDoc, error) { return parseTagging(b, maxBucketTags, "Bucket") })},
	{sub: "encryption", name: "BucketEncryption", getAction: "s3:GetEncryptionConfiguration", putAction: "s3:PutEncryptionConfiguration",
		deleteOp: "DeleteBucketEncryption", delAction: "s3:PutEncryptionConfiguration",
		code: "ServerSideEncryptionConfigurationNotFoundError", msg: "The server side encryption configuration was not found",
		parse: storing(parseEncryption)},
	{sub: "cors", name: "BucketCors", getAction: "s3:GetBucketCORS", putAction: "s3:PutBucketCORS",
		deleteOp: "DeleteBucketCors", delAction: "s3:PutBucketCORS",
		code: "NoSuchCORSConfiguration", msg: "The CORS configuration does not exist",
		parse: storing(parseCORS)},
	{sub: "lifecycle", name: "BucketLifecycleConfiguration", getAction: "s3:GetLifecycleConfiguration", putAction: "s3:PutLifecycleConfiguration",
		deleteOp: "DeleteBucketLifecycle", delAction: "s3:PutLifecycleConfiguration",
		code: "NoSuchLifecycleConfiguration", msg: "The lifecycle configuration does not exist",
		parse: storing(parseLifecycle)},
	{sub: "ownershipControls", name: "BucketOwnershipControls", getAction: "s3:GetBucketOwnershipControls", putAction: "s3:PutBucketOwnershipControls",
		deleteOp: "DeleteBucketOwnershipControls", delAction: "s3:PutBucketOwnershipControls",
		code: "OwnershipControlsNotFoundError", msg: "The bucket ownership controls were not found",
		parse: storing(parseOwnership)},
	{sub: "publicAccessBlock", name: "PublicAccessBlock", getAction: "s3:GetBucketPublicAccessBlock", putAction: "s3:PutBucketPublicAccessBlock",
		deleteOp: "DeletePublicAccessBlock", delAction: "s3:PutBucketPublicAccessBlock",
		code: "NoSuchPublicAccessBlockConfiguration", msg: "The public access block configuration was not found",
		parse: storing(parsePublicAccessBlock)},
	{sub: "versioning", name: "BucketVersioning", getAction: "s3:GetBucketVersioning", putAction: "s3:PutBucketVersioning",
		empty: &versioningDoc{XMLName: xml.Name{Space: s3NS, Local: "VersioningConfiguration"}},
		parse: storing(parseVersioning)},
	{sub: "requestPayment", name: "BucketRequestPayment", getAction: "s3:GetBucketRequestPayment", putAction: "s3:PutBucketRequestPayment",
		empty: &requestPaymentDoc{XMLName: xml.Name{Space: s3NS, Local: "RequestPaymentConfiguration"}, Payer: "BucketOwner"},
		parse: storing(parseRequestPayment)},
	{sub: "accelerate", name: "BucketAccelerateConfiguration", getAction: "s3:GetAccelerateConfiguration", putAction: "s3:PutAccelerateConfiguration",
		empty: &accelerateDoc{XMLName: xml.Name{Space: s3NS, Local: "AccelerateConfiguration"}},
		parse: storing(parseAccelerate)},
	{sub: "logging", name: "BucketLogging", getAction: "s3:GetBucketLogging", putAction: "s3:PutBucketLogging",
		empty: &loggingDoc{XMLName: xml.Name{Space: s3NS, Local: "BucketLoggingStatus"}},
		parse: storing(parseLogging)},
	{sub: "notification", name: "BucketNotificationConfiguration", getAction: "s3:GetBucketNotification", putAction: "s3:PutBucketNotification",
		empty: &notificationDoc{XMLName: xml.Name{Space: s3NS, Local: "NotificationConfiguration"}},
		parse: storing(parseNotification)},

	// Configurations Sluice does not keep: GET answers as for a bucket with none, PUT is
	// NotImplemented.
	{sub: "object-lock", name: "ObjectLockConfiguration", getAction: "s3:GetBucketObjectLockConfiguration", putAction: "s3:PutBucketObjectLockConfiguration",
		code: "ObjectLockConfigurationNotFoundError", msg: "Object Lock configuration does not exist for this bucket",
		why: "Sluice does not support Object Lock: buckets are unversioned and objects can be overwritten and deleted"},
	{sub: "website", name: "BucketWebsite", getAction: "s3:GetBucketWebsite", putAction: "s3:PutBucketWebsite",
		deleteOp: "DeleteBucketWebsite", delAction: "s3:DeleteBucketWebsite",
		code: "NoSuchWebsiteConfiguration", msg: "The specified bucket does not have a website configuration",
		why: "Sluice does not host static websites"},
	{sub: "replication", name: "BucketReplication", getAction: "s3:GetReplicationConfiguration", putAction: "s3:PutReplicationConfiguration",
		deleteOp: "DeleteBucketReplication", delAction: "s3:PutReplicationConfiguration",
		code: "ReplicationConfigurationNotFoundError", msg: "The replication configuration was not found",
		why: "Sluice does not replicate buckets"},
	{sub: "policyStatus", name: "BucketPolicyStatus", getAction: "s3:GetBucketPolicyStatus",
		code: "NoSuchBucketPolicy", msg: "The bucket policy does not exist", derive: policyStatus},
	{sub: "analytics", name: "BucketAnalyticsConfiguration", getAction: "s3:GetAnalyticsConfiguration", putAction: "s3:PutAnalyticsConfiguration",
		deleteOp: "DeleteBucketAnalyticsConfiguration", delAction: "s3:PutAnalyticsConfiguration",
		listOp: "ListBucketAnalyticsConfigurations", listResult: func() any {
			return &configList{XMLName: xml.Name{Space: s3NS, Local: "ListBucketAnalyticsConfigurationResult"}}
		},
		code: "NoSuchConfiguration", msg: noSuchConfiguration,
		why: "Sluice does not run storage class analysis"},
	{sub: "metrics", name: "BucketMetricsConfiguration", getAction: "s3:GetMetricsConfiguration", putAction: "s3:PutMetricsConfiguration",
		deleteOp: "DeleteBucketMetricsConfiguration", delAction: "s3:PutMetricsConfiguration",
		listOp: "ListBucketMetricsConfigurations", listResult: func() any {
			return &configList{XMLName: xml.Name{Space: s3NS, Local: "ListMetricsConfigurationsResult"}}
		},
		code: "NoSuchConfiguration", msg: noSuchConfiguration,
		why: "Sluice does not publish CloudWatch request metrics; see its Prometheus endpoint"},
	{sub: "inventory", name: "BucketInventoryConfiguration", getAction: "s3:GetInventoryConfiguration", putAction: "s3:PutInventoryConfiguration",
		deleteOp: "DeleteBucketInventoryConfiguration", delAction: "s3:PutInventoryConfiguration",
		listOp: "ListBucketInventoryConfigurations", listResult: func() any {
			return &configList{XMLName: xml.Name{Space: s3NS, Local: "ListInventoryConfigurationsResult"}}
		},
		code: "NoSuchConfiguration", msg: noSuchConfiguration,
		why: "Sluice does not write inventory reports"},
	{sub: "intelligent-tiering", name: "BucketIntelligentTieringConfiguration", getAction: "s3:GetIntelligentTieringConfiguration", putAction: "s3:PutIntelligentTieringConfiguration",
		deleteOp: "DeleteBucketIntelligentTieringConfiguration", delAction: "s3:PutIntelligentTieringConfiguration",
		listOp: "ListBucketIntelligentTieringConfigurations", listResult: func() any {
			return &configList{XMLName: xml.Name{Space: s3NS, Local: "ListBucketIntelligentTieringConfigurationsOutput"}}
		},
		code: "NoSuchConfiguration", msg: noSuchConfiguration,
		why: "Sluice has no storage tiers"},
}

// configList is the empty answer of the List…Configurations operations.
type configList struct {
	XMLName           xml.Name
	IsTruncated       bool
	ContinuationToken string `xml:"ContinuationToken,omitempty"`
}

// routes returns the route entries of a sub-resource.
func (c *subresource) routes() []routeEntry {
	var rs []routeEntry
	if c.listOp != "" {
		rs = append(rs,
			routeEntry{method: "GET", level: levelBucket, sub: c.sub, with: "id", op: "Get" + c.name, action: c.getAction, fn: c.getByID},
			routeEntry{method: "GET", level: levelBucket, sub: c.sub, op: c.listOp, action: c.getAction, fn: c.list})
	} else {
		rs = append(rs, routeEntry{method: "GET", level: levelBucket, sub: c.sub, op: "Get" + c.name, action: c.getAction, fn: c.get})
	}
	if c.putAction != "" {
		rs = append(rs, routeEntry{method: "PUT", level: levelBucket, sub: c.sub, op: "Put" + c.name, action: c.putAction, fn: c.put})
	}
	if c.deleteOp != "" {
		rs = append(rs, routeEntry{method: "DELETE", level: levelBucket, sub: c.sub, op: c.deleteOp, action: c.delAction, fn: c.delete})
	}
	return rs
}

func (c *subresource) notFound(q *req) error {
	return errorf(http.StatusNotFound, c.code, "%s", c.msg).With("BucketName", q.bucket)
}

func (c *subresource) get(s *Service, q *req) error {
	if c.derive != nil {
		doc, err := c.derive(q.rec)
		if err != nil {
			return err
		}
		if doc == nil {
			return c.notFound(q)
		}
		s.writeXML(q, doc)
		return nil
	}
	if doc, ok := q.rec.Configs[c.sub]; ok {
		writeRawXML(q, doc)
		return nil
	}
	if c.empty != nil {
		s.writeXML(q, c.empty)
		return nil
	}
	return c.notFound(q)
}

// getByID answers Get…Configuration?id=: Sluice keeps none.
func (c *subresource) getByID(s *Service, q *req) error { return c.notFound(q) }

func (c *subresource) list(s *Service, q *req) error {
	l := c.listResult()
	l.(*configList).ContinuationToken = q.q.Get("continuation-token")
	s.writeXML(q, l)
	return nil
}

// maxConfigBody bounds a configuration document (1000 lifecycle rules fit).
const maxConfigBody = 1 << 20

func (c *subresource) put(s *Service, q *req) error {
	if c.parse == nil {
		return unsupported("%s", c.why)
	}
	body, err := readConfigBody(q)
	if err != nil {
		return err
	}
	doc, err := c.parse(body)
	if err != nil {
		return err
	}
	var data string
	if doc != nil {
		b, err := xml.Marshal(doc)
		if err != nil {
			return err
		}
		data = string(b)
	}
	err = s.updateBucket(q, func(b *bucketRecord) error {
		if doc == nil {
			delete(b.Configs, c.sub)
			return nil
		}
		if b.Configs == nil {
			b.Configs = map[string]string{}
		}
		b.Configs[c.sub] = data
		return nil
	})
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Length", "0")
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (c *subresource) delete(s *Service, q *req) error {
	if c.listOp != "" {
		return c.notFound(q) // no configuration of any id exists
	}
	if _, ok := q.rec.Configs[c.sub]; ok {
		if err := s.updateBucket(q, func(b *bucketRecord) error { delete(b.Configs, c.sub); return nil }); err != nil {
			return err
		}
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// readConfigBody reads a configuration document, verifying Content-MD5 and x-amz-checksum-*
// as uploads do.
func readConfigBody(q *req) ([]byte, error) {
	v, err := newVerifier(q, nil)
	if err != nil {
		return nil, err
	}
	if v.declared > maxConfigBody {
		return nil, errorf(http.StatusBadRequest, "MaxMessageLengthExceeded", "Your request was too big.")
	}
	body, err := io.ReadAll(v)
	if err != nil {
		return nil, bodyError(err)
	}
	return body, nil
}

// writeRawXML writes a stored document.
func writeRawXML(q *req, doc string) {
	h := q.w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(xml.Header)+len(doc)))
	if h.Get("Date") == "" {
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	q.w.WriteHeader(http.StatusOK)
	if q.r.Method != http.MethodHead {
		io.WriteString(q.w, xml.Header)
		io.WriteString(q.w, doc)
	}
}
