// Package web renders the site (HTML pages, feeds, calendars, citations)
// from the store, re-rendering only what a crawl changed, keeps the
// rendered files in a SiteStore (the database, so that a restart serves
// them at once), serves them over HTTP with validators and gzip, and writes
// them into a directory for `ospofeed crawl --out DIR`.
package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ospofeed/ospofeed"
)

// File is one rendered path of the site.
type File = ospofeed.Rendered

// newFile is a finished body under a path, with its ETag.
func newFile(p, contentType string, body []byte, modified time.Time) *File {
	sum := sha256.Sum256(body)
	return &File{Path: p, ContentType: contentType, Body: body, Modified: modified.UTC().Truncate(time.Second),
		ETag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

// public reports whether a stored path is part of the site (records such
// as the recording index are not).
func public(p string) bool { return strings.HasPrefix(p, "/") }

// Site is a SiteStore in memory: for tests, and for a rendering that is
// not kept.
type Site struct {
	mu    sync.Mutex
	files map[string]*File
	state SiteState
	// changes[i] are the paths generation i+1 changed.
	changes [][]string
	// cite renders a recording's citations at a moment (see RenderInto).
	cite func(slug, name string, offset time.Duration) (*File, error)
}

// Cite is the site's citation at a moment, for Deps.Cite.
func (s *Site) Cite(slug, name string, offset time.Duration) (*File, error) {
	s.mu.Lock()
	c := s.cite
	s.mu.Unlock()
	if c == nil {
		return nil, errNoCitation
	}
	return c(slug, name, offset)
}

// Generation is the site's generation, for Deps.Generation.
func (s *Site) Generation() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.Generation
}

// NewSite returns an empty in-memory site.
func NewSite() *Site { return &Site{files: map[string]*File{}} }

// add stores a file, for tests that build a site by hand.
func (s *Site) add(p, contentType string, body []byte, modified time.Time) {
	s.files[p] = newFile(p, contentType, body, modified)
}

// SiteFile implements SiteStore.
func (s *Site) SiteFile(p string) (*File, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[p]
	return f, ok, nil
}

// SiteETag implements SiteStore.
func (s *Site) SiteETag(p string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.files[p]; ok {
		return f.ETag, true, nil
	}
	return "", false, nil
}

// SiteState implements SiteStore.
func (s *Site) SiteState() (SiteState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, nil
}

// PutSite implements SiteStore.
func (s *Site) PutSite(st SiteState, files []*File, remove []string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var changed []string
	for _, f := range files {
		if old, ok := s.files[f.Path]; ok && old.ETag == f.ETag && old.Immutable == f.Immutable {
			continue
		}
		s.files[f.Path] = f
		changed = append(changed, f.Path)
	}
	for _, p := range remove {
		if _, ok := s.files[p]; ok {
			delete(s.files, p)
			changed = append(changed, p)
		}
	}
	if len(changed) > 0 {
		st.Generation = s.state.Generation + 1
		for uint64(len(s.changes)) < s.state.Generation {
			s.changes = append(s.changes, nil) // generations set by hand in tests
		}
		s.changes = append(s.changes[:s.state.Generation], changed)
	} else {
		st.Generation = s.state.Generation
	}
	s.state = st
	return changed, nil
}

// SiteChanges implements SiteStore.
func (s *Site) SiteChanges(since uint64) ([]string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if since > uint64(len(s.changes)) || uint64(len(s.changes)) != s.state.Generation {
		return nil, false, nil
	}
	var out []string
	for _, c := range s.changes[since:] {
		out = append(out, c...)
	}
	return out, true, nil
}

// SitePaths implements SiteStore.
func (s *Site) SitePaths(fn func(p, etag string) error) error {
	s.mu.Lock()
	paths := make([]string, 0, len(s.files))
	for p := range s.files {
		paths = append(paths, p)
	}
	s.mu.Unlock()
	sort.Strings(paths)
	for _, p := range paths {
		f, _, _ := s.SiteFile(p)
		if err := fn(p, f.ETag); err != nil {
			return err
		}
	}
	return nil
}

// File returns the rendered file at a URL path.
func (s *Site) File(p string) (*File, bool) {
	if !public(p) {
		return nil, false
	}
	f, ok, _ := s.SiteFile(p)
	return f, ok
}

// Paths lists every public path, sorted.
func (s *Site) Paths() []string {
	var out []string
	s.SitePaths(func(p, _ string) error {
		if public(p) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// Equal reports whether two sites have the same paths and bytes.
func (s *Site) Equal(o *Site) bool {
	if !slices.Equal(s.Paths(), o.Paths()) {
		return false
	}
	for _, p := range s.Paths() {
		a, _ := s.File(p)
		b, _ := o.File(p)
		if !bytes.Equal(a.Body, b.Body) {
			return false
		}
	}
	return true
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

// compressible: every text format the site serves (HTML, feeds,
// calendars, BibTeX, RIS, CSL-JSON); not images and other binary media.
func compressible(ct string) bool {
	for _, p := range []string{"image/", "audio/", "video/", "font/"} {
		if strings.HasPrefix(ct, p) {
			return false
		}
	}
	return true
}

// WriteDir brings dir up to date with the site; see WriteDir.
func (s *Site) WriteDir(dir string, protected ...string) (WriteStats, error) {
	return WriteDir(dir, s, protected...)
}
