package policy

import (
	"fmt"
	"unicode"
)

// Code is the closed set of error kinds Parse and ValidateSize return. The
// values are the IAM/STS error codes an adapter sends to clients unchanged.
type Code string

const (
	// CodeMalformed reports a document that is not a valid policy.
	CodeMalformed Code = "MalformedPolicyDocument"
	// CodeLimitExceeded reports a document over its size quota.
	CodeLimitExceeded Code = "LimitExceeded"
)

// Error is the only error type of this package.
type Error struct {
	Code    Code
	Message string // says what is wrong and where, e.g. `Statement[1].Condition: ...`
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

func malformed(format string, args ...any) *Error {
	return &Error{Code: CodeMalformed, Message: fmt.Sprintf(format, args...)}
}

// Size limits of policy documents in characters, not counting white space
// (spec §9.1).
const (
	LimitTrustPolicy      = 2048  // role trust policy
	LimitRoleInlineTotal  = 10240 // all inline policies of one role together
	LimitManagedPolicy    = 6144  // one managed policy
	LimitSessionPolicy    = 2048  // inline session policy of AssumeRole*
	LimitUserInlineTotal  = 2048  // all inline policies of one user together
	LimitGroupInlineTotal = 5120  // all inline policies of one group together
)

// Size returns the number of characters of doc that are not white space:
// the measure AWS applies to policy quotas.
func Size(doc []byte) int {
	n := 0
	for _, r := range string(doc) {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// ValidateSize returns a LimitExceeded *Error when doc has more than limit
// non-white-space characters.
func ValidateSize(doc []byte, limit int) error {
	if n := Size(doc); n > limit {
		return &Error{Code: CodeLimitExceeded, Message: fmt.Sprintf("Cannot exceed quota for PolicySize: %d (document has %d characters)", limit, n)}
	}
	return nil
}
