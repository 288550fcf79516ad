package store

import (
	"slices"
	"testing"
	"time"
)

// A rendering clears what it read, never what a crawl saved after it read:
// that stays for the next rendering.
func TestClearPendingKeepsLaterMarks(t *testing.T) {
	db, c := openTest(t)
	a1, a2 := "https://code.gouv.fr/fr/blog/a1", "https://code.gouv.fr/fr/blog/a2"
	mustSave(t, db, crawl("blog", c, article(a1, "One", 1)))
	read, err := db.Pending(10)
	if err != nil || !slices.Equal(read.IDs, []string{a1}) || !read.Health {
		t.Fatalf("Pending = %+v, %v; want a1 and the new source's health", read, err)
	}
	// While that rendering runs, a crawl changes a1 again and adds a2.
	c.add(time.Hour)
	mustSave(t, db, crawl("blog", c, article(a1, "One, retitled", 1), article(a2, "Two", 2)))
	if err := db.ClearPending(read); err != nil {
		t.Fatal(err)
	}
	left, err := db.Pending(10)
	if err != nil || !slices.Equal(left.IDs, []string{a1, a2}) {
		t.Errorf("after clearing the first read, Pending = %+v, %v; want a1 (changed again) and a2", left, err)
	}
	// A rendering of everything (More) clears every mark it was reading.
	all := left
	all.More, all.IDs = true, nil
	if err := db.ClearPending(all); err != nil {
		t.Fatal(err)
	}
	if p, _ := db.Pending(10); len(p.IDs) != 0 || p.Health {
		t.Errorf("after a full rendering, Pending = %+v; want nothing", p)
	}
}
