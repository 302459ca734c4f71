package blobopen_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/blob/blobopen"
	"github.com/sluicehq/sluice/internal/blob/localfs"
	"github.com/sluicehq/sluice/internal/blob/s3blob"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SLUICE_BLOB_ACCESS_KEY_ID": "AKIAX", "SLUICE_BLOB_SECRET_ACCESS_KEY": "s"}
	getenv := func(k string) string { return env[k] }
	cases := []struct {
		loc  string
		want string // "localfs", "s3blob" or an error substring
	}{
		{"", "localfs"},
		{filepath.Join(dir, "a"), "localfs"},
		{"file://" + filepath.Join(dir, "b"), "localfs"},
		{"s3://bucket/prefix?endpoint=http://127.0.0.1:1&region=eu-west-1", "s3blob"},
		{"s3:///nobucket", "names no bucket"},
		{"gs://bucket", "unknown scheme"},
	}
	for _, c := range cases {
		d, err := blobopen.Open(c.loc, filepath.Join(dir, "default"), getenv)
		got := ""
		switch d.(type) {
		case *localfs.FS:
			got = "localfs"
		case *s3blob.Driver:
			got = "s3blob"
		}
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("Open(%q) = %q, want %q", c.loc, got, c.want)
		}
	}
	if _, err := blobopen.Open("s3://bucket", dir, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "SLUICE_BLOB_ACCESS_KEY_ID") {
		t.Errorf("s3 without credentials = %v", err)
	}
}
