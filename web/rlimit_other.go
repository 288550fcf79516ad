//go:build !unix

package web

// openFileLimit is unknown where there is no getrlimit.
func openFileLimit() (uint64, bool) { return 0, false }
