//go:build !linux

package localfs

import "os"

// sizedFile is an object file opened for reading, with its size.
type sizedFile struct {
	*os.File
	size int64
}

func openSized(name string) (*sizedFile, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &sizedFile{File: f, size: st.Size()}, nil
}

// file hands the file over (s must not be used after).
func (s *sizedFile) file() *os.File { return s.File }
