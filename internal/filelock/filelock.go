// Package filelock takes advisory locks on files (flock), held for as long as the returned
// *os.File stays open: across processes on one machine, released by the kernel when a process
// dies. On systems without flock the locks are no-ops and report ErrUnsupported.
package filelock

import (
	"context"
	"errors"
	"os"
	"time"
)

// ErrLocked is returned by TryLock when another process (or another open file in this one)
// holds the lock.
var ErrLocked = errors.New("filelock: held by another process")

// ErrUnsupported is returned where the system has no advisory locks.
var ErrUnsupported = errors.ErrUnsupported

// TryLock opens path (creating it 0600) and takes its exclusive lock, or fails at once with
// ErrLocked. Close the file to release it.
func TryLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := tryLock(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Lock is TryLock that waits for the lock until ctx ends, polling every poll.
func Lock(ctx context.Context, path string, poll time.Duration) (*os.File, error) {
	for {
		f, err := TryLock(path)
		if !errors.Is(err, ErrLocked) {
			return f, err
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
