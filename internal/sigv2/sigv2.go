// Package sigv2 verifies AWS Signature Version 2 as S3 accepts it: the legacy HMAC-SHA1 scheme
// that boto3's generate_presigned_url still uses by default against a custom endpoint, and that
// s3cmd and older tools send in an Authorization header.
//
// # Model
//
// A request carries its signature either in a header
//
//	Authorization: AWS <AccessKeyId>:<base64 HMAC-SHA1>
//
// or in the query string (presigned): AWSAccessKeyId, Signature, Expires (Unix seconds) and
// optionally x-amz-security-token. The signature is base64(HMAC-SHA1(secret, StringToSign)):
//
//	StringToSign = Method "\n" Content-MD5 "\n" Content-Type "\n" Date "\n"
//	               CanonicalizedAmzHeaders CanonicalizedResource
//
// Date is the Date header (empty when absent, as when x-amz-date is used), or Expires for a
// presigned URL. CanonicalizedAmzHeaders are the x-amz-* headers — and for presigned URLs the
// x-amz-* query parameters, which is where signers move them — lower-cased, sorted, values of a
// repeated name joined with ",", each as "name:value\n". CanonicalizedResource is "/" + bucket for
// virtual-hosted requests, then the path exactly as sent, then the S3 sub-resources of the query
// (acl, uploads, uploadId, partNumber, versionId, response-content-type, …) sorted by name, with
// decoded values, as "?a&b=v".
//
// Verify compares in constant time, rejects header-signed requests whose date is more than 15
// minutes away from now, and presigned URLs whose Expires has passed.
package sigv2

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Code classifies failures; the set is closed.
type Code int

const (
	ErrMalformed         Code = iota + 1 // unparsable header or query parameters
	ErrSignatureMismatch                 // wrong signature
	ErrExpired                           // presigned URL past its Expires
	ErrTimeTooSkewed                     // header date too far from now
	ErrMissingDate                       // header form without Date or x-amz-date
)

func (c Code) String() string {
	switch c {
	case ErrMalformed:
		return "malformed"
	case ErrSignatureMismatch:
		return "signature mismatch"
	case ErrExpired:
		return "expired"
	case ErrTimeTooSkewed:
		return "time too skewed"
	case ErrMissingDate:
		return "missing date"
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

// Error is the only error type of this package.
type Error struct {
	Code         Code
	Message      string
	StringToSign string // for ErrSignatureMismatch: what the server signed (the first candidate)
}

func (e *Error) Error() string { return "sigv2: " + e.Code.String() + ": " + e.Message }

// MaxSkew is how far a header-signed request's date may be from now.
const MaxSkew = 15 * time.Minute

// Auth is a parsed SigV2 signature.
type Auth struct {
	AccessKeyID   string
	Signature     string // base64 as sent
	Presigned     bool
	Expires       int64     // presigned: Unix seconds
	Time          time.Time // header form: Date or x-amz-date
	SecurityToken string
}

// Is reports whether r is signed with SigV2 (an "AWS " Authorization header or AWSAccessKeyId
// with Signature in the query).
func Is(r *http.Request) bool {
	if a := r.Header.Get("Authorization"); a != "" {
		return strings.HasPrefix(a, "AWS ")
	}
	q := r.URL.Query()
	return q.Has("AWSAccessKeyId") && q.Has("Signature")
}

// Parse extracts the signature of a SigV2 request.
func Parse(r *http.Request) (*Auth, error) {
	if a := r.Header.Get("Authorization"); a != "" {
		rest, ok := strings.CutPrefix(a, "AWS ")
		if !ok {
			return nil, &Error{Code: ErrMalformed, Message: "Authorization header is not AWS <AccessKeyId>:<Signature>"}
		}
		id, sig, ok := strings.Cut(strings.TrimSpace(rest), ":")
		if !ok || id == "" || sig == "" {
			return nil, &Error{Code: ErrMalformed, Message: "Authorization header is not AWS <AccessKeyId>:<Signature>"}
		}
		au := &Auth{AccessKeyID: id, Signature: sig, SecurityToken: r.Header.Get("X-Amz-Security-Token")}
		d := r.Header.Get("X-Amz-Date")
		if d == "" {
			d = r.Header.Get("Date")
		}
		if d == "" {
			return nil, &Error{Code: ErrMissingDate, Message: "AWS authentication requires a valid Date or x-amz-date header"}
		}
		t, err := http.ParseTime(d)
		if err != nil {
			t, err = time.Parse(time.RFC1123Z, d)
		}
		if err != nil {
			return nil, &Error{Code: ErrMissingDate, Message: "AWS authentication requires a valid Date or x-amz-date header"}
		}
		au.Time = t
		return au, nil
	}
	q := r.URL.Query()
	id, sig, exp := q.Get("AWSAccessKeyId"), q.Get("Signature"), q.Get("Expires")
	if id == "" || sig == "" || exp == "" {
		return nil, &Error{Code: ErrMalformed, Message: "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"}
	}
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return nil, &Error{Code: ErrMalformed, Message: "Invalid Expires parameter"}
	}
	token := q.Get("x-amz-security-token")
	if token == "" {
		token = r.Header.Get("X-Amz-Security-Token")
	}
	return &Auth{AccessKeyID: id, Signature: sig, Presigned: true, Expires: e, SecurityToken: token}, nil
}

// subResources are the query parameters that are part of the canonical resource.
var subResources = map[string]bool{
	"accelerate": true, "acl": true, "analytics": true, "cors": true, "defaultObjectAcl": true, "delete": true,
	"encryption": true, "intelligent-tiering": true, "inventory": true, "lifecycle": true, "location": true,
	"logging": true, "metrics": true, "notification": true, "object-lock": true, "ownershipControls": true,
	"partNumber": true, "policy": true, "policyStatus": true, "publicAccessBlock": true, "replication": true,
	"requestPayment": true, "response-cache-control": true, "response-content-disposition": true,
	"response-content-encoding": true, "response-content-language": true, "response-content-type": true,
	"response-expires": true, "restore": true, "retention": true, "legal-hold": true, "select": true,
	"select-type": true, "storageClass": true, "tagging": true, "torrent": true, "uploadId": true,
	"uploads": true, "versionId": true, "versioning": true, "versions": true, "website": true,
}

// StringToSign returns the string to sign of r, with resource as the canonicalized resource
// path ("/bucket/key" as sent on the wire).
func StringToSign(r *http.Request, a *Auth, resource string) string {
	rawQuery := r.URL.RawQuery
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	q, _ := url.ParseQuery(rawQuery)
	get := func(h string) string {
		if v := r.Header.Get(h); v != "" {
			return strings.TrimSpace(v)
		}
		if a.Presigned {
			return q.Get(strings.ToLower(h))
		}
		return ""
	}
	b.WriteString(get("Content-MD5"))
	b.WriteByte('\n')
	b.WriteString(get("Content-Type"))
	b.WriteByte('\n')
	if a.Presigned {
		b.WriteString(strconv.FormatInt(a.Expires, 10))
	} else {
		b.WriteString(strings.TrimSpace(r.Header.Get("Date")))
	}
	b.WriteByte('\n')
	amz := map[string][]string{}
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-") {
			for _, v := range vs {
				amz[lk] = append(amz[lk], strings.TrimSpace(v))
			}
		}
	}
	if a.Presigned {
		for k, vs := range q {
			lk := strings.ToLower(k)
			if strings.HasPrefix(lk, "x-amz-") {
				amz[lk] = append(amz[lk], vs...)
			}
		}
	}
	names := make([]string, 0, len(amz))
	for k := range amz {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(strings.Join(amz[k], ","))
		b.WriteByte('\n')
	}
	b.WriteString(resource)
	var subs []string
	for part := range strings.SplitSeq(rawQuery, "&") {
		k, v, hasV := strings.Cut(part, "=")
		if !subResources[k] {
			continue
		}
		if hasV {
			dv, err := url.QueryUnescape(v)
			if err != nil {
				dv = v
			}
			subs = append(subs, k+"="+dv)
		} else {
			subs = append(subs, k)
		}
	}
	if len(subs) > 0 {
		sort.SliceStable(subs, func(i, j int) bool {
			ki, _, _ := strings.Cut(subs[i], "=")
			kj, _, _ := strings.Cut(subs[j], "=")
			return ki < kj
		})
		b.WriteByte('?')
		b.WriteString(strings.Join(subs, "&"))
	}
	return b.String()
}

// Sign returns the base64 HMAC-SHA1 of stringToSign.
func Sign(secret []byte, stringToSign string) string {
	m := hmac.New(sha1.New, secret)
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Resources returns the candidate canonicalized resources of r: the path as sent (path style)
// and, when the Host names a bucket under domain ("<bucket>.<domain>[:port]"), "/" + bucket +
// path.
func Resources(r *http.Request, domain string) []string {
	path := r.RequestURI
	if path == "" {
		path = r.URL.RequestURI()
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		if u, err := url.Parse(path); err == nil {
			path = u.EscapedPath()
		}
	}
	out := []string{path}
	host := r.Host
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	if domain != "" {
		if b, ok := strings.CutSuffix(strings.ToLower(host), "."+strings.ToLower(domain)); ok && b != "" {
			out = append([]string{"/" + b + path}, out...)
		}
	}
	return out
}

// Verify checks a's signature over r for the candidate resources (see Resources) at time now.
func Verify(r *http.Request, a *Auth, secret []byte, resources []string, now time.Time) error {
	if a.Presigned {
		if now.Unix() > a.Expires {
			return &Error{Code: ErrExpired, Message: "Request has expired"}
		}
	} else if d := now.Sub(a.Time); d > MaxSkew || d < -MaxSkew {
		return &Error{Code: ErrTimeTooSkewed, Message: "The difference between the request time and the current time is too large."}
	}
	first := ""
	for _, res := range resources {
		sts := StringToSign(r, a, res)
		if first == "" {
			first = sts
		}
		want := Sign(secret, sts)
		if subtle.ConstantTimeCompare([]byte(want), []byte(a.Signature)) == 1 {
			return nil
		}
	}
	return &Error{Code: ErrSignatureMismatch, Message: "The request signature we calculated does not match the signature you provided.", StringToSign: first}
}
