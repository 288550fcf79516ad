// Package feed renders items as Atom, RSS 2.0, JSON Feed 1.1, iCalendar,
// OPML and citations (BibTeX, RIS, CSL-JSON, a text line).
//
// The package is pure: data in, bytes out. The same input always gives the
// same bytes (no clock, no random ids, no map order), so callers can hash the
// output for ETags and tests can compare against golden files. Every string
// of an Item is treated as untrusted scraped text: characters XML forbids are
// dropped before they reach a document, and markup is escaped by
// encoding/xml, encoding/json or html/template.
package feed

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ospofeed/ospofeed"
)

// Media types of the documents this package renders, for Content-Type headers.
const (
	AtomType     = "application/atom+xml; charset=utf-8"
	RSSType      = "application/rss+xml; charset=utf-8"
	JSONType     = "application/feed+json; charset=utf-8"
	ICalType     = "text/calendar; charset=utf-8"
	OPMLType     = "text/x-opml; charset=utf-8"
	BibTeXType   = "application/x-bibtex; charset=utf-8"
	RISType      = "application/x-research-info-systems; charset=utf-8"
	CSLJSONType  = "application/vnd.citationstyles.csl+json; charset=utf-8"
	TextCiteType = "text/plain; charset=utf-8"
)

// Meta describes one feed document.
type Meta struct {
	ID        string    // permanent feed id: an absolute URL (e.g. https://site/feeds/all.atom); SelfURL when empty
	Title     string    // required
	Subtitle  string    // optional description
	SelfURL   string    // absolute URL of this document (Atom link rel=self, RSS atom:link rel=self, JSON feed_url)
	HTMLURL   string    // absolute URL of the HTML page the feed is about (home_page_url / link rel=alternate)
	BaseURL   string    // the site's base URL, no trailing slash: item pages live under it (see PageURL)
	Author    string    // feed author name (Atom needs one); Title when empty
	AuthorURL string    // optional
	Updated   time.Time // the feed's updated time when there are no items; otherwise the max Item.Updated
	// Archive places the document among the RFC 5005 archived feeds: the
	// subscription document links its newest archive page (prev-archive);
	// an archive page says so (fh:archive) and links the subscription
	// document (current) and the page before it (prev-archive). Zero:
	// a feed without archives.
	Archive Archive
	// Cache, when set, keeps each entry's rendering across the feeds of one
	// site render (the same item in the everything-feed, its kind's, its
	// source's and its event's, in three formats), so it is rendered once.
	// Share one Cache only between renders of the same items with the same
	// Lookup and BaseURL; never across renders.
	Cache *Cache
}

// Archive is a feed document's place in RFC 5005 archived feeds.
type Archive struct {
	IsArchive bool   // this document is an archive page
	Current   string // absolute URL of the subscription document (on archive pages)
	Prev      string // absolute URL of the previous (older) archive page, "" for the first
}

// NSHistory is the namespace of RFC 5005's fh:archive.
const nsHistory = "http://purl.org/syndication/history/1.0"

// Cache memoizes entry renderings; see Meta.Cache. The zero value is not
// usable: use NewCache.
type Cache struct {
	mu sync.Mutex
	m  map[[2]string]cachedEntry
}

type cachedEntry struct {
	v    view
	html string
}

// NewCache returns an empty entry cache.
func NewCache() *Cache { return &Cache{m: map[[2]string]cachedEntry{}} }

// entry is the view of an item and its entry HTML, from the cache when
// there is one.
func (m Meta) entry(it ospofeed.Item, look Lookup) (view, string) {
	if m.Cache == nil {
		v := newView(m.BaseURL, it, look)
		return v, v.html()
	}
	k := [2]string{m.BaseURL, it.ID}
	m.Cache.mu.Lock()
	e, ok := m.Cache.m[k]
	m.Cache.mu.Unlock()
	if !ok {
		e.v = newView(m.BaseURL, it, look)
		e.html = e.v.html()
		m.Cache.mu.Lock()
		m.Cache.m[k] = e
		m.Cache.mu.Unlock()
	}
	return e.v, e.html
}

// Lookup finds a related item by id: a recording's events, an event's
// recordings. A nil Lookup resolves nothing.
type Lookup func(id string) (ospofeed.Item, bool)

// find calls look when there is one, so renderers need not check for nil.
func (look Lookup) find(id string) (ospofeed.Item, bool) {
	if look == nil {
		return ospofeed.Item{}, false
	}
	return look(id)
}

// PageURL is the page of ours for an item: base/recordings/{slug}/ for a
// recording, base/events/{slug}/ for an event, "" for an article (we only
// link to those) or when base is empty.
func PageURL(base string, it ospofeed.Item) string {
	base = strings.TrimRight(base, "/")
	if base == "" || ospofeed.CleanText(it.ID) == "" {
		return ""
	}
	switch it.Kind {
	case ospofeed.KindRecording:
		return base + "/recordings/" + it.PageSlug() + "/"
	case ospofeed.KindEvent:
		return base + "/events/" + it.PageSlug() + "/"
	}
	return ""
}

// ErrInvalidMeta is wrapped by the error a renderer returns for a Meta it
// cannot use (no ID and no SelfURL, or no Title).
var ErrInvalidMeta = errors.New("invalid meta")

// norm returns m with defaults filled in and every string cleaned, or an
// error naming what is missing. A feed without id or title is a caller bug,
// not an empty result, so it fails loudly.
func (m Meta) norm() (Meta, error) {
	m.ID = ospofeed.CleanText(m.ID)
	m.Title = ospofeed.CleanText(m.Title)
	m.Subtitle = ospofeed.CleanText(m.Subtitle)
	m.SelfURL = ospofeed.WebURL(m.SelfURL)
	m.HTMLURL = ospofeed.WebURL(m.HTMLURL)
	m.BaseURL = strings.TrimRight(ospofeed.WebURL(m.BaseURL), "/")
	m.Author = ospofeed.CleanText(m.Author)
	m.AuthorURL = ospofeed.WebURL(m.AuthorURL)
	m.Archive.Current = ospofeed.WebURL(m.Archive.Current)
	m.Archive.Prev = ospofeed.WebURL(m.Archive.Prev)
	if m.ID == "" {
		m.ID = m.SelfURL
	}
	if m.Author == "" {
		m.Author = m.Title
	}
	switch {
	case m.ID == "":
		return m, fmt.Errorf("%w: no ID and no SelfURL", ErrInvalidMeta)
	case m.Title == "":
		return m, fmt.Errorf("%w: no Title", ErrInvalidMeta)
	}
	return m, nil
}

// home is the HTML page a feed is about, falling back to the site and then
// the document itself, because RSS requires a channel link.
func (m Meta) home() string {
	for _, u := range []string{m.HTMLURL, m.BaseURL, m.SelfURL, m.ID} {
		if u != "" {
			return u
		}
	}
	return ""
}

// host is the lower-case host of u without "www.", "" when u has none.
func host(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(p.Hostname()), "www.")
}

// itemURL is where a person reads or watches it: its URL, else its id when
// that is a web address.
func itemURL(it ospofeed.Item) string {
	if u := ospofeed.WebURL(it.URL); u != "" {
		return u
	}
	return ospofeed.WebURL(it.ID)
}

// updated is the item's modification time with fallbacks, so that a format
// requiring one (Atom, iCalendar DTSTAMP) always has one.
func updated(it ospofeed.Item, fallback time.Time) time.Time {
	for _, t := range []time.Time{it.Updated, it.FirstSeen, it.Date, fallback} {
		if !t.IsZero() {
			return t.UTC()
		}
	}
	return time.Time{}
}

// published is the source's date, else when we first saw the item. An
// organisation's date is when it was created, not when it was listed: its
// entry is news when ospofeed first saw it, so that a newly listed OSPO
// created years ago is not buried in readers that sort by date.
func published(it ospofeed.Item) time.Time {
	if it.Kind == ospofeed.KindOrganisation && !it.FirstSeen.IsZero() {
		return it.FirstSeen.UTC()
	}
	if !it.Date.IsZero() {
		return it.Date.UTC()
	}
	if !it.FirstSeen.IsZero() {
		return it.FirstSeen.UTC()
	}
	return time.Time{}
}

// usable drops items without an id and repeated ids, keeping the caller's
// order: every format needs unique, non-empty entry ids.
func usable(items []ospofeed.Item) []ospofeed.Item {
	seen := make(map[string]bool, len(items))
	out := make([]ospofeed.Item, 0, len(items))
	for _, it := range items {
		id := ospofeed.CleanText(it.ID)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		it.ID = id
		out = append(out, it)
	}
	return out
}

// feedUpdated is the latest entry update, or m.Updated for an empty feed.
func feedUpdated(m Meta, items []ospofeed.Item) time.Time {
	var latest time.Time
	for _, it := range items {
		if u := updated(it, m.Updated); u.After(latest) {
			latest = u
		}
	}
	if latest.IsZero() {
		return m.Updated.UTC()
	}
	return latest
}

// tags are an item's kind followed by its categories, cleaned and without
// repeats.
func tags(it ospofeed.Item) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range append([]string{string(it.Kind)}, it.Categories...) {
		t = ospofeed.CleanText(t)
		if t != "" && !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// cleanList cleans every string of l and drops the empty ones.
func cleanList(l []string) []string {
	var out []string
	for _, s := range l {
		if s = ospofeed.CleanText(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// author is the item's own author, if the source named one.
func author(it ospofeed.Item) string { return ospofeed.CleanText(it.Author) }

// clock formats a duration as HH:MM:SS, the way UN Web TV shows it.
func clock(d time.Duration) string {
	d = d.Round(time.Second)
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

// day formats a date at day precision: "9 July 2024".
func day(t time.Time) string { return t.Format("2 January 2006") }

// dateRange formats an event's days compactly: "9–10 July 2024",
// "30 June – 2 July 2024", "30 December 2024 – 2 January 2025".
func dateRange(start, end time.Time) string {
	if start.IsZero() {
		return ""
	}
	sy, sm, sd := start.Date()
	ey, em, ed := end.Date()
	switch {
	case end.IsZero() || (sy == ey && sm == em && sd == ed):
		return day(start)
	case sy == ey && sm == em:
		return fmt.Sprintf("%d–%d %s %d", sd, ed, sm, sy)
	case sy == ey:
		return fmt.Sprintf("%d %s – %d %s %d", sd, sm, ed, em, sy)
	}
	return day(start) + " – " + day(end)
}

// when describes an item's dates for people, at the precision the data has.
func when(it ospofeed.Item) string {
	switch {
	case it.Kind == ospofeed.KindEvent && !it.Start.IsZero():
		if it.AllDay || isMidnight(it.Start) {
			return dateRange(it.Start, it.LastDay())
		}
		// A timed event: times are shown in UTC, the zone feeds carry.
		start, end := it.Start.UTC(), it.End.UTC()
		s := day(start) + ", " + start.Format("15:04")
		switch {
		case it.End.IsZero() || !end.After(start):
		case sameDay(start, end):
			s += "–" + end.Format("15:04")
		default:
			s += " – " + day(end) + ", " + end.Format("15:04")
		}
		return s + " UTC"
	case !it.Date.IsZero():
		if it.DateOnly || isMidnight(it.Date) {
			return day(it.Date)
		}
		return day(it.Date.UTC()) + ", " + it.Date.UTC().Format("15:04") + " UTC"
	}
	return ""
}

func isMidnight(t time.Time) bool {
	h, m, s := t.Clock()
	return h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0
}

// platform names the site a URL is on, for "Watch on …" links.
func platform(u string) string {
	switch h := host(u); {
	case h == "webtv.un.org", h == "media.un.org":
		return "UN Web TV"
	case h == "un.org", strings.HasSuffix(h, ".un.org"):
		return "the United Nations website"
	default:
		return h
	}
}
