package ospofeed

import (
	"maps"
	"slices"
	"time"
)

// Page is what a crawl remembers of one fetched URL: its HTTP validators
// for the next conditional GET, and the ids of the items extracted from it,
// so that a 304 can stand for "the same items as last time".
type Page struct {
	URL          string   `json:"url"`
	ETag         string   `json:"etag,omitempty"`
	LastModified string   `json:"last_modified,omitempty"`
	Items        []string `json:"items,omitempty"`
	// Lines are what a page that gives no items is remembered by, for a
	// 304 in another process: a robots.txt's rule lines.
	Lines []string `json:"lines,omitempty"`
}

// CrawlResult is what one crawl of one source hands to the store.
type CrawlResult struct {
	Source string
	Start  time.Time
	End    time.Time
	// Items are observations: what this source saw, merged by the store
	// with what it and other sources saw before.
	Items []Item
	// Replayed are the ids of items a page answered 304 for: seen again,
	// exactly as this source's stored observations of them.
	Replayed []string
	// Pages are the URLs fetched with a body or answered 304, with their
	// validators.
	Pages       []Page
	Fetched     int // pages fetched with a body
	NotModified int // 304s
	Warnings    []string
	// Err is why the crawl failed; the items found before it are kept.
	Err error
	// Expect is what a healthy crawl of the source finds.
	Expect Expect
	// Interrupted: the process was stopped during the crawl (SIGTERM);
	// what it found is kept, the source's health is left as it was.
	Interrupted bool
	// Limits bound what the crawl may put in the store; the zero value is
	// DefaultLimits().
	Limits Limits
}

// Limits bound what one crawl of one source can do to memory and disk: a
// source that exceeds one is cut at the limit, with a warning in its crawl
// log, never stored whole. The store enforces them where the data enters
// it.
//
// A zero (or negative) field means its default, so that the zero Limits is
// DefaultLimits() and a CrawlResult built without limits is bounded all the
// same. LinksPerItem is the exception that has a meaningful 0 ("keep no
// links"): it is written NoLinks.
type Limits struct {
	// ItemsPerCrawl is how many observations of one crawl are kept: the
	// first, in the order the crawl gave them.
	ItemsPerCrawl int
	// TitleChars bounds a title, in characters (runes), "…" included.
	TitleChars int
	// SummaryChars bounds a summary and each of an organisation's
	// descriptions, in characters, "…" included.
	SummaryChars int
	// ContentBytes bounds an item's HTML content, in bytes.
	ContentBytes int
	// LinksPerItem is how many of an item's links are kept, the first;
	// NoLinks keeps none.
	LinksPerItem int
}

// The default limits: far above what any source of the default
// configuration gives (its largest feed has a few hundred entries, its
// longest article a few tens of kilobytes), far below what would hurt.
const (
	DefaultItemsPerCrawl = 5000
	DefaultTitleChars    = 500
	DefaultSummaryChars  = 5000
	DefaultContentBytes  = 100_000
	DefaultLinksPerItem  = 200
)

// NoLinks as Limits.LinksPerItem keeps no links (0 is the default).
const NoLinks = -1

// DefaultLimits returns the limits a crawl has unless configured otherwise.
func DefaultLimits() Limits {
	return Limits{
		ItemsPerCrawl: DefaultItemsPerCrawl,
		TitleChars:    DefaultTitleChars,
		SummaryChars:  DefaultSummaryChars,
		ContentBytes:  DefaultContentBytes,
		LinksPerItem:  DefaultLinksPerItem,
	}
}

// Resolve returns l with every field that means "the default" set to it.
// LinksPerItem stays NoLinks (or any negative value) when it is.
func (l Limits) Resolve() Limits {
	d := DefaultLimits()
	for _, f := range []struct {
		v   *int
		def int
	}{
		{&l.ItemsPerCrawl, d.ItemsPerCrawl},
		{&l.TitleChars, d.TitleChars},
		{&l.SummaryChars, d.SummaryChars},
		{&l.ContentBytes, d.ContentBytes},
	} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	if l.LinksPerItem == 0 {
		l.LinksPerItem = d.LinksPerItem
	}
	return l
}

// FillFrom sets every empty field of it from o: the merge rule by which an
// observation never blanks what a better or earlier one knew. Live and
// Withdrawn are facts of the moment and are not filled.
func (it *Item) FillFrom(o Item) {
	fill(&it.ID, o.ID)
	if it.Kind == "" {
		it.Kind = o.Kind
	}
	fill(&it.URL, o.URL)
	fill(&it.Title, o.Title)
	fill(&it.Summary, o.Summary)
	fill(&it.Content, o.Content)
	if it.Date.IsZero() {
		it.Date, it.DateOnly = o.Date, o.DateOnly
	}
	if it.Start.IsZero() {
		it.Start, it.End, it.AllDay = o.Start, o.End, o.AllDay
	}
	fill(&it.Venue, o.Venue)
	if it.Duration == 0 {
		it.Duration = o.Duration
	}
	fillList(&it.Languages, o.Languages)
	fillList(&it.Categories, o.Categories)
	fillList(&it.Entities, o.Entities)
	fillList(&it.Topics, o.Topics)
	fill(&it.Thumbnail, o.Thumbnail)
	fill(&it.KalturaID, o.KalturaID)
	if len(it.Alternates) == 0 {
		it.Alternates = slices.Clone(o.Alternates)
	}
	if len(it.Links) == 0 {
		it.Links = slices.Clone(o.Links)
	}
	fill(&it.Author, o.Author)
	fill(&it.Type, o.Type)
	fill(&it.GUID, o.GUID)
	fill(&it.Country, o.Country)
	if len(it.Descriptions) == 0 && len(o.Descriptions) > 0 {
		it.Descriptions = maps.Clone(o.Descriptions)
	}
	fill(&it.Email, o.Email)
	fill(&it.Policy, o.Policy)
	fillList(&it.Forges, o.Forges)
	fillList(&it.Keywords, o.Keywords)
	it.Events = Union(it.Events, o.Events)
	it.Recordings = Union(it.Recordings, o.Recordings)
	it.Sources = Union(it.Sources, o.Sources)
}

func fill(dst *string, src string) {
	if *dst == "" {
		*dst = src
	}
}

func fillList(dst *[]string, src []string) {
	if len(*dst) == 0 && len(src) > 0 {
		*dst = slices.Clone(src)
	}
}

// Union returns a followed by the elements of b it lacks, in order, without
// duplicates.
func Union(a, b []string) []string {
	if len(b) == 0 && len(a) == 0 {
		return nil
	}
	out := make([]string, 0, len(a)+len(b))
	seen := make(map[string]bool, len(a)+len(b))
	for _, l := range [][]string{a, b} {
		for _, s := range l {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}
