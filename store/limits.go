package store

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/ospofeed/ospofeed"
)

// ellipsis marks a cut.
const ellipsis = "…"

// limited is a crawl cut to its limits: what SaveCrawl stores instead.
type limited struct {
	res ospofeed.CrawlResult
	// warnings has one line per kind of cut, for the crawl log.
	warnings []string
	// itemsCut is the warning of a cut at items_per_crawl, "" when there
	// was none: it goes into the source's health.
	itemsCut string
}

// applyLimits cuts a crawl to res.Limits (zero fields: the defaults). It
// never modifies res's slices or items: the kept items are copies. The cuts
// are deterministic, so that an unchanged source gives the same cut items
// on every crawl and a re-crawl stays "unchanged".
func applyLimits(res ospofeed.CrawlResult) limited {
	l := res.Limits.Resolve()
	out := limited{res: res}
	if n := len(res.Items); n > l.ItemsPerCrawl {
		out.res.Items = res.Items[:l.ItemsPerCrawl:l.ItemsPerCrawl]
		out.itemsCut = fmt.Sprintf("limit: %d items, kept the first %d (limits.items_per_crawl)", n, l.ItemsPerCrawl)
		out.warnings = append(out.warnings, out.itemsCut)
		out.res.Pages = keptPages(res.Pages, out.res.Items)
	}
	// One count and the largest size seen per kind of cut: one warning
	// each, not one per item.
	type tally struct{ n, largest int }
	var titles, summaries, contents, links tally
	note := func(t *tally, size int) {
		t.n++
		t.largest = max(t.largest, size)
	}
	maxLinks := max(l.LinksPerItem, 0)
	items := out.res.Items
	copied := false
	for i := range items {
		it := items[i]
		changed := false
		if s, n, ok := cutText(it.Title, l.TitleChars); ok {
			it.Title, changed = s, true
			note(&titles, n)
		}
		if s, n, ok := cutText(it.Summary, l.SummaryChars); ok {
			it.Summary, changed = s, true
			note(&summaries, n)
		}
		var descs map[string]string // a copy: the caller's map is never written
		for lang, d := range it.Descriptions {
			if s, n, ok := cutText(d, l.SummaryChars); ok {
				if descs == nil {
					descs = maps.Clone(it.Descriptions)
				}
				descs[lang] = s
				note(&summaries, n)
			}
		}
		if descs != nil {
			it.Descriptions, changed = descs, true
		}
		if len(it.Content) > l.ContentBytes {
			note(&contents, len(it.Content))
			it.Content, changed = cutHTML(it.Content, l.ContentBytes), true
		}
		if len(it.Links) > maxLinks {
			note(&links, len(it.Links))
			it.Links, changed = slices.Clone(it.Links[:maxLinks]), true
			if maxLinks == 0 {
				it.Links = nil
			}
		}
		if !changed {
			continue
		}
		if !copied {
			items, copied = slices.Clone(items), true
		}
		items[i] = it
	}
	out.res.Items = items
	if titles.n > 0 {
		out.warnings = append(out.warnings, fmt.Sprintf("limit: %s over %d characters (the longest %d), cut (limits.title_chars)",
			count(titles.n, "title", "titles"), l.TitleChars, titles.largest))
	}
	if summaries.n > 0 {
		out.warnings = append(out.warnings, fmt.Sprintf("limit: %s over %d characters (the longest %d), cut (limits.summary_chars)",
			count(summaries.n, "summary or description", "summaries or descriptions"), l.SummaryChars, summaries.largest))
	}
	if contents.n > 0 {
		out.warnings = append(out.warnings, fmt.Sprintf("limit: %s over %d bytes (the largest %d), cut between tags (limits.content_bytes)",
			count(contents.n, "content", "contents"), l.ContentBytes, contents.largest))
	}
	if links.n > 0 {
		out.warnings = append(out.warnings, fmt.Sprintf("limit: %s with more than %d links (the most %d), kept the first %d (limits.links_per_item)",
			count(links.n, "item", "items"), maxLinks, links.largest, maxLinks))
	}
	return out
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// keptPages drops from each page's remembered items the ids no kept
// observation has: on a 304 the scraper re-emits a page's remembered items,
// and what was cut was never stored. Pages are copied, not modified.
func keptPages(pages []ospofeed.Page, kept []ospofeed.Item) []ospofeed.Page {
	ids := make(map[string]bool, len(kept))
	for _, it := range kept {
		ids[it.ID] = true
	}
	out := make([]ospofeed.Page, len(pages))
	for i, p := range pages {
		p.Items = slices.DeleteFunc(slices.Clone(p.Items), func(id string) bool { return !ids[id] })
		if len(p.Items) == 0 {
			p.Items = nil
		}
		out[i] = p
	}
	return out
}

// cutText cuts s to at most max characters (runes), the last of them "…",
// at a rune boundary, so that no UTF-8 sequence is ever split. It returns
// the cut text, the number of characters s had, and whether it cut.
func cutText(s string, max int) (string, int, bool) {
	if len(s) <= max { // bytes >= runes: short enough
		return s, 0, false
	}
	n := utf8.RuneCountInString(s)
	if n <= max {
		return s, 0, false
	}
	keep := max - utf8.RuneCountInString(ellipsis)
	end := 0
	for i := range s {
		if keep == 0 {
			end = i
			break
		}
		keep--
	}
	// "word …" reads as a cut; "word…" reads as the cut.
	return strings.TrimRightFunc(s[:end], unicode.IsSpace) + ellipsis, n, true
}

// voidElements have no end tag.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true,
}

// rawTextElements hold text that is not HTML: it is never cut inside.
var rawTextElements = map[string]bool{
	"script": true, "style": true, "textarea": true, "title": true, "xmp": true, "iframe": true,
	"noembed": true, "noframes": true, "noscript": true, "plaintext": true,
}

// cutHTML cuts the HTML fragment s to at most max bytes so that the result
// is still well-formed: content is rendered into pages as HTML, where a
// byte cut would leave a tag or an entity half-written ("<a hre", "&am")
// and an element open (an unclosed <a> or <table> swallows the rest of the
// page). Whole tokens are kept, up to the last that fits; the text token
// at the cut is cut at a rune boundary and re-escaped; "…" marks the cut;
// every element still open is closed, innermost first. End tags are
// written in canonical form and an end tag for an element opened earlier
// closes the ones opened inside it, so the kept part is properly nested
// whatever the input was; comments and doctypes are dropped. The cost of
// closing what is open is reserved before each start tag is kept, so the
// result never exceeds max.
//
// Dropping the content outright would be safe too, but the never-blank
// merge rule would then keep an earlier, stale content under the new
// title; a cut keeps the item's first 100 kB, which is what a reader wants.
func cutHTML(s string, max int) string {
	if len(s) <= max {
		return s
	}
	budget := max - len(ellipsis)
	var b strings.Builder
	var open []string // names of the open elements, outermost first
	closing := 0      // bytes of their end tags
	endTag := func(name string) string { return "</" + name + ">" }
	z := html.NewTokenizer(strings.NewReader(s))
	cut := false
loop:
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken: // io.EOF: all of it fits once comments are gone
			break loop
		case html.CommentToken, html.DoctypeToken:
			continue
		case html.TextToken:
			raw := z.Raw()
			if b.Len()+len(raw)+closing <= budget {
				b.Write(raw)
				continue
			}
			cut = true
			if len(open) > 0 && rawTextElements[open[len(open)-1]] {
				break loop
			}
			b.WriteString(fitEscaped(string(z.Text()), budget-b.Len()-closing))
			break loop
		case html.StartTagToken, html.SelfClosingTagToken:
			raw := z.Raw()
			name, _ := z.TagName()
			tag := string(name)
			void := tt == html.SelfClosingTagToken || voidElements[tag]
			need := len(raw)
			if !void {
				need += len(endTag(tag))
			}
			if b.Len()+closing+need > budget {
				cut = true
				break loop
			}
			b.Write(raw)
			if !void {
				open = append(open, tag)
				closing += len(endTag(tag))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			i := slices.Index(open, string(name))
			for j := len(open) - 1; i >= 0 && j >= i; j-- {
				// Reserved in closing: writing it costs nothing more.
				b.WriteString(endTag(open[j]))
				closing -= len(endTag(open[j]))
			}
			if i >= 0 {
				open = open[:i]
			}
			// An end tag for nothing open is dropped.
		}
	}
	if cut {
		b.WriteString(ellipsis)
	}
	for j := len(open) - 1; j >= 0; j-- {
		b.WriteString(endTag(open[j]))
	}
	return b.String()
}

// fitEscaped is the longest prefix of text, escaped for HTML, that is at
// most room bytes, cut at a rune boundary.
func fitEscaped(text string, room int) string {
	var b strings.Builder
	for _, r := range text {
		e := html.EscapeString(string(r))
		if b.Len()+len(e) > room {
			break
		}
		b.WriteString(e)
	}
	return strings.TrimRightFunc(b.String(), unicode.IsSpace)
}
