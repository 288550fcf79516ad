package web

import (
	"fmt"
	"html/template"
	"net/url"
	"slices"
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

// Snapshot is everything a rendering needs, read from the store at once.
type Snapshot struct {
	Info    Info
	Items   []ospofeed.Item
	Sources []SourceView
	// Created is the database's creation time: the "updated" of a feed
	// without items, so that an empty feed is stable too.
	Created time.Time
	// Today decides which events are upcoming. Only its date counts, so
	// re-renders on the same day are byte-identical.
	Today time.Time
	// Changes are the sources' status changes, newest first, for the
	// maintainers' status feed.
	Changes []ospofeed.StatusChange
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

// model is the snapshot, indexed for rendering.
type model struct {
	Snapshot
	byID       map[string]ospofeed.Item
	events     []ospofeed.Item // newest first
	recordings []ospofeed.Item // newest first
	articles   []ospofeed.Item
	orgs       []ospofeed.Item // by name
	newOrgs    []ospofeed.Item // newest listed first
	feeds      []FeedSet
	updated    time.Time // newest item update, or Created
	tmpl       *template.Template
	entries    *feed.Cache // each item's feed entry, rendered once per Build
}

func (m *model) look(id string) (ospofeed.Item, bool) {
	it, ok := m.byID[id]
	return it, ok
}

// byNewest sorts items newest first by their main date, then by id, so the
// order never depends on map or crawl order.
func byNewest(a, b ospofeed.Item) int {
	if c := b.When().Compare(a.When()); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

func newModel(s Snapshot) *model {
	m := &model{Snapshot: s, byID: map[string]ospofeed.Item{}, updated: s.Created.UTC(), entries: feed.NewCache()}
	// Only the day of Today counts: a timed event that ends at 15:00 stays
	// upcoming until the day is over, so every render of a day is the same.
	y, mo, d := s.Today.UTC().Date()
	m.Today = time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	items := make([]ospofeed.Item, len(s.Items))
	for i, it := range s.Items {
		items[i] = withWebURLs(it)
	}
	ospofeed.Relate(items)
	assignPages(items)
	slices.SortFunc(items, byNewest)
	m.Items = items
	for _, it := range items {
		m.byID[it.ID] = it
		if it.Updated.After(m.updated) {
			m.updated = it.Updated
		}
		switch it.Kind {
		case ospofeed.KindEvent:
			m.events = append(m.events, it)
		case ospofeed.KindRecording:
			m.recordings = append(m.recordings, it)
		case ospofeed.KindOrganisation:
			m.orgs = append(m.orgs, it)
		default:
			m.articles = append(m.articles, it)
		}
	}
	m.newOrgs = slices.Clone(m.orgs)
	slices.SortStableFunc(m.newOrgs, func(a, b ospofeed.Item) int {
		if c := b.FirstSeen.Compare(a.FirstSeen); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	slices.SortStableFunc(m.orgs, func(a, b ospofeed.Item) int {
		if c := strings.Compare(strings.ToLower(a.DisplayTitle()), strings.ToLower(b.DisplayTitle())); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return m
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
		Cache: m.entries,
	}
}

// addFeeds renders one feed set in every format and records it for the
// OPML list and the index page.
func (m *model) addFeeds(s *Site, set FeedSet, subtitle string, items []ospofeed.Item) error {
	updated := m.Created.UTC()
	for _, it := range items {
		if it.Updated.After(updated) {
			updated = it.Updated
		}
	}
	for _, f := range feedFormats {
		b, err := f.render(m.meta(set, f.ext, subtitle, updated), items, m.look)
		if err != nil {
			return fmt.Errorf("web: render %s: %w", set.Path(f.ext), err)
		}
		s.add(set.Path(f.ext), f.contentType, b, updated)
	}
	m.feeds = append(m.feeds, set)
	return nil
}

// Build renders the whole site from a snapshot.
func Build(snap Snapshot) (*Site, error) {
	m := newModel(snap)
	s := newSite()
	desc := m.Info.Description
	sets := []struct {
		set   FeedSet
		sub   string
		items []ospofeed.Item
	}{
		{FeedSet{m.Info.Title + ": everything", "/feeds/all", "/"}, desc, m.Items},
		{FeedSet{m.Info.Title + ": recordings", "/feeds/recordings", "/"}, "Session recordings of OSPO events", m.recordings},
		{FeedSet{m.Info.Title + ": events", "/feeds/events", "/"}, "OSPO events", m.events},
		{FeedSet{m.Info.Title + ": news", "/feeds/news", "/#news"}, "News and reports about OSPOs and their events", m.articles},
		{FeedSet{m.Info.Title + ": newly listed public-sector OSPOs", "/feeds/ospos", "/#ospos"}, "Public-sector OSPOs, newest listed first", m.newOrgs},
	}
	for _, x := range sets {
		if err := m.addFeeds(s, x.set, x.sub, x.items); err != nil {
			return nil, err
		}
	}
	for _, ev := range m.events {
		slug := ev.PageSlug()
		items := []ospofeed.Item{ev}
		for _, id := range ev.Recordings {
			if r, ok := m.look(id); ok {
				items = append(items, r)
			}
		}
		set := FeedSet{ev.DisplayTitle(), "/feeds/event/" + slug + "/all", "/events/" + slug + "/"}
		if err := m.addFeeds(s, set, "The event and its recordings", items); err != nil {
			return nil, err
		}
	}
	for _, sv := range m.Sources {
		var items []ospofeed.Item
		for _, it := range m.Items {
			if it.HasSource(sv.Source.ID) {
				items = append(items, it)
			}
		}
		set := FeedSet{m.Info.Title + ": " + sv.Source.Name, "/feeds/source/" + sv.Source.ID + "/all", "/"}
		if err := m.addFeeds(s, set, "Everything found at "+sv.Source.URL, items); err != nil {
			return nil, err
		}
	}
	if err := m.calendars(s); err != nil {
		return nil, err
	}
	if err := m.opml(s); err != nil {
		return nil, err
	}
	if err := m.statusFeed(s); err != nil {
		return nil, err
	}
	if err := m.pages(s); err != nil {
		return nil, err
	}
	return s, nil
}

func (m *model) calendars(s *Site) error {
	cal := func(p, title string, items []ospofeed.Item, page string) error {
		meta := feed.Meta{ID: m.url(p), Title: title, SelfURL: m.url(p), HTMLURL: m.url(page),
			BaseURL: m.Info.BaseURL, Author: m.Info.Author, Updated: m.updated}
		b, err := feed.ICalendar(meta, items, m.look)
		if err != nil {
			return fmt.Errorf("web: render %s: %w", p, err)
		}
		s.add(p, feed.ICalType, b, m.updated)
		return nil
	}
	if err := cal("/calendar.ics", m.Info.Title+": events", m.events, "/"); err != nil {
		return err
	}
	for _, ev := range m.events {
		slug := ev.PageSlug()
		if err := cal("/events/"+slug+"/event.ics", ev.DisplayTitle(), []ospofeed.Item{ev}, "/events/"+slug+"/"); err != nil {
			return err
		}
	}
	return nil
}

func (m *model) opml(s *Site) error {
	var top []feed.Outline
	group := func(title string, sets []FeedSet) feed.Outline {
		o := feed.Outline{Title: title}
		for _, set := range sets {
			o.Children = append(o.Children, feed.Outline{Title: set.Title, XMLURL: m.url(set.Path("atom")),
				HTMLURL: m.url(set.Page), Type: "rss"})
		}
		return o
	}
	var main, events, sources []FeedSet
	for _, f := range m.feeds {
		switch {
		case strings.HasPrefix(f.Dir, "/feeds/event/"):
			events = append(events, f)
		case strings.HasPrefix(f.Dir, "/feeds/source/"):
			sources = append(sources, f)
		default:
			main = append(main, f)
		}
	}
	top = append(top, group("ospofeed", main), group("Events", events), group("Sources", sources))
	b, err := feed.OPML(m.Info.Title, m.updated, top)
	if err != nil {
		return fmt.Errorf("web: render /feeds.opml: %w", err)
	}
	s.add("/feeds.opml", feed.OPMLType, b, m.updated)
	return nil
}

// statusFeed renders the maintainers' feed: one entry per change of a
// source's status. It is linked from the health section only, never from
// the subscribers' lists (OPML, autodiscovery).
func (m *model) statusFeed(s *Site) error {
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
	b, err := feed.Atom(meta, items, nil)
	if err != nil {
		return fmt.Errorf("web: render %s: %w", p, err)
	}
	s.add(p, feed.AtomType, b, updated)
	return nil
}

// assignPages gives every event and recording a page path of its own. Two
// items whose slugs collide (two events whose URLs end alike) keep the
// plain slug for the one seen first, and the slug plus a hash of the id
// for the others, so that a permalink, once published, does not move.
func assignPages(items []ospofeed.Item) {
	groups := map[string][]int{}
	for i, it := range items {
		if it.Kind == ospofeed.KindEvent || it.Kind == ospofeed.KindRecording {
			k := string(it.Kind) + "/" + ospofeed.Slug(it.ID)
			groups[k] = append(groups[k], i)
		}
	}
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		slices.SortFunc(g, func(a, b int) int {
			if c := items[a].FirstSeen.Compare(items[b].FirstSeen); c != 0 {
				return c
			}
			return strings.Compare(items[a].ID, items[b].ID)
		})
		for _, i := range g[1:] {
			items[i].Page = ospofeed.Slug(items[i].ID) + "-" + ospofeed.ShortHash(items[i].ID)[:6]
		}
	}
}
