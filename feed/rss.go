package feed

import (
	"fmt"
	"html"
	"net/mail"
	"strings"
	"time"

	"github.com/gorilla/feeds"
	"github.com/ospofeed/ospofeed"
)

// rssDoc wraps gorilla's RssFeedXml to declare the atom, dc and media
// namespaces and to hold a channel that gorilla's RssFeed cannot express.
type rssDoc struct {
	feeds.RssFeedXml
	XMLNSAtom  string      `xml:"xmlns:atom,attr"`
	XMLNSDC    string      `xml:"xmlns:dc,attr"`
	XMLNSMedia string      `xml:"xmlns:media,attr"`
	XMLNSFH    string      `xml:"xmlns:fh,attr,omitempty"`
	Channel    *rssChannel `xml:"channel"`
}

// rssChannel adds atom:link rel="self" to gorilla's RssFeed and replaces its
// items.
type rssChannel struct {
	*feeds.RssFeed
	Archive   *struct{}     `xml:"fh:archive"`
	AtomLinks []atomLinkRSS `xml:"atom:link"`
	Items     []*rssItem    `xml:"item"`
}

type atomLinkRSS struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

// rssItem adds several categories, dc:creator for names (RSS <author> must
// be an e-mail address) and media:thumbnail (an <enclosure> needs a byte
// length we do not know, and a thumbnail is not the item's payload).
type rssItem struct {
	*feeds.RssItem
	Categories []string  `xml:"category"`
	Creator    string    `xml:"dc:creator,omitempty"`
	Thumbnail  *mediaURL `xml:"media:thumbnail"`
}

// RSS renders items as an RSS 2.0 feed, in the given order. The guid is the
// item id, a permalink only when it is also the item's link.
func RSS(m Meta, items []ospofeed.Item, look Lookup) ([]byte, error) {
	m, err := m.norm()
	if err != nil {
		return nil, fmt.Errorf("feed: rss: %w", err)
	}
	items = usable(items)
	desc := m.Subtitle
	if desc == "" {
		desc = m.Title // required by RSS 2.0
	}
	ch := &rssChannel{RssFeed: &feeds.RssFeed{
		Title:         m.Title,
		Link:          m.home(),
		Description:   desc,
		LastBuildDate: rfc1123(feedUpdated(m, items)),
	}}
	if m.SelfURL != "" {
		ch.AtomLinks = []atomLinkRSS{{Href: m.SelfURL, Rel: "self", Type: "application/rss+xml"}}
	}
	fh := ""
	if a := m.Archive; a.IsArchive {
		fh, ch.Archive = nsHistory, &struct{}{}
		ch.AtomLinks = append(ch.AtomLinks, atomLinkRSS{Href: a.Current, Rel: "current", Type: "application/rss+xml"})
	}
	if m.Archive.Prev != "" {
		ch.AtomLinks = append(ch.AtomLinks, atomLinkRSS{Href: m.Archive.Prev, Rel: "prev-archive", Type: "application/rss+xml"})
	}
	for _, it := range items {
		ch.Items = append(ch.Items, rssItemOf(m, it, look))
	}
	doc := &rssDoc{
		RssFeedXml: feeds.RssFeedXml{Version: "2.0", ContentNamespace: "http://purl.org/rss/1.0/modules/content/"},
		XMLNSAtom:  nsAtom,
		XMLNSDC:    nsDC,
		XMLNSMedia: nsMedia,
		XMLNSFH:    fh,
		Channel:    ch,
	}
	b, err := marshalXML(doc)
	if err != nil {
		return nil, fmt.Errorf("feed: rss: %w", err)
	}
	return b, nil
}

func rssItemOf(m Meta, it ospofeed.Item, look Lookup) *rssItem {
	v, body := m.entry(it, look)
	link := itemURL(it)
	if link == "" {
		link = v.Page // gorilla always writes <link>; better ours than empty
	}
	// The description is HTML by RSS convention: the summary's paragraphs,
	// escaped so that readers show "<script>" instead of running it.
	desc := body
	if len(v.Summary) > 0 {
		desc = ""
		for _, p := range v.Summary {
			desc += "<p>" + strings.ReplaceAll(html.EscapeString(p), "\n", "<br>") + "</p>"
		}
	}
	perma := "false"
	if link == it.ID {
		perma = "true"
	}
	r := &rssItem{RssItem: &feeds.RssItem{
		Title:       v.Title,
		Link:        link,
		Description: desc,
		// CDATA passes control characters through; body has none left
		// (StripXMLIllegal / CleanText upstream) and encoding/xml splits "]]>".
		Content: &feeds.RssContent{Content: body},
		Guid:    &feeds.RssGuid{Id: it.ID, IsPermaLink: perma},
	}}
	if p := published(it); !p.IsZero() {
		r.PubDate = rfc1123(p)
	}
	if a := author(it); a != "" {
		if addr, err := mail.ParseAddress(a); err == nil && addr.Address == a {
			r.Author = a
		} else {
			r.Creator = a
		}
	}
	r.Categories = tags(it)
	if v.Thumbnail != "" {
		r.Thumbnail = &mediaURL{URL: v.Thumbnail}
	}
	return r
}

// rfc1123 formats t in UTC as RSS 2.0 (RFC 822 with a four-digit year)
// wants.
func rfc1123(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }
