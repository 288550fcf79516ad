package store

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ospofeed/ospofeed"
)

// An event's MentionedIn counts the article that links to it, not the
// recordings that belong to it and link to it too; it is read from what
// each linker belongs with, which a database of schema 4 gets by migration.
func TestMentionedInFromWhatLinkersBelongWith(t *testing.T) {
	path := filepath.Join(t.TempDir(), "links.db")
	c := &clock{t: time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)}
	db, err := Open(path, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	r1, r2 := recording(rec1, "Opening"), recording(rec2, "Closing")
	r1.Links = []ospofeed.Link{{URL: ev}}
	r2.Links = []ospofeed.Link{{URL: ev}}
	article := ospofeed.Item{ID: "https://code.gouv.fr/fr/news/ospo", Kind: ospofeed.KindArticle, URL: "https://code.gouv.fr/fr/news/ospo",
		Title: "Retour sur OSPOs for Good", Date: time.Date(2024, 7, 12, 0, 0, 0, 0, time.UTC), Links: []ospofeed.Link{{URL: ev}}, Authority: ospofeed.AuthorityFeed}
	mustSave(t, db, crawl("un", c, event(), r1, r2, article))
	want := []string{article.ID}
	mentioned := func(db *DB) []string {
		t.Helper()
		got, err := db.ItemsByID([]string{ev})
		if err != nil || len(got) != 1 {
			t.Fatalf("ItemsByID(%s) = %v, %v", ev, got, err)
		}
		return got[0].MentionedIn
	}
	if got := mentioned(db); !slices.Equal(got, want) {
		t.Fatalf("MentionedIn %q; want %q (the recordings belong to the event)", got, want)
	}
	// The same database at schema 4: no belongs/ bucket.
	if err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketBelongs); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(4))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := mentioned(db); !slices.Equal(got, want) {
		t.Errorf("after migrating from schema 4: MentionedIn %q; want %q", got, want)
	}
	// The bucket is what tells the recordings apart.
	db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBelongs).Delete([]byte(rec1))
	})
	if got := mentioned(db); !slices.Contains(got, rec1) {
		t.Errorf("without what %s belongs with, MentionedIn %q still leaves it out: the test proves nothing", rec1, got)
	}
}
