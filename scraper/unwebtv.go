package scraper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ospofeed/ospofeed"
)

// webTVHosts are the UN Web TV platform's hosts.
var webTVHosts = []string{"webtv.un.org", "media.un.org"}

var (
	partnerRE  = regexp.MustCompile(`partnerId:\s*(\d+)`)
	entryRE    = regexp.MustCompile(`const\s+kentryID\s*=\s*["'](\w+)["']`)
	durationRE = regexp.MustCompile(`^(\d{1,3}):([0-5]\d):([0-5]\d)$`)
)

// entryIDOf derives the Kaltura entry id from an asset id: "k1o7stmi6p" ->
// "1_o7stmi6p". The result can be an alias of the canonical entry.
func entryIDOf(assetID string) string {
	if len(assetID) > 2 && strings.HasPrefix(assetID, "k1") {
		return "1_" + assetID[2:]
	}
	return ""
}

// parseHMS reads "HH:MM:SS"; ok is false for anything else and for zero
// (the schedule shows 00:00:00 before a meeting has been recorded).
func parseHMS(s string) (time.Duration, bool) {
	m := durationRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	// strconv, not fmt.Sscan: Sscan reads "08" and "09" as (bad) octal.
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	se, _ := strconv.Atoi(m[3])
	d := time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(se)*time.Second
	return d, d > 0
}

// ParseAsset extracts a recording from a UN Web TV asset page. pageURL is
// where the page was fetched (it names the page in errors and resolves
// links). A live stream or b-roll without a metadata block legitimately
// gives only a title and the player's entry id. A page with neither a
// metadata block nor a player (a WAF challenge, an interstitial) is an
// error.
//
// Live is positive evidence only: a live badge on the page (liveBadge), or
// later Kaltura's KalturaLiveStreamEntry (enrich). A missing metadata
// block says nothing: b-roll has none, and neither has a redesigned page
// whose fields moved; that is a warning.
func ParseAsset(pageURL string, body []byte) (ospofeed.Item, []string, error) {
	id := ospofeed.AssetID(pageURL)
	if id == "" {
		return ospofeed.Item{}, nil, fmt.Errorf("parse %s: not a UN Web TV asset URL", pageURL)
	}
	doc, err := parseHTML(pageURL, body)
	if err != nil {
		return ospofeed.Item{}, nil, err
	}
	base, _ := url.Parse(pageURL)
	var warnings []string
	it := ospofeed.Item{ID: ospofeed.AssetURL(id), Kind: ospofeed.KindRecording, URL: ospofeed.AssetURL(id), Authority: ospofeed.AuthorityPage}
	art := doc.Find("article.media-asset").First()
	field := func(name string) *goquery.Selection { return art.Find(".media-asset__field-" + name) }

	it.Title = text(art.Find(".media-asset__title .field__item").First())
	if it.Title == "" {
		it.Title = meta(doc, "og:title")
	}
	if it.Title == "" {
		it.Title = strings.TrimSuffix(text(doc.Find("title").First()), " | UN Web TV")
	}
	if t, ok := field("production-date").Find("time[datetime]").First().Attr("datetime"); ok {
		// The time on the page is fake (always 12:00Z): keep the day.
		if d, err := time.Parse(time.RFC3339, strings.TrimSpace(t)); err == nil {
			it.Date, it.DateOnly = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), true
		} else if d, err := time.Parse(time.DateOnly, strings.TrimSpace(t)[:min(10, len(strings.TrimSpace(t)))]); err == nil {
			it.Date, it.DateOnly = d, true
		} else {
			warnings = append(warnings, fmt.Sprintf("%s: production date %q unreadable", pageURL, t))
		}
	}
	if raw := text(field("duration").Find(".field__item").First()); raw != "" {
		if d, ok := parseHMS(raw); ok {
			it.Duration = d
		} else if raw != "00:00:00" {
			warnings = append(warnings, fmt.Sprintf("%s: duration %q unreadable", pageURL, raw))
		}
	}
	it.Categories = texts(field("categories").Find(".field__item a"))
	it.Languages = texts(field("asset-language").Find(".field__item a"))
	it.Entities = texts(field("un-entity").Find(".field__item a"))
	it.Topics = texts(field("subject-topical").Find(".field__item a"))
	it.Summary = blockText(field("summary").Find(".smt-content").First())
	if h, err := field("description").Find(".smt-content").First().Html(); err == nil {
		it.Content = sanitize(sanitizer(), h)
	}
	field("related-url").Find("a[href]").Each(func(_ int, a *goquery.Selection) {
		if u := resolve(base, a.AttrOr("href", "")); u != "" {
			it.Links = append(it.Links, ospofeed.Link{Title: text(a), URL: u})
		}
	})
	doc.Find(`link[rel=alternate][hreflang]`).Each(func(_ int, l *goquery.Selection) {
		lang := strings.ToLower(ospofeed.CleanText(l.AttrOr("hreflang", "")))
		if u := resolve(base, l.AttrOr("href", "")); u != "" && lang != "" && lang != "x-default" {
			it.Alternates = append(it.Alternates, ospofeed.Alternate{Lang: lang, URL: u})
		}
	})
	scripts := doc.Find("script").Text()
	player := false
	if m := entryRE.FindStringSubmatch(scripts); m != nil {
		it.KalturaID, player = m[1], true
	} else {
		it.KalturaID = entryIDOf(id)
	}
	if m := partnerRE.FindStringSubmatch(scripts); m != nil && m[1] != "2503451" {
		warnings = append(warnings, fmt.Sprintf("%s: Kaltura partner %s, expected 2503451", pageURL, m[1]))
	}
	it.Live = liveBadge(doc, art)
	if art.Length() == 0 || art.Find(".field").Length() == 0 {
		if !player {
			// A WAF challenge, an interstitial, a maintenance page: not the
			// recording. Its <title> must not replace the known one.
			return ospofeed.Item{}, warnings, fmt.Errorf("parse %s: neither a metadata block nor a player found (a challenge or interstitial page?)", pageURL)
		}
		if !it.Live {
			// A player but no metadata block and no live badge: b-roll, or
			// a page whose markup changed.
			warnings = append(warnings, fmt.Sprintf("%s: no metadata block found (b-roll, or a redesigned page?): date, duration and the other fields are missing", pageURL))
		}
	}
	if it.Title == "" {
		warnings = append(warnings, fmt.Sprintf("%s: no title found", pageURL))
	}
	return it, warnings, nil
}

// liveBadge reports whether an asset page says it is live: a badge reading
// "Live", as on the schedule cards (span.badge), outside the site's header,
// navigation and footer, or the article's "media-asset--live" modifier.
func liveBadge(doc *goquery.Document, art *goquery.Selection) bool {
	if art.HasClass("media-asset--live") {
		return true
	}
	live := false
	doc.Find(".badge").EachWithBreak(func(_ int, b *goquery.Selection) bool {
		if strings.EqualFold(text(b), "live") && b.Closest("header, nav, footer").Length() == 0 {
			live = true
		}
		return !live
	})
	return live
}

// notFoundPage is how UN Web TV says an asset was unpublished.
const notFoundPage = "The requested page could not be found"

// crawlAssets fetches the asset pages of the given recordings (link or card
// observations, whose Events are kept), two at a time at most per host,
// and enriches the freshly parsed ones through Kaltura. A 404 marks the
// recording withdrawn; any other failure is a warning that leaves the
// recording as it was known.
func crawlAssets(ctx context.Context, env *Env, recs []ospofeed.Item) error {
	type result struct {
		item  ospofeed.Item
		fresh bool
	}
	results := make([]result, len(recs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(env.Config.Crawl.ParallelPerHost, 1))
	var mu sync.Mutex
	var failures, panics []error
	for i, rec := range recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			// Run's recover cannot see this goroutine: a panic here would
			// end the process. It fails the crawl instead, as Run promises.
			defer func() {
				if p := recover(); p != nil {
					mu.Lock()
					panics = append(panics, fmt.Errorf("asset %s: crawl panicked: %v", rec.ID, p))
					mu.Unlock()
				}
			}()
			it, fresh, err := crawlAsset(ctx, env, rec)
			if err != nil {
				mu.Lock()
				failures = append(failures, err)
				mu.Unlock()
				return
			}
			results[i] = result{it, fresh}
		}()
	}
	wg.Wait()
	var fresh []*ospofeed.Item
	for i := range results {
		if results[i].fresh {
			fresh = append(fresh, &results[i].item)
		}
	}
	enrich(ctx, env, fresh)
	for _, r := range results {
		if r.fresh {
			env.Emit(r.item)
		}
	}
	for _, err := range failures {
		env.Warn("%v", err)
	}
	if len(panics) > 0 {
		return errors.Join(panics...)
	}
	if len(recs) > 0 && len(failures) == len(recs) {
		return fmt.Errorf("every asset page failed, first: %w", failures[0])
	}
	return ctx.Err()
}

// withdrawn records that a recording's page says it was unpublished: the
// recording is kept, flagged, never deleted; the page is remembered.
func withdrawn(env *Env, rec ospofeed.Item, page ospofeed.Page) ospofeed.Item {
	w := ospofeed.Item{ID: rec.ID, Kind: ospofeed.KindRecording, URL: rec.ID, Withdrawn: true,
		Events: rec.Events, Authority: ospofeed.AuthorityPage}
	env.Emit(w)
	env.Remember(page, rec.ID)
	return w
}

// crawlAsset fetches one asset page. fresh is true when the page was parsed
// (not a 304); the caller then emits the item after enrichment.
func crawlAsset(ctx context.Context, env *Env, rec ospofeed.Item) (ospofeed.Item, bool, error) {
	u := rec.ID
	resp, _, err := env.Get(ctx, u)
	var se *StatusError
	switch {
	case errors.As(err, &se) && (se.Status == http.StatusNotFound || se.Status == http.StatusGone):
		return withdrawn(env, rec, ospofeed.Page{URL: u}), false, nil
	case err != nil:
		return rec, false, fmt.Errorf("asset %s: %w", u, err)
	case resp.NotModified:
		return rec, false, nil
	}
	if strings.Contains(string(resp.Body), notFoundPage) && !strings.Contains(string(resp.Body), "media-asset") {
		v := resp.Validators()
		v.URL = u
		return withdrawn(env, rec, v), false, nil
	}
	it, warnings, err := ParseAsset(u, resp.Body)
	for _, w := range warnings {
		env.Warn("%s", w)
	}
	if err != nil {
		return rec, false, err
	}
	it.Events = ospofeed.Union(it.Events, rec.Events)
	it.Sources = nil
	it.FillFrom(rec)
	it.Authority = ospofeed.AuthorityPage
	v := resp.Validators()
	v.URL = u
	env.Remember(v, it.ID)
	return it, true, nil
}
