// Package web renders the whole site (HTML pages, feeds, calendars,
// citations) from a snapshot of the store, once per crawl, and serves the
// rendered bytes over HTTP with validators and gzip. The same rendered Site
// is what `ospofeed crawl --out DIR` writes as static files.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// File is one rendered path of the site.
type File struct {
	Path        string // URL path, "/" or "/events/x/" for pages
	ContentType string
	Body        []byte
	Gzip        []byte // Body gzipped, for clients that accept it
	ETag        string // strong, of Body; the gzip variant adds "-gz"
	Modified    time.Time
}

// Site is the rendered site: every path the server answers from bytes.
type Site struct {
	files map[string]*File
	// cite renders citations at a time offset on request (serve only).
	cite func(slug, format string, offset time.Duration) (*File, bool)
}

func newSite() *Site { return &Site{files: map[string]*File{}} }

// add renders nothing: it stores a finished body under a path.
func (s *Site) add(p, contentType string, body []byte, modified time.Time) {
	sum := sha256.Sum256(body)
	f := &File{Path: p, ContentType: contentType, Body: body, Modified: modified.UTC().Truncate(time.Second),
		ETag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	if len(body) > 512 && compressible(contentType) {
		var b bytes.Buffer
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&b)
		zw.Write(body)
		zw.Close()
		gzipWriters.Put(zw)
		f.Gzip = b.Bytes()
	}
	s.files[p] = f
}

// gzipWriters are reused across files and renders: a gzip.Writer at the
// best compression allocates about a megabyte, and a site has hundreds of
// files.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestCompression)
	return zw
}}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "xml") || strings.Contains(ct, "json")
}

// File returns the rendered file at a URL path.
func (s *Site) File(p string) (*File, bool) {
	f, ok := s.files[p]
	return f, ok
}

// Paths lists every rendered path, sorted.
func (s *Site) Paths() []string {
	out := make([]string, 0, len(s.files))
	for p := range s.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// filePath maps a URL path to a relative file path: directories get
// index.html.
func filePath(p string) string {
	p = strings.TrimPrefix(p, "/")
	if p == "" || strings.HasSuffix(p, "/") {
		p += "index.html"
	}
	return filepath.FromSlash(path.Clean(p))
}

// WriteDir writes the whole site into dir atomically: it is built in a
// temporary directory beside dir, then renamed into place, so a web server
// reading dir never sees half a site. The previous dir is removed after
// the swap.
func (s *Site) WriteDir(dir string) error {
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("web: write site to %s: %w", dir, err)
	}
	// A process killed while writing leaves its temporary directory behind;
	// only one ospofeed writes a site at a time (the database lock), so
	// any left now is stale.
	if stale, _ := filepath.Glob(filepath.Join(parent, "."+filepath.Base(dir)+".new-*")); len(stale) > 0 {
		for _, d := range stale {
			_ = os.RemoveAll(d)
		}
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".new-")
	if err != nil {
		return fmt.Errorf("web: write site to %s: %w", dir, err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("web: write site to %s: %w", dir, err)
	}
	for _, p := range s.Paths() {
		f := s.files[p]
		name := filepath.Join(tmp, filePath(p))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return fmt.Errorf("web: write site to %s: %s: %w", dir, p, err)
		}
		if err := os.WriteFile(name, f.Body, 0o644); err != nil {
			return fmt.Errorf("web: write site to %s: %s: %w", dir, p, err)
		}
		if !f.Modified.IsZero() {
			_ = os.Chtimes(name, f.Modified, f.Modified)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		// Swap the two directories in one step where the kernel can, so
		// that dir never disappears; tmp then holds the old site.
		if err := exchange(tmp, dir); err == nil {
			ok = false // remove tmp (the old site) on return
			return nil
		}
		old := dir + ".old-" + filepath.Base(tmp)
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("web: replace %s: %w", dir, err)
		}
		defer os.RemoveAll(old)
		if err := os.Rename(tmp, dir); err != nil {
			_ = os.Rename(old, dir)
			return fmt.Errorf("web: replace %s: %w", dir, err)
		}
		ok = true
		return nil
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("web: write site to %s: %w", dir, err)
	}
	ok = true
	return nil
}

// Equal reports whether two sites have the same paths and bytes.
func (s *Site) Equal(o *Site) bool {
	if !slices.Equal(s.Paths(), o.Paths()) {
		return false
	}
	for p, f := range s.files {
		if !bytes.Equal(f.Body, o.files[p].Body) {
			return false
		}
	}
	return true
}
