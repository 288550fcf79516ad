package store

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/ospofeed/ospofeed"
)

func post(i int) ospofeed.Item {
	id := fmt.Sprintf("https://news.example.org/posts/%05d", i)
	return ospofeed.Item{ID: id, Kind: ospofeed.KindArticle, URL: id, Title: fmt.Sprintf("Post %d", i),
		Date: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(i) * time.Minute), Authority: ospofeed.AuthorityFeed}
}

// limitWarnings are the log's warnings about limits.
func limitWarnings(log ospofeed.CrawlLog) []string {
	var out []string
	for _, w := range log.Warnings {
		if strings.HasPrefix(w, "limit: ") {
			out = append(out, w)
		}
	}
	return out
}

// A crawl of 12,000 items under the default items_per_crawl (a zero
// Limits: the defaults) stores the first 5,000, says so once, and leaves
// the source degraded with the cut as its reason.
func TestItemsPerCrawl(t *testing.T) {
	db, c := openTest(t)
	items := make([]ospofeed.Item, 12000)
	for i := range items {
		items[i] = post(i)
	}
	given := slices.Clone(items)
	res := crawl("news", c, items...)
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	const feedURL = "https://news.example.org/feed.atom"
	res.Pages = []ospofeed.Page{{URL: feedURL, ETag: `"v1"`, Items: ids}}
	res.Expect = ospofeed.Expect{MinItems: 1}
	log := mustSave(t, db, res)

	if log.New != ospofeed.DefaultItemsPerCrawl {
		t.Errorf("SaveCrawl(12000 items).New = %d; want %d", log.New, ospofeed.DefaultItemsPerCrawl)
	}
	want := "limit: 12000 items, kept the first 5000 (limits.items_per_crawl)"
	if got := limitWarnings(log); !slices.Equal(got, []string{want}) {
		t.Errorf("SaveCrawl(12000 items) warnings = %q; want [%q]", got, want)
	}
	stored, err := db.Items()
	if err != nil || len(stored) != 5000 {
		t.Fatalf("Items() = %d items, %v; want 5000", len(stored), err)
	}
	if _, ok, _ := db.Item(items[4999].ID); !ok {
		t.Errorf("Item(%s), the 5000th given, not stored; want the first 5000 kept", items[4999].ID)
	}
	if _, ok, _ := db.Item(items[5000].ID); ok {
		t.Errorf("Item(%s), the 5001st given, stored; want it cut", items[5000].ID)
	}
	// What a 304 re-emits is what was stored.
	if p, ok, err := db.Page("news", feedURL); err != nil || !ok || !slices.Equal(p.Items, ids[:5000]) {
		t.Errorf("Page(feed).Items = %d ids, %v %v; want the 5000 kept", len(p.Items), ok, err)
	}
	st, _ := db.SourceStates()
	if got := st["news"]; got.Status != ospofeed.StatusDegraded || !strings.Contains(got.Reason, want) || got.Items != 5000 {
		t.Errorf("SourceStates()[news] = %s %q, %d items; want degraded %q, 5000 items", got.Status, got.Reason, got.Items, want)
	}
	if log.Status != ospofeed.StatusDegraded || log.Reason != want {
		t.Errorf("log = %s %q; want degraded %q", log.Status, log.Reason, want)
	}
	changes, _ := db.StatusChanges(0)
	if len(changes) != 1 || changes[0].To != ospofeed.StatusDegraded || changes[0].Reason != want {
		t.Errorf("StatusChanges() = %+v; want one change to degraded, %q", changes, want)
	}
	if !slices.EqualFunc(items, given, func(a, b ospofeed.Item) bool { return a.ID == b.ID && a.Title == b.Title }) {
		t.Error("SaveCrawl modified the caller's items")
	}

	// The same crawl again: the same 5000, unchanged; still degraded.
	c.add(time.Hour)
	res.Start, res.End = c.now(), c.now()
	log = mustSave(t, db, res)
	if log.New != 0 || log.Changed != 0 || log.Unchanged != 5000 || len(limitWarnings(log)) != 1 {
		t.Errorf("re-crawl = %d new, %d changed, %d unchanged, warnings %q; want 0, 0, 5000, one limit warning",
			log.New, log.Changed, log.Unchanged, log.Warnings)
	}
	if st, _ := db.SourceStates(); st["news"].Status != ospofeed.StatusDegraded {
		t.Errorf("re-crawl: status %s; want still degraded", st["news"].Status)
	}

	// Under the limit again: ok.
	c.add(time.Hour)
	small := crawl("news", c, items[:5000]...)
	small.Expect = res.Expect
	if log := mustSave(t, db, small); log.Status != ospofeed.StatusOK || len(limitWarnings(log)) != 0 {
		t.Errorf("crawl of 5000 = %s %q, warnings %q; want ok, no limit warning", log.Status, log.Reason, log.Warnings)
	}
}

// A configured items_per_crawl, and a cut crawl that is degraded for
// another reason too: the reason names both.
func TestItemsPerCrawlConfiguredAndOtherProblems(t *testing.T) {
	db, c := openTest(t)
	items := []ospofeed.Item{post(0), post(1), post(2), post(3)}
	items[0].Title = ""
	res := crawl("news", c, items...)
	res.Limits = ospofeed.Limits{ItemsPerCrawl: 2}
	res.Expect = ospofeed.Expect{Required: []string{"title"}}
	log := mustSave(t, db, res)
	cut := "limit: 4 items, kept the first 2 (limits.items_per_crawl)"
	if log.New != 2 || log.Status != ospofeed.StatusDegraded || log.Reason != "1 of 2 items lack title; "+cut {
		t.Errorf("SaveCrawl = %d new, %s %q; want 2 new, degraded %q", log.New, log.Status, log.Reason, "1 of 2 items lack title; "+cut)
	}
}

// A crawl cut at its limit keeps what a page without items is remembered
// by: the robots.txt rules a 304 in the next process replays.
func TestItemsPerCrawlKeepsRobotsLines(t *testing.T) {
	db, c := openTest(t)
	res := crawl("news", c, post(0), post(1), post(2))
	res.Limits = ospofeed.Limits{ItemsPerCrawl: 1}
	const robots = "https://news.example.org/robots.txt"
	lines := []string{"User-agent: *", "Disallow: /private/"}
	res.Pages = []ospofeed.Page{{URL: robots, ETag: `"r1"`, Lines: lines}}
	mustSave(t, db, res)
	if p, ok, err := db.Page("news", robots); err != nil || !ok || !slices.Equal(p.Lines, lines) || p.ETag != `"r1"` {
		t.Errorf("Page(robots.txt) after a cut crawl = %+v, %v, %v; want its lines %q kept", p, ok, err, lines)
	}
}

func TestItemsPerCrawlOnAFailedCrawl(t *testing.T) {
	db, c := openTest(t)
	res := crawl("news", c, post(0), post(1), post(2))
	res.Limits = ospofeed.Limits{ItemsPerCrawl: 1}
	res.Err = fmt.Errorf("HTTP 503")
	log := mustSave(t, db, res)
	if log.New != 1 || log.Status != ospofeed.StatusFailed || !strings.HasPrefix(log.Reason, "HTTP 503; limit: 3 items") {
		t.Errorf("SaveCrawl(failed, cut) = %d new, %s %q; want 1 new, failed, the error then the cut", log.New, log.Status, log.Reason)
	}
}

// repeat is s repeated up to at least n characters: multi-byte runes of
// every width, so that a byte cut would split one.
func repeat(n int) string {
	const unit = "aé€😀 " // 1, 2, 3, 4 and 1 bytes
	return strings.Repeat(unit, n/utf8.RuneCountInString(unit)+1)
}

func TestTitleAndSummaryCutAtARuneBoundary(t *testing.T) {
	db, c := openTest(t)
	long := repeat(1 << 20) // over 1 MB, over a million characters
	if len(long) < 1<<20 {
		t.Fatalf("test title is %d bytes", len(long))
	}
	a, b, org := post(0), post(1), post(2)
	a.Title, a.Summary = long, long
	b.Title = long[3:] // another alignment of the runes
	org.Kind = ospofeed.KindOrganisation
	org.Descriptions = map[string]string{"en": long, "fr": "court"}
	descs := org.Descriptions
	log := mustSave(t, db, crawl("news", c, a, b, org))

	for _, tt := range []struct {
		name, got, from string
		max             int
	}{
		{"a.Title", mustItem(t, db, a.ID).Title, a.Title, ospofeed.DefaultTitleChars},
		{"b.Title", mustItem(t, db, b.ID).Title, b.Title, ospofeed.DefaultTitleChars},
		{"a.Summary", mustItem(t, db, a.ID).Summary, a.Summary, ospofeed.DefaultSummaryChars},
		{"org.Descriptions[en]", mustItem(t, db, org.ID).Descriptions["en"], long, ospofeed.DefaultSummaryChars},
	} {
		n := utf8.RuneCountInString(tt.got)
		if !utf8.ValidString(tt.got) || n > tt.max || n < tt.max-2 || !strings.HasSuffix(tt.got, "…") ||
			!strings.HasPrefix(tt.from, strings.TrimSuffix(tt.got, "…")) {
			t.Errorf("stored %s = %d characters, valid UTF-8 %v, ending %q; want at most %d, a prefix of the original, then …",
				tt.name, n, utf8.ValidString(tt.got), tt.got[max(0, len(tt.got)-12):], tt.max)
		}
	}
	if got := mustItem(t, db, org.ID).Descriptions["fr"]; got != "court" {
		t.Errorf("Descriptions[fr] = %q; want it untouched", got)
	}
	if descs["en"] != long {
		t.Error("SaveCrawl wrote into the caller's Descriptions map")
	}
	wantWarnings := []string{
		fmt.Sprintf("limit: 2 titles over 500 characters (the longest %d), cut (limits.title_chars)", utf8.RuneCountInString(long)),
		fmt.Sprintf("limit: 2 summaries or descriptions over 5000 characters (the longest %d), cut (limits.summary_chars)", utf8.RuneCountInString(long)),
	}
	if got := limitWarnings(log); !slices.Equal(got, wantWarnings) {
		t.Errorf("warnings = %q; want %q", got, wantWarnings)
	}
	// The cut is the same every time: a re-crawl is unchanged.
	c.add(time.Hour)
	if log := mustSave(t, db, crawl("news", c, a, b, org)); log.Unchanged != 3 || log.Changed != 0 {
		t.Errorf("re-crawl = %d unchanged, %d changed; want 3, 0", log.Unchanged, log.Changed)
	}
	if log.Status != ospofeed.StatusOK {
		t.Errorf("status = %s %q; want ok (field cuts are warnings, not a problem of the source)", log.Status, log.Reason)
	}
}

func TestCutText(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"héllo wörld", 8, "héllo w…"},
		{"héllo wörld", 7, "héllo…"}, // the space before the cut goes
		{"€€€€€€", 4, "€€€…"},
		{"😀😀😀😀😀", 5, "😀😀😀😀😀"},
		{"😀😀😀😀😀😀", 5, "😀😀😀😀…"},
	}
	for _, tt := range tests {
		got, _, _ := cutText(tt.in, tt.max)
		if got != tt.want {
			t.Errorf("cutText(%q, %d) = %q; want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// wellFormed reports the first nesting error of an HTML fragment: an end
// tag that closes something else than the innermost open element, or
// elements left open.
func wellFormed(s string) error {
	z := html.NewTokenizer(strings.NewReader(s))
	var open []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			if len(open) > 0 {
				return fmt.Errorf("left open: %v", open)
			}
			return nil
		case html.StartTagToken:
			name, _ := z.TagName()
			if !voidElements[string(name)] {
				open = append(open, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(open) == 0 || open[len(open)-1] != string(name) {
				return fmt.Errorf("</%s> closes %v", name, open)
			}
			open = open[:len(open)-1]
		case html.TextToken:
			if strings.ContainsAny(string(z.Raw()), "<>") {
				return fmt.Errorf("a tag broken into text: %q", z.Raw())
			}
		}
	}
}

func TestHugeContentCutBetweenTags(t *testing.T) {
	db, c := openTest(t)
	var b strings.Builder
	b.WriteString("<div class=\"post\"><h2>Title</h2>")
	for i := 0; b.Len() < 1<<20; i++ {
		fmt.Fprintf(&b, "<p>Paragraph %d: caf\u00e9 &amp; th\u00e9 <a href=\"https://example.org/%d\">a <em>link</em></a> &lt;tag&gt; €😀</p>\n<ul><li>one<li>two</ul><img src=\"x.png\" alt=\"x\"><br>", i, i)
	}
	b.WriteString("</div>")
	a := post(0)
	a.Content = b.String()
	log := mustSave(t, db, crawl("news", c, a))
	got := mustItem(t, db, a.ID).Content
	if len(got) > ospofeed.DefaultContentBytes || len(got) < ospofeed.DefaultContentBytes-1000 {
		t.Errorf("stored content = %d bytes; want at most %d, and close to it", len(got), ospofeed.DefaultContentBytes)
	}
	if !utf8.ValidString(got) {
		t.Error("stored content is not valid UTF-8")
	}
	if err := wellFormed(got); err != nil {
		t.Errorf("stored content is not well-formed: %v (ends %q)", err, got[len(got)-200:])
	}
	// Up to the first <li>, whose end tags the cut writes out, the bytes
	// are the original's.
	start := strings.Index(a.Content, "<ul>") + len("<ul><li>one<li>two")
	if !strings.HasPrefix(got, a.Content[:start]) || !strings.HasSuffix(got, "</div>") || !strings.Contains(got[len(got)-100:], "…") {
		t.Errorf("stored content starts %q, ends %q; want the original's start, a … and </div> at the end", got[:80], got[len(got)-100:])
	}
	if !strings.Contains(got, "<ul><li>one<li>two</li></li></ul>") {
		t.Errorf("stored content has no closed list: %q", got[:500])
	}
	want := fmt.Sprintf("limit: 1 content over 100000 bytes (the largest %d), cut between tags (limits.content_bytes)", len(a.Content))
	if got := limitWarnings(log); !slices.Equal(got, []string{want}) {
		t.Errorf("warnings = %q; want [%q]", got, want)
	}
}

func TestCutHTML(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"fits", "<p>a</p>", 100, "<p>a</p>"},
		{"in text, entities whole", "<p>" + strings.Repeat("a &amp; b ", 10) + "</p>", 30, "<p>a &amp; b a &amp; b…</p>"},
		{"before a tag that does not fit", "<p>ab<a href=\"https://example.org/long\">x</a></p>", 20, "<p>ab…</p>"},
		{"nested, closed innermost first", "<div><ul><li><b>" + strings.Repeat("x", 50) + "</b></li></ul></div>", 40, "<div><ul><li><b>x…</b></li></ul></div>"},
		{"misnested input comes out nested", "<b><i>x</b>" + strings.Repeat("y", 50), 30, "<b><i>x</i></b>yyyyyyyyyyyy…"},
		{"comments dropped", "<!-- " + strings.Repeat("c", 50) + " --><p>a</p>", 20, "<p>a</p>"},
		{"void elements need no end tag", "<p>a<br>b<img src=x>" + strings.Repeat("c", 50) + "</p>", 30, "<p>a<br>b<img src=x>ccc…</p>"},
		{"a stray end tag is dropped", "a</span>" + strings.Repeat("b", 50), 20, "abbbbbbbbbbbbbbbb…"},
		{"escaped text re-escaped", "<p>" + strings.Repeat("&lt;", 20) + "</p>", 25, "<p>&lt;&lt;&lt;…</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cutHTML(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("cutHTML(%q, %d) = %q; want %q", tt.in, tt.max, got, tt.want)
			}
			if len(got) > tt.max {
				t.Errorf("cutHTML(%q, %d) is %d bytes", tt.in, tt.max, len(got))
			}
			if err := wellFormed(got); err != nil {
				t.Errorf("cutHTML(%q, %d) = %q: %v", tt.in, tt.max, got, err)
			}
		})
	}
}

func TestLinksPerItem(t *testing.T) {
	db, c := openTest(t)
	links := make([]ospofeed.Link, 100000)
	for i := range links {
		links[i] = ospofeed.Link{URL: fmt.Sprintf("https://example.org/%d", i)}
	}
	a, b := post(0), post(1)
	a.Links, b.Links = links, links[:300]
	log := mustSave(t, db, crawl("news", c, a, b))
	for _, id := range []string{a.ID, b.ID} {
		got := mustItem(t, db, id).Links
		if len(got) != ospofeed.DefaultLinksPerItem || !slices.Equal(got, links[:ospofeed.DefaultLinksPerItem]) {
			t.Errorf("Item(%s).Links = %d links; want the first %d", id, len(got), ospofeed.DefaultLinksPerItem)
		}
	}
	want := "limit: 2 items with more than 200 links (the most 100000), kept the first 200 (limits.links_per_item)"
	if got := limitWarnings(log); !slices.Equal(got, []string{want}) {
		t.Errorf("warnings = %q; want [%q]", got, want)
	}

	// links_per_item: 0 keeps none.
	c.add(time.Hour)
	res := crawl("other", c, post(2))
	res.Items[0].Links = links[:3]
	res.Limits = ospofeed.Limits{LinksPerItem: ospofeed.NoLinks}
	mustSave(t, db, res)
	if got := mustItem(t, db, post(2).ID).Links; len(got) != 0 {
		t.Errorf("Links with NoLinks = %v; want none", got)
	}
}
