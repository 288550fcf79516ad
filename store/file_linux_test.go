package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// tmpfs mounts a file system of size bytes for the test, or skips it
// where mounting is not allowed (not root, or a container without the
// capability).
func tmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "full")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (%v); TestCreateFailureLeavesNothing and TestCompactFailureLeavesNoCopy inject the failure instead", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// The reported failure, on a real full disk: with 4 to 12 KB free the
// first run failed with ENOSPC but left a partial file, and every later run
// died of SIGBUS (this test binary would) or said "file size too small".
// Now a failed creation leaves nothing, every later run fails the same
// clear way until there is room, and compaction on a full disk leaves no
// copy behind.
func TestDiskFullOnTmpfs(t *testing.T) {
	var opened, refused, compactFailed int
	for size := 4 << 10; size <= 64<<10; size += 4 << 10 {
		t.Run(fmt.Sprintf("%d KB", size>>10), func(t *testing.T) {
			dir := tmpfs(t, size)
			path := filepath.Join(dir, "ospofeed.db")
			for run := range 2 {
				db, err := Open(path, Options{})
				if err != nil {
					if !errors.Is(err, syscall.ENOSPC) {
						t.Fatalf("Open, run %d = %v; want ENOSPC", run+1, err)
					}
					if names := dirNames(t, dir); len(names) != 0 {
						t.Fatalf("Open, run %d, failed and left %q", run+1, names)
					}
					if _, err := Open(path, Options{ReadOnly: true}); !errors.Is(err, os.ErrNotExist) {
						t.Fatalf("read-only Open after a failed creation = %v; want not exist", err)
					}
					refused++
					continue
				}
				opened++
				t.Cleanup(func() { db.Close() }) // before the unmount, even after a failure
				if err := db.Check(); err != nil {
					t.Fatal(err)
				}
				if _, _, err := db.Compact(); err != nil {
					if !errors.Is(err, syscall.ENOSPC) {
						t.Fatalf("Compact = %v; want ENOSPC", err)
					}
					if names := dirNames(t, dir); !slices.Equal(names, []string{"ospofeed.db"}) {
						t.Fatalf("a failed compaction left %q", names)
					}
					compactFailed++
				}
				if err := db.Check(); err != nil {
					t.Fatal(err)
				}
				db.Close()
			}
		})
	}
	t.Logf("opened %d, refused %d, failed compactions %d", opened, refused, compactFailed)
	if opened+refused+compactFailed == 0 {
		t.Skip("no size could be tried: no tmpfs could be mounted")
	}
	if opened == 0 || refused == 0 || compactFailed == 0 {
		t.Errorf("opened %d, refused %d, failed compactions %d: the sizes tried no longer cover each case", opened, refused, compactFailed)
	}
}
