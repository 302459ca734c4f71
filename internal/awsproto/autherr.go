package awsproto

import (
	"errors"
	"net/http"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/sigv4"
)

// AuthErrorRow is one row of the authentication-failure tables: the code and status each protocol's
// clients expect for the same failure.
type AuthErrorRow struct {
	Query, JSON, S3                   string // codes for query (STS, IAM), JSON and REST-JSON, REST-XML (S3)
	QueryStatus, JSONStatus, S3Status int
}

// sigv4Errors maps signature failures to protocol codes (spec §1.3, §6, §9.2).
var sigv4Errors = map[sigv4.ErrorCode]AuthErrorRow{
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

// For returns the row's code and status for svc's protocol.
func (a AuthErrorRow) For(svc *Service) (string, int) {
	switch svc.Protocol {
	case Query:
		return a.Query, a.QueryStatus
	case RESTXML:
		return a.S3, a.S3Status
	default:
		return a.JSON, a.JSONStatus
	}
}

// FromSigV4 maps a signature or payload-verification failure (a *sigv4.Error, also when it
// surfaces while a handler reads the verified body) to the code svc's clients expect. It returns
// nil when err is not a *sigv4.Error.
func FromSigV4(svc *Service, err error, accessKeyID identity.AccessKeyID) *Error {
	var se *sigv4.Error
	if !errors.As(err, &se) {
		return nil
	}
	row, ok := sigv4Errors[se.Code]
	if !ok {
		row = sigv4Errors[sigv4.ErrMalformedAuthorization]
	}
	code, status := row.For(svc)
	msg := se.Message
	switch {
	case se.Code == sigv4.ErrRequestExpired && svc.Protocol == RESTXML:
		msg = "Request has expired"
	case se.Code == sigv4.ErrMissingAuthentication && svc.Protocol != RESTXML:
		msg = "Request is missing Authentication Token"
	case se.Code == sigv4.ErrSignatureMismatch || se.Code == sigv4.ErrChunkSignatureMismatch:
		msg = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	}
	e := Errorf(status, code, "%s", msg)
	e.Err = err
	if svc.Protocol == RESTXML {
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

// credentialErrors maps credential-resolution failures.
var credentialErrors = []struct {
	err  error
	row  AuthErrorRow
	text string
}{
	{identity.ErrUnknownAccessKey, AuthErrorRow{"InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId", 403, 403, 403},
		"The security token included in the request is invalid."},
	{identity.ErrInactiveKey, AuthErrorRow{"InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId", 403, 403, 403},
		"The security token included in the request is invalid."},
	{identity.ErrInvalidToken, AuthErrorRow{"InvalidClientTokenId", "UnrecognizedClientException", "InvalidToken", 403, 403, 400},
		"The security token included in the request is invalid."},
	{identity.ErrExpiredToken, AuthErrorRow{"ExpiredToken", "ExpiredTokenException", "ExpiredToken", 403, 403, 400},
		"The security token included in the request is expired"},
}

// AuthFailure turns an authentication error (a *sigv4.Error, or a credential resolver's
// identity.Err…) into what the service's clients expect.
func AuthFailure(svc *Service, err error, accessKeyID identity.AccessKeyID) *Error {
	if e := FromSigV4(svc, err, accessKeyID); e != nil {
		return e
	}
	for _, ce := range credentialErrors {
		if errors.Is(err, ce.err) {
			code, status := ce.row.For(svc)
			msg := ce.text
			if svc.Protocol == RESTXML {
				switch code {
				case "InvalidAccessKeyId":
					msg = "The AWS Access Key Id you provided does not exist in our records."
				case "InvalidToken":
					msg = "The provided token is malformed or otherwise invalid."
				case "ExpiredToken":
					msg = "The provided token has expired."
				}
			}
			e := Errorf(status, code, "%s", msg)
			e.Err = err
			if svc.Protocol == RESTXML && accessKeyID != "" && code == "InvalidAccessKeyId" {
				e = e.With("AWSAccessKeyId", string(accessKeyID))
			}
			return e
		}
	}
	e := Errorf(http.StatusInternalServerError, svc.InternalCode, "We encountered an internal error. Please try again.")
	e.Err = err
	return e
}
