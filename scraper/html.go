package scraper

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/PuerkitoBio/goquery"
	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"

	"github.com/ospofeed/ospofeed"
)

// parseHTML reads a page; src names it in errors.
func parseHTML(src string, body []byte) (*goquery.Document, error) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", src, err)
	}
	return doc, nil
}

// text is the cleaned text of a selection.
func text(s *goquery.Selection) string { return ospofeed.CleanText(s.Text()) }

// blockText is the text of a selection with the shape its markup gives it:
// paragraphs and other blocks apart, a line per <br> and per list item
// (as "- item"), white space folded within lines.
func blockText(s *goquery.Selection) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			// In HTML a line break in the source is a space; the markup
			// says where lines end.
			if n.Data != "" && unicode.IsSpace(rune(n.Data[0])) {
				b.WriteByte(' ')
			}
			b.WriteString(strings.Join(strings.FieldsFunc(n.Data, unicode.IsSpace), " "))
			if n.Data != "" && unicode.IsSpace(rune(n.Data[len(n.Data)-1])) {
				b.WriteByte(' ')
			}
			return
		case html.ElementNode:
			switch n.Data {
			case "br":
				b.WriteString("\n")
				return
			case "li":
				b.WriteString("\n- ")
			case "p", "div", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "pre", "section", "article":
				b.WriteString("\n\n")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "p", "div", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "pre", "section", "article":
				b.WriteString("\n\n")
			}
		}
	}
	for _, n := range s.Nodes {
		walk(n)
	}
	return ospofeed.CleanLines(b.String())
}

// texts is the cleaned, non-empty texts of each element of a selection.
func texts(s *goquery.Selection) []string {
	var out []string
	s.Each(func(_ int, e *goquery.Selection) {
		if t := text(e); t != "" {
			out = append(out, t)
		}
	})
	return out
}

// meta returns the content of <meta property|name=key>.
func meta(doc *goquery.Document, key string) string {
	v, _ := doc.Find(fmt.Sprintf(`meta[property=%q], meta[name=%q]`, key, key)).First().Attr("content")
	return ospofeed.CleanText(v)
}

// resolve makes href absolute against base; "" for anything that is not
// http(s).
func resolve(base *url.URL, href string) string {
	href = strings.TrimSpace(href)
	if href == "" {
		return ""
	}
	u, err := base.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment = ""
	// url.Parse keeps the query as written: escape what a browser would
	// (spaces, quotes, raw non-ASCII bytes, invalid UTF-8 included), so that
	// the link is a valid URL and safe in XML.
	u.RawQuery = escapeQuery(u.RawQuery)
	return u.String()
}

// escapeQuery percent-encodes the bytes of a raw query that a URL may not
// hold (the WHATWG query set: controls, space, '"', '<', '>' and every
// non-ASCII byte), leaving escapes and delimiters alone.
func escapeQuery(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if c := q[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '<' || c == '>' {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// sanitizer keeps the structure of rich descriptions (paragraphs, lists,
// emphasis, links) and drops everything else: scripts, styles, event
// handlers, images, iframes.
func sanitizer() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "ul", "ol", "li", "b", "strong", "i", "em", "blockquote", "h3", "h4", "h5", "h6")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	return p
}

// sanitize returns safe HTML from scraped HTML, with XML-illegal characters
// removed and outer white space trimmed.
func sanitize(p *bluemonday.Policy, html string) string {
	return strings.TrimSpace(ospofeed.StripXMLIllegal(p.Sanitize(html)))
}
