// Package secret holds values that must never be printed: secret access keys, session tokens,
// key-ring material. A Value formats itself as "[REDACTED]" through fmt, log/slog, encoding/json and
// encoding/xml, and compares in constant time. The only way to the bytes is Reveal, which makes
// every use greppable.
package secret

import (
	"crypto/subtle"
	"log/slog"
)

const redacted = "[REDACTED]"

// Value is a secret string. The zero Value is empty.
type Value struct {
	v string
}

// New wraps s.
func New(s string) Value { return Value{v: s} }

// Reveal returns the secret itself. Call it only where the bytes are needed (signing, sealing,
// handing a new credential to its owner).
func (s Value) Reveal() string { return s.v }

// IsZero reports whether the secret is empty.
func (s Value) IsZero() bool { return s.v == "" }

// Equal compares two secrets in constant time (in their contents; the lengths may leak).
func (s Value) Equal(o Value) bool {
	return subtle.ConstantTimeCompare([]byte(s.v), []byte(o.v)) == 1
}

// String implements fmt.Stringer and never shows the secret.
func (s Value) String() string { return redacted }

// GoString implements fmt.GoStringer for %#v.
func (s Value) GoString() string { return "secret.Value(" + redacted + ")" }

// LogValue implements slog.LogValuer.
func (s Value) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText implements encoding.TextMarshaler so JSON, XML and text encoders redact too.
func (s Value) MarshalText() ([]byte, error) { return []byte(redacted), nil }
