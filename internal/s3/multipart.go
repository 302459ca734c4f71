package s3

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/blob"
)

type initiateResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ InitiateMultipartUploadResult"`
	Bucket   string
	Key      string
	UploadId string
}

func (s *Service) createUpload(q *req) error {
	if err := checkKey(q.key); err != nil {
		return err
	}
	attrs, err := attrsFromHeaders(q.r.Header)
	if err != nil {
		return err
	}
	attrs.Tags = tagMap(q.tags)
	if alg := strings.ToLower(q.r.Header.Get("x-amz-checksum-algorithm")); alg != "" {
		q.w.Header().Set("x-amz-checksum-algorithm", strings.ToUpper(alg))
	}
	id, err := s.blobs.CreateUpload(q.ctx(), q.bucket, q.key, attrs)
	if err != nil {
		return err
	}
	s.writeXML(q, &initiateResult{Bucket: q.bucket, Key: q.key, UploadId: id})
	return nil
}

// upload checks the uploadId of a request.
func (s *Service) upload(q *req) (*blob.Upload, error) {
	id := q.q.Get("uploadId")
	up, err := s.blobs.GetUpload(q.ctx(), q.bucket, q.key, id)
	if errors.Is(err, blob.NotFound) || errors.Is(err, blob.Invalid) {
		return nil, noSuchUpload(id)
	}
	return up, err
}

func partNumber(q *req) (int, error) {
	v := q.q.Get("partNumber")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 10000 {
		return 0, invalidArgument("partNumber", v, "Part number must be an integer between 1 and 10000, inclusive")
	}
	return n, nil
}

type copyPartResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyPartResult"`
	ETag         string
	LastModified string
}

func (s *Service) uploadPart(q *req) error {
	n, err := partNumber(q)
	if err != nil {
		return err
	}
	up, err := s.upload(q)
	if err != nil {
		return err
	}
	if q.r.Header.Get("x-amz-copy-source") != "" {
		q.c.Operation = "UploadPartCopy"
		return s.uploadPartCopy(q, up, n)
	}
	v, err := newVerifier(q, nil)
	if err != nil {
		return err
	}
	part, err := s.blobs.PutPart(q.ctx(), q.bucket, q.key, up.ID, n, v, v.declared)
	if err != nil {
		if errors.Is(err, blob.NotFound) {
			return noSuchUpload(up.ID)
		}
		return bodyError(err)
	}
	h := q.w.Header()
	h.Set("ETag", quoteETag(part.ETag))
	if v.sum != nil {
		h.Set("x-amz-checksum-"+v.alg, v.wantSum)
	}
	h.Set("Content-Length", "0")
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Service) uploadPartCopy(q *req, up *blob.Upload, n int) error {
	o, err := s.openSource(q)
	if err != nil {
		return err
	}
	defer o.Close()
	a := o.Attrs()
	rng := byteRange{0, a.Size}
	if h := q.r.Header.Get("x-amz-copy-source-range"); h != "" {
		r, ok, unsat := parseRange(h, a.Size)
		if !ok || unsat || r.start+r.length > a.Size || strings.HasPrefix(strings.TrimPrefix(h, "bytes="), "-") {
			return invalidArgument("x-amz-copy-source-range", h, "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
		}
		rng = r
	}
	rd, err := o.Range(rng.start, rng.length)
	if err != nil {
		return err
	}
	part, err := s.blobs.PutPart(q.ctx(), q.bucket, q.key, up.ID, n, rd, rng.length)
	if err != nil {
		if errors.Is(err, blob.NotFound) {
			return noSuchUpload(up.ID)
		}
		return err
	}
	s.writeXML(q, &copyPartResult{ETag: quoteETag(part.ETag), LastModified: xmlTime(part.ModTime)})
	return nil
}

type completeRequest struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int
		ETag       string
	} `xml:"Part"`
}

type completeResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUploadResult"`
	Location string
	Bucket   string
	Key      string
	ETag     string
}

// checkCompletion validates a completion request against the uploaded parts (pure).
func checkCompletion(req []completePart, have []blob.Part, minPart int64) error {
	if len(req) == 0 {
		return malformedXML()
	}
	byNum := make(map[int]blob.Part, len(have))
	for _, p := range have {
		byNum[p.Number] = p
	}
	invalidPart := func(n int, etag string) error {
		return errorf(http.StatusBadRequest, "InvalidPart",
			"One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.").
			With("PartNumber", strconv.Itoa(n)).With("ETag", etag)
	}
	for i, p := range req {
		if i > 0 && p.number <= req[i-1].number {
			return errorf(http.StatusBadRequest, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.")
		}
		got, ok := byNum[p.number]
		if !ok || strings.Trim(p.etag, `"`) != got.ETag {
			return invalidPart(p.number, p.etag)
		}
	}
	for i, p := range req[:len(req)-1] {
		if sz := byNum[p.number].Size; sz < minPart {
			return errorf(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.").
				With("PartNumber", strconv.Itoa(req[i].number)).With("ProposedSize", strconv.FormatInt(sz, 10)).With("MinSizeAllowed", strconv.FormatInt(minPart, 10))
		}
	}
	return nil
}

type completePart struct {
	number int
	etag   string
}

func (s *Service) completeUpload(q *req) error {
	up, err := s.upload(q)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(q.c.Body, 4<<20))
	if err != nil {
		return bodyError(err)
	}
	var cr completeRequest
	if xml.Unmarshal(body, &cr) != nil {
		return malformedXML()
	}
	parts := make([]completePart, 0, len(cr.Parts))
	nums := make([]int, 0, len(cr.Parts))
	for _, p := range cr.Parts {
		parts = append(parts, completePart{p.PartNumber, p.ETag})
		nums = append(nums, p.PartNumber)
	}
	have, err := s.blobs.ListParts(q.ctx(), q.bucket, q.key, up.ID)
	if err != nil {
		return err
	}
	if err := checkCompletion(parts, have, s.minPart); err != nil {
		return err
	}
	got, err := s.blobs.CompleteUpload(q.ctx(), q.bucket, q.key, up.ID, nums)
	if errors.Is(err, blob.NotFound) {
		return noSuchUpload(up.ID)
	}
	if err != nil {
		return err
	}
	s.writeXML(q, &completeResult{Location: "/" + q.bucket + "/" + q.key, Bucket: q.bucket, Key: q.key, ETag: quoteETag(got.ETag)})
	return nil
}

func (s *Service) abortUpload(q *req) error {
	up, err := s.upload(q)
	if err != nil {
		return err
	}
	if err := s.blobs.AbortUpload(q.ctx(), q.bucket, q.key, up.ID); err != nil {
		if errors.Is(err, blob.NotFound) {
			return noSuchUpload(up.ID)
		}
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

type listPartsResult struct {
	XMLName              xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListPartsResult"`
	Bucket               string
	Key                  string
	UploadId             string
	Initiator            owner
	Owner                owner
	StorageClass         string
	PartNumberMarker     int
	NextPartNumberMarker int
	MaxParts             int
	IsTruncated          bool
	Parts                []partEntry `xml:"Part"`
}

type partEntry struct {
	PartNumber   int
	LastModified string
	ETag         string
	Size         int64
}

func (s *Service) listParts(q *req) error {
	up, err := s.upload(q)
	if err != nil {
		return err
	}
	max := 1000
	if v := q.q.Get("max-parts"); v != "" {
		if max, err = strconv.Atoi(v); err != nil || max < 0 {
			return invalidArgument("max-parts", v, "Provided max-parts not an integer or within integer range")
		}
		max = min(max, 1000)
	}
	marker := 0
	if v := q.q.Get("part-number-marker"); v != "" {
		if marker, err = strconv.Atoi(v); err != nil || marker < 0 {
			return invalidArgument("part-number-marker", v, "Provided part-number-marker not an integer or within integer range")
		}
	}
	parts, err := s.blobs.ListParts(q.ctx(), q.bucket, q.key, up.ID)
	if err != nil {
		return err
	}
	out := listPartsResult{Bucket: q.bucket, Key: q.key, UploadId: up.ID, Initiator: s.owner(), Owner: s.owner(),
		StorageClass: "STANDARD", PartNumberMarker: marker, MaxParts: max}
	for _, p := range parts {
		if p.Number <= marker {
			continue
		}
		if len(out.Parts) == max {
			out.IsTruncated = true
			break
		}
		out.Parts = append(out.Parts, partEntry{p.Number, xmlTime(p.ModTime), quoteETag(p.ETag), p.Size})
		out.NextPartNumberMarker = p.Number
	}
	s.writeXML(q, &out)
	return nil
}

type listUploadsResult struct {
	XMLName            xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListMultipartUploadsResult"`
	Bucket             string
	KeyMarker          string
	UploadIdMarker     string
	NextKeyMarker      string
	NextUploadIdMarker string
	Prefix             string
	MaxUploads         int
	IsTruncated        bool
	Uploads            []uploadEntry `xml:"Upload"`
}

type uploadEntry struct {
	Key          string
	UploadId     string
	Initiator    owner
	Owner        owner
	StorageClass string
	Initiated    string
}

func (s *Service) listUploads(q *req) error {
	max := 1000
	if v := q.q.Get("max-uploads"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return invalidArgument("max-uploads", v, "Provided max-uploads not an integer or within integer range")
		}
		max = min(n, 1000)
	}
	prefix, keyMarker, idMarker := q.q.Get("prefix"), q.q.Get("key-marker"), q.q.Get("upload-id-marker")
	ups, err := s.blobs.ListUploads(q.ctx(), q.bucket, prefix)
	if err != nil {
		return err
	}
	out := listUploadsResult{Bucket: q.bucket, KeyMarker: keyMarker, UploadIdMarker: idMarker, Prefix: prefix, MaxUploads: max}
	for _, u := range ups {
		if keyMarker != "" && (u.Key < keyMarker || u.Key == keyMarker && (idMarker == "" || u.ID <= idMarker)) {
			continue
		}
		if len(out.Uploads) == max {
			out.IsTruncated = true
			break
		}
		out.Uploads = append(out.Uploads, uploadEntry{Key: u.Key, UploadId: u.ID, Initiator: s.owner(), Owner: s.owner(),
			StorageClass: "STANDARD", Initiated: xmlTime(u.Initiated)})
		out.NextKeyMarker, out.NextUploadIdMarker = u.Key, u.ID
	}
	s.writeXML(q, &out)
	return nil
}
