package localfs_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluicehq/sluice/internal/blob/localfs"
)

// TestOpenSizes covers both ways Open reads an object (whole, up to 64 KiB of file; trailer only,
// above) and the PUT pipeline's chunk boundaries (1 MiB), with ranges at the edges.
func TestOpenSizes(t *testing.T) {
	d, err := localfs.Open(t.TempDir(), &localfs.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, size := range []int{0, 1, 4 << 10, 64<<10 - 200, 64 << 10, 64<<10 + 1, 1 << 20, 1<<20 + 1, 3<<20 + 7} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i*7 + i>>8)
		}
		a, err := d.Put(ctx, "b", "k", bytes.NewReader(data), nil)
		if err != nil {
			t.Fatalf("size %d: Put: %v", size, err)
		}
		sum := md5.Sum(data)
		if a.Size != int64(size) || a.ETag != hex.EncodeToString(sum[:]) {
			t.Fatalf("size %d: Put = size %d etag %s", size, a.Size, a.ETag)
		}
		for _, r := range [][2]int{{0, size}, {0, size / 2}, {size / 3, size - size/3}, {size, 0}} {
			o, err := d.Open(ctx, "b", "k")
			if err != nil {
				t.Fatalf("size %d: Open: %v", size, err)
			}
			if got := o.Attrs(); got.Size != int64(size) || got.ETag != a.ETag {
				t.Fatalf("size %d: Attrs = %d %s", size, got.Size, got.ETag)
			}
			rd, err := o.Range(int64(r[0]), int64(r[1]))
			if err != nil {
				t.Fatalf("size %d: Range%v: %v", size, r, err)
			}
			got, err := io.ReadAll(rd)
			o.Close()
			if err != nil || !bytes.Equal(got, data[r[0]:r[0]+r[1]]) {
				t.Fatalf("size %d: Range%v read %d bytes, %v", size, r, len(got), err)
			}
		}
	}
}

// TestOverwriteLarge replaces a large object (its old file is unlinked in the background) and
// checks the new bytes are served and that Close leaves nothing under tmp/.
func TestOverwriteLarge(t *testing.T) {
	dir := t.TempDir()
	d, err := localfs.Open(dir, &localfs.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 2 {
		data := bytes.Repeat([]byte{byte('a' + i)}, 16<<20+i)
		if _, err := d.Put(ctx, "b", "big", bytes.NewReader(data), nil); err != nil {
			t.Fatal(err)
		}
		o, err := d.Open(ctx, "b", "big")
		if err != nil {
			t.Fatal(err)
		}
		rd, _ := o.Range(0, o.Attrs().Size)
		got, err := io.ReadAll(rd)
		o.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("overwrite %d: read %d bytes, %v", i, len(got), err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(ents) != 0 {
		t.Fatalf("tmp/ holds %d entries after Close", len(ents))
	}
}

// TestPutSynced writes an object large enough for the background fsyncs of the PUT pipeline,
// with fsync on.
func TestPutSynced(t *testing.T) {
	d, err := localfs.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), (130<<20)/16+1)
	a, err := d.Put(ctx, "b", "k", bytes.NewReader(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	if a.Size != int64(len(data)) || a.ETag != hex.EncodeToString(sum[:]) {
		t.Fatalf("Put = size %d etag %s", a.Size, a.ETag)
	}
	o, err := d.Open(ctx, "b", "k")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	rd, _ := o.Range(0, a.Size)
	h := md5.New()
	if n, err := io.Copy(h, rd); err != nil || n != a.Size || !bytes.Equal(h.Sum(nil), sum[:]) {
		t.Fatalf("read %d bytes, %v", n, err)
	}
}
