// Package oidctest runs an OpenID Connect issuer on https://127.0.0.1 for tests (a TLS test server:
// issuers are https URLs, as IAM requires): a discovery document, a JWKS with rotating ES256 keys,
// and token minting. Client returns an HTTP client that trusts its certificate; CertPEM the
// certificate itself, for processes that need a CA file.
//
// # Device flow
//
// The issuer also runs the OAuth 2.0 Device Authorization Grant (RFC 8628) for public clients,
// advertised in its discovery document:
//
//	POST /device_authorization  client_id, scope → device_code, user_code, verification_uri,
//	                            verification_uri_complete, expires_in, interval
//	POST /token                 grant_type=urn:ietf:params:oauth:grant-type:device_code
//	                            (device_code, client_id) or grant_type=refresh_token
//	                            (refresh_token, client_id) → id_token, refresh_token, access_token
//
// Until the test calls Approve (or Deny) for the user code, the token endpoint answers
// authorization_pending, or slow_down when polled again within the interval (which then grows
// by 5 s, as the RFC says); after expires_in it answers expired_token; after Deny,
// access_denied. An approved code yields one answer: an ID token for the approved subject and
// claims (aud = the client id) and a refresh token. A refresh token is single use: each refresh
// returns a new one. The issuer's clock (Options.Now) decides expiry and pace.
package oidctest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Issuer is a test OIDC issuer.
type Issuer struct {
	Server *httptest.Server
	mu     sync.Mutex
	keys   []*signingKey // published; the last one signs
	// Fetches counts JWKS downloads.
	Fetches int

	o       Options
	devices map[string]*device // by device code
	refresh map[string]*grant  // by refresh token
	counts  Counts
}

// Options configures an issuer; nil means defaults.
type Options struct {
	Now             func() time.Time // default time.Now
	DeviceInterval  time.Duration    // polling interval announced, default 5 s (whole seconds)
	DeviceExpiresIn time.Duration    // life of a device code, default 10 min
	TokenLifetime   time.Duration    // life of ID tokens from the token endpoint, default 1 h
}

// Counts are the requests the issuer answered, by endpoint.
type Counts struct {
	Discovery, DeviceAuthorizations, DeviceTokenPolls, Refreshes int
}

// device is one device authorization.
type device struct {
	code, userCode, clientID string
	scopes                   []string
	expires                  time.Time
	interval                 time.Duration
	lastPoll                 time.Time
	state                    deviceState
	grant                    grant
}

type deviceState uint8

const (
	pending deviceState = iota
	approved
	denied
)

// grant is what an approval gives: a subject and its extra claims for a client.
type grant struct {
	sub, clientID string
	extra         map[string]any
}

type signingKey struct {
	kid string
	key *ecdsa.PrivateKey
}

// New starts an issuer with one key and default options. Close it with Close.
func New() *Issuer { return NewWithOptions(nil) }

// NewWithOptions starts an issuer with one key. Close it with Close.
func NewWithOptions(opts *Options) *Issuer {
	is := &Issuer{devices: map[string]*device{}, refresh: map[string]*grant{}}
	if opts != nil {
		is.o = *opts
	}
	if is.o.Now == nil {
		is.o.Now = time.Now
	}
	if is.o.DeviceInterval <= 0 {
		is.o.DeviceInterval = 5 * time.Second
	}
	if is.o.DeviceExpiresIn <= 0 {
		is.o.DeviceExpiresIn = 10 * time.Minute
	}
	if is.o.TokenLifetime <= 0 {
		is.o.TokenLifetime = time.Hour
	}
	is.Rotate(false)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		is.mu.Lock()
		is.counts.Discovery++
		is.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": is.URL(), "jwks_uri": is.URL() + "/keys",
			"id_token_signing_alg_values_supported": []string{"ES256"},
			"device_authorization_endpoint":         is.URL() + "/device_authorization",
			"token_endpoint":                        is.URL() + "/token",
			"grant_types_supported":                 []string{grantDevice, "refresh_token"},
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
		})
	})
	mux.HandleFunc("POST /device_authorization", is.deviceAuthorization)
	mux.HandleFunc("POST /token", is.token)
	mux.HandleFunc("GET /device", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "enter the code %s\n", r.URL.Query().Get("user_code"))
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		is.mu.Lock()
		defer is.mu.Unlock()
		is.Fetches++
		var keys []map[string]string
		for _, k := range is.keys {
			keys = append(keys, map[string]string{
				"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": k.kid,
				"x": b64(k.key.X.FillBytes(make([]byte, 32))), "y": b64(k.key.Y.FillBytes(make([]byte, 32))),
			})
		}
		json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	})
	is.Server = httptest.NewTLSServer(mux)
	return is
}

// Client returns an HTTP client that trusts the issuer's certificate.
func (is *Issuer) Client() *http.Client { return is.Server.Client() }

// CertPEM returns the issuer's certificate in PEM form.
func (is *Issuer) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: is.Server.Certificate().Raw})
}

// URL is the issuer identifier (https://127.0.0.1:port).
func (is *Issuer) URL() string { return is.Server.URL }

// Close stops the issuer.
func (is *Issuer) Close() { is.Server.Close() }

// Rotate adds a new signing key; with drop, the old keys are no longer published.
func (is *Issuer) Rotate(drop bool) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	sk := &signingKey{kid: fmt.Sprintf("k%d", len(is.keys)+1), key: k}
	if drop {
		is.keys = nil
	}
	is.keys = append(is.keys, sk)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Token mints a signed ID token with the standard claims and extra ones. lifetime may be
// negative for an expired token.
func (is *Issuer) Token(sub, aud string, lifetime time.Duration, extra map[string]any) string {
	is.mu.Lock()
	k := is.keys[len(is.keys)-1]
	is.mu.Unlock()
	return is.mint(k, is.o.Now(), sub, aud, lifetime, extra)
}

func (is *Issuer) mint(k *signingKey, now time.Time, sub, aud string, lifetime time.Duration, extra map[string]any) string {
	claims := map[string]any{"iss": is.URL(), "sub": sub, "aud": aud, "iat": now.Unix(), "exp": now.Add(lifetime).Unix()}
	for key, v := range extra {
		claims[key] = v
	}
	return Sign(k.key, k.kid, claims)
}

// Sign signs claims with key as an ES256 JWS.
func Sign(key *ecdsa.PrivateKey, kid string, claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT", "kid": kid})
	p, _ := json.Marshal(claims)
	signing := b64(h) + "." + b64(p)
	sum := sha256.Sum256([]byte(signing))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		panic(err)
	}
	sig := append(pad(r), pad(s)...)
	return signing + "." + b64(sig)
}

func pad(n *big.Int) []byte { return n.FillBytes(make([]byte, 32)) }
