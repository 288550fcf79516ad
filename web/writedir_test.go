package web

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFilePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "index.html"},
		{"/events/x/", "events/x/index.html"},
		{"/feeds/all.atom", "feeds/all.atom"},
		{"/recordings/k1ma4k9rff/cite.bib", "recordings/k1ma4k9rff/cite.bib"},
		{"/style.css", "style.css"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := filePath(tt.in); got != filepath.FromSlash(tt.want) {
				t.Errorf("filePath(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// readTree reads every regular file under dir by slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	return out
}

// siblings lists the names in dir's parent other than dir itself: the
// temporary directories WriteDir must not leave behind.
func siblings(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Name() != filepath.Base(dir) {
			out = append(out, e.Name())
		}
	}
	return out
}

// checkTree fails unless dir holds exactly the site's files.
func checkTree(t *testing.T, s *Site, dir string) {
	t.Helper()
	tree := readTree(t, dir)
	for _, p := range s.Paths() {
		f, _ := s.File(p)
		name := filepath.ToSlash(filePath(p))
		b, ok := tree[name]
		if !ok {
			t.Errorf("WriteDir(%s) did not write %s as %s", dir, p, name)
			continue
		}
		if !bytes.Equal(b, f.Body) {
			t.Errorf("WriteDir(%s): %s differs from the site's %s", dir, name, p)
		}
		delete(tree, name)
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if !fi.ModTime().Equal(f.Modified) {
			t.Errorf("WriteDir(%s): %s modified %s; want %s", dir, name, fi.ModTime().UTC(), f.Modified)
		}
	}
	for name := range tree {
		t.Errorf("WriteDir(%s) left %s, which the site does not have", dir, name)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("WriteDir(%s): dir mode %v (%v); want drwxr-xr-x", dir, fi.Mode(), err)
	}
}

func TestWriteDir(t *testing.T) {
	s := standardSite(t)
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{"new dir", func(*testing.T, string) {}},
		{"new dir with missing parents", nil},
		{"existing empty dir", func(t *testing.T, dir string) {
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"existing older site", func(t *testing.T, dir string) {
			snap := testSnapshot()
			snap.Items = append(snap.Items[:0:0], snap.Items...)
			snap.Items[0].Title = "An older title"
			snap.Items = append(snap.Items, testRecording("https://webtv.un.org/en/asset/k1o/k1oldgone1", "Gone since", day(2024, 1, 2), time.Hour))
			if err := build(t, snap).WriteDir(dir); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"stale.html", "events/old/index.html"} {
				p := filepath.Join(dir, filepath.FromSlash(name))
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte("stale"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"a killed run left its temporary directory", func(t *testing.T, dir string) {
			stale := filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".new-12345")
			if err := os.MkdirAll(filepath.Join(stale, "feeds"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"same site again", func(t *testing.T, dir string) {
			if err := s.WriteDir(dir); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "site")
			if tt.setup == nil {
				dir = filepath.Join(t.TempDir(), "a", "b", "site")
			} else {
				tt.setup(t, dir)
			}
			if err := s.WriteDir(dir + string(filepath.Separator)); err != nil {
				t.Fatalf("WriteDir(%s) = %v", dir, err)
			}
			checkTree(t, s, dir)
			if left := siblings(t, dir); len(left) != 0 {
				t.Errorf("WriteDir(%s) left %q beside it", dir, left)
			}
			if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
				t.Errorf("WriteDir(%s): no index.html: %v", dir, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "events", "ospos-good-2024", "index.html")); err != nil {
				t.Errorf("WriteDir(%s): no events/ospos-good-2024/index.html: %v", dir, err)
			}
		})
	}
}

// conflicting is a site that cannot be written: a file and a directory
// under one name.
func conflicting() *Site {
	s := newSite()
	s.add("/", htmlType, []byte("<!doctype html><title>x</title>"), testCreated)
	s.add("/events/x", htmlType, []byte("a file"), testCreated)
	s.add("/events/x/", htmlType, []byte("a directory's index"), testCreated)
	return s
}

func TestWriteDirFailure(t *testing.T) {
	tests := []struct {
		name string
		site *Site
		// setup returns the dir to write and whether a site is there.
		setup func(t *testing.T) (dir string, existing bool)
	}{
		{"parent is a file", standardSite(t), func(t *testing.T) (string, bool) {
			parent := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(parent, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(parent, "site"), false
		}},
		{"unwritable site over an existing one", conflicting(), func(t *testing.T) (string, bool) {
			dir := filepath.Join(t.TempDir(), "site")
			if err := standardSite(t).WriteDir(dir); err != nil {
				t.Fatal(err)
			}
			return dir, true
		}},
		{"unwritable site, no existing one", conflicting(), func(t *testing.T) (string, bool) {
			return filepath.Join(t.TempDir(), "site"), false
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, existing := tt.setup(t)
			var before map[string][]byte
			if existing {
				before = readTree(t, dir)
			}
			err := tt.site.WriteDir(dir)
			if err == nil {
				t.Fatalf("WriteDir(%s) = nil; want an error", dir)
			}
			if !strings.Contains(err.Error(), dir) || !strings.HasPrefix(err.Error(), "web: ") {
				t.Errorf("WriteDir(%s) = %q; want a web: error naming the dir", dir, err)
			}
			if existing {
				after := readTree(t, dir)
				if len(after) != len(before) {
					t.Errorf("WriteDir(%s) failed and changed the file count %d -> %d", dir, len(before), len(after))
				}
				for name, b := range before {
					if !bytes.Equal(after[name], b) {
						t.Errorf("WriteDir(%s) failed and changed %s", dir, name)
					}
				}
				checkTree(t, standardSite(t), dir)
			} else if _, err := os.Stat(dir); err == nil {
				t.Errorf("WriteDir(%s) failed and left the dir", dir)
			}
			if parent := filepath.Dir(dir); isDir(parent) {
				if left := siblings(t, dir); len(left) != 0 {
					t.Errorf("WriteDir(%s) failed and left %q beside it", dir, left)
				}
			}
		})
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
