package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Health is the live state /healthz reports.
type Health struct {
	Status  string         `json:"status"` // "ok" or "unavailable"
	Version string         `json:"version"`
	Store   string         `json:"store"`
	Sources []SourceHealth `json:"sources"`
}

// SourceHealth is one source in /healthz.
type SourceHealth struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Status      string    `json:"status"`
	StatusSince time.Time `json:"status_since,omitzero"`
	LastCrawl   time.Time `json:"last_crawl,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Failures    int       `json:"consecutive_failures,omitempty"`
	Items       int       `json:"items"`
	NextCrawl   time.Time `json:"next_crawl,omitzero"`
}

// Deps are what the server needs from the process.
type Deps struct {
	// Site holds the rendered files. Until Ready says so, a path it does
	// not have answers 503 (the first rendering is under way) rather
	// than 404.
	Site  SiteStore
	Ready func() bool
	// Generation moves on when the stored files change: cached copies of
	// older generations are checked against the store again.
	Generation func() uint64
	// Cite renders a recording's citation file at a moment (nil: ?t= is
	// ignored).
	Cite func(slug, name string, offset time.Duration) (*File, error)
	// CacheBytes bounds the in-memory cache of served files (default
	// 32 MiB).
	CacheBytes int
	// Health reports the live state; ok false answers 503.
	Health func() (Health, bool)
	// NextCrawl is when the next scheduled crawl runs (zero: unknown);
	// responses may be cached until then.
	NextCrawl func() time.Time
	// Metrics writes the Prometheus text exposition.
	Metrics func(w *strings.Builder)
	Now     func() time.Time

	// Search answers /search (nil: 404); see search.go.
	Search Searcher
}

// maxAge is how long a client may cache: until the next crawl, at least a
// minute.
func (d Deps) maxAge() int {
	if d.NextCrawl == nil {
		return 60
	}
	next := d.NextCrawl()
	if next.IsZero() {
		return 60
	}
	return max(int(next.Sub(d.Now()).Seconds()), 60)
}

// serveSite answers every rendered path from the site store, through a
// bounded cache.
func serveSite(d Deps) http.Handler {
	c := newFileCache(d)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := r.URL.Path
		f, err := c.get(p)
		if err != nil {
			http.Error(w, "the site store cannot be read", http.StatusServiceUnavailable)
			return
		}
		if f == nil && !strings.HasSuffix(p, "/") {
			if dir, _ := c.get(p + "/"); dir != nil {
				http.Redirect(w, r, p+"/", http.StatusMovedPermanently)
				return
			}
		}
		// ?t= cites a moment: it applies to the citation files of a
		// recording; elsewhere, like any other query, it is ignored.
		parts := strings.Split(strings.Trim(p, "/"), "/")
		if t := r.URL.Query().Get("t"); t != "" && d.Cite != nil && f != nil && len(parts) == 3 && parts[0] == "recordings" && strings.HasPrefix(parts[2], "cite.") {
			off, err := parseOffset(t)
			if err != nil {
				http.Error(w, fmt.Sprintf("bad time offset %q: %v; use HH:MM:SS, MM:SS or seconds", t, err), http.StatusBadRequest)
				return
			}
			cf, err := d.Cite(parts[1], parts[2], off)
			var past *pastEndError
			if errors.As(err, &past) {
				http.Error(w, fmt.Sprintf("bad time offset %q: %v", t, err), http.StatusBadRequest)
				return
			}
			f = nil
			if err == nil {
				f = &cachedFile{File: cf}
			}
		}
		if f == nil {
			if d.Ready != nil && !d.Ready() {
				w.Header().Set("Retry-After", "10")
				http.Error(w, "the site is being rendered for the first time; try again in a few seconds", http.StatusServiceUnavailable)
				return
			}
			http.NotFound(w, r)
			return
		}
		maxAge := d.maxAge()
		if f.Immutable {
			maxAge = -1
		}
		serveFile(w, r, f, maxAge)
	})
}

// maxOffset bounds a cited moment: no recording runs that long, and the
// bound keeps the arithmetic below from overflowing into a negative offset.
const maxOffset = 1000 * time.Hour

// parseOffset reads "01:23:45", "23:45", "5025" or a Go duration "1h23m45s".
// In the colon forms only the first field may be 60 or more: "60:60:60" is
// no moment of any clock, and citing it as "61:01:00" would put a wrong
// time in an editor's text.
func parseOffset(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		if d > maxOffset {
			return 0, fmt.Errorf("offset %s longer than %s", d, maxOffset)
		}
		return d, nil
	}
	parts := strings.Split(s, ":")
	if len(parts) > 3 {
		return 0, fmt.Errorf("too many parts")
	}
	const maxSeconds = int64(maxOffset / time.Second)
	var total int64
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 || n > maxSeconds || strings.HasPrefix(p, "+") {
			return 0, fmt.Errorf("not a number: %q", p)
		}
		if i > 0 && n >= 60 {
			return 0, fmt.Errorf("%q: minutes and seconds run from 00 to 59", p)
		}
		if total = total*60 + n; total > maxSeconds {
			return 0, fmt.Errorf("offset %q longer than %s", s, maxOffset)
		}
	}
	return time.Duration(total) * time.Second, nil
}

// serveFile writes one rendered file with validators, conditional answers
// and gzip. maxAge -1: an archive page, cached for a year, immutable.
func serveFile(w http.ResponseWriter, r *http.Request, f *cachedFile, maxAge int) {
	h := w.Header()
	gz := f.gzipped()
	useGzip := gz != nil && acceptsGzip(r)
	etag := f.ETag
	if useGzip {
		etag = strings.TrimSuffix(etag, `"`) + `-gz"`
	}
	h.Set("Content-Type", f.ContentType)
	h.Set("ETag", etag)
	if !f.Modified.IsZero() {
		h.Set("Last-Modified", f.Modified.UTC().Format(http.TimeFormat))
	}
	if maxAge < 0 {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", maxAge))
	}
	h.Set("X-Content-Type-Options", "nosniff")
	if gz != nil {
		h.Set("Vary", "Accept-Encoding")
	}
	if notModified(r, f.File) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.Body
	if useGzip {
		h.Set("Content-Encoding", "gzip")
		body = gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// acceptsGzip reports whether Accept-Encoding allows gzip (RFC 9110
// §12.5.3): named with a q above 0, or, when not named, covered by "*".
// Parameter names are case-insensitive: "gzip;Q=0" refuses gzip.
func acceptsGzip(r *http.Request) bool {
	star := false
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(part, ";")
		q := 1.0
		for _, param := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(param, "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				var err error
				if q, err = strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
					q = 0
				}
			}
		}
		switch name = strings.TrimSpace(name); {
		case strings.EqualFold(name, "gzip"):
			return q > 0
		case name == "*":
			star = q > 0
		}
	}
	return star
}

// notModified applies RFC 9110 §13.2.2: If-None-Match wins over
// If-Modified-Since. Either variant's ETag matches (weak comparison).
func notModified(r *http.Request, f *File) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		base := strings.Trim(f.ETag, `"`)
		for _, t := range strings.Split(inm, ",") {
			t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
			if t == "*" || strings.Trim(t, `"`) == base || strings.Trim(t, `"`) == base+"-gz" {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && !f.Modified.IsZero() {
		if t, err := http.ParseTime(ims); err == nil {
			return !f.Modified.After(t)
		}
	}
	return false
}

func healthz(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, ok := d.Health()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(h)
	})
}

func metrics(d Deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		if d.Metrics != nil {
			d.Metrics(&b)
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte(b.String()))
	})
}
