package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged is returned by Open for a file that is not a whole bbolt
// database: empty, cut short, or not bbolt at all. bbolt maps the file into
// memory and trusts its header, so such a file would crash the process
// (SIGBUS) instead of failing; Open checks the header first.
var ErrDamaged = errors.New("not a usable ospofeed database")

// A new database is built under a temporary name beside its final one and
// linked into place only once it is whole and synced: a full disk or a
// crash during creation leaves a temporary file, never a partial database
// at path. createInfix names those files: ".<base>.create-<16 hex digits>".
const (
	createInfix   = ".create-"
	createRandLen = 16
	// staleCreateAge is how old a temporary file must be before Open takes
	// it for the leftover of a killed creation: a live creation takes
	// milliseconds and touches its file all along.
	staleCreateAge = time.Minute
)

// createTemp names a new temporary file for creating path.
func createTemp(path string) string {
	var r [createRandLen / 2]byte
	_, _ = rand.Read(r[:])
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+createInfix+hex.EncodeToString(r[:]))
}

// isCreateTemp reports whether name (a base name) is a temporary file
// createTemp made for base, and nothing else.
func isCreateTemp(name, base string) bool {
	rest, ok := strings.CutPrefix(name, "."+base+createInfix)
	if !ok || len(rest) != createRandLen {
		return false
	}
	_, err := hex.DecodeString(rest)
	return err == nil && strings.ToLower(rest) == rest
}

// removeStaleCreates removes the temporary files that killed creations of
// path left behind; a creation in progress (a young file) is left alone.
func removeStaleCreates(path string, now time.Time) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !isCreateTemp(e.Name(), base) {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > staleCreateAge {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// create makes a new database at path: built and migrated under a
// temporary name, synced, then linked into place. If another process
// created path meanwhile, its database is kept and ours dropped. On any
// error nothing is left behind.
func create(path string, opt Options) error {
	tmp := createTemp(path)
	// Once linked, tmp is a second name for path: removing it is always
	// right, and a leftover is removed by a later Open.
	defer os.Remove(tmp)
	b, err := bolt.Open(tmp, 0o644, &bolt.Options{Timeout: opt.Timeout, OpenFile: opt.openTemp})
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	db := &DB{bolt: b, path: tmp, now: func() time.Time { return opt.Now().UTC() }}
	if err := db.migrate(); err != nil {
		b.Close()
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	if err := b.Close(); err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	// bbolt syncs each commit; sync once more so that the whole file,
	// size included, is on disk before a name points to it.
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	// A link, unlike a rename, never replaces: two processes creating the
	// same database at once both end up using the first one's. Where the
	// file system has no hard links, rename.
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("create: %w", err)
		}
	}
	syncDir(filepath.Dir(path))
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes renames and links in dir durable; where a directory cannot
// be synced (Windows) there is nothing more to do.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// boltMeta is the part of a bbolt meta page Open checks: bbolt's own
// layout (go.etcd.io/bbolt/internal/common: a 16-byte page header, then
// magic, version, page size, flags, root bucket (16 bytes), freelist page,
// high-water page id, txid and an FNV-64a checksum of all that precedes
// it), in the machine's byte order as bbolt writes it.
type boltMeta struct {
	magic, version, pageSize uint32
	pgid, txid               uint64
	sumOK                    bool
}

const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	boltPageHeader = 16
	boltMetaLen    = 64 // through the checksum
	boltMinPage    = 1024
	boltMaxPage    = 1 << 24
)

func (m boltMeta) valid() bool {
	return m.magic == boltMagic && m.version == boltVersion && m.sumOK
}

// readBoltMeta reads the meta page at off, if the file is long enough.
func readBoltMeta(f io.ReaderAt, off int64) (boltMeta, bool) {
	var buf [boltPageHeader + boltMetaLen]byte
	if _, err := f.ReadAt(buf[:], off); err != nil {
		return boltMeta{}, false
	}
	m := buf[boltPageHeader:]
	e := binary.NativeEndian
	h := fnv.New64a()
	h.Write(m[:56])
	return boltMeta{
		magic:    e.Uint32(m[0:]),
		version:  e.Uint32(m[4:]),
		pageSize: e.Uint32(m[8:]),
		pgid:     e.Uint64(m[40:]),
		txid:     e.Uint64(m[48:]),
		sumOK:    h.Sum64() == e.Uint64(m[56:]),
	}, true
}

// checkFile refuses, with a message saying what is wrong and what to do, a
// file bbolt would crash on or reject obscurely: empty, shorter than its
// header says, or not a bbolt file. It reads only the two meta pages and
// judges by the meta bbolt would use: the valid one with the higher txid.
func checkFile(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	size := info.Size()
	const afresh = "remove it to start afresh, or restore a backup"
	const how = "a crash or a full disk while it was written can leave this"
	if size == 0 {
		return fmt.Errorf("%w: the file is empty (0 bytes): a crash or a full disk while it was being created can leave this; %s", ErrDamaged, afresh)
	}
	m0, _ := readBoltMeta(f, 0)
	var m1 boltMeta
	var read1 bool
	var pageSize int64
	if m0.valid() {
		pageSize = int64(m0.pageSize)
	} else {
		// Page 0 is damaged: look for page 1 where bbolt looks.
		for ps := int64(boltMinPage); ps <= boltMaxPage && ps < size; ps *= 2 {
			if m, ok := readBoltMeta(f, ps); ok && m.valid() && int64(m.pageSize) == ps {
				pageSize, m1, read1 = ps, m, true
				break
			}
		}
	}
	switch {
	case pageSize >= boltMinPage && pageSize <= boltMaxPage && pageSize&(pageSize-1) == 0:
	case m0.magic == boltMagic && m0.version != boltVersion:
		return fmt.Errorf("%w: bbolt file format version %d; this ospofeed reads version %d", ErrDamaged, m0.version, boltVersion)
	case m0.magic == boltMagic:
		return fmt.Errorf("%w: both header pages are damaged (%d bytes): %s; %s", ErrDamaged, size, how, afresh)
	default:
		return fmt.Errorf("%w: %d bytes without a bbolt header: is the path right? if it is ospofeed's database, %s; %s", ErrDamaged, size, how, afresh)
	}
	if size < 2*pageSize {
		return fmt.Errorf("%w: the file is cut short: %d bytes, less than its two header pages (%d bytes): %s; %s", ErrDamaged, size, 2*pageSize, how, afresh)
	}
	if !read1 {
		m1, read1 = readBoltMeta(f, pageSize)
	}
	meta := m0
	if !m0.valid() || (read1 && m1.valid() && m1.txid > m0.txid) {
		meta = m1
	}
	// Every page bbolt reads lies below the high-water mark; one past the
	// end of the file is a SIGBUS, not an error.
	if meta.pgid > uint64(size/pageSize) {
		return fmt.Errorf("%w: the file is cut short: %d bytes, but its header says it holds %d pages of %d bytes (%d bytes): %s; %s",
			ErrDamaged, size, meta.pgid, pageSize, meta.pgid*uint64(pageSize), how, afresh)
	}
	return nil
}
