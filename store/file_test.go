package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// newDBFile creates a database at dir/name, closed, and returns its path and
// bytes.
func newDBFile(t *testing.T, dir, name string) (string, []byte) {
	t.Helper()
	path := filepath.Join(dir, name)
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, data
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A full disk while a database was first created, before this fix, left
// files of 0, 4 KB or 8 KB at path; bbolt maps such a file and trusts its
// header, and the process died of SIGBUS (this test binary would too).
// Open must refuse each with ErrDamaged, name the file, say what to do,
// and leave the file as it was.
func TestOpenRefusesDamagedFile(t *testing.T) {
	_, good := newDBFile(t, t.TempDir(), "good.db")
	// The page count the newer header page gives: every page below it may
	// be read.
	ps := pageSize(t, good)
	m0, _ := readBoltMeta(bytes.NewReader(good), 0)
	m1, _ := readBoltMeta(bytes.NewReader(good), int64(ps))
	hw := int(max(m0.pgid, m1.pgid)) * ps
	notBolt := bytes.Repeat([]byte("not a database\n"), 1000)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "the file is empty (0 bytes)"},
		{"one header page (4 KB)", good[:ps], "cut short"},
		{"both header pages (8 KB)", good[:2*ps], "cut short"},
		{"three pages", good[:3*ps], "cut short"},
		{"a page short of its header", good[:hw-ps], "cut short"},
		{"a few bytes", good[:40], "without a bbolt header"},
		{"not bbolt", notBolt, "without a bbolt header"},
		{"both header pages damaged", damage(damage(good, 16+20), ps+16+20), "both header pages are damaged"},
	}
	for _, tt := range tests {
		for _, ro := range []bool{false, true} {
			name := tt.name
			if ro {
				name += " read-only"
			}
			t.Run(name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "ospofeed.db")
				if err := os.WriteFile(path, tt.data, 0o644); err != nil {
					t.Fatal(err)
				}
				db, err := Open(path, Options{ReadOnly: ro})
				if err == nil {
					db.Close()
					t.Fatalf("Open(%d bytes) = nil; want ErrDamaged", len(tt.data))
				}
				if !errors.Is(err, ErrDamaged) {
					t.Fatalf("Open(%d bytes) = %v; want ErrDamaged", len(tt.data), err)
				}
				for _, w := range []string{path, tt.want, "remove it to start afresh"} {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("Open(%d bytes) error %q lacks %q", len(tt.data), err, w)
					}
				}
				if after, _ := os.ReadFile(path); !bytes.Equal(after, tt.data) {
					t.Errorf("Open changed the refused file: %d bytes, was %d", len(after), len(tt.data))
				}
			})
		}
	}
}

// pageSize is the page size of the database in data, which is the
// system's: 4 KB on most, 16 KB on Apple silicon.
func pageSize(t *testing.T, data []byte) int {
	t.Helper()
	m, _ := readBoltMeta(bytes.NewReader(data), 0)
	if !m.valid() {
		t.Fatal("new database: invalid header page")
	}
	if len(data) < 4*int(m.pageSize) {
		t.Fatalf("a new database is %d bytes; the cases assume at least 4 pages of %d", len(data), m.pageSize)
	}
	return int(m.pageSize)
}

// damage flips a byte of a copy of data.
func damage(data []byte, at int) []byte {
	d := slices.Clone(data)
	d[at] ^= 0xff
	return d
}

// bbolt writes its two meta pages in turn and falls back to the other when
// one is torn; Open's check must accept what bbolt accepts.
func TestOpenAcceptsOneDamagedHeaderPage(t *testing.T) {
	_, good := newDBFile(t, t.TempDir(), "good.db")
	ps := pageSize(t, good)
	for _, page := range []int{0, 1} {
		path := filepath.Join(t.TempDir(), "ospofeed.db")
		// The page size field: with page 0 damaged, page 1 must be found
		// without it.
		if err := os.WriteFile(path, damage(good, page*ps+16+8), 0o644); err != nil {
			t.Fatal(err)
		}
		db, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("Open with header page %d damaged = %v; want the other page used", page, err)
		}
		if err := db.Check(); err != nil {
			t.Error(err)
		}
		db.Close()
	}
}

// A creation that fails (here the disk is full when bbolt opens the new
// file, having written part of it) leaves nothing: no partial database at
// path, no temporary file; the next Open creates the database.
func TestCreateFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ospofeed.db")
	full := func(name string, flag int, perm os.FileMode) (*os.File, error) {
		if err := os.WriteFile(name, make([]byte, 8192), perm); err != nil {
			return nil, err
		}
		return nil, &os.PathError{Op: "write", Path: name, Err: syscall.ENOSPC}
	}
	_, err := Open(path, Options{openTemp: full})
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open on a full disk = %v; want ENOSPC naming %s", err, path)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Fatalf("a failed creation left %q", names)
	}
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open after the disk was freed = %v", err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"ospofeed.db"}) {
		t.Fatalf("after creation the directory holds %q; want only the database", names)
	}
}

// A creation killed midway leaves its temporary file; a later Open removes
// it once it is clearly stale, and nothing else that merely looks alike.
func TestOpenRemovesStaleCreation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ospofeed.db")
	old := time.Now().Add(-time.Hour)
	stale := ".ospofeed.db.create-0123456789abcdef"
	keep := []string{
		".ospofeed.db.create-fedcba9876543210",  // young: a creation in progress
		".ospofeed.db.create-0123456789abcdeg",  // not hex
		".ospofeed.db.create-0123456789abcdef0", // too long
		"ospofeed.db.create-0123456789abcdef",   // no dot
		".other.db.create-0123456789abcdef",     // another database's
	}
	for _, n := range append([]string{stale}, keep...) {
		if err := os.WriteFile(filepath.Join(dir, n), make([]byte, 8192), 0o644); err != nil {
			t.Fatal(err)
		}
		if n != keep[0] {
			os.Chtimes(filepath.Join(dir, n), old, old)
		}
	}
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	want := append([]string{"ospofeed.db"}, keep...)
	slices.Sort(want)
	if names := dirNames(t, dir); !slices.Equal(names, want) {
		t.Fatalf("directory holds %q; want %q", names, want)
	}
}

// Compaction on a full disk left an empty .compact file beside the
// database; it must leave nothing, and the database must stay usable.
func TestCompactFailureLeavesNoCopy(t *testing.T) {
	dir := t.TempDir()
	path, _ := newDBFile(t, dir, "ospofeed.db")
	full := func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm) // bbolt creates the file, then fails to write it
		if err != nil {
			return nil, err
		}
		f.Close()
		return nil, &os.PathError{Op: "write", Path: name, Err: syscall.ENOSPC}
	}
	db, err := Open(path, Options{openTemp: full})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, _, err := db.Compact(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Compact on a full disk = %v; want ENOSPC", err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"ospofeed.db"}) {
		t.Fatalf("a failed compaction left %q", names)
	}
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}
