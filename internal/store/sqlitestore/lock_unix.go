//go:build unix

package sqlitestore

import (
	"errors"
	"os"
	"syscall"

	"github.com/sluicehq/sluice/internal/store"
)

// lockFile takes an exclusive lock on path (created if needed) for as long as the returned file
// stays open; it fails at once when another process holds it.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, store.E("open", store.Internal, "", "", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &store.Error{Op: "open", Kind: store.Busy, Msg: "sqlite: another process is serving this database (it holds " + path +
				"); stop it first, or use PostgreSQL (--store postgres://…) to run several replicas"}
		}
		return nil, store.E("open", store.Internal, "", "", err)
	}
	return f, nil
}
