package lfquery

import (
	"fmt"
	"net/http"

	"github.com/sluicehq/sluice/internal/awsproto"
)

// Kind classifies errors; the set is closed.
type Kind uint8

const (
	// Invalid: a malformed statement, query id, work unit id or token, or an unsupported input.
	Invalid Kind = iota + 1
	// Expired: the query is past its lifetime, never issued, or not the caller's.
	Expired
	// Throttled: this replica has planned too many queries that are still open.
	Throttled
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case Expired:
		return "expired"
	case Throttled:
		return "throttled"
	}
	return "unknown"
}

// Error is the package's error type. Pos is a 1-based byte offset into the query string for
// statement errors, 0 otherwise.
type Error struct {
	Kind Kind
	Pos  int
	Msg  string
}

func (e *Error) Error() string {
	if e.Pos > 0 {
		return fmt.Sprintf("lfquery: at position %d: %s", e.Pos, e.Msg)
	}
	return "lfquery: " + e.Msg
}

func errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// invalidAt is a statement error at 0-based offset i.
func invalidAt(i int, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Pos: i + 1, Msg: fmt.Sprintf(format, args...)}
}

// apiError renders an *Error in Lake Formation's error shapes (model statuses: InvalidInput
// 400, Expired 410, Throttled 429); other errors pass through.
func apiError(err error) error {
	e, ok := err.(*Error)
	if !ok {
		return err
	}
	msg := e.Msg
	if e.Pos > 0 {
		msg = fmt.Sprintf("QueryString error at position %d: %s", e.Pos, e.Msg)
	}
	switch e.Kind {
	case Expired:
		return awsproto.Errorf(http.StatusGone, "ExpiredException", "%s", msg)
	case Throttled:
		return awsproto.Errorf(http.StatusTooManyRequests, "ThrottledException", "%s", msg)
	}
	return awsproto.Errorf(http.StatusBadRequest, "InvalidInputException", "%s", msg)
}
