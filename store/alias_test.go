package store

import (
	"slices"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

func announcement(id, title string, start time.Time, links ...string) ospofeed.Item {
	it := ospofeed.Item{ID: id, Kind: ospofeed.KindEvent, URL: id, Title: title, Type: "Event",
		Date: start.AddDate(0, -2, 0), Start: start, End: start, AllDay: true, Venue: "New York", Authority: ospofeed.AuthorityFeed}
	for _, l := range links {
		it.Links = append(it.Links, ospofeed.Link{URL: l})
	}
	return it
}

func eventsIn(t *testing.T, db *DB) []string {
	t.Helper()
	var out []string
	items, err := db.Items()
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Kind == ospofeed.KindEvent {
			out = append(out, it.ID)
		}
	}
	return out
}

// An event announced on a news site is a mention of the event known from
// its own page, whichever is crawled first; an event known only from the
// news site stays an event.
func TestEventAliases(t *testing.T) {
	day := time.Date(2024, 7, 9, 0, 0, 0, 0, time.UTC)
	joinup := "https://joinup.ec.europa.eu/collection/open-source-observatory-osor/event/"
	tests := []struct {
		name      string
		alias     ospofeed.Item
		pageFirst bool
		wantAlias bool
	}{
		{"same title, page first", announcement(joinup+"a", "OSPOs for Good 2024", day), true, true},
		{"same title, announcement first", announcement(joinup+"b", "OSPOs for Good 2024", day.AddDate(0, 0, 1)), false, true},
		{"same title, no dates", announcement(joinup+"c", "OSPOs for good — 2024", time.Time{}), true, true},
		{"a link to the page", announcement(joinup+"d", "The UN's OSPO day", day, ev), true, true},
		{"a link to the page, announcement first", announcement(joinup+"e", "The UN's OSPO day", day, ev), false, true},
		{"same title, other dates", announcement(joinup+"f", "OSPOs for Good 2024", day.AddDate(0, 3, 0)), true, false},
		{"another event", announcement(joinup+"g", "FOSDEM 2025", day), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, c := openTest(t)
			page := event()
			page.Start, page.End = time.Time{}, time.Time{} // the page gives no dates: the alias lends them
			if tt.name == "same title, other dates" {
				page = event()
			}
			if tt.pageFirst {
				mustSave(t, db, crawl("un", c, page))
				c.add(time.Hour)
			}
			mustSave(t, db, crawl("osor", c, tt.alias))
			c.add(time.Hour)
			mustSave(t, db, crawl("un", c, page))
			got := mustItem(t, db, tt.alias.ID)
			evs := eventsIn(t, db)
			if !tt.wantAlias {
				if got.Kind != ospofeed.KindEvent || len(evs) != 2 {
					t.Fatalf("%q became %s; events %q; want it to stay an event of its own", tt.alias.Title, got.Kind, evs)
				}
				return
			}
			if got.Kind != ospofeed.KindArticle || !slices.Equal(evs, []string{ev}) {
				t.Fatalf("alias is a %s, events %q; want an article and the one event", got.Kind, evs)
			}
			e := mustItem(t, db, ev)
			if !slices.Contains(e.Sources, "osor") || e.Title != "OSPOs for Good 2024" || e.URL != ev {
				t.Errorf("event after its alias: sources %q, title %q, URL %q", e.Sources, e.Title, e.URL)
			}
			if !tt.alias.Start.IsZero() && e.Start.IsZero() {
				t.Errorf("the alias's dates did not feed the event")
			}
			related, _ := db.ItemsByID([]string{ev})
			if !slices.Contains(related[0].MentionedIn, tt.alias.ID) {
				t.Errorf("the event is not mentioned in its alias: %q", related[0].MentionedIn)
			}
			if got := entries(t, db, ospofeed.FeedEvents); slices.Contains(got, tt.alias.ID) && tt.pageFirst {
				t.Errorf("the alias entered the events feed")
			}
			counts, _ := db.ItemCounts()
			if counts[ospofeed.KindEvent] != 1 || counts[ospofeed.KindArticle] != 1 {
				t.Errorf("counts %v; want one event, one article", counts)
			}
		})
	}
}
