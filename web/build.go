package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/feed"
)

// Info describes the site.
type Info struct {
	Title       string
	Description string
	BaseURL     string // no trailing slash
	Author      string
	Version     string
}

// SourceView is a configured source with its health.
type SourceView struct {
	Source ospofeed.Source
	State  ospofeed.SourceState
}

// feedFormat is one feed syntax.
type feedFormat struct {
	ext, name, contentType string
	render                 func(feed.Meta, []ospofeed.Item, feed.Lookup) ([]byte, error)
}

var feedFormats = []feedFormat{
	{"atom", "Atom", feed.AtomType, feed.Atom},
	{"rss", "RSS", feed.RSSType, feed.RSS},
	{"json", "JSON Feed", feed.JSONType, feed.JSON},
}

// FeedSet is one feed, in every format.
type FeedSet struct {
	Title string
	Dir   string // URL path prefix, e.g. "/feeds/all" -> /feeds/all.atom
	Page  string // the HTML page the feed is about
}

// Path of the set in one format.
func (f FeedSet) Path(ext string) string { return f.Dir + "." + ext }

// model is one rendering's view of the store: items are loaded by id as
// pages and feeds need them, and kept until reset (a full rendering resets
// between batches, so that its memory stays bounded).
type model struct {
	Context
	r          Reader
	size       int
	cache      map[string]ospofeed.Item
	missing    map[string]bool
	tmpl       *template.Template
	entryCache *feed.Cache // each item's feed entry, rendered once per batch
	evs        []ospofeed.Item
	evsOK      bool
	// unpublished: whether each recording looked up was never published
	// (see neverPublished).
	unpublished map[string]bool
}

func newModel(c Context, r Reader, size int) *model {
	m := &model{Context: c, r: r, size: size}
	m.reset()
	return m
}

// reset forgets the items loaded so far.
func (m *model) reset() {
	m.cache, m.missing, m.entryCache = map[string]ospofeed.Item{}, map[string]bool{}, feed.NewCache()
	m.unpublished = map[string]bool{}
}

// load returns the stored items of ids (with web URLs only), in order.
func (m *model) load(ids []string) ([]ospofeed.Item, error) {
	var need []string
	for _, id := range ids {
		if _, ok := m.cache[id]; !ok && !m.missing[id] {
			need = append(need, id)
		}
	}
	if len(need) > 0 {
		items, err := m.r.ItemsByID(need)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			m.cache[it.ID] = withWebURLs(it)
		}
		for _, id := range need {
			if _, ok := m.cache[id]; !ok {
				m.missing[id] = true
			}
		}
	}
	out := make([]ospofeed.Item, 0, len(ids))
	for _, id := range ids {
		if it, ok := m.cache[id]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}

// look is the feed.Lookup of the rendering: a related item by id.
func (m *model) look(id string) (ospofeed.Item, bool) {
	items, err := m.load([]string{id})
	if err != nil || len(items) == 0 {
		return ospofeed.Item{}, false
	}
	return items[0], true
}

// events are every event, newest first (the events feed's log).
func (m *model) events() ([]ospofeed.Item, error) {
	if m.evsOK {
		return m.evs, nil
	}
	n, err := m.r.FeedLen(ospofeed.FeedEvents)
	if err != nil {
		return nil, err
	}
	items, err := m.entries(ospofeed.FeedEvents, 1, n)
	if err != nil {
		return nil, err
	}
	m.evs, m.evsOK = items, true
	return items, nil
}

// byNewest sorts items newest first by their main date, then by id, so the
// order never depends on map or crawl order.
func byNewest(a, b ospofeed.Item) int {
	if c := b.When().Compare(a.When()); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// withWebURLs is it without the URLs ospofeed.WebURL refuses (pages must
// not link to, load or advertise in citation meta tags and JSON-LD a
// javascript:, data: or relative URL, whatever the database holds); its URL falls back to
// its id, as in the feeds. The slices are copied, not edited in place: they
// belong to the caller's snapshot.
func withWebURLs(it ospofeed.Item) ospofeed.Item {
	if it.URL = ospofeed.WebURL(it.URL); it.URL == "" {
		it.URL = ospofeed.WebURL(it.ID)
	}
	it.Thumbnail = ospofeed.WebURL(it.Thumbnail)
	var links []ospofeed.Link
	for _, l := range it.Links {
		if l.URL = ospofeed.WebURL(l.URL); l.URL != "" {
			links = append(links, l)
		}
	}
	it.Links = links
	var alts []ospofeed.Alternate
	for _, a := range it.Alternates {
		if a.URL = ospofeed.WebURL(a.URL); a.URL != "" {
			alts = append(alts, a)
		}
	}
	it.Alternates = alts
	it.Policy = ospofeed.WebURL(it.Policy)
	var forges []string
	for _, f := range it.Forges {
		if f = ospofeed.WebURL(f); f != "" {
			forges = append(forges, f)
		}
	}
	it.Forges = forges
	return it
}

func (m *model) url(p string) string { return m.Info.BaseURL + p }

func (m *model) meta(set FeedSet, ext, subtitle string, updated time.Time) feed.Meta {
	return feed.Meta{
		ID: m.url(set.Path(ext)), Title: set.Title, Subtitle: subtitle,
		SelfURL: m.url(set.Path(ext)), HTMLURL: m.url(set.Page), BaseURL: m.Info.BaseURL,
		Author: m.Info.Author, AuthorURL: m.Info.BaseURL + "/", Updated: updated,
		Cache: m.entryCache,
	}
}

func (m *model) calendars(b *batch, evs []ospofeed.Item, only map[string]bool) error {
	updated := m.newest(evs...)
	cal := func(p, title string, items []ospofeed.Item, page string, updated time.Time) error {
		items = m.published(items)
		meta := feed.Meta{ID: m.url(p), Title: title, SelfURL: m.url(p), HTMLURL: m.url(page),
			BaseURL: m.Info.BaseURL, Author: m.Info.Author, Updated: updated}
		body, err := feed.ICalendar(meta, items, m.look)
		if err != nil {
			return fmt.Errorf("web: render %s: %w", p, err)
		}
		return b.add(newFile(p, feed.ICalType, body, updated))
	}
	// The site's calendar holds the upcoming events and the newest past
	// ones: bounded, whatever the store holds.
	var listed []ospofeed.Item
	past := 0
	for _, ev := range evs {
		if !ev.Upcoming(m.Today) {
			if past++; past > maxCalendarPast {
				continue
			}
		}
		listed = append(listed, ev)
	}
	if err := cal("/calendar.ics", m.Info.Title+": events", listed, "/", updated); err != nil {
		return err
	}
	for _, ev := range evs {
		if only != nil && !only[ev.ID] {
			continue // an event's own calendar shows only it: untouched, unchanged
		}
		slug := ev.PageSlug()
		if err := cal("/events/"+slug+"/event.ics", ev.DisplayTitle(), []ospofeed.Item{ev}, "/events/"+slug+"/", ev.Updated); err != nil {
			return err
		}
	}
	return nil
}

// maxCalendarPast bounds the past events of /calendar.ics.
const maxCalendarPast = 200

// mainFeeds are the site-wide subscription feeds, in the order the index
// and OPML list them.
var mainFeeds = []string{ospofeed.FeedAll, ospofeed.FeedRecordings, ospofeed.FeedEvents, ospofeed.FeedNews, ospofeed.FeedOSPOs}

func (m *model) sets(keys []string) []FeedSet {
	var out []FeedSet
	for _, k := range keys {
		if set, _, ok := m.feedSet(k); ok {
			out = append(out, set)
		}
	}
	return out
}

func (m *model) opml(b *batch, evs []ospofeed.Item) error {
	group := func(title string, sets []FeedSet) feed.Outline {
		o := feed.Outline{Title: title}
		for _, set := range sets {
			o.Children = append(o.Children, feed.Outline{Title: set.Title, XMLURL: m.url(set.Path("atom")),
				HTMLURL: m.url(set.Page), Type: "rss"})
		}
		return o
	}
	var evKeys, srcKeys []string
	for _, ev := range evs {
		evKeys = append(evKeys, ospofeed.FeedOfEvent(ev.ID))
	}
	for _, sv := range m.Sources {
		srcKeys = append(srcKeys, ospofeed.FeedOfSource(sv.Source.ID))
	}
	top := []feed.Outline{group("ospofeed", m.sets(mainFeeds)), group("Events", m.sets(evKeys)), group("Sources", m.sets(srcKeys))}
	body, err := feed.OPML(m.Info.Title, m.Created, top)
	if err != nil {
		return fmt.Errorf("web: render /feeds.opml: %w", err)
	}
	return b.add(newFile("/feeds.opml", feed.OPMLType, body, m.Created))
}

// statusFeed renders the maintainers' feed: one entry per change of a
// source's status. It is linked from the health section only, never from
// the subscribers' lists (OPML, autodiscovery).
func (m *model) statusFeed(b *batch) error {
	const p = "/status/feed.atom"
	updated := m.Created.UTC()
	var items []ospofeed.Item
	names := map[string]string{}
	for _, sv := range m.Sources {
		names[sv.Source.ID] = sv.Source.Name
	}
	for _, c := range m.Changes {
		t := c.Time.UTC()
		if t.After(updated) {
			updated = t
		}
		name := names[c.Source]
		if name == "" {
			name = c.Source
		}
		summary := fmt.Sprintf("%s (%s) went from %s to %s on %s.", name, c.Source, c.From, c.To, t.Format(time.RFC3339))
		if c.Reason != "" {
			summary += " " + c.Reason
		}
		items = append(items, ospofeed.Item{
			ID:    fmt.Sprintf("%s/status/%s/%d", m.Info.BaseURL, url.PathEscape(c.Source), t.UnixNano()),
			Kind:  ospofeed.KindArticle,
			URL:   m.Info.BaseURL + "/#sources",
			Title: fmt.Sprintf("%s: %s", name, c.To), Summary: summary,
			Date: t, Updated: t, FirstSeen: t,
		})
	}
	meta := feed.Meta{ID: m.url(p), Title: m.Info.Title + ": source status (maintainers)",
		Subtitle: "Every change of a source's health: ok, empty, degraded, failed.",
		SelfURL:  m.url(p), HTMLURL: m.url("/#sources"), Author: m.Info.Author, Updated: updated}
	body, err := feed.Atom(meta, items, nil)
	if err != nil {
		return fmt.Errorf("web: render %s: %w", p, err)
	}
	return b.add(newFile(p, feed.AtomType, body, updated))
}
