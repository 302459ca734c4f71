// Package migrate loads a driver's versioned SQL migrations from an embedded file system.
//
// A migration is a file named NNNN_description.sql (at least one digit, then "_" and a name)
// directly in the directory. Versions must be 1, 2, 3, ... without gaps or duplicates, so that the
// highest applied version says exactly which files ran. Each driver applies the pending ones in
// order inside one transaction, records each in its schema_migrations table, and refuses to open a
// database whose recorded version is newer than the newest file it knows.
package migrate

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migration is one file.
type Migration struct {
	Version int
	Name    string // file name, e.g. "0001_init.sql"
	SQL     string
}

// Load reads and checks the migrations in dir of fsys, in version order.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		v, err := Version(name)
		if err != nil {
			return nil, err
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrate: %s: expected version %d (versions must run 1, 2, 3, ...)", m.Name, i+1)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("migrate: no migrations in %s", dir)
	}
	return out, nil
}

// Version parses the version from a migration file name.
func Version(name string) (int, error) {
	digits, _, ok := strings.Cut(name, "_")
	if !ok || digits == "" || strings.TrimLeft(digits, "0123456789") != "" || !strings.HasSuffix(name, ".sql") {
		return 0, fmt.Errorf("migrate: %q is not named NNNN_description.sql", name)
	}
	v, err := strconv.Atoi(digits)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("migrate: %q has a bad version number", name)
	}
	return v, nil
}

// Pending returns the migrations after version current, or an error if current is newer than
// the newest migration known (a newer binary has migrated the database).
func Pending(all []Migration, current int) ([]Migration, error) {
	if current > len(all) {
		return nil, fmt.Errorf("migrate: database schema version %d is newer than this binary's %d; upgrade the binary", current, len(all))
	}
	if current < 0 {
		return nil, fmt.Errorf("migrate: bad schema version %d", current)
	}
	return all[current:], nil
}
