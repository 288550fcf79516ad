package feed

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"time"

	"github.com/gorilla/feeds"
	"github.com/ospofeed/ospofeed"
)

// Namespaces the XML feeds declare.
const (
	nsAtom  = "http://www.w3.org/2005/Atom"
	nsMedia = "http://search.yahoo.com/mrss/"
	nsDC    = "http://purl.org/dc/elements/1.1/"
)

// atomFeed wraps gorilla's AtomFeed: its single Link cannot carry both
// rel="self" and rel="alternate", and its entries cannot carry several
// categories or a thumbnail. The outer fields shadow the inner ones of the
// same XML name (encoding/xml lets the shallower field win).
type atomFeed struct {
	*feeds.AtomFeed
	XMLNSMedia string           `xml:"xmlns:media,attr"`
	XMLNSFH    string           `xml:"xmlns:fh,attr,omitempty"`
	Archive    *struct{}        `xml:"fh:archive"`
	Links      []feeds.AtomLink `xml:"link"`
	Entries    []*atomEntry     `xml:"entry"`
}

// atomEntry wraps gorilla's AtomEntry, whose Category is a bare string
// element where RFC 4287 wants <category term="…"/>.
type atomEntry struct {
	*feeds.AtomEntry
	Categories []atomCategory `xml:"category"`
	Thumbnail  *mediaURL      `xml:"media:thumbnail"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

// mediaURL is a Media RSS element that only points somewhere
// (media:thumbnail).
type mediaURL struct {
	URL string `xml:"url,attr"`
}

// Atom renders items as an Atom 1.0 (RFC 4287) feed, in the given order.
// Entry ids are the item ids; the feed's updated time is the latest entry's
// (m.Updated when there are none).
func Atom(m Meta, items []ospofeed.Item, look Lookup) ([]byte, error) {
	m, err := m.norm()
	if err != nil {
		return nil, fmt.Errorf("feed: atom: %w", err)
	}
	items = usable(items)
	f := &atomFeed{
		AtomFeed: &feeds.AtomFeed{
			Xmlns:    nsAtom,
			Title:    m.Title,
			Id:       m.ID,
			Updated:  rfc3339(feedUpdated(m, items)),
			Subtitle: m.Subtitle,
			Author:   &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: m.Author, Uri: m.AuthorURL}},
		},
		XMLNSMedia: nsMedia,
	}
	if m.SelfURL != "" {
		f.Links = append(f.Links, feeds.AtomLink{Href: m.SelfURL, Rel: "self", Type: "application/atom+xml"})
	}
	if h := m.home(); h != m.SelfURL && h != m.ID {
		f.Links = append(f.Links, feeds.AtomLink{Href: h, Rel: "alternate", Type: "text/html"})
	}
	if a := m.Archive; a.IsArchive {
		f.XMLNSFH, f.Archive = nsHistory, &struct{}{}
		f.Links = append(f.Links, feeds.AtomLink{Href: a.Current, Rel: "current", Type: "application/atom+xml"})
	}
	if m.Archive.Prev != "" {
		f.Links = append(f.Links, feeds.AtomLink{Href: m.Archive.Prev, Rel: "prev-archive", Type: "application/atom+xml"})
	}
	for _, it := range items {
		f.Entries = append(f.Entries, atomEntryOf(m, it, look))
	}
	b, err := marshalXML(f)
	if err != nil {
		return nil, fmt.Errorf("feed: atom: %w", err)
	}
	return b, nil
}

func atomEntryOf(m Meta, it ospofeed.Item, look Lookup) *atomEntry {
	v, body := m.entry(it, look)
	e := &atomEntry{AtomEntry: &feeds.AtomEntry{
		Title:   v.Title,
		Id:      it.ID,
		Updated: rfc3339(updated(it, m.Updated)),
		Content: &feeds.AtomContent{Content: body, Type: "html"},
	}}
	if p := published(it); !p.IsZero() {
		e.Published = rfc3339(p)
	}
	if u := itemURL(it); u != "" {
		e.Links = append(e.Links, feeds.AtomLink{Href: u, Rel: "alternate", Type: "text/html"})
	}
	if v.Page != "" {
		e.Links = append(e.Links, feeds.AtomLink{Href: v.Page, Rel: "related", Type: "text/html"})
	}
	if len(v.Summary) > 0 {
		e.Summary = &feeds.AtomSummary{Content: joinParagraphs(v.Summary), Type: "text"}
	}
	if a := author(it); a != "" {
		e.Author = &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: a}}
	}
	for _, t := range tags(it) {
		e.Categories = append(e.Categories, atomCategory{Term: t})
	}
	if v.Thumbnail != "" {
		e.Thumbnail = &mediaURL{URL: v.Thumbnail}
	}
	return e
}

// rfc3339 formats t in UTC to the second, as Atom wants.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func joinParagraphs(p []string) string {
	var b bytes.Buffer
	for i, s := range p {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(s)
	}
	return b.String()
}

// marshalXML writes v as an indented XML document with a declaration and a
// final newline. encoding/xml escapes text and attributes; the callers have
// already removed the characters it would pass through unescaped.
func marshalXML(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
