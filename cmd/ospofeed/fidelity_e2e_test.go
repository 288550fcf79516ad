package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ospofeed/ospofeed/internal/fixture"
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
