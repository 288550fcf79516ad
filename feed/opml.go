package feed

import (
	"encoding/xml"
	"fmt"
	"time"

	"github.com/ospofeed/ospofeed"
)

// Outline is one entry of an OPML subscription list: a feed (XMLURL set) or
// a group of feeds (Children set).
type Outline struct {
	Title    string
	XMLURL   string // the feed's URL
	HTMLURL  string // the page the feed is about
	Type     string // "rss" when empty and XMLURL is set (OPML uses "rss" for Atom too)
	Children []Outline
}

type opmlDoc struct {
	XMLName xml.Name `xml:"opml"`
	Version string   `xml:"version,attr"`
	Title   string   `xml:"head>title"`
	Created string   `xml:"head>dateCreated,omitempty"`
	Body    opmlBody `xml:"body"`
}

type opmlBody struct {
	Outlines []opmlOutline `xml:"outline"`
}

type opmlOutline struct {
	Text     string        `xml:"text,attr,omitempty"`
	Title    string        `xml:"title,attr,omitempty"`
	Type     string        `xml:"type,attr,omitempty"`
	XMLURL   string        `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string        `xml:"htmlUrl,attr,omitempty"`
	Outlines []opmlOutline `xml:"outline"`
}

// OPML renders an OPML 2.0 subscription list. created is the head's
// dateCreated (RFC 822), omitted when zero; pass a fixed time, not the
// clock, to keep the output stable. Outlines without a title fall back to
// their feed URL, because OPML requires text on every outline.
func OPML(title string, created time.Time, outlines []Outline) ([]byte, error) {
	doc := opmlDoc{Version: "2.0", Title: ospofeed.CleanText(title)}
	if !created.IsZero() {
		doc.Created = rfc1123(created)
	}
	doc.Body.Outlines = opmlOutlines(outlines)
	b, err := marshalXML(doc)
	if err != nil {
		return nil, fmt.Errorf("feed: opml: %w", err)
	}
	return b, nil
}

func opmlOutlines(in []Outline) []opmlOutline {
	var out []opmlOutline
	for _, o := range in {
		x := opmlOutline{
			Title:    ospofeed.CleanText(o.Title),
			XMLURL:   ospofeed.WebURL(o.XMLURL),
			HTMLURL:  ospofeed.WebURL(o.HTMLURL),
			Outlines: opmlOutlines(o.Children),
		}
		for _, t := range []string{x.Title, x.XMLURL, x.HTMLURL} {
			if x.Text == "" {
				x.Text = t
			}
		}
		switch {
		case x.Text == "" && len(x.Outlines) == 0:
			continue // nothing a reader could use
		case x.Text == "":
			x.Text = "Untitled"
		}
		if x.XMLURL != "" {
			x.Type = ospofeed.CleanText(o.Type)
			if x.Type == "" {
				x.Type = "rss"
			}
		}
		out = append(out, x)
	}
	return out
}
