package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

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
}

type pageData struct {
	Info     Info
	Title    string
	Path     string
	Feeds    []FeedSet // for autodiscovery in <head>
	Upcoming []eventView
	Past     []eventView
	Latest   []ospofeed.Item
	Articles []ospofeed.Item
	Orgs     []ospofeed.Item
	Sources  []SourceView
	AllFeeds []FeedSet
	Event    *eventView
	Rec      *recordingView
	Updated  time.Time
}

type recordingView struct {
	ospofeed.Item
	Slug     string
	Events   []ospofeed.Item
	Text     string
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
	v := eventView{Item: ev, Slug: ev.PageSlug()}
	for _, id := range ev.Recordings {
		if r, ok := m.look(id); ok {
			v.Recordings = append(v.Recordings, r)
		}
	}
	return v
}

func (m *model) render(s *Site, p, name string, d pageData) error {
	d.Info, d.Path, d.Updated = m.Info, p, m.updated
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
	var b bytes.Buffer
	if err := m.tmpl.ExecuteTemplate(&b, name, d); err != nil {
		return fmt.Errorf("web: render %s: %w", p, err)
	}
	// Drop what html/template lets through but HTML forbids: C0 controls,
	// U+FFFE, invalid UTF-8. Only data characters go; markup is intact.
	s.add(p, htmlType, []byte(ospofeed.StripXMLIllegal(b.String())), m.updated)
	return nil
}

// pages renders the index, a page per event and per recording with its
// citation files, and the style sheet.
func (m *model) pages(s *Site) error {
	main := m.feeds[:3]
	d := pageData{Title: m.Info.Title, Feeds: main, Sources: m.Sources, AllFeeds: m.feeds}
	for _, ev := range m.events {
		if ev.Upcoming(m.Today) {
			d.Upcoming = append([]eventView{m.eventView(ev)}, d.Upcoming...) // soonest first
		} else {
			d.Past = append(d.Past, m.eventView(ev))
		}
	}
	d.Latest = m.recordings[:min(len(m.recordings), 20)]
	d.Articles = m.articles[:min(len(m.articles), 20)]
	d.Orgs = m.orgs
	if err := m.render(s, "/", "index.html", d); err != nil {
		return err
	}
	for _, ev := range m.events {
		v := m.eventView(ev)
		set := FeedSet{ev.DisplayTitle(), "/feeds/event/" + v.Slug + "/all", "/events/" + v.Slug + "/"}
		if err := m.render(s, "/events/"+v.Slug+"/", "event.html", pageData{Title: ev.DisplayTitle(), Event: &v, Feeds: append([]FeedSet{set}, main...)}); err != nil {
			return err
		}
	}
	for _, rec := range m.recordings {
		v, files, err := m.recordingView(rec, 0)
		if err != nil {
			return err
		}
		base := "/recordings/" + v.Slug + "/"
		if err := m.render(s, base, "recording.html", pageData{Title: rec.DisplayTitle(), Rec: &v, Feeds: main}); err != nil {
			return err
		}
		for _, f := range files {
			s.add(base+f.name, f.contentType, f.body, rec.Updated)
		}
	}
	css, err := templateFS.ReadFile("templates/style.css")
	if err != nil {
		return err
	}
	s.add("/style.css", "text/css; charset=utf-8", css, m.Created)
	s.cite = m.citeAt
	return nil
}

// resolve looks items up by id, in order, skipping unknown ones.
func (m *model) resolve(ids []string) []ospofeed.Item {
	var out []ospofeed.Item
	for _, id := range ids {
		if it, ok := m.look(id); ok {
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

func citeFiles(c feed.Citation) ([]citeFile, error) {
	csl, err := feed.CSLJSON(c)
	if err != nil {
		return nil, err
	}
	return []citeFile{
		{"cite.bib", feed.BibTeXType, feed.BibTeX(c)},
		{"cite.ris", feed.RISType, feed.RIS(c)},
		{"cite.json", feed.CSLJSONType, csl},
		{"cite.txt", feed.TextCiteType, []byte(feed.TextCitation(c) + "\n")},
	}, nil
}

func (m *model) recordingView(rec ospofeed.Item, offset time.Duration) (recordingView, []citeFile, error) {
	c := m.citation(rec, offset)
	files, err := citeFiles(c)
	if err != nil {
		return recordingView{}, nil, fmt.Errorf("web: cite %s: %w", rec.ID, err)
	}
	v := recordingView{Item: rec, Slug: rec.PageSlug(), Events: c.Events,
		Text: string(files[3].body), BibTeX: string(files[0].body), RIS: string(files[1].body), CSL: string(files[2].body)}
	if strings.HasPrefix(rec.ID, "https://webtv.un.org/") {
		v.Platform = "UN Web TV"
	}
	v.Meta, v.JSONLD = m.scholarMeta(v)
	return v, files, nil
}

// scholarMeta gives the tags reference managers read from a page (Zotero's
// Embedded Metadata translator reads citation_* and DC.*) and a schema.org
// VideoObject.
func (m *model) scholarMeta(v recordingView) ([]metaTag, template.JS) {
	// Who published the recording: the broadcasting UN entity, the
	// channel's author (YouTube, PeerTube), the UN for UN Web TV, else the
	// site it is on. Never ospofeed: we only point to it.
	var publisher string
	switch {
	case len(v.Entities) > 0:
		publisher = v.Entities[0]
	case v.Author != "":
		publisher = v.Author
	case v.Platform == "UN Web TV":
		publisher = "United Nations"
	default:
		publisher = platform(v.URL)
	}
	tags := []metaTag{
		{"citation_title", v.Item.DisplayTitle()},
		{"citation_author", publisher},
		{"citation_publisher", publisher},
		{"citation_public_url", v.URL},
		{"DC.title", v.Item.DisplayTitle()},
		{"DC.creator", publisher},
		{"DC.publisher", publisher},
		{"DC.type", "MovingImage"},
		{"DC.format", "video"},
		{"DC.identifier", v.URL},
	}
	if !v.Date.IsZero() {
		tags = append(tags, metaTag{"citation_date", v.Date.UTC().Format("2006/01/02")},
			metaTag{"DC.date", v.Date.UTC().Format(time.DateOnly)})
	}
	for _, ev := range v.Events {
		tags = append(tags, metaTag{"citation_conference_title", ev.DisplayTitle()}, metaTag{"DC.relation.ispartof", ev.DisplayTitle()})
	}
	for _, l := range v.Languages {
		if l != "Original" {
			tags = append(tags, metaTag{"DC.language", l})
		}
	}
	if v.Summary != "" {
		tags = append(tags, metaTag{"DC.description", v.Summary})
	}
	ld := map[string]any{
		"@context": "https://schema.org", "@type": "VideoObject",
		"name": v.Item.DisplayTitle(), "url": v.URL, "@id": v.ID,
		"publisher": map[string]string{"@type": "Organization", "name": publisher},
	}
	if v.Summary != "" {
		ld["description"] = v.Summary
	}
	if !v.Date.IsZero() {
		ld["uploadDate"] = v.Date.UTC().Format(time.DateOnly)
	}
	if v.Duration > 0 {
		ld["duration"] = isoDuration(v.Duration)
	}
	if v.Thumbnail != "" {
		ld["thumbnailUrl"] = v.Thumbnail
	}
	if len(v.Events) > 0 {
		ev := v.Events[0]
		e := map[string]any{"@type": "Event", "name": ev.DisplayTitle(), "url": ev.URL}
		if !ev.Start.IsZero() {
			e["startDate"] = ev.Start.UTC().Format(time.DateOnly)
			e["endDate"] = ev.LastDay().UTC().Format(time.DateOnly)
		}
		if ev.Venue != "" {
			e["location"] = map[string]string{"@type": "Place", "name": ev.Venue}
		}
		ld["recordedAt"] = e
	}
	b, _ := json.Marshal(ld) // escapes <, > and & as \u003c etc.: safe in a script element
	return tags, template.JS(b)
}

// errNoCitation: no recording has that slug, or no citation that name.
var errNoCitation = errors.New("no such citation")

// pastEndError: the cited moment lies after the end of the recording.
type pastEndError struct{ offset, duration time.Duration }

func (e *pastEndError) Error() string {
	return fmt.Sprintf("%s is past the end of the recording (%s long)", fmtHMS(e.offset), fmtHMS(e.duration))
}

// citeAt renders one citation file of a recording at a time offset. An
// offset past the recording's known running time is refused: a citation
// of a moment that does not exist is worse than none.
func (m *model) citeAt(slug, name string, offset time.Duration) (*File, error) {
	for _, rec := range m.recordings {
		if rec.PageSlug() != slug {
			continue
		}
		if rec.Duration > 0 && offset > rec.Duration {
			return nil, &pastEndError{offset: offset, duration: rec.Duration}
		}
		files, err := citeFiles(m.citation(rec, offset))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if f.name == name {
				one := newSite()
				one.add("/recordings/"+slug+"/"+name, f.contentType, f.body, rec.Updated)
				return one.files["/recordings/"+slug+"/"+name], nil
			}
		}
	}
	return nil, errNoCitation
}
