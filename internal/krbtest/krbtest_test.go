package krbtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestRealm(t *testing.T) {
	r := Start(t)
	cc := filepath.Join(t.TempDir(), "cc")
	r.Kinit(t, "user1", Users["user1"], cc, 0)
	klist, err := exec.Command("klist", "-c", "FILE:"+cc).CombinedOutput()
	if err != nil {
		t.Fatalf("klist: %v\n%s", err, klist)
	}
	if !strings.Contains(string(klist), "user1@EXAMPLE.COM") {
		t.Errorf("klist shows no user1:\n%s", klist)
	}
	if err := r.TryKinit("user2", "wrong", cc, 0); err == nil {
		t.Error("kinit with a wrong password succeeded")
	}
	if st, err := os.Stat(r.Keytab); err != nil || st.Size() == 0 {
		t.Fatalf("keytab: %v", err)
	}
	if len(r.Services) != 2 || r.Services[0] != "HTTP/127.0.0.1@EXAMPLE.COM" {
		t.Errorf("services = %v", r.Services)
	}
}
