package sts

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/keyring"
)

// tokenAAD binds sealed session tokens to their purpose: nothing else sealed by the key ring can
// be replayed as a token.
var tokenAAD = []byte("sluice/sts/session-token/v1")

// Token kinds.
const (
	kindRole = "role" // AssumeRole*, vending: an assumed-role session
	kindUser = "user" // GetSessionToken by an IAM user
	kindRoot = "root" // GetSessionToken by the root
)

// claims is everything a session token carries. It is sealed (AES-256-GCM, key ring), so a
// replica authenticates temporary credentials with no store read. Short JSON names keep tokens
// small.
type claims struct {
	Version   int    `json:"v"`
	Kind      string `json:"k"`
	AccessKey string `json:"ak"`
	Secret    string `json:"sk"`
	Account   string `json:"a"`
	IssuedAt  int64  `json:"iat"`
	Expires   int64  `json:"exp"`

	// Users and root (GetSessionToken).
	UserARN  string `json:"ua,omitempty"`
	UserID   string `json:"uid,omitempty"`
	UserName string `json:"un,omitempty"`

	// Role sessions.
	RoleARN        string      `json:"ra,omitempty"`
	RoleID         string      `json:"rid,omitempty"`
	RoleName       string      `json:"rn,omitempty"`
	SessionName    string      `json:"sn,omitempty"`
	SourceIdentity string      `json:"si,omitempty"`
	Tags           [][2]string `json:"t,omitempty"`
	Transitive     []string    `json:"tt,omitempty"`
	InlinePolicy   string      `json:"p,omitempty"`
	PolicyARNs     []string    `json:"pa,omitempty"`
	Chained        bool        `json:"c,omitempty"`
	CallerARN      string      `json:"ca,omitempty"`
	FedProvider    string      `json:"fp,omitempty"`
	FedSubject     string      `json:"fs,omitempty"`
	FedAudience    string      `json:"fa,omitempty"`
}

var errBadToken = errors.New("bad session token")

func sealToken(ring *keyring.Ring, c *claims) (string, error) {
	c.Version = 1
	data, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	sealed, err := ring.Seal(data, tokenAAD)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sealed), nil
}

func openToken(ring *keyring.Ring, token string) (*claims, error) {
	sealed, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return nil, errBadToken
	}
	data, err := ring.Open(sealed, tokenAAD)
	if err != nil {
		return nil, errBadToken
	}
	var c claims
	if err := json.Unmarshal(data, &c); err != nil || c.Version != 1 {
		return nil, errBadToken
	}
	return &c, nil
}

// principal rebuilds the caller a token stands for.
func (c *claims) principal() *identity.Principal {
	p := &identity.Principal{
		Account:     identity.AccountID(c.Account),
		AccessKeyID: identity.AccessKeyID(c.AccessKey),
	}
	switch c.Kind {
	case kindRoot:
		p.Type, p.ARN, p.ID = identity.Root, identity.RootARN(p.Account), c.Account
	case kindUser:
		p.Type, p.ARN, p.ID, p.UserName = identity.IAMUser, identity.ARN(c.UserARN), c.UserID, c.UserName
	default:
		// Web-identity sessions are AssumedRole too (CloudTrail shows WebIdentityUser only on the
		// AssumeRoleWithWebIdentity call itself); Session.Federation names the provider.
		p.Type = identity.AssumedRole
		p.ARN = SessionARN(p.Account, c.RoleName, c.SessionName)
		p.ID = c.RoleID + ":" + c.SessionName
		s := &identity.Session{
			RoleARN:           identity.ARN(c.RoleARN),
			RoleID:            c.RoleID,
			RoleName:          c.RoleName,
			Name:              c.SessionName,
			IssuedAt:          time.Unix(c.IssuedAt, 0).UTC(),
			Expires:           time.Unix(c.Expires, 0).UTC(),
			SourceIdentity:    c.SourceIdentity,
			TransitiveTagKeys: c.Transitive,
			InlinePolicy:      c.InlinePolicy,
			Chained:           c.Chained,
			CallerARN:         identity.ARN(c.CallerARN),
		}
		for _, t := range c.Tags {
			s.Tags = append(s.Tags, identity.Tag{Key: t[0], Value: t[1]})
		}
		for _, a := range c.PolicyARNs {
			s.PolicyARNs = append(s.PolicyARNs, identity.ARN(a))
		}
		if c.FedProvider != "" {
			s.Federation = &identity.Federation{Provider: identity.ARN(c.FedProvider), Subject: c.FedSubject, Audience: c.FedAudience}
		}
		p.Session = s
	}
	return p
}

// SessionARN is the ARN of a role session: the role's path is dropped (spec §1.5).
func SessionARN(account identity.AccountID, roleName, session string) identity.ARN {
	return identity.ARN("arn:aws:sts::" + string(account) + ":assumed-role/" + roleName + "/" + session)
}
