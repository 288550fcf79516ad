//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// fileID identifies the file at path by device and inode, the same seen
// from any process on the machine (and from a container's exec): ""
// when it cannot be told.
func fileID(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%d:%d", uint64(st.Dev), uint64(st.Ino))
}
