package catalog

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/sluicehq/sluice/internal/awsproto"
)

// Records are stored as JSON. Input is the caller's own JSON object (unknown members included,
// Name normalized); answers overlay the server's fields on it.

type databaseRecord struct {
	Name       string          `json:"name"`
	Input      json.RawMessage `json:"input"`
	CreateTime time.Time       `json:"createTime"`
}

type tableRecord struct {
	Database   string          `json:"database"`
	Name       string          `json:"name"`
	Input      json.RawMessage `json:"input"`
	CreateTime time.Time       `json:"createTime"`
	UpdateTime time.Time       `json:"updateTime"`
	CreatedBy  string          `json:"createdBy"`
	VersionID  int64           `json:"versionId"`
}

type partitionRecord struct {
	Values       []string        `json:"values"`
	Input        json.RawMessage `json:"input"`
	CreationTime time.Time       `json:"creationTime"`
}

// Typed views of the inputs: only what the catalog itself reads.

type column struct {
	Name string `json:"Name"`
	Type string `json:"Type"`
}

type storageDescriptor struct {
	Columns  []column `json:"Columns"`
	Location *string  `json:"Location"`
}

type databaseView struct {
	Name        *string `json:"Name"`
	Description *string `json:"Description"`
	LocationURI *string `json:"LocationUri"`
}

type tableView struct {
	Name              *string            `json:"Name"`
	Description       *string            `json:"Description"`
	Owner             *string            `json:"Owner"`
	StorageDescriptor *storageDescriptor `json:"StorageDescriptor"`
	PartitionKeys     []column           `json:"PartitionKeys"`
	Parameters        map[string]string  `json:"Parameters"`
	TableType         *string            `json:"TableType"`
}

type partitionView struct {
	Values            []string           `json:"Values"`
	StorageDescriptor *storageDescriptor `json:"StorageDescriptor"`
}

// object parses a JSON object input into its members.
func object(what string, raw json.RawMessage) (map[string]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, errInvalid("%s is required", what)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, errInvalid("%s must be an object", what)
	}
	return m, nil
}

// normalizeTimes rewrites the named timestamp members as epoch numbers (a client may have sent
// an ISO string, which aws-sdk-go-v2 could not read back).
func normalizeTimes(m map[string]json.RawMessage, names ...string) error {
	for _, n := range names {
		raw, ok := m[n]
		if !ok || bytes.Equal(raw, []byte("null")) {
			continue
		}
		var t awsproto.Timestamp
		if err := json.Unmarshal(raw, &t); err != nil {
			return errInvalid("%s is not a timestamp", n)
		}
		m[n], _ = json.Marshal(t)
	}
	return nil
}

// overlay returns input with fields set on top (nil values remove the member).
func overlay(input json.RawMessage, fields map[string]any) (json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(input) > 0 {
		if err := json.Unmarshal(input, &m); err != nil {
			return nil, err
		}
	}
	for k, v := range fields {
		if v == nil {
			delete(m, k)
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		m[k] = b
	}
	return json.Marshal(m)
}

func digest(values []string) string {
	b, _ := json.Marshal(values)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func ts(t time.Time) awsproto.Timestamp { return awsproto.Timestamp(t) }
