package web

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
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
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == metaDir {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
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

// checkTree fails unless dir holds exactly the site's files, besides the
// foreign ones somebody else put there.
func checkTree(t *testing.T, s *Site, dir string, foreign ...string) {
	t.Helper()
	tree := readTree(t, dir)
	for _, name := range foreign {
		if _, ok := tree[name]; !ok {
			t.Errorf("WriteDir(%s) removed %s, which it did not write", dir, name)
		}
		delete(tree, name)
	}
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
		setup func(t *testing.T, dir string) (foreign []string)
	}{
		{"new dir", func(*testing.T, string) []string { return nil }},
		{"new dir with missing parents", nil},
		{"existing empty dir", func(t *testing.T, dir string) []string {
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			return nil
		}},
		{"existing older site, and files somebody else added", func(t *testing.T, dir string) []string {
			snap := testSnapshot()
			snap.Items = append(snap.Items[:0:0], snap.Items...)
			snap.Items[0].Title = "An older title"
			snap.Items = append(snap.Items, testRecording("https://webtv.un.org/en/asset/k1o/k1oldgone1", "Gone since", day(2024, 1, 2), time.Hour))
			if _, err := build(t, snap).WriteDir(dir); err != nil {
				t.Fatal(err)
			}
			foreign := []string{"stale.html", "events/old/index.html", "recordings/k1oldgone1/notes.txt"}
			for _, name := range foreign {
				p := filepath.Join(dir, filepath.FromSlash(name))
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte("stale"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			return foreign
		}},
		{"a killed run left its stage directory", func(t *testing.T, dir string) []string {
			if err := os.MkdirAll(filepath.Join(dir, metaDir, "stage-12345"), 0o755); err != nil {
				t.Fatal(err)
			}
			return nil
		}},
		{"same site again", func(t *testing.T, dir string) []string {
			if _, err := s.WriteDir(dir); err != nil {
				t.Fatal(err)
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "site")
			var foreign []string
			if tt.setup == nil {
				dir = filepath.Join(t.TempDir(), "a", "b", "site")
			} else {
				foreign = tt.setup(t, dir)
			}
			if _, err := s.WriteDir(dir + string(filepath.Separator)); err != nil {
				t.Fatalf("WriteDir(%s) = %v", dir, err)
			}
			checkTree(t, s, dir, foreign...)
			if left := siblings(t, dir); len(left) != 0 {
				t.Errorf("WriteDir(%s) left %q beside it", dir, left)
			}
			if stages, _ := filepath.Glob(filepath.Join(dir, metaDir, "stage-*")); len(stages) != 0 {
				t.Errorf("WriteDir(%s) left %q", dir, stages)
			}
			if _, err := os.Stat(filepath.Join(dir, "events", "ospos-good-2024", "index.html")); err != nil {
				t.Errorf("WriteDir(%s): no events/ospos-good-2024/index.html: %v", dir, err)
			}
		})
	}
}

// stamp is what tells whether a file was rewritten: a rename gives it a
// new inode.
type stamp struct {
	ino   uint64
	mtime time.Time
}

func stamps(t *testing.T, dir string) map[string]stamp {
	t.Helper()
	out := map[string]stamp{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = stamp{fi.Sys().(*syscall.Stat_t).Ino, fi.ModTime()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func changedFiles(before, after map[string]stamp) []string {
	var out []string
	for p, a := range after {
		if b, ok := before[p]; !ok || a != b {
			out = append(out, p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			out = append(out, p+" (removed)")
		}
	}
	slices.Sort(out)
	return out
}

// An unchanged site touches no file; a change rewrites the files that
// changed and removes those that left, and nothing else.
func TestWriteDirInPlace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	s := standardSite(t)
	if _, err := s.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	before := stamps(t, dir)
	st, err := s.WriteDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := changedFiles(before, stamps(t, dir)); len(got) != 0 || st.Written != 0 || st.Removed != 0 {
		t.Errorf("WriteDir(same site) = %+v, touched %q; want nothing touched", st, got)
	}

	// A site with one file changed and one gone.
	s2 := NewSite()
	var gone, changed string
	for i, p := range s.Paths() {
		f := s.files[p]
		switch i {
		case 1:
			gone = filepath.ToSlash(filePath(p))
			continue
		case 2:
			changed = filepath.ToSlash(filePath(p))
			s2.add(p, f.ContentType, append(slices.Clip(f.Body), " "...), f.Modified)
			continue
		}
		s2.files[p] = f
	}
	st, err = s2.WriteDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := changedFiles(before, stamps(t, dir))
	want := []string{gone + " (removed)", changed, metaDir + "/" + manifestName}
	slices.Sort(want)
	if !slices.Equal(got, want) || st.Written != 1 || st.Removed != 1 {
		t.Errorf("WriteDir(one changed, one gone) = %+v, touched %q; want %q", st, got, want)
	}
	checkTree(t, s2, dir)
}

// WriteDir refuses, touching nothing, every directory that is not its own
// to write: one that holds the database, anything it did not write, or a
// path that is not a directory.
func TestWriteDirRefuses(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, root string) (dir string, protected []string)
		want  string
	}{
		{"the database inside, below", func(t *testing.T, root string) (string, []string) {
			db := filepath.Join(root, "site", "data", "ospofeed.db")
			write(t, db, "bolt")
			return filepath.Join(root, "site"), []string{db}
		}, "holds"},
		{"the database inside, directly", func(t *testing.T, root string) (string, []string) {
			db := filepath.Join(root, "site", "data", "ospofeed.db")
			write(t, db, "bolt")
			return filepath.Join(root, "site", "data"), []string{db}
		}, "holds"},
		{"the database inside a marked site", func(t *testing.T, root string) (string, []string) {
			dir := filepath.Join(root, "site")
			if _, err := standardSite(t).WriteDir(dir); err != nil {
				t.Fatal(err)
			}
			db := filepath.Join(dir, "ospofeed.db")
			write(t, db, "bolt")
			return dir, []string{db}
		}, "holds"},
		{"the database not yet created inside", func(t *testing.T, root string) (string, []string) {
			return filepath.Join(root, "site"), []string{filepath.Join(root, "site", "data", "ospofeed.db")}
		}, "holds"},
		{"the database inside, through a symbolic link", func(t *testing.T, root string) (string, []string) {
			db := filepath.Join(root, "real", "ospofeed.db")
			write(t, db, "bolt")
			if err := os.Symlink(filepath.Join(root, "real"), filepath.Join(root, "link")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(root, "link"), []string{db}
		}, "holds"},
		{"a regular file", func(t *testing.T, root string) (string, []string) {
			f := filepath.Join(root, "site")
			write(t, f, "my notes")
			return f, nil
		}, "not a directory"},
		{"a directory somebody else filled", func(t *testing.T, root string) (string, []string) {
			write(t, filepath.Join(root, "www", "index.html"), "my own home page")
			return filepath.Join(root, "www"), nil
		}, "not empty"},
		{"a file somebody else put where the site writes", func(t *testing.T, root string) (string, []string) {
			dir := filepath.Join(root, "site")
			if err := os.MkdirAll(filepath.Join(dir, metaDir), 0o755); err != nil {
				t.Fatal(err)
			}
			write(t, filepath.Join(dir, metaDir, manifestName), manifestHead+"\n")
			write(t, filepath.Join(dir, "style.css"), "mine")
			return dir, nil
		}, "did not write it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir, protected := tt.setup(t, root)
			before := readTree(t, root)
			_, err := standardSite(t).WriteDir(dir, protected...)
			var oe *OutDirError
			if !errors.As(err, &oe) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), dir) {
				t.Fatalf("WriteDir(%s) = %v; want an OutDirError naming the dir and saying %q", dir, err, tt.want)
			}
			after := readTree(t, root)
			if len(after) != len(before) {
				t.Errorf("WriteDir(%s) refused but changed the file count %d -> %d", dir, len(before), len(after))
			}
			for name, b := range before {
				if !bytes.Equal(after[name], b) {
					t.Errorf("WriteDir(%s) refused but changed %s", dir, name)
				}
			}
		})
	}
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A run killed between its renames leaves files the manifest already
// names as pending: the next run takes them as its own.
func TestWriteDirAfterKilledRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	s := standardSite(t)
	if _, err := s.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	m, _, err := readManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	m["recordings/new-one/index.html"] = manifestEntry{etag: "pending", size: -1}
	if _, err := writeManifest(dir, m, ""); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "recordings", "new-one", "index.html"), "half a run")
	write(t, filepath.Join(dir, "index.html"), "torn")
	if _, err := s.WriteDir(dir); err != nil {
		t.Fatalf("WriteDir after a killed run = %v", err)
	}
	checkTree(t, s, dir)
}

// conflicting is a site that cannot be written: a file and a directory
// under one name.
func conflicting() *Site {
	s := NewSite()
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
			if _, err := standardSite(t).WriteDir(dir); err != nil {
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
			_, err := tt.site.WriteDir(dir)
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

// A directory written from a generation of a stored site is not even read
// again while that generation holds.
func TestWriteDirSkipsAnUnchangedGeneration(t *testing.T) {
	s := build(t, testSnapshot()) // its own: the state changes below

	s.state.Store = "db-1"
	dir := filepath.Join(t.TempDir(), "site")
	if _, err := s.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	// A file removed behind ospofeed's back is not noticed while the
	// generation holds (nothing is read), and is put back when it moves.
	os.Remove(filepath.Join(dir, "style.css"))
	if st, err := s.WriteDir(dir); err != nil || st.Written != 0 {
		t.Fatalf("WriteDir(same generation) = %+v, %v; want nothing written", st, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "style.css")); err == nil {
		t.Fatalf("the same generation was written again")
	}
	s.state.Generation++
	if st, err := s.WriteDir(dir); err != nil || st.Written != 1 {
		t.Fatalf("WriteDir(next generation) = %+v, %v; want style.css written again", st, err)
	}
	// Another database's site of the same generation is not taken as
	// written.
	s.state.Store = "db-2"
	os.Remove(filepath.Join(dir, "style.css"))
	if st, err := s.WriteDir(dir); err != nil || st.Written != 1 {
		t.Fatalf("WriteDir(another store) = %+v, %v; want style.css written", st, err)
	}
}

// A directory written from an earlier generation of the same store catches
// up by the paths changed since: a file changed behind ospofeed's back
// elsewhere is not even looked at, and what changed is written.
func TestWriteDirCatchesUpByTheChange(t *testing.T) {
	s, snap, dir := writtenSite(t)
	// style.css removed behind ospofeed's back: a delta does not look.
	os.Remove(filepath.Join(dir, "style.css"))
	snap.Items[0].Title = "A new title"
	rerender(t, s, snap, "db-1")
	st, err := s.WriteDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	changed, ok, _ := s.SiteChanges(1)
	if !ok || len(changed) == 0 {
		t.Fatalf("SiteChanges(1) = %d paths, %v", len(changed), ok)
	}
	if st.Written == 0 || st.Written > len(changed) {
		t.Errorf("catch-up wrote %d files; the change has %d", st.Written, len(changed))
	}
	if _, err := os.Stat(filepath.Join(dir, "style.css")); err == nil {
		t.Errorf("a delta looked at a file its change does not name")
	}
	for _, p := range changed {
		f, ok := s.File(p)
		if !ok {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, filePath(p)))
		if err != nil || !bytes.Equal(b, f.Body) {
			t.Errorf("after the catch-up %s is not the site's (%v)", p, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "index.html")); !bytes.Contains(b, []byte("A new title")) {
		t.Errorf("the index does not show the change")
	}
}
