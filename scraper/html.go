package scraper

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/microcosm-cc/bluemonday"

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
