package scraper

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"

	"github.com/ospofeed/ospofeed"
)

// typePrefixRE matches the type Joinup puts before its item titles.
var typePrefixRE = regexp.MustCompile(`^(News|Event|Document|Discussion|Solution|Release|Video|Case study|Collection):\s+`)

// crawlFeed reads an Atom, RSS (0.9x, 1.0, 2.0) or JSON Feed document.
func crawlFeed(ctx context.Context, env *Env) error {
	return crawlDocument(ctx, env, func(u string, body []byte) ([]ospofeed.Item, []string, error) {
		return ParseFeed(env.Source, u, body)
	})
}

// ParseFeed reads the entries of a feed as items of the source's item kind.
// A malformed or truncated feed is an error naming the feed and, where the
// parser says, the line; nothing is half-read.
func ParseFeed(src ospofeed.Source, feedURL string, body []byte) ([]ospofeed.Item, []string, error) {
	base, err := url.Parse(feedURL)
	if err != nil || !base.IsAbs() {
		return nil, nil, fmt.Errorf("parse feed %q: not an absolute URL", feedURL)
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, nil, fmt.Errorf("parse feed %s: %s", feedURL, locate(err, body))
	}
	policy := sanitizer()
	var items []ospofeed.Item
	var warnings []string
	seen := map[string]bool{}
	for i, e := range f.Items {
		it, keep, warn := feedItem(src, base, e, policy)
		if warn != "" {
			warnings = append(warnings, fmt.Sprintf("%s: entry %d: %s", feedURL, i+1, warn))
		}
		if !keep || seen[it.ID] {
			continue
		}
		seen[it.ID] = true
		items = append(items, it)
	}
	return items, warnings, nil
}

// locate turns a parser error into a message with a line number.
func locate(err error, body []byte) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("line %d: %s", se.Line, se.Msg)
	}
	var je *json.SyntaxError
	if errors.As(err, &je) {
		line := 1 + bytes.Count(body[:min(int(je.Offset), len(body))], []byte("\n"))
		return fmt.Sprintf("line %d: %s", line, je.Error())
	}
	msg := err.Error()
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		msg = "not an Atom, RSS or JSON feed"
	}
	if strings.Contains(msg, "EOF") {
		msg += fmt.Sprintf(" (the document ends after %d bytes, %d lines: truncated?)", len(body), 1+bytes.Count(body, []byte("\n")))
	}
	return msg
}

// feedItem maps one feed entry; keep is false for an entry the source does
// not want (its type or keywords) or cannot identify.
func feedItem(src ospofeed.Source, base *url.URL, e *gofeed.Item, policy interface{ Sanitize(string) string }) (ospofeed.Item, bool, string) {
	kind := src.ItemKind
	if kind == "" {
		kind = ospofeed.KindArticle
	}
	it := ospofeed.Item{Kind: kind, Authority: ospofeed.AuthorityFeed, GUID: ospofeed.CleanText(e.GUID)}
	it.Title = ospofeed.CleanText(e.Title)
	if m := typePrefixRE.FindStringSubmatch(it.Title); m != nil {
		it.Type = m[1]
		it.Title = strings.TrimSpace(it.Title[len(m[0]):])
	}
	if len(src.Types) > 0 && !slices.ContainsFunc(src.Types, func(t string) bool { return strings.EqualFold(t, it.Type) }) {
		return it, false, ""
	}
	link := resolve(base, e.Link)
	if link == "" {
		for _, l := range e.Links {
			if link = resolve(base, l); link != "" {
				break
			}
		}
	}
	it.URL = link
	id, ok := ospofeed.CanonicalURL(link)
	if !ok {
		if id, ok = ospofeed.CanonicalURL(e.GUID); !ok && it.GUID != "" {
			id, ok = base.String()+"#"+ospofeed.ShortHash(it.GUID), true
		}
	}
	if !ok {
		return it, false, fmt.Sprintf("%q has neither a link nor an id", it.Title)
	}
	it.ID = id
	if it.URL == "" && strings.HasPrefix(id, "http") && !strings.Contains(id, "#") {
		it.URL = id
	}
	// Content: the entry's HTML, sanitized, links made absolute; the
	// summary is plain text.
	body, desc := e.Content, e.Description
	if strings.TrimSpace(desc) == "" {
		desc = mediaDescription(e) // YouTube: media:group/media:description
	}
	if body == "" && looksHTML(desc) {
		body = desc
	}
	itemBase := base
	if u, err := url.Parse(it.URL); err == nil && it.URL != "" {
		itemBase = u
	}
	if body != "" {
		it.Content = strings.TrimSpace(ospofeed.StripXMLIllegal(policy.Sanitize(absLinks(itemBase, body))))
	}
	it.Summary = plain(desc)
	if it.Summary == it.Title {
		it.Summary = ""
	}
	if t := firstTime(e.PublishedParsed, e.UpdatedParsed); !t.IsZero() {
		it.Date = t.UTC()
	}
	for _, p := range append(slices.Clone(e.Authors), e.Author) {
		if p != nil && strings.TrimSpace(p.Name) != "" {
			it.Author = ospofeed.CleanText(p.Name)
			break
		}
	}
	if it.Author == "" && e.DublinCoreExt != nil && len(e.DublinCoreExt.Creator) > 0 {
		it.Author = ospofeed.CleanText(e.DublinCoreExt.Creator[0])
	}
	it.Categories = cleanAll(e.Categories)
	it.Thumbnail, it.Duration = media(base, e)
	if it.Kind == ospofeed.KindRecording && len(it.Languages) == 0 {
		it.Type = or(it.Type, "video")
	}
	if it.Type == "Event" && src.ItemKind == "" {
		it.Kind = ospofeed.KindEvent
	}
	if it.Kind == ospofeed.KindEvent {
		if r, ok := FindDateRange(it.Title + "\n" + it.Summary); ok {
			it.Start, it.End, it.AllDay = r.Start, r.End, true
		}
	}
	if len(src.Keywords) > 0 && !matches(it.Title+" "+it.Summary, src.Keywords) {
		return it, false, ""
	}
	return it, true, ""
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func firstTime(ts ...*time.Time) time.Time {
	for _, t := range ts {
		if t != nil && !t.IsZero() {
			return *t
		}
	}
	return time.Time{}
}

func cleanAll(in []string) []string {
	var out []string
	for _, s := range in {
		if s = ospofeed.CleanText(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

var tagRE = regexp.MustCompile(`<[a-zA-Z/!][^>]*>`)

func looksHTML(s string) bool { return tagRE.MatchString(s) }

// plain is the text of a possibly-HTML fragment.
func plain(s string) string {
	if !looksHTML(s) {
		return ospofeed.CleanLines(s)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(s))
	if err != nil {
		return ospofeed.CleanText(tagRE.ReplaceAllString(s, " "))
	}
	doc.Find("script, style").Remove()
	return blockText(doc.Selection)
}

var hrefAttrRE = regexp.MustCompile(`(?i)(\s(?:href|src)\s*=\s*)(["'])([^"']*)(["'])`)

// absLinks resolves the relative href and src attributes of an HTML
// fragment against base, before sanitizing drops what it cannot resolve.
func absLinks(base *url.URL, html string) string {
	if base == nil {
		return html
	}
	return hrefAttrRE.ReplaceAllStringFunc(html, func(m string) string {
		p := hrefAttrRE.FindStringSubmatch(m)
		if abs := resolve(base, strings.ReplaceAll(p[3], "&amp;", "&")); abs != "" {
			return p[1] + p[2] + strings.ReplaceAll(abs, "&", "&amp;") + p[4]
		}
		return m
	})
}

// media finds a thumbnail and a duration in the entry's image, Media RSS
// (PeerTube, YouTube's media:group), enclosures or iTunes fields.
func media(base *url.URL, e *gofeed.Item) (string, time.Duration) {
	var thumb string
	var dur time.Duration
	if e.Image != nil {
		thumb = resolve(base, e.Image.URL)
	}
	var walk func(exts map[string][]ext.Extension)
	walk = func(exts map[string][]ext.Extension) {
		for _, x := range exts["thumbnail"] {
			if thumb == "" {
				thumb = resolve(base, x.Attrs["url"])
			}
		}
		for _, x := range exts["content"] {
			if s, err := strconv.Atoi(strings.TrimSpace(x.Attrs["duration"])); err == nil && s > 0 && s <= maxSeconds && dur == 0 {
				dur = time.Duration(s) * time.Second
			}
		}
		for _, g := range exts["group"] {
			walk(g.Children)
		}
	}
	walk(e.Extensions["media"])
	if dur == 0 && e.ITunesExt != nil {
		dur = itunesDuration(e.ITunesExt.Duration)
	}
	if thumb == "" {
		for _, enc := range e.Enclosures {
			if strings.HasPrefix(enc.Type, "image/") {
				thumb = resolve(base, enc.URL)
				break
			}
		}
	}
	if !strings.HasPrefix(thumb, "https://") && !strings.HasPrefix(thumb, "http://") {
		thumb = ""
	}
	return thumb, dur
}

// maxSeconds is the longest duration a feed may give, in seconds: more
// would overflow time.Duration (and is no recording).
const maxSeconds = int(math.MaxInt64 / int64(time.Second))

// itunesDuration reads "1:02:03", "62:03" or seconds.
func itunesDuration(s string) time.Duration {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	total := 0
	for _, p := range strings.Split(s, ":") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > maxSeconds || total > (maxSeconds-n)/60 {
			return 0
		}
		total = total*60 + n
	}
	return time.Duration(total) * time.Second
}

// mediaDescription is the entry's Media RSS description, at the top level
// or in a media:group (where YouTube puts a video's description).
func mediaDescription(e *gofeed.Item) string {
	var walk func(exts map[string][]ext.Extension) string
	walk = func(exts map[string][]ext.Extension) string {
		for _, x := range exts["description"] {
			if strings.TrimSpace(x.Value) != "" {
				return x.Value
			}
		}
		for _, g := range exts["group"] {
			if d := walk(g.Children); d != "" {
				return d
			}
		}
		return ""
	}
	return walk(e.Extensions["media"])
}
