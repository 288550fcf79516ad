package config

import (
	"go.yaml.in/yaml/v3"

	"github.com/ospofeed/ospofeed"
)

// The ranges of the limits: below the minimum a limit would cut what every
// ordinary source gives (a 40-character title, a paragraph of summary);
// above the maximum it would no longer bound anything (a million items of
// one crawl is already gigabytes).
const (
	minItemsPerCrawl, maxItemsPerCrawl = 1, 1_000_000
	minTitleChars, maxTitleChars       = 50, 10_000
	minSummaryChars, maxSummaryChars   = 100, 1_000_000
	minContentBytes, maxContentBytes   = 1_000, 10_000_000
	minLinksPerItem, maxLinksPerItem   = 0, 100_000
)

// limits reads the limits: section into l, which holds the defaults.
func (p *parser) limits(n *yaml.Node, l *ospofeed.Limits) {
	f := p.fields(n, "limits", "items_per_crawl", "title_chars", "summary_chars", "content_bytes", "links_per_item")
	p.integer(f, "items_per_crawl", "limits", minItemsPerCrawl, maxItemsPerCrawl, &l.ItemsPerCrawl)
	p.integer(f, "title_chars", "limits", minTitleChars, maxTitleChars, &l.TitleChars)
	p.integer(f, "summary_chars", "limits", minSummaryChars, maxSummaryChars, &l.SummaryChars)
	p.integer(f, "content_bytes", "limits", minContentBytes, maxContentBytes, &l.ContentBytes)
	links := -1
	p.integer(f, "links_per_item", "limits", minLinksPerItem, maxLinksPerItem, &links)
	switch {
	case links == 0:
		// In ospofeed.Limits 0 means "the default".
		l.LinksPerItem = ospofeed.NoLinks
	case links > 0:
		l.LinksPerItem = links
	}
}
