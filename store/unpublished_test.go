package store

import (
	"slices"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

// A recording only a schedule card names, whose page answers 404, is kept
// but in no feed; the day its page answers it enters its feeds. One that
// was published and then answers 404 stays in them, withdrawn.
func TestNeverPublishedRecordingIsInNoFeed(t *testing.T) {
	db, c := openTest(t)
	id := "https://webtv.un.org/en/asset/k1z/k1zq0gone1"
	card := ospofeed.Item{ID: id, Kind: ospofeed.KindRecording, URL: id, Title: "Day 3: closing",
		Start: time.Date(2025, 6, 18, 13, 0, 0, 0, time.UTC), Events: []string{ev}, Authority: ospofeed.AuthoritySchedule}
	gone := ospofeed.Item{ID: id, Kind: ospofeed.KindRecording, URL: id, Withdrawn: true, Events: []string{ev}, Authority: ospofeed.AuthorityPage}
	mustSave(t, db, crawl("schedule", c, card))
	mustSave(t, db, crawl("event", c, gone))
	if it := mustItem(t, db, id); !it.Unpublished || !it.Withdrawn {
		t.Fatalf("scheduled, page 404: Unpublished %v, Withdrawn %v; want both", it.Unpublished, it.Withdrawn)
	}
	for _, f := range []string{ospofeed.FeedAll, ospofeed.FeedRecordings, ospofeed.FeedOfEvent(ev), ospofeed.FeedOfSource("schedule")} {
		if got := entries(t, db, f); slices.Contains(got, id) {
			t.Errorf("the never-published recording is in feed %s", f)
		}
	}
	// Its page answers.
	c.add(24 * time.Hour)
	page := recording(id, "Day 3: closing plenary")
	mustSave(t, db, crawl("event", c, page))
	it := mustItem(t, db, id)
	if it.Unpublished || it.Withdrawn {
		t.Fatalf("page answered: Unpublished %v, Withdrawn %v; want neither", it.Unpublished, it.Withdrawn)
	}
	for _, f := range []string{ospofeed.FeedAll, ospofeed.FeedRecordings, ospofeed.FeedOfEvent(ev)} {
		if got := entries(t, db, f); !slices.Contains(got, id) {
			t.Errorf("published recording is not in feed %s", f)
		}
	}
	// Later withdrawn: it stays, flagged.
	c.add(24 * time.Hour)
	mustSave(t, db, crawl("event", c, gone))
	if it := mustItem(t, db, id); it.Unpublished || !it.Withdrawn {
		t.Errorf("published, then 404: Unpublished %v, Withdrawn %v; want withdrawn only", it.Unpublished, it.Withdrawn)
	}
	if n, _ := db.LatestEntry(ospofeed.FeedRecordings, id); n == 0 {
		t.Errorf("the withdrawn recording left its feed")
	}
}
