// Package keyring holds the symmetric keys that every Sluice replica shares: they seal session
// tokens (so any replica can open a temporary credential without a store lookup) and derive the
// ed25519 keys that sign audit digests.
//
// A ring is an ordered list of keys; the newest seals and signs, every key still opens and
// verifies. Rotation appends a key; retiring one removes it (tokens it sealed then stop opening).
//
// Sealed format (all binary, callers usually base64 it):
//
//	version(1)=0x01 | key id(4) | nonce(12) | AES-256-GCM ciphertext and tag
//
// The AEAD key and the ed25519 seed are derived from a key's material with HKDF-SHA256 under
// distinct labels, so the same material is never used for two purposes.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sluicehq/sluice/internal/atomicfile"
	"github.com/sluicehq/sluice/internal/secret"
)

const (
	sealVersion   = 0x01
	materialBytes = 32
	nonceBytes    = 12
	headerBytes   = 1 + 4 + nonceBytes

	labelSeal = "sluice/keyring/seal/v1"
	labelSign = "sluice/keyring/sign/v1"
)

// ErrCannotOpen is returned by Open for anything that is not a value sealed by a key of this ring:
// tampered, truncated, foreign or retired. It deliberately says nothing more.
var ErrCannotOpen = errors.New("keyring: cannot open sealed value")

// KeyID names a key inside a ring.
type KeyID uint32

func (id KeyID) String() string { return fmt.Sprintf("%08x", uint32(id)) }

type key struct {
	id       KeyID
	created  time.Time
	material secret.Value
	aead     cipher.AEAD
	sign     ed25519.PrivateKey
}

// Ring is an immutable set of keys. It is safe for concurrent use.
type Ring struct {
	keys []*key // oldest first; the last one is active
	rand io.Reader
}

// fileFormat is the on-disk and SLUICE_KEYRING form.
type fileFormat struct {
	Keys []fileKey `json:"keys"`
}

type fileKey struct {
	ID       string    `json:"id"`
	Created  time.Time `json:"created"`
	Material string    `json:"material"` // base64 of 32 random bytes
}

// Options configures New and Load. Nil means defaults.
type Options struct {
	Rand io.Reader        // default crypto/rand.Reader
	Now  func() time.Time // default time.Now
}

func (o *Options) rand() io.Reader {
	if o == nil || o.Rand == nil {
		return rand.Reader
	}
	return o.Rand
}

func (o *Options) now() time.Time {
	if o == nil || o.Now == nil {
		return time.Now().UTC()
	}
	return o.Now().UTC()
}

// New creates a ring with one fresh key.
func New(opts *Options) (*Ring, error) {
	r := &Ring{rand: opts.rand()}
	return r.Rotate(opts)
}

// Parse reads a ring in its JSON form (the key-ring file, or the SLUICE_KEYRING variable).
func Parse(data []byte, opts *Options) (*Ring, error) {
	var f fileFormat
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("keyring: parse: %w", err)
	}
	if len(f.Keys) == 0 {
		return nil, errors.New("keyring: no keys")
	}
	r := &Ring{rand: opts.rand()}
	seen := map[KeyID]bool{}
	for i, fk := range f.Keys {
		raw, err := hex.DecodeString(fk.ID)
		if err != nil || len(raw) != 4 {
			return nil, fmt.Errorf("keyring: key %d: id %q is not 8 hex digits", i, fk.ID)
		}
		id := KeyID(binary.BigEndian.Uint32(raw))
		if seen[id] {
			return nil, fmt.Errorf("keyring: key %d: duplicate id %s", i, fk.ID)
		}
		seen[id] = true
		m, err := base64.StdEncoding.DecodeString(fk.Material)
		if err != nil || len(m) != materialBytes {
			return nil, fmt.Errorf("keyring: key %s: material must be base64 of %d bytes", fk.ID, materialBytes)
		}
		k, err := newKey(id, fk.Created, m)
		if err != nil {
			return nil, err
		}
		r.keys = append(r.keys, k)
	}
	return r, nil
}

// LoadOrCreate reads the ring at path, or creates a new one there (mode 0600) when the file does
// not exist. created reports which happened.
func LoadOrCreate(path string, opts *Options) (r *Ring, created bool, err error) {
	data, err := os.ReadFile(path)
	if err == nil {
		r, err := Parse(data, opts)
		return r, false, err
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("keyring: %w", err)
	}
	r, err = New(opts)
	if err != nil {
		return nil, false, err
	}
	if err := r.Save(path); err != nil {
		return nil, false, err
	}
	return r, true, nil
}

func newKey(id KeyID, created time.Time, material []byte) (*key, error) {
	sealKey, err := hkdf.Key(sha256.New, material, nil, labelSeal, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	seed, err := hkdf.Key(sha256.New, material, nil, labelSign, ed25519.SeedSize)
	if err != nil {
		return nil, err
	}
	return &key{
		id:       id,
		created:  created,
		material: secret.New(string(material)),
		aead:     aead,
		sign:     ed25519.NewKeyFromSeed(seed),
	}, nil
}

// Rotate returns a new ring with a fresh active key appended; r is unchanged.
func (r *Ring) Rotate(opts *Options) (*Ring, error) {
	rnd := r.rand
	if opts != nil && opts.Rand != nil {
		rnd = opts.Rand
	}
	m := make([]byte, materialBytes)
	if _, err := io.ReadFull(rnd, m); err != nil {
		return nil, fmt.Errorf("keyring: random: %w", err)
	}
	var idb [4]byte
	var id KeyID
	for {
		if _, err := io.ReadFull(rnd, idb[:]); err != nil {
			return nil, fmt.Errorf("keyring: random: %w", err)
		}
		id = KeyID(binary.BigEndian.Uint32(idb[:]))
		if r.find(id) == nil {
			break
		}
	}
	k, err := newKey(id, opts.now(), m)
	if err != nil {
		return nil, err
	}
	next := &Ring{rand: rnd, keys: append(append([]*key(nil), r.keys...), k)}
	return next, nil
}

// Retire returns a ring without the key id. The active key cannot be retired.
func (r *Ring) Retire(id KeyID) (*Ring, error) {
	if r.active().id == id {
		return nil, errors.New("keyring: cannot retire the active key; rotate first")
	}
	next := &Ring{rand: r.rand}
	for _, k := range r.keys {
		if k.id != id {
			next.keys = append(next.keys, k)
		}
	}
	if len(next.keys) == len(r.keys) {
		return nil, fmt.Errorf("keyring: no key %s", id)
	}
	return next, nil
}

// IDs lists the key ids, oldest first; the last is active.
func (r *Ring) IDs() []KeyID {
	ids := make([]KeyID, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.id
	}
	return ids
}

// Marshal returns the ring's JSON form. It contains key material: write it only to 0600 files.
func (r *Ring) Marshal() ([]byte, error) {
	var f fileFormat
	for _, k := range r.keys {
		f.Keys = append(f.Keys, fileKey{
			ID:       k.id.String(),
			Created:  k.created,
			Material: base64.StdEncoding.EncodeToString([]byte(k.material.Reveal())),
		})
	}
	return json.MarshalIndent(f, "", "  ")
}

// Save writes the ring to path atomically with mode 0600.
func (r *Ring) Save(path string) error {
	data, err := r.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data, 0o600)
}

// String never shows key material.
func (r *Ring) String() string {
	return fmt.Sprintf("keyring(%d keys, active %s)", len(r.keys), r.active().id)
}

func (r *Ring) active() *key { return r.keys[len(r.keys)-1] }

func (r *Ring) find(id KeyID) *key {
	for _, k := range r.keys {
		if k.id == id {
			return k
		}
	}
	return nil
}

// Seal encrypts and authenticates plaintext with the active key. aad binds the sealed value to a
// context (for example a purpose label) without being stored in it.
func (r *Ring) Seal(plaintext, aad []byte) ([]byte, error) {
	k := r.active()
	out := make([]byte, headerBytes, headerBytes+len(plaintext)+k.aead.Overhead())
	out[0] = sealVersion
	binary.BigEndian.PutUint32(out[1:5], uint32(k.id))
	if _, err := io.ReadFull(r.rand, out[5:headerBytes]); err != nil {
		return nil, fmt.Errorf("keyring: random: %w", err)
	}
	return k.aead.Seal(out, out[5:headerBytes], plaintext, append(out[:5:5], aad...)), nil
}

// Open reverses Seal with whichever key of the ring sealed the value.
func (r *Ring) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < headerBytes+16 || sealed[0] != sealVersion {
		return nil, ErrCannotOpen
	}
	k := r.find(KeyID(binary.BigEndian.Uint32(sealed[1:5])))
	if k == nil {
		return nil, ErrCannotOpen
	}
	hdr := sealed[:5:5]
	pt, err := k.aead.Open(nil, sealed[5:headerBytes], sealed[headerBytes:], append(hdr, aad...))
	if err != nil {
		return nil, ErrCannotOpen
	}
	return pt, nil
}

// Sign signs msg with the active key's ed25519 key and returns the key id with the signature.
func (r *Ring) Sign(msg []byte) (KeyID, []byte) {
	k := r.active()
	return k.id, ed25519.Sign(k.sign, msg)
}

// PublicKey returns the ed25519 public key of id, for verifying digests offline.
func (r *Ring) PublicKey(id KeyID) (ed25519.PublicKey, bool) {
	k := r.find(id)
	if k == nil {
		return nil, false
	}
	return k.sign.Public().(ed25519.PublicKey), true
}

// Verify checks a signature made by Sign with key id.
func (r *Ring) Verify(id KeyID, msg, sig []byte) bool {
	pub, ok := r.PublicKey(id)
	return ok && ed25519.Verify(pub, msg, sig)
}
