package ospofeed

import "time"

// Source is one configured place ospofeed crawls.
type Source struct {
	ID   string // stable, [a-z0-9-]+
	Kind string // the scraper that reads it, e.g. "un-event"
	Name string
	URL  string
	// Schedule is a cron spec (five fields, UTC) or a descriptor such as
	// "@every 6h".
	Schedule string
	// Interval is how old the last success may be before a start-up crawl
	// runs: the time between two activations of Schedule unless set.
	Interval time.Duration
	// AllowedHosts are the hosts a crawl of this source may fetch from
	// (exact names); empty means the host of URL only.
	AllowedHosts []string
	// Keywords mark an event's sessions on the UN Web TV schedule.
	Keywords []string
	// Events restricts a schedule source to these event source ids (empty:
	// every event with keywords).
	Events []string
	// ItemKind is what a feed's or a page's entries are: articles (the
	// default), recordings (a video channel) or events.
	ItemKind Kind
	// Types keeps only the entries whose type (a Joinup title prefix such
	// as "News:" or "Event:") is listed; empty keeps every type.
	Types []string
	// Selectors are the CSS selectors of a declarative HTML source: item,
	// title, link, date, summary, image.
	Selectors map[string]string
	// Expect overrides parts of the kind's expectation of a healthy crawl:
	// MinItems when >= 0, Required when not nil, Volatile when true.
	Expect *Expect
}
