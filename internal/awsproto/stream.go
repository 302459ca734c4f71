package awsproto

import (
	"io"
	"net/http"
)

// Stream is the result of a REST-JSON operation whose output payload is a streaming blob (the
// output shape's "payload" names a member of type blob with "streaming": true, e.g. Lake
// Formation's GetWorkUnitResults ResultStream). The response body is the raw bytes Write
// produces, not a JSON document; there is no Content-Length (the body is chunked).
//
// Write runs after the status line has been sent, so it cannot report an error to the client: when
// it fails (Write logs its own failure), the router cuts the connection and the client sees a
// truncated body. Anything the audit record needs (Call.Extra) must be set before the operation
// returns the Stream, because the record is written with the status line.
type Stream struct {
	ContentType string // default application/octet-stream
	Write       func(w io.Writer) error
}

// writeStream sends a Stream result.
func (s *Service) writeStream(w http.ResponseWriter, c *Call, st *Stream) {
	c.Output = nil // the payload is not a response element
	h := w.Header()
	s.SetRequestID(h, c.RequestID)
	ct := st.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	if err := st.Write(w); err != nil {
		c.Internal = err
		panic(http.ErrAbortHandler)
	}
}
