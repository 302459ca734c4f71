package policy

import (
	"go/build"
	"strings"
	"testing"
)

// TestPure keeps the package pure: standard library only, and no I/O,
// network, process or clock-reading packages.
func TestPure(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	forbidden := map[string]bool{"os": true, "net": true, "net/http": true, "io/fs": true, "os/exec": true, "syscall": true, "unsafe": true, "math/rand": true, "crypto/rand": true, "log": true, "log/slog": true}
	for _, imp := range pkg.Imports {
		if forbidden[imp] || strings.Contains(imp, ".") {
			t.Errorf("package policy imports %q; it must stay pure", imp)
		}
	}
}
