package localfs_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/sluicehq/sluice/internal/blob"
	"github.com/sluicehq/sluice/internal/blob/blobtest"
	"github.com/sluicehq/sluice/internal/blob/localfs"
)

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Driver {
		d, err := localfs.Open(t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}, nil)
}

func TestLayoutStaysInside(t *testing.T) {
	dir := t.TempDir()
	d, err := localfs.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	keys := []string{"../../etc/passwd", "..", "/abs", "a//b/", strings.Repeat("é", 512), "x\x00y"}
	for _, k := range keys {
		if _, err := d.Put(ctx, "../b", k, strings.NewReader("x"), nil); err != nil {
			t.Fatalf("Put(%q): %v", k, err)
		}
	}
	// A failed write leaves nothing in tmp/.
	d.Put(ctx, "b", "k", iotest.ErrReader(errors.New("boom")), nil)
	if ents, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(ents) != 0 {
		t.Errorf("tmp holds %d files after a failed put", len(ents))
	}
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		name := e.Name()
		known := name == "tmp" || name == "b" || name == "u" || name == "upload"
		if len(name) > 252 || !known && strings.Trim(name, "0123456789abcdef.o") != "" {
			t.Errorf("unexpected name %q", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	parent, _ := os.ReadDir(filepath.Dir(dir))
	if len(parent) != 1 {
		t.Errorf("something was written beside the root: %v", parent)
	}
}

func TestOpenClearsTmp(t *testing.T) {
	dir := t.TempDir()
	if _, err := localfs.Open(dir, nil); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "tmp", "w-123"), []byte("partial"), 0o600)
	if _, err := localfs.Open(dir, nil); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(ents) != 0 {
		t.Errorf("tmp not cleared: %v", ents)
	}
}
