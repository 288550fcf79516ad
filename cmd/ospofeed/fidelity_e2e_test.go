package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/internal/fixture"
	"github.com/ospofeed/ospofeed/store"
)

// The fixture's schedule links a session whose asset page answers 404 from
// the start: no feed publishes it, and its event's page lists it as a
// scheduled session without a recording.
func TestNeverPublishedRecordingInNoFeed(t *testing.T) {
	site := fixture.New()
	defer site.Close()
	cfg := testConfig(t, site, "")
	dir := t.TempDir()
	out := filepath.Join(dir, "site")
	if _, stderr, err := runCmd(context.Background(), "crawl", "--config", cfg, "--db", filepath.Join(dir, "o.db"), "--out", out); err != nil {
		t.Fatalf("crawl: %v\n%s", err, stderr)
	}
	const gone = "k1zq0gone1"
	tree := readTree(t, out)
	feeds := 0
	for p, body := range tree {
		if strings.HasPrefix(p, "feeds/") || strings.HasSuffix(p, ".ics") {
			feeds++
			if strings.Contains(body, gone) {
				t.Errorf("%s publishes the never-published recording %s", p, gone)
			}
		}
	}
	if _, ok := tree["recordings/"+gone+"/index.html"]; ok {
		t.Errorf("the never-published recording has a page")
	}
	var listed bool
	for p, body := range tree {
		if strings.HasPrefix(p, "events/") && strings.Contains(body, "no recording published") {
			listed = true
		}
	}
	if !listed || feeds < 20 {
		t.Errorf("no event page lists the scheduled session as without a recording (feeds checked: %d)", feeds)
	}
}

// OSOR announces "Event: OSPOs for Good 2024" (same title and days as the
// UN's page) and "Event: UN Open Source Week 2026" (linking the UN's page):
// a full crawl shows each event once, in the events feed, the calendar and
// OPML, and the announcements as news that mentions the event.
func TestOneEventIsOneItem(t *testing.T) {
	site := fixture.New()
	defer site.Close()
	cfg := testConfig(t, site, "")
	dir := t.TempDir()
	out := filepath.Join(dir, "site")
	if _, stderr, err := runCmd(context.Background(), "crawl", "--config", cfg, "--db", filepath.Join(dir, "o.db"), "--out", out); err != nil {
		t.Fatalf("crawl: %v\n%s", err, stderr)
	}
	tree := readTree(t, out)
	f, err := gofeed.NewParser().ParseString(tree["feeds/events.atom"])
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, it := range f.Items {
		if other, dup := seen[strings.ToLower(it.Title)]; dup {
			t.Errorf("events.atom lists %q twice: %s and %s", it.Title, other, it.GUID)
		}
		seen[strings.ToLower(it.Title)] = it.GUID
	}
	for _, title := range []string{"ospos for good 2024", "un open source week 2026"} {
		if id := seen[title]; !strings.HasPrefix(id, "https://www.un.org/") {
			t.Errorf("the event %q is %q; want the UN's page", title, id)
		}
	}
	// A reader sorts by the page's own date, not by when ospofeed saw it.
	for _, it := range f.Items {
		if it.GUID == "https://www.un.org/techenvoy/content/ospos-good-2024" && (it.PublishedParsed == nil || !it.PublishedParsed.Equal(time.Date(2024, 5, 28, 9, 15, 0, 0, time.UTC))) {
			t.Errorf("OSPOs for Good 2024 published %v; want the page's article:published_time, 2024-05-28T09:15:00Z", it.PublishedParsed)
		}
	}
	if n := strings.Count(tree["calendar.ics"], "BEGIN:VEVENT"); n != len(f.Items) {
		t.Errorf("calendar.ics has %d events; the events feed %d", n, len(f.Items))
	}
	if strings.Contains(tree["feeds.opml"], "joinup.ec.europa.eu") || strings.Contains(tree["calendar.ics"], "joinup.ec.europa.eu/collection/open-source-observatory-osor/event/ospos-good-2024") {
		t.Errorf("an announcement is still an event of its own in OPML or the calendar")
	}
	news := tree["feeds/news.atom"]
	if !strings.Contains(news, "osor/event/ospos-good-2024") || !strings.Contains(news, "osor/event/un-open-source-week-2026") {
		t.Errorf("the announcements are not in the news feed")
	}
	if page := tree["events/ospos-good-2024/index.html"]; !strings.Contains(page, "Mentioned in") || !strings.Contains(page, "osor/event/ospos-good-2024") {
		t.Errorf("the event's page does not say the announcement mentions it")
	}
}

// A redesign that removes an asset page's field wrappers, and its repair,
// flip nothing a subscriber sees: the recording is not flagged live, keeps
// its fields, and its updated time moves neither time.
func TestDriftAndRepairMoveNothing(t *testing.T) {
	site := fixture.New()
	defer site.Close()
	cfg := testConfig(t, site, "")
	dir := t.TempDir()
	db := filepath.Join(dir, "o.db")
	ctx := context.Background()
	crawlOnce := func(what string) ospofeed.Item {
		t.Helper()
		if _, stderr, err := runCmd(ctx, "crawl", "--config", cfg, "--db", db, "--source", "ospos-for-good-2024"); err != nil && what != "redesigned" {
			t.Fatalf("%s crawl: %v\n%s", what, err, stderr)
		}
		s, err := store.Open(db, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		it, ok, err := s.Item("https://webtv.un.org/en/asset/k1m/k1ma4k9rff")
		if err != nil || !ok {
			t.Fatalf("%s: the recording is not stored: %v", what, err)
		}
		return it
	}
	before := crawlOnce("first")
	body, ctype, _ := site.Page("webtv.un.org", "/en/asset/k1m/k1ma4k9rff")
	if err := site.Redesign("webtv.un.org", "/en/asset/k1m/k1ma4k9rff"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // a new second for "updated"
	site.ResetLog()
	drifted := crawlOnce("redesigned")
	// The redesigned page was read, not answered 304: the test is about
	// what a degraded observation does.
	fetched := false
	for _, r := range site.Requests() {
		if r.Host == "webtv.un.org" && r.Path == "/en/asset/k1m/k1ma4k9rff" && r.Status == 200 {
			fetched = true
		}
	}
	if !fetched {
		t.Fatal("the redesigned asset page was not fetched in full")
	}
	site.Set("webtv.un.org", "/en/asset/k1m/k1ma4k9rff", ctype, body)
	time.Sleep(1100 * time.Millisecond)
	mended := crawlOnce("mended")
	for _, x := range []struct {
		name string
		it   ospofeed.Item
	}{{"after the redesign", drifted}, {"after the repair", mended}} {
		if x.it.Live || !x.it.Updated.Equal(before.Updated) || x.it.Version != before.Version ||
			x.it.Title != before.Title || x.it.Duration != before.Duration || !x.it.Date.Equal(before.Date) {
			t.Errorf("%s: live %v, updated %v (was %v), version %d (was %d), title %q, duration %v, date %v; want all as before",
				x.name, x.it.Live, x.it.Updated, before.Updated, x.it.Version, before.Version, x.it.Title, x.it.Duration, x.it.Date)
		}
	}
}

// A full default crawl asks each host for its robots.txt once, however many
// sources live there; the next run asks again once, conditionally, and
// gets 304.
func TestOneRobotsTxtPerHostPerRun(t *testing.T) {
	site := fixture.New()
	defer site.Close()
	cfg := testConfig(t, site, "")
	db := filepath.Join(t.TempDir(), "o.db")
	ctx := context.Background()
	for run := 1; run <= 2; run++ {
		site.ResetLog()
		if _, stderr, err := runCmd(ctx, "crawl", "--config", cfg, "--db", db); err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, stderr)
		}
		perHost := map[string]int{}
		for _, r := range site.Requests() {
			if r.Path != "/robots.txt" {
				continue
			}
			perHost[r.Host]++
			if run == 2 && (r.IfNoneMatch == "" && r.IfModifiedSince == "" || r.Status != 304) {
				t.Errorf("run 2: robots.txt of %s asked without validators or answered %d; want a conditional request answered 304", r.Host, r.Status)
			}
		}
		if len(perHost) < 4 {
			t.Fatalf("run %d: robots.txt asked of only %d hosts: %v", run, len(perHost), perHost)
		}
		for h, n := range perHost {
			if n != 1 {
				t.Errorf("run %d: robots.txt of %s asked %d times; want once", run, h, n)
			}
		}
	}
}
