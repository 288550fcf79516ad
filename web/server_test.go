package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testNow is the server's clock.
var testNow = time.Date(2025, 6, 10, 10, 0, 0, 0, time.UTC)

// testServer serves d over loopback HTTP; a nil d.Site serves the standard
// site.
func testServer(t *testing.T, d Deps) *httptest.Server {
	t.Helper()
	if d.Site == nil {
		site := standardSite(t)
		d.Site, d.Cite, d.Generation = site, site.Cite, site.Generation
	}
	if d.Now == nil {
		d.Now = func() time.Time { return testNow }
	}
	if d.Health == nil {
		d.Health = func() (Health, bool) { return Health{Status: "ok", Version: "test", Store: "ok"}, true }
	}
	srv := httptest.NewServer(Handler(d))
	t.Cleanup(srv.Close)
	return srv
}

// client neither follows redirects nor asks for gzip on its own.
var client = &http.Client{
	Transport:     &http.Transport{DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// do sends one request with header pairs and returns the response with its
// whole body.
func do(t *testing.T, method, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp, b
}

func file(t *testing.T, p string) *File {
	t.Helper()
	f, ok := standardSite(t).File(p)
	if !ok {
		t.Fatalf("standard site has no %s", p)
	}
	return f
}

func TestServeFileHeaders(t *testing.T) {
	srv := testServer(t, Deps{NextCrawl: func() time.Time { return testNow.Add(90 * time.Minute) }})
	for _, p := range []string{"/", "/feeds/all.atom", "/events/ospos-good-2024/", "/recordings/k1ma4k9rff/cite.bib", "/calendar.ics", "/style.css"} {
		t.Run(p, func(t *testing.T) {
			f := file(t, p)
			resp, body := do(t, "GET", srv.URL+p)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d; want 200", p, resp.StatusCode)
			}
			if !bytes.Equal(body, f.Body) {
				t.Errorf("GET %s body differs from the site's", p)
			}
			for k, want := range map[string]string{
				"Content-Type":           f.ContentType,
				"ETag":                   f.ETag,
				"Last-Modified":          f.Modified.Format(http.TimeFormat),
				"Cache-Control":          "public, max-age=5400",
				"X-Content-Type-Options": "nosniff",
				"Content-Length":         strconv.Itoa(len(f.Body)),
				"Content-Encoding":       "",
			} {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("GET %s %s = %q; want %q", p, k, got, want)
				}
			}
			wantVary := ""
			if gzipOf(f) != nil {
				wantVary = "Accept-Encoding"
			}
			if got := resp.Header.Get("Vary"); got != wantVary {
				t.Errorf("GET %s Vary = %q; want %q", p, got, wantVary)
			}
		})
	}
}

func TestCacheControlMaxAge(t *testing.T) {
	tests := []struct {
		name string
		next func() time.Time
		want string
	}{
		{"no schedule", nil, "public, max-age=60"},
		{"unknown next crawl", func() time.Time { return time.Time{} }, "public, max-age=60"},
		{"in 90 minutes", func() time.Time { return testNow.Add(90 * time.Minute) }, "public, max-age=5400"},
		{"in 6 hours", func() time.Time { return testNow.Add(6 * time.Hour) }, "public, max-age=21600"},
		{"in 30 seconds", func() time.Time { return testNow.Add(30 * time.Second) }, "public, max-age=60"},
		{"overdue", func() time.Time { return testNow.Add(-time.Hour) }, "public, max-age=60"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testServer(t, Deps{NextCrawl: tt.next})
			resp, _ := do(t, "GET", srv.URL+"/feeds/all.atom")
			if got := resp.Header.Get("Cache-Control"); got != tt.want {
				t.Errorf("GET /feeds/all.atom (%s) Cache-Control = %q; want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestConditionalGet(t *testing.T) {
	srv := testServer(t, Deps{})
	const p = "/feeds/all.atom"
	f := file(t, p)
	etag := f.ETag
	tag := strings.Trim(etag, `"`)
	lm := f.Modified.Format(http.TimeFormat)
	tests := []struct {
		name string
		hdr  []string
		want int
	}{
		{"no validators", nil, 200},
		{"exact ETag", []string{"If-None-Match", etag}, 304},
		{"weak ETag", []string{"If-None-Match", "W/" + etag}, 304},
		{"ETag in a list", []string{"If-None-Match", `"0123", ` + etag + `, W/"abcd"`}, 304},
		{"list without it", []string{"If-None-Match", `"0123", W/"abcd"`}, 200},
		{"star", []string{"If-None-Match", "*"}, 304},
		{"gzip variant's ETag", []string{"If-None-Match", `"` + tag + `-gz"`}, 304},
		{"gzip variant's ETag, gzip accepted", []string{"If-None-Match", `"` + tag + `-gz"`, "Accept-Encoding", "gzip"}, 304},
		{"plain ETag, gzip accepted", []string{"If-None-Match", etag, "Accept-Encoding", "gzip"}, 304},
		{"other ETag", []string{"If-None-Match", `"` + tag + `x"`}, 200},
		{"prefix of the ETag", []string{"If-None-Match", `"` + tag[:10] + `"`}, 200},
		{"If-Modified-Since Last-Modified", []string{"If-Modified-Since", lm}, 304},
		{"If-Modified-Since later", []string{"If-Modified-Since", f.Modified.Add(time.Hour).Format(http.TimeFormat)}, 304},
		{"If-Modified-Since older", []string{"If-Modified-Since", f.Modified.Add(-time.Second).Format(http.TimeFormat)}, 200},
		{"If-Modified-Since garbage", []string{"If-Modified-Since", "yesterday"}, 200},
		{"INM mismatch wins over IMS match", []string{"If-None-Match", `"0123"`, "If-Modified-Since", lm}, 200},
		{"INM match wins over IMS older", []string{"If-None-Match", etag, "If-Modified-Since", f.Modified.Add(-time.Hour).Format(http.TimeFormat)}, 304},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, method := range []string{"GET", "HEAD"} {
				resp, body := do(t, method, srv.URL+p, tt.hdr...)
				if resp.StatusCode != tt.want {
					t.Errorf("%s %s %q = %d; want %d", method, p, tt.hdr, resp.StatusCode, tt.want)
				}
				if resp.StatusCode == 304 {
					if len(body) != 0 {
						t.Errorf("%s %s %q: 304 with a %d-byte body", method, p, tt.hdr, len(body))
					}
					if resp.Header.Get("ETag") == "" || resp.Header.Get("Cache-Control") == "" {
						t.Errorf("%s %s %q: 304 without ETag or Cache-Control: %v", method, p, tt.hdr, resp.Header)
					}
				}
			}
		})
	}
}

func TestGzip(t *testing.T) {
	srv := testServer(t, Deps{})
	const p = "/feeds/all.atom"
	f := file(t, p)
	tests := []struct {
		acceptEncoding string
		gzip           bool
	}{
		{"", false},
		{"gzip", true},
		{"gzip, deflate, br, zstd", true},
		{"br;q=1.0, gzip;q=0.8", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"GZIP;Q=0", false},
		{"deflate, br", false},
		{"identity", false},
		{"*", true},
		{"gzip;q=0, *", false},
	}
	for _, tt := range tests {
		t.Run(tt.acceptEncoding, func(t *testing.T) {
			resp, body := do(t, "GET", srv.URL+p, "Accept-Encoding", tt.acceptEncoding)
			if got := resp.Header.Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("GET %s Vary = %q; want Accept-Encoding", p, got)
			}
			enc := resp.Header.Get("Content-Encoding")
			if (enc == "gzip") != tt.gzip {
				t.Fatalf("GET %s (Accept-Encoding: %q) Content-Encoding = %q; want gzip %v", p, tt.acceptEncoding, enc, tt.gzip)
			}
			wantTag := f.ETag
			if tt.gzip {
				wantTag = strings.TrimSuffix(f.ETag, `"`) + `-gz"`
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("gzip.NewReader: %v", err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if got := resp.Header.Get("ETag"); got != wantTag {
				t.Errorf("GET %s (Accept-Encoding: %q) ETag = %s; want %s", p, tt.acceptEncoding, got, wantTag)
			}
			if !bytes.Equal(body, f.Body) {
				t.Errorf("GET %s (Accept-Encoding: %q) body is not the feed", p, tt.acceptEncoding)
			}
		})
	}

	// A file too small to gain from gzip is sent as it is, without Vary.
	for _, q := range standardSite(t).Paths() {
		if g := file(t, q); gzipOf(g) == nil {
			resp, body := do(t, "GET", srv.URL+q, "Accept-Encoding", "gzip")
			if resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Vary") != "" || !bytes.Equal(body, g.Body) {
				t.Errorf("GET %s (small) Content-Encoding %q, Vary %q", q, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
			}
			break
		}
	}
}

func TestHead(t *testing.T) {
	srv := testServer(t, Deps{})
	for _, hdr := range [][]string{nil, {"Accept-Encoding", "gzip"}} {
		get, getBody := do(t, "GET", srv.URL+"/", hdr...)
		head, headBody := do(t, "HEAD", srv.URL+"/", hdr...)
		if head.StatusCode != 200 || len(headBody) != 0 {
			t.Errorf("HEAD / %q = %d with %d bytes; want 200 without a body", hdr, head.StatusCode, len(headBody))
		}
		for _, k := range []string{"Content-Type", "ETag", "Last-Modified", "Cache-Control", "Content-Encoding", "Vary"} {
			if head.Header.Get(k) != get.Header.Get(k) {
				t.Errorf("HEAD / %q %s = %q; GET has %q", hdr, k, head.Header.Get(k), get.Header.Get(k))
			}
		}
		if got, want := head.Header.Get("Content-Length"), strconv.Itoa(len(getBody)); got != want {
			t.Errorf("HEAD / %q Content-Length = %s; want %s", hdr, got, want)
		}
	}
}

func TestServeStatus(t *testing.T) {
	srv := testServer(t, Deps{})
	tests := []struct {
		method, path string
		want         int
		header       string // name: value the response must carry
	}{
		{"GET", "/", 200, ""},
		{"GET", "/nope", 404, ""},
		{"GET", "/events/nope/", 404, ""},
		{"GET", "/recordings/k1ma4k9rff/cite.pdf", 404, ""},
		{"GET", "/recordings/k1ma4k9rff/index.html", 404, ""},
		{"GET", "/feeds", 404, ""},
		{"GET", "/events/ospos-good-2024", 301, "Location: /events/ospos-good-2024/"},
		{"GET", "/recordings/k1ma4k9rff", 301, "Location: /recordings/k1ma4k9rff/"},
		{"HEAD", "/events/ospos-good-2024", 301, "Location: /events/ospos-good-2024/"},
		{"POST", "/", 405, "Allow: GET, HEAD"},
		{"PUT", "/feeds/all.atom", 405, "Allow: GET, HEAD"},
		{"DELETE", "/events/ospos-good-2024/", 405, "Allow: GET, HEAD"},
		{"POST", "/healthz", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, _ := do(t, tt.method, srv.URL+tt.path)
			if resp.StatusCode != tt.want {
				t.Errorf("%s %s = %d; want %d", tt.method, tt.path, resp.StatusCode, tt.want)
			}
			if k, v, ok := strings.Cut(tt.header, ": "); ok && resp.Header.Get(k) != v {
				t.Errorf("%s %s %s = %q; want %q", tt.method, tt.path, k, resp.Header.Get(k), v)
			}
		})
	}
}

func TestServeBeforeFirstSite(t *testing.T) {
	site := NewSite()
	var ready atomic.Bool
	srv := testServer(t, Deps{Site: site, Ready: ready.Load, Generation: site.Generation})
	for _, method := range []string{"GET", "HEAD"} {
		resp, _ := do(t, method, srv.URL+"/")
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s / before any site = %d, Retry-After %q; want 503 with Retry-After", method, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if resp, _ := do(t, "GET", srv.URL+"/healthz"); resp.StatusCode != 200 {
		t.Errorf("GET /healthz before any site = %d; want 200", resp.StatusCode)
	}
	if err := RenderInto(site, testSnapshot(), Options{}); err != nil {
		t.Fatal(err)
	}
	ready.Store(true)
	resp, _ := do(t, "GET", srv.URL+"/")
	if resp.StatusCode != 200 {
		t.Errorf("GET / after the first render = %d; want 200", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", srv.URL+"/no-such-page"); resp.StatusCode != 404 {
		t.Errorf("GET /no-such-page once ready = %d; want 404", resp.StatusCode)
	}

	// A new render is served from the next request on.
	snap := testSnapshot()
	snap.Info.Title = "ospofeed, re-rendered"
	if err := RenderInto(site, snap, Options{}); err != nil {
		t.Fatal(err)
	}
	resp2, body := do(t, "GET", srv.URL+"/")
	if resp2.Header.Get("ETag") == resp.Header.Get("ETag") || !strings.Contains(string(body), "ospofeed, re-rendered") {
		t.Errorf("GET / after a second render still serves the first site")
	}
}

func TestHealthz(t *testing.T) {
	var ok atomic.Bool
	srv := testServer(t, Deps{Health: func() (Health, bool) {
		h := Health{Status: "ok", Version: "test", Store: "ok",
			Sources: []SourceHealth{{ID: "un-webtv", Kind: "unwebtv-schedule", Status: "ok", Items: 6, NextCrawl: testNow.Add(time.Hour)}}}
		if !ok.Load() {
			h.Status, h.Store = "unavailable", "closed"
		}
		return h, ok.Load()
	}})
	tests := []struct {
		ok         bool
		want       int
		wantStatus string
	}{
		{true, 200, "ok"},
		{false, 503, "unavailable"},
		{true, 200, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.wantStatus, func(t *testing.T) {
			ok.Store(tt.ok)
			resp, body := do(t, "GET", srv.URL+"/healthz")
			if resp.StatusCode != tt.want {
				t.Errorf("GET /healthz (ok=%v) = %d; want %d", tt.ok, resp.StatusCode, tt.want)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("GET /healthz Content-Type = %q", ct)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("GET /healthz Cache-Control = %q; want no-store", cc)
			}
			var h Health
			if err := json.Unmarshal(body, &h); err != nil {
				t.Fatalf("GET /healthz body %s: %v", body, err)
			}
			if h.Status != tt.wantStatus || len(h.Sources) != 1 || !h.Sources[0].NextCrawl.Equal(testNow.Add(time.Hour)) {
				t.Errorf("GET /healthz = %+v; want status %q and the source", h, tt.wantStatus)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	const exposition = "# TYPE ospofeed_items gauge\nospofeed_items{kind=\"recording\"} 6\n"
	tests := []struct {
		name    string
		metrics func(*strings.Builder)
		want    string
	}{
		{"metrics", func(b *strings.Builder) { b.WriteString(exposition) }, exposition},
		{"none", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := testServer(t, Deps{Metrics: tt.metrics})
			resp, body := do(t, "GET", srv.URL+"/metrics")
			if resp.StatusCode != 200 || string(body) != tt.want {
				t.Errorf("GET /metrics = %d %q; want 200 %q", resp.StatusCode, body, tt.want)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
				t.Errorf("GET /metrics Content-Type = %q", ct)
			}
		})
	}
}

func TestCitationAtOffset(t *testing.T) {
	srv := testServer(t, Deps{})
	const rec = "/recordings/k1ma4k9rff/"
	tests := []struct {
		path    string
		want    int
		has     string
		hasNot  string
		typeOf  string
		changed bool // the body differs from the file without ?t
	}{
		{rec + "cite.txt?t=01:02:03", 200, "Video, 02:58:11, at 01:02:03.", "", "text/plain; charset=utf-8", true},
		{rec + "cite.txt?t=3723", 200, "at 01:02:03", "", "", true},
		{rec + "cite.txt?t=1h2m3s", 200, "at 01:02:03", "", "", true},
		{rec + "cite.txt?t=62:03", 200, "at 01:02:03", "", "", true},
		{rec + "cite.bib?t=01:02:03", 200, "01:02:03", "", "application/x-bibtex; charset=utf-8", true},
		{rec + "cite.ris?t=01:02:03", 200, "01:02:03", "", "", true},
		{rec + "cite.json?t=01:02:03", 200, "01:02:03", "", "", true},
		{rec + "cite.txt?t=0", 200, "", " at ", "", false},
		{rec + "cite.txt?t=", 200, "", " at ", "", false},
		{rec + "cite.txt?t=abc", 400, "bad time offset", "", "", false},
		{rec + "cite.txt?t=-5", 400, "", "", "", false},
		{rec + "cite.txt?t=-1s", 400, "", "", "", false},
		{rec + "cite.txt?t=1:2:3:4", 400, "", "", "", false},
		{rec + "cite.txt?t=9223372036854775807:00", 400, "", "", "", false},
		{rec + "cite.txt?t=100000h", 400, "", "", "", false},
		{rec + "cite.txt?t=60:60:60", 400, "minutes and seconds run from 00 to 59", "", "", false},
		{rec + "cite.txt?t=1:02:60", 400, "minutes and seconds", "", "", false},
		{rec + "cite.txt?t=02:58:11", 200, "at 02:58:11", "", "", true},
		{rec + "cite.txt?t=02:58:12", 400, "02:58:12 is past the end of the recording (02:58:11 long)", "", "", false},
		{rec + "cite.bib?t=1000h", 400, "past the end", "", "", false},
		{"/recordings/nope/cite.txt?t=5", 404, "", "", "", false},
		{rec + "cite.pdf?t=5", 404, "", "", "", false},
		{rec + "?t=01:02:03", 200, "<h1>", "", "text/html; charset=utf-8", false},
		{"/?t=abc", 200, "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := do(t, "GET", srv.URL+tt.path)
			if resp.StatusCode != tt.want {
				t.Fatalf("GET %s = %d %q; want %d", tt.path, resp.StatusCode, body, tt.want)
			}
			if tt.has != "" && !strings.Contains(string(body), tt.has) {
				t.Errorf("GET %s = %q; want it to contain %q", tt.path, body, tt.has)
			}
			if tt.hasNot != "" && strings.Contains(string(body), tt.hasNot) {
				t.Errorf("GET %s = %q; want no %q", tt.path, body, tt.hasNot)
			}
			if tt.typeOf != "" && resp.Header.Get("Content-Type") != tt.typeOf {
				t.Errorf("GET %s Content-Type = %q; want %q", tt.path, resp.Header.Get("Content-Type"), tt.typeOf)
			}
			if tt.want != 200 {
				return
			}
			plain := file(t, strings.Split(tt.path, "?")[0])
			if changed := !bytes.Equal(body, plain.Body); changed != tt.changed {
				t.Errorf("GET %s body changed = %v; want %v", tt.path, changed, tt.changed)
			}
			if changed := resp.Header.Get("ETag") != plain.ETag; changed != tt.changed {
				t.Errorf("GET %s ETag = %s, without ?t %s; want changed %v", tt.path, resp.Header.Get("ETag"), plain.ETag, tt.changed)
			}
			if lm := resp.Header.Get("Last-Modified"); lm != plain.Modified.Format(http.TimeFormat) {
				t.Errorf("GET %s Last-Modified = %s; want %s", tt.path, lm, plain.Modified.Format(http.TimeFormat))
			}
		})
	}

	// The offset variant answers its own validators.
	resp, _ := do(t, "GET", srv.URL+rec+"cite.txt?t=01:02:03")
	if again, _ := do(t, "GET", srv.URL+rec+"cite.txt?t=3723", "If-None-Match", resp.Header.Get("ETag")); again.StatusCode != 304 {
		t.Errorf("GET cite.txt?t=3723 with the ETag of ?t=01:02:03 = %d; want 304", again.StatusCode)
	}
}

func TestParseOffset(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"01:02:03", hms(1, 2, 3), false},
		{"1:2:3", hms(1, 2, 3), false},
		{"02:03", hms(0, 2, 3), false},
		{"62:03", hms(1, 2, 3), false},
		{"3723", hms(1, 2, 3), false},
		{"0", 0, false},
		{"00:00:00", 0, false},
		{"1h2m3s", hms(1, 2, 3), false},
		{"90s", 90 * time.Second, false},
		{"1.5h", 90 * time.Minute, false},
		{"1000:00:00", 1000 * time.Hour, false},
		{"1000h", 1000 * time.Hour, false},
		{"", 0, true},
		{"abc", 0, true},
		{"-5", 0, true},
		{"-1s", 0, true},
		{"1:-2:3", 0, true},
		{"60:60:60", 0, true},
		{"1:60", 0, true},
		{"1:2:60", 0, true},
		{"1:+2:3", 0, true},
		{"0:59:59", 59*time.Minute + 59*time.Second, false},
		{"75:30", 75*time.Minute + 30*time.Second, false},
		{"1:2:3:4", 0, true},
		{"01::03", 0, true},
		{"1:2:", 0, true},
		{"1h 2m", 0, true},
		{"1000:00:01", 0, true},
		{"1001h", 0, true},
		{"99999999999999999999", 0, true},
		{"9223372036854775807:00", 0, true},
		{"153722867280912930:00:00", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseOffset(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseOffset(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZip", true},
		{" gzip ", true},
		{"deflate, gzip", true},
		{"gzip, deflate, br, zstd", true},
		{"gzip;q=1", true},
		{"gzip;q=0.5", true},
		{"gzip; q=0.001", true},
		{"gzip;q=0", false},
		{"gzip; q=0", false},
		{"gzip ; q = 0", false},
		{"gzip;q=0.0", false},
		{"gzip;Q=0", false},
		{"gzip;level=9;q=0", false},
		{"gzip;q=abc", false},
		{"gzipx", false},
		{"x-gzip-not", false},
		{"br, deflate", false},
		{"identity", false},
		{"*", true},
		{"*;q=0", false},
		{"br, *;q=0.1", true},
		{"gzip;q=0, *", false},
		{"*, gzip;q=0", false},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Accept-Encoding", tt.header)
			if got := acceptsGzip(r); got != tt.want {
				t.Errorf("acceptsGzip(%q) = %v; want %v", tt.header, got, tt.want)
			}
		})
	}
}

// gzipOf is the gzip variant the server sends of f (nil: none).
func gzipOf(f *File) []byte { return (&cachedFile{File: f}).gzipped() }

// countingSite counts the bodies the server reads.
type countingSite struct {
	*Site
	bodies map[string]int
	mu     sync.Mutex
}

func (c *countingSite) SiteFile(p string) (*File, bool, error) {
	c.mu.Lock()
	c.bodies[p]++
	c.mu.Unlock()
	return c.Site.SiteFile(p)
}

// After a new generation the server serves what changed, and keeps what
// did not without reading its body again (its ETag says it is the same).
func TestCacheAcrossGenerations(t *testing.T) {
	site := NewSite()
	st := SiteState{Key: "k", Store: "db"}
	if _, err := site.PutSite(st, []*File{newFile("/a.txt", "text/plain", []byte("a1"), testCreated), newFile("/b.txt", "text/plain", []byte("b1"), testCreated)}, nil); err != nil {
		t.Fatal(err)
	}
	cs := &countingSite{Site: site, bodies: map[string]int{}}
	srv := testServer(t, Deps{Site: cs, Generation: site.Generation})
	for _, p := range []string{"/a.txt", "/b.txt"} {
		do(t, "GET", srv.URL+p)
	}
	if _, err := site.PutSite(st, []*File{newFile("/a.txt", "text/plain", []byte("a2"), testCreated)}, nil); err != nil {
		t.Fatal(err)
	}
	if _, body := do(t, "GET", srv.URL+"/a.txt"); string(body) != "a2" {
		t.Errorf("/a.txt after it changed = %q; want a2", body)
	}
	if _, body := do(t, "GET", srv.URL+"/b.txt"); string(body) != "b1" {
		t.Errorf("/b.txt = %q; want b1", body)
	}
	if cs.bodies["/a.txt"] != 2 || cs.bodies["/b.txt"] != 1 {
		t.Errorf("bodies read: /a.txt %d, /b.txt %d; want 2 (it changed) and 1 (it did not)", cs.bodies["/a.txt"], cs.bodies["/b.txt"])
	}
}
