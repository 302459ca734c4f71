package server

import (
	"errors"
	"net/http"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/sigv4"
)

// authError is one row of the authentication-failure table: the code and status each protocol's
// clients expect for the same failure.
type authError struct {
	query, json, s3 string // codes for query (STS, IAM), JSON and REST-JSON, REST-XML (S3)
	queryStatus     int
	jsonStatus      int
	s3Status        int
}

// sigv4Errors maps signature failures to protocol codes (spec §1.3, §6, §9.2).
var sigv4Errors = map[sigv4.ErrorCode]authError{
	sigv4.ErrMissingAuthentication:  {"MissingAuthenticationToken", "MissingAuthenticationTokenException", "AccessDenied", 403, 403, 403},
	sigv4.ErrMalformedAuthorization: {"IncompleteSignature", "IncompleteSignatureException", "AuthorizationHeaderMalformed", 400, 403, 400},
	sigv4.ErrMalformedPresign:       {"IncompleteSignature", "IncompleteSignatureException", "AuthorizationQueryParametersError", 400, 403, 400},
	sigv4.ErrMissingDate:            {"IncompleteSignature", "IncompleteSignatureException", "AccessDenied", 400, 403, 403},
	sigv4.ErrSignatureMismatch:      {"SignatureDoesNotMatch", "InvalidSignatureException", "SignatureDoesNotMatch", 403, 403, 403},
	sigv4.ErrRequestExpired:         {"RequestExpired", "RequestExpired", "AccessDenied", 400, 400, 403},
	sigv4.ErrRequestTimeTooSkewed:   {"SignatureDoesNotMatch", "InvalidSignatureException", "RequestTimeTooSkewed", 403, 403, 403},
	sigv4.ErrContentSHA256Mismatch:  {"SignatureDoesNotMatch", "InvalidSignatureException", "XAmzContentSHA256Mismatch", 403, 403, 400},
	sigv4.ErrMalformedChunk:         {"IncompleteSignature", "IncompleteSignatureException", "IncompleteBody", 400, 400, 400},
	sigv4.ErrChunkSignatureMismatch: {"SignatureDoesNotMatch", "InvalidSignatureException", "SignatureDoesNotMatch", 403, 403, 403},
	sigv4.ErrChecksumMismatch:       {"SignatureDoesNotMatch", "InvalidSignatureException", "BadDigest", 400, 400, 400},
	sigv4.ErrRequestNotYetValid:     {"SignatureDoesNotMatch", "InvalidSignatureException", "AccessDenied", 403, 403, 403},
	sigv4.ErrUnsignedHeader:         {"SignatureDoesNotMatch", "InvalidSignatureException", "AccessDenied", 403, 403, 403},
	sigv4.ErrBodyTooLarge:           {"RequestEntityTooLarge", "RequestEntityTooLargeException", "EntityTooLarge", 413, 413, 400},
}

// credentialErrors maps credential-resolution failures.
var credentialErrors = []struct {
	err  error
	row  authError
	text string
}{
	{identity.ErrUnknownAccessKey, authError{"InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId", 403, 403, 403},
		"The security token included in the request is invalid."},
	{identity.ErrInactiveKey, authError{"InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId", 403, 403, 403},
		"The security token included in the request is invalid."},
	{identity.ErrInvalidToken, authError{"InvalidClientTokenId", "UnrecognizedClientException", "InvalidToken", 403, 403, 400},
		"The security token included in the request is invalid."},
	{identity.ErrExpiredToken, authError{"ExpiredToken", "ExpiredTokenException", "ExpiredToken", 403, 403, 400},
		"The security token included in the request is expired"},
}

func (a authError) for_(svc *awsproto.Service) (string, int) {
	switch svc.Protocol {
	case awsproto.Query:
		return a.query, a.queryStatus
	case awsproto.RESTXML:
		return a.s3, a.s3Status
	default:
		return a.json, a.jsonStatus
	}
}

// authFailure turns an authentication error into what the service's clients expect.
func authFailure(svc *awsproto.Service, err error, accessKeyID identity.AccessKeyID) *awsproto.Error {
	var se *sigv4.Error
	if errors.As(err, &se) {
		row, ok := sigv4Errors[se.Code]
		if !ok {
			row = sigv4Errors[sigv4.ErrMalformedAuthorization]
		}
		code, status := row.for_(svc)
		msg := se.Message
		switch {
		case se.Code == sigv4.ErrRequestExpired && svc.Protocol == awsproto.RESTXML:
			msg = "Request has expired"
		case se.Code == sigv4.ErrMissingAuthentication && svc.Protocol != awsproto.RESTXML:
			msg = "Request is missing Authentication Token"
		case se.Code == sigv4.ErrSignatureMismatch || se.Code == sigv4.ErrChunkSignatureMismatch:
			msg = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
		}
		e := awsproto.Errorf(status, code, "%s", msg)
		e.Err = err
		if svc.Protocol == awsproto.RESTXML {
			if accessKeyID != "" && se.Code == sigv4.ErrSignatureMismatch {
				e = e.With("AWSAccessKeyId", string(accessKeyID))
				if se.StringToSign != "" {
					e = e.With("StringToSign", se.StringToSign)
				}
				if se.CanonicalRequest != "" {
					e = e.With("CanonicalRequest", se.CanonicalRequest)
				}
			}
			if se.Code == sigv4.ErrRequestTimeTooSkewed {
				e = e.With("MaxAllowedSkewMilliseconds", "900000")
			}
		}
		return e
	}
	for _, ce := range credentialErrors {
		if errors.Is(err, ce.err) {
			code, status := ce.row.for_(svc)
			msg := ce.text
			if svc.Protocol == awsproto.RESTXML {
				switch code {
				case "InvalidAccessKeyId":
					msg = "The AWS Access Key Id you provided does not exist in our records."
				case "InvalidToken":
					msg = "The provided token is malformed or otherwise invalid."
				case "ExpiredToken":
					msg = "The provided token has expired."
				}
			}
			e := awsproto.Errorf(status, code, "%s", msg)
			e.Err = err
			if svc.Protocol == awsproto.RESTXML && accessKeyID != "" && code == "InvalidAccessKeyId" {
				e = e.With("AWSAccessKeyId", string(accessKeyID))
			}
			return e
		}
	}
	e := awsproto.Errorf(http.StatusInternalServerError, svc.InternalCode, "We encountered an internal error. Please try again.")
	e.Err = err
	return e
}
