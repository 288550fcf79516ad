//go:build !unix

package main

// fileID cannot identify files here: the admin API's check that it reached
// the serve holding the command's database is skipped.
func fileID(string) string { return "" }
