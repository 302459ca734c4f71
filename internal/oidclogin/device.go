package oidclogin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const grantDevice = "urn:ietf:params:oauth:grant-type:device_code"

// discovery is the part of the issuer's discovery document the login needs.
type discovery struct {
	Issuer    string `json:"issuer"`
	DeviceURL string `json:"device_authorization_endpoint"`
	TokenURL  string `json:"token_endpoint"`
}

// tokenResponse is a token endpoint's answer (RFC 6749 §5.1, OIDC Core §3.1.3.3).
type tokenResponse struct {
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
}

// oauthError is a token or device endpoint's refusal (RFC 6749 §5.2).
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (c *Client) discover(ctx context.Context) (*discovery, error) {
	u := strings.TrimSuffix(c.cfg.Issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &Error{Kind: IssuerError, Msg: "cannot ask the issuer", Err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.o.IssuerClient.Do(req)
	if err != nil {
		return nil, &Error{Kind: IssuerError, Msg: "cannot reach the issuer " + c.cfg.Issuer, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errorf(IssuerError, "the issuer's discovery document %s answered %s", u, resp.Status)
	}
	var d discovery
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&d); err != nil {
		return nil, &Error{Kind: IssuerError, Msg: "the issuer's discovery document is not JSON", Err: err}
	}
	if d.Issuer != c.cfg.Issuer {
		return nil, errorf(IssuerError, "the discovery document of %s names the issuer %q", c.cfg.Issuer, d.Issuer)
	}
	if d.TokenURL == "" || d.DeviceURL == "" {
		return nil, errorf(IssuerError, "the issuer %s offers no device authorization (device_authorization_endpoint and token_endpoint)", c.cfg.Issuer)
	}
	return &d, nil
}

// post sends a form to an issuer endpoint and decodes a 200 answer into ok; a 4xx answer with
// an OAuth error body is returned as *oauthError.
func (c *Client) post(ctx context.Context, endpoint string, form url.Values, ok any) (*oauthError, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &Error{Kind: IssuerError, Msg: "cannot ask the issuer", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.o.IssuerClient.Do(req)
	if err != nil {
		return nil, &Error{Kind: IssuerError, Msg: "cannot reach the issuer " + c.cfg.Issuer, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, &Error{Kind: IssuerError, Msg: "reading the issuer's answer", Err: err}
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, ok); err != nil {
			return nil, errorf(IssuerError, "the issuer's answer from %s is not JSON", endpoint)
		}
		return nil, nil
	}
	var oe oauthError
	if resp.StatusCode >= 400 && resp.StatusCode < 500 && json.Unmarshal(body, &oe) == nil && oe.Code != "" {
		return &oe, nil
	}
	return nil, errorf(IssuerError, "the issuer's endpoint %s answered %s", endpoint, resp.Status)
}

// deviceAuthorization is the device endpoint's answer (RFC 8628 §3.2). verification_url is
// the name some issuers (Google) use.
type deviceAuthorization struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURL         string `json:"verification_url"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
}

// device runs the device flow: authorization, prompt, polling.
func (c *Client) device(ctx context.Context, d *discovery) (*tokenResponse, error) {
	var da deviceAuthorization
	oe, err := c.post(ctx, d.DeviceURL, url.Values{"client_id": {c.cfg.ClientID}, "scope": {strings.Join(c.cfg.Scopes, " ")}}, &da)
	if err != nil {
		return nil, err
	}
	if oe != nil {
		return nil, &Error{Kind: IssuerError, Code: oe.Code, Msg: "the issuer refused the device authorization: " + oe.Description}
	}
	if da.VerificationURI == "" {
		da.VerificationURI = da.VerificationURL
	}
	if da.DeviceCode == "" || da.UserCode == "" || da.VerificationURI == "" || da.ExpiresIn <= 0 {
		return nil, errorf(IssuerError, "the issuer's device authorization lacks device_code, user_code, verification_uri or expires_in")
	}
	interval := time.Duration(da.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second // RFC 8628 §3.2
	}
	expires := c.o.Now().Add(time.Duration(da.ExpiresIn) * time.Second)
	c.o.Prompt(Prompt{VerificationURI: da.VerificationURI, VerificationURIComplete: da.VerificationURIComplete, UserCode: da.UserCode, Expires: expires})
	form := url.Values{"grant_type": {grantDevice}, "device_code": {da.DeviceCode}, "client_id": {c.cfg.ClientID}}
	for {
		if err := c.o.Sleep(ctx, interval); err != nil {
			return nil, &Error{Kind: Expired, Msg: "gave up waiting for the sign-in", Err: err}
		}
		if !c.o.Now().Before(expires) {
			return nil, errorf(Expired, "the code %s expired before the sign-in was completed; run the command again", da.UserCode)
		}
		var tok tokenResponse
		oe, err := c.post(ctx, d.TokenURL, form, &tok)
		if err != nil {
			return nil, err
		}
		if oe == nil {
			if tok.IDToken == "" {
				return nil, errorf(IssuerError, "the issuer's token answer holds no id_token (is the openid scope allowed for client %s?)", c.cfg.ClientID)
			}
			return &tok, nil
		}
		switch oe.Code {
		case "authorization_pending":
		case "slow_down":
			interval += 5 * time.Second
		case "access_denied":
			return nil, &Error{Kind: Denied, Code: oe.Code, Msg: "the sign-in was refused at the issuer"}
		case "expired_token":
			return nil, &Error{Kind: Expired, Code: oe.Code, Msg: fmt.Sprintf("the code %s expired before the sign-in was completed; run the command again", da.UserCode)}
		default:
			return nil, &Error{Kind: IssuerError, Code: oe.Code, Msg: "the issuer refused the sign-in: " + oe.Description}
		}
	}
}

// refresh exchanges a refresh token for new tokens.
func (c *Client) refresh(ctx context.Context, d *discovery, rt string) (*tokenResponse, error) {
	var tok tokenResponse
	oe, err := c.post(ctx, d.TokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {c.cfg.ClientID}}, &tok)
	if err != nil {
		return nil, err
	}
	if oe != nil {
		return nil, &Error{Kind: IssuerError, Code: oe.Code, Msg: "the issuer refused the refresh token"}
	}
	return &tok, nil
}
