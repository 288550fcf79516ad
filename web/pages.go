package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/feed"
)

//go:embed templates
var templateFS embed.FS

const htmlType = "text/html; charset=utf-8"

// policy re-sanitizes stored HTML at render time: the scraper sanitized it
// already, but a page must be safe whatever the database holds.
var policy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "ul", "ol", "li", "b", "strong", "i", "em", "blockquote", "h3", "h4", "h5", "h6")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	return p
}()

var funcs = template.FuncMap{
	"date":     fmtDate,
	"nz":       nonZero,
	"platform": platform,
	"clock":    func(t time.Time) string { return t.UTC().Format("2 January 2006, 15:04 UTC") },
	"span":     fmtSpan,
	"hms":      fmtHMS,
	"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"day":      func(t time.Time) string { return t.UTC().Format(time.DateOnly) },
	"slashday": func(t time.Time) string { return t.UTC().Format("2006/01/02") },
	"safe":     func(s string) template.HTML { return template.HTML(policy.Sanitize(s)) },
	"join":     strings.Join,
	"slug":     ospofeed.Slug,
	"isoDur":   isoDuration,
	"title":    ospofeed.Item.DisplayTitle,
	"base":     func() string { return "" }, // replaced per site by the base URL
	"resolve":  func([]string) []ospofeed.Item { return nil },
	"href":     func(ospofeed.Item) string { return "" },
	"topic":    topicCase,
	"thumb":    listThumbnail,
	"health":   visitorStatus,
}

var tmpl = template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))

// platform names where a recording is watched, from its URL's host.
func platform(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "its site"
	}
	switch h := strings.TrimPrefix(p.Hostname(), "www."); {
	case h == "webtv.un.org" || h == "media.un.org":
		return "UN Web TV"
	case h == "youtube.com" || h == "youtu.be" || h == "m.youtube.com":
		return "YouTube"
	case h != "":
		return h
	}
	return "its site"
}

// nonZero is t, or nil for the zero time, so that {{with nz .Date}} skips
// unknown dates (a zero time.Time is a non-empty struct to templates).
func nonZero(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 January 2006")
}

// fmtSpan writes an event's days as people do: "9–10 July 2024".
func fmtSpan(it ospofeed.Item) string {
	a, b := it.Start.UTC(), it.LastDay().UTC()
	switch {
	case a.IsZero():
		return ""
	case !it.AllDay:
		return a.Format("2 January 2006, 15:04 UTC")
	case a.Equal(b):
		return a.Format("2 January 2006")
	case a.Year() == b.Year() && a.Month() == b.Month():
		return fmt.Sprintf("%d–%s", a.Day(), b.Format("2 January 2006"))
	case a.Year() == b.Year():
		return a.Format("2 January") + " – " + b.Format("2 January 2006")
	}
	return a.Format("2 January 2006") + " – " + b.Format("2 January 2006")
}

func fmtHMS(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	s := int64(d / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

func isoDuration(d time.Duration) string {
	s := int64(d / time.Second)
	return fmt.Sprintf("PT%dH%dM%dS", s/3600, s/60%60, s%60)
}

// eventView is an event with its recordings resolved.
type eventView struct {
	ospofeed.Item
	Slug       string
	Recordings []ospofeed.Item
	Count      int  // recordings in all
	More       bool // Recordings are the first of Count
}

// listView is one page of a listing.
type listView struct {
	Kind          string
	Base          string
	Items         []ospofeed.Item
	Page          uint64
	Older, Newest string
}

type pageData struct {
	Info     Info
	Title    string
	Path     string
	Feeds    []FeedSet // for autodiscovery in <head>
	Upcoming []eventView
	Past     []eventView
	MorePast bool
	Latest   []ospofeed.Item
	Articles []ospofeed.Item
	Orgs     []ospofeed.Item
	// More…: the index shows the newest only; a listing page has more.
	MoreLatest, MoreArticles, MoreOrgs bool
	Sources                            []SourceView
	AllFeeds                           []FeedSet
	Event                              *eventView
	Rec                                *recordingView
	List                               *listView
	Browse                             *browseView
}

// browseView is the browse page: the recordings by year and by language,
// and the events.
type browseView struct {
	Years, Languages []FeedSet
	Events           []eventView
}

// browse renders /search/: where a static copy of the site, which has no
// full-text search, sends a search, and what serve's search page links
// to: the recordings by year and by language, and the events.
func (m *model) browse(b *batch, evs []ospofeed.Item) error {
	keys, err := m.r.Feeds()
	if err != nil {
		return err
	}
	v := &browseView{}
	for _, k := range keys {
		set, _, ok := m.feedSet(k)
		switch {
		case !ok:
		case strings.HasPrefix(k, "year/"):
			v.Years = append([]FeedSet{set}, v.Years...) // newest first
		case strings.HasPrefix(k, "lang/"):
			v.Languages = append(v.Languages, set)
		}
	}
	for _, ev := range evs {
		v.Events = append(v.Events, eventView{Item: ev, Slug: ev.PageSlug(), Count: len(ev.Recordings)})
	}
	return m.page(b, "/search/", "browse.html", pageData{Title: "Find a recording", Browse: v}, m.newest(evs...))
}

// Description is the page's own <meta name="description">: the
// recording's or the event's, a listing's, else the site's.
func (d pageData) Description() string {
	switch {
	case d.Rec != nil:
		return d.Rec.Description()
	case d.Event != nil:
		return d.Event.Description()
	case d.Browse != nil:
		return "Find a recording of an OSPO event: by year, by language, by event, or by searching its title and description."
	case d.List != nil:
		s := listDescriptions[d.List.Kind]
		if d.List.Page > 0 {
			s += fmt.Sprintf(" Page %d of the archive.", d.List.Page)
		}
		return s
	}
	return ospofeed.CleanText(d.Info.Description)
}

// listDescriptions describe the listing pages.
var listDescriptions = map[string]string{
	ospofeed.FeedRecordings: "Recordings of OSPO events' sessions, newest first, with their dates, running times and citations.",
	ospofeed.FeedEvents:     "Events of Open Source Programme Offices, newest first, with their recordings.",
	ospofeed.FeedNews:       "News and reports about OSPOs and their events, newest first.",
	ospofeed.FeedOSPOs:      "Public-sector Open Source Programme Offices, newest listed first.",
}

// navItems are the site's sections, in the header's order.
var navItems = []struct{ Path, Name string }{
	{"/events/", "Events"}, {"/recordings/", "Recordings"}, {"/news/", "News"}, {"/ospos/", "OSPOs"}, {"/search/", "Find"}, {"/#feeds", "Feeds"},
}

// navLink is one link of the header's navigation; Current is "page" on
// the section's own listing page, "true" on the pages under it, "" else.
type navLink struct{ Path, Name, Current string }

// Nav is the header's navigation for this page.
func (d pageData) Nav() []navLink {
	out := make([]navLink, 0, len(navItems))
	for _, n := range navItems {
		l := navLink{Path: n.Path, Name: n.Name}
		switch {
		case d.Path == n.Path:
			l.Current = "page"
		case strings.HasSuffix(n.Path, "/") && strings.HasPrefix(d.Path, n.Path),
			n.Path == "/search/" && (strings.HasPrefix(d.Path, "/years/") || strings.HasPrefix(d.Path, "/languages/")):
			l.Current = "true"
		}
		out = append(out, l)
	}
	return out
}

// visitorStatus is a source's health as a visitor reads it, without the
// crawler's error (that is for /healthz, `ospofeed sources` and the
// status feed). The template adds "since" the status's date: a page shows
// no time relative to when it was rendered, and only what moves the
// store's shown health (status, its date, items), so that it never goes
// stale between renders.
func visitorStatus(s ospofeed.Status) string {
	switch s {
	case ospofeed.StatusOK:
		return "working"
	case ospofeed.StatusEmpty:
		return "working, lists nothing"
	case ospofeed.StatusDegraded:
		return "partly unavailable"
	case ospofeed.StatusFailed:
		return "unavailable"
	case ospofeed.StatusNew, "":
		return "not read yet"
	}
	return s.Label()
}

// topicCase writes a topic the source shouts ("OPEN SOURCE") as a
// sentence ("Open source"), keeping the acronyms of four letters or fewer
// ("UN", "SDG", "ICT") that are not common words. A topic with any
// lower-case letter is the source's own spelling, and kept.
func topicCase(s string) string {
	if strings.ToUpper(s) != s || strings.ToLower(s) == s {
		return s
	}
	var b strings.Builder
	first := true
	word := func(w string) {
		if w == "" {
			return
		}
		n := 0
		for _, r := range w {
			if unicode.IsLetter(r) {
				n++
			}
		}
		lw := strings.ToLower(w)
		switch {
		case n == 0:
		case n <= 4 && !commonWords[lw]:
			// An acronym: as the source wrote it.
		case first:
			r, size := utf8.DecodeRuneInString(lw)
			w = string(unicode.ToUpper(r)) + lw[size:]
		default:
			w = lw
		}
		if n > 0 {
			first = false
		}
		b.WriteString(w)
	}
	start := 0
	for i, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			word(s[start:i])
			b.WriteRune(r)
			start = i + utf8.RuneLen(r)
		}
	}
	word(s[start:])
	return b.String()
}

// commonWords are the short English words a shouted topic may hold that
// are not acronyms.
var commonWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an and are as at be by for from in into is it its of on or per the to via with
		aid age air all arms art arts care city code data debt fair farm fish food free fund gap good high
		land law laws life live long made more new news non oil open ozone peace plan play post rule
		rural safe sea seas self soil south space sport tax team tech town trade urban use user war
		ways web week wide work year youth zero`) {
		m[w] = true
	}
	return m
}()

// listThumbnail is a recording's picture for a list: Kaltura's, asked at
// the width a list shows it.
func listThumbnail(it ospofeed.Item) string {
	u := thumbnail(it)
	if base, ok := strings.CutSuffix(u, "/width/640"); ok && strings.HasPrefix(u, "https://cfvod.kaltura.com/") {
		return base + "/width/320"
	}
	return u
}

// kalturaPlayer is UN Web TV's Kaltura player as an iframe: the partner is
// UN Web TV's (SOURCES.md); the player configuration (uiconf_id 50132433)
// is unverified: no source documents the one webtv.un.org uses. Only a
// visitor's click on the recording's page loads it (cite.js).
const kalturaPlayer = "https://cdnapisec.kaltura.com/p/" + kalturaPartner + "/sp/" + kalturaPartner + "00/embedIframeJs/uiconf_id/50132433/partner_id/" + kalturaPartner + "?iframeembed=true&entry_id="

// player is what the click-to-load player of a recording's page needs.
type player struct {
	Kind  string // "kaltura" or "youtube"
	Host  string // who serves the player, as a visitor knows it
	Embed string // the iframe's URL, without autoplay or start
	Thumb string
}

// Player is the recording's player, or nil when none can be embedded (a
// withdrawn recording, a platform without a known player): the page then
// links to where it is watched.
func (v recordingView) Player() *player {
	if v.Withdrawn {
		return nil
	}
	if id := youtubeID(v.URL); id != "" {
		return &player{Kind: "youtube", Host: "YouTube", Embed: "https://www.youtube-nocookie.com/embed/" + id, Thumb: thumbnail(v.Item)}
	}
	if e := kalturaEntry(v.Item); e != "" {
		return &player{Kind: "kaltura", Host: "Kaltura", Embed: kalturaPlayer + e, Thumb: thumbnail(v.Item)}
	}
	return nil
}

type recordingView struct {
	ospofeed.Item
	Slug     string
	Events   []ospofeed.Item
	Text     string
	Styles   []citeStyle // APA, Chicago, MLA
	BibTeX   string
	RIS      string
	CSL      string
	JSONLD   template.JS
	Meta     []metaTag
	Offset   string
	Platform string
}

type metaTag struct{ Name, Content string }

// OtherLanguages are the page's language versions other than the one we
// link (the /en/ page).
func (v recordingView) OtherLanguages() []ospofeed.Alternate {
	var out []ospofeed.Alternate
	for _, a := range v.Alternates {
		if a.URL != v.URL {
			out = append(out, a)
		}
	}
	return out
}

func (m *model) eventView(ev ospofeed.Item) eventView {
	recs, _ := m.load(ev.Recordings)
	return eventView{Item: ev, Slug: ev.PageSlug(), Recordings: recs, Count: len(recs)}
}

// page renders an HTML page into the batch.
func (m *model) page(b *batch, p, name string, d pageData, modified time.Time) error {
	d.Info, d.Path = m.Info, p
	if m.tmpl == nil {
		t, err := tmpl.Clone()
		if err != nil {
			return err
		}
		base := m.Info.BaseURL
		m.tmpl = t.Funcs(template.FuncMap{
			"base":    func() string { return base },
			"resolve": m.resolve,
			"href":    m.href,
		})
	}
	var buf bytes.Buffer
	if err := m.tmpl.ExecuteTemplate(&buf, name, d); err != nil {
		return fmt.Errorf("web: render %s: %w", p, err)
	}
	// Drop what html/template lets through but HTML forbids: C0 controls,
	// U+FFFE, invalid UTF-8. Only data characters go; markup is intact.
	return b.add(newFile(p, htmlType, []byte(ospofeed.StripXMLIllegal(buf.String())), modified))
}

// newest is the latest Updated of items, or the database's creation: the
// Last-Modified of a page that shows them. A page depends only on what it
// shows.
func (m *model) newest(items ...ospofeed.Item) time.Time {
	t := m.Created.UTC()
	for _, it := range items {
		if it.Updated.After(t) {
			t = it.Updated
		}
	}
	return t
}

// indexRecent is how many recordings, news items, past events and OSPOs
// the index page shows; the listing pages have the rest.
const indexRecent = 20

// index renders the home page: upcoming events, the newest past events,
// recordings and news, and the sources' health. Its size does not grow
// with the store.
func (m *model) index(b *batch, evs []ospofeed.Item) error {
	d := pageData{Title: m.Info.Title, Feeds: m.sets(mainFeeds[:3]), Sources: m.Sources}
	shown := []ospofeed.Item{}
	for _, ev := range evs {
		if ev.Upcoming(m.Today) {
			d.Upcoming = append([]eventView{m.eventSummary(ev)}, d.Upcoming...) // soonest first
		} else if len(d.Past) < indexRecent {
			d.Past = append(d.Past, m.eventSummary(ev))
		} else {
			d.MorePast = true
			continue
		}
		shown = append(shown, ev)
	}
	for _, x := range []struct {
		key string
		dst *[]ospofeed.Item
		all *bool
	}{
		{ospofeed.FeedRecordings, &d.Latest, &d.MoreLatest},
		{ospofeed.FeedNews, &d.Articles, &d.MoreArticles},
		{ospofeed.FeedOSPOs, &d.Orgs, &d.MoreOrgs},
	} {
		n, err := m.r.FeedLen(x.key)
		if err != nil {
			return err
		}
		items, err := m.entries(x.key, n-min(n, uint64(m.size))+1, n)
		if err != nil {
			return err
		}
		*x.all = len(items) > indexRecent || n > uint64(m.size)
		*x.dst = items[:min(len(items), indexRecent)]
		shown = append(shown, *x.dst...)
	}
	// The feeds of what the page lists: the site's, the events shown, the
	// configured sources.
	keys := slices.Clone(mainFeeds)
	for _, v := range append(slices.Clone(d.Upcoming), d.Past...) {
		keys = append(keys, ospofeed.FeedOfEvent(v.ID))
	}
	for _, sv := range m.Sources {
		keys = append(keys, ospofeed.FeedOfSource(sv.Source.ID))
	}
	d.AllFeeds = m.sets(keys)
	return m.page(b, "/", "index.html", d, m.newest(shown...))
}

// eventSummary is an event with its first recordings, for lists.
func (m *model) eventSummary(ev ospofeed.Item) eventView {
	v := eventView{Item: ev, Slug: ev.PageSlug(), Count: len(ev.Recordings)}
	recs, _ := m.load(ev.Recordings[:min(len(ev.Recordings), 5)])
	v.Recordings = recs
	v.More = len(ev.Recordings) > len(recs)
	return v
}

// listingPage renders the HTML listing of a kind's feed: its newest
// entries at base (page 0), or archive page n at base/page/n/.
func (m *model) listingPage(b *batch, k, base string, items []ospofeed.Item, page, full uint64) error {
	set, _, _ := m.feedSet(k)
	d := pageData{Title: set.Title, Feeds: []FeedSet{set}, List: &listView{Kind: listKind(k), Base: base, Items: items, Page: page}}
	p := base
	if page > 0 {
		p = base + "page/" + strconv.FormatUint(page, 10) + "/"
		d.Title += fmt.Sprintf(" (page %d)", page)
		if page > 1 {
			d.List.Older = base + "page/" + strconv.FormatUint(page-1, 10) + "/"
		}
		// No "newer" link: the page would change when the next one fills.
		d.List.Newest = base
	} else if full > 0 {
		d.List.Older = base + "page/" + strconv.FormatUint(full, 10) + "/"
	}
	return m.page(b, p, "list.html", d, m.newest(items...))
}

// itemPages renders an event's page, or a recording's page and its
// citation files.
func (m *model) itemPages(b *batch, it ospofeed.Item) error {
	switch it.Kind {
	case ospofeed.KindEvent:
		v := m.eventView(it)
		set, _, _ := m.feedSet(ospofeed.FeedOfEvent(it.ID))
		return m.page(b, "/events/"+v.Slug+"/", "event.html", pageData{Title: it.DisplayTitle(), Event: &v,
			Feeds: append([]FeedSet{set}, m.sets(mainFeeds[:3])...)}, m.newest(append([]ospofeed.Item{it}, v.Recordings...)...))
	case ospofeed.KindRecording:
		if it.Unpublished {
			return nil // no recording to cite yet: its event's page lists the session
		}
		v, files, err := m.recordingView(it, 0)
		if err != nil {
			return err
		}
		base := "/recordings/" + v.Slug + "/"
		if err := m.page(b, base, "recording.html", pageData{Title: it.DisplayTitle(), Rec: &v, Feeds: m.sets(mainFeeds[:3])},
			m.newest(append([]ospofeed.Item{it}, v.Events...)...)); err != nil {
			return err
		}
		for _, f := range files {
			if err := b.add(newFile(base+f.name, f.contentType, f.body, it.Updated)); err != nil {
				return err
			}
		}
		// Which item the page is about, for citations at a moment.
		return b.add(newFile(recordIndex+v.Slug, "text/plain", []byte(it.ID), time.Time{}))
	}
	return nil
}

// recordIndex prefixes the stored records that map a recording's page
// slug to its id; they are never served or written out.
const recordIndex = "@rec/"

// resolve looks items up by id, in order, skipping unknown ones.
func (m *model) resolve(ids []string) []ospofeed.Item {
	var out []ospofeed.Item
	for _, id := range ids {
		// A recording never published is not one to link to: only its
		// event's page lists it, as a scheduled session.
		if it, ok := m.look(id); ok && !it.Unpublished {
			out = append(out, it)
		}
	}
	return out
}

// href is where a link to an item goes: our page for events and
// recordings, the item's own URL otherwise.
func (m *model) href(it ospofeed.Item) string {
	if p := feed.PageURL(m.Info.BaseURL, it); p != "" {
		return p
	}
	return it.URL
}

type citeFile struct {
	name, contentType string
	body              []byte
}

// citation is the feed.Citation of a recording.
func (m *model) citation(rec ospofeed.Item, offset time.Duration) feed.Citation {
	c := feed.Citation{Item: rec, Permalink: feed.PageURL(m.Info.BaseURL, rec), Offset: offset}
	for _, id := range rec.Events {
		if ev, ok := m.look(id); ok {
			c.Events = append(c.Events, ev)
		}
	}
	return c
}

// citeFiles are a recording's citation files: BibTeX, RIS, CSL-JSON, the
// plain-text reference, then one file per formatted style
// (cite.apa.txt, …), from the citation's styles (feed.Styles, formatted
// once for the files and the page).
func citeFiles(c feed.Citation, styles []feed.Formatted) ([]citeFile, error) {
	csl, err := feed.CSLJSON(c)
	if err != nil {
		return nil, err
	}
	return append([]citeFile{
		{"cite.bib", feed.BibTeXType, feed.BibTeX(c)},
		{"cite.ris", feed.RISType, feed.RIS(c)},
		{"cite.json", feed.CSLJSONType, csl},
		{"cite.txt", feed.TextCiteType, []byte(feed.TextCitation(c) + "\n")},
	}, styleFiles(styles)...), nil
}

func (m *model) recordingView(rec ospofeed.Item, offset time.Duration) (recordingView, []citeFile, error) {
	c := m.citation(rec, offset)
	styles := feed.Styles(c)
	files, err := citeFiles(c, styles)
	if err != nil {
		return recordingView{}, nil, fmt.Errorf("web: cite %s: %w", rec.ID, err)
	}
	v := recordingView{Item: rec, Slug: rec.PageSlug(), Events: c.Events, Styles: styleViews(styles),
		Text: string(files[3].body), BibTeX: string(files[0].body), RIS: string(files[1].body), CSL: string(files[2].body)}
	if strings.HasPrefix(rec.ID, "https://webtv.un.org/") {
		v.Platform = "UN Web TV"
	}
	v.Meta, v.JSONLD = m.scholarMeta(v, c)
	return v, files, nil
}

// errNoCitation: no recording has that slug, or no citation that name.
var errNoCitation = errors.New("no such citation")

// pastEndError: the cited moment lies after the end of the recording.
type pastEndError struct{ offset, duration time.Duration }

func (e *pastEndError) Error() string {
	return fmt.Sprintf("%s is past the end of the recording (%s long)", fmtHMS(e.offset), fmtHMS(e.duration))
}

// CiteAt renders one citation file of a recording at a time offset, on
// request. An offset past the recording's known running time is refused: a
// citation of a moment that does not exist is worse than none.
func (r *Renderer) CiteAt(c Context, slug, name string, offset time.Duration) (*File, error) {
	rec, ok, err := r.S.SiteFile(recordIndex + slug)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoCitation
	}
	m := newModel(c, r.R, r.pageSize())
	items, err := m.load([]string{string(rec.Body)})
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, errNoCitation
	}
	it := items[0]
	if it.Duration > 0 && offset > it.Duration {
		return nil, &pastEndError{offset: offset, duration: it.Duration}
	}
	cit := m.citation(it, offset)
	files, err := citeFiles(cit, feed.Styles(cit))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if f.name == name {
			return newFile("/recordings/"+slug+"/"+name, f.contentType, f.body, it.Updated), nil
		}
	}
	return nil, errNoCitation
}
