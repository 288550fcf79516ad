package store

import (
	"slices"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

func entries(t *testing.T, db *DB, feed string) []string {
	t.Helper()
	n, err := db.FeedLen(feed)
	if err != nil {
		t.Fatal(err)
	}
	es, err := db.FeedEntries(feed, 1, n)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, e := range es {
		if e.Seq != uint64(i+1) {
			t.Fatalf("feed %s: entry %d has seq %d", feed, i, e.Seq)
		}
		out = append(out, e.ID)
	}
	return out
}

func article(id, title string, day int) ospofeed.Item {
	return ospofeed.Item{ID: id, Kind: ospofeed.KindArticle, URL: id, Title: title,
		Date: time.Date(2024, 7, day, 0, 0, 0, 0, time.UTC), Authority: ospofeed.AuthorityFeed}
}

// A feed log gains an entry when an item is new, changed, or newly in the
// feed, and never on an unchanged re-crawl; the newest-dated item of a crawl
// is its newest entry.
func TestFeedLogs(t *testing.T) {
	db, c := openTest(t)
	a1, a2, a3 := "https://code.gouv.fr/fr/blog/a1", "https://code.gouv.fr/fr/blog/a2", "https://code.gouv.fr/fr/blog/a3"
	save := func(src string, items ...ospofeed.Item) ospofeed.CrawlLog {
		t.Helper()
		c.add(time.Hour)
		log, err := db.SaveCrawl(crawl(src, c, items...))
		if err != nil {
			t.Fatal(err)
		}
		return log
	}
	log := save("blog", article(a2, "Two", 2), article(a1, "One", 1))
	if got, want := entries(t, db, ospofeed.FeedNews), []string{a1, a2}; !slices.Equal(got, want) {
		t.Errorf("news after the first crawl = %q; want %q (oldest first)", got, want)
	}
	if !slices.Equal(log.Touched, []string{a1, a2}) {
		t.Errorf("first crawl Touched = %q", log.Touched)
	}
	if log := save("blog", article(a2, "Two", 2), article(a1, "One", 1)); len(log.Touched) != 0 {
		t.Errorf("unchanged re-crawl Touched = %q; want none", log.Touched)
	}
	save("blog", article(a2, "Two, retitled", 2), article(a1, "One", 1), article(a3, "Three", 3))
	if got, want := entries(t, db, ospofeed.FeedNews), []string{a1, a2, a2, a3}; !slices.Equal(got, want) {
		t.Errorf("news after a change and a new item = %q; want %q", got, want)
	}
	if got := entries(t, db, ospofeed.FeedAll); len(got) != 4 {
		t.Errorf("all = %q; want 4 entries", got)
	}
	// Another source reports a1 as it is: a1 enters that source's feed
	// only.
	log = save("joinup", article(a1, "One", 1))
	if got, want := entries(t, db, ospofeed.FeedOfSource("joinup")), []string{a1}; !slices.Equal(got, want) {
		t.Errorf("joinup's feed = %q; want %q", got, want)
	}
	if got := entries(t, db, ospofeed.FeedNews); len(got) != 4 {
		t.Errorf("news after another source saw a1 unchanged = %q; want no new entry", got)
	}
	if !slices.Equal(log.Touched, []string{a1}) {
		t.Errorf("Touched = %q; want a1 (it joined a feed)", log.Touched)
	}
	if n, _ := db.LatestEntry(ospofeed.FeedNews, a2); n != 3 {
		t.Errorf("LatestEntry(news, a2) = %d; want 3", n)
	}
}

// Events and recordings keep the plain slug when first seen; a later item
// whose slug collides gets the slug and a hash, for ever.
func TestSlugsAreClaimedOnce(t *testing.T) {
	db, c := openTest(t)
	first := "https://webtv.un.org/en/asset/k1m/k1ma4k9rff"
	second := "https://webtv.un.org/fr/other/K1MA4K9RFF"
	r1 := recording(first, "First")
	r2 := recording(second, "Second")
	if ospofeed.Slug(first) != ospofeed.Slug(second) {
		t.Fatalf("the ids' slugs do not collide: %q %q", ospofeed.Slug(first), ospofeed.Slug(second))
	}
	if _, err := db.SaveCrawl(crawl("a", c, r1)); err != nil {
		t.Fatal(err)
	}
	c.add(time.Hour)
	if _, err := db.SaveCrawl(crawl("b", c, r2)); err != nil {
		t.Fatal(err)
	}
	items, err := db.ItemsByID([]string{first, second})
	if err != nil || len(items) != 2 {
		t.Fatalf("ItemsByID = %v, %v", items, err)
	}
	if items[0].PageSlug() != ospofeed.Slug(first) || items[1].PageSlug() == items[0].PageSlug() {
		t.Errorf("slugs = %q, %q; want the first plain and the second its own", items[0].PageSlug(), items[1].PageSlug())
	}
}
