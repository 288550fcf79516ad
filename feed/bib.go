package feed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ospofeed/ospofeed"
)

// BibTeX renders a citation as a biblatex entry: @video for a recording
// (citation-js and Zotero read it as a video recording; BibTeX and the
// standard biblatex styles fall back to @misc, hence howpublished, urldate
// and note, which @misc prints), @misc for an event, @online for an
// article. Values are escaped for TeX; the title and a corporate author are
// braced so that styles keep their case and do not split "United Nations"
// into given and family names.
func BibTeX(c Citation) []byte {
	r := c.ref()
	typ := "misc"
	switch r.Kind {
	case ospofeed.KindRecording:
		typ = "video"
	case ospofeed.KindArticle:
		typ = "online"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "@%s{%s,\n", typ, r.Key)
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "  %-12s = %s,\n", name, value)
		}
	}
	braced := func(s string) string {
		if s == "" {
			return ""
		}
		return "{" + texEscape(s) + "}"
	}
	if r.Author != "" {
		if r.Corporate {
			field("author", "{"+braced(r.Author)+"}")
		} else {
			field("author", braced(r.Author))
		}
	}
	field("title", "{"+braced(r.Title)+"}")
	field("eventtitle", braced(r.Event))
	field("venue", braced(r.EventPlace))
	if !r.Date.IsZero() {
		d := r.Date.Format(time.DateOnly)
		if !r.End.IsZero() {
			d += "/" + r.End.Format(time.DateOnly) // biblatex date range
		}
		field("date", "{"+d+"}")
		field("year", "{"+r.Date.Format("2006")+"}")
		// Month macros (jan, feb, …) are predefined by BibTeX and biblatex.
		field("month", strings.ToLower(r.Date.Format("Jan")))
	}
	switch typ {
	case "video":
		// The platform: BibTeX's @misc prints howpublished, citation-js
		// reads it as the publisher.
		field("howpublished", braced(r.Publisher))
	case "online":
		field("organization", braced(r.Publisher)) // @online has no publisher
	default:
		field("publisher", braced(r.Publisher))
	}
	if r.URL != "" {
		field("url", "{"+bibURL(r.URL)+"}")
		if !r.Accessed.IsZero() {
			field("urldate", "{"+r.Accessed.Format(time.DateOnly)+"}")
		}
	}
	field("language", braced(strings.Join(r.Languages, " and ")))
	field("note", braced(r.note()))
	b.WriteString("}\n")
	return b.Bytes()
}

// texEscaper escapes the characters TeX treats specially. Backslash, tilde
// and caret become text commands, since "\~" and "\^" are accents.
var texEscaper = strings.NewReplacer(
	`\`, `\textbackslash{}`,
	`{`, `\{`, `}`, `\}`,
	`&`, `\&`, `%`, `\%`, `$`, `\$`, `#`, `\#`, `_`, `\_`,
	`~`, `\textasciitilde{}`, `^`, `\textasciicircum{}`,
	// In TeX's default OT1 encoding < and > print as ¡ and ¿.
	`<`, `\textless{}`, `>`, `\textgreater{}`,
)

// texEscape cleans s to one line and escapes it for a BibTeX value.
func texEscape(s string) string { return texEscaper.Replace(ospofeed.CleanText(s)) }

// bibURL prepares a URL for biblatex's verbatim url field, where % and # are
// fine but braces must balance and a backslash would start a command; those
// three are percent-encoded, which leaves the URL's meaning unchanged. The
// result is then not TeX-escaped again: see BibTeX.
func bibURL(u string) string {
	return strings.NewReplacer(`{`, "%7B", `}`, "%7D", `\`, "%5C").Replace(u)
}

// RIS renders a citation in the RIS format of reference managers (Zotero,
// EndNote, Mendeley): "TAG  - value" lines ending in CRLF, from TY to ER.
//
// A recording is TY VIDEO with the tags readers keep for one: the platform
// in PB (Zotero's studio, CSL's publisher), the event in T3 (CSL's
// collection-title in citation-js; T2 is dropped for VIDEO), the running
// time in C3 (citation-js's dimensions; M1 would be read as a number and
// printed as an episode number), the medium in M3 (CSL's genre), the
// access date in Y2. Zotero keeps T3 and C3 of a video as notes; N1 states
// the medium, running time and cited moment in words for every reader.
func RIS(c Citation) []byte {
	r := c.ref()
	typ := "GEN"
	switch r.Kind {
	case ospofeed.KindRecording:
		typ = "VIDEO"
	case ospofeed.KindArticle:
		typ = "ELEC"
	}
	var b bytes.Buffer
	tag := func(t, v string) {
		if v = ospofeed.CleanText(v); v != "" {
			b.WriteString(t + "  - " + v + "\r\n")
		}
	}
	tag("TY", typ)
	tag("ID", r.Key)
	tag("TI", r.Title)
	tag("AU", r.Author)
	if !r.Date.IsZero() {
		tag("PY", r.Date.Format("2006"))
		tag("DA", r.Date.Format("2006/01/02/"))
	}
	tag("T3", r.Event)
	tag("PB", r.Publisher)
	if r.Kind == ospofeed.KindEvent {
		tag("CY", r.EventPlace)
	}
	tag("M3", r.Genre)
	tag("C3", r.Duration)
	tag("UR", r.URL)
	if r.URL != "" && !r.Accessed.IsZero() {
		tag("Y2", r.Accessed.Format("2006/01/02/"))
	}
	tag("LA", strings.Join(r.Languages, ", "))
	tag("AB", r.Abstract)
	tag("N1", r.note())
	b.WriteString("ER  - \r\n")
	return b.Bytes()
}

// cslItem is one CSL-JSON item (citeproc's input; what Zotero exports).
type cslItem struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	Title      string    `json:"title"`
	Author     []cslName `json:"author,omitempty"`
	Issued     *cslDate  `json:"issued,omitempty"`
	Genre      string    `json:"genre,omitempty"`
	EventTitle string    `json:"event-title,omitempty"`
	EventPlace string    `json:"event-place,omitempty"`
	Publisher  string    `json:"publisher,omitempty"`
	Dimensions string    `json:"dimensions,omitempty"`
	URL        string    `json:"URL,omitempty"`
	Accessed   *cslDate  `json:"accessed,omitempty"`
	Language   string    `json:"language,omitempty"`
	Abstract   string    `json:"abstract,omitempty"`
	Note       string    `json:"note,omitempty"`
}

// cslName holds a name as a literal: scraped names cannot be split into
// given and family parts reliably, and organisations must not be.
type cslName struct {
	Literal string `json:"literal"`
}

type cslDate struct {
	DateParts [][]int `json:"date-parts"`
}

// CSLJSON renders a citation as a CSL-JSON array holding one item.
//
// A recording is a "motion_picture" (Zotero's film and video recording)
// with genre "Video" (APA 7's "[Video]", Chicago's "Video."; medium would
// print a second time), its event once as event-title with the event's
// venue as event-place (never also container-title, which the styles print
// as a second container), the broadcasting body as author and the platform
// as publisher, the running time as dimensions and the item's last change
// as accessed. language is a code: citeproc title-cases only English
// titles. The cited moment is in note, which the styles do not print: style
// guides put a moment in the in-text citation (see Styles), never in the
// reference entry. An event is an "event", an article a "webpage".
func CSLJSON(c Citation) ([]byte, error) {
	b, err := marshalCSL(cslOf(c.ref()))
	if err != nil {
		return nil, fmt.Errorf("feed: csl-json: %w", err)
	}
	return b, nil
}

func cslOf(r ref) cslItem {
	x := cslItem{
		ID:         r.Key,
		Type:       "webpage",
		Title:      r.Title,
		Genre:      r.Genre,
		EventTitle: r.Event,
		EventPlace: r.EventPlace,
		Publisher:  r.Publisher,
		Dimensions: r.Duration,
		URL:        r.URL,
		Language:   r.Lang,
		Abstract:   r.Abstract,
	}
	switch r.Kind {
	case ospofeed.KindRecording:
		x.Type = "motion_picture"
	case ospofeed.KindEvent:
		x.Type = "event"
	}
	if r.Offset != "" {
		x.Note = "Cited at " + r.Offset
	}
	if r.Author != "" {
		x.Author = []cslName{{Literal: r.Author}}
	}
	if !r.Date.IsZero() {
		x.Issued = &cslDate{DateParts: [][]int{dateParts(r.Date)}}
		if !r.End.IsZero() {
			x.Issued.DateParts = append(x.Issued.DateParts, dateParts(r.End))
		}
	}
	if r.URL != "" && !r.Accessed.IsZero() {
		x.Accessed = &cslDate{DateParts: [][]int{dateParts(r.Accessed)}}
	}
	return x
}

func marshalCSL(x cslItem) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode([]cslItem{x}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func dateParts(t time.Time) []int {
	y, m, d := t.Date()
	return []int{y, int(m), d}
}
