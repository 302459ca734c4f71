package sigv4

import (
	"io"
	"net/http"
)

// Body is the request body as the handler must read it after Verify: the buffered body, the
// body checked against its SHA-256, the body as is, or the decoded aws-chunked payload. It
// reports authentication failures found in the body as *Error from Read; the handler must read
// to io.EOF and treat any error as a failed request.
type Body struct {
	r       io.Reader
	src     io.ReadCloser
	chunked *chunkReader
	ra      *readahead // nil unless the body is read ahead
	length  int64
}

// Read reads the (decoded, verified) payload.
func (b *Body) Read(p []byte) (int, error) { return b.r.Read(p) }

// Close closes the underlying request body. A body read ahead (a large signed payload) stops
// its reading goroutine first and waits for it, so that nothing reads the request after Close.
func (b *Body) Close() error {
	var err error
	if b.ra != nil {
		b.ra.stopOnce.Do(func() { close(b.ra.stop) })
	}
	if b.src != nil {
		err = b.src.Close() // ends a read of the source under way, where the source allows
	}
	if b.ra != nil {
		b.ra.Close()
	}
	return err
}

// DecodedLength is the length of the payload the handler will read: x-amz-decoded-content-length
// for aws-chunked bodies, otherwise the request's Content-Length; -1 when unknown.
func (b *Body) DecodedLength() int64 { return b.length }

// Trailers returns the trailing headers of an aws-chunked body once Read has returned io.EOF
// (keys in canonical form, e.g. "X-Amz-Checksum-Crc32"); nil before that and for other bodies.
// x-amz-trailer-signature is not included.
func (b *Body) Trailers() http.Header {
	if b.chunked != nil && b.chunked.done && b.chunked.err == nil {
		return b.chunked.trailers
	}
	return nil
}
