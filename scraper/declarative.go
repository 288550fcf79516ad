package scraper

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"

	"github.com/ospofeed/ospofeed"
)

// crawlDeclarative reads an HTML page that has no feed through the CSS
// selectors its configuration gives (item, title, link, date, summary,
// image), the way html2rss does.
func crawlDeclarative(ctx context.Context, env *Env) error {
	return crawlDocument(ctx, env, func(u string, body []byte) ([]ospofeed.Item, []string, error) {
		return ParseListing(env.Source, u, body)
	})
}

// ParseListing extracts the items of a listing page with the source's
// selectors. A selector that matches nothing is a warning naming it and the
// page; a date it cannot read is a warning, never a failure.
func ParseListing(src ospofeed.Source, pageURL string, body []byte) ([]ospofeed.Item, []string, error) {
	sel := src.Selectors
	if sel["item"] == "" || sel["title"] == "" {
		return nil, nil, fmt.Errorf("source %s: a declarative source needs item and title selectors", src.ID)
	}
	base, err := url.Parse(pageURL)
	if err != nil || !base.IsAbs() {
		return nil, nil, fmt.Errorf("parse %q: not an absolute URL", pageURL)
	}
	doc, err := parseHTML(pageURL, body)
	if err != nil {
		return nil, nil, err
	}
	if b, ok := doc.Find("base[href]").Attr("href"); ok {
		if u := resolve(base, b); u != "" {
			base, _ = url.Parse(u)
		}
	}
	kind := src.ItemKind
	if kind == "" {
		kind = ospofeed.KindArticle
	}
	var warnings []string
	nodes := doc.Find(sel["item"])
	if nodes.Length() == 0 {
		return nil, []string{fmt.Sprintf("%s: selector %q (item) matched nothing", pageURL, sel["item"])}, nil
	}
	missed := map[string]int{}
	var items []ospofeed.Item
	seen := map[string]bool{}
	nodes.Each(func(i int, n *goquery.Selection) {
		find := func(field string) *goquery.Selection {
			if sel[field] == "" {
				return nil
			}
			s := n.Find(sel[field]).First()
			if s.Length() == 0 {
				missed[field]++
				return nil
			}
			return s
		}
		it := ospofeed.Item{Kind: kind, Authority: ospofeed.AuthoritySchedule}
		titleSel := find("title")
		if titleSel != nil {
			it.Title = text(titleSel)
		}
		link := ""
		if l := find("link"); l != nil {
			link = l.AttrOr("href", "")
		} else if titleSel != nil {
			if a := titleSel.Filter("a[href]"); a.Length() > 0 {
				link = a.AttrOr("href", "")
			} else {
				link = titleSel.Find("a[href]").First().AttrOr("href", "")
			}
			if link == "" {
				link = titleSel.Closest("a[href]").AttrOr("href", "")
			}
		}
		it.URL = resolve(base, link)
		id, ok := ospofeed.CanonicalURL(it.URL)
		if !ok {
			warnings = append(warnings, fmt.Sprintf("%s: item %d (%q) has no link: skipped", pageURL, i+1, it.Title))
			return
		}
		it.ID = id
		if d := find("date"); d != nil {
			raw := strings.TrimSpace(d.AttrOr("datetime", ""))
			if raw == "" {
				raw = text(d)
			}
			if r, ok := FindDateRange(raw); ok {
				if kind == ospofeed.KindEvent {
					it.Start, it.End, it.AllDay = r.Start, r.End, true
				} else {
					it.Date, it.DateOnly = r.Start, true
				}
			} else {
				warnings = append(warnings, fmt.Sprintf("%s: item %d (%q): date %q not understood", pageURL, i+1, it.Title, raw))
			}
		}
		if s := find("summary"); s != nil {
			it.Summary = text(s)
		}
		if img := find("image"); img != nil {
			src := img.AttrOr("src", img.AttrOr("data-src", ""))
			if u := resolve(base, src); strings.HasPrefix(u, "http") {
				it.Thumbnail = u
			}
		}
		if seen[it.ID] {
			return
		}
		seen[it.ID] = true
		items = append(items, it)
	})
	for _, field := range selectorFields {
		if n := missed[field]; n > 0 {
			warnings = append(warnings, fmt.Sprintf("%s: selector %q (%s) matched nothing in %d of %d items", pageURL, sel[field], field, n, nodes.Length()))
		}
	}
	return items, warnings, nil
}

// selectorFields are the per-item selectors, in the order warnings name
// them.
var selectorFields = []string{"title", "link", "date", "summary", "image"}
