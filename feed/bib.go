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
// (standard styles fall back to @misc, hence howpublished and note), @misc
// for an event, @online for an article. Values are escaped for TeX; the
// title and a corporate author are braced so that styles keep their case
// and do not split "United Nations" into given and family names.
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
	if r.Kind == ospofeed.KindEvent {
		field("venue", braced(r.Venue))
	}
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
	if typ == "online" {
		field("organization", braced(r.Publisher)) // @online has no publisher
	} else {
		field("publisher", braced(r.Publisher))
	}
	if r.Platform != "" {
		field("howpublished", braced(r.Platform))
	}
	if r.URL != "" {
		field("url", "{"+bibURL(r.URL)+"}")
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
// The running time goes in M1 and the cited offset in N1.
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
	tag("T2", r.Event)
	tag("PB", r.Publisher)
	if r.Kind == ospofeed.KindEvent {
		tag("CY", r.Venue)
	}
	tag("UR", r.URL)
	tag("M1", r.Duration)
	tag("LA", strings.Join(r.Languages, ", "))
	tag("AB", r.Abstract)
	tag("N1", r.note())
	b.WriteString("ER  - \r\n")
	return b.Bytes()
}

// cslItem is one CSL-JSON item (citeproc's input; what Zotero exports).
type cslItem struct {
	ID             string    `json:"id"`
	Type           string    `json:"type"`
	Title          string    `json:"title"`
	Author         []cslName `json:"author,omitempty"`
	Issued         *cslDate  `json:"issued,omitempty"`
	ContainerTitle string    `json:"container-title,omitempty"`
	EventTitle     string    `json:"event-title,omitempty"`
	EventPlace     string    `json:"event-place,omitempty"`
	Publisher      string    `json:"publisher,omitempty"`
	Medium         string    `json:"medium,omitempty"`
	Dimensions     string    `json:"dimensions,omitempty"`
	URL            string    `json:"URL,omitempty"`
	Language       string    `json:"language,omitempty"`
	Abstract       string    `json:"abstract,omitempty"`
	Note           string    `json:"note,omitempty"`
}

// cslName holds a name as a literal: scraped names cannot be split into
// given and family parts reliably, and organisations must not be.
type cslName struct {
	Literal string `json:"literal"`
}

type cslDate struct {
	DateParts [][]int `json:"date-parts"`
}

// CSLJSON renders a citation as a CSL-JSON array holding one item: type
// "motion_picture" for a recording (Zotero's videoRecording), "event" for an
// event, "webpage" for an article. dimensions is the running time as
// HH:MM:SS and container-title the event's name.
func CSLJSON(c Citation) ([]byte, error) {
	r := c.ref()
	x := cslItem{
		ID:             r.Key,
		Type:           "webpage",
		Title:          r.Title,
		ContainerTitle: r.Event,
		EventTitle:     r.Event,
		Publisher:      r.Publisher,
		Dimensions:     r.Duration,
		URL:            r.URL,
		Language:       strings.Join(r.Languages, ", "),
		Abstract:       r.Abstract,
	}
	switch r.Kind {
	case ospofeed.KindRecording:
		x.Type, x.Medium = "motion_picture", "Video recording"
	case ospofeed.KindEvent:
		x.Type, x.EventTitle, x.EventPlace = "event", r.Title, r.Venue
	}
	if r.Offset != "" {
		x.Note = "at " + r.Offset
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
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode([]cslItem{x}); err != nil {
		return nil, fmt.Errorf("feed: csl-json: %w", err)
	}
	return b.Bytes(), nil
}

func dateParts(t time.Time) []int {
	y, m, d := t.Date()
	return []int{y, int(m), d}
}
