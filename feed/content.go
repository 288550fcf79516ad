package feed

import (
	"bytes"
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/ospofeed/ospofeed"
)

// view is what an entry says about an item, computed once and rendered
// twice: as HTML for feed readers and as plain text for calendars. Keeping
// one model makes the two agree.
type view struct {
	Title      string
	Flags      []string  // "Withdrawn", "Live"
	Events     []related // a recording's events
	Facts      []fact    // label: value lines
	Thumbnail  string
	Watch      related   // the item's own page elsewhere
	Recordings []related // an event's recordings, the first maxListed
	// MoreRecordings, MoreMentioned: how many the lists leave out, so that
	// an entry's size does not grow with an event or a popular page.
	MoreRecordings, MoreMentioned int
	Mentions                      []related // known items this one links to
	Mentioned                     []related // known items that link to this one
	Summary                       []string  // paragraphs of plain text
	Content                       template.HTML
	Page                          string // our page
}

// related is a linked item; URL is empty when it is not a web address.
type related struct {
	Title, URL, Duration string
}

type fact struct{ Label, Value string }

// newView gathers what an entry shows about it, resolving related items with
// look. An id that does not resolve is still listed (by its URL), because
// hiding a membership would be worse than showing it bare.
func newView(base string, it ospofeed.Item, look Lookup) view {
	v := view{
		Title:     it.DisplayTitle(),
		Thumbnail: ospofeed.WebURL(it.Thumbnail),
		Summary:   paragraphs(it.Summary),
		// Content is sanitized HTML from the scraper: trusted as markup, but
		// it still passes through StripXMLIllegal because it ends up in XML.
		Content: template.HTML(ospofeed.StripXMLIllegal(it.Content)),
		Page:    PageURL(base, it),
	}
	if it.Withdrawn {
		v.Flags = append(v.Flags, "Withdrawn")
	}
	if it.Live {
		v.Flags = append(v.Flags, "Live")
	}
	add := func(label, value string) {
		if value != "" {
			v.Facts = append(v.Facts, fact{label, value})
		}
	}
	u := itemURL(it)
	switch it.Kind {
	case ospofeed.KindRecording:
		v.Events = resolve(it.Events, look)
		add("Date", when(it))
		if !it.Start.IsZero() && it.Date.IsZero() {
			add("Scheduled", it.Start.UTC().Format("2 January 2006, 15:04")+" UTC")
		}
		if it.Duration > 0 {
			add("Duration", clock(it.Duration))
		}
		add("Languages", strings.Join(cleanList(it.Languages), ", "))
		add("UN entity", strings.Join(cleanList(it.Entities), ", "))
		if u != "" {
			v.Watch = related{Title: "Watch on " + platform(u), URL: u}
		}
	case ospofeed.KindOrganisation:
		add("Country", ospofeed.CleanText(it.Country))
		if !it.Date.IsZero() {
			add("Created", it.Date.UTC().Format("2 January 2006"))
		}
		add("E-mail", ospofeed.CleanText(it.Email))
		add("Free-software policy", ospofeed.WebURL(it.Policy))
		add("Code", strings.Join(cleanList(it.Forges), ", "))
		if len(v.Summary) == 0 {
			v.Summary = paragraphs(orgDescription(it))
		}
		if u != "" {
			v.Watch = related{Title: "Website", URL: u}
		}
	case ospofeed.KindEvent:
		add("Dates", when(it))
		add("Venue", ospofeed.CleanText(it.Venue))
		v.Recordings = resolve(it.Recordings[:min(len(it.Recordings), maxListed)], look)
		v.MoreRecordings = max(len(it.Recordings)-maxListed, 0)
		if u != "" {
			v.Watch = related{Title: "Event page on " + platform(u), URL: u}
		}
	default:
		add("Date", when(it))
		add("Author", author(it))
		if u != "" {
			v.Watch = related{Title: "Read on " + platform(u), URL: u}
		}
	}
	v.Mentions = resolve(it.Mentions, look)
	v.Mentioned = resolve(it.MentionedIn[:min(len(it.MentionedIn), maxListed)], look)
	v.MoreMentioned = max(len(it.MentionedIn)-maxListed, 0)
	return v
}

// orgDescription picks an organisation's description: English, then
// French, then the first language in order.
func orgDescription(it ospofeed.Item) string {
	for _, l := range []string{"en", "fr"} {
		if d := it.Descriptions[l]; d != "" {
			return d
		}
	}
	langs := make([]string, 0, len(it.Descriptions))
	for l := range it.Descriptions {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	for _, l := range langs {
		if d := it.Descriptions[l]; d != "" {
			return d
		}
	}
	return ""
}

// resolve turns related ids into titled links, in the given order.
func resolve(ids []string, look Lookup) []related {
	var out []related
	seen := map[string]bool{}
	for _, id := range ids {
		id = ospofeed.CleanText(id)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		r := related{Title: id, URL: ospofeed.WebURL(id)}
		if it, ok := look.find(id); ok {
			if it.Unpublished {
				continue // scheduled, never published: nothing to link to yet
			}
			r.Title, r.URL = it.DisplayTitle(), itemURL(it)
			if it.Duration > 0 {
				r.Duration = clock(it.Duration)
			}
		}
		out = append(out, r)
	}
	return out
}

// paragraphs splits plain text on blank lines and tidies each paragraph.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(ospofeed.CleanLines(s), "\n\n") {
		if p != "" {
			out = append(out, p) // its line breaks stay: a list, a separator line
		}
	}
	return out
}

// maxListed bounds the related items an entry lists.
const maxListed = 20

// entryHTML is one line of markup on purpose: newlines inside XML character
// data become &#xA; and only add noise.
var entryHTML = template.Must(template.New("entry").Funcs(template.FuncMap{"lines": func(s string) []string { return strings.Split(s, "\n") }}).Parse(
	`{{with .Flags}}<p><strong>{{range $i, $f := .}}{{if $i}} · {{end}}{{$f}}{{end}}</strong></p>{{end}}` +
		`{{with .Events}}<p>Part of {{range $i, $e := .}}{{if $i}}, {{end}}{{template "link" $e}}{{end}}.</p>{{end}}` +
		`{{with .Facts}}<ul>{{range .}}<li>{{.Label}}: {{.Value}}</li>{{end}}</ul>{{end}}` +
		`{{with .Thumbnail}}<p><img src="{{.}}" alt="{{$.Title}}"></p>{{end}}` +
		`{{with .Watch.URL}}<p><a href="{{.}}">{{$.Watch.Title}}</a></p>{{end}}` +
		`{{with .Recordings}}<p>Recordings:</p><ul>{{range .}}<li>{{template "link" .}}{{with .Duration}} ({{.}}){{end}}</li>{{end}}</ul>{{end}}` +
		`{{with .MoreRecordings}}<p>And {{.}} more recordings{{with $.Page}} on <a href="{{.}}">the event's page</a>{{end}}.</p>{{end}}` +
		`{{range .Summary}}<p>{{range $i, $l := lines .}}{{if $i}}<br>{{end}}{{$l}}{{end}}</p>{{end}}` +
		`{{.Content}}` +
		`{{with .Mentioned}}<p>Mentioned in {{range $i, $e := .}}{{if $i}}, {{end}}{{template "link" $e}}{{end}}{{with $.MoreMentioned}} and {{.}} more{{end}}.</p>{{end}}` +
		`{{with .Mentions}}<p>Mentions {{range $i, $e := .}}{{if $i}}, {{end}}{{template "link" $e}}{{end}}.</p>{{end}}` +
		`{{with .Page}}<p><a href="{{.}}">Details and citations</a></p>{{end}}` +
		`{{define "link"}}{{if .URL}}<a href="{{.URL}}">{{.Title}}</a>{{else}}{{.Title}}{{end}}{{end}}`))

// html renders v as the content of a feed entry.
func (v view) html() string {
	var b bytes.Buffer
	// Execute only fails on a template bug or a writer error, neither of
	// which a bytes.Buffer and a fixed template can produce.
	if err := entryHTML.Execute(&b, v); err != nil {
		panic("feed: entry template: " + err.Error())
	}
	return b.String()
}

// text renders v as plain text with one fact per line, for calendar
// descriptions where no markup is allowed.
func (v view) text() string {
	var lines []string
	if len(v.Flags) > 0 {
		lines = append(lines, strings.Join(v.Flags, " · "))
	}
	for _, e := range v.Events {
		lines = append(lines, "Part of: "+withURL(e.Title, e.URL))
	}
	for _, f := range v.Facts {
		lines = append(lines, f.Label+": "+f.Value)
	}
	if v.Watch.URL != "" {
		lines = append(lines, v.Watch.Title+": "+v.Watch.URL)
	}
	if len(v.Recordings) > 0 {
		lines = append(lines, "Recordings:")
		for _, r := range v.Recordings {
			t := r.Title
			if r.Duration != "" {
				t += " (" + r.Duration + ")"
			}
			lines = append(lines, "- "+withURL(t, r.URL))
		}
		if v.MoreRecordings > 0 {
			lines = append(lines, fmt.Sprintf("- and %d more", v.MoreRecordings))
		}
	}
	for _, m := range v.Mentioned {
		lines = append(lines, "Mentioned in: "+withURL(m.Title, m.URL))
	}
	for _, m := range v.Mentions {
		lines = append(lines, "Mentions: "+withURL(m.Title, m.URL))
	}
	if len(v.Summary) > 0 {
		lines = append(lines, "", strings.Join(v.Summary, "\n\n"))
	}
	if v.Page != "" {
		lines = append(lines, "", "Details and citations: "+v.Page)
	}
	return strings.Join(lines, "\n")
}

func withURL(title, u string) string {
	if u == "" || u == title {
		return title
	}
	return title + " <" + u + ">"
}
