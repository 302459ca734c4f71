package audit

import (
	"encoding/json"
	"time"
)

// EventVersion is the CloudTrail record format version Sluice writes.
const EventVersion = "1.11"

// TimeLayout is CloudTrail's eventTime layout.
const TimeLayout = "2006-01-02T15:04:05Z"

// Event is one CloudTrail record. Field order follows CloudTrail's; the JSON encoding of an Event
// (encoding/json, maps sorted) is its canonical form.
type Event struct {
	EventVersion        string          `json:"eventVersion"`
	UserIdentity        UserIdentity    `json:"userIdentity"`
	EventTime           string          `json:"eventTime"`
	EventSource         string          `json:"eventSource"`
	EventName           string          `json:"eventName"`
	AWSRegion           string          `json:"awsRegion"`
	SourceIPAddress     string          `json:"sourceIPAddress"`
	UserAgent           string          `json:"userAgent"`
	ErrorCode           string          `json:"errorCode,omitempty"`
	ErrorMessage        string          `json:"errorMessage,omitempty"`
	RequestParameters   any             `json:"requestParameters"`
	ResponseElements    any             `json:"responseElements"`
	AdditionalEventData any             `json:"additionalEventData,omitempty"`
	RequestID           string          `json:"requestID"`
	EventID             string          `json:"eventID"`
	ReadOnly            bool            `json:"readOnly"`
	Resources           []EventResource `json:"resources,omitempty"`
	EventType           string          `json:"eventType"`
	ManagementEvent     bool            `json:"managementEvent"`
	RecipientAccountID  string          `json:"recipientAccountId"`
	EventCategory       string          `json:"eventCategory"`
}

// UserIdentity is the record's caller.
type UserIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId,omitempty"`
	ARN         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	UserName    string `json:"userName,omitempty"`
	// IdentityProvider names the OIDC issuer (or Kerberos realm) of a WebIdentityUser.
	IdentityProvider string          `json:"identityProvider,omitempty"`
	SessionContext   *SessionContext `json:"sessionContext,omitempty"`
	InvokedBy        string          `json:"invokedBy,omitempty"`
}

// SessionContext describes a role session.
type SessionContext struct {
	SessionIssuer       *SessionIssuer       `json:"sessionIssuer,omitempty"`
	WebIDFederationData *WebIDFederationData `json:"webIdFederationData,omitempty"`
	Attributes          SessionAttributes    `json:"attributes"`
	SourceIdentity      string               `json:"sourceIdentity,omitempty"`
}

// SessionIssuer is the role behind a session.
type SessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

// WebIDFederationData names the external login behind a session.
type WebIDFederationData struct {
	FederatedProvider string         `json:"federatedProvider,omitempty"`
	Attributes        map[string]any `json:"attributes,omitempty"`
}

// SessionAttributes are the session's creation time and MFA flag.
type SessionAttributes struct {
	CreationDate     string `json:"creationDate,omitempty"`
	MFAAuthenticated string `json:"mfaAuthenticated"`
}

// EventResource is a resource the call touched.
type EventResource struct {
	ARN       string `json:"ARN"`
	AccountID string `json:"accountId,omitempty"`
	Type      string `json:"type,omitempty"`
}

// Time parses EventTime.
func (e *Event) Time() time.Time {
	t, _ := time.Parse(TimeLayout, e.EventTime)
	return t
}

// Username is what LookupEvents shows as the event's user: the IAM user name, the session name
// for assumed roles, "root" for the account root, and "" when unknown.
func (e *Event) Username() string {
	u := &e.UserIdentity
	switch u.Type {
	case "IAMUser":
		return u.UserName
	case "Root":
		return "root"
	case "AssumedRole", "WebIdentityUser":
		if i := lastSlash(u.ARN); i >= 0 {
			return u.ARN[i+1:]
		}
	}
	return u.UserName
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

// ParseEvent decodes a record's JSON.
func ParseEvent(data []byte) (*Event, error) {
	var e Event
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, err
	}
	return &e, nil
}
