package s3

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sluicehq/sluice/internal/blob"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/sigv4"
)

const (
	maxObjectSize = 5 << 30 // single PUT
	maxMetadata   = 2 << 10 // user metadata, bytes of names and values
)

// checksumAlgorithms are the x-amz-checksum-* algorithms, lower case.
var checksumAlgorithms = []string{"crc32", "crc32c", "crc64nvme", "sha1", "sha256"}

var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

func newChecksum(alg string) hash.Hash {
	switch alg {
	case "crc32":
		return crc32.NewIEEE()
	case "crc32c":
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "crc64nvme":
		return crc64.New(crc64NVME)
	case "sha1":
		return sha1.New()
	case "sha256":
		return sha256.New()
	}
	return nil
}

// attrsFromHeaders reads the stored attributes of an upload from its headers.
func attrsFromHeaders(h http.Header) (*blob.Attrs, error) {
	a := &blob.Attrs{
		ContentType:        h.Get("Content-Type"),
		ContentDisposition: h.Get("Content-Disposition"),
		ContentLanguage:    h.Get("Content-Language"),
		CacheControl:       h.Get("Cache-Control"),
		Expires:            h.Get("Expires"),
	}
	var enc []string
	for _, e := range strings.Split(h.Get("Content-Encoding"), ",") {
		if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "aws-chunked") {
			enc = append(enc, e)
		}
	}
	a.ContentEncoding = strings.Join(enc, ",")
	if a.ContentType == "" {
		a.ContentType = "binary/octet-stream"
	}
	size := 0
	for name, vs := range h {
		lower := strings.ToLower(name)
		if m, ok := strings.CutPrefix(lower, "x-amz-meta-"); ok {
			if a.Metadata == nil {
				a.Metadata = map[string]string{}
			}
			v := strings.Join(vs, ",")
			a.Metadata[m] = v
			size += len(m) + len(v)
		}
	}
	if size > maxMetadata {
		return nil, errorf(http.StatusBadRequest, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size").
			With("Size", strconv.Itoa(size)).With("MaxSizeAllowed", strconv.Itoa(maxMetadata))
	}
	return a, nil
}

// verifier reads an upload body and checks, at its end, the declared length, Content-MD5 and an
// x-amz-checksum-* header; a failure is returned from Read instead of io.EOF.
type verifier struct {
	src      io.Reader
	n        int64
	declared int64
	md5      hash.Hash
	wantMD5  []byte
	alg      string
	sum      hash.Hash
	wantSum  string
	attrs    *blob.Attrs // receives the verified checksums at EOF
	trailers func() http.Header
	err      error
}

func newVerifier(q *req, attrs *blob.Attrs) (*verifier, error) {
	v := &verifier{src: q.c.Body, declared: -1, attrs: attrs}
	if b, ok := q.c.Body.(*sigv4.Body); ok {
		v.declared = b.DecodedLength()
		v.trailers = b.Trailers
	} else if q.r.ContentLength >= 0 {
		v.declared = q.r.ContentLength
	}
	if v.declared < 0 {
		return nil, errorf(http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.")
	}
	if v.declared > maxObjectSize {
		return nil, errorf(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size").
			With("ProposedSize", strconv.FormatInt(v.declared, 10)).With("MaxSizeAllowed", strconv.Itoa(maxObjectSize))
	}
	if m := q.r.Header.Get("Content-MD5"); m != "" {
		want, err := base64.StdEncoding.DecodeString(m)
		if err != nil || len(want) != md5.Size {
			return nil, errorf(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified was invalid.")
		}
		v.md5, v.wantMD5 = md5.New(), want
	}
	for _, alg := range checksumAlgorithms {
		if val := q.r.Header.Get("x-amz-checksum-" + alg); val != "" {
			if v.sum != nil {
				return nil, invalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
			}
			raw, err := base64.StdEncoding.DecodeString(val)
			v.alg, v.sum, v.wantSum = alg, newChecksum(alg), val
			if err != nil || len(raw) != v.sum.Size() {
				return nil, invalidRequest("Value for x-amz-checksum-%s header is invalid.", alg)
			}
		}
	}
	return v, nil
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.src.Read(p)
	if n > 0 {
		v.n += int64(n)
		if v.md5 != nil {
			v.md5.Write(p[:n])
		}
		if v.sum != nil {
			v.sum.Write(p[:n])
		}
		if v.n > v.declared {
			err = errorf(http.StatusBadRequest, "IncompleteBody", "The request body is longer than its declared length.")
		}
	}
	if err == io.EOF {
		err = v.finish()
	}
	if err != nil {
		v.err = err
	}
	return n, err
}

func (v *verifier) finish() error {
	if v.n != v.declared {
		return errorf(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
	}
	if v.md5 != nil {
		if err := v.CheckMD5(v.md5.Sum(nil)); err != nil {
			return err
		}
	}
	if v.sum != nil {
		if base64.StdEncoding.EncodeToString(v.sum.Sum(nil)) != v.wantSum {
			return errorf(http.StatusBadRequest, "BadDigest", "The %s you specified did not match the calculated checksum.", strings.ToUpper(v.alg))
		}
		v.record(v.alg, v.wantSum)
	}
	if v.trailers != nil {
		for name, vals := range v.trailers() {
			if alg, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-checksum-"); ok && len(vals) > 0 {
				v.record(alg, vals[0])
			}
		}
	}
	return io.EOF
}

// TakeMD5 implements blob.DigestSource: the driver, which hashes the bytes for the ETag, checks
// Content-MD5 instead of the verifier hashing them a second time.
func (v *verifier) TakeMD5() bool {
	if v.wantMD5 == nil {
		return false
	}
	v.md5 = nil
	return true
}

// CheckMD5 implements blob.DigestSource.
func (v *verifier) CheckMD5(sum []byte) error {
	if !bytes.Equal(sum, v.wantMD5) {
		return errorf(http.StatusBadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.")
	}
	return nil
}

func (v *verifier) record(alg, val string) {
	if v.attrs == nil {
		return
	}
	if v.attrs.Checksums == nil {
		v.attrs.Checksums = map[string]string{}
	}
	v.attrs.Checksums[alg] = val
}

func checkKey(key string) error {
	if !utf8.ValidString(key) {
		return errorf(http.StatusBadRequest, "InvalidURI", "Couldn't parse the specified URI.")
	}
	if len(key) > blob.MaxKeyLen {
		return errorf(http.StatusBadRequest, "KeyTooLongError", "Your key is too long").
			With("Size", strconv.Itoa(len(key))).With("MaxSizeAllowed", strconv.Itoa(blob.MaxKeyLen))
	}
	return nil
}

func quoteETag(e string) string { return `"` + e + `"` }

func (s *Service) putObject(q *req) error {
	if err := checkKey(q.key); err != nil {
		return err
	}
	if q.r.Header.Get("x-amz-copy-source") != "" {
		q.c.Operation = "CopyObject"
		return s.copyObject(q)
	}
	attrs, err := attrsFromHeaders(q.r.Header)
	if err != nil {
		return err
	}
	attrs.Tags = tagMap(q.tags)
	v, err := newVerifier(q, attrs)
	if err != nil {
		return err
	}
	attrs.Size = v.declared
	got, err := s.blobs.Put(q.ctx(), q.bucket, q.key, v, attrs)
	if err != nil {
		return bodyError(err)
	}
	h := q.w.Header()
	h.Set("ETag", quoteETag(got.ETag))
	for alg, val := range got.Checksums {
		h.Set("x-amz-checksum-"+alg, val)
	}
	h.Set("Content-Length", "0")
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// copySource parses x-amz-copy-source: "[/]bucket/key[?versionId=…]", URL-encoded.
func copySource(v string) (bucket, key string, err error) {
	if i := strings.Index(v, "?"); i >= 0 {
		v = v[:i]
	}
	dec, uerr := url.PathUnescape(v)
	if uerr != nil {
		return "", "", invalidArgument("x-amz-copy-source", v, "Invalid copy source encoding.")
	}
	dec = strings.TrimPrefix(dec, "/")
	bucket, key, ok := strings.Cut(dec, "/")
	if !ok || bucket == "" || key == "" {
		return "", "", invalidArgument("x-amz-copy-source", v, "Invalid copy source object key")
	}
	return bucket, key, nil
}

// openSource opens the copy source after authorizing s3:GetObject on it.
func (s *Service) openSource(q *req) (blob.Object, error) {
	bucket, key, err := copySource(q.r.Header.Get("x-amz-copy-source"))
	if err != nil {
		return nil, err
	}
	src := &req{w: q.w, r: q.r, c: q.c, q: q.q, bucket: bucket, key: key, hasKey: true}
	rec, err := s.getBucket(q.ctx(), bucket)
	if err != nil {
		return nil, err
	}
	if src.pol, err = resourcePolicy(rec, q.principal()); err != nil {
		return nil, err
	}
	// Opened before authorization, so that the source's tags are s3:ExistingObjectTag keys.
	src.rec = rec
	s.openExisting(src)
	var cond *policy.Context
	if src.obj != nil {
		cond = withExistingTags(nil, src.obj.Attrs().Tags)
	}
	if err := s.authorize(src, "s3:GetObject", objectARN(bucket, key), cond); err != nil {
		if src.obj != nil {
			src.obj.Close()
		}
		return nil, err
	}
	if rec == nil {
		return nil, noSuchBucket(bucket)
	}
	o, err := s.stored(src)
	if err != nil {
		return nil, err
	}
	if err := copyConditions(q.r.Header, o.Attrs()); err != nil {
		o.Close()
		return nil, err
	}
	return o, nil
}

func copyConditions(h http.Header, a *blob.Attrs) error {
	fail := func() error {
		return errorf(http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold").With("Condition", "x-amz-copy-source-If-Match")
	}
	if m := h.Get("x-amz-copy-source-if-match"); m != "" && !etagMatch(m, a.ETag) {
		return fail()
	}
	if m := h.Get("x-amz-copy-source-if-none-match"); m != "" && etagMatch(m, a.ETag) {
		return fail()
	}
	if t, err := http.ParseTime(h.Get("x-amz-copy-source-if-unmodified-since")); err == nil && a.ModTime.Truncate(time.Second).After(t) {
		return fail()
	}
	if t, err := http.ParseTime(h.Get("x-amz-copy-source-if-modified-since")); err == nil && !a.ModTime.Truncate(time.Second).After(t) {
		return fail()
	}
	return nil
}

type copyObjectResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyObjectResult"`
	ETag         string
	LastModified string
}

func (s *Service) copyObject(q *req) error {
	o, err := s.openSource(q)
	if err != nil {
		return err
	}
	defer o.Close()
	src := o.Attrs()
	srcBucket, srcKey, _ := copySource(q.r.Header.Get("x-amz-copy-source"))
	directive := q.r.Header.Get("x-amz-metadata-directive")
	var attrs *blob.Attrs
	switch directive {
	case "", "COPY":
		if srcBucket == q.bucket && srcKey == q.key {
			return invalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
		}
		a := *src
		attrs = &a
	case "REPLACE":
		if attrs, err = attrsFromHeaders(q.r.Header); err != nil {
			return err
		}
		attrs.Checksums = nil
	default:
		return invalidArgument("x-amz-metadata-directive", directive, "Unknown metadata directive.")
	}
	switch td := q.r.Header.Get("x-amz-tagging-directive"); td {
	case "", "COPY":
		attrs.Tags = maps.Clone(src.Tags)
	case "REPLACE":
		attrs.Tags = tagMap(q.tags) // read and authorized with the request (requestTags)
	default:
		return invalidArgument("x-amz-tagging-directive", td, "Unknown tagging directive.")
	}
	if src.Size > maxObjectSize {
		return invalidRequest("The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
	}
	rd, err := o.Range(0, src.Size)
	if err != nil {
		return err
	}
	attrs.Size = src.Size
	got, err := s.blobs.Put(q.ctx(), q.bucket, q.key, rd, attrs)
	if err != nil {
		return err
	}
	s.writeXML(q, &copyObjectResult{ETag: quoteETag(got.ETag), LastModified: xmlTime(got.ModTime)})
	return nil
}

func (s *Service) deleteObject(q *req) error {
	if err := s.blobs.Delete(q.ctx(), q.bucket, q.key); err != nil && !errors.Is(err, blob.NotFound) {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

type deleteRequest struct {
	Quiet   bool
	Objects []struct {
		Key       string
		VersionId string
	} `xml:"Object"`
}

type deleteResult struct {
	XMLName xml.Name        `xml:"http://s3.amazonaws.com/doc/2006-03-01/ DeleteResult"`
	Deleted []deletedEntry  `xml:"Deleted"`
	Errors  []deleteFailure `xml:"Error"`
}

type deletedEntry struct{ Key string }

type deleteFailure struct {
	Key     string
	Code    string
	Message string
}

func (s *Service) deleteObjects(q *req) error {
	v, err := newVerifier(q, nil)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(v, 2<<20))
	if err != nil {
		return bodyError(err)
	}
	var dr deleteRequest
	if xml.Unmarshal(body, &dr) != nil {
		return malformedXML()
	}
	if len(dr.Objects) == 0 || len(dr.Objects) > 1000 {
		return malformedXML()
	}
	out := deleteResult{}
	for _, o := range dr.Objects {
		oq := *q
		oq.key, oq.hasKey = o.Key, true
		err := s.authorize(&oq, "s3:DeleteObject", objectARN(q.bucket, o.Key), nil)
		if err == nil {
			if err = checkKey(o.Key); err == nil && o.Key != "" {
				if derr := s.blobs.Delete(q.ctx(), q.bucket, o.Key); derr != nil && !errors.Is(derr, blob.NotFound) {
					err = derr
				}
			}
		}
		if err != nil {
			e := s.publicError(err)
			out.Errors = append(out.Errors, deleteFailure{Key: o.Key, Code: e.Code, Message: e.Message})
			continue
		}
		if !dr.Quiet {
			out.Deleted = append(out.Deleted, deletedEntry{Key: o.Key})
		}
	}
	s.writeXML(q, &out)
	return nil
}

// etagMatch reports whether an If-Match / If-None-Match header value matches etag.
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		t = strings.TrimPrefix(t, "W/")
		if t == "*" || strings.Trim(t, `"`) == etag {
			return true
		}
	}
	return false
}
