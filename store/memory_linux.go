//go:build linux

package store

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// ReleaseMemory tells the kernel that the pages of the database file this
// process has read through bbolt's read-only, shared mapping are not
// needed now. They stay in the page cache and come back, unchanged, on the
// next read (MADV_DONTNEED on a shared file mapping drops the process's
// mapping of a page, not the page); what goes is their share of the
// process's resident memory, which otherwise grows with every page read
// (rendering or writing out a site of hundreds of megabytes reads all of
// it). Reading the same bytes with read(2) would cost the same page cache
// and no resident memory; this makes the mapping cost the same.
//
// The range is the one bbolt maps for certain, inside a read transaction,
// which holds bbolt's mapping lock: the file cannot be remapped while the
// call runs. Its length is the transaction's data size (the pages its meta
// page counts), never the file's size: bbolt grows the file in 16 MiB
// steps beyond its mapping, and advising past the mapping's end would
// reach whatever the process mapped there (the Go heap: an earlier version
// that used the file's size zeroed heap memory now and then).
func (db *DB) ReleaseMemory() {
	db.bolt.View(func(tx *bolt.Tx) error {
		data, size := db.mapped(tx)
		if data == 0 || size <= 0 {
			return nil
		}
		_, _, errno := syscall.Syscall(syscall.SYS_MADVISE, data, uintptr(size), syscall.MADV_DONTNEED)
		if errno == 0 {
			db.releases.Add(1)
			db.readMap.Store(0)
		}
		return nil
	})
}

// mapped is the part of bbolt's mapping that a read transaction can see:
// from its start, the pages tx's meta page counts. bbolt remaps only under
// its mapping lock, which tx holds, and maps at least every page a
// committed meta counts.
func (db *DB) mapped(tx *bolt.Tx) (uintptr, int64) {
	return db.bolt.Info().Data, tx.Size()
}
