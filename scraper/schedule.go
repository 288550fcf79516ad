package scraper

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/ospofeed/ospofeed"
)

// maxScheduleDays bounds the days read for one event: a long "event" is
// more likely a bad date than a month-long meeting.
const maxScheduleDays = 14

// Card is one session on a UN Web TV schedule page.
type Card struct {
	AssetID  string
	Title    string
	Start    time.Time // UTC, as the site itself reads it (see ParseSchedule)
	Duration time.Duration
	Live     bool
	Category string
	Thumb    string
}

// ParseSchedule reads the session cards of a UN Web TV schedule page.
//
// The start time quirk: the site's own script reads the first 19
// characters of the card's timestamp as UTC and ignores the offset
// ("2026-06-25T10:00:00-04:00" is shown as 10:00 UTC). Independent scrapers
// do the same, so ospofeed does too: the time matches what the site shows.
func ParseSchedule(pageURL string, body []byte) ([]Card, []string, error) {
	doc, err := parseHTML(pageURL, body)
	if err != nil {
		return nil, nil, err
	}
	base, _ := url.Parse(pageURL)
	var cards []Card
	var warnings []string
	doc.Find(".un3-card-row-video").Each(func(i int, s *goquery.Selection) {
		link := s.Find(`a[href*="/asset/"]`).First()
		aid := ospofeed.AssetID(resolve(base, link.AttrOr("href", "")))
		if aid == "" {
			warnings = append(warnings, fmt.Sprintf("%s: card %d has no asset link", pageURL, i+1))
			return
		}
		c := Card{AssetID: aid, Title: text(s.Find(".media-asset__title .field__item").First())}
		if c.Title == "" {
			c.Title = text(s.Find("h4").First())
		}
		if ts := strings.TrimSpace(s.Find(".mediaun-timezone").First().Text()); len(ts) >= 19 {
			if t, err := time.Parse("2006-01-02T15:04:05", ts[:19]); err == nil {
				c.Start = t.UTC()
			} else {
				warnings = append(warnings, fmt.Sprintf("%s: card %d start %q unreadable", pageURL, i+1, ts))
			}
		}
		badge := text(s.Find(".badge").First())
		if strings.EqualFold(badge, "live") {
			c.Live = true
		} else if d, ok := parseHMS(badge); ok {
			c.Duration = d
		}
		c.Category = text(s.Find("h6").First())
		if src := strings.TrimSpace(s.Find("img").First().AttrOr("src", "")); src != "" {
			if strings.HasPrefix(src, "//") {
				src = "https:" + src
			}
			if u := resolve(base, src); strings.HasPrefix(u, "https://") {
				c.Thumb = u
			}
		}
		cards = append(cards, c)
	})
	return cards, warnings, nil
}

// fold lower-cases and strips accents, for keyword matching.
func fold(s string) string {
	s = cases.Fold().String(norm.NFKD.String(s))
	return strings.Map(func(r rune) rune {
		if r >= 0x300 && r <= 0x36f { // combining marks
			return -1
		}
		return r
	}, s)
}

// matches reports whether a title carries one of the keywords.
func matches(title string, keywords []string) bool {
	t := fold(ospofeed.CleanText(title))
	for _, k := range keywords {
		if k = fold(strings.TrimSpace(k)); k != "" && strings.Contains(t, k) {
			return true
		}
	}
	return false
}

// crawlSchedule reads the UN Web TV schedule for every day of every known
// event that has keywords, keeps the sessions whose titles carry them, and
// reads those sessions' asset pages.
func crawlSchedule(ctx context.Context, env *Env) error {
	events, err := env.Memory.Events()
	if err != nil {
		return fmt.Errorf("known events: %w", err)
	}
	base := strings.TrimRight(env.Source.URL, "/")
	var recs []ospofeed.Item
	seen := map[string]int{}
	days, failed := 0, 0
	var firstErr error
	for _, ev := range events {
		if len(ev.Keywords) == 0 || ev.Start.IsZero() || !wanted(env.Source, ev) {
			continue
		}
		last := ev.LastDay()
		if n := int(last.Sub(ev.Start).Hours()/24) + 1; n > maxScheduleDays {
			env.Warn("event %s spans %d days; reading its first %d", ev.ID, n, maxScheduleDays)
			last = ev.Start.AddDate(0, 0, maxScheduleDays-1)
		}
		for d := ev.Start; !d.After(last); d = d.AddDate(0, 0, 1) {
			days++
			u := base + "/" + d.Format(time.DateOnly)
			found, err := scheduleDay(ctx, env, u, ev)
			if err != nil {
				failed++
				firstErr = cmpErr(firstErr, err)
				env.Warn("%v", err)
				continue
			}
			for _, r := range found {
				if i, dup := seen[r.ID]; dup {
					recs[i].Events = ospofeed.Union(recs[i].Events, r.Events)
					continue
				}
				seen[r.ID] = len(recs)
				recs = append(recs, r)
			}
		}
	}
	if days == 0 {
		env.Warn("no known event with keywords and dates: crawl the event sources first")
		return nil
	}
	if failed == days {
		return fmt.Errorf("every schedule page failed, first: %w", firstErr)
	}
	return crawlAssets(ctx, env, recs)
}

func cmpErr(first, err error) error {
	if first == nil {
		return err
	}
	return first
}

// wanted reports whether the schedule source covers the event.
func wanted(src ospofeed.Source, ev ospofeed.Item) bool {
	if len(src.Events) == 0 {
		return true
	}
	return slices.ContainsFunc(src.Events, ev.HasSource)
}

// scheduleDay reads one schedule page and returns the event's sessions on
// it as card observations (emitted already).
func scheduleDay(ctx context.Context, env *Env, u string, ev ospofeed.Item) ([]ospofeed.Item, error) {
	resp, rememberedIDs, err := env.Get(ctx, u)
	if err != nil {
		return nil, err
	}
	if resp.NotModified {
		remembered, err := env.Recall(rememberedIDs)
		if err != nil {
			return nil, err
		}
		var out []ospofeed.Item
		for _, it := range remembered {
			it.Events = ospofeed.Union(it.Events, []string{ev.ID})
			out = append(out, it)
		}
		return out, nil
	}
	cards, warnings, err := ParseSchedule(u, resp.Body)
	for _, w := range warnings {
		env.Warn("%s", w)
	}
	if err != nil {
		return nil, err
	}
	var out []ospofeed.Item
	var ids []string
	for _, c := range cards {
		if !matches(c.Title, ev.Keywords) {
			continue
		}
		id := ospofeed.AssetURL(c.AssetID)
		it := ospofeed.Item{ID: id, Kind: ospofeed.KindRecording, URL: id, Title: c.Title,
			Start: c.Start, Duration: c.Duration, Live: c.Live, Thumbnail: c.Thumb,
			KalturaID: entryIDOf(c.AssetID), Events: []string{ev.ID}, Authority: ospofeed.AuthoritySchedule}
		if c.Category != "" {
			it.Categories = []string{c.Category}
		}
		env.Emit(it)
		out = append(out, it)
		ids = append(ids, id)
	}
	v := resp.Validators()
	v.URL = u
	env.Remember(v, ids...)
	return out, nil
}
