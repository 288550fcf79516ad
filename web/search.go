package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/search"
)

// Searcher answers /search; cmd wires ospofeed's search index to it.
type Searcher interface {
	// Query returns page (from 1) of the items matching q and filters.
	Query(q string, f search.Filters, page int) (*search.Result, error)
	// Info describes the site the results link into (its title, base URL).
	Info() Info
}

// maxFilter bounds a facet value in a request; longer ones match nothing
// anyway.
const maxFilter = 300

// facetLabels name the facets on the page, in its order.
var facetLabels = []struct{ name, label string }{
	{search.FacetKind, "Kind"},
	{search.FacetEvent, "Event"},
	{search.FacetYear, "Year"},
	{search.FacetLanguage, "Language"},
}

// kindLabels are the kinds as a visitor reads them.
var kindLabels = map[string]string{
	string(ospofeed.KindRecording):    "Recording",
	string(ospofeed.KindEvent):        "Event",
	string(ospofeed.KindArticle):      "News",
	string(ospofeed.KindOrganisation): "OSPO",
}

// searchData is what search.html shows: the layout's page, and the results.
type searchData struct {
	pageData
	Search *searchView
}

type searchView struct {
	*search.Result
	Hits        []hitView
	Facets      []facetView
	Active      []activeFilter
	First, Last int // the numbers of the first and last hit shown
	Prev, Next  string
	FirstPage   string // set when the page asked for is past the last one
}

type hitView struct {
	search.Hit
	Href      string
	KindLabel string
	Snippet   template.HTML
}

type facetView struct {
	Name, Label string
	Values      []facetValueView
}

type facetValueView struct {
	Label    string
	Count    int
	URL      string // the search narrowed to this value (or widened, when Selected)
	Selected bool
}

// activeFilter is a filter in use, for the form's hidden fields and the
// "remove" links.
type activeFilter struct {
	Name, Label, Value, ValueLabel, Remove string
}

// searchPage answers GET /search?q=…&kind=…&event=…&year=…&language=…&page=…
// with a page in the site's layout: it works without JavaScript, and its
// links are plain GET links, one per facet value and page.
func searchPage(d Deps) http.Handler {
	if d.Search == nil {
		return http.NotFoundHandler()
	}
	var (
		once sync.Once
		t    *template.Template
		terr error
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := d.Search.Info()
		once.Do(func() {
			if t, terr = tmpl.Clone(); terr == nil {
				base := info.BaseURL
				t = t.Funcs(template.FuncMap{"base": func() string { return base }})
			}
		})
		if terr != nil {
			http.Error(w, "the search page cannot be rendered", http.StatusInternalServerError)
			return
		}
		qv := r.URL.Query()
		page := 1
		if p := qv.Get("page"); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 {
				http.Error(w, fmt.Sprintf("bad page %q: want a number from 1", p), http.StatusBadRequest)
				return
			}
			page = min(n, search.MaxPage)
		}
		var f search.Filters
		for _, fl := range facetLabels {
			if v := strings.TrimSpace(qv.Get(fl.name)); v != "" {
				f = f.Set(fl.name, truncateBytes(v, maxFilter))
			}
		}
		res, err := d.Search.Query(qv.Get("q"), f, page)
		if err != nil {
			w.Header().Set("Retry-After", "60")
			http.Error(w, "search is unavailable just now; the rest of the site is not", http.StatusServiceUnavailable)
			return
		}
		data := searchData{pageData: pageData{Info: info, Title: searchTitle(res), Path: "/search"}, Search: newSearchView(info.BaseURL, res)}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, "search.html", data); err != nil {
			http.Error(w, "the search page cannot be rendered", http.StatusInternalServerError)
			return
		}
		file := newFile("/search", htmlType, []byte(ospofeed.StripXMLIllegal(buf.String())), time.Time{})
		maxAge := d.maxAge()
		if res.Incomplete {
			maxAge = 0 // the index is being rebuilt: ask again soon
		}
		// Result pages are for visitors; the pages they lead to are for
		// search engines.
		w.Header().Set("X-Robots-Tag", "noindex")
		serveFile(w, r, &cachedFile{File: file}, maxAge)
	})
}

// searchTitle is the page's title: what was asked.
func searchTitle(res *search.Result) string {
	var parts []string
	if res.Query != "" {
		parts = append(parts, "“"+res.Query+"”")
	}
	for _, fl := range facetLabels {
		if v := res.Filters.Get(fl.name); v != "" {
			parts = append(parts, fl.label+": "+valueLabel(fl.name, v))
		}
	}
	t := "Search"
	if len(parts) > 0 {
		t += ": " + strings.Join(parts, ", ")
	}
	if res.Page > 1 {
		t += fmt.Sprintf(" (page %d)", res.Page)
	}
	return t
}

func valueLabel(facet, v string) string {
	if facet == search.FacetKind {
		if l, ok := kindLabels[v]; ok {
			return l
		}
	}
	return v
}

// searchURL is the address of a search: its query, filters and page.
func searchURL(base, q string, f search.Filters, page int) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	for _, fl := range facetLabels {
		if x := f.Get(fl.name); x != "" {
			v.Set(fl.name, x)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return base + "/search"
	}
	return base + "/search?" + v.Encode()
}

func newSearchView(base string, res *search.Result) *searchView {
	v := &searchView{Result: res}
	for _, h := range res.Hits {
		href := h.URL
		if strings.HasPrefix(href, "/") {
			href = base + href
		}
		// The snippet is HTML the index escaped, with <mark> around the
		// words found.
		v.Hits = append(v.Hits, hitView{Hit: h, Href: href, KindLabel: valueLabel(search.FacetKind, h.Kind), Snippet: template.HTML(h.Snippet)})
	}
	if len(res.Hits) > 0 {
		v.First = (res.Page-1)*search.PageSize + 1
		v.Last = v.First + len(res.Hits) - 1
	}
	if res.Page > 1 && res.Page <= res.Pages+1 {
		v.Prev = searchURL(base, res.Query, res.Filters, min(res.Page-1, max(res.Pages, 1)))
	}
	if res.Page < res.Pages && res.Page < search.MaxPage {
		v.Next = searchURL(base, res.Query, res.Filters, res.Page+1)
	}
	if len(res.Hits) == 0 && res.Total > 0 {
		v.FirstPage = searchURL(base, res.Query, res.Filters, 1)
	}
	for _, fl := range facetLabels {
		cur := res.Filters.Get(fl.name)
		if cur != "" {
			v.Active = append(v.Active, activeFilter{Name: fl.name, Label: fl.label, Value: cur, ValueLabel: valueLabel(fl.name, cur),
				Remove: searchURL(base, res.Query, res.Filters.Set(fl.name, ""), 1)})
		}
		fv := facetView{Name: fl.name, Label: fl.label}
		for _, f := range res.Facets {
			if f.Name != fl.name {
				continue
			}
			for _, x := range f.Values {
				sel := x.Value == cur
				to := x.Value
				if sel {
					to = ""
				}
				fv.Values = append(fv.Values, facetValueView{Label: valueLabel(fl.name, x.Value), Count: x.Count, Selected: sel,
					URL: searchURL(base, res.Query, res.Filters.Set(fl.name, to), 1)})
			}
		}
		v.Facets = append(v.Facets, fv)
	}
	return v
}

// truncateBytes cuts s to at most n bytes, at a character boundary.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
