package s3

import (
	"errors"
	"io"
	"net/http"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/blob"
	"github.com/sluicehq/sluice/internal/sigv4"
)

// errorf builds an S3 error.
func errorf(status int, code, format string, args ...any) *awsproto.Error {
	return awsproto.Errorf(status, code, format, args...)
}

func noSuchBucket(bucket string) error {
	return errorf(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist").With("BucketName", bucket)
}

func noSuchKey(key string) error {
	return errorf(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.").With("Key", key)
}

func noSuchUpload(id string) error {
	return errorf(http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").With("UploadId", id)
}

func invalidArgument(name, value, format string, args ...any) error {
	return errorf(http.StatusBadRequest, "InvalidArgument", format, args...).With("ArgumentName", name).With("ArgumentValue", value)
}

func invalidRequest(format string, args ...any) error {
	return errorf(http.StatusBadRequest, "InvalidRequest", format, args...)
}

func malformedXML() error {
	return errorf(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
}

func notImplemented() error {
	return errorf(http.StatusNotImplemented, "NotImplemented", "A header or query you provided implies functionality that is not implemented")
}

// bodyErrors maps failures found while reading a verified body (sigv4.Body) to S3's codes.
var bodyErrors = map[sigv4.ErrorCode]struct {
	status int
	code   string
	msg    string
}{
	sigv4.ErrContentSHA256Mismatch:  {400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed."},
	sigv4.ErrChecksumMismatch:       {400, "BadDigest", "The checksum you specified did not match the calculated checksum."},
	sigv4.ErrMalformedChunk:         {400, "IncompleteBody", "The request body is not a well-formed aws-chunked body."},
	sigv4.ErrChunkSignatureMismatch: {403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."},
	sigv4.ErrBodyTooLarge:           {400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size."},
}

// bodyError converts an error from reading the request body (possibly wrapped by a driver) into
// what the client sees; it returns err unchanged when it is not a body error.
func bodyError(err error) error {
	if e := awsproto.As(err); e != nil {
		return e
	}
	var se *sigv4.Error
	if errors.As(err, &se) {
		if m, ok := bodyErrors[se.Code]; ok {
			e := errorf(m.status, m.code, "%s", m.msg)
			e.Err = err
			return e
		}
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errorf(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
	}
	var re *blob.ReadError
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &re) {
		e := errorf(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
		e.Err = err
		return e
	}
	return err
}
