package web

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// An output directory is one that `crawl --out DIR` keeps. ospofeed only
// ever writes into a directory it created or found empty, and marks it with
// a manifest of every file it wrote there (DIR/.ospofeed/manifest and its
// journal; see manifest.go). A directory without one that holds anything
// is someone else's and is refused, and a file the manifest does not name
// is never removed or replaced. Updates happen in place: new and changed
// files are written under DIR/.ospofeed/stage-*/ first (a failure there
// leaves the site as it was; a killed run leaves the stage, removed by the
// next), then renamed into place one by one (a reader sees each file whole,
// old or new), then the files that left the site are removed, and the
// manifest is brought up to date last (a few records appended to its
// journal when the run followed a small change).
const (
	metaDir      = ".ospofeed"
	manifestName = "manifest"
	manifestHead = "ospofeed site manifest v1"
)

// OutDirError says why a directory cannot be used as an output directory;
// it is the operator's mistake (a usage error), and nothing was touched.
type OutDirError struct {
	Dir    string
	Reason string
}

func (e *OutDirError) Error() string {
	return fmt.Sprintf("web: output directory %s: %s", e.Dir, e.Reason)
}

// WriteStats counts what a write did to an output directory.
type WriteStats struct {
	Written   int // files created or replaced
	Unchanged int // files left as they were
	Removed   int // files ospofeed wrote before that left the site
}

// CheckOutDir reports whether dir can be an output directory: it is absent,
// an empty directory, or a directory ospofeed marked as its own; and none of
// the protected paths (the database, the configuration file) lies inside it.
// It changes nothing, so that a command can refuse before it opens anything.
func CheckOutDir(dir string, protected ...string) error {
	if dir == "" {
		return &OutDirError{Dir: `""`, Reason: "empty path"}
	}
	abs, err := resolve(dir)
	if err != nil {
		return &OutDirError{Dir: dir, Reason: err.Error()}
	}
	for _, p := range protected {
		if p == "" {
			continue
		}
		ap, err := resolve(p)
		if err != nil {
			return &OutDirError{Dir: dir, Reason: err.Error()}
		}
		if within(ap, abs) {
			return &OutDirError{Dir: dir, Reason: fmt.Sprintf("it holds %s, which ospofeed must never replace or remove; choose a directory of its own for the site", p)}
		}
	}
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &OutDirError{Dir: dir, Reason: err.Error()}
	}
	if !fi.IsDir() {
		return &OutDirError{Dir: dir, Reason: "it exists and is not a directory"}
	}
	if _, err := os.Stat(filepath.Join(dir, metaDir, manifestName)); err == nil {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return &OutDirError{Dir: dir, Reason: err.Error()}
	}
	for _, e := range entries {
		if e.Name() == metaDir {
			continue // a first run killed before its first manifest
		}
		return &OutDirError{Dir: dir, Reason: fmt.Sprintf("it is not empty (it holds %q) and ospofeed did not write it (no %s/%s); give an empty or new directory", e.Name(), metaDir, manifestName)}
	}
	return nil
}

// resolve makes p absolute and resolves the symbolic links of its longest
// existing prefix, so that two names for one place compare equal.
func resolve(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rest := ""
	cur := abs
	for {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest), nil
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

// within reports whether p is dir or lies below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

type manifestEntry struct {
	etag string
	size int64
}

// stateLine identifies a stored site's generation: a directory written
// from it is up to date while it does not move.
func parseState(line string) (gen uint64, store string, ok bool) {
	g, store, found := strings.Cut(line, "\t")
	n, err := strconv.ParseUint(g, 10, 64)
	return n, store, found && err == nil
}

func stateLine(st SiteState) string {
	if st.Store == "" {
		return ""
	}
	return fmt.Sprintf("%d\t%s", st.Generation, st.Store)
}

// validRel accepts only the clean relative slash paths WriteDir writes, so
// that a tampered manifest can never name a file outside the directory.
func validRel(p string) bool {
	return p != "" && !strings.ContainsAny(p, "\t\n\r") && !strings.HasPrefix(p, "/") && filepath.ToSlash(filepath.Clean(filepath.FromSlash(p))) == p &&
		p != ".." && !strings.HasPrefix(p, "../") && !strings.HasPrefix(p, metaDir+"/") && p != metaDir
}

func writeFileSync(name string, data []byte) error {
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(name))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// WriteDir brings dir up to date with the public files of a SiteStore, in
// place: only new and changed files are written (each by rename, so a
// reader sees it whole), files ospofeed wrote that left the site are
// removed last, and nothing ospofeed did not write is ever replaced or
// removed. dir must be absent, empty or an output directory ospofeed wrote
// before; the protected paths (the database, the configuration) must not
// lie inside it. See the comment at the top of this file.
func WriteDir(dir string, site SiteStore, protected ...string) (WriteStats, error) {
	var st WriteStats
	dir = filepath.Clean(dir)
	if err := CheckOutDir(dir, protected...); err != nil {
		return st, err
	}
	wrap := func(err error) error { return fmt.Errorf("web: write site to %s: %w", dir, err) }
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		// Created here: on failure, nothing of it stays.
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return st, wrap(err)
		}
		ok := false
		defer func() {
			if !ok {
				os.RemoveAll(dir)
			}
		}()
		st, err := writeDirIn(dir, site)
		ok = err == nil
		return st, err
	}
	return writeDirIn(dir, site)
}

// writeDirIn is WriteDir once dir exists and was checked.
func writeDirIn(dir string, site SiteStore) (WriteStats, error) {
	var st WriteStats
	wrap := func(err error) error { return fmt.Errorf("web: write site to %s: %w", dir, err) }
	meta := filepath.Join(dir, metaDir)
	if err := os.MkdirAll(meta, 0o755); err != nil {
		return st, wrap(err)
	}
	// Stage directories a killed run left are ours and stale: only one
	// ospofeed writes a site at a time (the database lock).
	if stale, _ := filepath.Glob(filepath.Join(meta, "stage-*")); len(stale) > 0 {
		for _, d := range stale {
			_ = os.RemoveAll(d)
		}
	}
	man, err := openManifest(dir)
	if err != nil {
		return st, wrap(err)
	}
	defer man.close()
	siteState, err := site.SiteState()
	if err != nil {
		return st, wrap(err)
	}
	state := stateLine(siteState)
	if state != "" && state == man.state {
		// Written from this very generation of the stored site: nothing
		// changed since, and nothing is read or touched.
		st.Unchanged = man.count
		return st, nil
	}

	type pending struct {
		rel   string
		path  string // URL path in the site
		stage string
		entry manifestEntry
	}
	var (
		todo []pending
		gone []string // paths ospofeed wrote that left the site
	)
	// consider decides about one path of the site whose file the manifest
	// says is prev (ours: the manifest names it).
	consider := func(p, etag string, prev manifestEntry, ours bool) error {
		rel := filepath.ToSlash(filePath(p))
		if ours && prev.etag == etag {
			if fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(rel))); err == nil && fi.Mode().IsRegular() && fi.Size() == prev.size {
				st.Unchanged++
				return nil
			}
		}
		if !ours {
			// Never replace a file somebody else put where the site now
			// wants one.
			if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(rel))); err == nil {
				return &OutDirError{Dir: dir, Reason: fmt.Sprintf("%s is there and ospofeed did not write it; move it away", rel)}
			}
		}
		todo = append(todo, pending{rel: rel, path: p})
		return nil
	}
	// Written from an earlier generation of the same store, whose changes
	// since are logged: only the paths they name are looked at, each
	// looked up in the manifest (the cost follows the change, not the
	// site). Otherwise every path is, against the whole manifest.
	var changed []string
	delta := false
	if g, store, ok := parseState(man.state); ok && store == siteState.Store && g < siteState.Generation {
		changed, delta, err = site.SiteChanges(g)
		if err != nil {
			return st, wrap(err)
		}
	}
	var old map[string]manifestEntry // full runs: every file of the manifest
	count := man.count
	if delta {
		slices.Sort(changed)
		for _, p := range slices.Compact(changed) {
			if !public(p) {
				continue
			}
			rel := filepath.ToSlash(filePath(p))
			prev, ours, gerr := man.get(rel)
			if gerr != nil {
				return st, wrap(gerr)
			}
			etag, ok, ferr := site.SiteETag(p)
			if ferr != nil {
				return st, wrap(ferr)
			}
			if !ok {
				if ours {
					gone = append(gone, rel)
				}
				continue
			}
			if !ours {
				count++
			}
			if err = consider(p, etag, prev, ours); err != nil {
				break
			}
		}
		st.Unchanged = count - len(gone) - len(todo)
	} else {
		if old, err = man.all(); err != nil {
			return st, wrap(err)
		}
		seen := make(map[string]bool, len(old))
		err = site.SitePaths(func(p, etag string) error {
			if !public(p) {
				return nil
			}
			rel := filepath.ToSlash(filePath(p))
			seen[rel] = true
			prev, ours := old[rel]
			return consider(p, etag, prev, ours)
		})
		for rel := range old {
			if !seen[rel] {
				gone = append(gone, rel)
			}
		}
		slices.Sort(gone)
	}
	if err != nil {
		var oe *OutDirError
		if errors.As(err, &oe) {
			return st, err
		}
		return st, wrap(err)
	}

	if len(todo) == 0 && len(gone) == 0 && state == man.state && man.base != nil && man.jsize == 0 {
		return st, nil // nothing to do: nothing is touched
	}

	// 1. Stage every new or changed file; a failure leaves the site alone.
	var stage string
	if len(todo) > 0 {
		if stage, err = os.MkdirTemp(meta, "stage-"); err != nil {
			return st, wrap(err)
		}
		defer os.RemoveAll(stage)
	}
	for i := range todo {
		f, ok, err := site.SiteFile(todo[i].path)
		if err != nil || !ok {
			return st, wrap(fmt.Errorf("%s: %v", todo[i].path, err))
		}
		name := filepath.Join(stage, strconv.Itoa(i))
		if err := os.WriteFile(name, f.Body, 0o644); err != nil {
			return st, wrap(fmt.Errorf("%s: %w", f.Path, err))
		}
		if m := f.Modified; !m.IsZero() {
			_ = os.Chtimes(name, m, m)
		}
		todo[i].stage = name
		todo[i].entry = manifestEntry{etag: f.ETag, size: int64(len(f.Body))}
	}
	// The directories every file needs, checked before anything moves: a
	// site whose paths conflict (a file where a directory must be) fails
	// here, with the site untouched.
	rels := make([]string, len(todo))
	for i, p := range todo {
		rels[i] = p.rel
	}
	if err := checkParents(dir, rels); err != nil {
		return st, wrap(err)
	}
	// 2. The manifest names, before any rename, every file this run may
	// leave behind, so that a killed run's files are still known as ours.
	// A directory's first run writes an empty base first: the manifest is
	// what marks the directory as ospofeed's.
	switch {
	case man.base == nil:
		if err := man.writeBase(nil, ""); err != nil {
			return st, wrap(err)
		}
	case man.token == "":
		// A base written before the journal existed has no token for
		// one: written again with one, once.
		files, err := man.all()
		if err == nil {
			err = man.writeBase(files, man.state)
		}
		if err != nil {
			return st, wrap(err)
		}
	}
	var records []string
	for _, p := range todo {
		records = append(records, "p\t"+p.rel)
	}
	if err := man.appendJournal(records); err != nil {
		return st, wrap(err)
	}
	// 3. Move each staged file into place.
	for _, p := range todo {
		dst := filepath.Join(dir, filepath.FromSlash(p.rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return st, wrap(fmt.Errorf("%s: %w", p.path, err))
		}
		if err := os.Rename(p.stage, dst); err != nil {
			return st, wrap(fmt.Errorf("%s: %w", p.path, err))
		}
		st.Written++
	}
	// 4. Remove what ospofeed wrote before and the site no longer has.
	for _, rel := range gone {
		name := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.Remove(name); err == nil {
			st.Removed++
		} else if !errors.Is(err, fs.ErrNotExist) {
			return st, wrap(err)
		}
		pruneEmpty(dir, filepath.Dir(name))
	}
	// 5. The manifest, last: the base again when this run read all of it
	// (or the journal has grown), else a few records.
	if !delta || man.needsCompaction() {
		if old == nil {
			if old, err = man.all(); err != nil {
				return st, wrap(err)
			}
		}
		for _, rel := range gone {
			delete(old, rel)
		}
		for _, p := range todo {
			old[p.rel] = p.entry
		}
		if err := man.writeBase(old, state); err != nil {
			return st, wrap(err)
		}
		return st, nil
	}
	records = records[:0]
	for _, p := range todo {
		records = append(records, fmt.Sprintf("+\t%s\t%s\t%d", p.rel, p.entry.etag, p.entry.size))
	}
	for _, rel := range gone {
		records = append(records, "-\t"+rel)
	}
	records = append(records, "s\t"+state)
	if err := man.appendJournal(records); err != nil {
		return st, wrap(err)
	}
	return st, nil
}

// checkParents fails when a file must go where the site, or the directory,
// already has something that is not a directory.
func checkParents(dir string, rels []string) error {
	files := map[string]bool{}
	for _, r := range rels {
		files[r] = true
	}
	seen := map[string]bool{}
	for _, r := range rels {
		for d := pathDir(r); d != "."; d = pathDir(d) {
			if seen[d] {
				break
			}
			seen[d] = true
			if files[d] {
				return fmt.Errorf("%s is both a file and a directory of the site", d)
			}
			fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(d)))
			if err == nil && !fi.IsDir() {
				return fmt.Errorf("%s is in the way of %s", d, r)
			}
		}
	}
	return nil
}

func pathDir(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "."
	}
	return p[:i]
}

// pruneEmpty removes d and its parents up to dir while they are empty.
func pruneEmpty(dir, d string) {
	for within(d, dir) && d != dir {
		if err := os.Remove(d); err != nil {
			return
		}
		d = filepath.Dir(d)
	}
}
