package search

import (
	"cmp"
	"fmt"
	stdhtml "html"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"
)

// PageSize is how many hits a page of results holds.
const PageSize = 20

// MaxPage is the last page a query may ask for: deep pages cost the index
// as much as every page before them, and nobody reads page 501.
const MaxPage = 500

// MaxQuery bounds a query's length, in characters; the rest is ignored.
const MaxQuery = 200

// Facet names, as Filters and Result.Facets use them (and /search's URL
// parameters).
const (
	FacetKind     = "kind"
	FacetEvent    = "event"
	FacetYear     = "year"
	FacetLanguage = "language"
)

// Filters narrow a query to the items with these facet values ("" for
// any). Event is an event's title.
type Filters struct {
	Kind, Event, Year, Language string
}

// Get is the filter of a facet by name.
func (f Filters) Get(facet string) string {
	switch facet {
	case FacetKind:
		return f.Kind
	case FacetEvent:
		return f.Event
	case FacetYear:
		return f.Year
	case FacetLanguage:
		return f.Language
	}
	return ""
}

// Set returns f with the filter of a facet set.
func (f Filters) Set(facet, v string) Filters {
	switch facet {
	case FacetKind:
		f.Kind = v
	case FacetEvent:
		f.Event = v
	case FacetYear:
		f.Year = v
	case FacetLanguage:
		f.Language = v
	}
	return f
}

// Hit is one item found.
type Hit struct {
	ID    string
	Kind  string
	Title string
	// URL is a path under the site's base URL ("/recordings/…/") for
	// events and recordings, the item's own absolute address otherwise.
	URL  string
	Date time.Time // zero: unknown
	// Snippet is HTML: a passage of the item's text, escaped, with the
	// words found in <mark>; else the text's beginning.
	Snippet string
	Events  []string // the titles of the item's events
}

// FacetValue is one value of a facet and how many hits have it.
type FacetValue struct {
	Value string
	Count int
}

// Facet counts the hits of a query (its filters applied) by one field.
type Facet struct {
	Name   string // FacetKind, FacetEvent, …
	Values []FacetValue
}

// Result is one page of a query's hits.
type Result struct {
	Query   string
	Filters Filters
	Page    int // from 1
	Pages   int // pages in all (0: no hits)
	Total   int // hits in all
	Hits    []Hit
	Facets  []Facet
	// Incomplete: the index is being rebuilt, and may not hold every
	// item yet.
	Incomplete bool
	Took       time.Duration
}

// facetFields maps facet names to document fields, in the order a page
// shows them, with how many values each keeps.
var facetFields = []struct {
	name, field string
	size        int
}{
	{FacetKind, fKind, 10},
	{FacetEvent, fEvent, 50},
	{FacetYear, fYear, 50},
	{FacetLanguage, fLang, 30},
}

// Query returns page (from 1) of the items matching q with the filters
// applied, and the facets of all its hits. Words must all match, in any
// field; "quoted words" match as a phrase; a -word excludes. An empty q
// matches every item, newest first, which with filters makes a listing
// (by event, year, language, kind); otherwise the best matches come first.
// The Result may be shared with other callers: it is not to be changed.
func (x *Index) Query(q string, f Filters, page int) (res *Result, err error) {
	q = strings.TrimSpace(truncate(q, MaxQuery))
	page = min(max(page, 1), MaxPage)
	key := cacheKey{q, f, page}
	r, gen := x.cached(key)
	if r != nil {
		return r, nil
	}
	defer func() {
		if err == nil {
			x.remember(key, gen, res)
		}
	}()
	res = &Result{Query: q, Filters: f, Page: page, Incomplete: x.Stale()}
	bq, hasText := buildQuery(q)
	var must []query.Query
	if bq != nil {
		must = append(must, bq)
	}
	for _, ff := range facetFields {
		if v := f.Get(ff.name); v != "" {
			must = append(must, termQuery(ff.field, v))
		}
	}
	var qq query.Query
	switch len(must) {
	case 0:
		qq = bleve.NewMatchAllQuery()
	case 1:
		qq = must[0]
	default:
		qq = bleve.NewConjunctionQuery(must...)
	}
	req := bleve.NewSearchRequestOptions(qq, PageSize, (page-1)*PageSize, false)
	req.Fields = []string{fTitle, fKind, fURL, fDate, fEvent, fLead}
	if hasText {
		req.SortBy([]string{"-_score", "-" + fDate, "_id"})
		req.Highlight = bleve.NewHighlightWithStyle(html.Name)
		req.Highlight.AddField(fText)
	} else {
		req.SortBy([]string{"-" + fDate, "_id"})
	}
	for _, ff := range facetFields {
		req.AddFacet(ff.name, bleve.NewFacetRequest(ff.field, ff.size))
	}
	sr, err := x.bleve.Search(req)
	if err != nil {
		return nil, fmt.Errorf("search: query %q: %w", q, err)
	}
	res.Took = sr.Took
	res.Total = int(sr.Total)
	res.Pages = (res.Total + PageSize - 1) / PageSize
	for _, h := range sr.Hits {
		res.Hits = append(res.Hits, hit(h))
	}
	for _, ff := range facetFields {
		fr := sr.Facets[ff.name]
		fc := Facet{Name: ff.name}
		if fr != nil {
			for _, t := range fr.Terms.Terms() {
				fc.Values = append(fc.Values, FacetValue{Value: t.Term, Count: t.Count})
			}
		}
		if ff.name == FacetYear {
			// Years read in order, newest first; the others by count.
			slices.SortFunc(fc.Values, func(a, b FacetValue) int { return cmp.Compare(b.Value, a.Value) })
		}
		res.Facets = append(res.Facets, fc)
	}
	return res, nil
}

// buildQuery reads a visitor's query: words (all must match, in any
// field), "phrases", and -excluded words. Titles weigh most. It returns nil
// for a query with nothing to look for, and whether there is text to rank
// by.
func buildQuery(q string) (query.Query, bool) {
	words, phrases, not := parseQuery(q)
	if len(words) == 0 && len(phrases) == 0 && len(not) == 0 {
		return nil, false
	}
	bq := bleve.NewBooleanQuery()
	if len(words) > 0 {
		m := bleve.NewMatchQuery(strings.Join(words, " "))
		m.SetField("_all")
		m.SetOperator(query.MatchQueryOperatorAnd)
		bq.AddMust(m)
	}
	for _, p := range phrases {
		m := bleve.NewMatchPhraseQuery(p)
		m.SetField("_all")
		bq.AddMust(m)
	}
	if len(words) == 0 && len(phrases) == 0 {
		bq.AddMust(bleve.NewMatchAllQuery())
	} else {
		// Optional: a hit whose title or events say it ranks first.
		all := strings.Join(append(slices.Clone(words), phrases...), " ")
		for _, f := range []struct {
			field string
			boost float64
		}{{fTitle, 3}, {fEvents, 1.5}, {fPeople, 1}} {
			m := bleve.NewMatchQuery(all)
			m.SetField(f.field)
			m.SetBoost(f.boost)
			bq.AddShould(m)
		}
	}
	for _, w := range not {
		m := bleve.NewMatchQuery(w)
		m.SetField("_all")
		bq.AddMustNot(m)
	}
	return bq, len(words)+len(phrases) > 0
}

// parseQuery splits q into words, "quoted phrases" and -words.
func parseQuery(q string) (words, phrases, not []string) {
	for q != "" {
		q = strings.TrimLeftFunc(q, unicode.IsSpace)
		switch {
		case q == "":
		case q[0] == '"':
			end := strings.IndexByte(q[1:], '"')
			var p string
			if end < 0 {
				p, q = q[1:], ""
			} else {
				p, q = q[1:1+end], q[2+end:]
			}
			if p = strings.TrimSpace(p); p != "" {
				phrases = append(phrases, p)
			}
		default:
			end := strings.IndexFunc(q, unicode.IsSpace)
			if end < 0 {
				end = len(q)
			}
			w := q[:end]
			q = q[end:]
			if neg, ok := strings.CutPrefix(w, "-"); ok && neg != "" {
				not = append(not, neg)
			} else if w != "-" {
				words = append(words, w)
			}
		}
	}
	return words, phrases, not
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

func hit(h *search.DocumentMatch) Hit {
	str := func(f string) string { s, _ := h.Fields[f].(string); return s }
	out := Hit{ID: h.ID, Kind: str(fKind), Title: str(fTitle), URL: str(fURL)}
	if t, err := time.Parse(time.RFC3339, str(fDate)); err == nil {
		out.Date = t.UTC()
	}
	switch v := h.Fields[fEvent].(type) {
	case string:
		out.Events = []string{v}
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				out.Events = append(out.Events, s)
			}
		}
	}
	if frags := h.Fragments[fText]; len(frags) > 0 {
		out.Snippet = wholeWords(frags[0])
	} else if t := str(fLead); t != "" {
		out.Snippet = stdhtml.EscapeString(t)
	}
	return out
}

// wholeWords drops the partial words at the ends of a highlighted passage
// ("…shops on" becomes "… on"), never cutting into markup.
func wholeWords(s string) string {
	if rest, ok := strings.CutPrefix(s, "…"); ok {
		if i := strings.IndexByte(rest, ' '); i >= 0 && !strings.ContainsAny(rest[:i], "<>") {
			s = "…" + rest[i:]
		}
	}
	if rest, ok := strings.CutSuffix(s, "…"); ok {
		if i := strings.LastIndexByte(rest, ' '); i >= 0 && !strings.ContainsAny(rest[i:], "<>") {
			s = rest[:i] + " …"
		}
	}
	return s
}
