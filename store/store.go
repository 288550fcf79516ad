package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// defaultTimeout is how long Open waits for another process to release
// the file before it says the database is in use.
const defaultTimeout = 2 * time.Second

// ErrInUse is returned by Open when another process holds the database.
var ErrInUse = errors.New("database is in use by another ospofeed process")

// ErrTooNew is returned by Open for a database written by a newer ospofeed.
var ErrTooNew = errors.New("database was written by a newer ospofeed")

// DB is an open ospofeed database.
type DB struct {
	bolt     *bolt.DB
	file     *os.File     // bbolt's own handle on the file, for pread (bbolt closes it)
	preads   atomic.Int64 // bodies read with pread, for tests
	releases atomic.Int64 // ReleaseMemory calls the kernel accepted, for tests
	readMap  atomic.Int64 // bytes read through the mapping since the last ReleaseMemory
	path     string
	now      func() time.Time
	openTemp func(name string, flag int, perm os.FileMode) (*os.File, error) // Options.openTemp
}

// Options tune Open.
type Options struct {
	// Timeout is how long to wait for another process to release the file.
	Timeout time.Duration
	// Now is the clock (time.Now when nil); tests fix it.
	Now func() time.Time
	// ReadOnly opens the file shared, for commands that only read.
	ReadOnly bool

	// openTemp, when set, is bbolt's OpenFile for the temporary files of
	// creation and compaction; tests make it fail as a full disk would.
	openTemp func(name string, flag int, perm os.FileMode) (*os.File, error)
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date. A new database appears at path only whole: it is built under
// a temporary name and linked into place. A file that is not a whole bbolt
// database (empty, cut short by a full disk, or something else) is refused
// with ErrDamaged and a message saying what to do, before bbolt maps it.
func Open(path string, opt Options) (*DB, error) {
	if opt.Timeout == 0 {
		opt.Timeout = defaultTimeout
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if !opt.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
		removeStaleCreates(path, time.Now())
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			if err := create(path, opt); err != nil {
				return nil, fmt.Errorf("store: open %s: %w", path, err)
			}
		}
	}
	b, file, err := openLocked(path, &bolt.Options{Timeout: opt.Timeout, ReadOnly: opt.ReadOnly})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("store: open %s: %w (gave up after %s)", path, ErrInUse, opt.Timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db := &DB{bolt: b, file: file, path: path, now: func() time.Time { return opt.Now().UTC() }, openTemp: opt.openTemp}
	if opt.ReadOnly {
		err = db.checkVersion()
	} else {
		err = db.migrate()
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

// Close closes the database file.
func (db *DB) Close() error { return db.bolt.Close() }

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

// createdTx reads the creation time; a database without one (never the
// case after migration 1) reads as the zero time.
func createdTx(tx *bolt.Tx) time.Time {
	var t time.Time
	if b := tx.Bucket(bucketMeta); b != nil {
		t, _ = time.Parse(time.RFC3339Nano, string(b.Get(keyCreated)))
	}
	return t
}

// Check reports whether the database is readable, for health checks.
func (db *DB) Check() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketItems) == nil {
			return errors.New("store: items bucket missing")
		}
		return nil
	})
}

// openLocked opens the file at path and makes sure the file it locked is
// still the one at path: a compaction renames a new file into place while
// another process waits for the old one's lock, and writes to the old,
// detached file would be lost. It never creates the file (Open does, whole)
// and checks it (checkFile) before bbolt maps it.
//
// It also returns the file bbolt opened (bbolt closes it), for reads that
// go around the memory map (SiteFile).
func openLocked(path string, opts *bolt.Options) (*bolt.DB, *os.File, error) {
	var file *os.File
	opts.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := openChecked(name, flag, perm)
		file = f
		return f, err
	}
	for range 5 {
		before, statErr := os.Stat(path)
		b, err := bolt.Open(path, 0o644, opts)
		if err != nil {
			return nil, nil, err
		}
		// Holding the lock, the file at path is final: a compaction renames
		// before it lets the lock go. If it is not the file we opened (the
		// one at path when we began), open again.
		after, err := os.Stat(path)
		if statErr != nil || (err == nil && os.SameFile(before, after)) {
			return b, file, nil
		}
		b.Close()
	}
	return nil, nil, fmt.Errorf("the file kept being replaced while opening it")
}

// openChecked is bbolt's OpenFile: no O_CREATE, and checkFile on the very
// file bbolt is about to map.
func openChecked(name string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, flag&^os.O_CREATE, perm)
	if err != nil {
		return nil, err
	}
	if err := checkFile(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
