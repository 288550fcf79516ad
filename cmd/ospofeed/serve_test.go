package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/ospofeed/ospofeed/internal/fixture"
	"github.com/ospofeed/ospofeed/store"
)

// The OSPOs for Good 2024 recordings as the fixture pages and Kaltura give
// them.
var want2024 = []struct{ id, title, date, duration string }{
	{"https://webtv.un.org/en/asset/k1m/k1ma4k9rff", "(Day 1, Part 1) OSPOs for Good 2024 - Opening Session and Keynote Addresses", "2024-07-09", "02:58:11"},
	{"https://webtv.un.org/en/asset/k1u/k1uvv0xd6d", "(Day 1, Part 2) OSPOs for Good 2024 - Open Source for the Sustainable Development Goals", "2024-07-09", "03:01:40"},
	{"https://webtv.un.org/en/asset/k1q/k1qmxhno3c", "(Day 2, Part 1) OSPOs for Good 2024 - Building OSPO Capacity in Governments and Academia", "2024-07-10", "03:00:00"},
	{"https://webtv.un.org/en/asset/k15/k1517v486n", "(Day 2, Part 2) OSPOs for Good 2024 - Closing Session: Recommendations and the Way Forward", "2024-07-10", "02:45:03"},
}

const event2024 = "https://www.un.org/techenvoy/content/ospos-good-2024"

// server is `ospofeed serve` running in-process on a loopback port.
type server struct {
	base   string
	cancel context.CancelFunc
	done   chan error
	stderr *syncBuffer
}

func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	return startServeEnv(t, nil, args...)
}

// startServeEnv is startServe with an environment.
func startServeEnv(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	s := &server{cancel: cancel, done: make(chan error, 1), stderr: &stderr}
	go func() {
		s.done <- run(ctx, append([]string{"ospofeed", "serve", "--addr", "127.0.0.1:0"}, args...), envOf(env), &stdout, &stderr)
	}()
	re := regexp.MustCompile(`serving (http://[0-9.:]+)/`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			s.base = m[1]
			t.Cleanup(func() { s.stop(t) })
			return s
		}
		select {
		case err := <-s.done:
			t.Fatalf("serve exited early: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not start:\n%s", stderr.String())
	return nil
}

func (s *server) stop(t *testing.T) {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("serve returned %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("serve did not stop within 30s of SIGTERM")
	}
}

func get(t *testing.T, u string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	tr := &http.Transport{DisableCompression: true}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func crawlFixture(t *testing.T) (site *fixture.Site, cfg, db string) {
	t.Helper()
	site = fixture.New()
	t.Cleanup(site.Close)
	cfg = testConfig(t, site, "")
	db = filepath.Join(t.TempDir(), "ospofeed.db")
	if _, stderr, err := runCmd(context.Background(), "crawl", "--config", cfg, "--db", db); err != nil {
		t.Fatalf("crawl: %v\n%s", err, stderr)
	}
	return site, cfg, db
}

func TestServeEndToEnd(t *testing.T) {
	_, cfg, db := crawlFixture(t)
	s := startServe(t, "--config", cfg, "--db", db)

	// The index lists the event with its four recordings, titles, dates and durations.
	resp, body := get(t, s.base+"/")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	page := string(body)
	i := strings.Index(page, `id="ospos-good-2024"`)
	if i < 0 {
		t.Fatalf("index page has no OSPOs for Good 2024 event:\n%s", page)
	}
	section := page[i:]
	section = section[:strings.Index(section, "</article>")]
	if !strings.Contains(section, "9–10 July 2024") || !strings.Contains(section, "ECOSOC Chamber") {
		t.Errorf("event section lacks its dates or venue:\n%s", section)
	}
	last := -1
	for _, w := range want2024 {
		j := strings.Index(section, htmlEscape(w.title))
		if j < 0 {
			t.Errorf("event section lacks recording %q", w.title)
			continue
		}
		if j < last {
			t.Errorf("recording %q out of page order", w.title)
		}
		last = j
		li := section[j:]
		li = li[:strings.Index(li, "</li>")] // this recording's line only
		if !strings.Contains(li, `datetime="`+w.date+`"`) || !strings.Contains(li, w.duration) {
			t.Errorf("recording %q lacks date %s or duration %s", w.title, w.date, w.duration)
		}
	}
	for _, rel := range []string{"application/atom+xml", "application/rss+xml", "application/feed+json"} {
		if !strings.Contains(page, `<link rel="alternate" type="`+rel+`"`) {
			t.Errorf("index lacks %s autodiscovery", rel)
		}
	}

	// Every feed the OPML lists, in every format, reads back with gofeed.
	_, opml := get(t, s.base+"/feeds.opml")
	var doc struct {
		Outlines []struct {
			Outlines []struct {
				XMLURL string `xml:"xmlUrl,attr"`
			} `xml:"outline"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal(opml, &doc); err != nil {
		t.Fatalf("feeds.opml: %v", err)
	}
	var feeds []string
	for _, g := range doc.Outlines {
		for _, o := range g.Outlines {
			u, err := url.Parse(o.XMLURL)
			if err != nil || u.Host != "feeds.example.org" {
				t.Fatalf("OPML xmlUrl %q is not on the configured base URL", o.XMLURL)
			}
			stem := strings.TrimSuffix(u.Path, ".atom")
			feeds = append(feeds, stem+".atom", stem+".rss", stem+".json")
		}
	}
	if len(feeds) < 3*(3+4+5) {
		t.Fatalf("OPML lists %d feed documents", len(feeds))
	}
	parser := gofeed.NewParser()
	parsed := map[string]*gofeed.Feed{}
	for _, p := range feeds {
		resp, b := get(t, s.base+p)
		if resp.StatusCode != 200 {
			t.Errorf("GET %s = %d", p, resp.StatusCode)
			continue
		}
		f, err := parser.ParseString(string(b))
		if err != nil {
			t.Errorf("gofeed cannot read %s: %v", p, err)
			continue
		}
		parsed[p] = f
		ids := map[string]bool{}
		for _, it := range f.Items {
			if it.GUID == "" || ids[it.GUID] {
				t.Errorf("%s: empty or repeated id %q", p, it.GUID)
			}
			ids[it.GUID] = true
		}
	}
	for _, p := range []string{"/feeds/all.atom", "/feeds/all.rss", "/feeds/all.json", "/feeds/recordings.atom", "/feeds/event/ospos-good-2024/all.rss"} {
		f := parsed[p]
		if f == nil {
			t.Fatalf("%s not read", p)
		}
		byID := map[string]*gofeed.Item{}
		for _, it := range f.Items {
			byID[it.GUID] = it
		}
		for _, w := range want2024 {
			it := byID[w.id]
			if it == nil {
				t.Errorf("%s lacks %s", p, w.id)
				continue
			}
			if it.Title != w.title {
				t.Errorf("%s: title of %s = %q; want %q", p, w.id, it.Title, w.title)
			}
			if it.PublishedParsed == nil || it.PublishedParsed.UTC().Format(time.DateOnly) != w.date {
				t.Errorf("%s: date of %s = %v; want %s", p, w.id, it.PublishedParsed, w.date)
			}
			if !strings.Contains(it.Content+it.Description, w.duration) {
				t.Errorf("%s: entry of %s does not give duration %s", p, w.id, w.duration)
			}
			if !strings.Contains(it.Content+it.Description, "OSPOs for Good 2024") {
				t.Errorf("%s: entry of %s does not name its event", p, w.id)
			}
		}
	}

	// Validators, 304s, gzip, caching.
	resp, _ = get(t, s.base+"/feeds/all.atom")
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" || lm == "" {
		t.Fatalf("feed served without validators: %v", resp.Header)
	}
	if r, _ := get(t, s.base+"/feeds/all.atom", "If-None-Match", etag); r.StatusCode != 304 {
		t.Errorf("If-None-Match = %d; want 304", r.StatusCode)
	}
	if r, _ := get(t, s.base+"/feeds/all.atom", "If-Modified-Since", lm); r.StatusCode != 304 {
		t.Errorf("If-Modified-Since = %d; want 304", r.StatusCode)
	}
	r, gz := get(t, s.base+"/feeds/all.atom", "Accept-Encoding", "gzip")
	if r.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("no gzip for a client that accepts it")
	} else if zr, err := gzip.NewReader(strings.NewReader(string(gz))); err != nil {
		t.Error(err)
	} else if plain, _ := io.ReadAll(zr); !strings.Contains(string(plain), "<feed") {
		t.Error("gzip body is not the feed")
	}
	if cc := resp.Header.Get("Cache-Control"); !regexp.MustCompile(`max-age=\d{2,}`).MatchString(cc) {
		t.Errorf("Cache-Control = %q", cc)
	}

	// Health and metrics.
	resp, body = get(t, s.base+"/healthz")
	var h struct {
		Status  string
		Sources []struct {
			ID, Status  string
			LastSuccess time.Time `json:"last_success"`
		}
	}
	if err := json.Unmarshal(body, &h); err != nil || resp.StatusCode != 200 || h.Status != "ok" {
		t.Fatalf("/healthz = %d %s (%v)", resp.StatusCode, body, err)
	}
	if len(h.Sources) != 11 {
		t.Errorf("/healthz lists %d sources", len(h.Sources))
	}
	for _, src := range h.Sources {
		if src.Status != "ok" || src.LastSuccess.IsZero() {
			t.Errorf("/healthz source %s = %s, last success %v", src.ID, src.Status, src.LastSuccess)
		}
	}
	if _, m := get(t, s.base+"/metrics"); !strings.Contains(string(m), `ospofeed_items{kind="recording"} 14`) {
		t.Errorf("/metrics:\n%s", m)
	}

	// The container's HEALTHCHECK command.
	if out, _, err := runCmd(context.Background(), "healthcheck", "--addr", strings.TrimPrefix(s.base, "http://")); err != nil || !strings.HasPrefix(out, "ok: ") {
		t.Errorf("healthcheck against a running serve = %q, %v", out, err)
	}

	// A recording page carries citations and the metadata Zotero reads.
	_, rec := get(t, s.base+"/recordings/k1ma4k9rff/")
	for _, want := range []string{`<meta name="citation_title" content="(Day 1, Part 1) OSPOs for Good 2024`, `<meta name="citation_date" content="2024/07/09">`,
		`"@type":"VideoObject"`, `"duration":"PT2H58M11S"`, "@video{"} {
		if !strings.Contains(string(rec), htmlEscapeQuotes(want)) && !strings.Contains(string(rec), want) {
			t.Errorf("recording page lacks %s", want)
		}
	}
	if r, b := get(t, s.base+"/recordings/k1ma4k9rff/cite.txt?t=01:02:03"); r.StatusCode != 200 || !strings.Contains(string(b), "01:02:03") {
		t.Errorf("citation at an offset = %d %s", r.StatusCode, b)
	}

	// A second process on the same database fails fast, naming the cause
	// (when it may not ask serve's admin API: admin_test.go covers that).
	start := time.Now()
	_, _, err := runCmd(context.Background(), "sources", "--config", cfg, "--db", db, "--admin-addr", "off")
	if !errors.Is(err, store.ErrInUse) || exitCode(err) != 1 {
		t.Errorf("sources while serving = %v (exit %d); want ErrInUse", err, exitCode(err))
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("second opener took %s", time.Since(start))
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func htmlEscapeQuotes(s string) string {
	return strings.NewReplacer(`"`, "&#34;").Replace(s)
}

func TestRecrawlAfterTitleChangeKeepsIDsAndOtherEntries(t *testing.T) {
	site, cfg, db := crawlFixture(t)
	// Every entry in the subscription document, so that none moves to an
	// archive page when the change comes back at the head.
	withFeedEntries(t, cfg, 1000)
	out := filepath.Join(t.TempDir(), "site")
	ctx := context.Background()
	if _, stderr, err := runCmd(ctx, "crawl", "--config", cfg, "--db", db, "--out", out); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	before := readAtomEntries(t, filepath.Join(out, "feeds/all.atom"))
	const old = "(Day 1, Part 2) OSPOs for Good 2024 - Open Source for the Sustainable Development Goals"
	const neu = "(Day 1, Part 2) OSPOs for Good 2024 - Open Source and the SDGs"
	if err := site.Replace("webtv.un.org", "/en/asset/k1u/k1uvv0xd6d", old, neu); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // a new "updated" second
	if _, stderr, err := runCmd(ctx, "crawl", "--config", cfg, "--db", db, "--out", out); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	after := readAtomEntries(t, filepath.Join(out, "feeds/all.atom"))
	if len(after) != len(before) {
		t.Fatalf("entries %d -> %d", len(before), len(after))
	}
	changed := want2024[1].id
	for id, b := range before {
		a, ok := after[id]
		if !ok {
			t.Errorf("entry %s lost its id", id)
			continue
		}
		switch {
		case id == changed:
			if !strings.Contains(a.raw, "Open Source and the SDGs") || a.updated == b.updated {
				t.Errorf("changed entry: updated %s -> %s, title in entry: %v", b.updated, a.updated, strings.Contains(a.raw, neu))
			}
		case strings.Contains(b.raw, changed):
			// The event lists its recordings' titles, a post mentions
			// them: their text changes, but they did not, so their
			// updated stays.
			if a.updated != b.updated {
				t.Errorf("entry %s, which only names the recording, moved its updated: %s -> %s", id, b.updated, a.updated)
			}
		default:
			if a.raw != b.raw {
				t.Errorf("entry %s changed although its recording did not:\n%s\n---\n%s", id, b.raw, a.raw)
			}
		}
	}
}

type atomEntry struct{ updated, raw string }

func readAtomEntries(t *testing.T, path string) map[string]atomEntry {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]atomEntry{}
	re := regexp.MustCompile(`(?s)<entry>.*?</entry>`)
	for _, e := range re.FindAllString(string(b), -1) {
		id := regexp.MustCompile(`<id>(.*?)</id>`).FindStringSubmatch(e)
		up := regexp.MustCompile(`<updated>(.*?)</updated>`).FindStringSubmatch(e)
		if id == nil || up == nil {
			t.Fatalf("entry without id or updated:\n%s", e)
		}
		out[id[1]] = atomEntry{updated: up[1], raw: e}
	}
	return out
}

// withFeedEntries sets site.feed_entries in a test configuration file.
func withFeedEntries(t *testing.T, cfg string, n int) {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "  author: ospofeed tests\n", fmt.Sprintf("  author: ospofeed tests\n  feed_entries: %d\n", n), 1)
	if s == string(b) {
		t.Fatal("the test configuration has no site.author line")
	}
	if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
