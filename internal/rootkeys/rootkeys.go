// Package rootkeys manages the account root's access key: Sluice's bootstrap credential.
//
// The keys come from SLUICE_ROOT_ACCESS_KEY_ID and SLUICE_ROOT_SECRET_ACCESS_KEY when both are set;
// otherwise they are generated on first start and kept in the data directory (mode 0600), so a
// restart reuses them. Root is allowed everything; daily work should use IAM users and roles.
package rootkeys

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"

	"github.com/sluicehq/sluice/internal/atomicfile"
	"github.com/sluicehq/sluice/internal/identity"
	"github.com/sluicehq/sluice/internal/secret"
)

// FileName is the file inside the data directory that holds generated root keys.
const FileName = "root-credentials.json"

// Keys is the root credential of one account.
type Keys struct {
	Account     identity.AccountID
	AccessKeyID identity.AccessKeyID
	Secret      secret.Value
	// Source says where the keys came from: "environment", "file" or "generated".
	Source string
}

type fileFormat struct {
	AccessKeyID     string    `json:"AccessKeyId"`
	SecretAccessKey string    `json:"SecretAccessKey"`
	Created         time.Time `json:"Created"`
}

var (
	keyIDPattern  = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
	secretPattern = regexp.MustCompile(`^[A-Za-z0-9/+=]{16,128}$`)
)

// Load returns the root keys from the environment (getenv), else from path, else generates and
// saves new ones at path.
func Load(account identity.AccountID, path string, getenv func(string) string, rnd io.Reader) (*Keys, error) {
	id, sec := getenv("SLUICE_ROOT_ACCESS_KEY_ID"), getenv("SLUICE_ROOT_SECRET_ACCESS_KEY")
	switch {
	case id != "" && sec != "":
		if !keyIDPattern.MatchString(id) {
			return nil, errors.New("SLUICE_ROOT_ACCESS_KEY_ID must be 16 to 128 upper-case letters and digits")
		}
		if !secretPattern.MatchString(sec) {
			return nil, errors.New("SLUICE_ROOT_SECRET_ACCESS_KEY must be 16 to 128 characters of A-Z a-z 0-9 / + =")
		}
		return &Keys{Account: account, AccessKeyID: identity.AccessKeyID(id), Secret: secret.New(sec), Source: "environment"}, nil
	case id != "" || sec != "":
		return nil, errors.New("set both SLUICE_ROOT_ACCESS_KEY_ID and SLUICE_ROOT_SECRET_ACCESS_KEY, or neither")
	}
	data, err := os.ReadFile(path)
	if err == nil {
		var f fileFormat
		if err := json.Unmarshal(data, &f); err != nil || f.AccessKeyID == "" || f.SecretAccessKey == "" {
			return nil, fmt.Errorf("root credentials file %s is damaged; remove it to generate new keys", path)
		}
		return &Keys{Account: account, AccessKeyID: identity.AccessKeyID(f.AccessKeyID), Secret: secret.New(f.SecretAccessKey), Source: "file"}, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k := &Keys{Account: account, Source: "generated"}
	if k.AccessKeyID, err = NewAccessKeyID("AKIA", rnd); err != nil {
		return nil, err
	}
	if k.Secret, err = NewSecretAccessKey(rnd); err != nil {
		return nil, err
	}
	data, _ = json.MarshalIndent(fileFormat{AccessKeyID: string(k.AccessKeyID), SecretAccessKey: k.Secret.Reveal(), Created: time.Now().UTC()}, "", "  ")
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return nil, fmt.Errorf("saving root credentials: %w", err)
	}
	return k, nil
}

// Lookup implements the server's credential resolver for the root key.
func (k *Keys) Lookup(_ context.Context, id identity.AccessKeyID, sessionToken string) (*identity.Credential, error) {
	if id != k.AccessKeyID || sessionToken != "" {
		return nil, identity.ErrUnknownAccessKey
	}
	return &identity.Credential{Secret: k.Secret, Principal: identity.NewRoot(k.Account, k.AccessKeyID)}, nil
}

const base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// NewAccessKeyID returns prefix followed by 16 characters of AWS's key-id alphabet (20 in all).
func NewAccessKeyID(prefix string, rnd io.Reader) (identity.AccessKeyID, error) {
	s, err := randomString(rnd, base32Upper, 20-len(prefix))
	return identity.AccessKeyID(prefix + s), err
}

// NewSecretAccessKey returns a 40-character secret access key.
func NewSecretAccessKey(rnd io.Reader) (secret.Value, error) {
	s, err := randomString(rnd, secretAlphabet, 40)
	return secret.New(s), err
}

func randomString(rnd io.Reader, alphabet string, n int) (string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(rnd, b); err != nil {
		return "", err
	}
	for i := range b {
		// len(alphabet) divides 256 for both alphabets (32, 64): no modulo bias.
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}
