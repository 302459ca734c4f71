package demo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluicehq/sluice/internal/secret"
)

func testLake() *Lake {
	return &Lake{Account: "123456789012", Region: "us-east-1", Database: Database, Rows: 100, Personas: []Persona{
		{Name: Admin, User: "demo-admin", AccessKeyID: "AKIAADMIN", SecretAccessKey: secret.New("admin-secret")},
		{Name: David, User: "david-non-sensitive-customer", AccessKeyID: "AKIADAVID", SecretAccessKey: secret.New("david-secret"),
			RoleARN: "arn:aws:iam::123456789012:role/marketing-data-access-role", SessionName: "david-non-sensitive-customer", Untagged: true},
		{Name: Notebook, User: "notebook-user", AccessKeyID: "AKIANB", SecretAccessKey: secret.New("nb-secret"),
			RoleARN: "arn:aws:iam::123456789012:role/sagemaker-exec-role", SessionName: "SageMaker", Tags: map[string]string{tagKey: NotebookTag}},
	}}
}

func TestAWSFiles(t *testing.T) {
	config, creds := AWSFiles(testLake(), "http://127.0.0.1:9", func(p PersonaName) string { return "sluice demo creds " + string(p) })
	for _, tc := range []struct {
		name, text, want string
	}{
		{"admin keys", creds, "[admin]\naws_access_key_id = AKIAADMIN\naws_secret_access_key = admin-secret\n"},
		{"admin profile", config, "[profile admin]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9\n"},
		{"user as source profile", creds, "[david-non-sensitive-customer]\naws_access_key_id = AKIADAVID\n"},
		{"persona via credential_process", config, "[profile david]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9\ncredential_process = sluice demo creds david\n"},
		{"persona via role_arn", config, "[profile david-role-arn]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9\nrole_arn = arn:aws:iam::123456789012:role/marketing-data-access-role\nsource_profile = david-non-sensitive-customer\nrole_session_name = david-non-sensitive-customer\n"},
		{"tagged persona", config, "[profile notebook]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9\ncredential_process = sluice demo creds notebook\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(tc.text, tc.want) {
				t.Errorf("missing\n%s\nin\n%s", tc.want, tc.text)
			}
		})
	}
	if strings.Contains(config, "notebook-role-arn") {
		t.Error("a persona whose trust needs a tag got a role_arn profile")
	}
	if strings.Contains(config, "secret") {
		t.Error("config holds a secret")
	}
}

func TestReplaceBlock(t *testing.T) {
	block := beginMarker + "\nnew\n" + endMarker + "\n"
	tests := []struct {
		name, old, want string
	}{
		{"empty file", "", block},
		{"appended after the user's profiles", "[default]\nregion = eu-west-1", "[default]\nregion = eu-west-1\n\n" + block},
		{"replaced in place", "[a]\n\n" + beginMarker + "\nold\nlines\n" + endMarker + "\n[b]\n", "[a]\n\n" + block + "[b]\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, replaceBlock(tc.old, "new\n")); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestWriteAWSFilesKeepsOtherProfiles(t *testing.T) {
	dir := t.TempDir()
	mine := "[default]\nregion = eu-west-1\n"
	os.WriteFile(filepath.Join(dir, ConfigFile), []byte(mine), 0o600)
	for range 2 {
		if err := WriteAWSFiles(dir, "[profile x]\n", "[x]\n"); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(filepath.Join(dir, ConfigFile))
	if want := mine + "\n" + beginMarker + "\n[profile x]\n" + endMarker + "\n"; string(got) != want {
		t.Errorf("config = %q, want %q", got, want)
	}
	st, err := os.Stat(filepath.Join(dir, CredentialsFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("credentials: %v %v", st, err)
	}
	if _, err := os.Stat(filepath.Join(dir, ReadTableScript)); err != nil {
		t.Error(err)
	}
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); err != ErrNotSeeded {
		t.Fatalf("Load of an empty dir: %v", err)
	}
	l := testLake()
	if err := l.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(l, got, cmp.Comparer(func(a, b secret.Value) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("round trip (-saved +loaded):\n%s", diff)
	}
	st, _ := os.Stat(filepath.Join(dir, FileName))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %v", FileName, st.Mode().Perm())
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/tmp/sluice-demo-1/aws": "/tmp/sluice-demo-1/aws",
		"/home/a b/x":            "'/home/a b/x'",
		"it's":                   `'it'\''s'`,
		"":                       "''",
	} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestGuide(t *testing.T) {
	l := testLake()
	got := map[PersonaName]int{}
	for _, s := range Guide(l, "http://127.0.0.1:9", "/tmp/x") {
		got[s.Persona] = len(s.Tries)
		for _, tr := range s.Tries {
			if strings.HasPrefix(tr.Command, "aws ") && !strings.Contains(tr.Command, "--endpoint-url http://127.0.0.1:9 ") {
				t.Errorf("%s: aws command without --endpoint-url: %s", s.Persona, tr.Command)
			}
		}
	}
	if diff := cmp.Diff(map[PersonaName]int{David: 3, Notebook: 1, Admin: 2}, got); diff != "" {
		t.Errorf("tries per persona (-want +got):\n%s", diff)
	}
}

// FuzzReplaceBlock: writing the block twice equals writing it once, and what the user wrote
// before the block survives.
func FuzzReplaceBlock(f *testing.F) {
	f.Add("", "new\n")
	f.Add("[default]\nregion = eu-west-1", "[profile x]\n")
	f.Add("[a]\n\n"+beginMarker+"\nold\n"+endMarker+"\n[b]\n", "body")
	f.Fuzz(func(t *testing.T, old, body string) {
		if i := strings.Index(old, beginMarker); i >= 0 && !strings.Contains(old[i:], endMarker) || strings.Contains(body, beginMarker) || strings.Contains(body, endMarker) {
			t.Skip()
		}
		once := replaceBlock(old, body)
		if twice := replaceBlock(once, body); twice != once {
			t.Fatalf("not idempotent:\n%q\n%q", once, twice)
		}
		before := old
		if i := strings.Index(old, beginMarker); i >= 0 {
			before = old[:i]
		}
		if !strings.HasPrefix(once, strings.TrimRight(before, "\n")) {
			t.Fatalf("lost the user's lines: %q -> %q", old, once)
		}
	})
}
