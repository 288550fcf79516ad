package main

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/internal/fixture"
	"github.com/ospofeed/ospofeed/store"
)

// The store's incremental link index gives every item the mentions that
// ospofeed.Relate computes over all items at once, after a full crawl of
// the fixture sites.
func TestStoredRelationsMatchRelate(t *testing.T) {
	site := fixture.New()
	defer site.Close()
	cfg := testConfig(t, site, "")
	db := filepath.Join(t.TempDir(), "ospofeed.db")
	if _, stderr, err := runCmd(context.Background(), "crawl", "--config", cfg, "--db", db); err != nil {
		t.Fatalf("crawl: %v\n%s", err, stderr)
	}
	s, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	all, err := s.Items()
	if err != nil {
		t.Fatal(err)
	}
	ospofeed.Relate(all)
	ids := make([]string, len(all))
	for i, it := range all {
		ids[i] = it.ID
	}
	stored, err := s.ItemsByID(ids)
	if err != nil {
		t.Fatal(err)
	}
	links := 0
	for i, it := range all {
		links += len(it.Mentions)
		if got := stored[i]; !slices.Equal(got.Mentions, it.Mentions) || !slices.Equal(got.MentionedIn, it.MentionedIn) {
			t.Errorf("%s: stored mentions %q, mentioned in %q; Relate: %q, %q", it.ID, got.Mentions, got.MentionedIn, it.Mentions, it.MentionedIn)
		}
	}
	if links < 3 {
		t.Errorf("the fixture crawl relates only %d links: the test proves little", links)
	}
	t.Logf("%d items, %d mentions agree", len(all), links)
}
