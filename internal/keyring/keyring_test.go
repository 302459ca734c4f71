package keyring

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpenRotate(t *testing.T) {
	r1, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	aad := []byte("session-token")
	s1, err := r1.Seal([]byte("hello"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r1.Open(s1, aad); err != nil || string(got) != "hello" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := r1.Open(s1, []byte("other")); err != ErrCannotOpen {
		t.Errorf("wrong aad: err = %v", err)
	}
	r2, err := r1.Rotate(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r2.IDs()) != 2 || len(r1.IDs()) != 1 {
		t.Fatalf("rotate changed the wrong ring: %v %v", r1.IDs(), r2.IDs())
	}
	// Old tokens still open after rotation; new tokens are sealed with the new key.
	if _, err := r2.Open(s1, aad); err != nil {
		t.Errorf("old token after rotation: %v", err)
	}
	s2, _ := r2.Seal([]byte("new"), aad)
	if _, err := r1.Open(s2, aad); err != ErrCannotOpen {
		t.Errorf("old ring opened a token of a newer key: %v", err)
	}
	r3, err := r2.Retire(r2.IDs()[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r3.Open(s1, aad); err != ErrCannotOpen {
		t.Errorf("retired key still opens: %v", err)
	}
	if _, err := r3.Retire(r3.IDs()[0]); err == nil {
		t.Error("retired the active key")
	}
	// A foreign ring never opens our values.
	other, _ := New(nil)
	if _, err := other.Open(s2, aad); err != ErrCannotOpen {
		t.Errorf("foreign ring: %v", err)
	}
}

func TestEveryMutationRejected(t *testing.T) {
	r, _ := New(nil)
	s, _ := r.Seal([]byte("a session token payload"), nil)
	for i := range s {
		for _, bit := range []byte{1, 0x80} {
			m := bytes.Clone(s)
			m[i] ^= bit
			if _, err := r.Open(m, nil); err == nil {
				t.Fatalf("mutation at byte %d accepted", i)
			}
		}
	}
	for n := 0; n < len(s); n++ {
		if _, err := r.Open(s[:n], nil); err == nil {
			t.Fatalf("truncation to %d accepted", n)
		}
	}
}

func FuzzOpen(f *testing.F) {
	r, _ := New(nil)
	s, _ := r.Seal([]byte("x"), nil)
	f.Add(s)
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		if bytes.Equal(b, s) {
			return
		}
		if _, err := r.Open(b, nil); err == nil {
			t.Fatalf("accepted %x", b)
		}
	})
}

func TestFileRoundTripAndMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keyring.json")
	r, created, err := LoadOrCreate(path, nil)
	if err != nil || !created {
		t.Fatalf("LoadOrCreate = %v, %v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	r2, created, err := LoadOrCreate(path, nil)
	if err != nil || created {
		t.Fatalf("reload = %v, %v", created, err)
	}
	s, _ := r.Seal([]byte("x"), nil)
	if _, err := r2.Open(s, nil); err != nil {
		t.Errorf("reloaded ring cannot open: %v", err)
	}
	id, sig := r.Sign([]byte("digest"))
	if !r2.Verify(id, []byte("digest"), sig) || r2.Verify(id, []byte("digesT"), sig) {
		t.Error("signature check wrong after reload")
	}
	if strings.Contains(r.String(), "material") {
		t.Error("String shows material")
	}
}

func TestParseErrors(t *testing.T) {
	for name, in := range map[string]string{
		"not json":  "{",
		"no keys":   `{"keys":[]}`,
		"bad id":    `{"keys":[{"id":"zz","material":"AAAA"}]}`,
		"short key": `{"keys":[{"id":"00000001","material":"AAAA"}]}`,
		"dup": `{"keys":[{"id":"00000001","material":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
		                 {"id":"00000001","material":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]}`,
	} {
		if _, err := Parse([]byte(in), nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func BenchmarkSealOpen(b *testing.B) {
	r, _ := New(nil)
	pt := bytes.Repeat([]byte("x"), 300)
	b.ReportAllocs()
	for b.Loop() {
		s, _ := r.Seal(pt, nil)
		if _, err := r.Open(s, nil); err != nil {
			b.Fatal(err)
		}
	}
}
