package oidc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sluicehq/sluice/internal/oidc/oidctest"
)

func TestVerify(t *testing.T) {
	is := oidctest.New()
	defer is.Close()
	v := NewVerifier(&Options{Client: is.Client()})
	ctx := context.Background()

	tok := is.Token("alice", "sluice", time.Hour, map[string]any{"amr": []string{"pwd"}})
	iss, err := UnverifiedIssuer(tok)
	if err != nil || iss != is.URL() {
		t.Fatalf("UnverifiedIssuer = %q, %v", iss, err)
	}
	c, err := v.Verify(ctx, is.URL(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "alice" || len(c.Audience) != 1 || c.Audience[0] != "sluice" || c.AMR[0] != "pwd" {
		t.Errorf("claims %+v", c)
	}

	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forged := oidctest.Sign(other, "k1", map[string]any{"iss": is.URL(), "sub": "alice", "aud": "sluice", "exp": time.Now().Add(time.Hour).Unix()})
	parts := strings.Split(tok, ".")
	cases := map[string]struct {
		token string
		want  error
	}{
		"expired":         {is.Token("alice", "sluice", -2*time.Hour, nil), ErrExpired},
		"forged":          {forged, ErrInvalid},
		"tampered claims": {parts[0] + "." + strings.Split(is.Token("mallory", "sluice", time.Hour, nil), ".")[1] + "." + parts[2], ErrInvalid},
		"alg none":        {"eyJhbGciOiJub25lIn0." + parts[1] + ".", ErrInvalid},
		"garbage":         {"a.b", ErrInvalid},
		"other issuer":    {oidctest.Sign(other, "k1", map[string]any{"iss": "http://elsewhere", "exp": time.Now().Add(time.Hour).Unix()}), ErrInvalid},
	}
	for name, tc := range cases {
		if _, err := v.Verify(ctx, is.URL(), tc.token); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
}

func TestRotation(t *testing.T) {
	is := oidctest.New()
	defer is.Close()
	now := time.Now()
	clock := func() time.Time { return now }
	v := NewVerifier(&Options{Now: clock, Client: is.Client()})
	ctx := context.Background()
	if _, err := v.Verify(ctx, is.URL(), is.Token("a", "x", time.Hour, nil)); err != nil {
		t.Fatal(err)
	}
	is.Rotate(true)
	// A token signed by the new key names an unknown kid: refetched at once only after 10 s.
	tok := is.Token("a", "x", time.Hour, nil)
	now = now.Add(11 * time.Second)
	if _, err := v.Verify(ctx, is.URL(), tok); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if is.Fetches != 2 {
		t.Errorf("JWKS fetched %d times, want 2", is.Fetches)
	}
}

func TestIssuerUnreachable(t *testing.T) {
	is := oidctest.New()
	tok := is.Token("a", "x", time.Hour, nil)
	url := is.URL()
	is.Close()
	if _, err := NewVerifier(&Options{Client: is.Client()}).Verify(context.Background(), url, tok); !errors.Is(err, ErrCommunication) {
		t.Errorf("err = %v", err)
	}
}

func FuzzVerify(f *testing.F) {
	is := oidctest.New()
	defer is.Close()
	v := NewVerifier(&Options{Client: is.Client()})
	f.Add(is.Token("a", "x", time.Hour, nil))
	f.Add("e30.e30.")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := v.Verify(context.Background(), is.URL(), tok)
		if err == nil && c.Issuer != is.URL() {
			t.Fatal("accepted a token of another issuer")
		}
	})
}

func TestUntrustedCertificate(t *testing.T) {
	is := oidctest.New()
	defer is.Close()
	if _, err := NewVerifier(nil).Verify(context.Background(), is.URL(), is.Token("a", "x", time.Hour, nil)); !errors.Is(err, ErrCommunication) {
		t.Errorf("an issuer with an untrusted certificate: %v", err)
	}
}
