package web

import (
	"encoding/json"
	"html/template"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/feed"
)

// citeStyle is one formatted citation on a recording's page: the entry to
// copy, and the in-text citation, which a page served with ?t= rebuilds
// around the moment (Before + moment + After, the moment written as Clock
// says).
type citeStyle struct {
	ID, Name      string
	Entry         template.HTML // escaped by feed, titles in <i>
	Text          string        // the entry as plain text, for copying
	InText        string
	Before, After string
	Clock         string // "short" (1:02:03) or "long" (01:02:03)
}

// styleViews shows a citation's formatted styles (feed.Styles) on a page.
func styleViews(styles []feed.Formatted) []citeStyle {
	var out []citeStyle
	for _, f := range styles {
		clock := "short"
		if f.Style == feed.StyleMLA {
			clock = "long"
		}
		out = append(out, citeStyle{ID: f.Style.ID, Name: f.Style.Name, Entry: template.HTML(f.HTML()), Text: f.Text(),
			InText: f.InText(), Before: f.Before, After: f.After, Clock: clock})
	}
	return out
}

// styleFiles are a citation's formatted styles (feed.Styles) as files,
// cite.<style>.txt: named cite.* so that ?t= cites a moment in them too.
func styleFiles(styles []feed.Formatted) []citeFile {
	var out []citeFile
	for _, f := range styles {
		out = append(out, citeFile{"cite." + f.Style.ID + ".txt", feed.TextCiteType, f.File()})
	}
	return out
}

// Description is the recording's own summary for <meta name="description">:
// its summary, else what it is.
func (v recordingView) Description() string {
	if s := ospofeed.CleanText(v.Summary); s != "" {
		return clip(s, 300)
	}
	s := "Recording"
	if len(v.Events) > 0 {
		s += " of " + v.Events[0].DisplayTitle()
	}
	if !v.Date.IsZero() {
		s += ", " + fmtDate(v.Date)
	}
	if d := fmtHMS(v.Duration); d != "" {
		s += " (" + d + ")"
	}
	return s + ", with citations in APA, Chicago and MLA."
}

// Description is the event's own summary for <meta name="description">.
func (v eventView) Description() string {
	if s := ospofeed.CleanText(v.Summary); s != "" {
		return clip(s, 300)
	}
	s := v.Item.DisplayTitle()
	if when := fmtSpan(v.Item); when != "" {
		s += ", " + when
	}
	if v.Venue != "" {
		s += ", " + ospofeed.CleanText(v.Venue)
	}
	return s + ": the event and its recordings."
}

// clip shortens s to at most n characters at a word boundary.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:.") + "…"
}

// kalturaPartner is UN Web TV's Kaltura partner (SOURCES.md).
const kalturaPartner = "2503451"

var (
	kalturaEntryRe = regexp.MustCompile(`^[0-9]_[a-z0-9]{4,}$`)
	webtvAssetRe   = regexp.MustCompile(`^https://(?:webtv|media)\.un\.org/[a-z]{2}/asset/[a-z0-9]+/k1([a-z0-9]+)$`)
	youtubeIDRe    = regexp.MustCompile(`^[A-Za-z0-9_-]{6,20}$`)
)

// kalturaEntry is a UN Web TV recording's Kaltura entry: the one stored,
// else the one its asset id implies ("k1o7stmi6p" is "1_o7stmi6p").
func kalturaEntry(it ospofeed.Item) string {
	if kalturaEntryRe.MatchString(it.KalturaID) {
		return it.KalturaID
	}
	if m := webtvAssetRe.FindStringSubmatch(it.ID); m != nil {
		return "1_" + m[1]
	}
	return ""
}

// youtubeID is the video id of a YouTube watch URL.
func youtubeID(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Hostname() != "www.youtube.com" && p.Hostname() != "youtube.com") || p.Path != "/watch" {
		return ""
	}
	if v := p.Query().Get("v"); youtubeIDRe.MatchString(v) {
		return v
	}
	return ""
}

// thumbnail is a recording's picture: the one stored, else Kaltura's
// thumbnail of its entry or YouTube's of its video.
func thumbnail(it ospofeed.Item) string {
	if u := ospofeed.WebURL(it.Thumbnail); strings.HasPrefix(u, "https://") {
		return u
	}
	if e := kalturaEntry(it); e != "" {
		return "https://cfvod.kaltura.com/p/" + kalturaPartner + "/sp/" + kalturaPartner + "00/thumbnail/entry_id/" + e + "/width/640"
	}
	if id := youtubeID(it.URL); id != "" {
		return "https://i.ytimg.com/vi/" + id + "/hqdefault.jpg"
	}
	return ""
}

// videoDate is when a recording was published, with a time zone as
// schema.org asks: a date-only production date at 12:00 UTC (UN Web TV's
// own stamp, the same day from UTC−11 to UTC+11), else the scheduled
// start, else when ospofeed first saw it.
func videoDate(it ospofeed.Item) string {
	switch {
	case !it.Date.IsZero() && it.DateOnly:
		y, m, d := it.Date.UTC().Date()
		return time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Format(time.RFC3339)
	case !it.Date.IsZero():
		return it.Date.UTC().Format(time.RFC3339)
	case !it.Start.IsZero():
		return it.Start.UTC().Format(time.RFC3339)
	case !it.FirstSeen.IsZero():
		return it.FirstSeen.UTC().Format(time.RFC3339)
	}
	return ""
}

// videoObject is a recording as schema.org's VideoObject.
func videoObject(it ospofeed.Item) map[string]any {
	ld := map[string]any{"@type": "VideoObject", "name": it.DisplayTitle()}
	if u := ospofeed.WebURL(it.URL); u != "" {
		ld["url"] = u
	}
	if s := ospofeed.CleanText(it.Summary); s != "" {
		ld["description"] = s
	} else {
		ld["description"] = it.DisplayTitle() // required by search engines
	}
	if d := videoDate(it); d != "" {
		ld["uploadDate"] = d
	}
	if it.Duration > 0 {
		ld["duration"] = isoDuration(it.Duration)
	}
	if t := thumbnail(it); t != "" {
		ld["thumbnailUrl"] = t
	}
	// Where the stream itself is: Kaltura's HLS manifest of the entry,
	// YouTube's player. UN Web TV's Kaltura player needs a player
	// configuration id that no source documents, so it has no embedUrl.
	if e := kalturaEntry(it); e != "" && !it.Live {
		ld["contentUrl"] = "https://cdnapisec.kaltura.com/p/" + kalturaPartner + "/sp/" + kalturaPartner + "00/playManifest/entryId/" + e + "/format/applehttp/protocol/https/a.m3u8"
	}
	if id := youtubeID(it.URL); id != "" {
		ld["embedUrl"] = "https://www.youtube-nocookie.com/embed/" + id
	}
	return ld
}

// organizer is who held an event: its first named entity, else the UN for
// the UN's sites.
func organizer(it ospofeed.Item) string {
	for _, e := range it.Entities {
		if e = ospofeed.CleanText(e); e != "" {
			return e
		}
	}
	if u, err := url.Parse(it.URL); err == nil && (u.Hostname() == "un.org" || strings.HasSuffix(u.Hostname(), ".un.org")) {
		return "United Nations"
	}
	return ""
}

// eventObject is an event as schema.org's Event.
func eventObject(ev ospofeed.Item) map[string]any {
	e := map[string]any{"@type": "Event", "name": ev.DisplayTitle()}
	if u := ospofeed.WebURL(ev.URL); u != "" {
		e["url"] = u
	}
	if !ev.Start.IsZero() {
		if ev.AllDay {
			e["startDate"] = ev.Start.UTC().Format(time.DateOnly)
			e["endDate"] = ev.LastDay().UTC().Format(time.DateOnly)
		} else {
			e["startDate"] = ev.Start.UTC().Format(time.RFC3339)
			if !ev.End.IsZero() {
				e["endDate"] = ev.End.UTC().Format(time.RFC3339)
			}
		}
	}
	if v := ospofeed.CleanText(ev.Venue); v != "" {
		e["location"] = map[string]string{"@type": "Place", "name": v, "address": v}
	}
	if o := organizer(ev); o != "" {
		e["organizer"] = map[string]string{"@type": "Organization", "name": o}
	}
	return e
}

// marshalLD encodes JSON-LD for a script element: encoding/json escapes <,
// > and & as \u003c etc., so no text can end the element.
func marshalLD(v any) template.JS {
	b, _ := json.Marshal(v)
	return template.JS(b)
}

// JSONLD is the event as schema.org's Event, with its recordings as the
// works that recorded it (recordedIn, the inverse of a VideoObject's
// recordedAt).
func (v eventView) JSONLD() template.JS {
	e := eventObject(v.Item)
	e["@context"] = "https://schema.org"
	if s := ospofeed.CleanText(v.Summary); s != "" {
		e["description"] = s
	}
	var recs []map[string]any
	for _, r := range v.Recordings {
		recs = append(recs, videoObject(r))
	}
	if len(recs) > 0 {
		e["recordedIn"] = recs
	}
	return marshalLD(e)
}

// scholarMeta gives the tags reference managers read from a page and a
// schema.org VideoObject. Zotero's Embedded Metadata translator takes the
// item type from og:type video.other (a video recording; citation_conference_title
// would make it a conference paper, so there is none), citation_* and DC.*
// for the rest, and the running time from video:duration.
func (m *model) scholarMeta(v recordingView, c feed.Citation) ([]metaTag, template.JS) {
	r := c.Fields()
	tags := []metaTag{
		{"citation_title", v.Item.DisplayTitle()},
		{"citation_author", r.Author},
		{"citation_publisher", r.Publisher},
		{"citation_public_url", v.URL},
		{"DC.title", v.Item.DisplayTitle()},
		{"DC.creator", r.Author},
		{"DC.publisher", r.Publisher},
		{"DC.type", "MovingImage"},
		{"DC.format", "video"},
		{"DC.identifier", v.URL},
	}
	if !v.Date.IsZero() {
		tags = append(tags, metaTag{"citation_date", v.Date.UTC().Format("2006/01/02")},
			metaTag{"DC.date", v.Date.UTC().Format(time.DateOnly)})
	}
	if r.Duration != "" {
		tags = append(tags, metaTag{"video:duration", r.Duration})
	}
	for _, ev := range v.Events {
		tags = append(tags, metaTag{"DC.relation.ispartof", ev.DisplayTitle()})
	}
	for _, l := range v.Languages {
		if l != "Original" {
			tags = append(tags, metaTag{"DC.language", l})
		}
	}
	if v.Summary != "" {
		tags = append(tags, metaTag{"DC.description", v.Summary})
	}
	var kept []metaTag
	for _, t := range tags {
		if t.Content != "" {
			kept = append(kept, t)
		}
	}
	ld := videoObject(v.Item)
	ld["@context"] = "https://schema.org"
	ld["@id"] = v.ID
	if r.Publisher != "" {
		ld["publisher"] = map[string]string{"@type": "Organization", "name": r.Publisher}
	}
	if r.Author != "" {
		ld["author"] = map[string]string{"@type": "Organization", "name": r.Author}
	}
	if len(v.Events) > 0 {
		ld["recordedAt"] = eventObject(v.Events[0])
	}
	// A moment of the recording is our page with ?t=SECONDS, where the
	// player starts there.
	if base := m.Info.BaseURL; base != "" && v.Duration > 0 {
		ld["potentialAction"] = map[string]any{
			"@type":             "SeekToAction",
			"target":            base + "/recordings/" + v.Slug + "/?t={seek_to_second_number}",
			"startOffset-input": "required name=seek_to_second_number",
		}
	}
	return kept, marshalLD(ld)
}
