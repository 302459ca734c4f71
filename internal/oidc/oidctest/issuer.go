// Package oidctest runs an OpenID Connect issuer on https://127.0.0.1 for tests (a TLS test server:
// issuers are https URLs, as IAM requires): a discovery document, a JWKS with rotating ES256 keys,
// and token minting. Client returns an HTTP client that trusts its certificate; CertPEM the
// certificate itself, for processes that need a CA file.
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
}

type signingKey struct {
	kid string
	key *ecdsa.PrivateKey
}

// New starts an issuer with one key. Close it with Close.
func New() *Issuer {
	is := &Issuer{}
	is.Rotate(false)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": is.URL(), "jwks_uri": is.URL() + "/keys",
			"id_token_signing_alg_values_supported": []string{"ES256"},
		})
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
	now := time.Now()
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
