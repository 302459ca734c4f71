package audit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDigestMarshal holds Digest.Marshal to encoding/json's encoding of the same digest: stored
// heads and digests keep their form.
func TestDigestMarshal(t *testing.T) {
	h := EntryHash("c-0123456789abcdef", 7, Hash{1, 2, 3}, []byte(`{}`))
	base := Digest{Chain: "c-0123456789abcdef", Seq: 7, Hash: h, Time: time.Date(2026, 11, 24, 5, 6, 7, 890_000_000, time.UTC),
		KeyID: "0a0b0c0d", Sig: []byte{0, 1, 2, 250, 251, 252}, PublicKey: make([]byte, 32)}
	cases := map[string]func(d *Digest){
		"full":              func(*Digest) {},
		"no public key":     func(d *Digest) { d.PublicKey = nil },
		"nil signature":     func(d *Digest) { d.Sig = nil },
		"empty signature":   func(d *Digest) { d.Sig = []byte{} },
		"whole seconds":     func(d *Digest) { d.Time = d.Time.Truncate(time.Second) },
		"other zone":        func(d *Digest) { d.Time = d.Time.In(time.FixedZone("X", -5*3600)) },
		"zero":              func(d *Digest) { *d = Digest{} },
		"escaped key id":    func(d *Digest) { d.KeyID = `<"&>` },
		"year out of range": func(d *Digest) { d.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			d := base
			change(&d)
			want, wantErr := json.Marshal(&d)
			got, gotErr := d.Marshal()
			if (wantErr != nil) != (gotErr != nil) {
				t.Fatalf("errors: encoding/json %v, Marshal %v", wantErr, gotErr)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("(-encoding/json +Marshal):\n%s", diff)
			}
		})
	}
}
