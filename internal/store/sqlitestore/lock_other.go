//go:build !unix

package sqlitestore

import "os"

// lockFile is not available here: the store stays shared, and GetCached reads the database.
func lockFile(string) (*os.File, error) { return nil, nil }
