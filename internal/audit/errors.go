package audit

import "fmt"

// Kind classifies audit errors. The set is closed.
type Kind uint8

// The kinds.
const (
	Unavailable Kind = iota + 1 // the log cannot be written or read (store down, closed)
	Corrupt                     // a stored entry or digest does not parse
	Invalid                     // bad arguments
)

func (k Kind) String() string {
	switch k {
	case Unavailable:
		return "unavailable"
	case Corrupt:
		return "corrupt"
	case Invalid:
		return "invalid"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Error is the error type of the package.
type Error struct {
	Kind Kind
	Op   string
	Err  error
}

// E builds an *Error.
func E(kind Kind, op string, err error) *Error { return &Error{Kind: kind, Op: op, Err: err} }

func (e *Error) Error() string {
	if e.Err == nil {
		return "audit: " + e.Op + ": " + e.Kind.String()
	}
	return "audit: " + e.Op + ": " + e.Kind.String() + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, audit.Unavailable) work.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// Error makes a Kind usable as a sentinel.
func (k Kind) Error() string { return "audit: " + k.String() }
