package web

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The manifest of an output directory is two files:
//
//	DIR/.ospofeed/manifest   the base: a header, the state line, the
//	                         journal's token, the file count, then one
//	                         line a file (path, ETag, size; tab-separated),
//	                         sorted by path
//	DIR/.ospofeed/journal    what runs did since the base was written: a
//	                         head naming the base's token, then one record
//	                         a line, appended and synced:
//	                           p <path>                 about to be written
//	                           + <path> <etag> <size>   written
//	                           - <path>                 removed
//	                           s <state>                a run's end
//
// A run that follows a change of a few files appends a few records: it
// reads the journal and looks each changed path up in the base by binary
// search, so its cost follows the change, not the site (a site of 85,000
// files has a 5.5 MB base, read and rewritten whole by every run before).
// The base is rewritten, and the journal removed, when a run looked at
// every path anyway, or when the journal has grown to a quarter of the
// base; each base has a new token, so that a journal a crash left behind
// the new base is not replayed over it. A record cut short by a crash ends
// the replay and is cut off before the next append: a "p" record is
// synced before any file is renamed, so every file a killed run may have
// left is named, and a torn "+" or "s" record leaves its path pending,
// written again by the next run.
const (
	journalName = "journal"
	journalHead = "ospofeed site journal v1"
)

// manifest is an output directory's manifest, opened for one run.
type manifest struct {
	dir   string
	base  *os.File // nil: no base yet
	size  int64    // of the base
	start int64    // offset of the base's first file line
	count int      // files the manifest names
	state string   // the state the directory was last brought to ("": unknown)
	token string   // the base's journal token: the journal that goes with it names it
	// journal replayed: the entries it puts (pending ones with etag
	// "pending", size -1), and the paths it removes.
	put     map[string]manifestEntry
	removed map[string]bool
	jsize   int64 // journal bytes
	jreset  bool  // the journal holds only part of its head: start it again
	jvalid  int64 // journal bytes up to the end of its last whole record
}

func (m *manifest) path(name string) string { return filepath.Join(m.dir, metaDir, name) }

// openManifest opens dir's manifest: the base's head and the whole journal.
func openManifest(dir string) (*manifest, error) {
	m := &manifest{dir: dir, put: map[string]manifestEntry{}, removed: map[string]bool{}}
	f, err := os.Open(m.path(manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, err
	}
	m.base = f
	fi, err := f.Stat()
	if err != nil {
		m.close()
		return nil, err
	}
	m.size = fi.Size()
	if err := m.readHead(); err != nil {
		m.close()
		return nil, err
	}
	if err := m.readJournal(); err != nil {
		m.close()
		return nil, err
	}
	return m, nil
}

func (m *manifest) close() {
	if m.base != nil {
		m.base.Close()
		m.base = nil
	}
}

// readHead reads the base's head: the header, then, in this order and
// each optional, the state line, the journal's token and the file count
// (the last head line a base written with the journal has; a base written
// before has no token and no count, and its files are counted here). A
// head line has two fields or starts with "state" as the base's second
// line; a file line has three: a site path named "state" or "files"
// cannot pass for one.
func (m *manifest) readHead() error {
	r := bufio.NewReader(io.NewSectionReader(m.base, 0, m.size))
	head, err := r.ReadString('\n')
	if strings.TrimSuffix(head, "\n") != manifestHead || err != nil {
		return fmt.Errorf("%s/%s: not an ospofeed manifest", metaDir, manifestName)
	}
	m.start = int64(len(head))
	m.count = -1
	for n := 0; ; n++ {
		line, err := r.ReadString('\n')
		if err != nil {
			break
		}
		text := strings.TrimSuffix(line, "\n")
		fields := strings.Split(text, "\t")
		switch {
		case n == 0 && fields[0] == "state" && len(fields) > 1:
			m.state = strings.TrimPrefix(text, "state\t")
		case len(fields) == 2 && fields[0] == "journal":
			m.token = fields[1]
		case len(fields) == 2 && fields[0] == "files":
			if m.count, err = strconv.Atoi(fields[1]); err != nil || m.count < 0 {
				return fmt.Errorf("%s/%s: malformed files line", metaDir, manifestName)
			}
		default:
			fields = nil // a file line: the head is over
		}
		if fields == nil {
			break
		}
		m.start += int64(len(line))
		if fields[0] == "files" {
			break
		}
	}
	if m.count < 0 {
		n := 0
		err := m.scan(func(string, manifestEntry) error { n++; return nil })
		if err != nil {
			return err
		}
		m.count = n
	}
	return nil
}

// parseEntry reads a base line: path, ETag, size.
func parseEntry(line string) (string, manifestEntry, bool) {
	parts := strings.Split(line, "\t")
	if len(parts) != 3 {
		return "", manifestEntry{}, false
	}
	size, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || !validRel(parts[0]) {
		return "", manifestEntry{}, false
	}
	return parts[0], manifestEntry{etag: parts[1], size: size}, true
}

// scan calls fn with every file line of the base, in path order.
func (m *manifest) scan(fn func(rel string, e manifestEntry) error) error {
	if m.base == nil {
		return nil
	}
	sc := bufio.NewScanner(io.NewSectionReader(m.base, m.start, m.size-m.start))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		rel, e, ok := parseEntry(sc.Text())
		if !ok {
			return fmt.Errorf("%s/%s: file line %d: malformed", metaDir, manifestName, n)
		}
		if err := fn(rel, e); err != nil {
			return err
		}
	}
	return sc.Err()
}

// readJournal replays the journal over the base. A journal belongs to the
// base whose token its head names: one left by a run killed after it
// wrote a new base but before it removed the old journal, or one without a
// base at all, is stale and starts again. The file count follows the
// records (a path the manifest did not name before adds one; a removal
// of one it named takes one away). Replay stops at the first record that
// is not whole: a crash left it, and it goes before the next append.
func (m *manifest) readJournal() error {
	b, err := os.ReadFile(m.path(journalName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	m.jsize = int64(len(b))
	head := []byte(m.journalHead() + "\n")
	if m.base == nil || m.token == "" || !bytes.HasPrefix(b, head) {
		m.jreset = true
		return nil
	}
	m.jvalid = int64(len(head))
	for rest := b[len(head):]; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break // cut short
		}
		if !m.replay(string(rest[:i])) {
			break // not whole: what follows came after it, or is garbage
		}
		m.jvalid += int64(i + 1)
		rest = rest[i+1:]
	}
	return nil
}

func (m *manifest) journalHead() string { return journalHead + "\t" + m.token }

// replay applies one journal record; false: it is not a record.
func (m *manifest) replay(line string) bool {
	kind, rest, _ := strings.Cut(line, "\t")
	named := func(rel string) bool {
		_, ok, err := m.get(rel)
		return ok || err != nil
	}
	switch kind {
	case "p", "+":
		rel, e := rest, manifestEntry{etag: "pending", size: -1}
		if kind == "+" {
			var ok bool
			if rel, e, ok = parseEntry(rest); !ok {
				return false
			}
		} else if !validRel(rel) {
			return false
		}
		if !named(rel) {
			m.count++
		}
		m.put[rel] = e
		delete(m.removed, rel)
	case "-":
		if !validRel(rest) {
			return false
		}
		if named(rest) {
			m.count--
		}
		delete(m.put, rest)
		m.removed[rest] = true
	case "s":
		m.state = rest
	default:
		return false
	}
	return true
}

// get is what the manifest says of one path: the journal's word, else the
// base's, found by binary search over the sorted base.
func (m *manifest) get(rel string) (manifestEntry, bool, error) {
	if e, ok := m.put[rel]; ok {
		return e, true, nil
	}
	if m.removed[rel] || m.base == nil {
		return manifestEntry{}, false, nil
	}
	lo, hi := m.start, m.size
	for lo < hi {
		mid := lo + (hi-lo)/2
		s, e, line, err := m.lineFrom(mid)
		if err != nil {
			return manifestEntry{}, false, err
		}
		if s >= hi {
			hi = mid
			continue
		}
		p, _, _ := strings.Cut(line, "\t")
		switch {
		case p == rel:
			_, entry, ok := parseEntry(line)
			if !ok {
				return manifestEntry{}, false, fmt.Errorf("%s/%s: malformed line at byte %d", metaDir, manifestName, s)
			}
			return entry, true, nil
		case p < rel:
			lo = e
		default:
			hi = mid
		}
	}
	return manifestEntry{}, false, nil
}

// lineFrom reads the first whole line of the base that starts at or after
// off: its start, the offset after it, and its text.
func (m *manifest) lineFrom(off int64) (start, end int64, line string, err error) {
	start = off
	if off > m.start {
		// The line starts after the newline at or after off-1.
		nl, err := m.indexNewline(off - 1)
		if err != nil {
			return 0, 0, "", err
		}
		if nl < 0 {
			return m.size, m.size, "", nil
		}
		start = nl + 1
	}
	if start >= m.size {
		return m.size, m.size, "", nil
	}
	nl, err := m.indexNewline(start)
	if err != nil {
		return 0, 0, "", err
	}
	if nl < 0 {
		nl = m.size
	}
	buf := make([]byte, nl-start)
	if _, err := m.base.ReadAt(buf, start); err != nil && !errors.Is(err, io.EOF) {
		return 0, 0, "", err
	}
	return start, nl + 1, string(buf), nil
}

// indexNewline is the offset of the first newline of the base at or after
// off (-1: none).
func (m *manifest) indexNewline(off int64) (int64, error) {
	var buf [512]byte
	for off < m.size {
		n, err := m.base.ReadAt(buf[:min(int64(len(buf)), m.size-off)], off)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return off + int64(i), nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if n == 0 {
			break
		}
		off += int64(n)
	}
	return -1, nil
}

// all is every file the manifest names.
func (m *manifest) all() (map[string]manifestEntry, error) {
	out := make(map[string]manifestEntry, m.count)
	if err := m.scan(func(rel string, e manifestEntry) error {
		if !m.removed[rel] {
			out[rel] = e
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for rel, e := range m.put {
		out[rel] = e
	}
	return out, nil
}

// appendJournal appends records to the journal and syncs it (and, when it
// is new, the directory that holds it).
func (m *manifest) appendJournal(records []string) error {
	if len(records) == 0 {
		return nil
	}
	name := m.path(journalName)
	flag := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if m.jreset {
		flag |= os.O_TRUNC
	}
	f, err := os.OpenFile(name, flag, 0o644)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	size := fi.Size()
	if size > 0 && size > m.jvalid && m.jvalid > 0 {
		// A record a crash cut short goes before the next is written.
		if err := f.Truncate(m.jvalid); err != nil {
			f.Close()
			return err
		}
		size = m.jvalid
	}
	var b strings.Builder
	if size == 0 {
		b.WriteString(m.journalHead() + "\n")
	}
	for _, r := range records {
		b.WriteString(r + "\n")
	}
	_, err = f.WriteString(b.String())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && size == 0 {
		err = syncDir(filepath.Dir(name))
	}
	m.jsize = size + int64(b.Len())
	m.jvalid = m.jsize
	if err == nil {
		m.jreset = false
	}
	return err
}

// needsCompaction reports whether the journal has grown past a quarter of
// the base (and a few kilobytes).
func (m *manifest) needsCompaction() bool {
	return m.jsize > 16<<10 && m.jsize > m.size/4
}

// writeBase replaces the base with files and state, then removes the
// journal it now includes.
func (m *manifest) writeBase(files map[string]manifestEntry, state string) error {
	token, err := writeManifest(m.dir, files, state)
	if err != nil {
		return err
	}
	m.token, m.jreset = token, true // the old journal, if its removal fails, is stale
	err = os.Remove(m.path(journalName))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	m.jsize = 0
	return nil
}

// writeManifest replaces the base by rename, after syncing it, with a new
// journal token (returned): a journal written for another base is not
// replayed over this one.
func writeManifest(dir string, files map[string]manifestEntry, state string) (string, error) {
	names := make([]string, 0, len(files))
	for p := range files {
		names = append(names, p)
	}
	slices.Sort(names)
	var tok [8]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return "", err
	}
	token := hex.EncodeToString(tok[:])
	var b bytes.Buffer
	b.WriteString(manifestHead + "\n")
	b.WriteString("state\t" + state + "\n")
	b.WriteString("journal\t" + token + "\n")
	fmt.Fprintf(&b, "files\t%d\n", len(names))
	for _, p := range names {
		e := files[p]
		fmt.Fprintf(&b, "%s\t%s\t%d\n", p, e.etag, e.size)
	}
	return token, writeFileSync(filepath.Join(dir, metaDir, manifestName), b.Bytes())
}

// readManifest reads every file the manifest of dir names and the state it
// was last brought to.
func readManifest(dir string) (map[string]manifestEntry, string, error) {
	m, err := openManifest(dir)
	if err != nil {
		return nil, "", err
	}
	defer m.close()
	files, err := m.all()
	return files, m.state, err
}

// OutDirFiles lists the files that the manifest of the output directory
// dir names (its base and journal), with the size each was written with
// (-1: a run was killed while writing it), and the state of the stored
// site the directory was last brought to ("" when unknown).
func OutDirFiles(dir string) (map[string]int64, string, error) {
	files, state, err := readManifest(dir)
	if err != nil {
		return nil, "", fmt.Errorf("web: output directory %s: %w", dir, err)
	}
	out := make(map[string]int64, len(files))
	for rel, e := range files {
		out[rel] = e.size
	}
	return out, state, nil
}
