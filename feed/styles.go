package feed

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/ospofeed/ospofeed"
)

// Style is a citation style the pages offer, named after the official CSL
// style whose rendering (by citeproc-js, as citation managers use it) it
// reproduces.
type Style struct {
	ID   string // file-name part: cite.<ID>.txt
	Name string // for people: "APA 7"
	CSL  string // the CSL project's style id
}

// The offered styles.
var (
	StyleAPA     = Style{"apa", "APA 7", "apa"}
	StyleChicago = Style{"chicago", "Chicago (author-date)", "chicago-author-date"}
	StyleMLA     = Style{"mla", "MLA 9", "modern-language-association"}
)

// Formatted is a citation in one style: the reference-list entry and the
// in-text citation, which is where style guides put a cited moment of a
// recording ("(United Nations, 2024, 1:02:03)"); the entry names the
// whole recording.
type Formatted struct {
	Style Style
	entry string // with decoration marks
	// Before and After surround a moment in the in-text citation; Plain
	// is the in-text citation of the whole item.
	Before, After, Plain string
	// Moment is the cited offset as this style writes it, "" for none.
	Moment string
}

// Text is the reference-list entry as plain text, as citeproc-js's text
// output renders it.
func (f Formatted) Text() string { return markText(f.entry) }

// HTML is the reference-list entry as HTML, titles in <i>.
func (f Formatted) HTML() string { return markHTML(f.entry) }

// InText is the in-text citation, at the moment when one is cited.
func (f Formatted) InText() string {
	if f.Moment == "" {
		return f.Plain
	}
	return f.Before + f.Moment + f.After
}

// File is the citation as a text file: the entry, then the in-text
// citation, one a line.
func (f Formatted) File() []byte { return []byte(f.Text() + "\n" + f.InText() + "\n") }

// Styles renders a citation in every offered style: APA 7, Chicago
// (author-date) and MLA 9.
func Styles(c Citation) []Formatted { return []Formatted{APA(c), Chicago(c), MLA(c)} }

// APA renders a citation as APA 7 (the CSL style "apa"):
//
//	United Nations. (2024, July 10). (Day 2, Part 1) OSPOs for Good 2024 [Video]. OSPOs for Good 2024, ECOSOC Chamber, UN Headquarters, New York. UN Web TV. https://…
//	(United Nations, 2024, 1:02:03)
func APA(c Citation) Formatted {
	r := c.ref()
	title := italic(smartQuotes(r.Title, false))
	var genre string
	if r.Kind == ospofeed.KindRecording && r.Genre != "" {
		genre = "[" + r.Genre + "]"
	}
	date := "n.d."
	if !r.Date.IsZero() {
		date = apaDate(r.Date, r.End)
	}
	var e entry
	if r.Author != "" {
		e.add(". ", smartQuotes(r.Author, false))
		e.add(". ", "("+date+")")
		e.add(". ", joinNonEmpty(" ", title, genre))
	} else {
		// The title takes the author's place; the description stays after
		// the date.
		e.add(". ", title)
		e.add(". ", "("+date+")")
		e.add(". ", genre)
	}
	if r.Kind == ospofeed.KindRecording {
		e.add(". ", joinNonEmpty(", ", smartQuotes(r.Event, false), smartQuotes(r.EventPlace, false)))
	}
	if r.Kind != ospofeed.KindEvent {
		e.add(". ", smartQuotes(r.Publisher, false))
	}
	e.end(".")
	if r.Date.IsZero() && !r.Accessed.IsZero() && r.URL != "" {
		// Undated content may change: APA gives the day it was retrieved.
		e.add(" ", "Retrieved "+r.Accessed.Format("January 2, 2006")+", from "+r.URL)
	} else {
		e.add(" ", r.URL)
	}
	short := smartQuotes(r.Author, false)
	if short == "" {
		short = italic(smartQuotes(r.Title, false))
	}
	shortDate := "n.d."
	if !r.Date.IsZero() {
		shortDate = r.Date.Format("2006")
	}
	f := Formatted{Style: StyleAPA, entry: e.String()}
	f.Plain = "(" + markText(short) + ", " + shortDate + ")"
	f.Before, f.After = "("+markText(short)+", "+shortDate+", ", ")"
	f.Moment = shortClock(r.Seconds)
	return f
}

// Chicago renders a citation as Chicago author-date (the CSL style
// "chicago-author-date"):
//
//	United Nations. 2024. (Day 2, Part 1) OSPOs for Good 2024. Video. UN Web TV. https://….
//	(United Nations 2024, 1:02:03)
func Chicago(c Citation) Formatted {
	r := c.ref()
	var title string
	if r.Kind == ospofeed.KindRecording {
		title = italic(smartQuotes(caseTitle(r, r.Title), false))
	} else {
		title = quoted(smartQuotes(caseTitle(r, r.Title), true))
	}
	date := "n.d."
	if !r.Date.IsZero() {
		date = r.Date.Format("2006")
	}
	var e entry
	if r.Author != "" {
		e.add(". ", smartQuotes(r.Author, false))
		e.add(". ", date)
		e.add(". ", title)
	} else {
		e.add(". ", title)
		e.add(". ", date)
	}
	if r.Kind == ospofeed.KindRecording {
		e.add(". ", capFirst(r.Genre))
	}
	if r.Kind != ospofeed.KindEvent {
		e.add(". ", smartQuotes(r.Publisher, false))
	}
	if r.Kind == ospofeed.KindArticle && !r.Date.IsZero() {
		e.add(". ", r.Date.Format("January 2, 2006"))
	}
	if r.Date.IsZero() && !r.Accessed.IsZero() {
		e.add(". ", "Accessed "+r.Accessed.Format("January 2, 2006"))
	}
	e.add(". ", r.URL)
	e.end(".")
	short := smartQuotes(r.Author, false)
	if short == "" {
		short = title
	}
	sep := " " // "(United Nations 2024)", but "(United Nations, n.d.)"
	if r.Date.IsZero() {
		sep = ", "
	}
	f := Formatted{Style: StyleChicago, entry: e.String()}
	f.Plain = "(" + markText(short) + sep + date + ")"
	f.Before, f.After = "("+markText(short)+sep+date+", ", ")"
	f.Moment = shortClock(r.Seconds)
	return f
}

// MLA renders a citation as MLA 9 (the CSL style
// "modern-language-association"):
//
//	United Nations. (Day 2, Part 1) OSPOs for Good 2024. UN Web TV, 2024, https://….
//	(United Nations, 01:02:03)
func MLA(c Citation) Formatted {
	r := c.ref()
	title := italic(smartQuotes(caseTitle(r, r.Title), false))
	var date string
	switch {
	case r.Date.IsZero():
	case r.Kind == ospofeed.KindRecording:
		date = r.Date.Format("2006") // a film's year
	default:
		date = mlaDate(r.Date, r.End)
	}
	var e entry
	if r.Author != "" {
		e.add(". ", smartQuotes(r.Author, false))
	}
	e.add(". ", title)
	var pub string
	if r.Kind != ospofeed.KindEvent {
		pub = smartQuotes(r.Publisher, false)
	}
	e.add(". ", joinNonEmpty(", ", pub, date, r.URL))
	if r.Date.IsZero() && !r.Accessed.IsZero() {
		e.add(". ", "Accessed "+r.Accessed.Format("2 January 2006"))
	}
	e.end(".")
	short := smartQuotes(r.Author, false)
	if short == "" {
		short = title
	}
	f := Formatted{Style: StyleMLA, entry: e.String()}
	f.Plain = "(" + markText(short) + ")"
	f.Before, f.After = "("+markText(short)+", ", ")"
	f.Moment = longClock(r.Seconds)
	return f
}

// caseTitle is a title as the style's text-case="title" prints it:
// headline case, for English titles only (citeproc leaves others alone).
func caseTitle(r ref, s string) string {
	if r.Lang != "" && !strings.HasPrefix(strings.ToLower(r.Lang), "en") {
		return s
	}
	return titleCase(s)
}

// capFirst is text-case="capitalize-first".
func capFirst(s string) string {
	if s == "" || s != jsLower(s) {
		return s
	}
	return capitalise(s)
}

// apaDate is APA's date: "2024, July 9", a span "2024, July 9–10".
func apaDate(start, end time.Time) string {
	switch {
	case end.IsZero():
		return start.Format("2006, January 2")
	case start.Year() != end.Year():
		return start.Format("2006, January 2") + "–" + end.Format("2006, January 2")
	case start.Month() != end.Month():
		return start.Format("2006, January 2") + "–" + end.Format("January 2")
	}
	return start.Format("2006, January 2") + "–" + fmt.Sprint(end.Day())
}

// mlaDate is MLA's date: "9 July 2024", a span "9–10 July 2024".
func mlaDate(start, end time.Time) string {
	switch {
	case end.IsZero():
		return start.Format("2 January 2006")
	case start.Year() != end.Year():
		return start.Format("2 January 2006") + "–" + end.Format("2 January 2006")
	case start.Month() != end.Month():
		return start.Format("2 January") + "–" + end.Format("2 January 2006")
	}
	return fmt.Sprint(start.Day()) + "–" + end.Format("2 January 2006")
}

// shortClock writes a moment as a player shows it, as APA and Chicago
// cite it: "1:02:03", "2:03"; "" for none.
func shortClock(s int64) string {
	switch {
	case s <= 0:
		return ""
	case s < 3600:
		return fmt.Sprintf("%d:%02d", s/60, s%60)
	}
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

// longClock writes a moment as MLA cites it: "01:02:03"; "" for none.
func longClock(s int64) string {
	if s <= 0 {
		return ""
	}
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

func italic(s string) string {
	if s == "" || !romanesqueRe.MatchString(s) {
		return s // citeproc drops italics from text without letters it knows
	}
	return string(italicOn) + s + string(italicOff)
}

func quoted(s string) string {
	if s == "" {
		return ""
	}
	return string(dquoteOn) + s + string(dquoteOff)
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// entry joins the parts of a reference as citeproc does: a delimiter
// whose punctuation the text before already ends with is not repeated
// ("Why open source?" takes no period).
type entry struct{ b strings.Builder }

func (e *entry) add(delim, s string) {
	if s == "" {
		return
	}
	if e.b.Len() > 0 {
		e.punct(delim)
	}
	e.b.WriteString(s)
}

// end closes the entry with punctuation (the layout's suffix).
func (e *entry) end(p string) {
	if e.b.Len() > 0 {
		e.punct(p)
	}
}

func (e *entry) punct(p string) {
	cur := e.b.String()
	last := strings.TrimRight(cur, marksChars)
	if p != "" && strings.ContainsAny(p[:1], ".,;:") && last != "" && strings.ContainsAny(last[len(last)-1:], ".?!") {
		p = p[1:]
	}
	e.b.WriteString(p)
}

// String applies punctuation-in-quote (American style: a period or comma
// after a closing quotation mark goes inside it).
func (e *entry) String() string {
	s := e.b.String()
	var out strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if rs[i] == dquoteOff || rs[i] == squoteOff {
			j := i
			for j < len(rs) && (rs[j] == dquoteOff || rs[j] == squoteOff) {
				j++
			}
			if j < len(rs) && (rs[j] == '.' || rs[j] == ',') {
				prev := rs[i-1]
				if prev != '.' && prev != ',' && prev != '?' && prev != '!' {
					out.WriteRune(rs[j])
				}
				out.WriteString(string(rs[i:j]))
				i = j
				continue
			}
			out.WriteString(string(rs[i:j]))
			i = j - 1
			continue
		}
		out.WriteRune(rs[i])
	}
	return out.String()
}

var (
	textMarks = strings.NewReplacer(string(italicOn), "", string(italicOff), "",
		string(dquoteOn), "“", string(dquoteOff), "”", string(squoteOn), "‘", string(squoteOff), "’")
	htmlMarks = strings.NewReplacer(string(italicOn), "<i>", string(italicOff), "</i>",
		string(dquoteOn), "“", string(dquoteOff), "”", string(squoteOn), "‘", string(squoteOff), "’")
)

func markText(s string) string { return textMarks.Replace(s) }
func markHTML(s string) string { return htmlMarks.Replace(html.EscapeString(s)) }
