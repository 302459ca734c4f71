package lfquery

import (
	"encoding/base64"
	"encoding/json"

	"github.com/sluicehq/sluice/internal/keyring"
)

// tokenAAD binds sealed work unit tokens to their purpose: nothing else the key ring seals (session
// tokens, for one) opens as a work unit token, and the reverse.
var tokenAAD = []byte("sluice/lfquery/work-unit-token/v1")

// unitClaims is everything GetWorkUnitResults needs, sealed (AES-256-GCM, key ring) into the
// WorkUnitToken so that any replica serves the unit with no shared state. Short JSON names keep
// tokens small.
type unitClaims struct {
	Version  int      `json:"v"`
	Query    string   `json:"q"`
	Unit     int64    `json:"u"`
	Owner    string   `json:"o"` // ARN of the principal that started the query
	Database string   `json:"d"`
	Table    string   `json:"t"`
	Columns  []string `json:"c,omitempty"`
	Where    string   `json:"w,omitempty"`
	WherePos int      `json:"wp,omitempty"`
	Limit    int64    `json:"l,omitempty"`
	Files    []string `json:"f"`
	Bytes    int64    `json:"b,omitempty"`
	Expires  int64    `json:"exp"` // Unix seconds
}

func sealUnit(ring *keyring.Ring, c *unitClaims) (string, error) {
	c.Version = 1
	data, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	sealed, err := ring.Seal(data, tokenAAD)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// openUnit returns the claims of a token, or nil for anything that is not a token this ring
// sealed.
func openUnit(ring *keyring.Ring, token string) *unitClaims {
	sealed, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil
	}
	data, err := ring.Open(sealed, tokenAAD)
	if err != nil {
		return nil
	}
	var c unitClaims
	if json.Unmarshal(data, &c) != nil || c.Version != 1 {
		return nil
	}
	return &c
}
