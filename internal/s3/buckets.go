package s3

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/sluicehq/sluice/internal/blob"
	"github.com/sluicehq/sluice/internal/policy"
	"github.com/sluicehq/sluice/internal/store"
)

const timeFormat = "2006-01-02T15:04:05.000Z"

func xmlTime(t time.Time) string { return t.UTC().Format(timeFormat) }

type owner struct {
	ID          string
	DisplayName string
}

func (s *Service) owner() owner { return owner{ID: string(s.account), DisplayName: string(s.account)} }

type listAllMyBucketsResult struct {
	XMLName xml.Name      `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
	Owner   owner         `xml:"Owner"`
	Buckets []bucketEntry `xml:"Buckets>Bucket"`
}

type bucketEntry struct {
	Name         string
	CreationDate string
	BucketRegion string `xml:",omitempty"`
}

func (s *Service) listBuckets(q *req) error {
	recs, err := s.st.List(q.ctx(), bucketNS, store.ListOptions{})
	if err != nil {
		return err
	}
	out := listAllMyBucketsResult{Owner: s.owner(), Buckets: []bucketEntry{}}
	for _, r := range recs {
		var b bucketRecord
		if err := json.Unmarshal(r.Value, &b); err != nil {
			return err
		}
		out.Buckets = append(out.Buckets, bucketEntry{Name: b.Name, CreationDate: xmlTime(b.Created), BucketRegion: b.Region})
	}
	s.writeXML(q, &out)
	return nil
}

type createBucketConfiguration struct {
	LocationConstraint string
}

func (s *Service) createBucket(q *req) error {
	if !validBucketName(q.bucket) {
		return errorf(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.").With("BucketName", q.bucket)
	}
	body, err := io.ReadAll(io.LimitReader(q.c.Body, 64<<10))
	if err != nil {
		return bodyError(err)
	}
	if len(body) > 0 {
		var cfg createBucketConfiguration
		if xml.Unmarshal(body, &cfg) != nil {
			return malformedXML()
		}
		if lc := cfg.LocationConstraint; lc != "" && lc != s.region && !(lc == "US" && s.region == "us-east-1") {
			return errorf(http.StatusBadRequest, "IllegalLocationConstraintException",
				"The %s location constraint is incompatible for the region specific endpoint this request was sent to.", lc)
		}
	}
	// As on AWS since April 2023, a new bucket blocks public access (all four settings on) until
	// its owner deletes or relaxes the block.
	rec := bucketRecord{Name: q.bucket, Created: s.now().UTC().Truncate(time.Millisecond), Owner: string(s.account), Region: s.region,
		Configs: map[string]string{"publicAccessBlock": defaultPublicAccessBlock}}
	data, _ := json.Marshal(rec)
	err = s.st.Update(q.ctx(), func(tx store.Tx) error {
		_, err := tx.Create(q.ctx(), bucketNS, q.bucket, data)
		return err
	})
	if errors.Is(err, store.ErrExists) {
		return errorf(http.StatusConflict, "BucketAlreadyOwnedByYou",
			"Your previous request to create the named bucket succeeded and you already own it.").With("BucketName", q.bucket)
	}
	if err != nil {
		return err
	}
	q.w.Header().Set("Location", "/"+q.bucket)
	q.w.Header().Set("Content-Length", "0")
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Service) deleteBucket(q *req) error {
	es, err := s.blobs.List(q.ctx(), q.bucket, blob.ListOptions{Limit: 1})
	if err != nil {
		return err
	}
	if len(es) > 0 {
		return errorf(http.StatusConflict, "BucketNotEmpty", "The bucket you tried to delete is not empty").With("BucketName", q.bucket)
	}
	ups, err := s.blobs.ListUploads(q.ctx(), q.bucket, "")
	if err != nil {
		return err
	}
	for _, u := range ups {
		if err := s.blobs.AbortUpload(q.ctx(), q.bucket, u.Key, u.ID); err != nil && !errors.Is(err, blob.NotFound) {
			return err
		}
	}
	err = s.st.Update(q.ctx(), func(tx store.Tx) error { return tx.Delete(q.ctx(), bucketNS, q.bucket) })
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) headBucket(q *req) error {
	h := q.w.Header()
	h.Set("x-amz-bucket-region", q.rec.Region)
	h.Set("Content-Length", "0")
	q.w.WriteHeader(http.StatusOK)
	return nil
}

type locationConstraint struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
	Value   string   `xml:",chardata"`
}

func (s *Service) getBucketLocation(q *req) error {
	v := q.rec.Region
	if v == "us-east-1" {
		v = ""
	}
	s.writeXML(q, &locationConstraint{Value: v})
	return nil
}

const maxBucketPolicy = 20 << 10

func (s *Service) putBucketPolicy(q *req) error {
	doc, err := io.ReadAll(io.LimitReader(q.c.Body, maxBucketPolicy+1))
	if err != nil {
		return bodyError(err)
	}
	if len(doc) > maxBucketPolicy {
		return errorf(http.StatusBadRequest, "PolicyTooLarge", "Policy exceeds the maximum allowed document size.")
	}
	pol, err := policy.Parse(doc, policy.Resource)
	if err != nil {
		var pe *policy.Error
		msg := "Policies must be valid JSON and the first byte must be '{'"
		if errors.As(err, &pe) {
			msg = pe.Message
		}
		return errorf(http.StatusBadRequest, "MalformedPolicy", "%s", msg)
	}
	if err := s.updateBucket(q, func(b *bucketRecord) error {
		if err := blockedPolicy(q, b, pol); err != nil {
			return err
		}
		b.Policy = string(doc)
		return nil
	}); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) updateBucket(q *req, fn func(b *bucketRecord) error) error {
	return s.st.Update(q.ctx(), func(tx store.Tx) error {
		rec, err := tx.Get(q.ctx(), bucketNS, q.bucket)
		if errors.Is(err, store.ErrNotFound) {
			return noSuchBucket(q.bucket)
		}
		if err != nil {
			return err
		}
		var b bucketRecord
		if err := json.Unmarshal(rec.Value, &b); err != nil {
			return err
		}
		if err := fn(&b); err != nil {
			return err
		}
		data, _ := json.Marshal(b)
		_, err = tx.Put(q.ctx(), bucketNS, q.bucket, data)
		return err
	})
}

func (s *Service) getBucketPolicy(q *req) error {
	if q.rec.Policy == "" {
		return errorf(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist").With("BucketName", q.bucket)
	}
	h := q.w.Header()
	h.Set("Content-Type", "application/json")
	q.w.WriteHeader(http.StatusOK)
	if q.r.Method != http.MethodHead {
		io.WriteString(q.w, q.rec.Policy)
	}
	return nil
}

func (s *Service) deleteBucketPolicy(q *req) error {
	if err := s.updateBucket(q, func(b *bucketRecord) error { b.Policy = ""; return nil }); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

type accessControlPolicy struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ AccessControlPolicy"`
	Owner   owner
	Grants  []grant `xml:"AccessControlList>Grant"`
}

type grant struct {
	Grantee    grantee
	Permission string
}

type grantee struct {
	XMLNS       string `xml:"xmlns:xsi,attr"`
	Type        string `xml:"xsi:type,attr"`
	ID          string
	DisplayName string
}

func (s *Service) acl() *accessControlPolicy {
	o := s.owner()
	return &accessControlPolicy{Owner: o, Grants: []grant{{
		Grantee:    grantee{XMLNS: "http://www.w3.org/2001/XMLSchema-instance", Type: "CanonicalUser", ID: o.ID, DisplayName: o.DisplayName},
		Permission: "FULL_CONTROL",
	}}}
}

func (s *Service) getACL(q *req) error {
	s.writeXML(q, s.acl())
	return nil
}

func (s *Service) getObjectACL(q *req) error {
	if _, err := s.stored(q); err != nil {
		return err
	}
	s.writeXML(q, s.acl())
	return nil
}
