package oidclogin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/sluicehq/sluice/internal/atomicfile"
	"github.com/sluicehq/sluice/internal/filelock"
	"github.com/sluicehq/sluice/internal/secret"
)

// entry is one cache file. The identifying fields guard against a hash collision and a file
// copied between configurations.
type entry struct {
	Version         int
	Endpoint        string
	Issuer          string
	ClientID        string
	RoleARN         string
	AccessKeyID     string    `json:",omitempty"`
	SecretAccessKey string    `json:",omitempty"`
	SessionToken    string    `json:",omitempty"`
	Expiration      time.Time `json:",omitzero"`
	RefreshToken    string    `json:",omitempty"`
}

func (e *entry) credentials() *Credentials {
	return &Credentials{AccessKeyID: e.AccessKeyID, SecretAccessKey: secret.New(e.SecretAccessKey),
		SessionToken: secret.New(e.SessionToken), Expiration: e.Expiration}
}

// CachePath is the cache file of the configuration in dir.
func CachePath(dir string, cfg Config) string {
	h := sha256.Sum256([]byte(cfg.Endpoint + "\n" + cfg.Issuer + "\n" + cfg.ClientID + "\n" + cfg.RoleARN))
	return filepath.Join(dir, "oidc-"+hex.EncodeToString(h[:16])+".json")
}

func (c *Client) path() string { return CachePath(c.o.CacheDir, c.cfg) }

// fresh reports whether e holds credentials valid beyond the margin.
func (c *Client) fresh(e *entry) bool {
	return e != nil && e.AccessKeyID != "" && e.Expiration.After(c.o.Now().Add(c.o.Margin))
}

// lockCache takes the configuration's cache lock (<cache file>.lock), waiting for another
// process's login to finish; it fails only when ctx ends first. Without a cache, or when the
// lock cannot be had (no flock, an unwritable directory), it logs and goes on unlocked: the
// cache is an optimisation, never a reason to fail a login.
func (c *Client) lockCache(ctx context.Context) (unlock func(), err error) {
	if c.o.CacheDir == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(c.o.CacheDir, 0o700); err != nil {
		c.o.Logger.Warn("cannot create the cache directory", "dir", c.o.CacheDir, "err", err)
		return func() {}, nil
	}
	f, err := filelock.Lock(ctx, c.path()+".lock", 200*time.Millisecond)
	switch {
	case err == nil:
		return func() { f.Close() }, nil
	case ctx.Err() != nil:
		return nil, &Error{Kind: Unavailable, Msg: "gave up waiting for another login of the same role to finish", Err: err}
	}
	if !errors.Is(err, filelock.ErrUnsupported) {
		c.o.Logger.Warn("cannot lock the cache; going on without", "path", c.path()+".lock", "err", err)
	}
	return func() {}, nil
}

// load returns the cached entry, or nil when there is none, it is unreadable, for another
// configuration, or readable by others.
func (c *Client) load() *entry {
	if c.o.CacheDir == "" {
		return nil
	}
	p := c.path()
	fi, err := os.Stat(p)
	if err != nil {
		return nil
	}
	if fi.Mode().Perm()&0o077 != 0 {
		c.o.Logger.Warn("cache file readable by others ignored", "path", p)
		return nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil
	}
	var e entry
	if json.Unmarshal(data, &e) != nil || e.Version != 1 || e.Endpoint != c.cfg.Endpoint || e.Issuer != c.cfg.Issuer ||
		e.ClientID != c.cfg.ClientID || e.RoleARN != c.cfg.RoleARN {
		return nil
	}
	return &e
}

// save writes e for the configuration; a failure is logged, never fatal: the credentials are
// still good.
func (c *Client) save(e *entry) {
	if c.o.CacheDir == "" {
		return
	}
	e.Version, e.Endpoint, e.Issuer, e.ClientID, e.RoleARN = 1, c.cfg.Endpoint, c.cfg.Issuer, c.cfg.ClientID, c.cfg.RoleARN
	if err := os.MkdirAll(c.o.CacheDir, 0o700); err != nil {
		c.o.Logger.Warn("cannot create the cache directory", "dir", c.o.CacheDir, "err", err)
		return
	}
	if err := os.Chmod(c.o.CacheDir, 0o700); err != nil {
		c.o.Logger.Warn("cannot restrict the cache directory", "dir", c.o.CacheDir, "err", err)
		return
	}
	data, err := json.Marshal(e)
	if err != nil {
		return
	}
	if err := atomicfile.Write(c.path(), data, 0o600); err != nil {
		c.o.Logger.Warn("cannot write the cache", "path", c.path(), "err", err)
	}
}
