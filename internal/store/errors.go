package store

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kind classifies store errors. The set is closed.
type Kind uint8

// The kinds. The zero Kind is not used.
const (
	NotFound Kind = iota + 1 // Get/Delete of a missing key
	Exists                   // Create of an existing key
	Conflict                 // PutIfVersion version mismatch
	Invalid                  // bad namespace, key, options or use of a finished Tx
	Busy                     // the transaction kept losing races; retries exhausted
	Internal                 // anything else: I/O, closed store, cancelled context, bad schema
)

var kindNames = [...]string{
	NotFound: "not found",
	Exists:   "already exists",
	Conflict: "version conflict",
	Invalid:  "invalid argument",
	Busy:     "busy",
	Internal: "internal error",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Error makes a Kind usable as an error value, so that errors.Is(err, store.ErrNotFound) works.
func (k Kind) Error() string { return "store: " + k.String() }

// The sentinel errors; each is its Kind.
var (
	ErrNotFound error = NotFound
	ErrExists   error = Exists
	ErrConflict error = Conflict
	ErrInvalid  error = Invalid
	ErrBusy     error = Busy
	ErrInternal error = Internal
)

// Error is the error every driver returns.
type Error struct {
	Op        string // "get", "put", "update", "open", ...
	Kind      Kind
	Namespace string // may be empty
	Key       string // may be empty
	Msg       string // optional detail safe to show (no SQL, no values)
	Err       error  // underlying cause, possibly a native database error; may be nil
}

// E builds an *Error.
func E(op string, kind Kind, ns, key string, err error) *Error {
	return &Error{Op: op, Kind: kind, Namespace: ns, Key: key, Err: err}
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("store: ")
	b.WriteString(e.Op)
	if e.Namespace != "" || e.Key != "" {
		fmt.Fprintf(&b, " %q/%q", e.Namespace, e.Key)
	}
	b.WriteString(": ")
	b.WriteString(e.Kind.String())
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes both the Kind and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// KindOf returns the Kind of err: the Kind of the first *Error (or Kind) in its chain, or
// Internal for any other non-nil error, or 0 for nil.
func KindOf(err error) Kind {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	var k Kind
	if errors.As(err, &k) {
		return k
	}
	return Internal
}

// CheckNamespace validates a namespace.
func CheckNamespace(op, ns string) error {
	if msg := badName(ns, MaxNamespaceLen, false); msg != "" {
		return &Error{Op: op, Kind: Invalid, Msg: "namespace " + msg}
	}
	return nil
}

// CheckKey validates a namespace and a key.
func CheckKey(op, ns, key string) error {
	if err := CheckNamespace(op, ns); err != nil {
		return err
	}
	if msg := badName(key, MaxKeyLen, false); msg != "" {
		return &Error{Op: op, Kind: Invalid, Namespace: ns, Msg: "key " + msg}
	}
	return nil
}

// CheckPrefix validates a namespace and a key prefix (which may be empty).
func CheckPrefix(op, ns, prefix string) error {
	if err := CheckNamespace(op, ns); err != nil {
		return err
	}
	if msg := badName(prefix, MaxKeyLen, true); msg != "" {
		return &Error{Op: op, Kind: Invalid, Namespace: ns, Msg: "prefix " + msg}
	}
	return nil
}

// CheckList validates the arguments of List.
func CheckList(op, ns string, opts ListOptions) error {
	if err := CheckPrefix(op, ns, opts.Prefix); err != nil {
		return err
	}
	if msg := badName(opts.StartAfter, MaxKeyLen, true); msg != "" {
		return &Error{Op: op, Kind: Invalid, Namespace: ns, Msg: "StartAfter " + msg}
	}
	if opts.Limit < 0 {
		return &Error{Op: op, Kind: Invalid, Namespace: ns, Msg: "negative Limit"}
	}
	return nil
}

// CheckVersion validates the expected version of PutIfVersion.
func CheckVersion(op, ns, key string, version int64) error {
	if err := CheckKey(op, ns, key); err != nil {
		return err
	}
	if version < 0 {
		return &Error{Op: op, Kind: Invalid, Namespace: ns, Key: key, Msg: "negative version"}
	}
	return nil
}

func badName(s string, max int, emptyOK bool) string {
	switch {
	case s == "" && !emptyOK:
		return "is empty"
	case len(s) > max:
		return fmt.Sprintf("is longer than %d bytes", max)
	case strings.IndexByte(s, 0) >= 0:
		return "contains NUL"
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	}
	return ""
}
