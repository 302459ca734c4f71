// Package doctor checks a Sluice installation and a running Sluice server and says, for each
// problem, how to fix it. `sluice doctor` is its command.
//
// # Model
//
// A check inspects one thing and returns Findings. A Finding has a Status (ok, warn, fail or
// skip), one line saying what was checked and what was found, and for warn and fail a Fix: the
// command to run. Warnings do not fail a run; one failed check does (Failed). Skip means the check
// could not run at all (no server reachable, no AWS credentials) and is neither good nor bad.
//
// The checks are pure functions of what they inspect (Store, Keyring, RootCredentials, Clock,
// Health, RootUsage, IAMAllowed); the functions that gather those facts from disk
// (ReadSchema, StatFile, ProbeBlob) and from the server (Server) are separate, and Run wires them.
//
// Offline checks need only the data directory: the store is reachable and fully migrated (opened
// read-only, never migrated), blob storage is writable (a probe object is written and deleted in
// a reserved place), the key ring and the root credentials file are readable by their owner only.
// Server checks need the endpoint: the health endpoint answers 200, the server's clock (its Date
// header) is within a minute of this machine's (SigV4 tolerates five), and, signed with the
// caller's AWS credentials, the root identity was not used for daily work in the last seven days
// (CloudTrail LookupEvents) and no governed table (one under a registered Lake Formation location)
// still grants IAM_ALLOWED_PRINCIPALS anything (Lake Formation ListPermissions, Glue GetTables),
// nor do the data-lake default permissions grant it to new databases and tables.
package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Status is a finding's verdict.
type Status uint8

// The statuses, from good to bad; Skip is a check that could not run.
const (
	OK Status = iota + 1
	Warn
	Fail
	Skip
)

var statusNames = map[Status]string{OK: "ok", Warn: "warn", Fail: "fail", Skip: "skip"}

func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("Status(%d)", s)
}

// MarshalText encodes the status as its name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a status name.
func (s *Status) UnmarshalText(b []byte) error {
	for k, v := range statusNames {
		if v == string(b) {
			*s = k
			return nil
		}
	}
	return fmt.Errorf("doctor: unknown status %q", b)
}

// Check names a check.
type Check string

// The checks.
const (
	CheckStore           Check = "store"
	CheckBlob            Check = "blob"
	CheckKeyring         Check = "keyring"
	CheckRootCredentials Check = "root-credentials"
	CheckHealth          Check = "health"
	CheckClock           Check = "clock"
	CheckRootUsage       Check = "root-usage"
	CheckIAMAllowed      Check = "iam-allowed-principals"
)

// Finding is one result of one check.
type Finding struct {
	Check   Check  `json:"check"`
	Status  Status `json:"status"`
	Message string `json:"message"`
	// Fix is the command (or commands, one per line) that repairs a warn or fail finding.
	Fix string `json:"fix,omitempty"`
}

// Failed reports whether any finding failed.
func Failed(fs []Finding) bool {
	for _, f := range fs {
		if f.Status == Fail {
			return true
		}
	}
	return false
}

// WriteText writes one line per finding ("fail  keyring  …"), each fix indented under it, then a
// count of each status.
func WriteText(w io.Writer, fs []Finding) error {
	width := 0
	for _, f := range fs {
		width = max(width, len(f.Check))
	}
	var b strings.Builder
	counts := map[Status]int{}
	for _, f := range fs {
		counts[f.Status]++
		fmt.Fprintf(&b, "%-4s  %-*s  %s\n", f.Status, width, f.Check, f.Message)
		if f.Fix != "" {
			pad := strings.Repeat(" ", 6+width+2)
			for i, line := range strings.Split(f.Fix, "\n") {
				label := "fix: "
				if i > 0 {
					label = "     "
				}
				fmt.Fprintf(&b, "%s%s%s\n", pad, label, line)
			}
		}
	}
	fmt.Fprintf(&b, "%d ok, %d warn, %d fail, %d skipped\n", counts[OK], counts[Warn], counts[Fail], counts[Skip])
	_, err := io.WriteString(w, b.String())
	return err
}

// Report is the JSON form of a run.
type Report struct {
	Findings []Finding `json:"findings"`
	Failed   bool      `json:"failed"`
}

// WriteJSON writes the findings as one indented JSON Report.
func WriteJSON(w io.Writer, fs []Finding) error {
	if fs == nil {
		fs = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Report{Findings: fs, Failed: Failed(fs)})
}
