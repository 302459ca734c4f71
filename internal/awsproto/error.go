// Package awsproto encodes and decodes the four AWS wire protocols Sluice speaks — query/XML (STS,
// IAM), JSON 1.1 (Glue, CloudTrail), REST-JSON (Lake Formation) and REST-XML (S3) — and renders
// AWS-shaped errors for each.
//
// Handlers return errors; WriteError is the one place that turns them into bytes. An *Error is
// shown to the client as it is. Any other error is an internal failure: the client sees the
// protocol's generic internal error with the request id, and the detail stays in the log.
package awsproto

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an error a client may see: an AWS error code, an HTTP status and a message.
type Error struct {
	Code    string
	Message string
	Status  int
	// Fields are extra elements some protocols carry (S3: Key, BucketName, RequestTime…).
	Fields map[string]string
	// Err is an optional cause kept for logs only; it is never rendered.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Sender reports whether the fault lies with the caller (the query protocol's <Type>).
func (e *Error) Sender() bool { return e.Status < 500 }

// With returns a copy of e carrying an extra rendered field.
func (e *Error) With(name, value string) *Error {
	c := *e
	c.Fields = make(map[string]string, len(e.Fields)+1)
	for k, v := range e.Fields {
		c.Fields[k] = v
	}
	c.Fields[name] = value
	return &c
}

// Errorf builds an *Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

// As returns err as an *Error, or nil when err is an internal error.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Common constructors used across services.

func AccessDenied(format string, args ...any) *Error {
	return Errorf(http.StatusForbidden, "AccessDenied", format, args...)
}

func ValidationError(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, "ValidationError", format, args...)
}

func InvalidParameterValue(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, "InvalidParameterValue", format, args...)
}
