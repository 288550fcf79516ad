package web_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/store"
	"github.com/ospofeed/ospofeed/web"
)

// world is a real store with a settable clock and a renderer over it, the
// way the app wires them.
type world struct {
	t   *testing.T
	db  *store.DB
	mu  sync.Mutex
	now time.Time
	r   *web.Renderer
	ctx web.Context
}

func newWorld(t *testing.T, entries int) *world {
	w := &world{t: t, now: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	db, err := store.Open(filepath.Join(t.TempDir(), "ospofeed.db"), store.Options{Now: w.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w.db = db
	w.r = &web.Renderer{R: db, S: db, Opt: web.Options{FeedEntries: entries}}
	w.ctx = web.Context{Info: web.Info{Title: "ospofeed", BaseURL: "https://feeds.example.org", Author: "tests", Version: "test"},
		Sources: []web.SourceView{{Source: ospofeed.Source{ID: "blog", Name: "Blog", Kind: "feed", URL: "https://blog.example.org/feed"}},
			{Source: ospofeed.Source{ID: "ev", Name: "Events", Kind: "un-event", URL: "https://www.un.org/ev"}}},
		Created: w.now, Today: w.now}
	return w
}

func (w *world) clock() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.now }

func (w *world) save(src string, items ...ospofeed.Item) {
	w.t.Helper()
	w.mu.Lock()
	w.now = w.now.Add(time.Hour)
	now := w.now
	w.mu.Unlock()
	if _, err := w.db.SaveCrawl(ospofeed.CrawlResult{Source: src, Start: now, End: now, Items: items}); err != nil {
		w.t.Fatal(err)
	}
}

// render renders what the store says is pending, as the app does.
func (w *world) render() web.Stats {
	w.t.Helper()
	p, err := w.db.Pending(5000)
	if err != nil {
		w.t.Fatal(err)
	}
	st, err := w.r.Render(w.ctx, web.Change{Items: p.IDs, Health: p.Health, All: p.More})
	if err != nil {
		w.t.Fatalf("Render: %v", err)
	}
	if err := w.db.ClearPending(p); err != nil {
		w.t.Fatal(err)
	}
	return st
}

func (w *world) file(p string) *web.File {
	w.t.Helper()
	f, ok, err := w.db.SiteFile(p)
	if err != nil || !ok {
		w.t.Fatalf("SiteFile(%s) = %v, %v", p, ok, err)
	}
	return f
}

func post(i int, title string) ospofeed.Item {
	id := fmt.Sprintf("https://blog.example.org/posts/%04d", i)
	return ospofeed.Item{ID: id, Kind: ospofeed.KindArticle, URL: id, Title: title,
		Date: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour), Authority: ospofeed.AuthorityFeed}
}

func posts(from, to int) []ospofeed.Item {
	var out []ospofeed.Item
	for i := from; i < to; i++ {
		out = append(out, post(i, fmt.Sprintf("Post %d", i)))
	}
	return out
}

// walk reads a subscription feed with gofeed, as a reader would, and
// follows its RFC 5005 prev-archive links to the first archive page.
func (w *world) walk(p string) (ids []string, docs int) {
	w.t.Helper()
	seen := map[string]bool{}
	for p != "" && docs < 1000 {
		f := w.file(p)
		parsed, err := gofeed.NewParser().ParseString(string(f.Body))
		if err != nil {
			w.t.Fatalf("gofeed %s: %v", p, err)
		}
		docs++
		if len(parsed.Items) > 10 {
			w.t.Errorf("%s has %d entries; want at most 10", p, len(parsed.Items))
		}
		for _, it := range parsed.Items {
			if !seen[it.GUID] {
				seen[it.GUID] = true
				ids = append(ids, it.GUID)
			}
		}
		archive := strings.Contains(string(f.Body), "<fh:archive></fh:archive>")
		if (docs > 1) != archive || (docs > 1) != f.Immutable {
			w.t.Errorf("%s: fh:archive %v, immutable %v; want both only on archive pages", p, archive, f.Immutable)
		}
		next := ""
		if i := strings.Index(string(f.Body), `rel="prev-archive"`); i >= 0 {
			start := strings.LastIndex(string(f.Body)[:i], `href="`) + len(`href="`)
			end := strings.Index(string(f.Body)[start:], `"`)
			next = strings.TrimPrefix(string(f.Body)[start:start+end], "https://feeds.example.org")
		}
		p = next
	}
	return ids, docs
}

// A reader of a bounded feed gets the newest entries and can walk the
// archives back to the first item; a full archive page is rendered once and
// never changes again.
func TestFeedArchives(t *testing.T) {
	w := newWorld(t, 10)
	w.save("blog", posts(0, 25)...)
	st := w.render()
	if !st.Full {
		t.Errorf("first render: Full = false")
	}
	head, err := gofeed.NewParser().ParseString(string(w.file("/feeds/news.atom").Body))
	if err != nil {
		t.Fatal(err)
	}
	if len(head.Items) != 10 || head.Items[0].Title != "Post 24" {
		t.Fatalf("news.atom: %d entries, first %q; want the newest 10, Post 24 first", len(head.Items), head.Items[0].Title)
	}
	first := w.file("/feeds/news/archive/1.atom")

	w.save("blog", posts(25, 47)...)
	st = w.render()
	if st.Full {
		t.Errorf("second render was full")
	}
	for _, p := range st.Changed {
		if p == "/feeds/news/archive/1.atom" || p == "/feeds/news/archive/2.atom" {
			t.Errorf("a full archive page was rendered again: %s", p)
		}
	}
	if again := w.file("/feeds/news/archive/1.atom"); again.ETag != first.ETag {
		t.Errorf("archive page 1 changed after it was full")
	}
	for _, feed := range []string{"/feeds/news.atom", "/feeds/all.atom", "/feeds/source/blog/all.atom"} {
		ids, docs := w.walk(feed)
		if len(ids) != 47 || docs != 5 {
			t.Errorf("walking %s: %d distinct entries in %d documents; want 47 in 5 (the head and 4 archive pages)", feed, len(ids), docs)
		}
	}
	// RSS and JSON Feed page the same way.
	rss := string(w.file("/feeds/news.rss").Body)
	if !strings.Contains(rss, `href="https://feeds.example.org/feeds/news/archive/4.rss" rel="prev-archive"`) {
		t.Errorf("news.rss does not link its newest archive page:\n%s", rss[:min(len(rss), 1500)])
	}
	if js := string(w.file("/feeds/news.json").Body); !strings.Contains(js, `"next_url": "https://feeds.example.org/feeds/news/archive/4.json"`) {
		t.Errorf("news.json has no next_url to its newest archive page")
	}
	// The listing pages page alike.
	if list := string(w.file("/news/").Body); !strings.Contains(list, `href="https://feeds.example.org/news/page/4/"`) {
		t.Errorf("/news/ does not link its older page")
	}
	if _, ok, _ := w.db.SiteFile("/news/page/1/"); !ok {
		t.Errorf("no /news/page/1/")
	}
}

// A render with nothing pending renders nothing; a change renders the
// pages and feeds that show it, not the store.
func TestRenderFollowsTheChange(t *testing.T) {
	w := newWorld(t, 10)
	ev := ospofeed.Item{ID: "https://www.un.org/ev/ospos-2026", Kind: ospofeed.KindEvent, URL: "https://www.un.org/ev/ospos-2026",
		Title: "OSPOs 2026", Start: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 6, 2, 0, 0, 0, 0, time.UTC), AllDay: true,
		Authority: ospofeed.AuthorityPage}
	var recs []ospofeed.Item
	for i := range 30 {
		id := fmt.Sprintf("https://webtv.un.org/en/asset/k1x/k1x%07d", i)
		ev.Recordings = append(ev.Recordings, id)
		recs = append(recs, ospofeed.Item{ID: id, Kind: ospofeed.KindRecording, URL: id, Title: fmt.Sprintf("Session %d", i),
			Date: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Duration: time.Hour, Events: []string{ev.ID}, Authority: ospofeed.AuthorityPage})
	}
	w.save("ev", append([]ospofeed.Item{ev}, recs...)...)
	w.save("blog", posts(0, 200)...)
	if st := w.render(); !st.Full || st.Rendered < 100 {
		t.Fatalf("first render = %+v; want a full one", st)
	}
	if st := w.render(); st.Rendered != 0 || len(st.Changed) != 0 {
		t.Errorf("render with nothing pending = %d rendered, %d changed; want nothing", st.Rendered, len(st.Changed))
	}
	// The same crawl again changes nothing, so renders nothing.
	w.save("blog", posts(0, 200)...)
	if st := w.render(); st.Rendered != 0 {
		t.Errorf("render after an unchanged crawl = %d files rendered; want 0", st.Rendered)
	}

	// One recording retitled: its page and citations, its event's page
	// and feed, the feeds that hold it, the index.
	retitled := recs[7]
	retitled.Title = "Session 7: the keynote"
	w.save("ev", retitled)
	st := w.render()
	t.Logf("one retitled recording: %d files rendered, %d changed: %q", st.Rendered, len(st.Changed), st.Changed)
	if st.Full || st.Rendered > 60 {
		t.Errorf("one retitled recording rendered %d files (full %v); want a few dozen at most", st.Rendered, st.Full)
	}
	slices.Sort(st.Changed)
	for _, want := range []string{"/recordings/k1x0000007/", "/recordings/k1x0000007/cite.bib", "/events/ospos-2026/",
		"/feeds/recordings.atom", "/feeds/event/ospos-2026/all.atom", "/", "/events/ospos-2026/event.ics"} {
		if _, ok := slices.BinarySearch(st.Changed, want); !ok {
			t.Errorf("retitling a recording did not change %s (changed: %q)", want, st.Changed)
		}
	}
	for _, p := range st.Changed {
		if strings.HasPrefix(p, "/recordings/") && !strings.HasPrefix(p, "/recordings/k1x0000007/") && p != "/recordings/" {
			t.Errorf("retitling one recording changed %s", p)
		}
		if strings.Contains(p, "/news") {
			t.Errorf("retitling a recording changed %s", p)
		}
	}
	if page := string(w.file("/recordings/k1x0000007/").Body); !strings.Contains(page, "Session 7: the keynote") {
		t.Errorf("the recording's page does not show its new title")
	}
	if page := string(w.file("/events/ospos-2026/").Body); !strings.Contains(page, "Session 7: the keynote") {
		t.Errorf("the event's page does not show the recording's new title")
	}
}

// An article that starts linking to a recording makes the recording's
// page say so, without rendering anything else of the event.
func TestMentionRendersTheMentionedPage(t *testing.T) {
	w := newWorld(t, 10)
	rec := ospofeed.Item{ID: "https://webtv.un.org/en/asset/k1y/k1yabc", Kind: ospofeed.KindRecording, URL: "https://webtv.un.org/en/asset/k1y/k1yabc",
		Title: "Closing", Date: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Authority: ospofeed.AuthorityPage}
	w.save("ev", rec)
	w.render()
	a := post(1, "A report")
	a.Links = []ospofeed.Link{{Title: "the recording", URL: "https://webtv.un.org/en/asset/k1y/k1yabc"}}
	w.save("blog", a)
	st := w.render()
	if !slices.Contains(st.Changed, "/recordings/k1yabc/") {
		t.Fatalf("a new mention did not change the recording's page: %q", st.Changed)
	}
	if page := string(w.file("/recordings/k1yabc/").Body); !strings.Contains(page, "Mentioned in") || !strings.Contains(page, "A report") {
		t.Errorf("the recording's page does not say it is mentioned in the report")
	}
}
