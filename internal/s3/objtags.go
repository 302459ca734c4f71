package s3

import (
	"encoding/xml"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/blob"
	"github.com/sluicehq/sluice/internal/policy"
)

// Object tags are stored with the object (blob.Attrs.Tags) and follow the rules of bucket tags
// (checkTags) but the count: at most 10. They arrive in two shapes: the Tagging document of
// PutObjectTagging, and the x-amz-tagging header of PutObject, CreateMultipartUpload (applied at
// completion) and CopyObject with x-amz-tagging-directive REPLACE, a URL query
// "k1=v1&k2=v2". A tag update rewrites the object's attributes, never its bytes
// (blob.Driver.Update), and keeps its ETag and Last-Modified as S3 does.

// parseTagHeader parses an x-amz-tagging header: "&"-separated "key=value" pairs, each
// URL-query-encoded ("+" is a space; a key without "=" has the empty value), validated as
// object tags.
func parseTagHeader(v string) ([]Tag, error) {
	if v == "" {
		return nil, nil
	}
	var tags []Tag
	for part := range strings.SplitSeq(v, "&") {
		if part == "" {
			continue
		}
		k, val, _ := strings.Cut(part, "=")
		dk, err := url.QueryUnescape(k)
		if err == nil {
			val, err = url.QueryUnescape(val)
		}
		if err != nil {
			return nil, invalidArgument("x-amz-tagging", v, "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
		}
		tags = append(tags, Tag{dk, val})
		if len(tags) > maxObjectTags {
			break // enough to fail the count
		}
	}
	if err := checkTags(tags, maxObjectTags, "Object"); err != nil {
		return nil, err
	}
	return tags, nil
}

// parseObjectTagging parses and validates the body of PutObjectTagging.
func parseObjectTagging(body []byte) ([]Tag, error) {
	d, err := parseTagging(body, maxObjectTags, "Object")
	if err != nil {
		return nil, err
	}
	tags := make([]Tag, 0, len(d.TagSet.Tags))
	for _, t := range d.TagSet.Tags {
		tags = append(tags, Tag{*t.Key, *t.Value})
	}
	return tags, nil
}

// tagMap is the stored form of a validated tag list (nil when empty).
func tagMap(tags []Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// withRequestTags adds s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys to c (created when
// nil) for the tags a request sets.
func withRequestTags(c *policy.Context, tags []Tag) *policy.Context {
	if c == nil {
		c = policy.NewContext()
	}
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		c.Set("s3:RequestObjectTag/"+t.Key, t.Value)
		keys = append(keys, t.Key)
	}
	c.SetMulti("s3:RequestObjectTagKeys", keys...)
	return c
}

// withExistingTags adds s3:ExistingObjectTag/<key> to c (created when nil) for a stored
// object's tags; c is returned unchanged when there are none.
func withExistingTags(c *policy.Context, tags map[string]string) *policy.Context {
	if len(tags) == 0 {
		return c
	}
	if c == nil {
		c = policy.NewContext()
	}
	for k, v := range tags {
		c.Set("s3:ExistingObjectTag/"+k, v)
	}
	return c
}

// requestTags reads the tags a request sets, before it is authorized: the x-amz-tagging
// header of an upload (of a copy only with x-amz-tagging-directive REPLACE) or the
// PutObjectTagging body.
func requestTags(q *req, src tagSource) error {
	switch src {
	case tagsHeader:
		h := q.r.Header
		if h.Get("x-amz-copy-source") != "" && h.Get("x-amz-tagging-directive") != "REPLACE" {
			return nil
		}
		tags, err := parseTagHeader(h.Get("x-amz-tagging"))
		if err != nil {
			return err
		}
		q.tags, q.setsTags = tags, len(tags) > 0
	case tagsBody:
		body, err := readConfigBody(q)
		if err != nil {
			return err
		}
		tags, err := parseObjectTagging(body)
		if err != nil {
			return err
		}
		q.tags, q.setsTags = tags, true
	}
	return nil
}

// tagSource says where a route's request carries tags.
type tagSource uint8

const (
	tagsHeader tagSource = iota + 1 // x-amz-tagging
	tagsBody                        // a Tagging document
)

// openExisting opens the object of a route that reads or changes a stored object, before
// authorization, so that its tags can be s3:ExistingObjectTag keys. A failure is kept for the
// handler, which reports it only to an authorized caller.
func (s *Service) openExisting(q *req) {
	if q.rec == nil || checkKey(q.key) != nil {
		return
	}
	q.obj, q.objErr = s.blobs.Open(q.ctx(), q.bucket, q.key)
}

// stored returns the object opened by openExisting, or the error to answer.
func (s *Service) stored(q *req) (blob.Object, error) {
	if err := checkKey(q.key); err != nil {
		return nil, err
	}
	if q.objErr != nil {
		return nil, s.blobError(q, q.objErr)
	}
	if q.obj == nil {
		o, err := s.blobs.Open(q.ctx(), q.bucket, q.key)
		if err != nil {
			return nil, s.blobError(q, err)
		}
		q.obj = o
	}
	return q.obj, nil
}

type taggingResult struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Tagging"`
	TagSet  struct {
		Tags []Tag `xml:"Tag"`
	} `xml:"TagSet"`
}

func (s *Service) getObjectTagging(q *req) error {
	o, err := s.stored(q)
	if err != nil {
		return err
	}
	tags := o.Attrs().Tags
	var out taggingResult
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out.TagSet.Tags = append(out.TagSet.Tags, Tag{k, tags[k]})
	}
	s.writeXML(q, &out)
	return nil
}

// setObjectTags replaces the tags of the addressed object with tags (none: removes them).
func (s *Service) setObjectTags(q *req, tags map[string]string) error {
	if _, err := s.stored(q); err != nil {
		return err
	}
	_, err := s.blobs.Update(q.ctx(), q.bucket, q.key, func(a *blob.Attrs) error {
		a.Tags = tags
		return nil
	})
	if err != nil {
		return s.blobError(q, err)
	}
	return nil
}

func (s *Service) putObjectTagging(q *req) error {
	if err := s.setObjectTags(q, tagMap(q.tags)); err != nil {
		return err
	}
	q.w.Header().Set("Content-Length", "0")
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Service) deleteObjectTagging(q *req) error {
	if err := s.setObjectTags(q, nil); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// setTagCount sets x-amz-tagging-count for an object with tags.
func setTagCount(h http.Header, a *blob.Attrs) {
	if len(a.Tags) > 0 {
		h.Set("x-amz-tagging-count", strconv.Itoa(len(a.Tags)))
	}
}
