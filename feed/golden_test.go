package feed

import (
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/internal/golden"
)

// goldenCase is one rendered document and the file it must equal.
type goldenCase struct {
	file   string
	render func() ([]byte, error)
}

func feedCases() []goldenCase {
	items := fixtures()
	look := lookupOf(items)
	render := func(f func(Meta, []ospofeed.Item, Lookup) ([]byte, error), file string, items []ospofeed.Item) func() ([]byte, error) {
		return func() ([]byte, error) { return f(meta(file), items, look) }
	}
	return []goldenCase{
		{"all.atom", render(Atom, "all.atom", items)},
		{"all.rss", render(RSS, "all.rss", items)},
		{"all.json", render(JSON, "all.json", items)},
		{"all.ics", render(ICalendar, "all.ics", items)},
		{"empty.atom", render(Atom, "empty.atom", nil)},
		{"empty.rss", render(RSS, "empty.rss", nil)},
		{"empty.json", render(JSON, "empty.json", nil)},
		{"empty.ics", render(ICalendar, "empty.ics", nil)},
		{"subscriptions.opml", func() ([]byte, error) {
			return OPML("ospofeed subscriptions", time.Date(2024, 7, 12, 8, 0, 0, 0, time.UTC), subscriptions())
		}},
	}
}

func subscriptions() []Outline {
	return []Outline{
		{Title: "All items", XMLURL: site + "/feeds/all.atom", HTMLURL: site + "/"},
		{Title: "Events", Children: []Outline{
			{Title: "OSPOs for Good 2024", XMLURL: site + "/events/ospos-good-2024/feed.atom", HTMLURL: site + "/events/ospos-good-2024/"},
			{Title: "Calendar & more <all>", XMLURL: site + "/feeds/events.rss", HTMLURL: site + "/events/", Type: "rss"},
		}},
		{XMLURL: site + "/feeds/untitled.json"},   // text falls back to the URL
		{Title: "Broken", XMLURL: "javascript:x"}, // kept, without the URL
	}
}

// citeCases are the citations of the fixture set: plain, at an offset, an
// event, an article and the hostile recording.
func citeCases() map[string]Citation {
	items := fixtures()
	event := find(items, eventID)
	return map[string]Citation{
		"k1ma4k9rff":        {Item: find(items, rec1ID), Events: []ospofeed.Item{event}, Permalink: site + "/recordings/k1ma4k9rff/"},
		"k1ma4k9rff-offset": {Item: find(items, rec1ID), Events: []ospofeed.Item{event}, Permalink: site + "/recordings/k1ma4k9rff/", Offset: hms(1, 23, 45)},
		"k1517v486n":        {Item: find(items, rec4ID), Events: []ospofeed.Item{event}},
		"ospos-good-2024":   {Item: event},
		"article":           {Item: find(items, articleI)},
		"hostile":           {Item: find(items, evilID), Events: []ospofeed.Item{event}, Offset: 90 * time.Second},
	}
}

func allGoldenCases() []goldenCase {
	cases := feedCases()
	cites := citeCases()
	for _, name := range []string{"k1ma4k9rff", "k1ma4k9rff-offset", "k1517v486n", "ospos-good-2024", "article", "hostile"} {
		c := cites[name]
		cases = append(cases,
			goldenCase{"cite-" + name + ".bib", func() ([]byte, error) { return BibTeX(c), nil }},
			goldenCase{"cite-" + name + ".ris", func() ([]byte, error) { return RIS(c), nil }},
			goldenCase{"cite-" + name + ".csl.json", func() ([]byte, error) { return CSLJSON(c) }},
			goldenCase{"cite-" + name + ".txt", func() ([]byte, error) { return []byte(TextCitation(c) + "\n"), nil }},
		)
		for _, f := range Styles(c) {
			cases = append(cases, goldenCase{"cite-" + name + "." + f.Style.ID + ".txt", func() ([]byte, error) { return f.File(), nil }})
		}
	}
	return cases
}

func TestGolden(t *testing.T) {
	for _, tc := range allGoldenCases() {
		t.Run(tc.file, func(t *testing.T) {
			got, err := tc.render()
			if err != nil {
				t.Fatalf("render %s: %v", tc.file, err)
			}
			golden.Check(t, tc.file, got)
		})
	}
}
