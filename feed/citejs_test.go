package feed

import (
	"encoding/json"
	"errors"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

// citeJSCases are the citations checked against citation-js: the fixture
// set, the Day 2 Part 1 recording cited at 1h02m03s, and variations that
// take the styles down their other paths (no author, no date, no event,
// titles that end in punctuation, hold quotes, need capitals).
func citeJSCases() map[string]Citation {
	items := fixtures()
	event := find(items, eventID)
	cases := citeCases()
	rec := find(items, rec3ID)
	cases["day2-part1-at-1h02m03s"] = Citation{Item: rec, Events: []ospofeed.Item{event}, Offset: hms(1, 2, 3)}
	cases["short-offset"] = Citation{Item: rec, Events: []ospofeed.Item{event}, Offset: hms(0, 2, 3)}
	vary := func(name string, f func(*ospofeed.Item), evs ...ospofeed.Item) {
		it := rec
		it.Languages = append([]string(nil), it.Languages...)
		f(&it)
		cases[name] = Citation{Item: it, Events: evs}
	}
	vary("no-event", func(*ospofeed.Item) {})
	vary("no-date", func(it *ospofeed.Item) { it.Date = time.Time{} }, event)
	vary("youtube-no-author", func(it *ospofeed.Item) {
		it.ID, it.URL, it.Entities = "https://www.youtube.com/watch?v=abc123", "https://www.youtube.com/watch?v=abc123", nil
	})
	vary("youtube-channel", func(it *ospofeed.Item) {
		it.ID, it.URL, it.Entities, it.Author = "https://www.youtube.com/watch?v=abc124", "https://www.youtube.com/watch?v=abc124", nil, "OSPO Alliance"
	})
	vary("ccc-no-author", func(it *ospofeed.Item) {
		it.ID, it.URL, it.Entities = "https://media.ccc.de/v/ospo-talk", "https://media.ccc.de/v/ospo-talk", nil
	}, event)
	vary("question", func(it *ospofeed.Item) { it.Title = "Why open source in government?" }, event)
	vary("ends-in-period", func(it *ospofeed.Item) { it.Title = "Opening remarks by the U.N." }, event)
	vary("lower-case", func(it *ospofeed.Item) {
		it.Title = "open source week: side event on the role of OSPOs in a digital world (withdrawn)"
	}, event)
	vary("quotes", func(it *ospofeed.Item) {
		it.Title = `Panel "Open by default": the 'digital public goods' agenda, and what's next`
	}, event)
	vary("french", func(it *ospofeed.Item) {
		it.Title = "la semaine de l'open source"
		it.Languages = []string{"French", "Original"}
	}, event)
	vary("no-venue", func(it *ospofeed.Item) {}, ospofeed.Item{ID: "https://example.org/e", Kind: ospofeed.KindEvent, Title: "Open Source Week 2026"})
	art := find(items, articleI)
	art.Author = ""
	art.Title = "Why public OSPOs matter: a review"
	cases["article-no-author"] = Citation{Item: art}
	one := event
	one.End = time.Time{}
	cases["event-one-day"] = Citation{Item: one}
	span := event
	span.Start, span.End = day0(2024, 6, 30), day0(2024, 7, 2)
	cases["event-across-months"] = Citation{Item: span}
	return cases
}

// citeJSOutput is what render.js says about one case.
type citeJSOutput struct {
	APA     string            `json:"apa"`
	Chicago string            `json:"chicago"`
	MLA     string            `json:"mla"`
	HTML    map[string]string `json:"html"`
	InText  map[string]string `json:"intext"`
	At      map[string]string `json:"at"`
	RIS     []map[string]any  `json:"ris"`
	BibTeX  []map[string]any  `json:"bibtex"`
}

// runCiteJS writes every case's exports into a temporary directory and
// has citation-js (feed/testdata/citejs) parse them and render them in
// the three styles. It skips when Node or the packages are missing,
// except in CI (CI=true), where the check must run.
func runCiteJS(t *testing.T, cases map[string]Citation) map[string]citeJSOutput {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "citejs"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "@citation-js", "core"))
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("citation-js check cannot run in CI: %v (run npm ci in %s)", err, dir)
		}
		t.Skipf("citation-js not available (%v): run npm ci in %s", err, dir)
	}
	out := t.TempDir()
	for name, c := range cases {
		csl, err := CSLJSON(c)
		if err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{".csl.json": csl, ".ris": RIS(c), ".bib": BibTeX(c)}
		if c.Offset > 0 {
			loc := map[string]string{}
			for _, f := range Styles(c) {
				loc[f.Style.ID] = f.Moment
			}
			b, _ := json.Marshal(loc)
			files[".locators.json"] = b
		}
		for ext, b := range files {
			if err := os.WriteFile(filepath.Join(out, name+ext), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cmd := exec.Command(node, filepath.Join(dir, "render.js"), out)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) || stderr.Len() > 0 {
			t.Fatalf("citation-js could not read our exports: %v\n%s", err, stderr.String())
		}
		t.Fatal(err)
	}
	res := map[string]citeJSOutput{}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("render.js output: %v", err)
	}
	return res
}

// TestCiteJS: the APA, Chicago and MLA citations rendered in Go (on the
// pages and in cite.<style>.txt) read exactly as citation-js renders our
// CSL-JSON with the official CSL styles, as text, as HTML (italics) and
// as in-text citations with and without a cited moment; and citation-js
// reads every RIS and BibTeX export as what it is.
func TestCiteJS(t *testing.T) {
	cases := citeJSCases()
	res := runCiteJS(t, cases)
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := res[name]
			if !ok {
				t.Fatalf("citation-js rendered nothing for %s", name)
			}
			want := map[string]string{"apa": got.APA, "chicago": got.Chicago, "mla": got.MLA}
			for _, f := range Styles(c) {
				id := f.Style.ID
				if g, w := f.Text(), want[id]; g != w {
					t.Errorf("%s(%s) = %q\ncitation-js: %q\n%s", f.Style.Name, name, g, w, difference(g, w))
				}
				if g, w := f.HTML(), htmlEntry(got.HTML[id]); html.UnescapeString(g) != w {
					t.Errorf("%s(%s) HTML = %q\ncitation-js: %q", f.Style.Name, name, html.UnescapeString(g), w)
				}
				if g, w := f.Plain, got.InText[id]; g != w {
					t.Errorf("%s(%s) in-text = %q; citation-js: %q", f.Style.Name, name, g, w)
				}
				if c.Offset > 0 {
					if g, w := f.InText(), got.At[id]; g != w {
						t.Errorf("%s(%s) in-text at %s = %q; citation-js: %q", f.Style.Name, name, f.Moment, g, w)
					}
				}
			}
			checkParsed(t, "RIS", c, got.RIS)
			checkParsed(t, "BibTeX", c, got.BibTeX)
		})
	}
}

// checkParsed: citation-js read an export as one item of the right type,
// with its title, address, platform and running time where they belong.
func checkParsed(t *testing.T, format string, c Citation, items []map[string]any) {
	t.Helper()
	if len(items) != 1 {
		t.Errorf("citation-js read %d items from %s; want 1", len(items), format)
		return
	}
	x, r := items[0], c.ref()
	wantType := map[ospofeed.Kind]string{ospofeed.KindRecording: "motion_picture", ospofeed.KindArticle: "webpage"}[r.Kind]
	if wantType != "" && x["type"] != wantType {
		t.Errorf("%s type read as %v; want %s", format, x["type"], wantType)
	}
	if x["title"] != r.Title && format == "RIS" {
		t.Errorf("%s title read as %q; want %q", format, x["title"], r.Title)
	}
	if x["URL"] != r.URL {
		t.Errorf("%s URL read as %v; want %s", format, x["URL"], r.URL)
	}
	if r.Kind != ospofeed.KindRecording {
		return
	}
	if x["publisher"] != r.Publisher && r.Publisher != "" {
		t.Errorf("%s publisher read as %v; want %s", format, x["publisher"], r.Publisher)
	}
	if n, ok := x["number"]; ok {
		t.Errorf("%s: citation-js reads a number %v (printed as an episode number)", format, n)
	}
	if format == "RIS" && r.Duration != "" && x["dimensions"] != r.Duration {
		t.Errorf("RIS running time read as dimensions %v; want %s", x["dimensions"], r.Duration)
	}
	if format == "BibTeX" && x["event-title"] != nil && x["event-title"] != r.Event {
		t.Errorf("BibTeX event read as %v; want %s", x["event-title"], r.Event)
	}
}

var entryRe = regexp.MustCompile(`(?s)<div[^>]*class="csl-entry">(.*)</div>\s*</div>`)

// htmlEntry is the entry of citeproc's HTML bibliography, unescaped.
func htmlEntry(s string) string {
	if m := entryRe.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	return html.UnescapeString(s)
}

// difference names where two renderings part.
func difference(got, want string) string {
	g, w := []rune(got), []rune(want)
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	ctx := func(r []rune) string {
		end := min(len(r), i+30)
		return string(r[i:end])
	}
	return "first difference at character " + itoa(i) + ": Go has " + strconvQuote(ctx(g)) + ", citation-js " + strconvQuote(ctx(w))
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }
