// Package ospofeed holds the domain of ospofeed: the sources it watches and the
// items (events, recordings, articles) it finds there. Every other package
// imports this one; it imports none of them.
//
// The data flow is visible in the folder names:
//
//	config/   YAML configuration -> []Source
//	scraper/  Source -> fetch politely -> extract -> []Item (observations)
//	store/    observations -> merged Items with identity, first-seen, history, source health
//	feed/     Items -> Atom, RSS, JSON Feed, iCalendar, OPML, citations (pure: data in, bytes out)
//	web/      Items -> the rendered site (HTML + feeds) and the HTTP server that serves it
//	cmd/      wiring, subcommands, schedule
package ospofeed

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"
)

// Kind says what an item is.
type Kind string

// The kinds of item.
const (
	KindEvent     Kind = "event"
	KindRecording Kind = "recording"
	KindArticle   Kind = "article"
	// KindOrganisation is a public-sector OSPO from a directory.
	KindOrganisation Kind = "organisation"
)

// Link is a titled hyperlink found on a page.
type Link struct {
	Title string `json:"title,omitempty"`
	URL   string `json:"url"`
}

// Alternate is another language version of a page.
type Alternate struct {
	Lang string `json:"lang"`
	URL  string `json:"url"`
}

// Item is one thing ospofeed tracks: an event, a recording or an article.
//
// Scrapers produce Items as observations (what one source saw on one crawl);
// the store merges the observations of all sources into the current Item and
// fills the bookkeeping fields (FirstSeen, Updated, Version).
type Item struct {
	// ID is the stable identity: a canonical URL that never changes when the
	// title, the page's language or the date changes. For a UN Web TV
	// recording it is the /en/ asset URL, whatever language was linked.
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// URL is where a person reads or watches the item.
	URL     string `json:"url"`
	Title   string `json:"title"`
	Summary string `json:"summary,omitempty"` // plain text
	Content string `json:"content,omitempty"` // sanitized HTML
	// Date is the date the source gives (publication, production). Zero when
	// the source gives none. DateOnly says it carries a day, not a time.
	Date     time.Time `json:"date,omitzero"`
	DateOnly bool      `json:"date_only,omitempty"`

	// Start and End delimit an event (AllDay: whole days, End is the last
	// day, inclusive) or a scheduled session (a timed start in UTC).
	Start  time.Time `json:"start,omitzero"`
	End    time.Time `json:"end,omitzero"`
	AllDay bool      `json:"all_day,omitempty"`
	Venue  string    `json:"venue,omitempty"`

	// Recording fields.
	Duration  time.Duration `json:"duration,omitempty"`
	Live      bool          `json:"live,omitempty"`
	Withdrawn bool          `json:"withdrawn,omitempty"`
	// Unpublished: a recording never yet seen published (a schedule card
	// linked it, its page never answered). It is kept and shown on its
	// event's page as a scheduled session, but it is in no feed until its
	// page answers. Set by the store; a recording once published never
	// becomes unpublished again (it is Withdrawn instead).
	Unpublished bool        `json:"unpublished,omitempty"`
	Languages   []string    `json:"languages,omitempty"`
	Categories  []string    `json:"categories,omitempty"`
	Entities    []string    `json:"entities,omitempty"`
	Topics      []string    `json:"topics,omitempty"`
	Thumbnail   string      `json:"thumbnail,omitempty"`
	KalturaID   string      `json:"kaltura_id,omitempty"`
	Alternates  []Alternate `json:"alternates,omitempty"`
	Links       []Link      `json:"links,omitempty"`
	Author      string      `json:"author,omitempty"`

	// Type is what the source calls the item, when it says: a Joinup
	// "News" or "Event", a "video".
	Type string `json:"type,omitempty"`
	// GUID is the item's own id in the feed it came from, kept for
	// reference; ID is its canonical link, so that a post found in an Atom
	// feed, a JSON feed and a blog listing is one item.
	GUID string `json:"guid,omitempty"`

	// Organisation fields (the public-sector OSPO directory). Date holds
	// the creation date.
	Country      string            `json:"country,omitempty"`
	Descriptions map[string]string `json:"descriptions,omitempty"` // language -> text
	Email        string            `json:"email,omitempty"`
	Policy       string            `json:"policy,omitempty"` // URL of the free-software policy
	Forges       []string          `json:"forges,omitempty"` // code forge URLs

	// Membership, stored both ways: a recording names its events, an event
	// lists its recordings (in page order).
	Events     []string `json:"events,omitempty"`
	Recordings []string `json:"recordings,omitempty"`
	// Keywords of an event: the words that mark its sessions on the UN Web
	// TV schedule.
	Keywords []string `json:"keywords,omitempty"`

	// Sources lists the ids of the sources that reported the item.
	Sources []string `json:"sources,omitempty"`

	// Mentions and MentionedIn relate items that link to each other (an
	// article linking to recordings, a page linking to an OSPO's site).
	// Derived from the links of all items when the site is rendered; not
	// stored.
	Mentions    []string `json:"-"`
	MentionedIn []string `json:"-"`
	// Page is the path segment of the item's pages on the rendered site,
	// set when rendering where two items' slugs collide; see PageSlug.
	Page string `json:"-"`

	// Authority ranks an observation against others of the same item: a
	// field comes from the most authoritative observation that has it.
	// Set by scrapers; not part of the content.
	Authority int `json:"authority,omitempty"`

	// Bookkeeping, set by the store.
	FirstSeen time.Time `json:"first_seen,omitzero"`
	Updated   time.Time `json:"updated,omitzero"`
	Version   int       `json:"version,omitempty"`
}

// Authorities of the observations scrapers make, highest first.
const (
	AuthorityPage     = 30 // the item's own page
	AuthorityFeed     = 25 // an entry in its publisher's feed or directory
	AuthoritySchedule = 20 // a card on a listing or schedule page
	AuthorityLink     = 10 // a link to the item from another page
)

// Validate reports what makes an item unusable. Scrapers call it before
// handing an observation on; the store refuses invalid items.
func (it Item) Validate() error {
	var errs []error
	if it.ID == "" {
		errs = append(errs, errors.New("empty id"))
	} else if u, err := url.Parse(it.ID); err != nil || !u.IsAbs() {
		errs = append(errs, fmt.Errorf("id %q is not an absolute URL", it.ID))
	}
	switch it.Kind {
	case KindEvent, KindRecording, KindArticle, KindOrganisation:
	default:
		errs = append(errs, fmt.Errorf("unknown kind %q", it.Kind))
	}
	if !it.Start.IsZero() && !it.End.IsZero() && it.End.Before(it.Start) {
		errs = append(errs, fmt.Errorf("end %s before start %s", it.End.Format(time.DateOnly), it.Start.Format(time.DateOnly)))
	}
	if it.Duration < 0 {
		errs = append(errs, fmt.Errorf("negative duration %s", it.Duration))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("item %q: %w", it.ID, err)
	}
	return nil
}

// DisplayTitle is the title to show, cleaned, and never empty: a feed or a
// calendar without a title is refused. It is the item's own title, else
// its web address, else its id, else its page slug.
func (it Item) DisplayTitle() string {
	if t := CleanText(it.Title); t != "" {
		return t
	}
	if u := WebURL(it.URL); u != "" {
		return u
	}
	if id := CleanText(it.ID); id != "" {
		return id
	}
	return it.PageSlug()
}

// When is the item's main date for sorting and display: an event's start,
// else the source's date, else a session's start, else first seen.
func (it Item) When() time.Time {
	switch {
	case it.Kind == KindEvent && !it.Start.IsZero():
		return it.Start
	case !it.Date.IsZero():
		return it.Date
	case !it.Start.IsZero():
		return it.Start
	}
	return it.FirstSeen
}

// LastDay is the last day an event runs (its start when it has no end).
func (it Item) LastDay() time.Time {
	if !it.End.IsZero() {
		return it.End
	}
	return it.Start
}

// Upcoming reports whether an event has not ended by now.
func (it Item) Upcoming(now time.Time) bool {
	last := it.LastDay()
	if last.IsZero() {
		return false
	}
	if it.AllDay {
		last = last.AddDate(0, 0, 1)
	}
	return now.Before(last)
}

// HasSource reports whether src reported the item.
func (it Item) HasSource(src string) bool { return slices.Contains(it.Sources, src) }

// SourceState is the health of a source, as its crawls left it.
type SourceState struct {
	ID          string    `json:"id"`
	Status      Status    `json:"status"`
	StatusSince time.Time `json:"status_since,omitzero"`
	LastCrawl   time.Time `json:"last_crawl,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Failures    int       `json:"consecutive_failures,omitempty"`
	Items       int       `json:"items"`
	// LastFound is how many items the last healthy (ok) crawl found: the
	// yardstick a crawl that finds less is measured against.
	LastFound int `json:"last_found"`
	// Reason says why the status is not ok.
	Reason string `json:"reason,omitempty"`
}

// Status is the outcome of a source's last crawl.
type Status string

// The statuses of a source.
const (
	StatusNew Status = "new" // never crawled
	StatusOK  Status = "ok"
	// StatusEmpty: the source answered and lists nothing, as before.
	StatusEmpty Status = "empty"
	// StatusDegraded: the source answered but extraction lost items or
	// required fields it used to find, as after a site redesign.
	StatusDegraded Status = "degraded"
	// StatusFailed: a network, HTTP or parse error.
	StatusFailed Status = "failed"
	// StatusBlocked: the site's robots.txt, read and understood, disallows
	// the source's URL for ospofeed (see BlockedError). Not a failure: the
	// source is not retried, nor backed off, until robots.txt changes, and
	// no switch ignores it.
	StatusBlocked Status = "blocked"
	// StatusInterrupted marks a crawl log whose crawl the process's
	// shutdown cut short; a source's status never becomes it.
	StatusInterrupted Status = "interrupted"
)

// Healthy reports whether a status means the source works as expected.
func (s Status) Healthy() bool { return s == StatusOK || s == StatusEmpty }

// Label is the status as a reader sees it on the site: its name, except
// "blocked by robots.txt" for blocked, which says by whom.
func (s Status) Label() string {
	if s == StatusBlocked {
		return "blocked by robots.txt"
	}
	return string(s)
}

// CrawlLog records one crawl of one source.
type CrawlLog struct {
	Source      string    `json:"source"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Pages       int       `json:"pages"`        // pages fetched with a body
	NotModified int       `json:"not_modified"` // 304s
	New         int       `json:"new"`
	Changed     int       `json:"changed"`
	Unchanged   int       `json:"unchanged"`
	Warnings    []string  `json:"warnings,omitempty"`
	Error       string    `json:"error,omitempty"`
	Status      Status    `json:"status,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	// Touched lists the items this crawl stored anew, changed, or added
	// to a feed: what a rendering must look at again. Not stored.
	Touched []string `json:"-"`
}

// OK reports whether the crawl succeeded.
func (l CrawlLog) OK() bool { return l.Error == "" }
