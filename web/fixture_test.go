package web

import (
	"sync"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

// The test snapshot: OSPOs for Good 2024 with its four recordings, a live
// session, a withdrawn recording, an article, an upcoming all-day event and
// a timed event on the day of Today, reported by two sources. Every time is
// fixed.

const (
	testBase = "https://ospofeed.example.org"
	event24  = "https://www.un.org/techenvoy/content/ospos-good-2024"
	event25  = "https://www.un.org/digital-emerging-technologies/content/open-source-week-2025"
	briefing = "https://www.un.org/digital-emerging-technologies/content/dpg-briefing"
	liveID   = "https://webtv.un.org/en/asset/k1z/k1z8lv3p2e"
	goneID   = "https://webtv.un.org/en/asset/k1w/k1wd0n3x7a"
	article  = "https://joinup.ec.europa.eu/collection/open-source-observatory-osor/news/ospos-good-2024"
)

// testToday is the Today of the snapshot: after OSPOs for Good 2024, on the
// day of the briefing, before Open Source Week 2025.
var testToday = time.Date(2025, 6, 10, 9, 30, 0, 0, time.UTC)

// testCreated is the creation time of the database.
var testCreated = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// The OSPOs for Good 2024 recordings, in page order.
var recs2024 = []struct {
	id, slug, title, date, duration string
	d                               time.Duration
}{
	{"https://webtv.un.org/en/asset/k1m/k1ma4k9rff", "k1ma4k9rff", "(Day 1, Part 1) OSPOs for Good 2024 - Opening Session and Keynote Addresses", "2024-07-09", "02:58:11", hms(2, 58, 11)},
	{"https://webtv.un.org/en/asset/k1u/k1uvv0xd6d", "k1uvv0xd6d", "(Day 1, Part 2) OSPOs for Good 2024 - Open Source for the Sustainable Development Goals", "2024-07-09", "03:01:40", hms(3, 1, 40)},
	{"https://webtv.un.org/en/asset/k1q/k1qmxhno3c", "k1qmxhno3c", "(Day 2, Part 1) OSPOs for Good 2024 - Building OSPO Capacity in Governments and Academia", "2024-07-10", "03:00:00", hms(3, 0, 0)},
	{"https://webtv.un.org/en/asset/k15/k1517v486n", "k1517v486n", "(Day 2, Part 2) OSPOs for Good 2024 - Closing Session: Recommendations and the Way Forward", "2024-07-10", "02:45:03", hms(2, 45, 3)},
}

func hms(h, m, s int) time.Duration {
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func testRecording(id, title string, date time.Time, d time.Duration) ospofeed.Item {
	return ospofeed.Item{
		ID: id, Kind: ospofeed.KindRecording, URL: id, Title: title,
		Summary:    "Conference on the role of Open Source Programme Offices in achieving the Sustainable Development Goals.",
		Date:       date,
		DateOnly:   true,
		Duration:   d,
		Languages:  []string{"English", "Original"},
		Categories: []string{"Meetings & Events", "Conferences"},
		Entities:   []string{"United Nations"},
		Events:     []string{event24},
		Sources:    []string{"un-webtv"},
		FirstSeen:  time.Date(2024, 7, 9, 18, 0, 0, 0, time.UTC),
		Updated:    time.Date(2024, 7, 11, 6, 0, 0, 0, time.UTC),
		Version:    2,
	}
}

func testItems() []ospofeed.Item {
	ev := ospofeed.Item{
		ID: event24, Kind: ospofeed.KindEvent, URL: event24, Title: "OSPOs for Good 2024",
		Summary:   "The first UN conference of Open Source Programme Offices.",
		Start:     day(2024, 7, 9),
		End:       day(2024, 7, 10),
		AllDay:    true,
		Venue:     "ECOSOC Chamber, UN Headquarters, New York",
		Keywords:  []string{"OSPOs for Good"},
		Sources:   []string{"un-ospo-events"},
		FirstSeen: time.Date(2024, 5, 2, 9, 30, 0, 0, time.UTC),
		Updated:   time.Date(2024, 7, 11, 6, 30, 0, 0, time.UTC),
		Version:   3,
	}
	var items []ospofeed.Item
	for _, r := range recs2024 {
		date, _ := time.Parse(time.DateOnly, r.date)
		items = append(items, testRecording(r.id, r.title, date.Add(12*time.Hour), r.d))
		ev.Recordings = append(ev.Recordings, r.id)
	}
	items = append(items, ev)

	live := testRecording(liveID, "Digital Public Goods Alliance: Open Source Week (Live)", time.Time{}, 0)
	live.DateOnly, live.Live, live.Events, live.Summary = false, true, nil, ""
	live.Start = time.Date(2025, 6, 10, 14, 0, 0, 0, time.UTC)
	live.FirstSeen = time.Date(2025, 6, 9, 7, 0, 0, 0, time.UTC)
	live.Updated = live.FirstSeen
	live.Version = 1
	items = append(items, live)

	gone := testRecording(goneID, "Open Source Week: side event (withdrawn)", time.Date(2024, 7, 8, 12, 0, 0, 0, time.UTC), hms(1, 2, 3))
	gone.Withdrawn, gone.Events, gone.Version = true, nil, 4
	gone.Updated = time.Date(2024, 7, 10, 3, 0, 0, 0, time.UTC)
	items = append(items, gone)

	items = append(items, ospofeed.Item{
		ID: event25, Kind: ospofeed.KindEvent, URL: event25, Title: "Open Source Week 2025",
		Start: day(2025, 6, 16), End: day(2025, 6, 20), AllDay: true,
		Venue:     "UN Headquarters, New York",
		Sources:   []string{"un-ospo-events"},
		FirstSeen: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC),
		Updated:   time.Date(2025, 5, 20, 8, 0, 0, 0, time.UTC),
		Version:   2,
	}, ospofeed.Item{
		// A timed event on the day of testToday: upcoming all that day.
		ID: briefing, Kind: ospofeed.KindEvent, URL: briefing, Title: "Digital Public Goods briefing",
		Start:     time.Date(2025, 6, 10, 14, 0, 0, 0, time.UTC),
		End:       time.Date(2025, 6, 10, 15, 30, 0, 0, time.UTC),
		Venue:     "Conference Room 4",
		Sources:   []string{"un-ospo-events"},
		FirstSeen: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC),
		Updated:   time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC),
		Version:   1,
	}, ospofeed.Item{
		ID: article, Kind: ospofeed.KindArticle, URL: article, Title: "UN hosts its first OSPOs for Good conference",
		Content:   `<p>The <a href="https://www.un.org/techenvoy/content/ospos-good-2024">conference</a> gathered OSPOs &amp; governments.</p>`,
		Date:      time.Date(2024, 7, 11, 14, 5, 0, 0, time.UTC),
		Sources:   []string{"osor"},
		FirstSeen: time.Date(2024, 7, 11, 15, 0, 0, 0, time.UTC),
		Updated:   time.Date(2024, 7, 11, 15, 0, 0, 0, time.UTC),
		Version:   1,
	})
	return items
}

func testSources() []SourceView {
	return []SourceView{
		{
			Source: ospofeed.Source{ID: "un-ospo-events", Kind: "un-event", Name: "UN OSPO events", URL: "https://www.un.org/techenvoy/content/ospos-good-2024"},
			State: ospofeed.SourceState{ID: "un-ospo-events", Status: ospofeed.StatusOK, StatusSince: time.Date(2024, 5, 2, 9, 30, 0, 0, time.UTC),
				LastCrawl: testToday, LastSuccess: testToday, Items: 3},
		},
		{
			Source: ospofeed.Source{ID: "un-webtv", Kind: "unwebtv-schedule", Name: "UN Web TV", URL: "https://webtv.un.org/en/schedule"},
			State: ospofeed.SourceState{ID: "un-webtv", Status: ospofeed.StatusFailed, StatusSince: time.Date(2025, 6, 9, 0, 0, 0, 0, time.UTC),
				LastCrawl: testToday, LastError: "fetch https://webtv.un.org/en/schedule: 503 Service Unavailable", Failures: 2, Items: 6},
		},
	}
}

func testInfo() Info {
	return Info{Title: "ospofeed", Description: "Events of Open Source Programme Offices and their UN Web TV recordings",
		BaseURL: testBase, Author: "ospofeed tests", Version: "test"}
}

func testSnapshot() Snapshot {
	return Snapshot{Info: testInfo(), Items: testItems(), Sources: testSources(), Created: testCreated, Today: testToday}
}

// build builds a snapshot, failing the test on an error.
func build(t testing.TB, snap Snapshot) *Site {
	t.Helper()
	s, err := Build(snap)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return s
}

// page returns the body at a path of a site, failing the test when the path
// is missing.
func page(t testing.TB, s *Site, p string) string {
	t.Helper()
	f, ok := s.File(p)
	if !ok {
		t.Fatalf("site has no %s", p)
	}
	return string(f.Body)
}

// stdSite is the site of testSnapshot, built once for the tests that only
// read it.
var stdSite = sync.OnceValues(func() (*Site, error) { return Build(testSnapshot()) })

func standardSite(t testing.TB) *Site {
	t.Helper()
	s, err := stdSite()
	if err != nil {
		t.Fatalf("Build(testSnapshot()) = %v", err)
	}
	return s
}
