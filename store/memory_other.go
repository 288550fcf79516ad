//go:build !linux

package store

// ReleaseMemory does nothing where madvise is not available.
func (db *DB) ReleaseMemory() {}
