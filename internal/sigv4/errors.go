package sigv4

// ErrorCode is the closed set of reasons a request fails authentication. The server maps each
// code to the protocol's own error (SignatureDoesNotMatch, AuthorizationHeaderMalformed,
// RequestTimeTooSkewed, XAmzContentSHA256Mismatch, ...). An ErrorCode is itself an error so that
// errors.Is(err, sigv4.ErrRequestExpired) works.
type ErrorCode int

const (
	// ErrMissingAuthentication: neither an Authorization header nor presigned query parameters.
	ErrMissingAuthentication ErrorCode = iota + 1
	// ErrMalformedAuthorization: bad Authorization header, missing component, bad scope,
	// unsupported algorithm, unsupported x-amz-content-sha256 value, both auth mechanisms at once.
	ErrMalformedAuthorization
	// ErrMalformedPresign: missing or bad presigned query parameter (including X-Amz-Expires).
	ErrMalformedPresign
	// ErrMissingDate: no usable X-Amz-Date (or Date) value.
	ErrMissingDate
	// ErrSignatureMismatch: the request signature does not match.
	ErrSignatureMismatch
	// ErrRequestExpired: a presigned request used after X-Amz-Date + X-Amz-Expires.
	ErrRequestExpired
	// ErrRequestNotYetValid: a presigned request whose X-Amz-Date is in the future beyond the skew.
	ErrRequestNotYetValid
	// ErrRequestTimeTooSkewed: a header-signed request whose time is too far from now.
	ErrRequestTimeTooSkewed
	// ErrUnsignedHeader: an x-amz-* header is present but not among SignedHeaders.
	ErrUnsignedHeader
	// ErrContentSHA256Mismatch: the body does not hash to the x-amz-content-sha256 value.
	ErrContentSHA256Mismatch
	// ErrMalformedChunk: bad aws-chunked framing, truncated body, decoded length mismatch,
	// malformed or undeclared trailer.
	ErrMalformedChunk
	// ErrChunkSignatureMismatch: a chunk or trailer signature does not match.
	ErrChunkSignatureMismatch
	// ErrChecksumMismatch: the trailing checksum does not match the data.
	ErrChecksumMismatch
	// ErrBodyTooLarge: a body that must be buffered exceeds Options.MaxBody.
	ErrBodyTooLarge
)

var codeNames = [...]string{
	ErrMissingAuthentication:  "MissingAuthentication",
	ErrMalformedAuthorization: "MalformedAuthorization",
	ErrMalformedPresign:       "MalformedPresign",
	ErrMissingDate:            "MissingDate",
	ErrSignatureMismatch:      "SignatureMismatch",
	ErrRequestExpired:         "RequestExpired",
	ErrRequestNotYetValid:     "RequestNotYetValid",
	ErrRequestTimeTooSkewed:   "RequestTimeTooSkewed",
	ErrUnsignedHeader:         "UnsignedHeader",
	ErrContentSHA256Mismatch:  "ContentSHA256Mismatch",
	ErrMalformedChunk:         "MalformedChunk",
	ErrChunkSignatureMismatch: "ChunkSignatureMismatch",
	ErrChecksumMismatch:       "ChecksumMismatch",
	ErrBodyTooLarge:           "BodyTooLarge",
}

// String returns the code's name, e.g. "SignatureMismatch".
func (c ErrorCode) String() string {
	if c > 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "ErrorCode(?)"
}

// Error makes a bare code usable as an errors.Is target.
func (c ErrorCode) Error() string { return "sigv4: " + c.String() }

// Error is the only error type the package returns for authentication failures. I/O errors of
// the underlying request body are passed through (wrapped) and are not *Error.
type Error struct {
	Code ErrorCode
	// Message is safe to show to the client and says what is wrong.
	Message string
	// CanonicalRequest and StringToSign are set for ErrSignatureMismatch (S3 returns them to
	// the client to help debugging; they contain no secret).
	CanonicalRequest string
	StringToSign     string
}

func (e *Error) Error() string { return "sigv4: " + e.Code.String() + ": " + e.Message }

// Is reports whether target is e's ErrorCode (or an *Error with the same code).
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case ErrorCode:
		return e.Code == t
	case *Error:
		return e.Code == t.Code
	}
	return false
}

func newError(code ErrorCode, msg string) *Error { return &Error{Code: code, Message: msg} }
