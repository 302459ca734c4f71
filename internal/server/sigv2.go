package server

import (
	"errors"
	"net/http"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/sigv2"
)

// domainer is implemented by the S3 service: the domain of virtual-hosted-style requests, which
// SigV2 needs to rebuild the canonical resource.
type domainer interface{ Domain() string }

// serveSigV2 authenticates a request signed with S3's legacy Signature Version 2 (boto3's
// default presigned URLs, s3cmd --signature-v2) through the same credential resolvers as SigV4
// and hands it to the S3 service. It reports false when r is not SigV2-signed.
func (s *Server) serveSigV2(w http.ResponseWriter, r *http.Request, c *awsproto.Call) bool {
	if !sigv2.Is(r) {
		return false
	}
	c.Service = awsproto.S3
	h := s.cfg.Services["s3"]
	if h == nil {
		c.Fail(w, r, awsproto.Errorf(http.StatusBadRequest, "InvalidRequest", "Sluice does not serve S3 here"))
		return true
	}
	a, err := sigv2.Parse(r)
	if err != nil {
		c.Fail(w, r, sigv2Failure(err, ""))
		return true
	}
	c.AccessKeyID = identity.AccessKeyID(a.AccessKeyID)
	cred, err := s.lookup(r.Context(), c.AccessKeyID, a.SecurityToken)
	if err != nil {
		c.Fail(w, r, awsproto.AuthFailure(c.Service, err, c.AccessKeyID))
		return true
	}
	domain := ""
	if d, ok := h.(domainer); ok {
		domain = d.Domain()
	}
	if err := sigv2.Verify(r, a, []byte(cred.Secret.Reveal()), sigv2.Resources(r, domain), s.cfg.Now()); err != nil {
		c.Fail(w, r, sigv2Failure(err, a.AccessKeyID))
		return true
	}
	c.Principal = cred.Principal
	c.Body = r.Body // SigV2 does not sign the payload; S3 checks Content-MD5 itself
	s.dispatch(w, r, c)
	return true
}

func sigv2Failure(err error, akid string) error {
	var e *sigv2.Error
	if !errors.As(err, &e) {
		return err
	}
	var out *awsproto.Error
	switch e.Code {
	case sigv2.ErrSignatureMismatch:
		out = awsproto.Errorf(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		if akid != "" {
			out = out.With("AWSAccessKeyId", akid).With("StringToSign", e.StringToSign)
		}
	case sigv2.ErrExpired:
		out = awsproto.Errorf(http.StatusForbidden, "AccessDenied", "Request has expired")
	case sigv2.ErrTimeTooSkewed:
		out = awsproto.Errorf(http.StatusForbidden, "RequestTimeTooSkewed", "%s", e.Message).With("MaxAllowedSkewMilliseconds", "900000")
	case sigv2.ErrMissingDate:
		out = awsproto.Errorf(http.StatusForbidden, "AccessDenied", "%s", e.Message)
	default:
		out = awsproto.Errorf(http.StatusBadRequest, "InvalidArgument", "%s", e.Message)
	}
	out.Err = err
	return out
}
