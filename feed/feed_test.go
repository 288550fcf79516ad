package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	jsonfeed "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/internal/golden"
)

type renderer func(Meta, []ospofeed.Item, Lookup) ([]byte, error)

var renderers = []struct {
	name     string
	file     string
	render   renderer
	feedType string // gofeed.Feed.FeedType
}{
	{"Atom", "all.atom", Atom, "atom"},
	{"RSS", "all.rss", RSS, "rss"},
	{"JSON", "all.json", JSON, "json"},
}

func mustRender(t *testing.T, r renderer, m Meta, items []ospofeed.Item) []byte {
	t.Helper()
	b, err := r(m, items, lookupOf(fixtures()))
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return b
}

// wantPublished mirrors the documented rule: Item.Date, else FirstSeen.
func wantPublished(it ospofeed.Item) time.Time {
	if !it.Date.IsZero() {
		return it.Date
	}
	return it.FirstSeen
}

func TestAtomReadBack(t *testing.T) {
	items := fixtures()
	b := mustRender(t, Atom, meta("all.atom"), items)
	f, err := (&atom.Parser{}).Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("atom.Parse: %v", err)
	}
	if f.ID != site+"/feeds/all.atom" || f.Title != "ospofeed: OSPO events & recordings" {
		t.Errorf("feed id, title = %q, %q; want the Meta's", f.ID, f.Title)
	}
	if want := time.Date(2024, 7, 12, 7, 0, 0, 0, time.UTC); f.UpdatedParsed == nil || !f.UpdatedParsed.Equal(want) {
		t.Errorf("feed updated = %v; want max Item.Updated %v", f.UpdatedParsed, want)
	}
	if len(f.Authors) != 1 || f.Authors[0].Name != "ospofeed" {
		t.Errorf("feed authors = %v; want ospofeed", f.Authors)
	}
	links := map[string]string{}
	for _, l := range f.Links {
		links[l.Rel] = l.Href
	}
	if links["self"] != site+"/feeds/all.atom" || links["alternate"] != site+"/" {
		t.Errorf("feed links = %v; want self and alternate", links)
	}
	if len(f.Entries) != len(items) {
		t.Fatalf("entries = %d; want %d", len(f.Entries), len(items))
	}
	for i, e := range f.Entries {
		it := items[i]
		t.Run(ospofeed.Slug(it.ID), func(t *testing.T) {
			if e.ID != it.ID {
				t.Errorf("id = %q; want %q", e.ID, it.ID)
			}
			if want := ospofeed.CleanText(it.Title); e.Title != want {
				t.Errorf("title = %q; want %q", e.Title, want)
			}
			if e.UpdatedParsed == nil || !e.UpdatedParsed.Equal(it.Updated) {
				t.Errorf("updated = %v; want %v", e.UpdatedParsed, it.Updated)
			}
			if e.PublishedParsed == nil || !e.PublishedParsed.Equal(wantPublished(it)) {
				t.Errorf("published = %v; want %v", e.PublishedParsed, wantPublished(it))
			}
			rel := map[string]string{}
			for _, l := range e.Links {
				rel[l.Rel] = l.Href
			}
			if rel["alternate"] != it.URL {
				t.Errorf("alternate = %q; want %q", rel["alternate"], it.URL)
			}
			if want := PageURL(site, it); rel["related"] != want {
				t.Errorf("related = %q; want %q", rel["related"], want)
			}
			if len(e.Categories) == 0 || e.Categories[0].Term != string(it.Kind) {
				t.Errorf("categories = %v; want the kind first", e.Categories)
			}
			if e.Content == nil || e.Content.Type != "html" || strings.Contains(e.Content.Value, "<script") {
				t.Errorf("content = %+v; want escaped html", e.Content)
			}
		})
	}
}

func TestRSSReadBack(t *testing.T) {
	items := fixtures()
	b := mustRender(t, RSS, meta("all.rss"), items)
	f, err := (&rss.Parser{}).Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("rss.Parse: %v", err)
	}
	if f.Title != "ospofeed: OSPO events & recordings" || f.Link != site+"/" {
		t.Errorf("channel title, link = %q, %q", f.Title, f.Link)
	}
	if want := time.Date(2024, 7, 12, 7, 0, 0, 0, time.UTC); f.LastBuildDateParsed == nil || !f.LastBuildDateParsed.Equal(want) {
		t.Errorf("lastBuildDate = %v; want %v", f.LastBuildDateParsed, want)
	}
	if self := f.Extensions["atom"]["link"]; len(self) != 1 || self[0].Attrs["rel"] != "self" || self[0].Attrs["href"] != site+"/feeds/all.rss" {
		t.Errorf("atom:link = %+v; want one rel=self", self)
	}
	if len(f.Items) != len(items) {
		t.Fatalf("items = %d; want %d", len(f.Items), len(items))
	}
	for i, r := range f.Items {
		it := items[i]
		t.Run(ospofeed.Slug(it.ID), func(t *testing.T) {
			if r.GUID == nil || r.GUID.Value != it.ID || r.GUID.IsPermalink != "true" {
				t.Errorf("guid = %+v; want %q, a permalink (it equals the link)", r.GUID, it.ID)
			}
			if r.Link != it.URL {
				t.Errorf("link = %q; want %q", r.Link, it.URL)
			}
			if want := ospofeed.CleanText(it.Title); r.Title != want {
				t.Errorf("title = %q; want %q", r.Title, want)
			}
			if r.PubDateParsed == nil || !r.PubDateParsed.Equal(wantPublished(it)) {
				t.Errorf("pubDate = %v; want %v", r.PubDateParsed, wantPublished(it))
			}
			if r.Description == "" || r.Content == "" || strings.Contains(r.Content, "<script") {
				t.Errorf("description %q / content %q; want both, escaped", r.Description, r.Content)
			}
			if r.Enclosure != nil {
				t.Errorf("enclosure = %+v; want none (no byte length for a web page)", r.Enclosure)
			}
			_, hasThumb := r.Extensions["media"]["thumbnail"]
			if wantThumb := ospofeed.WebURL(it.Thumbnail) != ""; hasThumb != wantThumb {
				t.Errorf("media:thumbnail present = %v; want %v", hasThumb, wantThumb)
			}
		})
	}
	// Names go to dc:creator; only an e-mail address may be an <author>.
	for _, r := range f.Items {
		switch r.GUID.Value {
		case articleI:
			if r.Author != "" || r.DublinCoreExt == nil || len(r.DublinCoreExt.Creator) != 1 || r.DublinCoreExt.Creator[0] != "Jane Doe" {
				t.Errorf("article author %q, dc %+v; want dc:creator Jane Doe", r.Author, r.DublinCoreExt)
			}
		case evilID:
			if r.Author != "press@un.org" {
				t.Errorf("author = %q; want the e-mail address", r.Author)
			}
		}
	}
}

func TestRSSGuidNotPermalink(t *testing.T) {
	it := find(fixtures(), articleI)
	it.URL = "https://joinup.ec.europa.eu/node/12345" // the page moved; the id did not
	b := mustRender(t, RSS, meta("x.rss"), []ospofeed.Item{it})
	f, err := (&rss.Parser{}).Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if g := f.Items[0].GUID; g.Value != articleI || g.IsPermalink != "false" {
		t.Errorf("guid = %+v; want %q isPermaLink=false", g, articleI)
	}
}

func TestJSONReadBack(t *testing.T) {
	items := fixtures()
	b := mustRender(t, JSON, meta("all.json"), items)
	f, err := (&jsonfeed.Parser{}).Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("json.Parse: %v", err)
	}
	if f.Version != "https://jsonfeed.org/version/1.1" || f.FeedURL != site+"/feeds/all.json" || f.HomePageURL != site+"/" {
		t.Errorf("version, feed_url, home_page_url = %q, %q, %q", f.Version, f.FeedURL, f.HomePageURL)
	}
	if len(f.Items) != len(items) {
		t.Fatalf("items = %d; want %d", len(f.Items), len(items))
	}
	for i, ji := range f.Items {
		it := items[i]
		t.Run(ospofeed.Slug(it.ID), func(t *testing.T) {
			if ji.ID != it.ID || ji.URL != it.URL || ji.Title != ospofeed.CleanText(it.Title) {
				t.Errorf("id, url, title = %q, %q, %q; want %q, %q, %q", ji.ID, ji.URL, ji.Title, it.ID, it.URL, ospofeed.CleanText(it.Title))
			}
			if want := PageURL(site, it); ji.ExternalURL != want {
				t.Errorf("external_url = %q; want %q", ji.ExternalURL, want)
			}
			if ji.ContentHTML == "" {
				t.Error("content_html is empty")
			}
			if got, _ := time.Parse(time.RFC3339, ji.DateModified); !got.Equal(it.Updated) {
				t.Errorf("date_modified = %q; want %v", ji.DateModified, it.Updated)
			}
			if got, _ := time.Parse(time.RFC3339, ji.DatePublished); !got.Equal(wantPublished(it)) {
				t.Errorf("date_published = %q; want %v", ji.DatePublished, wantPublished(it))
			}
		})
	}
	// The extension object, which gofeed does not read.
	var raw struct {
		Items []struct {
			ID  string  `json:"id"`
			Ext jsonExt `json:"_ospofeed"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, ri := range raw.Items {
		it := find(items, ri.ID)
		if ri.Ext.Kind != string(it.Kind) || ri.Ext.DurationSeconds != int64(it.Duration/time.Second) || ri.Ext.Live != it.Live || ri.Ext.Withdrawn != it.Withdrawn {
			t.Errorf("_ospofeed of %s = %+v; want kind, duration, live, withdrawn of the item", ri.ID, ri.Ext)
		}
	}
}

// TestUniversalParser checks that gofeed's sniffing parser recognises each
// format, as a feed reader would.
func TestUniversalParser(t *testing.T) {
	for _, r := range renderers {
		t.Run(r.name, func(t *testing.T) {
			b := mustRender(t, r.render, meta(r.file), fixtures())
			f, err := gofeed.NewParser().Parse(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("gofeed.Parse: %v", err)
			}
			if f.FeedType != r.feedType || len(f.Items) != len(fixtures()) {
				t.Errorf("type, items = %s, %d; want %s, %d", f.FeedType, len(f.Items), r.feedType, len(fixtures()))
			}
		})
	}
}

func TestEmptyFeeds(t *testing.T) {
	for _, r := range renderers {
		t.Run(r.name, func(t *testing.T) {
			b := mustRender(t, r.render, meta(r.file), nil)
			f, err := gofeed.NewParser().Parse(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("gofeed.Parse(empty) error: %v", err)
			}
			if len(f.Items) != 0 || f.Title == "" {
				t.Errorf("empty feed: %d items, title %q; want 0 items and a title", len(f.Items), f.Title)
			}
			if f.UpdatedParsed != nil && !f.UpdatedParsed.Equal(meta("").Updated) {
				t.Errorf("updated = %v; want Meta.Updated", f.UpdatedParsed)
			}
		})
	}
	b := mustRender(t, JSON, meta("e.json"), []ospofeed.Item{})
	if !bytes.Contains(b, []byte(`"items": []`)) {
		t.Errorf("JSON(empty) has no \"items\": [] (required by JSON Feed):\n%s", b)
	}
}

// TestWellFormed decodes every XML document strictly and checks that no
// character XML forbids survived.
func TestWellFormed(t *testing.T) {
	docs := map[string][]byte{}
	for _, r := range renderers[:2] {
		docs[r.name] = mustRender(t, r.render, meta(r.file), fixtures())
		docs[r.name+" empty"] = mustRender(t, r.render, meta(r.file), nil)
	}
	opml, err := OPML("x", time.Time{}, subscriptions())
	if err != nil {
		t.Fatal(err)
	}
	docs["OPML"] = opml
	for name, b := range docs {
		t.Run(name, func(t *testing.T) {
			d := xml.NewDecoder(bytes.NewReader(b))
			for {
				_, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("xml.Decoder.Token() error: %v", err)
				}
			}
			if s := string(b); ospofeed.StripXMLIllegal(s) != s || !utf8.ValidString(s) {
				t.Error("document holds characters XML forbids")
			}
			if bytes.Contains(b, []byte("javascript:")) {
				t.Error("a javascript: URL reached the document")
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	all := []struct {
		name   string
		render renderer
	}{{"Atom", Atom}, {"RSS", RSS}, {"JSON", JSON}, {"ICalendar", ICalendar}}
	for _, r := range all {
		t.Run(r.name, func(t *testing.T) {
			a := mustRender(t, r.render, meta("d"), fixtures())
			b := mustRender(t, r.render, meta("d"), fixtures())
			if !bytes.Equal(a, b) {
				t.Errorf("%s rendered twice differs:\n%s", r.name, golden.Diff(string(a), string(b)))
			}
		})
	}
}

var (
	atomEntryRE = regexp.MustCompile(`(?s)<entry>.*?</entry>`)
	rssItemRE   = regexp.MustCompile(`(?s)<item>.*?</item>`)
)

// entries splits a rendered feed into its entries, in order.
func entries(t *testing.T, name string, b []byte) [][]byte {
	t.Helper()
	switch name {
	case "Atom":
		return atomEntryRE.FindAll(b, -1)
	case "RSS":
		return rssItemRE.FindAll(b, -1)
	}
	var f struct{ Items []json.RawMessage }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, len(f.Items))
	for i, m := range f.Items {
		out[i] = m
	}
	return out
}

// TestOneChange edits one item the way the store does (new title, new
// Updated) and checks that exactly the expected entries change: the item's
// own, plus the entries that show its title through Lookup.
func TestOneChange(t *testing.T) {
	changes := []struct {
		name    string
		id      string
		changed []string // ids whose entries must change
	}{
		{"article", articleI, []string{articleI}},
		{"recording listed by its event", rec2ID, []string{rec2ID, eventID}},
	}
	for _, r := range renderers {
		for _, c := range changes {
			t.Run(r.name+"/"+c.name, func(t *testing.T) {
				before := fixtures()
				after := fixtures()
				later := time.Date(2024, 7, 20, 0, 0, 0, 0, time.UTC)
				for i := range after {
					if after[i].ID == c.id {
						after[i].Title += " (updated)"
						after[i].Updated = later
					}
				}
				b1, err := r.render(meta(r.file), before, lookupOf(before))
				if err != nil {
					t.Fatal(err)
				}
				b2, err := r.render(meta(r.file), after, lookupOf(after))
				if err != nil {
					t.Fatal(err)
				}
				e1, e2 := entries(t, r.name, b1), entries(t, r.name, b2)
				if len(e1) != len(before) || len(e2) != len(before) {
					t.Fatalf("entries = %d, %d; want %d", len(e1), len(e2), len(before))
				}
				for i, it := range before {
					want := false
					for _, id := range c.changed {
						want = want || it.ID == id
					}
					if got := !bytes.Equal(e1[i], e2[i]); got != want {
						t.Errorf("entry %s changed = %v; want %v", it.ID, got, want)
					}
				}
				f, err := gofeed.NewParser().Parse(bytes.NewReader(b2))
				if err != nil {
					t.Fatal(err)
				}
				if r.name != "JSON" && (f.UpdatedParsed == nil || !f.UpdatedParsed.Equal(later)) {
					t.Errorf("feed updated = %v; want %v", f.UpdatedParsed, later)
				}
			})
		}
	}
}

func TestMetaErrors(t *testing.T) {
	tests := []struct {
		name string
		m    Meta
		ok   bool
	}{
		{"complete", meta("x"), true},
		{"id from self", Meta{Title: "t", SelfURL: "https://x.example/f.atom"}, true},
		{"no id", Meta{Title: "t"}, false},
		{"no title", Meta{ID: "https://x.example/f"}, false},
		{"title of controls", Meta{ID: "https://x.example/f", Title: "\x00\x01 "}, false},
	}
	for _, tt := range tests {
		for _, r := range []struct {
			name string
			f    renderer
		}{{"Atom", Atom}, {"RSS", RSS}, {"JSON", JSON}, {"ICalendar", ICalendar}} {
			t.Run(tt.name+"/"+r.name, func(t *testing.T) {
				_, err := r.f(tt.m, nil, nil)
				if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalidMeta)) {
					t.Errorf("%s(%+v) error = %v; want ok=%v", r.name, tt.m, err, tt.ok)
				}
			})
		}
	}
}

// TestDuplicatesAndEmptyIDs: every format needs unique, non-empty ids, so
// such items are dropped rather than producing an invalid feed.
func TestDuplicatesAndEmptyIDs(t *testing.T) {
	it := find(fixtures(), rec1ID)
	noID := it
	noID.ID = "\x00 "
	items := []ospofeed.Item{it, it, noID}
	for _, r := range renderers {
		t.Run(r.name, func(t *testing.T) {
			b := mustRender(t, r.render, meta(r.file), items)
			f, err := gofeed.NewParser().Parse(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Items) != 1 {
				t.Errorf("items = %d; want 1", len(f.Items))
			}
		})
	}
}

// TestNilLookup: without a Lookup, related ids are still listed, by URL.
func TestNilLookup(t *testing.T) {
	rec := find(fixtures(), rec1ID)
	b, err := Atom(meta("x.atom"), []ospofeed.Item{rec}, nil)
	if err != nil {
		t.Fatalf("Atom(nil lookup) error: %v", err)
	}
	f, err := (&atom.Parser{}).Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if c := f.Entries[0].Content.Value; !strings.Contains(c, `<a href="`+eventID+`">`+eventID+`</a>`) {
		t.Errorf("Atom(nil lookup) content = %q; want the event linked by its id", c)
	}
}

func TestCacheRendersTheSameBytes(t *testing.T) {
	items := fixtures()
	look := lookupOf(items)
	cache := NewCache()
	for _, r := range []struct {
		name   string
		render func(Meta, []ospofeed.Item, Lookup) ([]byte, error)
	}{{"atom", Atom}, {"rss", RSS}, {"json", JSON}} {
		plain, err := r.render(meta("all."+r.name), items, look)
		if err != nil {
			t.Fatal(err)
		}
		m := meta("all." + r.name)
		m.Cache = cache
		for i := 0; i < 2; i++ { // the second time from the cache
			cached, err := r.render(m, items, look)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(plain, cached) {
				t.Errorf("%s with a cache (pass %d) differs:\n%s", r.name, i+1, golden.Diff(string(plain), string(cached)))
			}
		}
	}
	if len(cache.m) != len(items) {
		t.Errorf("cache holds %d entries; want one per item (%d)", len(cache.m), len(items))
	}
}
