package scraper

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ospofeed/ospofeed"
)

// EventPage is what an event page gives: the event and the recordings it
// links to, in page order.
type EventPage struct {
	Event      ospofeed.Item
	Recordings []ospofeed.Item // link observations: id, title from the link, event
}

var venueRE = regexp.MustCompile(`(?i)((?:the\s+)?(?:ECOSOC|Trusteeship Council|Security Council|General Assembly) (?:Chamber|Hall)|General Assembly Hall|Conference Room \d+|(?:UN|United Nations) (?:Headquarters|HQ)|Palais des Nations)((?:,\s*(?:UN|United Nations) (?:Headquarters|HQ))?(?:,\s*(?:New York|Geneva|Vienna|Nairobi))?)`)

// titleSuffixes are site names appended to <title>.
var titleSuffixes = []string{" | United Nations", " | Office of the Secretary-General's Envoy on Technology", " | Office for Digital and Emerging Technologies", " | UN Web TV"}

// ParseEventPage extracts an event and its recordings from a UN event page
// whose markup is not known: it reads og:* tags, <title>, h1, the main or
// article text (for the dates and the venue) and every link to a UN Web TV
// asset. pageURL names the page and is the event's identity.
func ParseEventPage(pageURL string, body []byte) (EventPage, []string, error) {
	doc, err := parseHTML(pageURL, body)
	if err != nil {
		return EventPage{}, nil, err
	}
	base, err := url.Parse(pageURL)
	if err != nil {
		return EventPage{}, nil, fmt.Errorf("parse %s: %w", pageURL, err)
	}
	var warnings []string
	// The event's identity is its page's canonical URL, as for every other
	// page, so that the same page found by another source is one item.
	id, ok := ospofeed.CanonicalURL(pageURL)
	if !ok {
		return EventPage{}, nil, fmt.Errorf("parse %s: not an http(s) URL", pageURL)
	}
	ev := ospofeed.Item{ID: id, Kind: ospofeed.KindEvent, URL: id, Authority: ospofeed.AuthorityPage}
	main := doc.Find("main").First()
	if main.Length() == 0 {
		main = doc.Find("article").First()
	}
	if main.Length() == 0 {
		main = doc.Find("body")
	}
	ev.Title = meta(doc, "og:title")
	if ev.Title == "" {
		ev.Title = text(main.Find("h1").First())
	}
	if ev.Title == "" {
		ev.Title = text(doc.Find("title").First())
		for _, s := range titleSuffixes {
			ev.Title = strings.TrimSuffix(ev.Title, s)
		}
	}
	// The page's own publication date, when it says (Drupal writes
	// article:published_time): what a reader sorts by, rather than the
	// moment ospofeed first saw the page.
	if t, err := time.Parse(time.RFC3339, meta(doc, "article:published_time")); err == nil {
		ev.Date = t.UTC()
	}
	ev.Summary = meta(doc, "og:description")
	if ev.Summary == "" {
		ev.Summary = text(main.Find("p").First())
	}
	// Block elements become lines so that phrases from two paragraphs do
	// not run together into one false date or venue.
	var lines []string
	main.Find("h1, h2, h3, h4, p, li, td, th, dd, dt, time").Each(func(_ int, s *goquery.Selection) {
		if t := text(s); t != "" {
			lines = append(lines, t)
		}
	})
	all := strings.Join(lines, "\n")
	if r, ok := FindDateRange(ev.Title + "\n" + ev.Summary + "\n" + all); ok {
		ev.Start, ev.End, ev.AllDay = r.Start, r.End, true
	} else {
		warnings = append(warnings, fmt.Sprintf("%s: no event date found", pageURL))
	}
	if m := venueRE.FindStringSubmatch(all); m != nil {
		ev.Venue = strings.TrimPrefix(strings.TrimPrefix(ospofeed.CleanText(m[0]), "the "), "The ")
	}
	var recs []ospofeed.Item
	seen := map[string]int{}
	doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		aid := ospofeed.AssetID(resolve(base, a.AttrOr("href", "")))
		if aid == "" {
			return
		}
		rid := ospofeed.AssetURL(aid)
		title := linkTitle(a)
		if i, dup := seen[rid]; dup {
			if recs[i].Title == "" {
				recs[i].Title = title
			}
			return
		}
		seen[rid] = len(recs)
		recs = append(recs, ospofeed.Item{ID: rid, Kind: ospofeed.KindRecording, URL: rid, Title: title,
			KalturaID: entryIDOf(aid), Events: []string{id}, Authority: ospofeed.AuthorityLink})
		ev.Recordings = append(ev.Recordings, rid)
	})
	return EventPage{Event: ev, Recordings: recs}, warnings, nil
}

// genericLinkRE matches link texts that name the site or an action, not
// the recording: "Watch on UN Web TV", "live on UN Web TV", "UN Web TV".
var genericLinkRE = regexp.MustCompile(`(?i)^(?:watch|view|see|play|follow|live)\b|\bweb\s*tv\b`)

// linkTitle is a link's text when it reads like a title, not "Watch".
func linkTitle(a *goquery.Selection) string {
	t := text(a)
	if len(strings.Fields(t)) < 3 || genericLinkRE.MatchString(t) {
		return ""
	}
	return t
}

// crawlUNEvent crawls a UN event page and the UN Web TV recordings it
// links to.
func crawlUNEvent(ctx context.Context, env *Env) error {
	src := env.Source
	resp, ids, err := env.Get(ctx, src.URL)
	if err != nil {
		return err
	}
	var recs []ospofeed.Item
	if resp.NotModified {
		// Unchanged: its items are reported as they were; walk on to the
		// recordings it listed, each conditionally.
		remembered, err := env.Recall(ids)
		if err != nil {
			return err
		}
		for _, it := range remembered {
			if it.Kind == ospofeed.KindRecording {
				recs = append(recs, it)
			}
		}
	} else {
		page, warnings, err := ParseEventPage(src.URL, resp.Body)
		for _, w := range warnings {
			env.Warn("%s", w)
		}
		if err != nil {
			return err
		}
		page.Event.Keywords = src.Keywords
		if page.Event.Title == "" {
			page.Event.Title = src.Name
		}
		ids := []string{page.Event.ID}
		env.Emit(page.Event)
		for _, r := range page.Recordings {
			env.Emit(r)
			ids = append(ids, r.ID)
		}
		v := resp.Validators()
		v.URL = src.URL
		env.Remember(v, ids...)
		recs = page.Recordings
	}
	return crawlAssets(ctx, env, recs)
}
