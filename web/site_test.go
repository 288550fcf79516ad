package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/ospofeed/ospofeed"
)

// wantPaths is every path the test snapshot renders.
func wantPaths() []string {
	var out []string
	feedSet := func(dir string) {
		out = append(out, dir+".atom", dir+".rss", dir+".json")
	}
	out = append(out, "/", "/calendar.ics", "/feeds.opml", "/style.css", "/favicon.svg", "/cite.js", "/status/feed.atom",
		"/recordings/", "/events/", "/news/", "/ospos/", "/search/")
	for _, d := range []string{"/feeds/all", "/feeds/recordings", "/feeds/events", "/feeds/news", "/feeds/ospos", "/feeds/source/un-ospo-events/all", "/feeds/source/un-webtv/all"} {
		feedSet(d)
	}
	// The recordings by year and by language, listed and as feeds.
	for _, k := range []string{"year/2024", "year/2025", "language/english"} {
		feedSet("/feeds/" + k + "/all")
	}
	out = append(out, "/years/2024/", "/years/2025/", "/languages/english/")
	for _, slug := range []string{"ospos-good-2024", "open-source-week-2025", "dpg-briefing"} {
		feedSet("/feeds/event/" + slug + "/all")
		out = append(out, "/events/"+slug+"/", "/events/"+slug+"/event.ics")
	}
	recSlugs := []string{"k1z8lv3p2e", "k1wd0n3x7a"}
	for _, r := range recs2024 {
		recSlugs = append(recSlugs, r.slug)
	}
	for _, slug := range recSlugs {
		for _, f := range []string{"", "cite.bib", "cite.ris", "cite.json", "cite.txt", "cite.apa.txt", "cite.chicago.txt", "cite.mla.txt"} {
			out = append(out, "/recordings/"+slug+"/"+f)
		}
	}
	slices.Sort(out)
	return out
}

func TestBuildPaths(t *testing.T) {
	s := standardSite(t)
	got, want := s.Paths(), wantPaths()
	for _, p := range want {
		if _, ok := slices.BinarySearch(got, p); !ok {
			t.Errorf("Build(snapshot) lacks %s", p)
		}
	}
	for _, p := range got {
		if _, ok := slices.BinarySearch(want, p); !ok {
			t.Errorf("Build(snapshot) has unexpected %s", p)
		}
	}
	if !slices.IsSorted(got) {
		t.Errorf("Paths() = %v; want sorted", got)
	}
}

func TestBuildContentTypes(t *testing.T) {
	s := standardSite(t)
	tests := []struct{ path, want string }{
		{"/", "text/html; charset=utf-8"},
		{"/events/ospos-good-2024/", "text/html; charset=utf-8"},
		{"/recordings/k1ma4k9rff/", "text/html; charset=utf-8"},
		{"/feeds/all.atom", "application/atom+xml; charset=utf-8"},
		{"/feeds/recordings.rss", "application/rss+xml; charset=utf-8"},
		{"/feeds/events.json", "application/feed+json; charset=utf-8"},
		{"/feeds/event/ospos-good-2024/all.atom", "application/atom+xml; charset=utf-8"},
		{"/feeds/source/un-webtv/all.json", "application/feed+json; charset=utf-8"},
		{"/calendar.ics", "text/calendar; charset=utf-8"},
		{"/events/ospos-good-2024/event.ics", "text/calendar; charset=utf-8"},
		{"/feeds.opml", "text/x-opml; charset=utf-8"},
		{"/recordings/k1ma4k9rff/cite.bib", "application/x-bibtex; charset=utf-8"},
		{"/recordings/k1ma4k9rff/cite.ris", "application/x-research-info-systems; charset=utf-8"},
		{"/recordings/k1ma4k9rff/cite.json", "application/vnd.citationstyles.csl+json; charset=utf-8"},
		{"/recordings/k1ma4k9rff/cite.txt", "text/plain; charset=utf-8"},
		{"/style.css", "text/css; charset=utf-8"},
		{"/favicon.svg", "image/svg+xml"},
		{"/cite.js", "text/javascript; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			f, ok := s.File(tt.path)
			if !ok {
				t.Fatalf("File(%q) missing", tt.path)
			}
			if f.ContentType != tt.want {
				t.Errorf("File(%q).ContentType = %q; want %q", tt.path, f.ContentType, tt.want)
			}
			if len(f.Body) == 0 {
				t.Errorf("File(%q).Body is empty", tt.path)
			}
		})
	}
}

func TestBuildFileMetadata(t *testing.T) {
	s := standardSite(t)
	newest := time.Date(2025, 6, 9, 7, 0, 0, 0, time.UTC) // the live recording's Updated
	tests := []struct {
		path string
		want time.Time
	}{
		{"/", newest},
		{"/feeds/all.atom", newest},
		{"/feeds/events.rss", time.Date(2025, 5, 20, 8, 0, 0, 0, time.UTC)},
		{"/feeds/event/ospos-good-2024/all.json", time.Date(2024, 7, 11, 6, 30, 0, 0, time.UTC)},
		{"/feeds/source/un-webtv/all.atom", newest},
		{"/recordings/k1ma4k9rff/cite.bib", time.Date(2024, 7, 11, 6, 0, 0, 0, time.UTC)},
		{"/style.css", testCreated},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			f, _ := s.File(tt.path)
			if f == nil {
				t.Fatalf("File(%q) missing", tt.path)
			}
			if !f.Modified.Equal(tt.want) {
				t.Errorf("File(%q).Modified = %s; want %s", tt.path, f.Modified, tt.want)
			}
		})
	}
	etags := map[string]string{}
	for _, p := range s.Paths() {
		f, _ := s.File(p)
		if f.Path != p {
			t.Errorf("File(%q).Path = %q", p, f.Path)
		}
		if len(f.ETag) < 3 || f.ETag[0] != '"' || f.ETag[len(f.ETag)-1] != '"' || strings.ContainsAny(f.ETag[1:len(f.ETag)-1], `" `) {
			t.Errorf("File(%q).ETag = %s; want a strong quoted tag", p, f.ETag)
		}
		if other, dup := etags[f.ETag]; dup {
			t.Errorf("File(%q).ETag = File(%q).ETag = %s", p, other, f.ETag)
		}
		etags[f.ETag] = p
		gz := gzipOf(f)
		if gz == nil {
			if len(f.Body) > 512 && !strings.HasPrefix(f.ContentType, "image/") {
				t.Errorf("File(%q) (%d bytes, %s) has no gzip variant", p, len(f.Body), f.ContentType)
			}
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Errorf("gzip of %q: %v", p, err)
			continue
		}
		if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, f.Body) {
			t.Errorf("gzip of %q does not decompress to Body (%v)", p, err)
		}
	}
}

// sameSite reports how two sites differ, nil when they are byte-identical
// in every field.
func sameSite(a, b *Site) []string {
	var diffs []string
	if !slices.Equal(a.Paths(), b.Paths()) {
		return []string{"paths differ"}
	}
	for _, p := range a.Paths() {
		x, _ := a.File(p)
		y, _ := b.File(p)
		if !bytes.Equal(x.Body, y.Body) || x.ETag != y.ETag ||
			x.ContentType != y.ContentType || !x.Modified.Equal(y.Modified) {
			diffs = append(diffs, p)
		}
	}
	return diffs
}

func TestBuildIsDeterministic(t *testing.T) {
	first := standardSite(t)
	tests := []struct {
		name string
		snap func() Snapshot
	}{
		{"same snapshot", testSnapshot},
		{"items in another order", func() Snapshot {
			s := testSnapshot()
			r := rand.New(rand.NewPCG(1, 2))
			r.Shuffle(len(s.Items), func(i, j int) { s.Items[i], s.Items[j] = s.Items[j], s.Items[i] })
			return s
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			again := build(t, tt.snap())
			if !first.Equal(again) {
				t.Errorf("Build(%s).Equal(Build(snapshot)) = false; want true", tt.name)
			}
			if d := sameSite(first, again); d != nil {
				t.Errorf("Build(%s) differs from Build(snapshot) at %v", tt.name, d)
			}
		})
	}
}

func TestSiteEqual(t *testing.T) {
	a := standardSite(t)
	other := testSnapshot()
	other.Items[0].Title += " (updated)"
	b := build(t, other)
	if a.Equal(b) {
		t.Errorf("Equal(site with another title) = true; want false")
	}
	fewer := testSnapshot()
	fewer.Sources = fewer.Sources[:1]
	if c := build(t, fewer); a.Equal(c) || c.Equal(a) {
		t.Errorf("Equal(site with fewer paths) = true; want false")
	}
}

// TestBuildTodayOnlyByDay: Today decides the upcoming events by its day,
// so every render of one day is byte-identical.
func TestBuildTodayOnlyByDay(t *testing.T) {
	ref := standardSite(t)
	newYork := time.FixedZone("EDT", -4*3600)
	tests := []struct {
		name  string
		today time.Time
		same  bool
	}{
		{"midnight", time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC), true},
		{"after the briefing started", time.Date(2025, 6, 10, 14, 30, 0, 0, time.UTC), true},
		{"last second", time.Date(2025, 6, 10, 23, 59, 59, 999, time.UTC), true},
		{"same UTC day in another zone", time.Date(2025, 6, 10, 12, 0, 0, 0, newYork), true},
		{"next day", time.Date(2025, 6, 11, 0, 0, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := testSnapshot()
			snap.Today = tt.today
			s := build(t, snap)
			if got := s.Equal(ref); got != tt.same {
				t.Errorf("Build(Today=%s).Equal(Build(Today=%s)) = %v; want %v (differs at %v)", tt.today, testToday, got, tt.same, sameSite(s, ref))
			}
			if !tt.same {
				if d := sameSite(s, ref); !slices.Equal(d, []string{"/"}) {
					t.Errorf("Build(Today=%s) differs at %v; want only /", tt.today, d)
				}
			}
		})
	}
}

// section returns the <section id=...> of an HTML page.
func section(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `<section id="`+id+`"`)
	if i < 0 || !strings.ContainsRune(" >", rune(page[i+len(`<section id="`+id+`"`)])) {
		t.Fatalf("page has no section %q", id)
	}
	s := page[i:]
	return s[:strings.Index(s, "</section>")]
}

func TestIndexUpcomingAndPast(t *testing.T) {
	tests := []struct {
		name           string
		today          time.Time
		upcoming, past []string // event slugs, in page order
	}{
		{"before everything", day(2024, 1, 1), []string{"ospos-good-2024", "dpg-briefing", "open-source-week-2025"}, nil},
		{"first day of OSPOs for Good", day(2024, 7, 9), []string{"ospos-good-2024", "dpg-briefing", "open-source-week-2025"}, nil},
		{"last day of OSPOs for Good", time.Date(2024, 7, 10, 23, 0, 0, 0, time.UTC), []string{"ospos-good-2024", "dpg-briefing", "open-source-week-2025"}, nil},
		{"day after", day(2024, 7, 11), []string{"dpg-briefing", "open-source-week-2025"}, []string{"ospos-good-2024"}},
		{"day of the briefing", testToday, []string{"dpg-briefing", "open-source-week-2025"}, []string{"ospos-good-2024"}},
		{"during Open Source Week", day(2025, 6, 20), []string{"open-source-week-2025"}, []string{"dpg-briefing", "ospos-good-2024"}},
		{"after everything", day(2025, 6, 21), nil, []string{"open-source-week-2025", "dpg-briefing", "ospos-good-2024"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := testSnapshot()
			snap.Today = tt.today
			index := page(t, build(t, snap), "/")
			for _, sec := range []struct {
				id    string
				slugs []string
			}{{"upcoming", tt.upcoming}, {"past", tt.past}} {
				var got []string
				body := section(t, index, sec.id)
				for _, a := range strings.Split(body, `<article class="event" id="`)[1:] {
					got = append(got, a[:strings.Index(a, `"`)])
				}
				if !slices.Equal(got, sec.slugs) {
					t.Errorf("Build(Today=%s) %s events = %q; want %q", tt.today.Format(time.DateTime), sec.id, got, sec.slugs)
				}
				if len(sec.slugs) == 0 && !strings.Contains(body, `class="none"`) {
					t.Errorf("Build(Today=%s) empty %s section says nothing", tt.today.Format(time.DateTime), sec.id)
				}
			}
		})
	}
}

func TestIndexLists(t *testing.T) {
	s := standardSite(t)
	index := page(t, s, "/")
	past := section(t, index, "past")
	i := strings.Index(past, `id="ospos-good-2024"`)
	if i < 0 {
		t.Fatalf("past section has no OSPOs for Good 2024:\n%s", past)
	}
	ev := past[i:]
	for _, want := range []string{">OSPOs for Good 2024</a>", "9–10 July 2024", "ECOSOC Chamber, UN Headquarters, New York"} {
		if !strings.Contains(ev, want) {
			t.Errorf("index event lacks %q:\n%s", want, ev)
		}
	}
	last := -1
	for _, r := range recs2024 {
		j := strings.Index(ev, `<a href="`+testBase+`/recordings/`+r.slug+`/">`+htmlText(r.title)+`</a>`)
		if j < 0 {
			t.Errorf("index event lacks recording %q", r.title)
			continue
		}
		if j < last {
			t.Errorf("index event lists %q out of page order", r.title)
		}
		last = j
		li := ev[j:]
		li = li[:strings.Index(li, "</li>")]
		for _, want := range []string{`<time datetime="` + r.date + `">`, `<span class="duration">` + r.duration + `</span>`} {
			if !strings.Contains(li, want) {
				t.Errorf("index entry of %q lacks %s:\n%s", r.title, want, li)
			}
		}
	}

	latest := section(t, index, "latest")
	for _, want := range []string{
		`<li class="rec withdrawn">`,
		`<a href="` + testBase + `/recordings/k1wd0n3x7a/">Open Source Week: side event (withdrawn)</a>`,
		`<span class="badge">withdrawn</span>`,
		`Digital Public Goods Alliance: Open Source Week (Live)</a></p>` + "\n" + `<p class="rec-meta"><span class="badge">live</span>`,
		// Date and duration, separated; a picture of the right size, lazy.
		`<time datetime="2024-07-10">10 July 2024</time> · <span class="duration">02:45:03</span>`,
		`<img src="https://cfvod.kaltura.com/p/2503451/sp/250345100/thumbnail/entry_id/1_517v486n/width/320" alt="" width="160" height="90" loading="lazy" decoding="async">`,
	} {
		if !strings.Contains(latest, want) {
			t.Errorf("latest recordings lack %s:\n%s", want, latest)
		}
	}
	if news := section(t, index, "news"); !strings.Contains(news, "UN hosts its first OSPOs for Good conference") {
		t.Errorf("news section lacks the article:\n%s", news)
	}
	// Visitors read a short status with its date; the crawler's error is
	// for /healthz, `ospofeed sources` and the status feed.
	sources := section(t, index, "sources")
	for _, want := range []string{
		`<tr class="status-failed">`, `<td>unavailable since <time datetime="2025-06-09T00:00:00Z">9 June 2025</time></td>`,
		`<tr class="status-ok">`, `<td>working since <time datetime="2024-05-02T09:30:00Z">2 May 2024</time></td>`, ">UN OSPO events</a>",
	} {
		if !strings.Contains(sources, want) {
			t.Errorf("sources section lacks %s:\n%s", want, sources)
		}
	}
	if strings.Contains(index, "503 Service Unavailable") {
		t.Errorf("index shows the crawler's error to visitors")
	}
	feeds := section(t, index, "feeds")
	for _, p := range []string{"/feeds/all.atom", "/feeds/event/ospos-good-2024/all.rss", "/feeds/source/un-webtv/all.json", "/feeds.opml"} {
		if !strings.Contains(feeds, `href="`+testBase+p+`"`) {
			t.Errorf("feeds section lacks %s", p)
		}
	}
	for _, rel := range []string{
		`<link rel="alternate" type="application/atom+xml" title="ospofeed: everything (Atom)" href="` + testBase + `/feeds/all.atom">`,
		`<link rel="alternate" type="application/rss+xml" title="ospofeed: recordings (RSS)" href="` + testBase + `/feeds/recordings.rss">`,
		`<link rel="alternate" type="application/feed+json" title="ospofeed: events (JSON Feed)" href="` + testBase + `/feeds/events.json">`,
	} {
		if !strings.Contains(index, rel) {
			t.Errorf("index lacks autodiscovery %s", rel)
		}
	}
}

func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestEventPage(t *testing.T) {
	s := standardSite(t)
	p := page(t, s, "/events/ospos-good-2024/")
	for _, want := range []string{
		"<title>OSPOs for Good 2024</title>",
		"<h1>OSPOs for Good 2024</h1>",
		`<time datetime="2024-07-09">9–10 July 2024</time>`,
		"<dt>Where</dt><dd>ECOSOC Chamber, UN Headquarters, New York</dd>",
		`href="` + testBase + `/feeds/event/ospos-good-2024/all.atom"`,
		`href="` + testBase + `/events/ospos-good-2024/event.ics"`,
		`<link rel="alternate" type="application/atom+xml" title="OSPOs for Good 2024 (Atom)" href="` + testBase + `/feeds/event/ospos-good-2024/all.atom">`,
	} {
		if !strings.Contains(p, want) {
			t.Errorf("event page lacks %s", want)
		}
	}
	last := -1
	for _, r := range recs2024 {
		j := strings.Index(p, htmlText(r.title))
		if j < last || j < 0 {
			t.Errorf("event page lists %q at %d, after %d", r.title, j, last)
		}
		last = j
	}
	if p := page(t, s, "/events/open-source-week-2025/"); !strings.Contains(p, "No recordings yet.") {
		t.Errorf("event page without recordings does not say so")
	}
}

func TestRecordingPage(t *testing.T) {
	s := standardSite(t)
	p := page(t, s, "/recordings/k1ma4k9rff/")
	cite := strings.TrimSpace(page(t, s, "/recordings/k1ma4k9rff/cite.txt"))
	for _, want := range []string{
		`<meta name="citation_title" content="` + htmlText(recs2024[0].title) + `">`,
		`<meta name="citation_date" content="2024/07/09">`,
		// No citation_conference_title: Zotero would save a conference paper.
		`<meta name="DC.relation.ispartof" content="OSPOs for Good 2024">`,
		`<meta name="video:duration" content="02:58:11">`,
		`<link rel="canonical" href="` + testBase + `/recordings/k1ma4k9rff/">`,
		"<dt>Duration</dt><dd>02:58:11</dd>",
		`<p class="citation">` + htmlText(cite),
		htmlText(page(t, s, "/recordings/k1ma4k9rff/cite.bib")),
		htmlText(page(t, s, "/recordings/k1ma4k9rff/cite.ris")),
	} {
		if !strings.Contains(p, want) {
			t.Errorf("recording page lacks %s", want)
		}
	}
	ld := jsonLD(t, p)
	for k, want := range map[string]any{"@type": "VideoObject", "name": recs2024[0].title, "duration": "PT2H58M11S",
		"uploadDate": "2024-07-09T12:00:00Z", "url": recs2024[0].id} {
		if ld[k] != want {
			t.Errorf("JSON-LD %s = %v; want %v", k, ld[k], want)
		}
	}
	if ev, _ := ld["recordedAt"].(map[string]any); ev["name"] != "OSPOs for Good 2024" || ev["startDate"] != "2024-07-09" || ev["endDate"] != "2024-07-10" {
		t.Errorf("JSON-LD recordedAt = %v", ld["recordedAt"])
	}
	for _, tt := range []struct{ path, want string }{
		{"/recordings/k1wd0n3x7a/", "This recording has been withdrawn from UN Web TV"},
		{"/recordings/k1z8lv3p2e/", `<span class="badge">live stream</span>`},
		{"/recordings/k1z8lv3p2e/", `<time datetime="2025-06-10T14:00:00Z">10 June 2025, 14:00 UTC</time>`},
	} {
		if p := page(t, s, tt.path); !strings.Contains(p, tt.want) {
			t.Errorf("%s lacks %s", tt.path, tt.want)
		}
	}
}

// jsonLD decodes the one JSON-LD block of a page.
func jsonLD(t *testing.T, page string) map[string]any {
	t.Helper()
	const open = `<script type="application/ld+json">`
	i := strings.Index(page, open)
	if i < 0 {
		t.Fatal("page has no JSON-LD")
	}
	body := page[i+len(open):]
	body = body[:strings.Index(body, "</script>")]
	var ld map[string]any
	if err := json.Unmarshal([]byte(body), &ld); err != nil {
		t.Fatalf("JSON-LD %s: %v", body, err)
	}
	return ld
}

// feedPaths are the feed documents of a site.
func feedPaths(s *Site) []string {
	var out []string
	for _, p := range s.Paths() {
		if strings.HasPrefix(p, "/feeds/") {
			out = append(out, p)
		}
	}
	return out
}

func TestBuildFeedsParse(t *testing.T) {
	s := standardSite(t)
	entries := map[string]int{
		"/feeds/all":                             10,
		"/feeds/recordings":                      6,
		"/feeds/events":                          3,
		"/feeds/event/ospos-good-2024/all":       5,
		"/feeds/event/dpg-briefing/all":          1,
		"/feeds/source/un-ospo-events/all":       3,
		"/feeds/source/un-webtv/all":             6,
		"/feeds/event/open-source-week-2025/all": 1,
	}
	for _, p := range feedPaths(s) {
		t.Run(p, func(t *testing.T) {
			f, err := gofeed.NewParser().ParseString(page(t, s, p))
			if err != nil {
				t.Fatalf("gofeed.ParseString(%s) = %v", p, err)
			}
			dir := p[:strings.LastIndex(p, ".")]
			if n, ok := entries[dir]; ok && len(f.Items) != n {
				t.Errorf("gofeed.ParseString(%s) has %d items; want %d", p, len(f.Items), n)
			}
		})
	}
	var opml struct {
		Groups []struct {
			Text     string `xml:"text,attr"`
			Outlines []struct {
				XMLURL string `xml:"xmlUrl,attr"`
			} `xml:"outline"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal([]byte(page(t, s, "/feeds.opml")), &opml); err != nil {
		t.Fatalf("feeds.opml: %v", err)
	}
	var listed []string
	for _, g := range opml.Groups {
		for _, o := range g.Outlines {
			listed = append(listed, strings.TrimPrefix(o.XMLURL, testBase))
		}
	}
	// The maintainers' status feed is not for subscribers: not listed.
	want := []string{"/feeds/all.atom", "/feeds/recordings.atom", "/feeds/events.atom", "/feeds/news.atom", "/feeds/ospos.atom",
		"/feeds/event/dpg-briefing/all.atom", "/feeds/event/open-source-week-2025/all.atom", "/feeds/event/ospos-good-2024/all.atom",
		"/feeds/source/un-ospo-events/all.atom", "/feeds/source/un-webtv/all.atom"}
	slices.Sort(listed)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("feeds.opml lists %q; want %q", listed, want)
	}
}

func TestBuildEmptySnapshot(t *testing.T) {
	snap := Snapshot{Info: testInfo(), Created: testCreated, Today: testToday}
	s := build(t, snap)
	want := []string{"/", "/calendar.ics", "/cite.js", "/events/", "/favicon.svg", "/feeds.opml", "/feeds/all.atom", "/feeds/all.json", "/feeds/all.rss",
		"/feeds/events.atom", "/feeds/events.json", "/feeds/events.rss",
		"/feeds/news.atom", "/feeds/news.json", "/feeds/news.rss", "/feeds/ospos.atom", "/feeds/ospos.json", "/feeds/ospos.rss",
		"/feeds/recordings.atom", "/feeds/recordings.json", "/feeds/recordings.rss", "/news/", "/ospos/", "/recordings/",
		"/search/", "/status/feed.atom", "/style.css"}
	if got := s.Paths(); !slices.Equal(got, want) {
		t.Errorf("Build(empty).Paths() = %q; want %q", got, want)
	}
	for _, p := range feedPaths(s) {
		f, err := gofeed.NewParser().ParseString(page(t, s, p))
		if err != nil {
			t.Errorf("gofeed.ParseString(%s) = %v", p, err)
			continue
		}
		if len(f.Items) != 0 || f.Title == "" {
			t.Errorf("gofeed.ParseString(%s) = %d items, title %q; want 0 items and a title", p, len(f.Items), f.Title)
		}
		if f, _ := s.File(p); !f.Modified.Equal(testCreated) {
			t.Errorf("File(%s).Modified = %s; want Created %s", p, f.Modified, testCreated)
		}
	}
	index := page(t, s, "/")
	for _, want := range []string{"No upcoming event is known.", "No past event is known yet.", "No recording is known yet.", "</html>"} {
		if !strings.Contains(index, want) {
			t.Errorf("empty index lacks %q", want)
		}
	}
	if ics := page(t, s, "/calendar.ics"); !strings.HasPrefix(ics, "BEGIN:VCALENDAR") || !strings.Contains(ics, "END:VCALENDAR") {
		t.Errorf("empty calendar:\n%s", ics)
	}
	if err := xml.Unmarshal([]byte(page(t, s, "/feeds.opml")), new(struct{})); err != nil {
		t.Errorf("empty feeds.opml: %v", err)
	}
	if again := build(t, snap); !again.Equal(s) {
		t.Errorf("Build(empty) is not deterministic: %v", sameSite(s, again))
	}
}

// TestBuildDegenerateItems: one odd item must not take the whole site down.
func TestBuildDegenerateItems(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(items []ospofeed.Item) []ospofeed.Item
	}{
		{"event without title or URL", func(items []ospofeed.Item) []ospofeed.Item {
			return append(items, ospofeed.Item{ID: "https://www.un.org/en/untitled", Kind: ospofeed.KindEvent, Start: day(2025, 9, 1), AllDay: true})
		}},
		{"event titled with control characters only", func(items []ospofeed.Item) []ospofeed.Item {
			return append(items, ospofeed.Item{ID: "https://www.un.org/en/ctl", Kind: ospofeed.KindEvent, Title: "\x00\x01\x1b\ufffe", Start: day(2025, 9, 2), AllDay: true})
		}},
		{"recording naming a missing event", func(items []ospofeed.Item) []ospofeed.Item {
			r := testRecording("https://webtv.un.org/en/asset/k1o/k1orphan01", "Orphan", day(2025, 1, 1), time.Minute)
			r.Events = []string{"https://www.un.org/en/gone"}
			return append(items, r)
		}},
		{"event listing a missing recording", func(items []ospofeed.Item) []ospofeed.Item {
			return append(items, ospofeed.Item{ID: "https://www.un.org/en/ev-missing", Kind: ospofeed.KindEvent, Title: "Missing", Recordings: []string{"https://webtv.un.org/en/asset/k1n/k1nothere"}})
		}},
		{"recording without any date", func(items []ospofeed.Item) []ospofeed.Item {
			return append(items, ospofeed.Item{ID: "https://webtv.un.org/en/asset/k1d/k1nodate01", Kind: ospofeed.KindRecording, Title: "No date"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := testSnapshot()
			snap.Items = tt.mutate(snap.Items)
			s, err := Build(snap)
			if err != nil {
				t.Fatalf("Build(%s) = %v; want a site", tt.name, err)
			}
			for _, p := range feedPaths(s) {
				if _, err := gofeed.NewParser().ParseString(page(t, s, p)); err != nil {
					t.Errorf("gofeed.ParseString(%s) = %v", p, err)
				}
			}
		})
	}
}

func TestRecordingPublisherNeverOurs(t *testing.T) {
	snap := testSnapshot()
	yt := testRecording("https://www.youtube.com/watch?v=abcdefghijk", "OSPOs for Good 2026 | UN Open Source Week", day(2026, 6, 25), 0)
	yt.Entities, yt.Author, yt.Events = nil, "United Nations", nil
	pt := testRecording("https://tube.numerique.gouv.fr/w/8rKq3VbTn2WzXy4Pd6FhJm", "Café BlueHats", day(2024, 9, 27), 0)
	pt.Entities, pt.Author, pt.Events = nil, "", nil
	snap.Items = append(snap.Items, yt, pt)
	s := build(t, snap)
	for _, tt := range []struct{ slug, want string }{
		{ospofeed.Slug(yt.ID), `<meta name="citation_author" content="United Nations">`},
		{ospofeed.Slug(yt.ID), `<meta name="citation_publisher" content="YouTube">`},
		{ospofeed.Slug(pt.ID), `<meta name="citation_publisher" content="tube.numerique.gouv.fr">`},
	} {
		if p := page(t, s, "/recordings/"+tt.slug+"/"); !strings.Contains(p, tt.want) {
			t.Errorf("recording %s: page lacks %s", tt.slug, tt.want)
		}
	}
}

func TestCollidingSlugsGetTheirOwnPages(t *testing.T) {
	snap := testSnapshot()
	mk := func(id string, first time.Time) ospofeed.Item {
		return ospofeed.Item{ID: id, Kind: ospofeed.KindEvent, URL: id, Title: id, FirstSeen: first, Updated: first, Version: 1}
	}
	older := mk("https://www.un.org/events/ospo-day", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	newer := mk("https://ospo.example.fr/events/ospo-day", time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC))
	yt1 := testRecording("https://www.youtube.com/watch?v=aaaaaaaaaaa", "Video one", day(2026, 6, 25), 0)
	yt2 := testRecording("https://www.youtube.com/watch?v=bbbbbbbbbbb", "Video two", day(2026, 6, 26), 0)
	yt1.Events, yt2.Events = nil, nil
	snap.Items = append(snap.Items, newer, older, yt1, yt2)
	s := build(t, snap)
	suffixed := "/events/ospo-day-" + ospofeed.ShortHash(newer.ID)[:6] + "/"
	for p, want := range map[string]string{
		"/events/ospo-day/":              older.ID,
		suffixed:                         newer.ID,
		"/recordings/watch-aaaaaaaaaaa/": "Video one",
		"/recordings/watch-bbbbbbbbbbb/": "Video two",
	} {
		if body := page(t, s, p); !strings.Contains(body, want) {
			t.Errorf("%s does not show %s", p, want)
		}
	}
	// The feeds link each event to its own page.
	atom := page(t, s, "/feeds/events.atom")
	if !strings.Contains(atom, testBase+suffixed) || !strings.Contains(atom, testBase+"/events/ospo-day/") {
		t.Error("the events feed does not link both colliding events to their own pages")
	}
}
