package ospofeed

import (
	"fmt"
	"slices"
	"strings"
)

// Feed logs. Every subscription feed is a log: each time an item enters a
// feed or its content changes, an entry naming it is appended with the
// next sequence number of that feed. The subscription document shows the
// newest entries; the rest stay reachable through RFC 5005 archive pages of
// a fixed number of entries, numbered from the oldest, so that a full page
// never gains or loses an entry again. A changed item appears again at the
// head (its archived entry stays where it was: feed readers keep the
// newest version of an id), so an archive page, once full, is rendered once
// in its life.
//
// The keys name the feeds:
//
//	all                 every item
//	events, recordings, news, ospos
//	                    by kind (news: articles; ospos: organisations)
//	source/<source id>  what one source reported
//	event/<event id>    an event and its recordings
//	year/<yyyy>         the recordings of a year (by their date)
//	lang/<language>     the recordings in a language (lower case, as the
//	                    source names it: "english", "french")
const (
	FeedAll        = "all"
	FeedEvents     = "events"
	FeedRecordings = "recordings"
	FeedNews       = "news"
	FeedOSPOs      = "ospos"
)

// FeedOfSource is the key of a source's feed.
func FeedOfSource(id string) string { return "source/" + id }

// FeedOfEvent is the key of an event's feed.
func FeedOfEvent(id string) string { return "event/" + id }

// KindFeed is the feed of the items of a kind.
func KindFeed(k Kind) string {
	switch k {
	case KindEvent:
		return FeedEvents
	case KindRecording:
		return FeedRecordings
	case KindOrganisation:
		return FeedOSPOs
	}
	return FeedNews
}

// FeedKeys lists the feeds an item belongs to: none for a recording never
// seen published.
func (it Item) FeedKeys() []string {
	if it.Unpublished {
		return nil
	}
	keys := []string{FeedAll, KindFeed(it.Kind)}
	for _, s := range it.Sources {
		keys = append(keys, FeedOfSource(s))
	}
	switch it.Kind {
	case KindEvent:
		keys = append(keys, FeedOfEvent(it.ID))
	case KindRecording:
		for _, ev := range it.Events {
			keys = append(keys, FeedOfEvent(ev))
		}
		if w := it.When(); !w.IsZero() {
			keys = append(keys, FeedOfYear(w.Year()))
		}
		for _, l := range it.Languages {
			if k := FeedOfLanguage(l); k != "" && !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// FeedOfYear is the key of the feed of a year's recordings.
func FeedOfYear(y int) string { return fmt.Sprintf("year/%04d", y) }

// FeedOfLanguage is the key of the feed of the recordings in a language
// ("" for "Original", which names no language, or a name that is not one).
func FeedOfLanguage(name string) string {
	l := strings.ToLower(CleanText(name))
	if l == "" || l == "original" || len(l) > 40 || strings.ContainsAny(l, "/?#%") {
		return ""
	}
	return "lang/" + strings.ReplaceAll(l, " ", "-")
}

// FeedEntry is one entry of a feed log: the item id under its sequence
// number.
type FeedEntry struct {
	Seq uint64
	ID  string
}

// LogOrder orders items as they enter the feed logs when a store is
// migrated or a snapshot is rendered: in the order they were first seen,
// then by date, then by id.
func LogOrder(a, b Item) int {
	if c := a.FirstSeen.Compare(b.FirstSeen); c != 0 {
		return c
	}
	if c := a.When().Compare(b.When()); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}
