package s3

import (
	"encoding/base64"
	"encoding/xml"
	"net/url"
	"strconv"
	"strings"

	"github.com/sluicehq/sluice/internal/blob"
)

// listing is the result of folding a key range by a delimiter.
type listing struct {
	objects    []blob.Entry
	prefixes   []string
	truncated  bool
	nextMarker string // last key or common prefix returned
}

// maxKeySuffix sorts after any UTF-8 continuation: start-after of "p" + maxKeySuffix skips every
// key that starts with p.
const maxKeySuffix = "\U0010FFFF\U0010FFFF"

// list collects up to max entries (objects and common prefixes) after startAfter.
func (s *Service) list(q *req, prefix, delimiter, startAfter string, max int) (*listing, error) {
	out := &listing{}
	after := startAfter
	lastPrefix := ""
	if max == 0 {
		return out, nil
	}
	for {
		batch, err := s.blobs.List(q.ctx(), q.bucket, blob.ListOptions{Prefix: prefix, StartAfter: after, Limit: min(max+1, 1000)})
		if err != nil {
			return nil, err
		}
		for _, e := range batch {
			after = e.Key
			if delimiter != "" {
				if i := strings.Index(e.Key[len(prefix):], delimiter); i >= 0 {
					cp := e.Key[:len(prefix)+i+len(delimiter)]
					if cp == lastPrefix {
						continue
					}
					if len(out.objects)+len(out.prefixes) == max {
						out.truncated = true
						return out, nil
					}
					out.prefixes = append(out.prefixes, cp)
					lastPrefix, out.nextMarker = cp, cp
					after = cp + maxKeySuffix
					break // restart the scan past this prefix
				}
			}
			if len(out.objects)+len(out.prefixes) == max {
				out.truncated = true
				return out, nil
			}
			out.objects = append(out.objects, e)
			out.nextMarker = e.Key
		}
		if len(batch) == 0 {
			return out, nil
		}
		if delimiter == "" && len(batch) < min(max+1, 1000) {
			return out, nil
		}
	}
}

func maxKeys(q *req) (int, error) {
	v := q.q.Get("max-keys")
	if v == "" {
		return 1000, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, invalidArgument("max-keys", v, "Provided max-keys not an integer or within integer range")
	}
	return min(n, 1000), nil
}

func encodingType(q *req) (bool, error) {
	switch v := q.q.Get("encoding-type"); v {
	case "":
		return false, nil
	case "url":
		return true, nil
	default:
		return false, invalidArgument("encoding-type", v, "Invalid Encoding Method specified in Request")
	}
}

// encodeKey URL-encodes like S3 ("+" for space, "/" kept) when enc is set.
func encodeKey(s string, enc bool) string {
	if !enc {
		return s
	}
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}

type object struct {
	Key          string
	LastModified string
	ETag         string
	Size         int64
	StorageClass string
	Owner        *owner `xml:",omitempty"`
}

type commonPrefix struct{ Prefix string }

type listBucketResultV2 struct {
	XMLName               xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string
	Prefix                string
	Delimiter             string `xml:",omitempty"`
	MaxKeys               int
	KeyCount              int
	IsTruncated           bool
	ContinuationToken     string `xml:",omitempty"`
	NextContinuationToken string `xml:",omitempty"`
	StartAfter            string `xml:",omitempty"`
	EncodingType          string `xml:",omitempty"`
	Contents              []object
	CommonPrefixes        []commonPrefix
}

func (s *Service) objects(l *listing, enc, fetchOwner bool) ([]object, []commonPrefix) {
	objs := make([]object, 0, len(l.objects))
	for _, e := range l.objects {
		o := object{Key: encodeKey(e.Key, enc), LastModified: xmlTime(e.ModTime), ETag: quoteETag(e.ETag), Size: e.Size, StorageClass: "STANDARD"}
		if fetchOwner {
			ow := s.owner()
			o.Owner = &ow
		}
		objs = append(objs, o)
	}
	var cps []commonPrefix
	for _, p := range l.prefixes {
		cps = append(cps, commonPrefix{encodeKey(p, enc)})
	}
	return objs, cps
}

func (s *Service) listObjectsV2(q *req) error {
	if v := q.q.Get("list-type"); v != "2" {
		return invalidArgument("list-type", v, "Invalid List Type specified in Request")
	}
	max, err := maxKeys(q)
	if err != nil {
		return err
	}
	enc, err := encodingType(q)
	if err != nil {
		return err
	}
	prefix, delim, startAfter := q.q.Get("prefix"), q.q.Get("delimiter"), q.q.Get("start-after")
	after := startAfter
	token := q.q.Get("continuation-token")
	if q.q.Has("continuation-token") {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || token == "" {
			return invalidArgument("continuation-token", token, "The continuation token provided is incorrect")
		}
		after = string(raw)
	}
	l, err := s.list(q, prefix, delim, after, max)
	if err != nil {
		return err
	}
	objs, cps := s.objects(l, enc, q.q.Get("fetch-owner") == "true")
	out := listBucketResultV2{
		Name: q.bucket, Prefix: encodeKey(prefix, enc), Delimiter: encodeKey(delim, enc), MaxKeys: max,
		KeyCount: len(objs) + len(cps), IsTruncated: l.truncated, ContinuationToken: token,
		StartAfter: encodeKey(startAfter, enc), Contents: objs, CommonPrefixes: cps,
	}
	if enc {
		out.EncodingType = "url"
	}
	if l.truncated {
		next := l.nextMarker
		if len(l.prefixes) > 0 && l.prefixes[len(l.prefixes)-1] == next {
			next += maxKeySuffix
		}
		out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	s.writeXML(q, &out)
	return nil
}

type listBucketResultV1 struct {
	XMLName        xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name           string
	Prefix         string
	Marker         string
	NextMarker     string `xml:",omitempty"`
	Delimiter      string `xml:",omitempty"`
	MaxKeys        int
	IsTruncated    bool
	EncodingType   string `xml:",omitempty"`
	Contents       []object
	CommonPrefixes []commonPrefix
}

func (s *Service) listObjectsV1(q *req) error {
	max, err := maxKeys(q)
	if err != nil {
		return err
	}
	enc, err := encodingType(q)
	if err != nil {
		return err
	}
	prefix, delim, marker := q.q.Get("prefix"), q.q.Get("delimiter"), q.q.Get("marker")
	after := marker
	if delim != "" && strings.HasSuffix(marker, delim) && strings.HasPrefix(marker, prefix) {
		after = marker + maxKeySuffix // a common prefix as marker skips its keys
	}
	l, err := s.list(q, prefix, delim, after, max)
	if err != nil {
		return err
	}
	objs, cps := s.objects(l, enc, true)
	out := listBucketResultV1{
		Name: q.bucket, Prefix: encodeKey(prefix, enc), Marker: encodeKey(marker, enc), Delimiter: encodeKey(delim, enc),
		MaxKeys: max, IsTruncated: l.truncated, Contents: objs, CommonPrefixes: cps,
	}
	if l.truncated && delim != "" {
		out.NextMarker = encodeKey(l.nextMarker, enc)
	}
	if enc {
		out.EncodingType = "url"
	}
	s.writeXML(q, &out)
	return nil
}

type listVersionsResult struct {
	XMLName             xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListVersionsResult"`
	Name                string
	Prefix              string
	KeyMarker           string
	VersionIdMarker     string
	NextKeyMarker       string `xml:",omitempty"`
	NextVersionIdMarker string `xml:",omitempty"`
	Delimiter           string `xml:",omitempty"`
	MaxKeys             int
	IsTruncated         bool
	EncodingType        string    `xml:",omitempty"`
	Versions            []version `xml:"Version"`
	CommonPrefixes      []commonPrefix
}

type version struct {
	Key          string
	VersionId    string
	IsLatest     bool
	LastModified string
	ETag         string
	Size         int64
	StorageClass string
	Owner        owner
}

// listVersions answers as an unversioned bucket does: every object is its only version, "null".
func (s *Service) listVersions(q *req) error {
	max, err := maxKeys(q)
	if err != nil {
		return err
	}
	enc, err := encodingType(q)
	if err != nil {
		return err
	}
	prefix, delim, marker := q.q.Get("prefix"), q.q.Get("delimiter"), q.q.Get("key-marker")
	l, err := s.list(q, prefix, delim, marker, max)
	if err != nil {
		return err
	}
	out := listVersionsResult{Name: q.bucket, Prefix: encodeKey(prefix, enc), KeyMarker: encodeKey(marker, enc),
		Delimiter: encodeKey(delim, enc), MaxKeys: max, IsTruncated: l.truncated}
	for _, e := range l.objects {
		out.Versions = append(out.Versions, version{Key: encodeKey(e.Key, enc), VersionId: "null", IsLatest: true,
			LastModified: xmlTime(e.ModTime), ETag: quoteETag(e.ETag), Size: e.Size, StorageClass: "STANDARD", Owner: s.owner()})
	}
	for _, p := range l.prefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{encodeKey(p, enc)})
	}
	if l.truncated {
		out.NextKeyMarker, out.NextVersionIdMarker = encodeKey(l.nextMarker, enc), "null"
	}
	if enc {
		out.EncodingType = "url"
	}
	s.writeXML(q, &out)
	return nil
}
