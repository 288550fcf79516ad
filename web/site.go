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
	"io"
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
	// It fails with errNoCitation or a *pastEndError.
	cite func(slug, format string, offset time.Duration) (*File, error)
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

// WriteDir brings dir up to date with the site, in place: only new and
// changed files are written (each by rename, so a reader sees it whole),
// files ospofeed wrote that left the site are removed last, and nothing
// ospofeed did not write is ever replaced or removed. dir must be absent,
// empty or an output directory ospofeed wrote before; the protected paths
// (the database, the configuration) must not lie inside it. See outdir.go.
func (s *Site) WriteDir(dir string, protected ...string) (WriteStats, error) {
	files := make([]*File, 0, len(s.files))
	for _, p := range s.Paths() {
		files = append(files, s.files[p])
	}
	return writeDir(dir, files, protected...)
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
