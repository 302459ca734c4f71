package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options tune a Verifier. The zero value (or nil) means the defaults.
type Options struct {
	Now     func() time.Time // default time.Now
	MaxSkew time.Duration    // default 15 min
	MaxBody int64            // cap when the body must be buffered to hash it; default 10 MiB
	// MaxChunkSize caps one aws-chunked chunk, which is buffered until its signature verified;
	// default 16 MiB.
	MaxChunkSize int
	// MaxCachedKeys bounds the signing-key cache; default 4096.
	MaxCachedKeys int
}

const (
	defaultMaxSkew   = 15 * time.Minute
	defaultMaxBody   = 10 << 20
	defaultMaxChunk  = 16 << 20
	defaultCacheSize = 4096

	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// Verifier verifies signatures. It is safe for concurrent use.
type Verifier struct {
	now      func() time.Time
	maxSkew  time.Duration
	maxBody  int64
	maxChunk int
	maxKeys  int

	mu   sync.Mutex
	keys map[keyID]*keyEntry
}

type keyID struct{ akid, date, region, service string }

type keyEntry struct {
	secret []byte
	key    [32]byte
	macs   sync.Pool // of hash.Hash: HMAC-SHA256 keyed with key
}

func (e *keyEntry) mac() hash.Hash {
	if m, ok := e.macs.Get().(hash.Hash); ok {
		m.Reset()
		return m
	}
	return hmac.New(sha256.New, e.key[:])
}

// NewVerifier returns a Verifier; opts may be nil.
func NewVerifier(opts *Options) *Verifier {
	v := &Verifier{
		now: time.Now, maxSkew: defaultMaxSkew, maxBody: defaultMaxBody,
		maxChunk: defaultMaxChunk, maxKeys: defaultCacheSize,
		keys: make(map[keyID]*keyEntry),
	}
	if opts != nil {
		if opts.Now != nil {
			v.now = opts.Now
		}
		if opts.MaxSkew > 0 {
			v.maxSkew = opts.MaxSkew
		}
		if opts.MaxBody > 0 {
			v.maxBody = opts.MaxBody
		}
		if opts.MaxChunkSize > 0 {
			v.maxChunk = opts.MaxChunkSize
		}
		if opts.MaxCachedKeys > 0 {
			v.maxKeys = opts.MaxCachedKeys
		}
	}
	return v
}

// SigningKey derives the SigV4 signing key for secret and scope.
func SigningKey(secret []byte, s Scope) [32]byte {
	k := make([]byte, 0, 4+len(secret))
	k = append(append(k, "AWS4"...), secret...)
	var sum []byte
	for _, part := range [...]string{s.Date, s.Region, s.Service, terminator} {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(part))
		sum = m.Sum(sum[:0])
		k = append(k[:0], sum...)
	}
	var out [32]byte
	copy(out[:], k)
	return out
}

// signingKey returns the cached key for (akid, scope) derived from secret.
func (v *Verifier) signingKey(akid string, s Scope, secret []byte) [32]byte {
	return v.keyEntry(akid, s, secret).key
}

func (v *Verifier) keyEntry(akid string, s Scope, secret []byte) *keyEntry {
	id := keyID{akid, s.Date, s.Region, s.Service}
	v.mu.Lock()
	e := v.keys[id]
	v.mu.Unlock()
	if e != nil && subtle.ConstantTimeCompare(e.secret, secret) == 1 {
		return e
	}
	e = &keyEntry{secret: bytes.Clone(secret), key: SigningKey(secret, s)}
	id = keyID{strings.Clone(akid), strings.Clone(s.Date), strings.Clone(s.Region), strings.Clone(s.Service)}
	v.mu.Lock()
	if len(v.keys) >= v.maxKeys {
		for k := range v.keys { // evict an arbitrary entry
			delete(v.keys, k)
			break
		}
	}
	v.keys[id] = e
	v.mu.Unlock()
	return e
}

type payloadMode int

const (
	modeBuffered        payloadMode = iota + 1 // body read and hashed here
	modeHash                                   // hex SHA-256 checked while streaming
	modeUnsigned                               // passed through
	modeChunkedSigned                          // aws-chunked with chunk signatures
	modeChunkedUnsigned                        // aws-chunked without signatures, with trailer
)

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if _, ok := unhex(s[i]); !ok {
			return false
		}
	}
	return true
}

// Verify checks a's signature over r with the given secret access key and returns the body the
// handler must read instead of r.Body (see the package documentation for the body modes).
//
// Presigned: X-Amz-Expires is enforced against Now (ErrRequestExpired) and an X-Amz-Date in the
// future beyond MaxSkew is rejected (ErrRequestNotYetValid). Header form: |Now - Time| > MaxSkew
// gives ErrRequestTimeTooSkewed. Scope.Date must equal the X-Amz-Date day. Signatures are
// compared in constant time.
func (v *Verifier) Verify(r *http.Request, a *Auth, secret []byte) (*Body, error) {
	if a == nil {
		return nil, newError(ErrMissingAuthentication, "request is not signed")
	}
	malformed := ErrMalformedAuthorization
	if a.Presigned {
		malformed = ErrMalformedPresign
	}
	var dbuf [16]byte
	amzDate := string(appendAmzDate(dbuf[:0], a.Time))
	if amzDate[:8] != a.Scope.Date {
		return nil, newError(malformed, "credential scope date "+strconv.Quote(trunc(a.Scope.Date))+" is not the X-Amz-Date day "+amzDate[:8])
	}
	if len(a.SignedHeaders) == 0 {
		return nil, newError(malformed, "SignedHeaders is empty")
	}
	now := v.now()
	if a.Presigned {
		if a.Time.After(now.Add(v.maxSkew)) {
			return nil, newError(ErrRequestNotYetValid, "request is not valid yet: X-Amz-Date "+amzDate+" is in the future")
		}
		if a.Expires > 0 && now.After(a.Time.Add(a.Expires)) {
			return nil, newError(ErrRequestExpired, "request has expired")
		}
		if a.Expires <= 0 && now.Sub(a.Time) > v.maxSkew {
			return nil, newError(ErrRequestExpired, "request has expired")
		}
	} else if d := now.Sub(a.Time); d > v.maxSkew || d < -v.maxSkew {
		return nil, newError(ErrRequestTimeTooSkewed, "the difference between the request time "+amzDate+" and the server's time is too large")
	}
	if h := unsignedAmzHeader(r, a.SignedHeaders); h != "" {
		return nil, newError(ErrUnsignedHeader, "header "+strconv.Quote(trunc(h))+" is present but not signed")
	}

	// Decide how the payload is hashed and how the body is handed over.
	s3 := a.Scope.Service == "s3"
	var mode payloadMode
	var hashes [2]string
	candidates := hashes[:1]
	switch {
	case s3 && a.PayloadHash != "":
		hashes[0] = a.PayloadHash
		switch h := a.PayloadHash; {
		case isHexSHA256(h):
			mode = modeHash
		case h == UnsignedPayload:
			mode = modeUnsigned
		case h == StreamingPayload, h == StreamingPayloadTrailer:
			mode = modeChunkedSigned
		case h == StreamingUnsignedPayloadTrailer:
			mode = modeChunkedUnsigned
		default:
			return nil, newError(malformed, "x-amz-content-sha256 must be a hex SHA-256, UNSIGNED-PAYLOAD or a supported STREAMING-* value")
		}
	case s3 && a.Presigned:
		mode, hashes[0] = modeUnsigned, UnsignedPayload
	default:
		mode = modeBuffered
	}
	var buffered []byte
	if mode == modeBuffered {
		var err error
		if buffered, err = v.readBody(r); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(buffered)
		hashes[0] = hex.EncodeToString(sum[:])
		if a.Presigned && a.PayloadHash == "" {
			hashes[1] = UnsignedPayload // botocore presigns every service with UNSIGNED-PAYLOAD
			candidates = hashes[:2]
		}
	}

	entry := v.keyEntry(a.AccessKeyID, a.Scope, secret)
	key := entry.key
	mac := entry.mac()
	defer entry.macs.Put(mac)
	var cbuf [1024]byte
	canon, missing := appendCanonicalPrefix(cbuf[:0], r, a, s3)
	prefixLen := len(canon)
	var sts []byte
	var sbuf [256]byte
	ok := false
	for _, ph := range candidates {
		canon = append(canon[:prefixLen], ph...)
		sts = appendStringToSign(sbuf[:0], amzDate, a.Scope, canon)
		var sig [64]byte
		mac.Reset()
		mac.Write(sts)
		var sum [32]byte
		hex.Encode(sig[:], mac.Sum(sum[:0]))
		if subtle.ConstantTimeCompare(sig[:], []byte(a.Signature)) == 1 {
			ok = true
			break
		}
	}
	if !ok {
		msg := "the request signature we calculated does not match the signature you provided; check your key and signing method"
		if missing != "" {
			msg = "signed header " + strconv.Quote(trunc(missing)) + " is missing from the request"
		}
		canon = append(canon[:prefixLen], candidates[0]...)
		sts = appendStringToSign(sbuf[:0], amzDate, a.Scope, canon)
		return nil, &Error{Code: ErrSignatureMismatch, Message: msg, CanonicalRequest: string(canon), StringToSign: string(sts)}
	}

	b := &Body{src: r.Body, length: r.ContentLength}
	switch mode {
	case modeBuffered:
		b.r = bytes.NewReader(buffered)
		b.length = int64(len(buffered))
	case modeHash:
		want, _ := hex.DecodeString(a.PayloadHash)
		var src io.Reader
		src, b.ra = readaheadFor(r, bodyOrEmpty(r))
		hr := &hashReader{src: src, h: sha256.New(), limit: r.ContentLength}
		copy(hr.want[:], want)
		b.r = hr
	case modeUnsigned:
		b.r = bodyOrEmpty(r)
	case modeChunkedSigned, modeChunkedUnsigned:
		cr, err := v.newChunkReader(r, a, mode == modeChunkedSigned, key, amzDate)
		if err != nil {
			return nil, err
		}
		b.r, b.chunked, b.ra = cr, cr, cr.ra
		b.length = cr.declared
	}
	return b, nil
}

// appendCanonicalPrefix appends the canonical request without the payload hash.
func appendCanonicalPrefix(dst []byte, r *http.Request, a *Auth, s3 bool) ([]byte, string) {
	path, rawQuery := wireTarget(r)
	dst = append(dst, r.Method...)
	dst = append(dst, '\n')
	dst = appendCanonicalURI(dst, path, s3)
	dst = append(dst, '\n')
	dst = appendCanonicalQuery(dst, rawQuery)
	dst = append(dst, '\n')
	dst, missing := appendCanonicalHeaders(dst, r, a.SignedHeaders)
	dst = append(dst, '\n')
	dst = append(dst, a.signedHeaderList()...)
	dst = append(dst, '\n')
	return dst, missing
}

func appendStringToSign(dst []byte, amzDate string, s Scope, canonical []byte) []byte {
	dst = append(dst, algorithm+"\n"...)
	dst = append(dst, amzDate...)
	dst = append(dst, '\n')
	dst = appendScope(dst, s)
	dst = append(dst, '\n')
	sum := sha256.Sum256(canonical)
	return hex.AppendEncode(dst, sum[:])
}

func appendScope(dst []byte, s Scope) []byte {
	dst = append(dst, s.Date...)
	dst = append(dst, '/')
	dst = append(dst, s.Region...)
	dst = append(dst, '/')
	dst = append(dst, s.Service...)
	return append(dst, "/"+terminator...)
}

func bodyOrEmpty(r *http.Request) io.Reader {
	if r.Body == nil {
		return http.NoBody
	}
	return r.Body
}

// readBody reads the whole body, at most v.maxBody bytes.
func (v *Verifier) readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > v.maxBody {
		return nil, newError(ErrBodyTooLarge, fmt.Sprintf("request body of %d bytes exceeds the limit of %d bytes", r.ContentLength, v.maxBody))
	}
	size := int64(512)
	if r.ContentLength > 0 {
		size = r.ContentLength + 1
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	n, err := buf.ReadFrom(io.LimitReader(r.Body, v.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("sigv4: reading request body: %w", err)
	}
	if n > v.maxBody {
		return nil, newError(ErrBodyTooLarge, fmt.Sprintf("request body exceeds the limit of %d bytes", v.maxBody))
	}
	return buf.Bytes(), nil
}

// hashReader passes the body through and checks its SHA-256 at the end (at EOF, or as soon as
// the declared Content-Length has been read).
type hashReader struct {
	src   io.Reader
	h     hash.Hash
	want  [32]byte
	n     int64
	limit int64 // Content-Length, -1 unknown
	err   error
}

func (hr *hashReader) Read(p []byte) (int, error) {
	if hr.err != nil {
		return 0, hr.err
	}
	n, err := hr.src.Read(p)
	hr.h.Write(p[:n])
	hr.n += int64(n)
	if err == nil && hr.limit >= 0 && hr.n >= hr.limit {
		err = io.EOF
	}
	if err == io.EOF {
		var sum [32]byte
		if subtle.ConstantTimeCompare(hr.h.Sum(sum[:0]), hr.want[:]) != 1 {
			err = newError(ErrContentSHA256Mismatch, "the body does not hash to the x-amz-content-sha256 value")
		}
	}
	if err != nil {
		hr.err = err
	}
	return n, err
}

// appendAmzDate appends t in UTC as 20060102T150405Z.
func appendAmzDate(dst []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	if y < 0 || y > 9999 {
		return t.AppendFormat(dst, amzTimeFmt)
	}
	two := func(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }
	dst = two(dst, y/100)
	dst = two(dst, y%100)
	dst = two(dst, int(mo))
	dst = two(dst, d)
	dst = append(dst, 'T')
	dst = two(dst, h)
	dst = two(dst, mi)
	dst = two(dst, sec)
	return append(dst, 'Z')
}
