package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/blob"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/store"
)

// Options are the optional settings of New; nil means defaults.
type Options struct {
	// Domain is the host name under which virtual-hosted-style requests name their bucket
	// ("<bucket>.<Domain>"); default "localhost".
	Domain string
	// Region is the region buckets live in; default "us-east-1".
	Region string
	// MinPartSize is the smallest allowed non-last part of a multipart upload; default 5 MiB.
	MinPartSize int64
	Logger      *slog.Logger
	Now         func() time.Time
	Rand        io.Reader
}

// Service is the S3 gateway. It implements awsproto.Handler.
type Service struct {
	account identity.AccountID
	st      store.Store
	blobs   blob.Driver
	authz   Authorizer
	domain  string
	region  string
	minPart int64
	log     *slog.Logger
	now     func() time.Time
	rand    io.Reader
	buckets bucketCache
}

// New returns the gateway for account's buckets, kept in st (records) and blobs (bytes).
func New(account identity.AccountID, st store.Store, blobs blob.Driver, authz Authorizer, opts *Options) *Service {
	s := &Service{account: account, st: st, blobs: blobs, authz: authz,
		domain: "localhost", region: "us-east-1", minPart: 5 << 20,
		log: slog.New(slog.DiscardHandler), now: time.Now, rand: rand.Reader}
	if opts != nil {
		if opts.Domain != "" {
			s.domain = strings.ToLower(opts.Domain)
		}
		if opts.Region != "" {
			s.region = opts.Region
		}
		if opts.MinPartSize > 0 {
			s.minPart = opts.MinPartSize
		}
		if opts.Logger != nil {
			s.log = opts.Logger
		}
		if opts.Now != nil {
			s.now = opts.Now
		}
		if opts.Rand != nil {
			s.rand = opts.Rand
		}
	}
	return s
}

// Domain returns the virtual-host domain.
func (s *Service) Domain() string { return s.domain }

// BucketFromHost returns the bucket named by a virtual-hosted-style Host header, or "".
func BucketFromHost(host, domain string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	b, ok := strings.CutSuffix(host, "."+domain)
	if !ok || b == "" {
		return ""
	}
	return b
}

// req is one routed request.
type req struct {
	w       http.ResponseWriter
	r       *http.Request
	c       *awsproto.Call
	q       url.Values
	bucket  string
	key     string
	rec     *bucketRecord // nil when the bucket does not exist
	pol     *policy.Policy
	s3ctx   *policy.Context
	hasKey  bool
	virtual bool

	tags     []Tag // the tags the request sets (x-amz-tagging or a Tagging body)
	setsTags bool  // the request sets tags: PutObjectTagging, or a non-empty x-amz-tagging
	obj      blob.Object
	objErr   error // from opening the object before authorization (routeEntry.existing)
}

func (q *req) ctx() context.Context { return q.r.Context() }

func (q *req) principal() *identity.Principal {
	if q.c.Principal == nil {
		return &identity.Principal{Type: identity.Anonymous}
	}
	return q.c.Principal
}

// ServeAWS implements awsproto.Handler.
func (s *Service) ServeAWS(w http.ResponseWriter, r *http.Request, c *awsproto.Call) {
	q := &req{w: w, r: r, c: c, q: r.URL.Query()}
	path := r.URL.Path
	if b := BucketFromHost(r.Host, s.domain); b != "" {
		q.bucket, q.virtual = b, true
		q.key = strings.TrimPrefix(path, "/")
	} else {
		rest := strings.TrimPrefix(path, "/")
		q.bucket, q.key, _ = strings.Cut(rest, "/")
	}
	q.hasKey = q.key != ""
	rt := route(r.Method, q)
	if rt == nil {
		c.Operation = "Unknown"
		c.Fail(w, r, unroutedError(r.Method, q))
		return
	}
	c.Operation = rt.op
	c.DataEvent = rt.level == levelObject
	err := s.serve(q, rt)
	if q.obj != nil {
		q.obj.Close()
	}
	if err != nil {
		if e := awsproto.As(err); e != nil && e.Status >= 500 {
			s.log.Error("s3 request failed", "request_id", c.RequestID, "op", rt.op, "err", err)
		}
		c.Fail(w, r, err)
	}
}

func (s *Service) serve(q *req, rt *routeEntry) error {
	if rt.level != levelService {
		if q.bucket == "" {
			return errorf(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.").With("BucketName", q.bucket)
		}
		q.c.Resources = append(q.c.Resources, awsproto.Resource{ARN: bucketARN(q.bucket), Type: "AWS::S3::Bucket"})
		if q.hasKey {
			q.c.Resources = append(q.c.Resources, awsproto.Resource{ARN: objectARN(q.bucket, q.key), Type: "AWS::S3::Object"})
		}
		rec, err := s.getBucket(q.ctx(), q.bucket)
		if err != nil {
			return err
		}
		if rec != nil {
			q.rec = rec
			if q.pol, err = resourcePolicy(rec, q.principal()); err != nil {
				return err // stored policies were parsed on the way in
			}
		}
	}
	input := map[string]string{}
	if q.bucket != "" {
		input["bucketName"] = q.bucket
	}
	if q.hasKey {
		input["key"] = q.key
	}
	q.c.Input = input
	if rt.action != "" {
		cond := rt.condKeys(q)
		// Bad tags are reported only to a caller allowed the operation without them.
		var tagErr error
		if rt.tags != 0 {
			if tagErr = requestTags(q, rt.tags); tagErr == nil && q.setsTags {
				cond = withRequestTags(cond, q.tags)
			}
		}
		if rt.existing {
			s.openExisting(q)
			if q.obj != nil {
				cond = withExistingTags(cond, q.obj.Attrs().Tags)
			}
		}
		if err := s.authorize(q, rt.action, rt.resource(q), cond); err != nil {
			return err
		}
		if tagErr != nil {
			return tagErr
		}
		// An upload that tags its object also needs s3:PutObjectTagging, as in AWS.
		if rt.tags == tagsHeader && q.setsTags {
			if err := s.authorize(q, "s3:PutObjectTagging", rt.resource(q), cond); err != nil {
				return err
			}
		}
	} else if q.rec == nil {
		// DeleteObjects authorizes each key; for a missing bucket, ask about the bucket's keys
		// in general so that existence is not revealed to a caller who may delete nothing.
		if err := s.authorize(q, "s3:DeleteObject", objectARN(q.bucket, "*"), nil); err != nil {
			return err
		}
	}
	if rt.level != levelService && q.rec == nil && rt.op != "CreateBucket" {
		return noSuchBucket(q.bucket)
	}
	if err := blockedACL(q, rt); err != nil {
		return err
	}
	return rt.fn(s, q)
}

func bucketARN(bucket string) string      { return "arn:aws:s3:::" + bucket }
func objectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }

// authorize asks the Authorizer, with the bucket policy as the resource policy.
func (s *Service) authorize(q *req, action, resource string, cond *policy.Context) error {
	return s.authz.Authorize(q.ctx(), q.principal(), AuthzRequest{
		Action: action, Resource: resource, Context: cond, ResourcePolicy: q.pol,
	})
}

// missingKey returns NoSuchKey to a caller allowed s3:ListBucket on the bucket and the
// AccessDenied of that check otherwise (spec §12).
func (s *Service) missingKey(q *req) error {
	if err := s.authorize(q, "s3:ListBucket", bucketARN(q.bucket), nil); err != nil {
		return err
	}
	return noSuchKey(q.key)
}

// blobError maps a driver error on an object.
func (s *Service) blobError(q *req, err error) error {
	if errors.Is(err, blob.NotFound) {
		return s.missingKey(q)
	}
	return bodyError(err)
}

// Bucket records.

const bucketNS = "s3/bucket"

type bucketRecord struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Owner   string    `json:"owner"`
	Region  string    `json:"region"`
	Policy  string    `json:"policy,omitempty"`
	// Configs are the stored sub-resource configurations: query parameter ("tagging") → the
	// XML document as GET returns it.
	Configs map[string]string `json:"configs,omitempty"`

	// parsed is set on the records getBucket returns, which are shared and must not be changed.
	parsed *bucketParsed
}

// bucketParsed is what every request needs of a bucket record beyond its fields.
type bucketParsed struct {
	pol    *policy.Policy // nil without a policy; shared, so never to be changed (Name included)
	polErr error
	pab    publicAccessBlockDoc
}

// getBucket reads a bucket's record (through the store's cache when it has one). Records are
// decoded, and their policy and public access block parsed, once per change: the last of each
// bucket is kept with the stored bytes it came from, and reused while they are the same.
func (s *Service) getBucket(ctx context.Context, name string) (*bucketRecord, error) {
	if !validBucketName(name) {
		return nil, nil
	}
	rec, err := store.GetCached(ctx, s.st, bucketNS, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.buckets.decode(name, rec.Value)
}

// bucketCache holds the decoded records of up to bucketCacheMax buckets.
type bucketCache struct {
	mu sync.Mutex
	m  map[string]bucketCached
}

type bucketCached struct {
	raw []byte
	rec *bucketRecord
}

const bucketCacheMax = 1024

func (c *bucketCache) decode(name string, raw []byte) (*bucketRecord, error) {
	c.mu.Lock()
	e, ok := c.m[name]
	c.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return e.rec, nil
	}
	b := new(bucketRecord)
	if err := json.Unmarshal(raw, b); err != nil {
		return nil, err
	}
	p := &bucketParsed{pab: b.publicAccessBlock()}
	p.pol, p.polErr = b.policy()
	b.parsed = p
	c.mu.Lock()
	if c.m == nil || len(c.m) >= bucketCacheMax {
		c.m = map[string]bucketCached{}
	}
	c.m[name] = bucketCached{raw: raw, rec: b}
	c.mu.Unlock()
	return b, nil
}

// validBucketName applies S3's general-purpose bucket naming rules.
func validBucketName(n string) bool {
	if len(n) < 3 || len(n) > 63 {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	if !alnum(n[0]) || !alnum(n[len(n)-1]) {
		return false
	}
	if strings.Contains(n, "..") || strings.Contains(n, ".-") || strings.Contains(n, "-.") {
		return false
	}
	if net.ParseIP(n) != nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(n, p) {
			return false
		}
	}
	for _, suf := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(n, suf) {
			return false
		}
	}
	return true
}
