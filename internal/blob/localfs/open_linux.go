package localfs

import (
	"io"
	"io/fs"
	"os"
	"syscall"
)

// sizedFile is an object file opened for reading, with its size. It is opened with plain system
// calls, without the poller registration os.Open attempts (regular files do not use it), so a
// small object costs open, fstat, pread and close only.
type sizedFile struct {
	fd   int
	name string
	size int64
}

func openSized(name string) (*sizedFile, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, &fs.PathError{Op: "fstat", Path: name, Err: err}
	}
	return &sizedFile{fd: fd, name: name, size: st.Size}, nil
}

// ReadAt implements io.ReaderAt.
func (s *sizedFile) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		m, err := syscall.Pread(s.fd, b[n:], off+int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, &fs.PathError{Op: "read", Path: s.name, Err: err}
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

func (s *sizedFile) Close() error { return syscall.Close(s.fd) }

// file hands the descriptor over to an *os.File (s must not be used after).
func (s *sizedFile) file() *os.File { return os.NewFile(uintptr(s.fd), s.name) }
