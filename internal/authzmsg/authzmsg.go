// Package authzmsg encodes the decision behind a denied request into an opaque blob that travels
// in the error message ("Encoded authorization failure message: …") and that only
// sts:DecodeAuthorizationMessage, with the key ring, turns back into the decision: the action,
// the resource, the principal, the deciding statements and the condition keys. Callers learn
// nothing from the blob itself: it is sealed.
package authzmsg

import (
	"encoding/base64"
	"encoding/json"
	"errors"

	"github.com/sluicehq/sluice/internal/keyring"
)

var aad = []byte("sluice/authz-message/v1")

// Message is the decoded decision, in the shape AWS's DecodeAuthorizationMessage returns.
type Message struct {
	Allowed           bool       `json:"allowed"`
	ExplicitDeny      bool       `json:"explicitDeny"`
	Reason            string     `json:"reason,omitempty"`
	MatchedStatements Statements `json:"matchedStatements"`
	Context           Context    `json:"context"`
}

// Statements lists the deciding statements.
type Statements struct {
	Items []Statement `json:"items"`
}

// Statement names one statement.
type Statement struct {
	Policy string `json:"policy"`
	Index  int    `json:"statementIndex"`
	Sid    string `json:"sid,omitempty"`
}

// Context is the request as it was evaluated.
type Context struct {
	Principal  Principal  `json:"principal"`
	Action     string     `json:"action"`
	Resource   string     `json:"resource"`
	Conditions Conditions `json:"conditions"`
}

// Principal is the caller.
type Principal struct {
	ID  string `json:"id"`
	ARN string `json:"arn"`
}

// Conditions lists the condition keys of the request.
type Conditions struct {
	Items []Condition `json:"items"`
}

// Condition is one condition key and its values.
type Condition struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// Encode seals m with the ring's active key.
func Encode(ring *keyring.Ring, m *Message) (string, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	sealed, err := ring.Seal(data, aad)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// ErrInvalid is returned for anything that is not a message sealed by this ring.
var ErrInvalid = errors.New("invalid encoded authorization message")

// Decode opens a blob made by Encode and returns the message as JSON.
func Decode(ring *keyring.Ring, blob string) ([]byte, error) {
	sealed, err := base64.RawURLEncoding.DecodeString(blob)
	if err != nil {
		return nil, ErrInvalid
	}
	data, err := ring.Open(sealed, aad)
	if err != nil {
		return nil, ErrInvalid
	}
	return data, nil
}
