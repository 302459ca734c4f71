package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// FileState is what a check needs to know about a secret file.
type FileState struct {
	Path string
	// Mode is the file's mode (permission bits matter) when Err is nil.
	Mode fs.FileMode
	// Err is the error of stat, or of reading the file; nil when it exists and was read.
	Err error
}

// StatFile stats path and reads it, so that a file this user may not read is reported as such.
// It returns the content too (nil when unreadable).
func StatFile(path string) (FileState, []byte) {
	fi, err := os.Stat(path)
	if err != nil {
		return FileState{Path: path, Err: err}, nil
	}
	data, err := os.ReadFile(path)
	return FileState{Path: path, Mode: fi.Mode(), Err: err}, data
}

// groupOrOther are the permission bits that let someone other than the owner at the file.
const groupOrOther fs.FileMode = 0o077

// Keyring checks the key ring file f. fromEnv says SLUICE_KEYRING holds the ring (the file is then
// not used); parseErr is the error of parsing the file's content.
func Keyring(f FileState, fromEnv bool, parseErr error) Finding {
	if fromEnv {
		return Finding{Check: CheckKeyring, Status: OK, Message: "key ring comes from SLUICE_KEYRING (environment); keep that variable in a secret store, not in shell history or unit files readable by others"}
	}
	return secretFile(CheckKeyring, "key ring", f, parseErr,
		"start `sluice serve` once to create it, or `sluice keyring rotate --keyring-file "+f.Path+"`")
}

// RootCredentials checks the root credentials file f. fromEnv says SLUICE_ROOT_ACCESS_KEY_ID and
// SLUICE_ROOT_SECRET_ACCESS_KEY are set here (the server then ignores the file).
func RootCredentials(f FileState, fromEnv bool) Finding {
	if fromEnv {
		return Finding{Check: CheckRootCredentials, Status: OK, Message: "root keys come from SLUICE_ROOT_ACCESS_KEY_ID/SLUICE_ROOT_SECRET_ACCESS_KEY (environment)"}
	}
	if errors.Is(f.Err, fs.ErrNotExist) {
		return Finding{Check: CheckRootCredentials, Status: OK, Message: fmt.Sprintf("no root credentials file at %s: the server takes its root keys from its environment (SLUICE_ROOT_*) or generates them at its first start", f.Path)}
	}
	return secretFile(CheckRootCredentials, "root credentials file", f, nil, "")
}

// secretFile is the common check: the file exists, is readable, and has no group or other bits.
func secretFile(c Check, what string, f FileState, parseErr error, create string) Finding {
	switch {
	case errors.Is(f.Err, fs.ErrNotExist):
		return Finding{Check: c, Status: Fail, Message: fmt.Sprintf("no %s at %s", what, f.Path), Fix: create}
	case errors.Is(f.Err, fs.ErrPermission):
		return Finding{Check: c, Status: Warn, Message: fmt.Sprintf("%s %s is not readable by this user, so its mode and content were not checked", what, f.Path),
			Fix: "run `sluice doctor` as the user that runs `sluice serve`"}
	case f.Err != nil:
		return Finding{Check: c, Status: Fail, Message: fmt.Sprintf("%s %s: %v", what, f.Path, f.Err)}
	case !f.Mode.IsRegular():
		return Finding{Check: c, Status: Fail, Message: fmt.Sprintf("%s %s is not a regular file (%s)", what, f.Path, f.Mode.Type())}
	case f.Mode.Perm()&groupOrOther != 0:
		return Finding{Check: c, Status: Fail, Message: fmt.Sprintf("%s %s has mode %04o: group or others may read it", what, f.Path, f.Mode.Perm()),
			Fix: "chmod 600 " + shellQuote(f.Path)}
	case parseErr != nil:
		return Finding{Check: c, Status: Fail, Message: fmt.Sprintf("%s %s is damaged: %v", what, f.Path, parseErr),
			Fix: "restore it from a backup (session tokens and audit digests need the old keys)"}
	}
	return Finding{Check: c, Status: OK, Message: fmt.Sprintf("%s %s has mode %04o (owner only)", what, f.Path, f.Mode.Perm())}
}
