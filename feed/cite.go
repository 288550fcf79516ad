package feed

import (
	"fmt"
	"strings"
	"time"

	"github.com/ospofeed/ospofeed"
)

// Citation is one item to cite (usually a recording), with what a reference
// needs that the item alone does not carry.
type Citation struct {
	Item      ospofeed.Item
	Events    []ospofeed.Item // the events it belongs to (resolved); the first is cited
	Permalink string          // our page for it; cited only when the item has no URL of its own
	Offset    time.Duration   // a time offset into the recording, 0 for none
	// Publisher overrides who makes the item available: for a recording
	// the platform it is watched on ("UN Web TV", "YouTube", else the
	// host), for a page its site.
	Publisher string
}

// ref is a Citation reduced to cleaned values, shared by every citation
// format so that they cite the same thing the same way.
type ref struct {
	Key       string
	Kind      ospofeed.Kind
	Title     string
	Author    string // one name: the broadcasting body of a recording, a person, an organisation
	Corporate bool   // Author is an organisation, not a person
	// Publisher makes the item available: a recording's platform, a
	// page's site; "" when it would repeat Author.
	Publisher  string
	Platform   string    // "UN Web TV", "YouTube" for a recording there, else ""
	Date       time.Time // day precision; zero when the source gives none
	End        time.Time // an event's last day, zero when it is Date
	Accessed   time.Time // the day ospofeed last saw the item change; zero when unknown
	URL        string
	Event      string // a recording's (first) event
	EventPlace string // where the event took place: a recording's event's venue, an event's own
	Genre      string // "Video" for a recording
	Duration   string // HH:MM:SS, "" when unknown
	Offset     string // HH:MM:SS, "" for none
	Seconds    int64  // the offset in seconds
	Languages  []string
	Lang       string // the language of the title as a BCP 47 code, "" when unknown
	Abstract   string
}

func (c Citation) ref() ref {
	it := c.Item
	r := ref{
		Kind:     it.Kind,
		Title:    it.DisplayTitle(),
		URL:      itemURL(it),
		Abstract: strings.Join(paragraphs(it.Summary), " "),
	}
	if r.URL == "" {
		r.URL = ospofeed.WebURL(c.Permalink)
	}
	if it.Duration > 0 {
		r.Duration = clock(it.Duration)
	}
	if c.Offset > 0 {
		r.Offset = clock(c.Offset)
		r.Seconds = int64(c.Offset.Round(time.Second) / time.Second)
	}
	switch {
	case it.Kind == ospofeed.KindEvent:
		r.EventPlace = ospofeed.CleanText(it.Venue)
	case len(c.Events) > 0:
		r.Event = c.Events[0].DisplayTitle()
		r.EventPlace = ospofeed.CleanText(c.Events[0].Venue)
	}
	// A citation's date is what the source states: an event's start, else
	// the production or publication date, else a session's scheduled start.
	// First-seen is when we noticed, not when it happened, so never cited.
	switch {
	case it.Kind == ospofeed.KindEvent && !it.Start.IsZero():
		r.Date = it.Start
		if last := it.LastDay(); !sameDay(last, it.Start) {
			r.End = last
		}
	case !it.Date.IsZero():
		r.Date = it.Date.UTC()
	case !it.Start.IsZero():
		r.Date = it.Start.UTC()
	}
	// Accessed is when the cited content was last seen as it is: the
	// item's last change, never the time of rendering, so that a citation
	// file stays the same until the item does.
	if !it.Updated.IsZero() {
		u := it.Updated.UTC()
		r.Accessed = time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
	}
	for _, l := range cleanList(it.Languages) {
		// UN Web TV lists "Original" (the floor) beside real languages.
		if !strings.EqualFold(l, "original") {
			r.Languages = append(r.Languages, l)
		}
	}
	if len(r.Languages) > 0 {
		r.Lang = langCode(r.Languages[0])
	}
	entities := cleanList(it.Entities)
	if it.Kind == ospofeed.KindRecording {
		r.Genre = "Video"
		r.Platform = watchPlatform(r.URL)
		// The author of a recording is the body that broadcast it; the
		// platform publishes it. A UN Web TV recording without a named
		// entity is the United Nations'.
		switch {
		case len(entities) > 0:
			r.Author, r.Corporate = entities[0], true
		case author(it) != "":
			r.Author = author(it)
		case r.Platform == "UN Web TV":
			r.Author, r.Corporate = "United Nations", true
		}
		r.Publisher = r.Platform
		if r.Publisher == "" {
			r.Publisher = host(itemURL(it))
		}
	} else {
		r.Publisher = publisherOf(itemURL(it))
		if len(entities) > 0 {
			r.Publisher = entities[0]
		}
		if r.Author = author(it); r.Author == "" {
			r.Author, r.Corporate = r.Publisher, true
		}
	}
	if p := ospofeed.CleanText(c.Publisher); p != "" {
		r.Publisher = p
	}
	if r.Publisher == r.Author {
		r.Publisher = "" // "United Nations. … United Nations." says nothing twice
	}
	r.Key = citeKey(it, r.Date)
	return r
}

// CiteFields are the names a citation of an item uses, for pages that
// describe it in their own metadata the same way.
type CiteFields struct {
	Author    string // the broadcasting body, a person, an organisation; "" when unknown
	Publisher string // the platform or site; "" when it would repeat Author
	Duration  string // HH:MM:SS, "" when unknown
}

// Fields are the names the citation formats use for c.
func (c Citation) Fields() CiteFields {
	r := c.ref()
	return CiteFields{Author: r.Author, Publisher: r.Publisher, Duration: r.Duration}
}

// watchPlatform names the video platforms whose names citations use: UN
// Web TV (and its sister site) and YouTube; "" for any other site.
func watchPlatform(u string) string {
	switch h := host(u); h {
	case "webtv.un.org", "media.un.org":
		return "UN Web TV"
	case "youtube.com", "m.youtube.com", "youtu.be":
		return "YouTube"
	}
	return ""
}

// langCode is the BCP 47 code of a language as UN Web TV names it, for
// CSL's language field; "" for a name it does not know.
func langCode(name string) string {
	switch strings.ToLower(name) {
	case "english":
		return "en"
	case "french", "français":
		return "fr"
	case "spanish", "español":
		return "es"
	case "arabic":
		return "ar"
	case "chinese":
		return "zh"
	case "russian":
		return "ru"
	case "portuguese":
		return "pt"
	case "german", "deutsch":
		return "de"
	}
	return ""
}

// publisherOf guesses a publisher from a URL's host: the UN's sites are the
// United Nations'; any other site is named by its host.
func publisherOf(u string) string {
	h := host(u)
	if h == "un.org" || strings.HasSuffix(h, ".un.org") {
		return "United Nations"
	}
	return h
}

// citeKey is a citation key that depends only on the item's id and date:
// site-year-slug, e.g. un-webtv-2024-k1ma4k9rff. Editors paste these into
// documents, so they must not change when a title does.
func citeKey(it ospofeed.Item, date time.Time) string {
	site := "ref"
	h := host(itemURL(it))
	if h == "" {
		h = host(it.ID)
	}
	switch {
	case h == "webtv.un.org":
		site = "un-webtv"
	case h == "media.un.org":
		site = "un-media"
	case h == "un.org":
		site = "un"
	case h != "":
		site = ospofeed.Slug(h) // a host has no "/", so Slug keeps all of it
	}
	year := "nd"
	if !date.IsZero() {
		year = date.Format("2006")
	}
	return site + "-" + year + "-" + ospofeed.Slug(ospofeed.CleanText(it.ID))
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// note is the free-text remark the exports carry for readers that have no
// field for them: the medium, the running time and the cited moment
// ("Video, running time 02:58:41, cited at 01:23:45").
func (r ref) note() string {
	var parts []string
	if r.Genre != "" {
		parts = append(parts, r.Genre)
	}
	if r.Duration != "" {
		parts = append(parts, "running time "+r.Duration)
	}
	if r.Offset != "" {
		parts = append(parts, "cited at "+r.Offset)
	}
	return strings.Join(parts, ", ")
}

// TextCitation is a human-readable reference in Chicago style (notes and
// bibliography, author-title), for editors to paste:
//
//	United Nations. “(Day 1, Part 1) OSPOs for Good 2024.” OSPOs for Good 2024. UN Web TV, July 9, 2024. Video, 02:45:13, at 01:23:45. https://webtv.un.org/en/asset/k1m/k1ma4k9rff.
func TextCitation(c Citation) string {
	r := c.ref()
	var s []string
	if r.Author != "" && r.Author != r.Title {
		s = append(s, period(r.Author))
	}
	s = append(s, "“"+period(r.Title)+"”")
	if r.Event != "" && r.Event != r.Title {
		s = append(s, period(r.Event))
	}
	var pub []string
	if r.Platform != "" {
		pub = append(pub, r.Platform)
	} else if r.Publisher != "" {
		pub = append(pub, r.Publisher)
	}
	if d := usDate(r.Date, r.End); d != "" {
		pub = append(pub, d)
	}
	if len(pub) > 0 {
		s = append(s, period(strings.Join(pub, ", ")))
	}
	if r.Kind == ospofeed.KindEvent && r.EventPlace != "" {
		s = append(s, period(r.EventPlace))
	}
	if r.Kind == ospofeed.KindRecording {
		v := "Video"
		if r.Duration != "" {
			v += ", " + r.Duration
		}
		if r.Offset != "" {
			v += ", at " + r.Offset
		}
		s = append(s, period(v))
	} else if r.Offset != "" {
		s = append(s, "At "+r.Offset+".")
	}
	if r.URL != "" {
		s = append(s, r.URL+".")
	}
	return strings.Join(s, " ")
}

// period ends a sentence unless it already ends in punctuation, as Chicago
// does ("Why Open Source?" takes no extra period). Inside the quotes, the
// period belongs to the title, American style.
func period(s string) string {
	if strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}

// usDate formats a date or an event's span as Chicago does: "July 9, 2024",
// "July 9–10, 2024", "June 30–July 2, 2024".
func usDate(start, end time.Time) string {
	switch {
	case start.IsZero():
		return ""
	case end.IsZero():
		return start.Format("January 2, 2006")
	case start.Year() != end.Year():
		return start.Format("January 2, 2006") + "–" + end.Format("January 2, 2006")
	case start.Month() != end.Month():
		return start.Format("January 2") + "–" + end.Format("January 2, 2006")
	}
	return fmt.Sprintf("%s %d–%d, %d", start.Month(), start.Day(), end.Day(), start.Year())
}
