package oidctest

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

const grantDevice = "urn:ietf:params:oauth:grant-type:device_code"

// userCodeAlphabet has no vowels (no words) and no look-alike characters (RFC 8628 §6.1).
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func opaque() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b64(b)
}

// normalizeUserCode drops separators and case, as a person may type the code either way.
func normalizeUserCode(s string) string {
	return strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(s))
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

func (is *Issuer) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_id") == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "client_id is required")
		return
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.counts.DeviceAuthorizations++
	user := randomString(8, userCodeAlphabet)
	d := &device{
		code: opaque(), userCode: user[:4] + "-" + user[4:], clientID: r.PostForm.Get("client_id"),
		scopes: strings.Fields(r.PostForm.Get("scope")), expires: is.o.Now().Add(is.o.DeviceExpiresIn),
		interval: is.o.DeviceInterval,
	}
	is.devices[d.code] = d
	writeJSON(w, map[string]any{
		"device_code": d.code, "user_code": d.userCode,
		"verification_uri":          is.URL() + "/device",
		"verification_uri_complete": is.URL() + "/device?user_code=" + d.userCode,
		"expires_in":                int(is.o.DeviceExpiresIn / time.Second),
		"interval":                  int(is.o.DeviceInterval / time.Second),
	})
}

func (is *Issuer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "not a form")
		return
	}
	f := r.PostForm
	client := f.Get("client_id")
	is.mu.Lock()
	defer is.mu.Unlock()
	now := is.o.Now()
	switch f.Get("grant_type") {
	case grantDevice:
		is.counts.DeviceTokenPolls++
		d := is.devices[f.Get("device_code")]
		if d == nil || d.clientID != client {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown device code")
			return
		}
		switch {
		case !now.Before(d.expires):
			delete(is.devices, d.code)
			oauthError(w, http.StatusBadRequest, "expired_token", "the device code expired")
		case d.state == denied:
			delete(is.devices, d.code)
			oauthError(w, http.StatusBadRequest, "access_denied", "the user refused")
		case d.state == approved:
			delete(is.devices, d.code)
			is.issue(w, now, d.grant)
		case !d.lastPoll.IsZero() && now.Sub(d.lastPoll) < d.interval:
			d.lastPoll = now
			d.interval += 5 * time.Second
			oauthError(w, http.StatusBadRequest, "slow_down", "poll less often")
		default:
			d.lastPoll = now
			oauthError(w, http.StatusBadRequest, "authorization_pending", "waiting for the user")
		}
	case "refresh_token":
		is.counts.Refreshes++
		rt := f.Get("refresh_token")
		g := is.refresh[rt]
		if g == nil || g.clientID != client {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown refresh token")
			return
		}
		delete(is.refresh, rt)
		is.issue(w, now, *g)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type not supported")
	}
}

// issue answers a successful token request; is.mu is held.
func (is *Issuer) issue(w http.ResponseWriter, now time.Time, g grant) {
	k := is.keys[len(is.keys)-1]
	rt := opaque()
	is.refresh[rt] = &g
	writeJSON(w, map[string]any{
		"access_token": opaque(), "token_type": "Bearer", "expires_in": int(is.o.TokenLifetime / time.Second),
		"id_token":      is.mint(k, now, g.sub, g.clientID, is.o.TokenLifetime, g.extra),
		"refresh_token": rt,
	})
}

// ErrNoSuchCode is returned by Approve and Deny for a user code that is not pending.
var ErrNoSuchCode = errors.New("oidctest: no pending device authorization with that user code")

func (is *Issuer) find(userCode string) *device {
	want := normalizeUserCode(userCode)
	for _, d := range is.devices {
		if d.state == pending && normalizeUserCode(d.userCode) == want {
			return d
		}
	}
	return nil
}

// Approve signs the person in for a pending user code: the next poll gets an ID token for sub
// with the extra claims (a "groups" list, an "email" …).
func (is *Issuer) Approve(userCode, sub string, extra map[string]any) error {
	is.mu.Lock()
	defer is.mu.Unlock()
	d := is.find(userCode)
	if d == nil {
		return ErrNoSuchCode
	}
	d.state, d.grant = approved, grant{sub: sub, clientID: d.clientID, extra: extra}
	return nil
}

// Deny refuses a pending user code: the next poll gets access_denied.
func (is *Issuer) Deny(userCode string) error {
	is.mu.Lock()
	defer is.mu.Unlock()
	d := is.find(userCode)
	if d == nil {
		return ErrNoSuchCode
	}
	d.state = denied
	return nil
}

// Pending returns the user codes waiting for approval.
func (is *Issuer) Pending() []string {
	is.mu.Lock()
	defer is.mu.Unlock()
	var out []string
	for _, d := range is.devices {
		if d.state == pending {
			out = append(out, d.userCode)
		}
	}
	return out
}

// RevokeRefreshTokens invalidates every refresh token issued so far.
func (is *Issuer) RevokeRefreshTokens() {
	is.mu.Lock()
	defer is.mu.Unlock()
	clear(is.refresh)
}

// Requests returns how many requests each endpoint answered.
func (is *Issuer) Requests() Counts {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.counts
}
