package search

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

const (
	event24 = "https://www.un.org/techenvoy/content/ospos-good-2024"
	event23 = "https://www.un.org/techenvoy/content/ospos-good-2023"
	day2    = "https://webtv.un.org/en/asset/k1q/k1qmxhno3c"
)

// corpus is a small store: two events, their recordings, news, an OSPO.
func corpus() []ospofeed.Item {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 12, 0, 0, 0, time.UTC) }
	items := []ospofeed.Item{
		{ID: event24, Kind: ospofeed.KindEvent, Title: "OSPOs for Good 2024", Start: d(2024, 7, 9), End: d(2024, 7, 10), AllDay: true,
			Venue: "ECOSOC Chamber, UN Headquarters", Summary: "A two-day gathering of open source programme offices.",
			Recordings: []string{"https://webtv.un.org/en/asset/k1m/k1ma4k9rff", day2, "https://webtv.un.org/en/asset/k1x/k1xunpub00"}},
		{ID: event23, Kind: ospofeed.KindEvent, Title: "OSPOs for Good 2023", Start: d(2023, 6, 21), AllDay: true},
		{ID: "https://webtv.un.org/en/asset/k1m/k1ma4k9rff", Kind: ospofeed.KindRecording, Title: "(Day 1, Part 1) OSPOs for Good 2024 - Opening Session",
			Date: d(2024, 7, 9), Languages: []string{"English", "French"}, Events: []string{event24}, Entities: []string{"Office of the Secretary-General's Envoy on Technology"},
			Summary: "Opening of OSPOs for Good 2024 with keynote addresses."},
		{ID: day2, Kind: ospofeed.KindRecording, Title: "(Day 2, Part 1) OSPOs for Good 2024 - Building OSPO Capacity in Governments and Academia",
			Date: d(2024, 7, 10), Languages: []string{"English"}, Events: []string{event24}, Topics: []string{"Capacity-building"},
			Summary: "Second day of OSPOs for Good 2024: workshops on building open source programme offices in governments and universities.",
			Content: "<p>Day two of <b>OSPOs for Good 2024</b> opened with practical workshops.</p><ul><li>Workshop: a playbook for a government OSPO</li><li>Open source security &amp; supply chains</li></ul>"},
		{ID: "https://webtv.un.org/en/asset/k1x/k1xunpub00", Kind: ospofeed.KindRecording, Title: "(Day 2, Part 3) OSPOs for Good 2024 - Never published",
			Unpublished: true, Start: d(2024, 7, 10), Events: []string{event24}, Summary: "A scheduled session: playbook."},
		{ID: "https://webtv.un.org/en/asset/k1a/k1a2023one", Kind: ospofeed.KindRecording, Title: "OSPOs for Good 2023 - Morning",
			Date: d(2023, 6, 21), Languages: []string{"English"}, Events: []string{event23}, Summary: "The first OSPOs for Good."},
		{ID: "https://code.gouv.fr/fr/blog/ospos-for-good-2024/", Kind: ospofeed.KindArticle, URL: "https://code.gouv.fr/fr/blog/ospos-for-good-2024/",
			Title: "Retour sur OSPOs for Good 2024", Date: d(2024, 7, 20), Author: "DINUM",
			Content: `<p>La mission logiciels libres était à New York. <script>alert("x")</script>Un <i>retour</i> &lt;b&gt;en détail&lt;/b&gt;.</p>`},
		{ID: "https://ospo.example.fr/", Kind: ospofeed.KindOrganisation, URL: "https://ospo.example.fr/", Title: "OSPO de l'exemple", Country: "France",
			Descriptions: map[string]string{"fr": "Le bureau des logiciels libres de l'exemple.", "en": "The example's open source office."}},
	}
	return items
}

func lookup(items []ospofeed.Item) Lookup {
	return func(id string) (ospofeed.Item, bool) {
		for _, it := range items {
			if it.ID == id {
				return it, true
			}
		}
		return ospofeed.Item{}, false
	}
}

func openIndexed(t *testing.T, items []ospofeed.Item) *Index {
	t.Helper()
	x, err := Open(filepath.Join(t.TempDir(), "search"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	if err := x.Index(items, lookup(items)); err != nil {
		t.Fatal(err)
	}
	return x
}

func ids(r *Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.ID)
	}
	return out
}

func ask(t *testing.T, x *Index, q string, f Filters, page int) *Result {
	t.Helper()
	r, err := x.Query(q, f, page)
	if err != nil {
		t.Fatalf("Query(%q, %+v, %d): %v", q, f, page, err)
	}
	return r
}

func TestQuery(t *testing.T) {
	x := openIndexed(t, corpus())
	tests := []struct {
		name string
		q    string
		f    Filters
		want []string
	}{
		{"a word only in a description", "playbook", Filters{}, []string{day2}},
		{"stemmed", "playbooks", Filters{}, []string{day2}},
		{"any case", "PLAYBOOK", Filters{}, []string{day2}},
		{"every word must match", "playbook keynote", Filters{}, nil},
		{"words in different fields", "playbook capacity-building", Filters{}, []string{day2}},
		{"a phrase", `"supply chains"`, Filters{}, []string{day2}},
		{"a phrase in the wrong order", `"chains supply"`, Filters{}, nil},
		{"an excluded word", "workshops -playbook", Filters{}, nil},
		{"a speaker (UN entity)", "envoy", Filters{}, []string{"https://webtv.un.org/en/asset/k1m/k1ma4k9rff"}},
		{"the event's title finds its recordings", "morning", Filters{Event: "OSPOs for Good 2023"}, []string{"https://webtv.un.org/en/asset/k1a/k1a2023one"}},
		{"a venue", "ECOSOC", Filters{}, []string{event24}},
		{"an organisation's description", "example's office", Filters{}, []string{"https://ospo.example.fr/"}},
		{"news content", "mission", Filters{}, []string{"https://code.gouv.fr/fr/blog/ospos-for-good-2024/"}},
		{"not the text of a script", "alert", Filters{}, nil},
		{"a kind filter", "", Filters{Kind: "event"}, []string{event24, event23}},
		{"a year and a language: newest first", "", Filters{Year: "2024", Language: "English"}, []string{day2, "https://webtv.un.org/en/asset/k1m/k1ma4k9rff"}},
		{"never-published recordings are not found", "never published", Filters{}, nil},
		{"stop words only", "the and", Filters{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ask(t, x, tt.q, tt.f, 1)
			if got := ids(r); !slices.Equal(got, tt.want) {
				t.Errorf("Query(%q, %+v) = %q; want %q", tt.q, tt.f, got, tt.want)
			}
		})
	}
}

func TestHits(t *testing.T) {
	x := openIndexed(t, corpus())
	r := ask(t, x, "playbook", Filters{}, 1)
	if len(r.Hits) != 1 {
		t.Fatalf("hits %q", ids(r))
	}
	h := r.Hits[0]
	if h.Kind != "recording" || h.URL != "/recordings/k1qmxhno3c/" || !h.Date.Equal(time.Date(2024, 7, 10, 12, 0, 0, 0, time.UTC)) ||
		!slices.Equal(h.Events, []string{"OSPOs for Good 2024"}) || !strings.HasPrefix(h.Title, "(Day 2, Part 1)") {
		t.Errorf("hit = %+v", h)
	}
	t.Logf("snippet: %s", h.Snippet)
	if !strings.Contains(h.Snippet, "<mark>playbook</mark>") {
		t.Errorf("snippet %q does not mark the word", h.Snippet)
	}
	if !strings.Contains(ask(t, x, "supply", Filters{}, 1).Hits[0].Snippet, "&amp;") {
		t.Errorf("snippet not escaped: %q", ask(t, x, "supply", Filters{}, 1).Hits[0].Snippet)
	}
	// Stored HTML is text: markup written as text stays text.
	news := ask(t, x, "détail", Filters{}, 1)
	if len(news.Hits) != 1 || strings.Contains(news.Hits[0].Snippet, "<b>") || strings.Contains(news.Hits[0].Snippet, "<script") {
		t.Errorf("news snippet = %+v", news.Hits)
	}
	// A hit on its title alone shows the beginning of its text.
	ev := ask(t, x, "2023", Filters{Kind: "event"}, 1)
	if len(ev.Hits) != 1 || ev.Hits[0].URL != "/events/ospos-good-2023/" {
		t.Errorf("event hit = %+v", ev.Hits)
	}
	org := ask(t, x, "exemple", Filters{}, 1)
	if len(org.Hits) != 1 || org.Hits[0].URL != "https://ospo.example.fr/" || org.Hits[0].Snippet == "" {
		t.Errorf("organisation hit = %+v", org.Hits)
	}
}

func facet(r *Result, name string) map[string]int {
	out := map[string]int{}
	for _, f := range r.Facets {
		if f.Name == name {
			for _, v := range f.Values {
				out[v.Value] = v.Count
			}
		}
	}
	return out
}

func TestFacets(t *testing.T) {
	x := openIndexed(t, corpus())
	r := ask(t, x, "", Filters{}, 1)
	if r.Total != 7 {
		t.Errorf("everything: %d hits; want 7 (the unpublished recording left out)", r.Total)
	}
	want := map[string]map[string]int{
		FacetKind:     {"event": 2, "recording": 3, "article": 1, "organisation": 1},
		FacetEvent:    {"OSPOs for Good 2024": 3, "OSPOs for Good 2023": 2},
		FacetYear:     {"2024": 4, "2023": 2},
		FacetLanguage: {"English": 3, "French": 1},
	}
	for name, w := range want {
		if got := facet(r, name); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("facet %s = %v; want %v", name, got, w)
		}
	}
	// Facets count the hits of the query, filters applied.
	r = ask(t, x, "OSPOs", Filters{Year: "2024"}, 1)
	if got, w := facet(r, FacetKind), map[string]int{"event": 1, "recording": 2, "article": 1}; fmt.Sprint(got) != fmt.Sprint(w) {
		t.Errorf("OSPOs in 2024, by kind = %v; want %v", got, w)
	}
	var years []string
	for _, f := range ask(t, x, "", Filters{}, 1).Facets {
		if f.Name == FacetYear {
			for _, v := range f.Values {
				years = append(years, v.Value)
			}
		}
	}
	if !slices.Equal(years, []string{"2024", "2023"}) {
		t.Errorf("years in order %q; want newest first", years)
	}
}

func TestPages(t *testing.T) {
	var items []ospofeed.Item
	for i := range 45 {
		items = append(items, ospofeed.Item{ID: fmt.Sprintf("https://example.org/%02d", i), Kind: ospofeed.KindArticle,
			Title: fmt.Sprintf("Post %d about open source", i), Date: time.Date(2020, 1, 1+i, 0, 0, 0, 0, time.UTC)})
	}
	x := openIndexed(t, items)
	seen := map[string]bool{}
	for page, n := range []int{20, 20, 5} {
		r := ask(t, x, "open source", Filters{}, page+1)
		if len(r.Hits) != n || r.Total != 45 || r.Pages != 3 || r.Page != page+1 {
			t.Errorf("page %d: %d hits of %d, %d pages; want %d of 45, 3 pages", page+1, len(r.Hits), r.Total, r.Pages, n)
		}
		for _, id := range ids(r) {
			if seen[id] {
				t.Errorf("%s on two pages", id)
			}
			seen[id] = true
		}
	}
	if r := ask(t, x, "", Filters{}, 1); r.Hits[0].ID != "https://example.org/44" {
		t.Errorf("no query: first hit %s; want the newest", r.Hits[0].ID)
	}
	if r := ask(t, x, "open", Filters{}, 9); len(r.Hits) != 0 || r.Page != 9 {
		t.Errorf("page 9 of 3: %+v", r)
	}
	if r := ask(t, x, "open", Filters{}, 1000000); r.Page != MaxPage {
		t.Errorf("page 1000000 read as %d; want %d", r.Page, MaxPage)
	}
}

func TestReindexAndDelete(t *testing.T) {
	items := corpus()
	x := openIndexed(t, items)
	// A retitled recording is found by its new title, not its old one.
	retitled := items[2]
	retitled.Title = "(Day 1, Part 1) OSPOs for Good 2024 - Welcome Wombats"
	if err := x.Index([]ospofeed.Item{retitled}, lookup(items)); err != nil {
		t.Fatal(err)
	}
	if got := ids(ask(t, x, "wombats", Filters{}, 1)); !slices.Equal(got, []string{retitled.ID}) {
		t.Errorf("new title: %q", got)
	}
	if got := ids(ask(t, x, `"opening session"`, Filters{}, 1)); len(got) != 0 {
		t.Errorf("old title still found: %q", got)
	}
	// A retitled event: its recordings, indexed again, carry the new title.
	ev := items[0]
	ev.Title = "OSPOs for Good 2024 (Geneva)"
	items[0] = ev
	if err := x.Index([]ospofeed.Item{ev, items[3]}, lookup(items)); err != nil {
		t.Fatal(err)
	}
	if got := facet(ask(t, x, "playbook", Filters{}, 1), FacetEvent); fmt.Sprint(got) != "map[OSPOs for Good 2024 (Geneva):1]" {
		t.Errorf("event facet after the event's retitling: %v", got)
	}
	// A recording that turns out unpublished leaves; Delete removes.
	unpub := items[3]
	unpub.Unpublished = true
	if err := x.Index([]ospofeed.Item{unpub}, lookup(items)); err != nil {
		t.Fatal(err)
	}
	if got := ids(ask(t, x, "playbook", Filters{}, 1)); len(got) != 0 {
		t.Errorf("unpublished recording still found: %q", got)
	}
	if err := x.Delete([]string{event23, "https://never.example/"}); err != nil {
		t.Fatal(err)
	}
	if got := ids(ask(t, x, "", Filters{Kind: "event"}, 1)); !slices.Equal(got, []string{event24}) {
		t.Errorf("events after Delete: %q", got)
	}
}

func TestRebuild(t *testing.T) {
	items := corpus()
	x := openIndexed(t, items)
	if !x.Stale() {
		t.Error("a new index is not stale")
	}
	// The store lost the OSPO (say, a restored backup): a rebuild drops it.
	kept := items[:len(items)-1]
	err := x.Rebuild(func(add func([]ospofeed.Item, Lookup) error) error {
		for i := 0; i < len(kept); i += 3 {
			if err := add(kept[i:min(i+3, len(kept))], lookup(kept)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.SetState("db:1"); err != nil {
		t.Fatal(err)
	}
	if n, _ := x.DocCount(); n != 6 {
		t.Errorf("after rebuild: %d documents; want 6", n)
	}
	if got := ids(ask(t, x, "exemple", Filters{}, 1)); len(got) != 0 {
		t.Errorf("a document the rebuild did not write is still there: %q", got)
	}
	if x.Stale() || x.State() != "db:1" {
		t.Errorf("after SetState: stale %v, state %q", x.Stale(), x.State())
	}
	// The state and the documents outlive the process.
	dir := x.Dir()
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	y, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if y.State() != "db:1" || y.Recreated() != nil {
		t.Errorf("reopened: state %q, recreated %v", y.State(), y.Recreated())
	}
	if got := ids(ask(t, y, "playbook", Filters{}, 1)); !slices.Equal(got, []string{day2}) {
		t.Errorf("reopened: %q", got)
	}
}

func TestOpenRecreates(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(t *testing.T, dir string)
	}{
		{"directory deleted", func(t *testing.T, dir string) { os.RemoveAll(dir) }},
		{"index deleted, marker kept", func(t *testing.T, dir string) { os.RemoveAll(filepath.Join(dir, indexName)) }},
		{"metadata garbage", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, indexName, "index_meta.json"), []byte("{garbage"), 0o644)
		}},
		{"root file garbage", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, indexName, "store", "root.bolt"), []byte(strings.Repeat("garbage!", 1000)), 0o644)
		}},
		{"segments deleted", func(t *testing.T, dir string) {
			ents, _ := os.ReadDir(filepath.Join(dir, indexName, "store"))
			for _, e := range ents {
				if strings.HasSuffix(e.Name(), ".zap") {
					os.Remove(filepath.Join(dir, indexName, "store", e.Name()))
				}
			}
		}},
		{"another format", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, markerName), []byte(`{"format": 0}`), 0o644)
		}},
		{"marker garbage", func(t *testing.T, dir string) { os.WriteFile(filepath.Join(dir, markerName), []byte(`nope`), 0o644) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "search")
			x, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			items := corpus()
			if err := x.Index(items, lookup(items)); err != nil {
				t.Fatal(err)
			}
			x.SetState("db:1")
			if err := x.Close(); err != nil {
				t.Fatal(err)
			}
			tt.break_(t, dir)
			y, err := Open(dir)
			if err != nil {
				t.Fatalf("Open after %s: %v", tt.name, err)
			}
			defer y.Close()
			if !y.Stale() {
				t.Errorf("not stale after %s", tt.name)
			}
			t.Logf("recreated: %v", y.Recreated())
			if err := y.Index(items, lookup(items)); err != nil {
				t.Fatal(err)
			}
			if got := ids(ask(t, y, "playbook", Filters{}, 1)); !slices.Equal(got, []string{day2}) {
				t.Errorf("recreated index: %q", got)
			}
		})
	}
}

func TestOpenRefusesAForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "precious.txt"), []byte("keep me"), 0o644)
	if _, err := Open(dir); !errors.Is(err, ErrNotIndex) {
		t.Fatalf("Open(a directory with files) = %v; want ErrNotIndex", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "precious.txt")); string(b) != "keep me" {
		t.Error("the foreign directory was touched")
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		q                    string
		words, phrases, nots []string
	}{
		{"", nil, nil, nil},
		{"open  source", []string{"open", "source"}, nil, nil},
		{`"supply chains" security`, []string{"security"}, []string{"supply chains"}, nil},
		{`ospo -2023 - "unclosed phrase`, []string{"ospo"}, []string{"unclosed phrase"}, []string{"2023"}},
		{`"" " "`, nil, nil, nil},
	}
	for _, tt := range tests {
		w, p, n := parseQuery(tt.q)
		if !slices.Equal(w, tt.words) || !slices.Equal(p, tt.phrases) || !slices.Equal(n, tt.nots) {
			t.Errorf("parseQuery(%q) = %q, %q, %q; want %q, %q, %q", tt.q, w, p, n, tt.words, tt.phrases, tt.nots)
		}
	}
}

func TestHTMLText(t *testing.T) {
	got := htmlText(`<p>One &amp; <b>two</b></p><script>var x = "<p>no</p>";</script><ul><li>three</li><li>four</li></ul>`)
	if want := "One & two · three · four"; got != want {
		t.Errorf("htmlText = %q; want %q", got, want)
	}
}

func TestOpenInUse(t *testing.T) {
	x := openIndexed(t, corpus())
	start := time.Now()
	if _, err := Open(x.Dir()); !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open = %v; want ErrInUse", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %s", d)
	}
	if got := ids(ask(t, x, "playbook", Filters{}, 1)); !slices.Equal(got, []string{day2}) {
		t.Errorf("the first opener's index after a second Open: %q", got)
	}
}

func TestWholeWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"…shops on <mark>x</mark> and mo…", "… on <mark>x</mark> and …"},
		{"…<mark>x</mark>y z", "…<mark>x</mark>y z"},
		{"a <mark>x</mark>…", "a <mark>x</mark>…"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		if got := wholeWords(tt.in); got != tt.want {
			t.Errorf("wholeWords(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
