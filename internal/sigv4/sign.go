package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Trailer is one trailing header of an aws-chunked body.
type Trailer struct{ Name, Value string }

// ChunkEncoder produces aws-chunked bodies, as clients send them; tests and benchmarks use it.
// A signed encoder chains chunk signatures from the request's seed signature.
type ChunkEncoder struct {
	signed  bool
	key     [32]byte
	amzDate string
	scope   Scope
	prev    string
}

// NewChunkEncoder returns an encoder for STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER) bodies of a
// request signed at t within scope with seedSignature.
func NewChunkEncoder(secret []byte, scope Scope, t time.Time, seedSignature string) *ChunkEncoder {
	return &ChunkEncoder{
		signed: true, key: SigningKey(secret, scope), amzDate: t.UTC().Format(amzTimeFmt),
		scope: scope, prev: seedSignature,
	}
}

// NewUnsignedChunkEncoder returns an encoder for STREAMING-UNSIGNED-PAYLOAD-TRAILER bodies.
func NewUnsignedChunkEncoder() *ChunkEncoder { return &ChunkEncoder{} }

func (e *ChunkEncoder) sign(kind string, last string) string {
	b := []byte(kind + "\n" + e.amzDate + "\n")
	b = appendScope(b, e.scope)
	b = append(b, "\n"+e.prev+"\n"+last...)
	m := hmac.New(sha256.New, e.key[:])
	m.Write(b)
	e.prev = hex.EncodeToString(m.Sum(nil))
	return e.prev
}

func (e *ChunkEncoder) header(dst []byte, data []byte) []byte {
	dst = strconv.AppendInt(dst, int64(len(data)), 16)
	if e.signed {
		sum := sha256.Sum256(data)
		dst = append(dst, ";chunk-signature="...)
		dst = append(dst, e.sign("AWS4-HMAC-SHA256-PAYLOAD", emptySHA256+"\n"+hex.EncodeToString(sum[:]))...)
	}
	return append(dst, "\r\n"...)
}

// AppendChunk appends one data chunk; an empty data appends nothing (use AppendEnd).
func (e *ChunkEncoder) AppendChunk(dst, data []byte) []byte {
	if len(data) == 0 {
		return dst
	}
	dst = e.header(dst, data)
	dst = append(dst, data...)
	return append(dst, "\r\n"...)
}

// AppendEnd appends the final zero-length chunk, the trailers (signed by a signed encoder with
// x-amz-trailer-signature) and the closing CRLF.
func (e *ChunkEncoder) AppendEnd(dst []byte, trailers []Trailer) []byte {
	dst = e.header(dst, nil)
	if len(trailers) == 0 {
		return append(dst, "\r\n"...)
	}
	var canon []byte
	for _, t := range trailers {
		dst = append(dst, t.Name+":"+t.Value+"\r\n"...)
		canon = append(canon, t.Name+":"+t.Value+"\n"...)
	}
	if e.signed {
		sum := sha256.Sum256(canon)
		dst = append(dst, "x-amz-trailer-signature:"+e.sign("AWS4-HMAC-SHA256-TRAILER", hex.EncodeToString(sum[:]))+"\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// Encode returns the whole aws-chunked encoding of payload in chunks of chunkSize bytes.
func (e *ChunkEncoder) Encode(payload []byte, chunkSize int, trailers []Trailer) []byte {
	out := make([]byte, 0, len(payload)+(len(payload)/max(chunkSize, 1)+2)*90+256)
	for len(payload) > 0 {
		n := min(chunkSize, len(payload))
		out = e.AppendChunk(out, payload[:n])
		payload = payload[n:]
	}
	return e.AppendEnd(out, trailers)
}
