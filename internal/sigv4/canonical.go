package sigv4

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// wireTarget returns the escaped path and raw query of r as they came on the wire. On the server
// side that is Request.RequestURI (URL.EscapedPath may differ from the bytes sent); for a request
// built by a client it is what net/http will send: URL.Opaque or URL.EscapedPath, and RawQuery.
func wireTarget(r *http.Request) (path, rawQuery string) {
	if ru := r.RequestURI; ru != "" && ru != "*" {
		path, rawQuery, _ = strings.Cut(ru, "?")
		if !strings.HasPrefix(path, "/") { // absolute-form: scheme://host/path
			if i := strings.Index(path, "://"); i >= 0 {
				rest := path[i+3:]
				if j := strings.IndexByte(rest, '/'); j >= 0 {
					path = rest[j:]
				} else {
					path = "/"
				}
			}
		}
		return path, rawQuery
	}
	if r.URL == nil {
		return "/", ""
	}
	u := r.URL
	if u.Opaque != "" {
		op := u.Opaque
		if i := strings.IndexByte(op, '?'); i >= 0 {
			op = op[:i]
		}
		op = strings.TrimPrefix(op, "//")
		if i := strings.IndexByte(op, '/'); i >= 0 {
			path = op[i:]
		}
	} else {
		path = u.EscapedPath()
	}
	return path, u.RawQuery
}

// appendCanonicalURI appends the canonical URI of the wire path.
func appendCanonicalURI(dst []byte, path string, s3 bool) []byte {
	if path == "" {
		return append(dst, '/')
	}
	if s3 {
		return append(dst, path...)
	}
	// Remove dot segments and empty segments, keep a trailing slash, encode each segment.
	var segs [32]string
	out := segs[:0]
	for seg := range strings.SplitSeq(path, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	for _, seg := range out {
		dst = append(dst, '/')
		dst = appendEncoded(dst, seg)
	}
	if len(out) == 0 {
		return append(dst, '/')
	}
	if path[len(path)-1] == '/' {
		dst = append(dst, '/')
	}
	return dst
}

const upperHex = "0123456789ABCDEF"

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// appendEncoded appends s with every byte outside the RFC 3986 unreserved set percent-encoded.
func appendEncoded(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return dst
}

func encodeComponent(s string) string {
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			return string(appendEncoded(make([]byte, 0, len(s)+16), s))
		}
	}
	return s
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// queryUnescape decodes a query component with form semantics ("+" is a space). A malformed
// escape is kept literally (the client's canonical form cannot be known; it will not verify
// unless the client encoded the same way).
func queryUnescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 < len(s) {
				hi, ok1 := unhex(s[i+1])
				lo, ok2 := unhex(s[i+2])
				if ok1 && ok2 {
					b = append(b, hi<<4|lo)
					i += 2
					continue
				}
			}
			b = append(b, c)
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

type queryParam struct{ k, v string }

// appendCanonicalQuery appends the canonical query string built from the raw query.
func appendCanonicalQuery(dst []byte, rawQuery string) []byte {
	if rawQuery == "" {
		return dst
	}
	var arr [16]queryParam
	params := arr[:0]
	for rawQuery != "" {
		var part string
		part, rawQuery, _ = strings.Cut(rawQuery, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k = queryUnescape(k)
		if k == "X-Amz-Signature" {
			continue
		}
		params = append(params, queryParam{encodeComponent(k), encodeComponent(queryUnescape(v))})
	}
	if len(params) > 1 {
		slices.SortFunc(params, func(a, b queryParam) int {
			if c := strings.Compare(a.k, b.k); c != 0 {
				return c
			}
			return strings.Compare(a.v, b.v)
		})
	}
	for i, p := range params {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, p.k...)
		dst = append(dst, '=')
		dst = append(dst, p.v...)
	}
	return dst
}

// appendHeaderValue appends v trimmed of surrounding spaces and tabs with inner runs of spaces
// collapsed to one (what the SDKs do).
func appendHeaderValue(dst []byte, v string) []byte {
	i, j := 0, len(v)
	for i < j && (v[i] == ' ' || v[i] == '\t') {
		i++
	}
	for j > i && (v[j-1] == ' ' || v[j-1] == '\t') {
		j--
	}
	space := false
	for ; i < j; i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}

// headerValues returns the values of the lower-case header name in r, looking through the
// fields net/http moves out of Header. ok is false when the header is absent.
func headerValues(r *http.Request, name string) (vals []string, ok bool) {
	switch name {
	case "host":
		h := r.Host
		if h == "" && r.URL != nil {
			h = r.URL.Host
		}
		return []string{h}, h != ""
	case "content-length":
		if v, ok := r.Header["Content-Length"]; ok {
			return v, true
		}
		if r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}, true
		}
		return nil, false
	case "transfer-encoding":
		if v, ok := r.Header["Transfer-Encoding"]; ok {
			return v, true
		}
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}, true
		}
		return nil, false
	}
	var buf [64]byte
	if len(name) <= len(buf) {
		key := buf[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			key[i] = c
			upper = c == '-'
		}
		if v, ok := r.Header[string(key)]; ok {
			return v, true
		}
	}
	// Header keys net/http did not canonicalize, or set directly on the map by a client.
	for k, v := range r.Header {
		if strings.EqualFold(k, name) {
			vals = append(vals, v...)
			ok = true
		}
	}
	return vals, ok
}

// appendCanonicalHeaders appends "name:value\n" for every signed header. missing is the first
// signed header absent from the request ("" if none); it is canonicalized with an empty value.
func appendCanonicalHeaders(dst []byte, r *http.Request, signed []string) (out []byte, missing string) {
	for _, name := range signed {
		dst = append(dst, name...)
		dst = append(dst, ':')
		vals, ok := headerValues(r, name)
		if !ok && missing == "" {
			missing = name
		}
		for i, v := range vals {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendHeaderValue(dst, v)
		}
		dst = append(dst, '\n')
	}
	return dst, missing
}

// unsignedAmzHeader returns the first x-amz-* header present in r but not signed, ignoring
// X-Amz-Security-Token (clients sign it or not).
func unsignedAmzHeader(r *http.Request, signed []string) string {
	for k := range r.Header {
		if len(k) < 6 || !strings.EqualFold(k[:6], "x-amz-") || strings.EqualFold(k, "X-Amz-Security-Token") {
			continue
		}
		found := false
		for _, s := range signed {
			if len(k) == len(s) && strings.EqualFold(k, s) {
				found = true
				break
			}
		}
		if !found {
			return strings.ToLower(k)
		}
	}
	return ""
}
