package ospofeed

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Expect is what a healthy crawl of a source finds. Each source kind has
// defaults; a source's configuration may override them.
type Expect struct {
	// MinItems: a crawl finding fewer is degraded.
	MinItems int `json:"min_items"`
	// Required fields every item the crawl finds must have: any of title,
	// url, date, summary, duration, thumbnail.
	Required []string `json:"required,omitempty"`
	// Volatile: the number of items may fall, even to none, without
	// anything being wrong (a feed filtered by keywords).
	Volatile bool `json:"volatile,omitempty"`
}

// RequiredFields are the names Expect.Required accepts.
var RequiredFields = []string{"title", "url", "date", "summary", "duration", "thumbnail"}

// hasField reports whether an item has a field named in Expect.Required.
func hasField(it Item, field string) bool {
	switch field {
	case "title":
		return strings.TrimSpace(it.Title) != ""
	case "url":
		return it.URL != ""
	case "date":
		return !it.Date.IsZero() || !it.Start.IsZero()
	case "summary":
		return it.Summary != "" || it.Content != ""
	case "duration":
		return it.Duration > 0 || it.Live
	case "thumbnail":
		return it.Thumbnail != ""
	}
	return true
}

// Evaluate decides the status of a source after a crawl, from what the
// crawl found and what the last healthy crawl found (lastFound):
//
//   - interrupted: the process was stopped during the crawl (not the
//     source's fault: the source's status does not change);
//   - blocked: the crawl's error is a *BlockedError: robots.txt, read,
//     disallows the source's URL (a robots.txt that could not be read
//     is a failure, not this);
//   - failed: the crawl's error (network, HTTP, parse);
//   - degraded: it answered but found nothing, or less than half, where it
//     found items before, fewer items than expected, or items without a
//     required field;
//   - empty: it answered and lists nothing, as before (a valid empty feed);
//   - ok: otherwise.
//
// Withdrawn recordings are not held against a source: they legitimately
// lose their fields.
func Evaluate(res CrawlResult, exp Expect, lastFound int) (Status, string) {
	if res.Interrupted {
		return StatusInterrupted, "stopped during the crawl"
	}
	if b, ok := errors.AsType[*BlockedError](res.Err); ok {
		return StatusBlocked, b.Error()
	}
	if res.Err != nil {
		return StatusFailed, res.Err.Error()
	}
	found := res.Found()
	if reason := countProblem(found, exp, lastFound); reason != "" {
		return StatusDegraded, reason
	}
	if found == 0 {
		return StatusEmpty, "the source lists nothing"
	}
	items := res.merged()
	var missing []string
	for _, f := range exp.Required {
		n := 0
		for _, it := range items {
			// A bare link (its own page failed this time: a warning) is
			// not held against the source; the stored item keeps what
			// the page gave before.
			if !it.Withdrawn && it.Authority > AuthorityLink && !hasField(it, f) {
				n++
			}
		}
		if n > 0 {
			missing = append(missing, fmt.Sprintf("%d of %d items lack %s", n, found, f))
		}
	}
	if len(missing) > 0 {
		return StatusDegraded, strings.Join(missing, "; ")
	}
	return StatusOK, ""
}

// BlockedError is the error of a crawl that its site's robots.txt forbids:
// robots.txt was read (fetched, or confirmed unchanged by a 304) and a rule
// of the group that applies to ospofeed disallows the source's URL, the
// crawl's first request, which was therefore never made. It is positive
// evidence only: a robots.txt that could not be read (5xx, network error)
// is a failure, and one that is missing (4xx) allows everything. A source
// whose other pages (a recording linked from an allowed page) robots.txt
// disallows is not blocked: those pages are skipped with a warning.
type BlockedError struct {
	// URL is the source's URL.
	URL string
	// RobotsURL is the robots.txt that forbids it.
	RobotsURL string
	// Agent is the product token the rules were read for ("ospofeed").
	Agent string
	// Group is the User-agent line of the group that applies ("User-agent:
	// *"), and Rule the rule of that group that disallows URL ("Disallow:
	// /feeds/videos.xml"); both "" when they cannot be told.
	Group, Rule string
}

func (e *BlockedError) Error() string {
	s := fmt.Sprintf("%s disallows %s for %s", e.RobotsURL, e.URL, e.Agent)
	switch {
	case e.Rule != "" && e.Group != "":
		s += fmt.Sprintf(" (%q under %q)", e.Rule, e.Group)
	case e.Rule != "":
		s += fmt.Sprintf(" (%q)", e.Rule)
	}
	return s
}

// countProblem says what is wrong with how many items a crawl found, or "".
func countProblem(found int, exp Expect, lastFound int) string {
	switch {
	case found == 0 && lastFound > 0 && !exp.Volatile:
		return fmt.Sprintf("found no items; the last healthy crawl found %d", lastFound)
	case lastFound >= 4 && found*2 < lastFound && !exp.Volatile,
		lastFound > 0 && lastFound < 4 && found < lastFound && !exp.Volatile:
		// A large source may shrink a little; a small one losing any item
		// (an event page losing its one recording link) is suspect.
		return fmt.Sprintf("found %d items; the last healthy crawl found %d", found, lastFound)
	case found < exp.MinItems:
		return fmt.Sprintf("found %d items, expected at least %d", found, exp.MinItems)
	}
	return ""
}

// CountOK reports whether a crawl that answered found as many items as
// expected: its count may then serve as the yardstick for the next crawls,
// even if some items lack a required field.
func CountOK(res CrawlResult, exp Expect, lastFound int) bool {
	return res.Err == nil && !res.Interrupted && countProblem(res.Found(), exp, lastFound) == ""
}

// Found is the number of distinct items a crawl found.
func (r CrawlResult) Found() int {
	seen := map[string]bool{}
	for _, it := range r.Items {
		seen[it.ID] = true
	}
	for _, id := range r.Replayed {
		seen[id] = true
	}
	return len(seen)
}

// merged folds the crawl's observations of each item into one, most
// authoritative first, as the store will: a link without a title and the
// page with one are one item with a title.
func (r CrawlResult) merged() []Item {
	byID := map[string][]Item{}
	var order []string
	for _, it := range r.Items {
		if _, ok := byID[it.ID]; !ok {
			order = append(order, it.ID)
		}
		byID[it.ID] = append(byID[it.ID], it)
	}
	out := make([]Item, 0, len(order))
	for _, id := range order {
		obs := byID[id]
		slices.SortStableFunc(obs, func(a, b Item) int { return b.Authority - a.Authority })
		it := obs[0]
		for _, o := range obs[1:] {
			it.FillFrom(o)
		}
		out = append(out, it)
	}
	return out
}

// StatusChange is one change of a source's status, for the maintainers'
// status feed.
type StatusChange struct {
	Source string    `json:"source"`
	Time   time.Time `json:"time"`
	From   Status    `json:"from"`
	To     Status    `json:"to"`
	Reason string    `json:"reason,omitempty"`
}

// Backoff is how long a source that failed failures times in a row waits
// before its next crawl: its interval, doubled for each further failure,
// at most a week. It recovers on the first success.
func Backoff(interval time.Duration, failures int) time.Duration {
	if failures <= 1 {
		return 0
	}
	d := interval << min(failures-1, 6)
	return min(d, 7*24*time.Hour)
}
