// Package oidc verifies OpenID Connect ID tokens (JWTs) for AssumeRoleWithWebIdentity: signature
// against the issuer's published keys (discovery document → jwks_uri, fetched and cached, refetched
// when a token names an unknown key id, so key rotation needs no restart), then expiry, not-before
// and issuer. Audience and subject checks belong to the caller (IAM's client-id list, trust
// policies).
//
// Supported algorithms: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512. "none" and
// HMAC algorithms are refused: a public issuer's key cannot be a shared secret.
package oidc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	_ "crypto/sha256"
	_ "crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Errors, by what the client should be told.
var (
	ErrInvalid       = errors.New("invalid identity token")  // InvalidIdentityToken
	ErrExpired       = errors.New("expired identity token")  // ExpiredTokenException
	ErrCommunication = errors.New("cannot reach the issuer") // IDPCommunicationError
)

// Claims are the verified claims of a token.
type Claims struct {
	Issuer   string
	Subject  string
	Audience []string
	Expires  time.Time
	IssuedAt time.Time
	AMR      []string
	// Raw holds every claim, for provider-specific keys and AWS's tag claims.
	Raw map[string]any
}

// Options configures a Verifier; nil means defaults.
type Options struct {
	Client   *http.Client     // default: 10 s timeout
	Now      func() time.Time // default time.Now
	Leeway   time.Duration    // clock leeway for exp/nbf/iat, default 60 s
	CacheFor time.Duration    // how long fetched keys are trusted without refetching, default 1 h
}

// Verifier verifies tokens of any issuer it is asked about, caching each issuer's keys.
type Verifier struct {
	client   *http.Client
	now      func() time.Time
	leeway   time.Duration
	cacheFor time.Duration

	mu   sync.Mutex
	keys map[string]*keySet // by issuer
}

type keySet struct {
	keys    map[string]crypto.PublicKey // by kid ("" when the set has one unnamed key)
	fetched time.Time
	mu      sync.Mutex // serializes refetches of one issuer
}

// NewVerifier returns a Verifier.
func NewVerifier(opts *Options) *Verifier {
	v := &Verifier{client: &http.Client{Timeout: 10 * time.Second}, now: time.Now, leeway: time.Minute, cacheFor: time.Hour, keys: map[string]*keySet{}}
	if opts != nil {
		if opts.Client != nil {
			v.client = opts.Client
		}
		if opts.Now != nil {
			v.now = opts.Now
		}
		if opts.Leeway != 0 {
			v.leeway = opts.Leeway
		}
		if opts.CacheFor != 0 {
			v.cacheFor = opts.CacheFor
		}
	}
	return v
}

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// UnverifiedIssuer returns the iss claim of a token without checking anything, to find the
// provider the token claims to come from.
func UnverifiedIssuer(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("%w: not a JWS compact serialization", ErrInvalid)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("%w: payload is not base64url", ErrInvalid)
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(payload, &c); err != nil || c.Iss == "" {
		return "", fmt.Errorf("%w: no iss claim", ErrInvalid)
	}
	return c.Iss, nil
}

// Verify checks token's signature with issuer's keys and its time claims, and returns its claims.
// The token's iss must equal issuer.
func (v *Verifier) Verify(ctx context.Context, issuer, token string) (*Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: not a JWS compact serialization", ErrInvalid)
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("%w: header is not base64url", ErrInvalid)
	}
	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fmt.Errorf("%w: header is not JSON", ErrInvalid)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, fmt.Errorf("%w: signature is not base64url", ErrInvalid)
	}
	key, err := v.key(ctx, issuer, h.Kid)
	if err != nil {
		return nil, err
	}
	if err := verifySignature(h.Alg, key, []byte(parts[0]+"."+parts[1]), sig); err != nil {
		return nil, err
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64url", ErrInvalid)
	}
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: payload is not a JSON object", ErrInvalid)
	}
	c := &Claims{Raw: raw}
	c.Issuer, _ = raw["iss"].(string)
	c.Subject, _ = raw["sub"].(string)
	c.Audience = stringList(raw["aud"])
	c.AMR = stringList(raw["amr"])
	if c.Issuer != issuer {
		return nil, fmt.Errorf("%w: issuer %q is not %q", ErrInvalid, c.Issuer, issuer)
	}
	now := v.now()
	exp, ok := numericDate(raw["exp"])
	if !ok {
		return nil, fmt.Errorf("%w: no exp claim", ErrInvalid)
	}
	c.Expires = exp
	if !now.Before(exp.Add(v.leeway)) {
		return nil, fmt.Errorf("%w: token expired at %s", ErrExpired, exp.UTC().Format(time.RFC3339))
	}
	if nbf, ok := numericDate(raw["nbf"]); ok && now.Add(v.leeway).Before(nbf) {
		return nil, fmt.Errorf("%w: token not valid before %s", ErrInvalid, nbf.UTC().Format(time.RFC3339))
	}
	if iat, ok := numericDate(raw["iat"]); ok {
		c.IssuedAt = iat
		if now.Add(v.leeway).Before(iat) {
			return nil, fmt.Errorf("%w: token issued in the future", ErrInvalid)
		}
	}
	return c, nil
}

func stringList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

var hashes = map[string]crypto.Hash{
	"RS256": crypto.SHA256, "RS384": crypto.SHA384, "RS512": crypto.SHA512,
	"PS256": crypto.SHA256, "PS384": crypto.SHA384, "PS512": crypto.SHA512,
	"ES256": crypto.SHA256, "ES384": crypto.SHA384, "ES512": crypto.SHA512,
}

func verifySignature(alg string, key crypto.PublicKey, signed, sig []byte) error {
	hf, ok := hashes[alg]
	if !ok {
		return fmt.Errorf("%w: algorithm %q is not accepted", ErrInvalid, alg)
	}
	h := hf.New()
	h.Write(signed)
	sum := h.Sum(nil)
	bad := fmt.Errorf("%w: bad signature", ErrInvalid)
	switch k := key.(type) {
	case *rsa.PublicKey:
		switch alg[:2] {
		case "RS":
			if rsa.VerifyPKCS1v15(k, hf, sum, sig) != nil {
				return bad
			}
		case "PS":
			if rsa.VerifyPSS(k, hf, sum, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) != nil {
				return bad
			}
		default:
			return fmt.Errorf("%w: %s with an RSA key", ErrInvalid, alg)
		}
	case *ecdsa.PublicKey:
		if alg[:2] != "ES" {
			return fmt.Errorf("%w: %s with an EC key", ErrInvalid, alg)
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return bad
		}
		r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
		if !ecdsa.Verify(k, sum, r, s) {
			return bad
		}
	default:
		return fmt.Errorf("%w: unsupported key type", ErrInvalid)
	}
	return nil
}

// key returns issuer's key kid, fetching the key set when it is missing, stale, or lacks kid
// (rotation). Refetches of one issuer are serialized and at most one per 10 s for unknown kids.
func (v *Verifier) key(ctx context.Context, issuer, kid string) (crypto.PublicKey, error) {
	v.mu.Lock()
	ks := v.keys[issuer]
	if ks == nil {
		ks = &keySet{}
		v.keys[issuer] = ks
	}
	v.mu.Unlock()

	ks.mu.Lock()
	defer ks.mu.Unlock()
	now := v.now()
	find := func() crypto.PublicKey {
		if k, ok := ks.keys[kid]; ok {
			return k
		}
		if kid == "" && len(ks.keys) == 1 {
			for _, k := range ks.keys {
				return k
			}
		}
		return nil
	}
	stale := ks.keys == nil || now.Sub(ks.fetched) > v.cacheFor
	if !stale {
		if k := find(); k != nil {
			return k, nil
		}
		if now.Sub(ks.fetched) < 10*time.Second {
			return nil, fmt.Errorf("%w: unknown key id %q", ErrInvalid, kid)
		}
	}
	keys, err := v.fetch(ctx, issuer)
	if err != nil {
		return nil, err
	}
	ks.keys, ks.fetched = keys, now
	if k := find(); k != nil {
		return k, nil
	}
	return nil, fmt.Errorf("%w: unknown key id %q", ErrInvalid, kid)
}

func (v *Verifier) getJSON(ctx context.Context, url string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCommunication, err)
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCommunication, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: GET %s: %s", ErrCommunication, url, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(into); err != nil {
		return fmt.Errorf("%w: GET %s: %v", ErrCommunication, url, err)
	}
	return nil
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

func (v *Verifier) fetch(ctx context.Context, issuer string) (map[string]crypto.PublicKey, error) {
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := v.getJSON(ctx, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &disc); err != nil {
		return nil, err
	}
	if disc.Issuer != issuer || disc.JWKSURI == "" {
		return nil, fmt.Errorf("%w: discovery document of %s names issuer %q", ErrCommunication, issuer, disc.Issuer)
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := v.getJSON(ctx, disc.JWKSURI, &set); err != nil {
		return nil, err
	}
	keys := map[string]crypto.PublicKey{}
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if pk, err := parseJWK(k); err == nil {
			keys[k.Kid] = pk
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: %s publishes no usable signing key", ErrCommunication, disc.JWKSURI)
	}
	return keys, nil
}

func b64int(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, errors.New("bad base64url integer")
	}
	return new(big.Int).SetBytes(b), nil
}

func parseJWK(k jwk) (crypto.PublicKey, error) {
	switch k.Kty {
	case "RSA":
		n, err := b64int(k.N)
		if err != nil {
			return nil, err
		}
		e, err := b64int(k.E)
		if err != nil || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31 {
			return nil, errors.New("bad RSA exponent")
		}
		if n.BitLen() < 2048 {
			return nil, errors.New("RSA key shorter than 2048 bits")
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	case "EC":
		var curve elliptic.Curve
		switch k.Crv {
		case "P-256":
			curve = elliptic.P256()
		case "P-384":
			curve = elliptic.P384()
		case "P-521":
			curve = elliptic.P521()
		default:
			return nil, errors.New("unsupported curve")
		}
		x, err := b64int(k.X)
		if err != nil {
			return nil, err
		}
		y, err := b64int(k.Y)
		if err != nil {
			return nil, err
		}
		pk := &ecdsa.PublicKey{Curve: curve, X: x, Y: y}
		if !curve.IsOnCurve(x, y) {
			return nil, errors.New("point not on curve")
		}
		return pk, nil
	}
	return nil, errors.New("unsupported key type")
}
