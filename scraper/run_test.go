package scraper

import (
	"context"
	"errors"
	"maps"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/config"
	"github.com/ospofeed/ospofeed/internal/fixture"
)

const (
	event2023 = "https://www.un.org/techenvoy/content/ospos-good-2023"
	event2024 = "https://www.un.org/techenvoy/content/ospos-good-2024"
	event2025 = "https://www.un.org/digital-emerging-technologies/content/open-source-week-2025"
	event2026 = "https://www.un.org/digital-emerging-technologies/content/open-source-week-2026"
)

// memory is a Memory the way the store fills it, kept simple: one source,
// pages by URL, the last observation of each item, last write wins.
type memory struct {
	mu     sync.Mutex
	pages  map[string]ospofeed.Page
	obs    map[string]ospofeed.Item
	events []ospofeed.Item
	// panicOn makes Page panic for the URLs it accepts.
	panicOn func(url string) bool
}

func newMemory(events ...ospofeed.Item) *memory {
	return &memory{pages: map[string]ospofeed.Page{}, obs: map[string]ospofeed.Item{}, events: events}
}

func (m *memory) Page(_, url string) (ospofeed.Page, bool, error) {
	if m.panicOn != nil && m.panicOn(url) {
		panic("memory: page " + url)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.pages[url]
	return p, ok, nil
}

func (m *memory) Observation(_, id string) (ospofeed.Item, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.obs[id]
	return it, ok, nil
}

func (m *memory) Events() ([]ospofeed.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.events), nil
}

// seen is what a crawl reported: the items it emitted, then the
// remembered observations of those a 304 replayed.
func (m *memory) seen(res ospofeed.CrawlResult) []ospofeed.Item {
	out := slices.Clone(res.Items)
	for _, id := range res.Replayed {
		if it, ok, _ := m.Observation("", id); ok {
			out = append(out, it)
		}
	}
	return out
}

// learn remembers what a crawl found, for the next one.
func (m *memory) learn(res ospofeed.CrawlResult) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range res.Pages {
		m.pages[p.URL] = p
	}
	for _, it := range res.Items {
		m.obs[it.ID] = it
	}
}

// contentPages drops the robots.txt pages a crawl remembers beside its
// content pages.
func contentPages(pages []ospofeed.Page) []ospofeed.Page {
	var out []ospofeed.Page
	for _, p := range pages {
		if !strings.HasSuffix(p.URL, "/robots.txt") {
			out = append(out, p)
		}
	}
	return out
}

// latest maps each item id to its last observation in items.
func latest(items []ospofeed.Item) map[string]ospofeed.Item {
	out := map[string]ospofeed.Item{}
	for _, it := range items {
		out[it.ID] = it
	}
	return out
}

func sortedIDs(m map[string]ospofeed.Item) []string { return slices.Sorted(maps.Keys(m)) }

func eventSource(id, url string) ospofeed.Source {
	return ospofeed.Source{ID: id, Kind: "un-event", Name: "Event " + id, URL: url, Keywords: []string{"OSPOs for Good"}}
}

// run crawls src once over the fixture and checks what every crawl must
// give: valid items, an honest User-Agent.
func run(t *testing.T, site *fixture.Site, edit func(*config.Config), src ospofeed.Source, mem Memory) ospofeed.CrawlResult {
	t.Helper()
	cfg := testConfig(site)
	if edit != nil {
		edit(cfg)
	}
	res := Run(context.Background(), cfg, src, mem, Options{Version: "test"})
	if res.Source != src.ID || res.Start.IsZero() || res.End.Before(res.Start) {
		t.Errorf("Run(%s): Source, Start, End = %q, %v, %v", src.ID, res.Source, res.Start, res.End)
	}
	for _, it := range res.Items {
		checkItem(t, "Run("+src.ID+") item "+it.ID, it)
	}
	for _, r := range site.Requests() {
		if r.UserAgent != testUA {
			t.Errorf("Run(%s): %s %s%s with User-Agent %q; want %q", src.ID, r.Method, r.Host, r.Path, r.UserAgent, testUA)
		}
	}
	return res
}

func posts(site *fixture.Site) int {
	n := 0
	for _, r := range site.Requests() {
		if r.Method == http.MethodPost {
			n++
		}
	}
	return n
}

func TestRunUNEvent2024(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	mem := newMemory()
	src := eventSource("ospos-good-2024", event2024)
	res := run(t, site, nil, src, mem)
	if res.Err != nil {
		t.Fatalf("Run(%s).Err = %v; want nil", src.ID, res.Err)
	}
	recs := []string{assetURL("k1ma4k9rff"), assetURL("k1uvv0xd6d"), assetURL("k1qmxhno3c"), assetURL("k1517v486n")}
	got := latest(res.Items)
	if want := append([]string{event2024}, recs...); !slices.Equal(sortedIDs(got), slices.Sorted(slices.Values(want))) {
		t.Fatalf("Run(%s) items = %q; want %q", src.ID, sortedIDs(got), want)
	}

	ev := got[event2024]
	if ev.Kind != ospofeed.KindEvent || ev.Title != "OSPOs for Good 2024" || !ev.Start.Equal(ymd(2024, 7, 9)) || !ev.End.Equal(ymd(2024, 7, 10)) {
		t.Errorf("event = %q %q %v..%v; want event \"OSPOs for Good 2024\" 2024-07-09..2024-07-10", ev.Kind, ev.Title, ev.Start, ev.End)
	}
	if !slices.Equal(ev.Recordings, recs) {
		t.Errorf("event.Recordings = %q; want %q (page order)", ev.Recordings, recs)
	}
	if !slices.Equal(ev.Keywords, src.Keywords) {
		t.Errorf("event.Keywords = %q; want %q", ev.Keywords, src.Keywords)
	}

	want := []struct {
		id, title, kaltura string
		duration           time.Duration
	}{
		{"k1ma4k9rff", "(Day 1, Part 1) OSPOs for Good 2024 - Opening Session and Keynote Addresses", "1_ma4k9rff", hms(2, 58, 11)},
		{"k1uvv0xd6d", "(Day 1, Part 2) OSPOs for Good 2024 - Open Source for the Sustainable Development Goals", "1_uvv0xd6d", hms(3, 1, 40)},
		{"k1qmxhno3c", "(Day 2, Part 1) OSPOs for Good 2024 - Building OSPO Capacity in Governments and Academia", "1_qmxhno3c", 10800 * time.Second}, // from Kaltura
		{"k1517v486n", "(Day 2, Part 2) OSPOs for Good 2024 - Closing Session: Recommendations and the Way Forward", "1_n4r7c2kd", hms(2, 45, 3)},     // alias resolved
	}
	for _, w := range want {
		r := got[assetURL(w.id)]
		if r.Title != w.title || r.Duration != w.duration || r.KalturaID != w.kaltura {
			t.Errorf("recording %s = %q, %v, %q; want %q, %v, %q", w.id, r.Title, r.Duration, r.KalturaID, w.title, w.duration, w.kaltura)
		}
		if !slices.Equal(r.Events, []string{event2024}) {
			t.Errorf("recording %s: Events = %q; want [%s]", w.id, r.Events, event2024)
		}
		if r.Authority != ospofeed.AuthorityPage || r.Live || r.Withdrawn {
			t.Errorf("recording %s: Authority, Live, Withdrawn = %d, %v, %v; want %d, false, false", w.id, r.Authority, r.Live, r.Withdrawn, ospofeed.AuthorityPage)
		}
		if wantThumb := "https://cfvod.kaltura.com/p/2503451/sp/250345100/thumbnail/entry_id/" + w.kaltura + "/version/100001"; r.Thumbnail != wantThumb {
			t.Errorf("recording %s: Thumbnail = %q; want %q", w.id, r.Thumbnail, wantThumb)
		}
	}
	if res.Fetched != 5 || res.NotModified != 0 || len(contentPages(res.Pages)) != 5 {
		t.Errorf("Run(%s) Fetched, NotModified, Pages = %d, %d, %d; want 5, 0, 5", src.ID, res.Fetched, res.NotModified, len(contentPages(res.Pages)))
	}
	if len(res.Warnings) > 0 {
		t.Errorf("Run(%s) warnings = %q; want none", src.ID, res.Warnings)
	}
	if n := posts(site); n != 2 {
		t.Errorf("Run(%s) made %d Kaltura calls; want 2 (the batch and the alias)", src.ID, n)
	}

	// The second crawl remembers: every page answers 304 and the same
	// observations come out, without asking Kaltura again.
	mem.learn(res)
	site.ResetLog()
	res2 := run(t, site, nil, src, mem)
	if res2.Err != nil {
		t.Fatalf("second Run(%s).Err = %v; want nil", src.ID, res2.Err)
	}
	var pages int
	for _, r := range site.Requests() {
		if r.Path == "/robots.txt" {
			continue
		}
		pages++
		if r.Method != http.MethodGet || r.Status != http.StatusNotModified || r.IfNoneMatch == "" {
			t.Errorf("second Run: %s %s%s answered %d (If-None-Match %q); want a conditional GET answered 304", r.Method, r.Host, r.Path, r.Status, r.IfNoneMatch)
		}
	}
	if pages != 5 || res2.NotModified != 5 || res2.Fetched != 0 {
		t.Errorf("second Run: %d pages requested, Fetched = %d, NotModified = %d; want 5, 0, 5", pages, res2.Fetched, res2.NotModified)
	}
	got2 := latest(mem.seen(res2))
	if !slices.Equal(sortedIDs(got2), sortedIDs(got)) {
		t.Fatalf("second Run items = %q; want %q", sortedIDs(got2), sortedIDs(got))
	}
	for id, it := range got {
		if !reflect.DeepEqual(got2[id], it) {
			t.Errorf("second Run: item %s =\n%+v\nwant\n%+v", id, got2[id], it)
		}
	}
	if n := len(contentPages(res2.Pages)); n != 5 {
		t.Errorf("second Run: %d pages remembered; want 5", n)
	}
}

func TestRunUNEventOthers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url string
		check     func(t *testing.T, got map[string]ospofeed.Item)
	}{
		{"2023", event2023, func(t *testing.T, got map[string]ospofeed.Item) {
			r := got[assetURL("k1w3gq7z2p")]
			if r.Duration != hms(3, 25, 47) || !slices.Equal(r.Events, []string{event2023}) {
				t.Errorf("k1w3gq7z2p: Duration, Events = %v, %q; want 3h25m47s, [%s]", r.Duration, r.Events, event2023)
			}
		}},
		{"2025 withdrawn", event2025, func(t *testing.T, got map[string]ospofeed.Item) {
			gone := got[assetURL("k1zq0gone1")]
			if !gone.Withdrawn || !slices.Equal(gone.Events, []string{event2025}) {
				t.Errorf("k1zq0gone1: Withdrawn, Events = %v, %q; want true, [%s]", gone.Withdrawn, gone.Events, event2025)
			}
			if r := got[assetURL("k1d5r8t2xa")]; r.Withdrawn || r.Duration != hms(5, 47, 12) {
				t.Errorf("k1d5r8t2xa: Withdrawn, Duration = %v, %v; want false, 5h47m12s", r.Withdrawn, r.Duration)
			}
		}},
		{"2026 live", event2026, func(t *testing.T, got map[string]ospofeed.Item) {
			if live := got[assetURL("k1lv8nw2qa")]; !live.Live || live.Title != "UN Open Source Week 2026: OSPOs for Good - Live" {
				t.Errorf("k1lv8nw2qa: Live, Title = %v, %q; want true and its title", live.Live, live.Title)
			}
			if r := got[assetURL("k14ej1ucqu")]; r.Live || r.Duration != hms(3, 10, 0) {
				t.Errorf("k14ej1ucqu: Live, Duration = %v, %v; want false, 3h10m", r.Live, r.Duration)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			site := newSite(t)
			src := eventSource("event-"+tt.name[:4], tt.url)
			res := run(t, site, nil, src, newMemory())
			if res.Err != nil {
				t.Fatalf("Run(%s).Err = %v; want nil", tt.url, res.Err)
			}
			got := latest(res.Items)
			ev := got[tt.url]
			if ev.Kind != ospofeed.KindEvent || len(ev.Recordings) == 0 {
				t.Fatalf("Run(%s) event = %+v; want the event with its recordings", tt.url, ev)
			}
			for _, r := range ev.Recordings {
				if _, ok := got[r]; !ok {
					t.Errorf("Run(%s): recording %s listed by the event but not emitted", tt.url, r)
				}
			}
			tt.check(t, got)
		})
	}
}

func TestRunKalturaDown(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	site.SetKalturaDown(true)
	src := eventSource("ospos-good-2024", event2024)
	res := run(t, site, func(c *config.Config) { c.Crawl.MaxBackoff = 20 * time.Millisecond }, src, newMemory())
	if res.Err != nil {
		t.Fatalf("Run(%s) with Kaltura down: Err = %v; want nil", src.ID, res.Err)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(strings.ToLower(w), "kaltura") }) {
		t.Errorf("Run(%s) with Kaltura down: warnings = %q; want one about Kaltura", src.ID, res.Warnings)
	}
	got := latest(res.Items)
	if r := got[assetURL("k1qmxhno3c")]; r.Duration != 0 || r.Title == "" {
		t.Errorf("k1qmxhno3c: Duration, Title = %v, %q; want no duration, its page's title", r.Duration, r.Title)
	}
	if r := got[assetURL("k1517v486n")]; r.KalturaID != "1_517v486n" || r.Duration != hms(2, 45, 3) {
		t.Errorf("k1517v486n: KalturaID, Duration = %q, %v; want the page's 1_517v486n, 2h45m3s", r.KalturaID, r.Duration)
	}
	if len(got) != 5 {
		t.Errorf("Run(%s) with Kaltura down gave %d items; want 5", src.ID, len(got))
	}
}

func TestRunSchedule(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	ev := ospofeed.Item{ID: event2024, Kind: ospofeed.KindEvent, URL: event2024, Title: "OSPOs for Good 2024",
		Keywords: []string{"OSPOs for Good"}, Start: ymd(2024, 7, 9), End: ymd(2024, 7, 10), AllDay: true,
		Sources: []string{"ospos-good-2024"}}
	mem := newMemory(ev)
	src := ospofeed.Source{ID: "unwebtv-schedule", Kind: "unwebtv-schedule", Name: "UN Web TV schedule", URL: "https://webtv.un.org/en/schedule"}
	res := run(t, site, nil, src, mem)
	if res.Err != nil {
		t.Fatalf("Run(%s).Err = %v; want nil", src.ID, res.Err)
	}
	at := func(d, h int) time.Time { return time.Date(2024, time.July, d, h, 0, 0, 0, time.UTC) }
	want := map[string]struct {
		start    time.Time
		duration time.Duration
	}{
		assetURL("k1ma4k9rff"): {at(9, 10), hms(2, 58, 11)},
		assetURL("k1uvv0xd6d"): {at(9, 15), hms(3, 1, 40)},
		assetURL("k1qmxhno3c"): {at(10, 10), 10800 * time.Second}, // 00:00:00 on the card and none on the page: Kaltura's
		assetURL("k1517v486n"): {at(10, 15), hms(2, 45, 3)},
	}
	got := latest(res.Items)
	if !slices.Equal(sortedIDs(got), slices.Sorted(maps.Keys(want))) {
		t.Fatalf("Run(%s) items = %q; want the four OSPOs for Good sessions", src.ID, sortedIDs(got))
	}
	for id, w := range want {
		r := got[id]
		if !r.Start.Equal(w.start) || r.Duration != w.duration || !slices.Equal(r.Events, []string{event2024}) {
			t.Errorf("%s: Start, Duration, Events = %v, %v, %q; want %v, %v, [%s]", id, r.Start, r.Duration, r.Events, w.start, w.duration, event2024)
		}
		if r.Title == "" || r.Kind != ospofeed.KindRecording {
			t.Errorf("%s: Title, Kind = %q, %q; want a title, recording", id, r.Title, r.Kind)
		}
	}
	// Only the sessions that carry the keywords are fetched.
	var assets []string
	for _, r := range site.Requests() {
		if strings.Contains(r.Path, "/asset/") {
			assets = append(assets, "https://"+r.Host+r.Path)
		}
	}
	slices.Sort(assets)
	if !slices.Equal(assets, sortedIDs(got)) {
		t.Errorf("Run(%s) fetched assets %q; want only %q", src.ID, assets, sortedIDs(got))
	}
	for _, d := range []string{"2024-07-09", "2024-07-10"} {
		if n := site.Count(fixture.HostWebTV, "/en/schedule/"+d); n != 1 {
			t.Errorf("schedule of %s fetched %d times; want 1", d, n)
		}
	}

	// Again, with memory: 304s, the same sessions, their events kept.
	mem.learn(res)
	site.ResetLog()
	res2 := run(t, site, nil, src, mem)
	if res2.Err != nil || res2.Fetched != 0 || res2.NotModified != 6 {
		t.Errorf("second Run(%s): Err, Fetched, NotModified = %v, %d, %d; want nil, 0, 6", src.ID, res2.Err, res2.Fetched, res2.NotModified)
	}
	got2 := latest(mem.seen(res2))
	for id, it := range got {
		if !reflect.DeepEqual(got2[id], it) {
			t.Errorf("second Run: item %s =\n%+v\nwant\n%+v", id, got2[id], it)
		}
	}
}

func TestRunScheduleWithoutEvents(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	src := ospofeed.Source{ID: "unwebtv-schedule", Kind: "unwebtv-schedule", URL: "https://webtv.un.org/en/schedule"}
	res := run(t, site, nil, src, newMemory())
	if res.Err != nil || len(res.Items) != 0 || len(res.Warnings) == 0 {
		t.Errorf("Run(%s) without events: Err, items, warnings = %v, %d, %q; want nil, 0, a warning", src.ID, res.Err, len(res.Items), res.Warnings)
	}
	if reqs := site.Requests(); len(reqs) != 0 {
		t.Errorf("Run(%s) without events made %d requests; want 0", src.ID, len(reqs))
	}
}

func TestRunBrokenEventPage(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body string }{
		{"no links", "<html><body><p>Nothing <b>here"},
		{"binary", "\x00\xff\xfe<<<>>>\x1b[0m</html></html><a href=\"javascript:x\">"},
		{"empty", ""},
		{"dead links", `<a href="https://webtv.un.org/en/asset/k1x/k1xnotthere">A session that vanished</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			site := newSite(t)
			site.Set(fixture.HostUN, "/techenvoy/content/ospos-good-2024", "", tt.body)
			src := eventSource("ospos-good-2024", event2024)
			res := run(t, site, nil, src, newMemory())
			if res.Err != nil {
				t.Fatalf("Run(%s) on a broken page: Err = %v; want nil", src.ID, res.Err)
			}
			ev, ok := latest(res.Items)[event2024]
			if !ok || ev.Title != src.Name {
				t.Errorf("Run(%s) on a broken page: event = %+v; want it, titled %q", src.ID, ev, src.Name)
			}
			if len(res.Warnings) == 0 {
				t.Errorf("Run(%s) on a broken page: no warnings; want some", src.ID)
			}
		})
	}
}

func TestRunFailures(t *testing.T) {
	t.Parallel()
	t.Run("event page gone", func(t *testing.T) {
		t.Parallel()
		site := newSite(t)
		site.Remove(fixture.HostUN, "/techenvoy/content/ospos-good-2024")
		res := run(t, site, nil, eventSource("ospos-good-2024", event2024), newMemory())
		var se *StatusError
		if !errors.As(res.Err, &se) || se.Status != http.StatusNotFound {
			t.Errorf("Run on a 404 event page: Err = %v; want a 404 *StatusError", res.Err)
		}
	})
	t.Run("unknown kind", func(t *testing.T) {
		t.Parallel()
		site := newSite(t)
		res := run(t, site, nil, ospofeed.Source{ID: "x", Kind: "nope", URL: event2024}, newMemory())
		if res.Err == nil || len(site.Requests()) != 0 {
			t.Errorf("Run of an unknown kind: Err = %v, %d requests; want an error, none", res.Err, len(site.Requests()))
		}
	})
	t.Run("canceled", func(t *testing.T) {
		t.Parallel()
		site := newSite(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		res := Run(ctx, testConfig(site), eventSource("ospos-good-2024", event2024), newMemory(), Options{Version: "test"})
		if !errors.Is(res.Err, context.Canceled) {
			t.Errorf("Run with a canceled context: Err = %v; want %v", res.Err, context.Canceled)
		}
	})
	t.Run("panic in an asset crawl", func(t *testing.T) {
		t.Parallel()
		site := newSite(t)
		mem := newMemory()
		mem.panicOn = func(url string) bool { return strings.Contains(url, "k1qmxhno3c") }
		res := run(t, site, nil, eventSource("ospos-good-2024", event2024), mem)
		if res.Err == nil || !strings.Contains(res.Err.Error(), "panic") {
			t.Errorf("Run with a panicking memory: Err = %v; want a failed crawl naming the panic", res.Err)
		}
		if _, ok := latest(res.Items)[event2024]; !ok {
			t.Errorf("Run with a panicking memory: the event found before the panic is lost")
		}
	})
}

// TestRunAssetInterstitial: an asset page replaced by a page with neither a
// metadata block nor a player (a WAF challenge, an interstitial) fails that
// asset with a warning: nothing new is emitted for it and its validators
// are not remembered, so the stored recording stays as it was and the next
// run fetches the page again.
func TestRunAssetInterstitial(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body string }{
		{"challenge", `<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>` +
			`<noscript>Enable JavaScript and cookies to continue</noscript><script>window._cf_chl_opt={cType:'managed'};</script></body></html>`},
		{"empty article", `<html><head><title>Maintenance | UN Web TV</title></head><body>` +
			`<article class="media-asset"><p>UN Web TV is down for maintenance.</p></article></body></html>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			site := newSite(t)
			mem := newMemory()
			src := eventSource("ospos-good-2024", event2024)
			res := run(t, site, nil, src, mem)
			if res.Err != nil {
				t.Fatalf("first Run(%s).Err = %v; want nil", src.ID, res.Err)
			}
			mem.learn(res)
			asset := assetURL("k1ma4k9rff")
			stored := mem.obs[asset]
			if stored.Authority != ospofeed.AuthorityPage || stored.Title == "" {
				t.Fatalf("first Run: %s = %+v; want a page-authority recording", asset, stored)
			}

			site.Set(fixture.HostWebTV, "/en/asset/k1m/k1ma4k9rff", "", tt.body)
			res2 := run(t, site, nil, src, mem)
			if res2.Err != nil {
				t.Fatalf("second Run(%s).Err = %v; want nil", src.ID, res2.Err)
			}
			if site.Count(fixture.HostWebTV, "/en/asset/k1m/k1ma4k9rff") != 2 {
				t.Fatalf("asset page fetched %d times in two runs; want 2", site.Count(fixture.HostWebTV, "/en/asset/k1m/k1ma4k9rff"))
			}
			for _, it := range res2.Items {
				// The event page answered 304: its remembered items,
				// this recording among them, are re-emitted as stored.
				if it.ID == asset && !reflect.DeepEqual(it, stored) {
					t.Errorf("second Run emitted %s =\n%+v\nwant only the stored\n%+v", asset, it, stored)
				}
			}
			for _, p := range res2.Pages {
				if p.URL == asset {
					t.Errorf("second Run remembered %+v; want the interstitial's validators forgotten", p)
				}
			}
			if !slices.ContainsFunc(res2.Warnings, func(w string) bool { return strings.Contains(w, asset) && strings.Contains(w, "neither") }) {
				t.Errorf("second Run warnings = %q; want one naming %s", res2.Warnings, asset)
			}
		})
	}
}

// TestRunKalturaDownKeepsCanonicalID: when Kaltura does not answer, a
// freshly parsed recording keeps the canonical entry id this source stored
// before, not the page's (possibly an alias). Without a stored observation
// the page's id stays (TestRunKalturaDown).
func TestRunKalturaDownKeepsCanonicalID(t *testing.T) {
	t.Parallel()
	// A port nothing listens on: connections to it are refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	tests := []struct {
		name     string
		sabotage func(*fixture.Site, *config.Config)
	}{
		{"Kaltura answering 503", func(s *fixture.Site, _ *config.Config) { s.SetKalturaDown(true) }},
		{"Kaltura unreachable", func(_ *fixture.Site, c *config.Config) {
			c.Kaltura.Endpoint = "https://kaltura.test"
			c.Crawl.ConnectTo["kaltura.test"] = closed
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			site := newSite(t)
			mem := newMemory()
			src := eventSource("ospos-good-2024", event2024)
			res := run(t, site, nil, src, mem)
			asset := assetURL("k1517v486n")
			if got := latest(res.Items)[asset].KalturaID; res.Err != nil || got != "1_n4r7c2kd" {
				t.Fatalf("first Run: Err = %v, %s KalturaID = %q; want nil, 1_n4r7c2kd", res.Err, asset, got)
			}
			mem.learn(res)

			if err := site.Replace(fixture.HostWebTV, "/en/asset/k15/k1517v486n", "Closing session of OSPOs for Good 2024,", "Closing session (edited) of OSPOs for Good 2024,"); err != nil {
				t.Fatal(err)
			}
			res2 := run(t, site, func(c *config.Config) {
				c.Crawl.MaxBackoff = 20 * time.Millisecond
				tt.sabotage(site, c)
			}, src, mem)
			if res2.Err != nil {
				t.Fatalf("second Run(%s).Err = %v; want nil", src.ID, res2.Err)
			}
			if !slices.ContainsFunc(res2.Warnings, func(w string) bool { return strings.Contains(w, "kaltura") }) {
				t.Errorf("second Run warnings = %q; want one about Kaltura", res2.Warnings)
			}
			r := latest(res2.Items)[asset]
			if !strings.Contains(r.Summary, "(edited)") {
				t.Fatalf("second Run: %s Summary = %q; want the edited page parsed", asset, r.Summary)
			}
			if r.KalturaID != "1_n4r7c2kd" {
				t.Errorf("second Run: %s KalturaID = %q; want the stored canonical 1_n4r7c2kd, not the page's alias", asset, r.KalturaID)
			}
		})
	}
}
