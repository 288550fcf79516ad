package web

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/ospofeed/ospofeed"
)

// xss is markup a scraped page could carry, meant to run in our pages.
const xss = `<script>alert(1)</script>"><img src=x onerror=alert(1)></script><!-- '><svg onload=alert(1)>`

// hostile adds what else scraped text can hold: C0 controls, a
// non-character, a CDATA terminator, entities and a javascript: URL as text.
const hostile = "Evil " + xss + " \x00\x01\x1b\ufffe ]]> &amp; javascript:alert(1) end"

const (
	evilEvent = "https://www.un.org/en/evil-event"
	evilRec   = "https://webtv.un.org/en/asset/k1x/k1xevil0001"
	evilNews  = "https://www.un.org/en/evil-news"
)

func hostileSnapshot() Snapshot {
	snap := testSnapshot()
	snap.Info.Description = hostile
	jsURL := "javascript:alert(1)"
	content := `<p>ok</p><script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)" onclick="alert(1)">x</a>` +
		`<a href=" JaVaScRiPt:alert(1)">y</a><iframe src="https://evil.example/"></iframe><style>body{}</style>]]>` + "\x00\x1b\ufffe" + `<p onmouseover="alert(1)">after</p>`
	snap.Items = append(snap.Items,
		ospofeed.Item{
			ID: evilEvent, Kind: ospofeed.KindEvent, URL: jsURL, Title: hostile, Summary: hostile, Content: content,
			Venue: hostile, Start: day(2024, 8, 1), End: day(2024, 8, 2), AllDay: true,
			Recordings: []string{evilRec}, Sources: []string{"un-ospo-events"},
			FirstSeen: time.Date(2024, 7, 20, 0, 0, 0, 0, time.UTC), Updated: time.Date(2024, 7, 20, 0, 0, 0, 0, time.UTC), Version: 1,
		},
		ospofeed.Item{
			ID: evilRec, Kind: ospofeed.KindRecording, URL: jsURL, Title: hostile, Summary: hostile, Content: content,
			Date: time.Date(2024, 8, 1, 12, 0, 0, 0, time.UTC), DateOnly: true, Duration: hms(0, 9, 30),
			Start:     time.Date(2024, 8, 1, 15, 0, 0, 0, time.UTC),
			Languages: []string{hostile, "English"}, Categories: []string{hostile}, Entities: []string{hostile}, Topics: []string{hostile},
			Thumbnail: jsURL, KalturaID: hostile, Author: hostile,
			Alternates: []ospofeed.Alternate{{Lang: hostile, URL: jsURL}, {Lang: "fr", URL: "data:text/html,<script>alert(1)</script>"}},
			Links: []ospofeed.Link{
				{Title: hostile, URL: jsURL},
				{Title: "data", URL: "data:text/html,<script>alert(1)</script>"},
				{Title: "vb", URL: "vbscript:msgbox(1)"},
				{URL: " javascript:alert(1)"},
				{Title: "The programme (PDF)", URL: "https://www.un.org/techenvoy/programme.pdf"},
			},
			Events: []string{evilEvent}, Sources: []string{"un-webtv"},
			FirstSeen: time.Date(2024, 8, 1, 18, 0, 0, 0, time.UTC), Updated: time.Date(2024, 8, 2, 0, 0, 0, 0, time.UTC), Version: 1,
		},
		ospofeed.Item{
			ID: evilNews, Kind: ospofeed.KindArticle, URL: jsURL, Title: hostile, Summary: hostile, Content: content,
			Date: time.Date(2024, 8, 3, 0, 0, 0, 0, time.UTC), Author: hostile, Sources: []string{"osor"},
			FirstSeen: time.Date(2024, 8, 3, 0, 0, 0, 0, time.UTC), Updated: time.Date(2024, 8, 3, 0, 0, 0, 0, time.UTC), Version: 1,
		},
	)
	snap.Sources = append(snap.Sources, SourceView{
		Source: ospofeed.Source{ID: "evil", Kind: "un-event", Name: hostile, URL: jsURL},
		State:  ospofeed.SourceState{ID: "evil", Status: ospofeed.StatusFailed, LastError: hostile},
	})
	return snap
}

// urlAttrs are the attributes whose value a browser follows or loads.
var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "poster": true,
	"srcset": true, "data": true, "xlink:href": true, "background": true}

// metaURLs are the <meta> tags whose content reference managers and link
// previews read as a URL.
var metaURLs = map[string]bool{"citation_public_url": true, "DC.identifier": true, "og:url": true, "og:image": true}

// dangerous reports whether a URL attribute value would run script.
func dangerous(v string) bool {
	v = strings.Map(func(r rune) rune {
		if r <= ' ' {
			return -1
		}
		return r
	}, strings.ToLower(v))
	return strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:")
}

// checkSafeHTML fails the test for anything in page that would run script,
// load from a hostile URL or break the document.
func checkSafeHTML(t *testing.T, p string, page []byte) {
	t.Helper()
	if !utf8.Valid(page) {
		t.Errorf("%s is not valid UTF-8", p)
	}
	for i, r := range string(page) {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f || r == 0xfffe || r == 0xffff {
			t.Errorf("%s has %U at byte %d: %q", p, r, i, page[max(0, i-40):min(len(page), i+40)])
			break
		}
	}
	for _, bad := range []string{"<script>alert", "<img src=x", "<svg", "<iframe", "<style>body", "<!-- '", `href="javascript:`, `src="javascript:`} {
		if i := bytes.Index(page, []byte(bad)); i >= 0 {
			t.Errorf("%s has unescaped %s: %q", p, bad, page[max(0, i-80):min(len(page), i+80)])
		}
	}
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("html.Parse(%s) = %v", p, err)
	}
	for n := range doc.Descendants() {
		if n.Type == html.CommentNode {
			t.Errorf("%s has a comment node %.80q", p, n.Data)
		}
		if n.Type != html.ElementNode {
			continue
		}
		switch n.DataAtom {
		case atom.Script:
			// JSON-LD, or our own script, loaded from the site: no
			// inline code at all.
			typ, src := attr(n, "type"), attr(n, "src")
			switch {
			case typ == "application/ld+json" && src == "":
			case typ == "" && src == testBase+"/cite.js" && n.FirstChild == nil:
			default:
				t.Errorf("%s has a <script type=%q src=%q>", p, typ, src)
			}
		case atom.Form:
			// Only the form that links to a moment of a recording (a GET
			// to the page itself) and the search box (a GET to the site's
			// own /search).
			search := attr(n, "class") == "searchbox" && attr(n, "action") == testBase+"/search" && attr(n, "method") == "get"
			moment := attr(n, "class") == "moment" && attr(n, "action") == "./" && attr(n, "method") == "get" && strings.HasPrefix(p, "/recordings/")
			if !search && !moment {
				t.Errorf("%s has a <form class=%q action=%q method=%q>", p, attr(n, "class"), attr(n, "action"), attr(n, "method"))
			}
		case atom.Iframe, atom.Object, atom.Embed, atom.Style, atom.Svg, atom.Base:
			t.Errorf("%s has a <%s> element", p, n.Data)
		case atom.Img:
			if src := attr(n, "src"); !strings.HasPrefix(src, "https://") {
				t.Errorf("%s has <img src=%q>", p, src)
			}
		case atom.Meta:
			if name := attr(n, "name") + attr(n, "property"); metaURLs[name] && dangerous(attr(n, "content")) {
				t.Errorf("%s has <meta %s content=%q>", p, name, attr(n, "content"))
			}
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("%s has <%s %s=%q>", p, n.Data, a.Key, a.Val)
			}
			if urlAttrs[strings.ToLower(a.Key)] && dangerous(a.Val) {
				t.Errorf("%s has <%s %s=%q>", p, n.Data, a.Key, a.Val)
			}
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf is the text content of the first element with the atom.
func textOf(doc *html.Node, a atom.Atom) (string, bool) {
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.DataAtom == a {
			var b strings.Builder
			for c := range n.Descendants() {
				if c.Type == html.TextNode {
					b.WriteString(c.Data)
				}
			}
			return b.String(), true
		}
	}
	return "", false
}

func TestHostileStringsInPages(t *testing.T) {
	s := build(t, hostileSnapshot())
	var pages int
	for _, p := range s.Paths() {
		if !strings.HasSuffix(p, "/") {
			continue
		}
		pages++
		t.Run(p, func(t *testing.T) {
			checkSafeHTML(t, p, []byte(page(t, s, p)))
		})
	}
	if pages < 12 {
		t.Errorf("checked %d HTML pages", pages)
	}

	// The markup is shown as text, not dropped: the reader sees what the
	// source said.
	for _, p := range []string{"/recordings/k1xevil0001/", "/events/evil-event/"} {
		doc, _ := html.Parse(strings.NewReader(page(t, s, p)))
		h1, ok := textOf(doc, atom.H1)
		if !ok || !strings.Contains(h1, xss) {
			t.Errorf("%s <h1> text = %q; want it to contain %q", p, h1, xss)
		}
	}

	// Links with a script URL are not links at all; the safe one stays.
	rec := page(t, s, "/recordings/k1xevil0001/")
	if !strings.Contains(rec, `<a href="https://www.un.org/techenvoy/programme.pdf" rel="nofollow">The programme (PDF)</a>`) {
		t.Errorf("recording page lost its safe link")
	}
	if strings.Contains(rec, "#ZgotmplZ") {
		t.Errorf("recording page links to #ZgotmplZ (html/template's replacement for an unsafe URL)")
	}
}

// TestHostileJSONLD: a title holding </script> cannot end the JSON-LD
// block; the block still parses and names the recording.
func TestHostileJSONLD(t *testing.T) {
	s := build(t, hostileSnapshot())
	p := page(t, s, "/recordings/k1xevil0001/")
	doc, err := html.Parse(strings.NewReader(p))
	if err != nil {
		t.Fatal(err)
	}
	var scripts []string
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.DataAtom == atom.Script && attr(n, "type") == "application/ld+json" {
			if n.FirstChild != nil {
				scripts = append(scripts, n.FirstChild.Data)
			} else {
				scripts = append(scripts, "")
			}
		}
	}
	if len(scripts) != 1 {
		t.Fatalf("recording page has %d JSON-LD script elements; want 1", len(scripts))
	}
	if strings.Contains(strings.ToLower(scripts[0]), "</script") || strings.Contains(scripts[0], "<!--") {
		t.Errorf("JSON-LD holds a raw </script or <!--: %s", scripts[0])
	}
	var ld struct {
		Type       string `json:"@type"`
		Name       string `json:"name"`
		URL        string `json:"url"`
		Thumbnail  string `json:"thumbnailUrl"`
		RecordedAt struct {
			Name     string                `json:"name"`
			URL      string                `json:"url"`
			Location struct{ Name string } `json:"location"`
		} `json:"recordedAt"`
	}
	if err := json.Unmarshal([]byte(scripts[0]), &ld); err != nil {
		t.Fatalf("json.Unmarshal(JSON-LD) = %v\n%s", err, scripts[0])
	}
	for field, got := range map[string]string{"name": ld.Name, "recordedAt.name": ld.RecordedAt.Name, "recordedAt.location.name": ld.RecordedAt.Location.Name} {
		if !strings.Contains(got, xss) {
			t.Errorf("JSON-LD %s = %q; want it to contain %q", field, got, xss)
		}
	}
	if ld.Type != "VideoObject" {
		t.Errorf("JSON-LD @type = %q; want VideoObject", ld.Type)
	}
	for field, got := range map[string]string{"url": ld.URL, "thumbnailUrl": ld.Thumbnail, "recordedAt.url": ld.RecordedAt.URL} {
		if dangerous(got) {
			t.Errorf("JSON-LD %s = %q", field, got)
		}
	}
}

// TestHostileStringsInFeeds: the same items leave every feed, calendar and
// citation well-formed.
func TestHostileStringsInFeeds(t *testing.T) {
	s := build(t, hostileSnapshot())
	for _, p := range s.Paths() {
		if strings.HasSuffix(p, "/") || p == "/style.css" {
			continue
		}
		t.Run(p, func(t *testing.T) {
			body := page(t, s, p)
			if !utf8.ValidString(body) || strings.ContainsAny(body, "\x00\x01\x1b\ufffe") {
				t.Errorf("%s holds invalid UTF-8 or a control character", p)
			}
			switch {
			case strings.HasSuffix(p, ".atom"), strings.HasSuffix(p, ".rss"), strings.HasSuffix(p, ".opml"):
				d := xml.NewDecoder(strings.NewReader(body))
				for {
					_, err := d.Token()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("xml.Decoder.Token(%s) = %v", p, err)
					}
				}
			case strings.HasSuffix(p, ".json"):
				if !json.Valid([]byte(body)) {
					t.Errorf("json.Valid(%s) = false", p)
				}
			}
			if strings.HasPrefix(p, "/feeds/") {
				if _, err := gofeed.NewParser().ParseString(body); err != nil {
					t.Errorf("gofeed.ParseString(%s) = %v", p, err)
				}
			}
		})
	}
}
