package migrate

import (
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestLoad(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []Migration
		wantErr bool
	}{
		{"ordered", fstest.MapFS{
			"m/0002_index.sql": file("two"),
			"m/0001_init.sql":  file("one"),
			"m/README":         file("not a migration"),
		}, []Migration{{1, "0001_init.sql", "one"}, {2, "0002_index.sql", "two"}}, false},
		{"gap", fstest.MapFS{"m/0001_a.sql": file(""), "m/0003_c.sql": file("")}, nil, true},
		{"duplicate", fstest.MapFS{"m/0001_a.sql": file(""), "m/1_b.sql": file("")}, nil, true},
		{"starts at 2", fstest.MapFS{"m/0002_a.sql": file("")}, nil, true},
		{"bad name", fstest.MapFS{"m/init.sql": file("")}, nil, true},
		{"zero", fstest.MapFS{"m/0000_a.sql": file("")}, nil, true},
		{"empty", fstest.MapFS{"m/README": file("")}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Load(tc.files, "m")
			if (err != nil) != tc.wantErr {
				t.Fatalf("Load error = %v, want error %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Load (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPending(t *testing.T) {
	all := []Migration{{Version: 1}, {Version: 2}, {Version: 3}}
	tests := []struct {
		current int
		want    []int
		wantErr bool
	}{
		{0, []int{1, 2, 3}, false},
		{2, []int{3}, false},
		{3, []int{}, false},
		{4, nil, true},
		{-1, nil, true},
	}
	for _, tc := range tests {
		got, err := Pending(all, tc.current)
		if (err != nil) != tc.wantErr {
			t.Errorf("Pending(%d) error = %v", tc.current, err)
			continue
		}
		var versions []int
		if got != nil {
			versions = []int{}
		}
		for _, m := range got {
			versions = append(versions, m.Version)
		}
		if diff := cmp.Diff(tc.want, versions); diff != "" {
			t.Errorf("Pending(%d) (-want +got):\n%s", tc.current, diff)
		}
	}
}

func FuzzVersion(f *testing.F) {
	for _, s := range []string{"0001_init.sql", "1_a.sql", "init.sql", "0000_a.sql", "_a.sql", "12x_a.sql", "99999999999999999999_a.sql"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		v, err := Version(name)
		if err == nil && v < 1 {
			t.Fatalf("Version(%q) = %d without error", name, v)
		}
	})
}
