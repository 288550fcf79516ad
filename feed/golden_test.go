package feed

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

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
		"k1ma4k9rff-offset": {Item: find(items, rec1ID), Events: []ospofeed.Item{event}, Permalink: site + "/recordings/k1ma4k9rff/", Offset: hms(1, 23, 45), Publisher: "United Nations"},
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
			checkGolden(t, tc.file, got)
		})
	}
}

// checkGolden compares got with testdata/golden/name, or rewrites the file
// under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (create it with go test ./feed -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file (review, then go test ./feed -update):\n%s", name, lineDiff(string(want), string(got)))
	}
}

// lineDiff lists the lines that differ between two texts ("-" want, "+"
// got, with line numbers), using a longest-common-subsequence alignment so
// that one changed entry shows as one change: enough to review a golden
// update without a diff tool.
func lineDiff(want, got string) string {
	w, g := strings.SplitAfter(want, "\n"), strings.SplitAfter(got, "\n")
	// lcs[i][j] is the LCS length of w[i:] and g[j:].
	lcs := make([][]int, len(w)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(g)+1)
	}
	for i := len(w) - 1; i >= 0; i-- {
		for j := len(g) - 1; j >= 0; j-- {
			if w[i] == g[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	shown := 0
	emit := func(sign string, n int, line string) {
		if shown++; shown <= 40 {
			fmt.Fprintf(&b, "%s%4d %q\n", sign, n, line)
		}
	}
	i, j := 0, 0
	for i < len(w) || j < len(g) {
		switch {
		case i < len(w) && j < len(g) && w[i] == g[j]:
			i, j = i+1, j+1
		case i < len(w) && (j == len(g) || lcs[i+1][j] >= lcs[i][j+1]):
			emit("-", i+1, w[i])
			i++
		default:
			emit("+", j+1, g[j])
			j++
		}
	}
	if shown > 40 {
		fmt.Fprintf(&b, "… %d more changed lines\n", shown-40)
	}
	return b.String()
}
