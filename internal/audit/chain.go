package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sluicehq/sluice/internal/atomicfile"
	"github.com/sluicehq/sluice/internal/keyring"
)

// ChainID names one process's chain: 1..40 characters of [a-z0-9-].
type ChainID string

// Valid reports whether id has the allowed form.
func (id ChainID) Valid() bool {
	if len(id) == 0 || len(id) > 40 {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// NewChainID returns a fresh random chain id ("c-" and 16 hex digits).
func NewChainID(rnd io.Reader) (ChainID, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	var b [8]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", err
	}
	return ChainID("c-" + hex.EncodeToString(b[:])), nil
}

// LoadOrCreateChainID reads the chain id kept at path, or creates one there.
func LoadOrCreateChainID(path string, rnd io.Reader) (ChainID, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		id := ChainID(strings.TrimSpace(string(data)))
		if !id.Valid() {
			return "", fmt.Errorf("audit: chain id file %s: invalid id %q", path, id)
		}
		return id, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("audit: %w", err)
	}
	id, err := NewChainID(rnd)
	if err != nil {
		return "", err
	}
	if err := atomicfile.Write(path, []byte(string(id)+"\n"), 0o600); err != nil {
		return "", err
	}
	return id, nil
}

// Hash is an entry hash.
type Hash [32]byte

func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText writes hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText reads hex.
func (h *Hash) UnmarshalText(b []byte) error {
	if len(b) != 64 {
		return errors.New("hash must be 64 hex digits")
	}
	_, err := hex.Decode(h[:], b)
	return err
}

// Entry is one link of a chain: the record's canonical bytes, its position and hashes.
type Entry struct {
	Chain ChainID         `json:"chain"`
	Seq   uint64          `json:"seq"`
	Prev  Hash            `json:"prev"`
	Hash  Hash            `json:"hash"`
	Event json.RawMessage `json:"event"`
}

// EntryHash computes the hash of entry seq of chain whose predecessor hashes to prev.
func EntryHash(chain ChainID, seq uint64, prev Hash, event []byte) Hash {
	h := sha256.New()
	h.Write([]byte("sluice-audit-v1\n"))
	h.Write([]byte(chain))
	h.Write([]byte{'\n'})
	h.Write(strconv.AppendUint(nil, seq, 10))
	h.Write([]byte{'\n'})
	var hx [64]byte
	hex.Encode(hx[:], prev[:])
	h.Write(hx[:])
	h.Write([]byte{'\n'})
	h.Write(event)
	var out Hash
	h.Sum(out[:0])
	return out
}

// newEntry links event after (prevSeq, prev).
func newEntry(chain ChainID, seq uint64, prev Hash, event []byte) *Entry {
	return &Entry{Chain: chain, Seq: seq, Prev: prev, Hash: EntryHash(chain, seq, prev, event), Event: event}
}

// Marshal writes the stored form; the event bytes are embedded verbatim.
func (e *Entry) Marshal() []byte { return e.appendTo(make([]byte, 0, len(e.Event)+220)) }

// appendTo appends the stored form (Marshal) to b.
func (e *Entry) appendTo(b []byte) []byte {
	b = append(b, `{"v":1,"chain":"`...)
	b = append(b, e.Chain...)
	b = append(b, `","seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, `,"prev":"`...)
	b = hex.AppendEncode(b, e.Prev[:])
	b = append(b, `","hash":"`...)
	b = hex.AppendEncode(b, e.Hash[:])
	b = append(b, `","event":`...)
	b = append(b, e.Event...)
	return append(b, '}')
}

// DecodeEntry parses a stored entry. It checks the form, not the hash: see Entry.Check.
func DecodeEntry(data []byte) (*Entry, error) {
	var raw struct {
		V int `json:"v"`
		Entry
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, E(Corrupt, "decode entry", err)
	}
	if raw.V != 1 {
		return nil, E(Corrupt, "decode entry", fmt.Errorf("unknown entry version %d", raw.V))
	}
	if !raw.Chain.Valid() || raw.Seq == 0 || len(raw.Event) == 0 || raw.Event[0] != '{' {
		return nil, E(Corrupt, "decode entry", errors.New("malformed entry"))
	}
	return &raw.Entry, nil
}

// DecodeBlock parses a stored log block: the entries of one batch, one per line, in order
// (compressed as the writer stores them, or plain).
func DecodeBlock(data []byte) ([]*Entry, error) {
	data, err := blockLines(data)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return nil, E(Corrupt, "decode block", errors.New("malformed block"))
	}
	var out []*Entry
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		data = rest
		e, err := DecodeEntry(line)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// Check reports whether the entry's hash matches its content.
func (e *Entry) Check() bool { return EntryHash(e.Chain, e.Seq, e.Prev, e.Event) == e.Hash }

// Digest is a signed statement that entry Seq of Chain hashes to Hash. The chain head is a
// Digest rewritten with every batch; permanent digests are written periodically.
type Digest struct {
	Chain ChainID   `json:"chain"`
	Seq   uint64    `json:"seq"`
	Hash  Hash      `json:"hash"`
	Time  time.Time `json:"time"`
	KeyID string    `json:"keyId"`
	Sig   []byte    `json:"signature"`
	// PublicKey is the signer's ed25519 public key, for readers without the ring; a verifier
	// trusts it only when the ring it was given holds the same key under KeyID.
	PublicKey []byte `json:"publicKey,omitempty"`
}

func (d *Digest) message() []byte {
	return fmt.Appendf(nil, "sluice-audit-digest-v1\n%s\n%d\n%s\n%s", d.Chain, d.Seq, d.Hash, d.Time.UTC().Format(time.RFC3339Nano))
}

// Signer signs digests; *keyring.Ring is one.
type Signer interface {
	Sign(msg []byte) (keyring.KeyID, []byte)
	PublicKey(id keyring.KeyID) (ed25519.PublicKey, bool)
}

// KeySource finds public keys for verification; *keyring.Ring is one.
type KeySource interface {
	PublicKey(id keyring.KeyID) (ed25519.PublicKey, bool)
}

func signDigest(s Signer, chain ChainID, seq uint64, h Hash, at time.Time) *Digest {
	d := &Digest{Chain: chain, Seq: seq, Hash: h, Time: at.UTC()}
	id, sig := s.Sign(d.message())
	d.KeyID, d.Sig = id.String(), sig
	if pub, ok := s.PublicKey(id); ok {
		d.PublicKey = pub
	}
	return d
}

// Marshal returns the stored form of d: what encoding/json writes for it, without reflection
// (the writer stores a signed head with every batch). Identifiers that would need JSON escaping
// cannot occur in a valid digest; if they do, encoding/json writes them.
func (d *Digest) Marshal() ([]byte, error) {
	if !jsonPlain(string(d.Chain)) || !jsonPlain(d.KeyID) || d.Time.Year() < 0 || d.Time.Year() > 9999 {
		return json.Marshal(d)
	}
	b := make([]byte, 0, 256)
	b = append(b, `{"chain":"`...)
	b = append(b, d.Chain...)
	b = append(b, `","seq":`...)
	b = strconv.AppendUint(b, d.Seq, 10)
	b = append(b, `,"hash":"`...)
	b = hex.AppendEncode(b, d.Hash[:])
	b = append(b, `","time":"`...)
	b = d.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","keyId":"`...)
	b = append(b, d.KeyID...)
	b = append(b, `","signature":`...)
	b = appendJSONBytes(b, d.Sig)
	if len(d.PublicKey) > 0 {
		b = append(b, `,"publicKey":`...)
		b = appendJSONBytes(b, d.PublicKey)
	}
	return append(b, '}'), nil
}

// jsonPlain reports whether encoding/json writes s verbatim between quotes.
func jsonPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendJSONBytes appends a byte slice as encoding/json does: standard base64 in quotes, null
// for nil.
func appendJSONBytes(b, v []byte) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}

// Verify checks the signature with the key named by KeyID.
func (d *Digest) Verify(keys KeySource) bool {
	raw, err := hex.DecodeString(d.KeyID)
	if err != nil || len(raw) != 4 {
		return false
	}
	id := keyring.KeyID(uint32(raw[0])<<24 | uint32(raw[1])<<16 | uint32(raw[2])<<8 | uint32(raw[3]))
	pub, ok := keys.PublicKey(id)
	return ok && ed25519.Verify(pub, d.message(), d.Sig)
}

// DecodeDigest parses a stored digest.
func DecodeDigest(data []byte) (*Digest, error) {
	var d Digest
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, E(Corrupt, "decode digest", err)
	}
	if !d.Chain.Valid() {
		return nil, E(Corrupt, "decode digest", errors.New("malformed digest"))
	}
	return &d, nil
}

func seqKey(chain ChainID, seq uint64) string {
	return string(appendSeqKey(make([]byte, 0, len(chain)+21), chain, seq))
}

// appendSeqKey appends seqKey(chain, seq): "<chain>/<seq, 20 digits>".
func appendSeqKey(b []byte, chain ChainID, seq uint64) []byte {
	b = append(b, chain...)
	b = append(b, '/')
	return appendPadded(b, seq, 20)
}

// parseSeqKey splits "<chain>/<seq>".
func parseSeqKey(k string) (ChainID, uint64, bool) {
	c, s, ok := strings.Cut(k, "/")
	if !ok || len(s) != 20 {
		return "", 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return ChainID(c), n, err == nil && ChainID(c).Valid()
}
