package s3

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/blob"
	"github.com/sluicehq/sluice/internal/policy"
)

func parseStoredPolicy(doc string) (*policy.Policy, error) {
	return policy.Parse([]byte(doc), policy.Resource)
}

// publicError is what a client sees of err.
func (s *Service) publicError(err error) *awsproto.Error {
	if e := awsproto.As(err); e != nil {
		return e
	}
	return errorf(http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
}

// smallBody is the largest body GetObject reads into memory instead of streaming.
const smallBody = 64 << 10

// byteRange is a resolved single range [start, start+length).
type byteRange struct{ start, length int64 }

// parseRange resolves a Range header against size. ok is false when the header is absent or
// not a single well-formed bytes range (S3 then serves the whole object); unsatisfiable is true
// when it is well-formed but selects nothing.
func parseRange(h string, size int64) (r byteRange, ok, unsatisfiable bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return r, false, false
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return r, false, false
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 0 {
			return r, false, false
		}
		if n == 0 {
			return r, true, true
		}
		n = min(n, size)
		return byteRange{size - n, n}, true, size == 0
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return r, false, false
	}
	end := size - 1
	if b != "" {
		e, err := strconv.ParseInt(b, 10, 64)
		if err != nil || e < start {
			return r, false, false
		}
		end = min(e, size-1)
	}
	if start >= size {
		return r, true, true
	}
	return byteRange{start, end - start + 1}, true, false
}

// conditions evaluates the conditional request headers (RFC 9110 order, as S3 applies it):
// 412 for a failed If-Match / If-Unmodified-Since, 304 for a matched If-None-Match /
// If-Modified-Since.
func conditions(h http.Header, a *blob.Attrs) int {
	mod := a.ModTime.Truncate(time.Second)
	if m := h.Get("If-Match"); m != "" {
		if !etagMatch(m, a.ETag) {
			return http.StatusPreconditionFailed
		}
	} else if t, ok := headerTime(h, "If-Unmodified-Since"); ok && mod.After(t) {
		return http.StatusPreconditionFailed
	}
	if m := h.Get("If-None-Match"); m != "" {
		if etagMatch(m, a.ETag) {
			return http.StatusNotModified
		}
	} else if t, ok := headerTime(h, "If-Modified-Since"); ok && !mod.After(t) {
		return http.StatusNotModified
	}
	return 0
}

// headerTime parses an HTTP date header; ok is false when it is absent or malformed.
func headerTime(h http.Header, name string) (t time.Time, ok bool) {
	v := h.Get(name)
	if v == "" {
		return t, false // http.ParseTime would allocate its errors
	}
	t, err := http.ParseTime(v)
	return t, err == nil
}

// responseOverrides are the query parameters that override response headers.
var responseOverrides = []struct{ param, header string }{
	{"response-content-type", "Content-Type"},
	{"response-content-language", "Content-Language"},
	{"response-expires", "Expires"},
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
}

func setObjectHeaders(h http.Header, a *blob.Attrs) {
	h.Set("ETag", quoteETag(a.ETag))
	h.Set("Last-Modified", a.ModTime.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Type", a.ContentType)
	for _, kv := range [...][2]string{
		{"Content-Encoding", a.ContentEncoding}, {"Content-Disposition", a.ContentDisposition},
		{"Content-Language", a.ContentLanguage}, {"Cache-Control", a.CacheControl}, {"Expires", a.Expires},
	} {
		if kv[1] != "" {
			h.Set(kv[0], kv[1])
		}
	}
	for k, v := range a.Metadata {
		h["X-Amz-Meta-"+k] = []string{v}
	}
	if a.Parts > 0 {
		h.Set("x-amz-mp-parts-count", strconv.Itoa(a.Parts))
	}
	setTagCount(h, a)
}

func (s *Service) getObject(q *req) error {
	o, err := s.stored(q)
	if err != nil {
		return err
	}
	a := o.Attrs()
	h := q.w.Header()
	switch conditions(q.r.Header, a) {
	case http.StatusPreconditionFailed:
		return errorf(http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold").With("Condition", "If-Match")
	case http.StatusNotModified:
		h.Set("ETag", quoteETag(a.ETag))
		h.Set("Last-Modified", a.ModTime.UTC().Format(http.TimeFormat))
		q.w.WriteHeader(http.StatusNotModified)
		return nil
	}
	rng, partial, unsat := byteRange{0, a.Size}, false, false
	if rh := q.r.Header.Get("Range"); rh != "" {
		var r byteRange
		if r, partial, unsat = parseRange(rh, a.Size); unsat {
			return errorf(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable").
				With("RangeRequested", rh).With("ActualObjectSize", strconv.FormatInt(a.Size, 10))
		} else if partial {
			rng = r
		}
	}
	setObjectHeaders(h, a)
	if strings.EqualFold(q.r.Header.Get("x-amz-checksum-mode"), "ENABLED") && !partial {
		for alg, v := range a.Checksums {
			h.Set("x-amz-checksum-"+alg, v)
		}
	}
	for _, ov := range responseOverrides {
		if v := q.q.Get(ov.param); v != "" {
			h.Set(ov.header, v)
		}
	}
	h.Set("Content-Length", strconv.FormatInt(rng.length, 10))
	status := http.StatusOK
	if partial {
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", rng.start, rng.start+rng.length-1, a.Size))
		status = http.StatusPartialContent
	}
	if q.r.Method == http.MethodHead {
		q.w.WriteHeader(status)
		return nil
	}
	body, err := o.Range(rng.start, rng.length)
	if err != nil {
		return err
	}
	if wt, ok := body.(*bytes.Reader); ok {
		// The driver holds the bytes already (a small object): one write, no copy.
		q.w.WriteHeader(status)
		wt.WriteTo(q.w)
		return nil
	}
	if rng.length <= smallBody {
		// One read and one write: cheaper than sendfile for small objects.
		buf := make([]byte, rng.length)
		if _, err := io.ReadFull(body, buf); err != nil {
			return err
		}
		q.w.WriteHeader(status)
		q.w.Write(buf)
		return nil
	}
	q.w.WriteHeader(status)
	if _, err := io.Copy(q.w, body); err != nil {
		// The status is sent; all we can do is cut the connection short (Content-Length tells).
		s.log.Debug("s3 GetObject copy aborted", "request_id", q.c.RequestID, "err", err)
	}
	return nil
}
