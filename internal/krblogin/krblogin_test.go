package krblogin

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/service"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"

	"github.com/sluicehq/sluice/internal/store"
	"github.com/sluicehq/sluice/internal/store/memstore"
)

// ktFor returns a keytab holding a key for principal (HTTP/host) in EXAMPLE.COM.
func ktFor(t testing.TB, principal, password string) *keytab.Keytab {
	kt := keytab.New()
	if err := kt.AddEntry(principal, "EXAMPLE.COM", password, time.Now(), 1, etypeID.AES256_CTS_HMAC_SHA1_96); err != nil {
		t.Fatal(err)
	}
	return kt
}

// token builds a Negotiate header for user with a service ticket for sname encrypted with the
// key in skt (no KDC: the test plays the KDC's part), valid from start to end.
func token(t testing.TB, user, sname string, skt *keytab.Keytab, start, end time.Time) string {
	t.Helper()
	cname := types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, user)
	sn := types.NewPrincipalName(nametype.KRB_NT_SRV_INST, sname)
	tkt, key, err := messages.NewTicket(cname, "EXAMPLE.COM", sn, "EXAMPLE.COM", types.NewKrbFlags(), skt,
		etypeID.AES256_CTS_HMAC_SHA1_96, 1, start, start, end, end)
	if err != nil {
		t.Fatal(err)
	}
	cl := client.NewWithPassword(user, "EXAMPLE.COM", "unused", config.New())
	init, err := spnego.NewNegTokenInitKRB5(cl, tkt, key)
	if err != nil {
		t.Fatal(err)
	}
	st := spnego.SPNEGOToken{Init: true, NegTokenInit: init}
	b, err := st.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return "Negotiate " + base64.StdEncoding.EncodeToString(b)
}

func TestAuthenticate(t *testing.T) {
	server := ktFor(t, "HTTP/127.0.0.1", "service-secret")
	other := ktFor(t, "HTTP/other", "other-secret")
	now := time.Now().UTC()
	h := New(server, "123456789012", nil, nil, &Options{Service: "HTTP/127.0.0.1@EXAMPLE.COM", MaxClockSkew: time.Minute})
	tampered := func() string {
		tok := token(t, "user1", "HTTP/127.0.0.1", server, now.Add(-time.Minute), now.Add(time.Hour))
		b, _ := base64.StdEncoding.DecodeString(tok[len("Negotiate "):])
		b[len(b)-20] ^= 0xff
		return "Negotiate " + base64.StdEncoding.EncodeToString(b)
	}
	cases := []struct {
		name      string
		header    string
		principal string
		reason    Reason
	}{
		{"valid", token(t, "user1", "HTTP/127.0.0.1", server, now.Add(-time.Minute), now.Add(time.Hour)), "user1@EXAMPLE.COM", ""},
		{"other user", token(t, "user2", "HTTP/127.0.0.1", server, now.Add(-time.Minute), now.Add(time.Hour)), "user2@EXAMPLE.COM", ""},
		{"no header", "", "", NoToken},
		{"basic", "Basic dXNlcjpwdw==", "", NoToken},
		{"not base64", "Negotiate !!!", "", BadToken},
		{"garbage", "Negotiate " + base64.StdEncoding.EncodeToString([]byte("garbage")), "", UnsupportedMx},
		{"expired", token(t, "user1", "HTTP/127.0.0.1", server, now.Add(-3*time.Hour), now.Add(-2*time.Hour)), "", Expired},
		{"not yet valid", token(t, "user1", "HTTP/127.0.0.1", server, now.Add(time.Hour), now.Add(2*time.Hour)), "", Expired},
		{"wrong service", token(t, "user1", "HTTP/other", other, now.Add(-time.Minute), now.Add(time.Hour)), "", WrongService},
		{"wrong key", token(t, "user1", "HTTP/127.0.0.1", ktFor(t, "HTTP/127.0.0.1", "guessed"), now.Add(-time.Minute), now.Add(time.Hour)), "", WrongService},
		{"tampered", tampered(), "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := h.Authenticate(context.Background(), c.header)
			if c.principal != "" {
				if err != nil || p != c.principal {
					t.Fatalf("Authenticate = %q, %v; want %q", p, err, c.principal)
				}
				return
			}
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("Authenticate = %q, %v; want a refusal", p, err)
			}
			if c.reason != "" && ae.Reason != c.reason {
				t.Errorf("reason = %q, want %q (%v)", ae.Reason, c.reason, err)
			}
		})
	}
}

func TestReplay(t *testing.T) {
	server := ktFor(t, "HTTP/127.0.0.1", "service-secret")
	h := New(server, "123456789012", nil, nil, nil)
	now := time.Now().UTC()
	tok := token(t, "user1", "HTTP/127.0.0.1", server, now.Add(-time.Minute), now.Add(time.Hour))
	if _, err := h.Authenticate(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	_, err := h.Authenticate(context.Background(), tok)
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Reason != Replayed {
		t.Fatalf("replayed token: %v", err)
	}
}

// TestReplayAcrossReplicas: an authenticator that one replica accepted is refused by another
// sharing the store, whose own process cache (gokrb5's) has never seen it; a fresh one is
// accepted; and the shared cache failing refuses the login rather than skipping the check.
func TestReplayAcrossReplicas(t *testing.T) {
	server := ktFor(t, "HTTP/127.0.0.1", "service-secret")
	st := memstore.New(nil)
	replays := &StoreReplays{Store: func() store.Store { return st }}
	a := New(server, "123456789012", nil, nil, &Options{Replays: replays})
	b := New(server, "123456789012", nil, nil, &Options{Replays: replays})
	now := time.Now().UTC()
	tok := token(t, "user1", "HTTP/127.0.0.1", server, now.Add(-time.Minute), now.Add(time.Hour))
	if _, err := a.Authenticate(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	service.GetReplayCache(5 * time.Minute).ClearOldEntries(-1) // b is another process
	_, err := b.Authenticate(context.Background(), tok)
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Reason != Replayed {
		t.Fatalf("authenticator replayed to another replica: %v", err)
	}
	fresh := token(t, "user1", "HTTP/127.0.0.1", server, now.Add(-time.Minute), now.Add(time.Hour))
	if p, err := b.Authenticate(context.Background(), fresh); err != nil || p != "user1@EXAMPLE.COM" {
		t.Fatalf("a fresh authenticator on the other replica: %q, %v", p, err)
	}
	down := New(server, "123456789012", nil, nil, &Options{Replays: &StoreReplays{Store: func() store.Store { return nil }}})
	again := token(t, "user1", "HTTP/127.0.0.1", server, now.Add(-time.Minute), now.Add(time.Hour))
	if _, err := down.Authenticate(context.Background(), again); err == nil || errors.As(err, &ae) {
		t.Fatalf("with the replay cache down: %v, want a non-authentication error", err)
	}
}

// TestStoreReplaysSweep: entries past their time leave the store.
func TestStoreReplaysSweep(t *testing.T) {
	st := memstore.New(nil)
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	r := &StoreReplays{Store: func() store.Store { return st }, Now: func() time.Time { return now }}
	ctx := context.Background()
	if seen, err := r.Seen(ctx, "old", now.Add(time.Minute)); seen || err != nil {
		t.Fatalf("first sight: %v, %v", seen, err)
	}
	if seen, err := r.Seen(ctx, "old", now.Add(time.Minute)); !seen || err != nil {
		t.Fatalf("second sight: %v, %v", seen, err)
	}
	now = now.Add(10 * time.Minute)
	if _, err := r.Seen(ctx, "new", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{nsReplay, nsReplayExp} {
		recs, err := st.List(ctx, ns, store.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 || !strings.HasSuffix(recs[0].Key, "new") {
			t.Errorf("%s after the sweep: %v", ns, recs)
		}
	}
	// The key decides, whatever expiry another replica's skew gives it.
	if seen, err := r.Seen(ctx, "new", now.Add(time.Hour)); !seen || err != nil {
		t.Errorf("the same key with another expiry: %v, %v", seen, err)
	}
}

func FuzzAuthenticate(f *testing.F) {
	server := ktFor(f, "HTTP/127.0.0.1", "service-secret")
	now := time.Now().UTC()
	f.Add(token(f, "user1", "HTTP/127.0.0.1", server, now.Add(-time.Minute), now.Add(time.Hour)))
	f.Add("Negotiate oQcwBaADCgEC")
	f.Add("")
	h := New(server, "123456789012", nil, nil, nil)
	f.Fuzz(func(t *testing.T, header string) {
		p, err := h.Authenticate(context.Background(), header)
		if err == nil && p == "" {
			t.Fatal("accepted without a principal")
		}
	})
}

func BenchmarkAuthenticate(b *testing.B) {
	server := ktFor(b, "HTTP/127.0.0.1", "service-secret")
	h := New(server, "123456789012", nil, nil, nil)
	now := time.Now().UTC()
	toks := make([]string, 0, 4096)
	for range 4096 {
		toks = append(toks, token(b, "user1", "HTTP/127.0.0.1", server, now.Add(-time.Minute), now.Add(time.Hour)))
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if i == len(toks) {
			b.StopTimer()
			for j := range toks {
				toks[j] = token(b, "user1", "HTTP/127.0.0.1", server, now.Add(-time.Minute), now.Add(time.Hour))
			}
			i = 0
			b.StartTimer()
		}
		if _, err := h.Authenticate(context.Background(), toks[i]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
