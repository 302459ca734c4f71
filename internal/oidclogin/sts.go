package oidclogin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/secret"
)

// SessionName derives a role session name from a token subject: the subject with every
// character outside [\w+=,.@-] replaced by '_', cut to 64 and padded to 2 characters.
func SessionName(subject string) string { return identity.SafeName(subject, '_') }

// unverifiedClaims reads iss and sub of an ID token without checking it: Sluice checks it, the
// client only needs a session name.
func unverifiedClaims(token string) (iss, sub string, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", "", false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", "", false
	}
	var c struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
	}
	if json.Unmarshal(payload, &c) != nil || c.Sub == "" {
		return "", "", false
	}
	return c.Iss, c.Sub, true
}

// stsResult is AssumeRoleWithWebIdentity's answer, as far as it is needed.
type stsResult struct {
	Credentials struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	} `xml:"AssumeRoleWithWebIdentityResult>Credentials"`
}

// stsError is the query protocol's error document.
type stsError struct {
	Code    string `xml:"Error>Code"`
	Message string `xml:"Error>Message"`
}

// exchange calls STS AssumeRoleWithWebIdentity at the endpoint, unsigned.
func (c *Client) exchange(ctx context.Context, idToken string) (*Credentials, error) {
	iss, sub, ok := unverifiedClaims(idToken)
	if !ok {
		return nil, errorf(IssuerError, "the issuer's ID token is not a JWT with a sub claim")
	}
	if iss != c.cfg.Issuer {
		return nil, errorf(IssuerError, "the ID token was issued by %q, not %q", iss, c.cfg.Issuer)
	}
	form := url.Values{
		"Action": {"AssumeRoleWithWebIdentity"}, "Version": {"2011-06-15"},
		"RoleArn": {c.cfg.RoleARN}, "RoleSessionName": {SessionName(sub)}, "WebIdentityToken": {idToken},
	}
	if c.cfg.Duration > 0 {
		form.Set("DurationSeconds", strconv.FormatInt(int64(c.cfg.Duration/time.Second), 10))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.Endpoint+"/", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &Error{Kind: Invalid, Msg: "bad endpoint", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	resp, err := c.o.STSClient.Do(req)
	if err != nil {
		return nil, &Error{Kind: Unavailable, Msg: "cannot reach Sluice at " + c.cfg.Endpoint, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, &Error{Kind: Unavailable, Msg: "reading Sluice's answer", Err: err}
	}
	if resp.StatusCode != http.StatusOK {
		var e stsError
		if xml.Unmarshal(body, &e) != nil || e.Code == "" {
			return nil, errorf(Unavailable, "Sluice answered AssumeRoleWithWebIdentity with %s", resp.Status)
		}
		return nil, &Error{Kind: Refused, Code: e.Code, Msg: e.Message}
	}
	var r stsResult
	if err := xml.Unmarshal(body, &r); err != nil || r.Credentials.AccessKeyID == "" {
		return nil, errorf(Unavailable, "Sluice's AssumeRoleWithWebIdentity answer holds no credentials")
	}
	exp, err := time.Parse(time.RFC3339, r.Credentials.Expiration)
	if err != nil {
		return nil, errorf(Unavailable, "Sluice's credentials have no valid expiration")
	}
	return &Credentials{AccessKeyID: r.Credentials.AccessKeyID, SecretAccessKey: secret.New(r.Credentials.SecretAccessKey),
		SessionToken: secret.New(r.Credentials.SessionToken), Expiration: exp}, nil
}
