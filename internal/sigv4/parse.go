package sigv4

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	algorithm    = "AWS4-HMAC-SHA256"
	terminator   = "aws4_request"
	amzTimeFmt   = "20060102T150405Z"
	scopeDateFmt = "20060102"
	maxExpires   = 604800

	// UnsignedPayload is the payload hash of a request whose body is not signed.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// StreamingPayload marks an aws-chunked body with chunk signatures.
	StreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	// StreamingPayloadTrailer marks an aws-chunked body with chunk signatures and a signed trailer.
	StreamingPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	// StreamingUnsignedPayloadTrailer marks an aws-chunked body without signatures and with a
	// trailing checksum.
	StreamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// Scope is the credential scope: 20150830/us-east-1/iam/aws4_request.
type Scope struct{ Date, Region, Service string } // Date is yyyymmdd

// String returns "date/region/service/aws4_request".
func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/" + terminator
}

// Auth is authentication material parsed from a request and not yet verified.
type Auth struct {
	AccessKeyID   string
	Scope         Scope
	SignedHeaders []string      // lower-case, as sent
	Signature     string        // lower-case hex
	Time          time.Time     // X-Amz-Date (or Date header when X-Amz-Date is absent)
	SecurityToken string        // X-Amz-Security-Token header or query
	Presigned     bool          // signature in the query string
	Expires       time.Duration // presigned only (X-Amz-Expires, 1..604800 s); 0 when absent (non-S3 only)
	PayloadHash   string        // x-amz-content-sha256 value as sent ("" when absent)

	signedHeaders string // the SignedHeaders string as sent, used verbatim
}

// Parse extracts Auth from the Authorization header or the presigned query parameters.
// An unsigned request yields an *Error with Code ErrMissingAuthentication.
func Parse(r *http.Request) (*Auth, error) {
	authz := r.Header.Get("Authorization")
	_, rawQuery := wireTarget(r)
	presigned := queryHas(rawQuery, "X-Amz-Algorithm") || queryHas(rawQuery, "X-Amz-Credential") ||
		queryHas(rawQuery, "X-Amz-Signature")
	switch {
	case authz != "" && presigned:
		return nil, newError(ErrMalformedAuthorization, "only one auth mechanism allowed: Authorization header or presigned query parameters")
	case authz != "":
		return parseHeader(r, authz)
	case presigned:
		return parsePresigned(r, rawQuery)
	}
	return nil, newError(ErrMissingAuthentication, "request is not signed: no Authorization header and no X-Amz-Signature query parameter")
}

func parseHeader(r *http.Request, authz string) (*Auth, error) {
	alg, rest, ok := strings.Cut(strings.TrimSpace(authz), " ")
	if alg != algorithm {
		return nil, newError(ErrMalformedAuthorization, "unsupported authorization algorithm; expected AWS4-HMAC-SHA256")
	}
	if !ok {
		return nil, newError(ErrMalformedAuthorization, "Authorization header has no Credential, SignedHeaders or Signature")
	}
	var cred, signed, sig string
	var seen [3]bool
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, newError(ErrMalformedAuthorization, "Authorization header component "+strconv.Quote(trunc(part))+" is not key=value")
		}
		var i int
		switch k {
		case "Credential":
			i, cred = 0, v
		case "SignedHeaders":
			i, signed = 1, v
		case "Signature":
			i, sig = 2, v
		default:
			return nil, newError(ErrMalformedAuthorization, "Authorization header has unknown component "+strconv.Quote(trunc(k)))
		}
		if seen[i] {
			return nil, newError(ErrMalformedAuthorization, "Authorization header repeats component "+k)
		}
		seen[i] = true
	}
	for i, name := range [3]string{"Credential", "SignedHeaders", "Signature"} {
		if !seen[i] {
			return nil, newError(ErrMalformedAuthorization, "Authorization header is missing component "+name)
		}
	}
	a := &Auth{}
	if err := a.setCredential(cred, ErrMalformedAuthorization); err != nil {
		return nil, err
	}
	if err := a.setSignedHeaders(signed, ErrMalformedAuthorization); err != nil {
		return nil, err
	}
	if err := a.setSignature(sig, ErrMalformedAuthorization); err != nil {
		return nil, err
	}
	if d := r.Header.Get("X-Amz-Date"); d != "" {
		t, err := time.Parse(amzTimeFmt, d)
		if err != nil {
			return nil, newError(ErrMissingDate, "X-Amz-Date "+strconv.Quote(trunc(d))+" is not of the form 20060102T150405Z")
		}
		a.Time = t
	} else if d := r.Header.Get("Date"); d != "" {
		t, err := http.ParseTime(d)
		if err != nil {
			return nil, newError(ErrMissingDate, "Date header "+strconv.Quote(trunc(d))+" is not a valid HTTP date")
		}
		a.Time = t.UTC()
	} else {
		return nil, newError(ErrMissingDate, "request has neither an X-Amz-Date nor a Date header")
	}
	a.SecurityToken = r.Header.Get("X-Amz-Security-Token")
	a.PayloadHash = r.Header.Get("X-Amz-Content-Sha256")
	return a, nil
}

func parsePresigned(r *http.Request, rawQuery string) (*Auth, error) {
	var alg, cred, date, expires, signed, sig, token, hash string
	var have [8]bool
	for part := range strings.SplitSeq(rawQuery, "&") {
		k, v, _ := strings.Cut(part, "=")
		var dst *string
		var i int
		switch k {
		case "X-Amz-Algorithm":
			dst, i = &alg, 0
		case "X-Amz-Credential":
			dst, i = &cred, 1
		case "X-Amz-Date":
			dst, i = &date, 2
		case "X-Amz-Expires":
			dst, i = &expires, 3
		case "X-Amz-SignedHeaders":
			dst, i = &signed, 4
		case "X-Amz-Signature":
			dst, i = &sig, 5
		case "X-Amz-Security-Token":
			dst, i = &token, 6
		case "X-Amz-Content-Sha256":
			dst, i = &hash, 7
		default:
			continue
		}
		if have[i] {
			return nil, newError(ErrMalformedPresign, "query parameter "+k+" is repeated")
		}
		have[i] = true
		*dst = queryUnescape(v)
	}
	for i, name := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if name != "" && !have[i] {
			return nil, newError(ErrMalformedPresign, "presigned request is missing query parameter "+name)
		}
	}
	if alg != algorithm {
		return nil, newError(ErrMalformedPresign, "X-Amz-Algorithm must be AWS4-HMAC-SHA256")
	}
	a := &Auth{Presigned: true, SecurityToken: token}
	if err := a.setCredential(cred, ErrMalformedPresign); err != nil {
		return nil, err
	}
	if err := a.setSignedHeaders(signed, ErrMalformedPresign); err != nil {
		return nil, err
	}
	if err := a.setSignature(sig, ErrMalformedPresign); err != nil {
		return nil, err
	}
	t, err := time.Parse(amzTimeFmt, date)
	if err != nil {
		return nil, newError(ErrMalformedPresign, "X-Amz-Date "+strconv.Quote(trunc(date))+" is not of the form 20060102T150405Z")
	}
	a.Time = t
	switch {
	case have[3]:
		n, err := strconv.Atoi(expires)
		if err != nil || n < 1 || n > maxExpires {
			return nil, newError(ErrMalformedPresign, "X-Amz-Expires must be a number of seconds between 1 and 604800")
		}
		a.Expires = time.Duration(n) * time.Second
	case a.Scope.Service == "s3":
		return nil, newError(ErrMalformedPresign, "presigned request is missing query parameter X-Amz-Expires")
	}
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" {
		a.PayloadHash = h
	} else {
		a.PayloadHash = hash
	}
	if a.SecurityToken == "" {
		a.SecurityToken = r.Header.Get("X-Amz-Security-Token")
	}
	return a, nil
}

func (a *Auth) setCredential(cred string, code ErrorCode) *Error {
	var parts [5]string
	rest, ok := cred, true
	for i := 0; i < 4 && ok; i++ {
		parts[i], rest, ok = strings.Cut(rest, "/")
	}
	parts[4] = rest
	if !ok || strings.IndexByte(rest, '/') >= 0 {
		return newError(code, "Credential "+strconv.Quote(trunc(cred))+" is not of the form ACCESSKEYID/yyyymmdd/region/service/aws4_request")
	}
	if parts[0] == "" {
		return newError(code, "Credential has an empty access key id")
	}
	if _, err := time.Parse(scopeDateFmt, parts[1]); err != nil || len(parts[1]) != 8 {
		return newError(code, "Credential scope date "+strconv.Quote(trunc(parts[1]))+" is not of the form yyyymmdd")
	}
	if parts[2] == "" {
		return newError(code, "Credential scope has an empty region")
	}
	if parts[3] == "" {
		return newError(code, "Credential scope has an empty service")
	}
	if parts[4] != terminator {
		return newError(code, "Credential scope must end with aws4_request, not "+strconv.Quote(trunc(parts[4])))
	}
	a.AccessKeyID = parts[0]
	a.Scope = Scope{Date: parts[1], Region: parts[2], Service: parts[3]}
	return nil
}

func (a *Auth) setSignedHeaders(s string, code ErrorCode) *Error {
	if s == "" {
		return newError(code, "SignedHeaders is empty")
	}
	names := strings.Split(s, ";")
	host := false
	for _, n := range names {
		if n == "" {
			return newError(code, "SignedHeaders "+strconv.Quote(trunc(s))+" has an empty header name")
		}
		for i := 0; i < len(n); i++ {
			if c := n[i]; c <= ' ' || c >= 0x7f || c == ':' || ('A' <= c && c <= 'Z') {
				return newError(code, "SignedHeaders "+strconv.Quote(trunc(s))+" has an invalid (or not lower-case) header name")
			}
		}
		if n == "host" {
			host = true
		}
	}
	if !host {
		return newError(code, "SignedHeaders must include host")
	}
	a.SignedHeaders = names
	a.signedHeaders = s
	return nil
}

func (a *Auth) setSignature(sig string, code ErrorCode) *Error {
	if len(sig) != 64 {
		return newError(code, "Signature must be 64 hexadecimal characters")
	}
	lower := true
	for i := 0; i < len(sig); i++ {
		c := sig[i]
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			lower = false
		default:
			return newError(code, "Signature must be 64 hexadecimal characters")
		}
	}
	if !lower {
		sig = strings.ToLower(sig)
	}
	a.Signature = sig
	return nil
}

// signedHeaderList returns the SignedHeaders string: as sent when parsed, else joined.
func (a *Auth) signedHeaderList() string {
	if a.signedHeaders != "" {
		return a.signedHeaders
	}
	return strings.Join(a.SignedHeaders, ";")
}

// trunc shortens attacker-controlled text quoted in messages.
func trunc(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// queryHas reports whether rawQuery has a parameter named exactly key (undecoded).
func queryHas(rawQuery, key string) bool {
	for rawQuery != "" {
		var part string
		part, rawQuery, _ = strings.Cut(rawQuery, "&")
		k, _, _ := strings.Cut(part, "=")
		if k == key {
			return true
		}
	}
	return false
}
