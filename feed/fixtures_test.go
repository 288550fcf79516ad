package feed

import (
	"strings"
	"time"

	"github.com/ospofeed/ospofeed"
)

// The fixture set: one event with four recordings, a live session, a
// withdrawn recording, an article, and two items made of hostile strings.
// Every time is fixed so that golden files never move.

const (
	site     = "https://ospofeed.example.org"
	eventID  = "https://www.un.org/techenvoy/content/ospos-good-2024"
	rec1ID   = "https://webtv.un.org/en/asset/k1m/k1ma4k9rff"
	rec2ID   = "https://webtv.un.org/en/asset/k1u/k1uvv0xd6d"
	rec3ID   = "https://webtv.un.org/en/asset/k1q/k1qmxhno3c"
	rec4ID   = "https://webtv.un.org/en/asset/k15/k1517v486n"
	liveID   = "https://webtv.un.org/en/asset/k1z/k1z8lv3p2e"
	goneID   = "https://webtv.un.org/en/asset/k1w/k1wd0n3x7a"
	articleI = "https://joinup.ec.europa.eu/collection/open-source-observatory-osor/news/ospos-good-2024"
	evilID   = "https://webtv.un.org/en/asset/k1x/k1xevil0001"
	longID   = "https://www.un.org/en/long-title-event"
)

func day0(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// noonDate is how UN Web TV stamps a production date: the day at a fake
// 12:00Z.
func noonDate(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

func hms(h, m, s int) time.Duration {
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
}

func thumb(entry string) string {
	return "https://cfvod.kaltura.com/p/2503451/sp/250345100/thumbnail/entry_id/" + entry + "/version/100002/width/564"
}

// hostile collects what scraped text can hold: C0 controls, a
// non-character, a CDATA terminator, markup, entities, quotes, right-to-left
// text, an emoji and the separators of iCalendar and BibTeX.
const hostile = "Bad\x00\x01\x08\x0b\x0c\x1f\ufffe ]]> <script>alert(\"x\")</script> & 'quoted' \"double\" " +
	"مكتب المبعوث المعني بالتكنولوجيا 🎥; a,b\\c {x} 100% $5 #1 snake_case ~tilde ^caret\x7f"

func recording(id, title string, date time.Time, d time.Duration, entry string) ospofeed.Item {
	return ospofeed.Item{
		ID:         id,
		Kind:       ospofeed.KindRecording,
		URL:        id,
		Title:      title,
		Summary:    "Conference on the role of Open Source Programme Offices in achieving the Sustainable Development Goals.",
		Date:       date,
		DateOnly:   true,
		Duration:   d,
		Languages:  []string{"English", "Original"},
		Categories: []string{"Meetings & Events", "Conferences"},
		Entities:   []string{"United Nations"},
		Thumbnail:  thumb(entry),
		KalturaID:  entry,
		Events:     []string{eventID},
		Sources:    []string{"un-webtv"},
		FirstSeen:  time.Date(2024, 7, 9, 18, 0, 0, 0, time.UTC),
		Updated:    time.Date(2024, 7, 11, 6, 0, 0, 0, time.UTC),
		Version:    2,
	}
}

// fixtures returns the items newest first, as the store hands them over.
func fixtures() []ospofeed.Item {
	event := ospofeed.Item{
		ID:         eventID,
		Kind:       ospofeed.KindEvent,
		URL:        eventID,
		Title:      "OSPOs for Good 2024",
		Summary:    "The first UN conference of Open Source Programme Offices.\n\nTwo days on open source for the Sustainable Development Goals.",
		Start:      day0(2024, 7, 9),
		End:        day0(2024, 7, 10),
		AllDay:     true,
		Venue:      "ECOSOC Chamber, UN Headquarters, New York",
		Categories: []string{"Open source"},
		Recordings: []string{rec1ID, rec2ID, rec3ID, rec4ID},
		Keywords:   []string{"OSPOs for Good"},
		Sources:    []string{"un-ospo-events"},
		FirstSeen:  time.Date(2024, 5, 2, 9, 30, 0, 0, time.UTC),
		Updated:    time.Date(2024, 7, 11, 6, 30, 0, 0, time.UTC),
		Version:    3,
	}
	r1 := recording(rec1ID, "(Day 1, Part 1) OSPOs for Good 2024", noonDate(2024, 7, 9), hms(2, 58, 41), "1_ma4k9rff")
	r2 := recording(rec2ID, "(Day 1, Part 2) OSPOs for Good 2024", noonDate(2024, 7, 9), hms(3, 1, 12), "1_uvv0xd6d")
	r3 := recording(rec3ID, "(Day 2, Part 1) OSPOs for Good 2024", noonDate(2024, 7, 10), hms(2, 47, 5), "1_qmxhno3c")
	r4 := recording(rec4ID, "(Day 2, Part 2) OSPOs for Good 2024", noonDate(2024, 7, 10), hms(2, 12, 59), "1_517v486n")
	r4.Entities = []string{"Office of the Secretary-General's Envoy on Technology"}
	r4.Languages = []string{"English", "French", "Original"}

	live := recording(liveID, "Digital Public Goods Alliance: Open Source Week (Live)", time.Time{}, 0, "1_z8lv3p2e")
	live.DateOnly = false
	live.Live = true
	live.Start = time.Date(2024, 7, 12, 14, 0, 0, 0, time.UTC)
	live.Events = nil
	live.Summary = ""
	live.Updated = time.Date(2024, 7, 12, 7, 0, 0, 0, time.UTC)
	live.FirstSeen = live.Updated
	live.Version = 1

	gone := recording(goneID, "Open Source Week: side event (withdrawn)", noonDate(2024, 7, 8), hms(1, 2, 3), "1_wd0n3x7a")
	gone.Withdrawn = true
	gone.Events = nil
	gone.Updated = time.Date(2024, 7, 10, 3, 0, 0, 0, time.UTC)
	gone.Version = 4

	article := ospofeed.Item{
		ID:         articleI,
		Kind:       ospofeed.KindArticle,
		URL:        articleI,
		Title:      "UN hosts its first OSPOs for Good conference",
		Summary:    "Open source programme offices met at UN Headquarters in New York.",
		Content:    `<p>The <a href="https://www.un.org/techenvoy/content/ospos-good-2024">conference</a> gathered OSPOs &amp; governments.</p>`,
		Date:       time.Date(2024, 7, 11, 14, 5, 0, 0, time.UTC),
		Author:     "Jane Doe",
		Categories: []string{"News"},
		Sources:    []string{"osor"},
		FirstSeen:  time.Date(2024, 7, 11, 15, 0, 0, 0, time.UTC),
		Updated:    time.Date(2024, 7, 11, 15, 0, 0, 0, time.UTC),
		Version:    1,
	}

	evil := recording(evilID, hostile, noonDate(2024, 7, 7), hms(0, 9, 30), "1_xevil0001")
	evil.Summary = hostile + "\n\nSecond paragraph\r\nwith a CRLF."
	evil.Content = "<p>ok</p>]]><p>\x00\x1b after</p>"
	evil.Languages = []string{hostile}
	evil.Entities = []string{"UN & Partners <Org>"}
	evil.Categories = []string{hostile, "Meetings & Events"}
	evil.Events = []string{eventID, "https://www.un.org/unknown-event"}
	evil.Start = time.Date(2024, 7, 7, 15, 0, 0, 0, time.UTC)
	evil.Author = "press@un.org"
	evil.Thumbnail = "javascript:alert(1)" // must never reach a document
	evil.Updated = time.Date(2024, 7, 7, 20, 0, 0, 0, time.UTC)

	// 200 characters, mixing ASCII with two-byte and four-byte characters so
	// that iCalendar folding meets every width.
	long := strings.Repeat("Éé Open Source 🌍 ", 12)
	long = string([]rune(long)[:200])
	longEvent := ospofeed.Item{
		ID:        longID,
		Kind:      ospofeed.KindEvent,
		URL:       longID,
		Title:     long,
		Start:     time.Date(2024, 6, 30, 13, 0, 0, 0, time.UTC),
		End:       time.Date(2024, 6, 30, 15, 30, 0, 0, time.UTC),
		Venue:     "Conference Room 4; UN HQ, New York",
		FirstSeen: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC),
		Updated:   time.Date(2024, 6, 2, 0, 0, 0, 0, time.UTC),
		Version:   1,
	}

	return []ospofeed.Item{live, article, event, r4, r3, r2, r1, gone, evil, longEvent}
}

// lookupOf resolves ids among items.
func lookupOf(items []ospofeed.Item) Lookup {
	byID := make(map[string]ospofeed.Item, len(items))
	for _, it := range items {
		byID[it.ID] = it
	}
	return func(id string) (ospofeed.Item, bool) {
		it, ok := byID[id]
		return it, ok
	}
}

// meta is the feed description used by every golden file, with the
// document's own URL for the given file name.
func meta(file string) Meta {
	return Meta{
		ID:        site + "/feeds/" + file,
		Title:     "ospofeed: OSPO events & recordings",
		Subtitle:  "Events of Open Source Programme Offices and their UN Web TV recordings",
		SelfURL:   site + "/feeds/" + file,
		HTMLURL:   site + "/",
		BaseURL:   site,
		Author:    "ospofeed",
		AuthorURL: site + "/about/",
		Updated:   time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

func find(items []ospofeed.Item, id string) ospofeed.Item {
	for _, it := range items {
		if it.ID == id {
			return it
		}
	}
	panic("no fixture " + id)
}
