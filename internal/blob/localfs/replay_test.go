package localfs

import (
	"bytes"
	"context"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/blob"
)

// TestReplay simulates crashes during Update: a complete redo record finishes the update on the
// next Open whatever state the tail was left in; a torn record is ignored.
func TestReplay(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name     string
		torn     bool              // the record is damaged (the crash came before it was durable)
		damage   func(path string) // the object's state at the crash
		wantTags map[string]string // after reopening
	}{
		{"tail half written", false, func(p string) { os.Truncate(p, 4+3) }, map[string]string{"new": "2"}},
		{"tail written, not truncated", false, func(p string) {
			f, _ := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			f.Write(bytes.Repeat([]byte("x"), 100))
			f.Close()
		}, map[string]string{"new": "2"}},
		{"update already done", false, func(string) {}, map[string]string{"new": "2"}},
		{"object deleted since", false, func(p string) { os.Remove(p) }, nil},
		{"torn record", true, func(string) {}, map[string]string{"old": "1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f, err := Open(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Put(ctx, "b", "k", strings.NewReader("data"), &blob.Attrs{Tags: map[string]string{"old": "1"}}); err != nil {
				t.Fatal(err)
			}
			p := f.objectPath("b", "k")
			file, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			m, dataLen, err := readTrailer(file)
			file.Close()
			if err != nil {
				t.Fatal(err)
			}
			m.Attrs.Tags = map[string]string{"new": "2"}
			var tail bytes.Buffer
			writeTrailer(&tail, m)
			rel, _ := filepath.Rel(dir, p)
			rec := &redo{Path: rel, DataLen: dataLen, Tail: tail.Bytes(), Sum: crc32.ChecksumIEEE(tail.Bytes())}
			if tc.torn {
				rec.Sum++
			}
			if _, err := f.writeRedo(rec); err != nil {
				t.Fatal(err)
			}
			if !tc.torn && tc.name == "update already done" {
				file, _ := os.OpenFile(p, os.O_RDWR, 0)
				f.apply(file, rec)
				file.Close()
			}
			tc.damage(p)

			f, err = Open(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			if ents, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(ents) != 0 {
				t.Errorf("tmp holds %d files after Open", len(ents))
			}
			o, err := f.Open(ctx, "b", "k")
			if tc.wantTags == nil {
				if err == nil {
					o.Close()
					t.Error("a deleted object came back")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			if diff := cmp.Diff(tc.wantTags, o.Attrs().Tags); diff != "" {
				t.Errorf("tags (-want +got):\n%s", diff)
			}
			r, _ := o.Range(0, o.Attrs().Size)
			var got bytes.Buffer
			got.ReadFrom(r)
			if got.String() != "data" {
				t.Errorf("data = %q", got.String())
			}
		})
	}
}
