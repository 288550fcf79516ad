//go:build linux

package store

import (
	"os"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// ReleaseMemory tells the kernel that the pages of the database file this
// process has read through bbolt's read-only mapping are not needed now.
// They stay in the page cache and come back on the next read; what goes is
// their share of the process's resident memory, which otherwise grows with
// every byte read (writing a large site out of the store reads it all).
// It runs inside a read transaction, where bbolt cannot remap the file.
func (db *DB) ReleaseMemory() {
	db.bolt.View(func(tx *bolt.Tx) error {
		fi, err := os.Stat(db.path)
		if err != nil || fi.Size() == 0 {
			return nil
		}
		info := db.bolt.Info()
		syscall.Syscall(syscall.SYS_MADVISE, info.Data, uintptr(fi.Size()), syscall.MADV_DONTNEED)
		return nil
	})
}
