//go:build !linux

package store

// ReleaseMemory does nothing where the file's mapping cannot be advised;
// see memory_linux.go.
func (db *DB) ReleaseMemory() {}
