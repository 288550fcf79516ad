package store

import (
	"fmt"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Compact rewrites the database file without its free pages: a bbolt file
// never shrinks by itself, however much retention deletes. It needs the
// database to itself (the open DB holds the lock), writes a copy beside it,
// syncs it and renames it into place, so a crash leaves either the old file
// or the new one. It returns the sizes before and after. db is closed and
// reopened on the new file.
func (db *DB) Compact() (before, after int64, err error) {
	path := db.path
	st, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact %s: %w", path, err)
	}
	before = st.Size()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".compact")
	_ = os.Remove(tmp) // a copy a killed compaction left
	dst, err := bolt.Open(tmp, 0o644, &bolt.Options{Timeout: defaultTimeout, OpenFile: db.openTemp})
	if err != nil {
		// bbolt creates the file before writing its first pages: on a full
		// disk that leaves an empty file.
		os.Remove(tmp)
		return before, 0, fmt.Errorf("store: compact %s: %w", path, err)
	}
	if err := bolt.Compact(dst, db.bolt, 64<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return before, 0, fmt.Errorf("store: compact %s: %w", path, err)
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		os.Remove(tmp)
		return before, 0, fmt.Errorf("store: compact %s: %w", path, err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return before, 0, fmt.Errorf("store: compact %s: %w", path, err)
	}
	// The rename is atomic: a reader sees the old file or the new one.
	// Opening db took the lock, so no ospofeed was using the database.
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return before, 0, fmt.Errorf("store: compact %s: %w", path, err)
	}
	syncDir(filepath.Dir(path)) // make the rename durable before writing to the new file
	opts := &bolt.Options{Timeout: defaultTimeout}
	if err := db.bolt.Close(); err != nil {
		return before, 0, fmt.Errorf("store: compact %s: close the old file: %w", path, err)
	}
	b, file, err := openLocked(path, opts)
	if err != nil {
		return before, 0, fmt.Errorf("store: compact %s: reopen: %w", path, err)
	}
	db.bolt, db.file = b, file
	if st, err := os.Stat(path); err == nil {
		after = st.Size()
	}
	return before, after, nil
}
