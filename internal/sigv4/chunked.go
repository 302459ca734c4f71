package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// aws-chunked framing:
//
//	signed:   hex(size) ";chunk-signature=" sig CRLF data CRLF ... "0;chunk-signature=" sig CRLF
//	unsigned: hex(size) CRLF data CRLF ... "0" CRLF
//
// followed by trailer lines "name:value" CRLF (signed-trailer bodies end them with
// "x-amz-trailer-signature:" sig CRLF) and a final CRLF. A chunk signature is
// HMAC(key, "AWS4-HMAC-SHA256-PAYLOAD\n" date "\n" scope "\n" prev "\n" sha256("") "\n" sha256(data))
// and the trailer signature HMAC(key, "AWS4-HMAC-SHA256-TRAILER\n" date "\n" scope "\n" prev "\n"
// sha256(trailer lines as "name:value\n")), chained from the request (seed) signature.

const (
	maxChunkHeader  = 4096 // bufio buffer must hold one chunk header line
	maxTrailerBytes = 16 << 10
	maxTrailerLines = 32
	readBufSize     = 32 << 10
)

type trailerCheck struct {
	name string
	h    hash.Hash // nil when the algorithm is not known (allowed only when trailers are signed)
}

type chunkReader struct {
	src      *bufio.Reader
	ra       *readahead // reads the network for src when the body is signed and large
	signed   bool
	trailerS bool // trailer signature expected
	mac      hash.Hash
	sha      hash.Hash
	amzDate  string
	scope    Scope
	prev     [64]byte
	sts      []byte

	buf       []byte // signed: verified data of the current chunk
	off       int
	remaining int64 // unsigned: data bytes left in the current chunk

	decoded  int64
	declared int64 // -1 unknown
	maxChunk int

	checks   []trailerCheck
	trailers http.Header
	done     bool
	err      error
}

func errChunk(msg string) *Error { return newError(ErrMalformedChunk, msg) }

func (v *Verifier) newChunkReader(r *http.Request, a *Auth, signed bool, key [32]byte, amzDate string) (*chunkReader, error) {
	c := &chunkReader{
		signed: signed, trailerS: a.PayloadHash == StreamingPayloadTrailer,
		amzDate: amzDate, scope: a.Scope, declared: -1, maxChunk: v.maxChunk,
	}
	if d := r.Header.Get("X-Amz-Decoded-Content-Length"); d != "" {
		n, err := strconv.ParseInt(d, 10, 64)
		if err != nil || n < 0 {
			return nil, errChunk("x-amz-decoded-content-length is not a non-negative number")
		}
		c.declared = n
	}
	for _, line := range r.Header.Values("X-Amz-Trailer") {
		for name := range strings.SplitSeq(line, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			h := newChecksum(name)
			if h == nil && !c.trailerS {
				return nil, errChunk("unsupported trailer " + strconv.Quote(trunc(name)))
			}
			if len(c.checks) >= maxTrailerLines {
				return nil, errChunk("too many trailers declared")
			}
			c.checks = append(c.checks, trailerCheck{name: name, h: h})
		}
	}
	if c.trailerS && len(c.checks) == 0 {
		return nil, errChunk("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER requires an x-amz-trailer header")
	}
	if signed {
		c.mac = hmac.New(sha256.New, key[:])
		c.sha = sha256.New()
		copy(c.prev[:], a.Signature)
	}
	var src io.Reader = bodyOrEmpty(r)
	if signed {
		src, c.ra = readaheadFor(r, src)
	}
	c.src = bufio.NewReaderSize(src, readBufSize)
	return c, nil
}

func (c *chunkReader) fail(err error) error {
	if c.err == nil {
		c.err = err
	}
	return c.err
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for {
		if c.err != nil {
			return 0, c.err
		}
		if c.off < len(c.buf) {
			n := copy(p, c.buf[c.off:])
			c.off += n
			return n, nil
		}
		if c.remaining > 0 {
			if len(p) == 0 {
				return 0, nil
			}
			if int64(len(p)) > c.remaining {
				p = p[:c.remaining]
			}
			n, err := c.src.Read(p)
			c.remaining -= int64(n)
			for _, ck := range c.checks {
				if ck.h != nil {
					ck.h.Write(p[:n])
				}
			}
			if c.remaining == 0 {
				if err := c.endChunk(); err != nil {
					return n, err
				}
			} else if err != nil {
				if err == io.EOF {
					err = errChunk("request body ended inside a chunk")
				}
				return n, c.fail(err)
			}
			return n, nil
		}
		if c.done {
			return 0, io.EOF
		}
		if err := c.next(); err != nil {
			return 0, err
		}
	}
}

// endChunk consumes the CRLF after an unsigned chunk's data and, when the declared length has
// been reached, the final chunk and trailers (so the last bytes go out only after the checks).
func (c *chunkReader) endChunk() error {
	if err := c.readCRLF(); err != nil {
		return err
	}
	if c.declared >= 0 && c.decoded == c.declared {
		return c.next()
	}
	return nil
}

func (c *chunkReader) readCRLF() error {
	b0, err := c.src.ReadByte()
	if err == nil && b0 == '\r' {
		b0, err = c.src.ReadByte()
	}
	if err != nil {
		if err == io.EOF {
			return c.fail(errChunk("request body ended after chunk data"))
		}
		return c.fail(err)
	}
	if b0 != '\n' {
		return c.fail(errChunk("chunk data is not followed by CRLF (chunk size wrong?)"))
	}
	return nil
}

// readLine returns the next line without its line ending.
func (c *chunkReader) readLine() ([]byte, error) {
	line, err := c.src.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return nil, c.fail(errChunk("chunk header line is too long"))
	case err == io.EOF && len(line) == 0:
		return nil, io.EOF
	case err == io.EOF:
		return nil, c.fail(errChunk("request body ended inside a chunk header"))
	case err != nil:
		return nil, c.fail(err)
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// next reads one chunk header and, for signed bodies, the chunk data, then verifies it.
func (c *chunkReader) next() error {
	line, err := c.readLine()
	if err == io.EOF {
		return c.fail(errChunk("request body ended before the final chunk"))
	}
	if err != nil {
		return err
	}
	sizeStr, ext, _ := bytes.Cut(line, []byte(";"))
	if len(sizeStr) == 0 || len(sizeStr) > 16 {
		return c.fail(errChunk("chunk header has no valid hexadecimal size"))
	}
	var size int64
	for _, ch := range sizeStr {
		d, ok := unhex(ch)
		if !ok {
			return c.fail(errChunk("chunk header has no valid hexadecimal size"))
		}
		size = size<<4 | int64(d)
		if size > int64(c.maxChunk) {
			return c.fail(errChunk("chunk size exceeds the limit of " + strconv.Itoa(c.maxChunk) + " bytes"))
		}
	}
	var sigBuf [64]byte // the line is only valid until the next read
	sig := sigBuf[:]
	if c.signed {
		const key = "chunk-signature="
		if !bytes.HasPrefix(ext, []byte(key)) || len(ext) != len(key)+64 {
			return c.fail(errChunk("chunk header has no chunk-signature"))
		}
		copy(sig, ext[len(key):])
	}
	c.decoded += size
	if c.declared >= 0 && c.decoded > c.declared {
		return c.fail(errChunk("chunks carry more data than x-amz-decoded-content-length"))
	}
	if size == 0 {
		if c.signed {
			var empty [32]byte
			c.sha.Reset()
			if err := c.verifyChunk(sig, c.sha.Sum(empty[:0])); err != nil {
				return err
			}
		}
		return c.final()
	}
	if !c.signed {
		c.remaining = size
		return nil
	}
	if err := c.fill(int(size)); err != nil {
		return err
	}
	if err := c.readCRLF(); err != nil {
		return err
	}
	c.sha.Reset()
	c.sha.Write(c.buf)
	var sum [32]byte
	if err := c.verifyChunk(sig, c.sha.Sum(sum[:0])); err != nil {
		c.buf = c.buf[:0]
		return err
	}
	for _, ck := range c.checks {
		if ck.h != nil {
			ck.h.Write(c.buf)
		}
	}
	if c.declared >= 0 && c.decoded == c.declared {
		// Verify the final chunk and trailers before releasing the last data.
		data := c.buf
		c.buf = nil
		if err := c.next(); err != nil {
			return err
		}
		c.buf = data
	}
	return nil
}

// fill reads size bytes of chunk data into c.buf, growing it only as data arrives.
func (c *chunkReader) fill(size int) error {
	c.off = 0
	if cap(c.buf) >= size {
		c.buf = c.buf[:size]
		if _, err := io.ReadFull(c.src, c.buf); err != nil {
			return c.fail(truncated(err))
		}
		return nil
	}
	c.buf = c.buf[:0]
	for len(c.buf) < size {
		step := min(size-len(c.buf), 1<<20)
		if cap(c.buf)-len(c.buf) < step {
			nb := make([]byte, len(c.buf), len(c.buf)+step)
			copy(nb, c.buf)
			c.buf = nb
		}
		n, err := io.ReadFull(c.src, c.buf[len(c.buf):len(c.buf)+step])
		c.buf = c.buf[:len(c.buf)+n]
		if err != nil {
			return c.fail(truncated(err))
		}
	}
	return nil
}

func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errChunk("request body ended inside a chunk")
	}
	return err
}

func (c *chunkReader) appendSTSHead(kind string) []byte {
	b := append(c.sts[:0], kind...)
	b = append(b, '\n')
	b = append(b, c.amzDate...)
	b = append(b, '\n')
	b = appendScope(b, c.scope)
	b = append(b, '\n')
	b = append(b, c.prev[:]...)
	return append(b, '\n')
}

func (c *chunkReader) checkSig(sts, sig []byte, what string) error {
	c.sts = sts
	c.mac.Reset()
	c.mac.Write(sts)
	var sum [32]byte
	var got [64]byte
	hex.Encode(got[:], c.mac.Sum(sum[:0]))
	for i, ch := range sig {
		if 'A' <= ch && ch <= 'F' {
			sig[i] = ch + ('a' - 'A')
		}
	}
	if subtle.ConstantTimeCompare(got[:], sig) != 1 {
		return c.fail(newError(ErrChunkSignatureMismatch, "the "+what+" signature does not match"))
	}
	copy(c.prev[:], got[:])
	return nil
}

func (c *chunkReader) verifyChunk(sig, dataSum []byte) error {
	b := c.appendSTSHead("AWS4-HMAC-SHA256-PAYLOAD")
	b = append(b, emptySHA256+"\n"...)
	b = hex.AppendEncode(b, dataSum)
	return c.checkSig(b, sig, "chunk")
}

// final checks the decoded length and reads the trailer section.
func (c *chunkReader) final() error {
	if c.declared >= 0 && c.decoded != c.declared {
		return c.fail(errChunk("chunks carry less data than x-amz-decoded-content-length"))
	}
	var canon []byte
	var sig []byte
	trailers := http.Header{}
	total, lines := 0, 0
	for {
		line, err := c.readLine()
		if err == io.EOF {
			if lines == 0 {
				break // tolerate a body ending right after the final chunk header
			}
			return c.fail(errChunk("request body ended inside the trailers"))
		}
		if err != nil {
			return err
		}
		total += len(line) + 2
		lines++
		if total > maxTrailerBytes || lines > maxTrailerLines+2 {
			return c.fail(errChunk("trailer section is too large"))
		}
		if len(line) == 0 {
			if len(trailers) == 0 && sig == nil && len(c.checks) > 0 {
				if _, err := c.src.Peek(1); err == nil {
					continue // some encoders put a blank line before the trailers
				}
			}
			break
		}
		if sig != nil {
			return c.fail(errChunk("trailer after x-amz-trailer-signature"))
		}
		k, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return c.fail(errChunk("trailer line is not name:value"))
		}
		name := strings.ToLower(string(bytes.Trim(k, " \t")))
		val = bytes.Trim(val, " \t")
		if name == "x-amz-trailer-signature" && c.trailerS {
			sig = bytes.Clone(val)
			if len(sig) != 64 {
				return c.fail(errChunk("x-amz-trailer-signature is not 64 hexadecimal characters"))
			}
			continue
		}
		declared := false
		for _, ck := range c.checks {
			declared = declared || ck.name == name
		}
		if !declared {
			return c.fail(errChunk("trailer " + strconv.Quote(trunc(name)) + " was not declared in x-amz-trailer"))
		}
		canon = append(canon, name...)
		canon = append(canon, ':')
		canon = append(canon, val...)
		canon = append(canon, '\n')
		trailers.Add(textproto.CanonicalMIMEHeaderKey(name), string(val))
	}
	if c.trailerS {
		if sig == nil {
			return c.fail(errChunk("signed trailers lack x-amz-trailer-signature"))
		}
		sum := sha256.Sum256(canon)
		b := c.appendSTSHead("AWS4-HMAC-SHA256-TRAILER")
		b = hex.AppendEncode(b, sum[:])
		if err := c.checkSig(b, sig, "trailer"); err != nil {
			return err
		}
	}
	for _, ck := range c.checks {
		got := trailers.Get(ck.name)
		if got == "" {
			return c.fail(errChunk("declared trailer " + strconv.Quote(ck.name) + " is missing"))
		}
		if ck.h == nil {
			continue
		}
		var sum [64]byte
		want := base64.StdEncoding.AppendEncode(nil, ck.h.Sum(sum[:0]))
		if subtle.ConstantTimeCompare(want, []byte(got)) != 1 {
			return c.fail(newError(ErrChecksumMismatch, "the "+ck.name+" trailer does not match the data"))
		}
	}
	c.trailers = trailers
	c.done = true
	return nil
}
