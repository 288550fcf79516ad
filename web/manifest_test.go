package web

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// The base is searched, not read: every path it names is found with its
// ETag and size, and no other, whatever its place in the file.
func TestManifestLookupByBinarySearch(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, metaDir), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]manifestEntry{}
	for i := range 3000 {
		files[fmt.Sprintf("recordings/k%05d/index.html", i*2)] = manifestEntry{etag: fmt.Sprintf(`"e%d"`, i), size: int64(i)}
		files[fmt.Sprintf("recordings/k%05d/cite.bib", i*2)] = manifestEntry{etag: fmt.Sprintf(`"b%d"`, i), size: int64(i + 7)}
	}
	files["a"], files["a/b"], files["zz"] = manifestEntry{"1", 1}, manifestEntry{"2", 2}, manifestEntry{"3", 3}
	if err := writeManifest(dir, files, "7\tstore"); err != nil {
		t.Fatal(err)
	}
	m, err := openManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.close()
	if m.count != len(files) || m.state != "7\tstore" {
		t.Fatalf("head: %d files, state %q; want %d, %q", m.count, m.state, len(files), "7\tstore")
	}
	for rel, want := range files {
		got, ok, err := m.get(rel)
		if err != nil || !ok || got != want {
			t.Fatalf("get(%s) = %v, %v, %v; want %v", rel, got, ok, err, want)
		}
	}
	for _, rel := range []string{"", "0", "a/", "a/a", "recordings/k00001/index.html", "recordings/k05999/index.html", "recordings/k06000/index.html", "zzz", "~"} {
		if got, ok, err := m.get(rel); ok || err != nil {
			t.Errorf("get(%q) = %v, %v, %v; want not found", rel, got, ok, err)
		}
	}
}

// A run after a change of a few files appends to the journal and leaves
// the base alone, until the journal grows past a quarter of the base; what
// the manifest says is the site, every time, and a record cut short by a
// crash costs nothing but a file written again.
func TestWriteDirJournal(t *testing.T) {
	s, snap, dir := writtenSite(t)
	base := filepath.Join(dir, metaDir, manifestName)
	journal := filepath.Join(dir, metaDir, journalName)
	if _, err := os.Stat(journal); err == nil {
		t.Fatal("a full run left a journal")
	}
	check := func(run int) {
		t.Helper()
		checkTree(t, s, dir)
		got, state, err := readManifest(dir)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		want := map[string]manifestEntry{}
		for _, p := range s.Paths() {
			f, _ := s.File(p)
			if public(p) {
				want[filepath.ToSlash(filePath(p))] = manifestEntry{etag: f.ETag, size: int64(len(f.Body))}
			}
		}
		if !maps.Equal(got, want) {
			t.Fatalf("run %d: the manifest names %d files, the site has %d (or their ETags differ)", run, len(got), len(want))
		}
		if state != stateLine(s.state) {
			t.Fatalf("run %d: manifest state %q; want %q", run, state, stateLine(s.state))
		}
	}
	check(0)
	before, _ := os.ReadFile(base)
	compacted := 0
	for run := 1; run <= 40 && compacted == 0; run++ {
		snap.Items[run%len(snap.Items)].Title = fmt.Sprintf("Title of run %d", run)
		if run == 3 {
			snap.Items = snap.Items[1:] // an item leaves: its files go
		}
		if err := RenderInto(s, snap, Options{}); err != nil {
			t.Fatal(err)
		}
		s.state.Store = "db-1"
		st, err := s.WriteDir(dir)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if run == 3 && st.Removed == 0 {
			t.Errorf("run 3 removed nothing; an item left")
		}
		if st.Written == 0 || st.Written+st.Unchanged != len(s.Paths()) {
			t.Errorf("run %d: %+v; the site has %d files", run, st, len(s.Paths()))
		}
		check(run)
		now, _ := os.ReadFile(base)
		if _, err := os.Stat(journal); err != nil {
			compacted = run
			continue
		}
		if string(now) != string(before) {
			t.Fatalf("run %d rewrote the base and kept a journal", run)
		}
		if run == 2 {
			// A crash cut the next record short.
			f, _ := os.OpenFile(journal, os.O_WRONLY|os.O_APPEND, 0)
			f.WriteString("+\tindex.html\t\"torn")
			f.Close()
		}
	}
	if compacted == 0 {
		t.Fatal("the journal never made way for a new base")
	}
	t.Logf("the base was rewritten at run %d", compacted)
}

// A journal whose first write a crash cut short is started again.
func TestWriteDirTornJournalHead(t *testing.T) {
	s, snap, dir := writtenSite(t)
	write(t, filepath.Join(dir, metaDir, journalName), journalHead[:10])
	snap.Items[0].Title = "Changed"
	if err := RenderInto(s, snap, Options{}); err != nil {
		t.Fatal(err)
	}
	s.state.Store = "db-1"
	if _, err := s.WriteDir(dir); err != nil {
		t.Fatalf("WriteDir after a torn journal head: %v", err)
	}
	checkTree(t, s, dir)
	if _, _, err := readManifest(dir); err != nil {
		t.Fatalf("the journal started again is not readable: %v", err)
	}
}

// writtenSite renders the test snapshot as the site of store "db-1" and
// writes it to a new directory.
func writtenSite(t *testing.T) (*Site, Snapshot, string) {
	t.Helper()
	s := NewSite()
	snap := testSnapshot()
	if err := RenderInto(s, snap, Options{}); err != nil {
		t.Fatal(err)
	}
	s.state.Store = "db-1"
	dir := filepath.Join(t.TempDir(), "site")
	if _, err := s.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	return s, snap, dir
}
