package web

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
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
	// Site paths named like head lines stay file lines.
	files["files"], files["state"], files["journal"] = manifestEntry{"4", 4}, manifestEntry{"5", 5}, manifestEntry{"6", 6}
	if _, err := writeManifest(dir, files, "7\tstore"); err != nil {
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
		rerender(t, s, snap, "db-1")
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
	rerender(t, s, snap, "db-1")
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
	rerender(t, s, snap, "db-1")
	dir := filepath.Join(t.TempDir(), "site")
	if _, err := s.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	return s, snap, dir
}

// A base whose first files are named like head lines reads them as files.
func TestManifestPathsNamedLikeHeadLines(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, metaDir, "x"), "")
	files := map[string]manifestEntry{"files": {`"f"`, 1}, "journal": {`"j"`, 2}, "state": {`"s"`, 3}}
	if _, err := writeManifest(dir, files, ""); err != nil {
		t.Fatal(err)
	}
	got, state, err := readManifest(dir)
	if err != nil || !maps.Equal(got, files) || state != "" {
		t.Fatalf("readManifest = %v, %q, %v; want %v and no state", got, state, err, files)
	}
}

// The file count follows the journal: paths a killed run named before its
// renames count, and so do removals of them.
func TestManifestCountFollowsTheJournal(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, metaDir, "x"), "")
	token, err := writeManifest(dir, map[string]manifestEntry{"x": {`"x"`, 1}, "y": {`"y"`, 1}}, "3\tdb")
	if err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(dir, metaDir, journalName)
	head := journalHead + "\t" + token + "\n"
	count := func(records string) int {
		t.Helper()
		write(t, journal, head+records)
		m, err := openManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer m.close()
		return m.count
	}
	if n := count("p\ta\np\tb\np\tc\np\tx\n"); n != 5 {
		t.Errorf("after a killed run named a, b, c (and x again): %d files; want 5", n)
	}
	if n := count("p\ta\np\tb\np\tc\n-\ta\n-\tb\n-\tc\n-\tx\ns\t4\tdb\n"); n != 1 {
		t.Errorf("after they and x left: %d files; want 1", n)
	}
	if n := count("p\ta\ngarbage\np\tb\n"); n != 3 {
		t.Errorf("replay past a record that is not one: %d files; want 3 (x, y, a)", n)
	}
}

// A journal that does not go with the base (a run killed after it wrote a
// new base and before it removed the old journal), or with no base at all,
// is not replayed: a path it removed that the new base names stays ours.
func TestManifestStaleJournal(t *testing.T) {
	s, snap, dir := writtenSite(t)
	journal := filepath.Join(dir, metaDir, journalName)
	snap.Items[0].Title = "Changed once"
	rerender(t, s, snap, "db-1")
	if _, err := s.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	stale, err := os.ReadFile(journal)
	if err != nil {
		t.Fatalf("a delta run left no journal: %v", err)
	}
	// Everything the site has, removed, in the stale journal's words.
	var removals string
	for _, p := range s.Paths() {
		removals += "-\t" + filepath.ToSlash(filePath(p)) + "\n"
	}
	// A full run (another store), then the old journal back, as if the
	// run had been killed before removing it.
	s.state.Store = "db-2"
	if _, err := s.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	write(t, journal, string(stale)+removals)
	files, _, err := readManifest(dir)
	if err != nil || len(files) != len(s.Paths()) {
		t.Fatalf("with a stale journal the manifest names %d files (%v); the site has %d", len(files), err, len(s.Paths()))
	}
	snap.Items[0].Title = "Changed twice"
	rerender(t, s, snap, "db-2")
	if _, err := s.WriteDir(dir); err != nil {
		t.Fatalf("WriteDir after a stale journal: %v", err)
	}
	checkTree(t, s, dir)

	// No base: the journal is someone's leftovers.
	empty := filepath.Join(t.TempDir(), "site")
	write(t, filepath.Join(empty, metaDir, journalName), string(stale)+removals+"+\tindex.html\t\"torn")
	if _, err := s.WriteDir(empty); err != nil {
		t.Fatalf("WriteDir into a directory with only a journal: %v", err)
	}
	checkTree(t, s, empty)
	if files, _, err := readManifest(empty); err != nil || len(files) != len(s.Paths()) {
		t.Errorf("after a journal without a base the manifest names %d files (%v); the site has %d", len(files), err, len(s.Paths()))
	}
}

// A directory whose manifest an earlier version wrote (no journal token, no
// file count) follows small changes like any other.
func TestManifestFromBeforeTheJournal(t *testing.T) {
	s, snap, dir := writtenSite(t)
	files, state, err := readManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	old := manifestHead + "\nstate\t" + state + "\n"
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		old += fmt.Sprintf("%s\t%s\t%d\n", rel, files[rel].etag, files[rel].size)
	}
	write(t, filepath.Join(dir, metaDir, manifestName), old)
	for run := range 3 {
		snap.Items[run].Title = fmt.Sprintf("Changed %d", run)
		rerender(t, s, snap, "db-1")
		st, err := s.WriteDir(dir)
		if err != nil || st.Written == 0 {
			t.Fatalf("run %d: %+v, %v", run, st, err)
		}
		checkTree(t, s, dir)
		got, state, err := readManifest(dir)
		if err != nil || len(got) != len(s.Paths()) {
			t.Fatalf("run %d: the manifest names %d files (%v); the site has %d", run, len(got), err, len(s.Paths()))
		}
		if state != stateLine(s.state) {
			t.Fatalf("run %d: the manifest says the directory is at %q; it is at %q", run, state, stateLine(s.state))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, metaDir, journalName)); err != nil {
		t.Errorf("small changes after the upgrade left no journal: %v", err)
	}
}

// rerender renders snap into s again, as the site of store.
func rerender(t *testing.T, s *Site, snap Snapshot, store string) {
	t.Helper()
	if err := RenderInto(s, snap, Options{}); err != nil {
		t.Fatal(err)
	}
	s.state.Store = store
}
