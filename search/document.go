package search

// The documents: what the index keeps of an item, and how it analyses it.

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"golang.org/x/net/html"

	"github.com/ospofeed/ospofeed"
)

// Document fields.
const (
	fTitle  = "title"
	fText   = "text"
	fPeople = "people"
	fEvents = "events"
	fKind   = "kind"
	fEvent  = "event"
	fYear   = "year"
	fLang   = "lang"
	fDate   = "date"
	fURL    = "url"
	fLead   = "lead" // the text's beginning, stored only: a snippet when no passage is highlighted
	fEpoch  = "epoch"
)

// analyzer is the name of the text fields' analyzer.
const analyzer = "ospofeed"

// indexMapping describes the documents: English analysis (stemming, stop
// words) for the text fields, exact keywords for the facets.
func indexMapping() mapping.IndexMapping {
	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = store
		f.DocValues = false
		return f
	}
	kw := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		return f
	}
	date := bleve.NewDateTimeFieldMapping()
	date.Store = true
	date.IncludeInAll = false
	url := bleve.NewTextFieldMapping()
	url.Index = false
	url.Store = true
	url.IncludeInAll = false
	url.IncludeTermVectors = false
	url.DocValues = false

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fTitle, text(true))
	dm.AddFieldMappingsAt(fText, text(true))
	dm.AddFieldMappingsAt(fPeople, text(false))
	dm.AddFieldMappingsAt(fEvents, text(false))
	dm.AddFieldMappingsAt(fKind, kw(true))
	dm.AddFieldMappingsAt(fEvent, kw(true))
	dm.AddFieldMappingsAt(fYear, kw(false))
	dm.AddFieldMappingsAt(fLang, kw(false))
	dm.AddFieldMappingsAt(fEpoch, kw(false))
	dm.AddFieldMappingsAt(fDate, date)
	dm.AddFieldMappingsAt(fURL, url)
	dm.AddFieldMappingsAt(fLead, url)

	im := bleve.NewIndexMapping()
	// English analysis, and French elision: "l'exemple" is found by
	// "exemple" (news and OSPOs are often in French).
	if err := im.AddCustomAnalyzer(analyzer, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicodetok.Name,
		"token_filters": []any{en.PossessiveName, lowercase.Name, fr.ElisionName, en.StopName, porter.Name},
	}); err != nil {
		panic(err) // the names above are registered by the imports
	}
	im.DefaultMapping = dm
	im.DefaultAnalyzer = analyzer // the query analyzer of _all
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	return im
}

// document is an item as the index keeps it (ok false: it is not to be
// indexed).
func document(it ospofeed.Item, look Lookup, epoch string) (map[string]any, bool) {
	if it.Kind == ospofeed.KindRecording && it.Unpublished {
		return nil, false
	}
	var text []string
	add := func(s string) {
		if s = ospofeed.CleanText(s); s != "" {
			text = append(text, s)
		}
	}
	// The summary is often where the content starts: then only the content.
	if sum, body := ospofeed.CleanText(it.Summary), htmlText(it.Content); sum != "" && strings.HasPrefix(body, sum) {
		add(body)
	} else {
		add(sum)
		add(body)
	}
	for _, lang := range []string{"en", "fr"} {
		add(it.Descriptions[lang])
	}
	for _, lang := range slices.Sorted(maps.Keys(it.Descriptions)) {
		if lang != "en" && lang != "fr" {
			add(it.Descriptions[lang])
		}
	}
	add(it.Venue)
	add(it.Country)

	people := append(append(append([]string{}, it.Entities...), it.Topics...), it.Categories...)
	if it.Author != "" {
		people = append(people, it.Author)
	}
	var events []string
	switch it.Kind {
	case ospofeed.KindEvent:
		events = append(events, it.DisplayTitle())
	default:
		for _, id := range it.Events {
			if ev, ok := look(id); ok {
				events = append(events, ev.DisplayTitle())
			}
		}
	}
	doc := map[string]any{
		fTitle:  it.DisplayTitle(),
		fText:   strings.Join(text, " · "),
		fPeople: people,
		fEvents: events,
		fEvent:  events,
		fKind:   string(it.Kind),
		fLang:   it.Languages,
		fURL:    link(it),
		fLead:   lead(strings.Join(text, " · ")),
		fEpoch:  epoch,
	}
	if w := it.When(); !w.IsZero() {
		doc[fDate] = w.UTC()
		doc[fYear] = strconv.Itoa(w.UTC().Year())
	}
	return doc, true
}

// leadChars is how much of an item's text a hit without a highlighted
// passage shows.
const leadChars = 240

// lead is the beginning of s, cut at a word.
func lead(s string) string {
	if utf8.RuneCountInString(s) <= leadChars {
		return s
	}
	r := []rune(s)[:leadChars]
	if i := strings.LastIndexFunc(string(r), unicode.IsSpace); i > leadChars/2 {
		return strings.TrimRightFunc(string(r)[:i], func(c rune) bool { return unicode.IsSpace(c) || unicode.IsPunct(c) }) + "…"
	}
	return string(r) + "…"
}

// link is where a hit leads: our page for events and recordings (a path
// under the site's base URL), the item's own address otherwise.
func link(it ospofeed.Item) string {
	switch it.Kind {
	case ospofeed.KindEvent:
		return "/events/" + it.PageSlug() + "/"
	case ospofeed.KindRecording:
		return "/recordings/" + it.PageSlug() + "/"
	}
	if u := ospofeed.WebURL(it.URL); u != "" {
		return u
	}
	return ospofeed.WebURL(it.ID)
}

// htmlText is the text of sanitized HTML on one line, its blocks separated
// by " · ".
func htmlText(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			// A line per block, the blocks joined as in a snippet.
			lines := strings.Split(ospofeed.CleanLines(b.String()), "\n")
			return strings.Join(slices.DeleteFunc(lines, func(l string) bool { return l == "" }), " · ")
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				skip++
			case "br", "p", "li", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote":
				b.WriteByte('\n')
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style":
				skip = max(skip-1, 0)
			case "p", "li", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "td", "th":
				b.WriteByte('\n')
			}
		}
	}
}
