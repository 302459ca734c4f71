package demo

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sluicehq/sluice/internal/atomicfile"
)

// The names of the files WriteAWSFiles writes.
const (
	ConfigFile      = "config"
	CredentialsFile = "credentials"
	ReadTableScript = "read_table.py"
)

// Markers around the block WriteAWSFiles owns in a config or credentials file; the rest of the
// file is kept as it was.
const (
	beginMarker = "# >>> sluice demo >>>"
	endMarker   = "# <<< sluice demo <<<"
)

//go:embed read_table.py
var readTablePy []byte

// RoleARNSuffix names the second profile of a persona whose role needs no session tag (e.g.
// david-role-arn): the same role through the SDKs' own assume-role (role_arn + source_profile,
// without tags or source identity). Only clients that read endpoint_url from the profile for
// that AssumeRole reach Sluice with it (boto3/botocore ≥ 1.31, e.g. pip's aws CLI v1 here);
// aws CLI 2.9, Debian's botocore 1.29 and aws-sdk-go-v2's config 1.33 send it to AWS itself.
// That is why each persona's own profile uses credential_process.
const RoleARNSuffix = "-role-arn"

// AWSFiles renders the AWS config and credentials files for l at endpoint. Every persona gets a
// profile named after it: a user's static key for a persona without a role, else
// credential_process = credentialProcess(name), which must print the persona's session (see
// Persona.Credentials) as credential_process JSON. Each persona with a role also gets a
// <name>-role-arn profile, and each user a profile named after the user with its own key (the
// source_profile of the -role-arn profiles, made only for personas that are Untagged).
func AWSFiles(l *Lake, endpoint string, credentialProcess func(PersonaName) string) (config, credentials string) {
	var c, k strings.Builder
	fmt.Fprintf(&c, "# Profiles of the Sluice demo at %s (account %s). Old clients ignore endpoint_url: pass --endpoint-url %s.\n", endpoint, l.Account, endpoint)
	fmt.Fprintf(&c, "# <persona>: that persona's session from credential_process; <persona>%s: the same role through role_arn (clients that read endpoint_url for AssumeRole).\n", RoleARNSuffix)
	fmt.Fprintf(&k, "# Access keys of the Sluice demo's users at %s. Keep this file private.\n", endpoint)
	section := func(name string, lines ...string) {
		fmt.Fprintf(&c, "\n[profile %s]\nregion = %s\nendpoint_url = %s\n", name, l.Region, endpoint)
		for _, s := range lines {
			c.WriteString(s + "\n")
		}
	}
	keys := func(name string, p Persona) {
		fmt.Fprintf(&k, "\n[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", name, p.AccessKeyID, p.SecretAccessKey.Reveal())
		section(name)
	}
	seen := map[string]bool{}
	for _, p := range l.Personas {
		if p.RoleARN == "" {
			keys(string(p.Name), p)
			continue
		}
		if !seen[p.User] {
			seen[p.User] = true
			keys(p.User, p)
		}
		section(string(p.Name), "credential_process = "+credentialProcess(p.Name))
		if p.Untagged {
			section(string(p.Name)+RoleARNSuffix, "role_arn = "+p.RoleARN, "source_profile = "+p.User, "role_session_name = "+p.SessionName)
		}
	}
	return c.String(), k.String()
}

// WriteAWSFiles writes config, credentials and read_table.py (the pandas helper of the guide)
// into dir, creating it (0700). In config and credentials only the block between Sluice's
// markers is replaced, so a directory such as ~/.aws keeps its other profiles; the files are
// written atomically with mode 0600.
func WriteAWSFiles(dir, config, credentials string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for name, body := range map[string]string{ConfigFile: config, CredentialsFile: credentials} {
		path := filepath.Join(dir, name)
		old, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := atomicfile.Write(path, []byte(replaceBlock(string(old), body)), 0o600); err != nil {
			return err
		}
	}
	return atomicfile.Write(filepath.Join(dir, ReadTableScript), readTablePy, 0o644)
}

// replaceBlock returns old with Sluice's block replaced by body (appended when absent).
func replaceBlock(old, body string) string {
	block := beginMarker + "\n" + strings.TrimRight(body, "\n") + "\n" + endMarker + "\n"
	i := strings.Index(old, beginMarker)
	j := -1
	if i >= 0 {
		if j = strings.Index(old[i:], endMarker); j >= 0 {
			j += i
		}
	}
	if j > i {
		rest := strings.TrimPrefix(old[j+len(endMarker):], "\n")
		return old[:i] + block + rest
	}
	if old != "" && !strings.HasSuffix(old, "\n") {
		old += "\n"
	}
	if old != "" {
		old += "\n"
	}
	return old + block
}
