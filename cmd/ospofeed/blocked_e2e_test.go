package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/ospofeed/ospofeed/internal/fixture"
)

// youTubeSource is the source the default configuration keeps only as a
// comment: YouTube's robots.txt closes its feeds.
const youTubeSource = `
  - id: un-youtube
    kind: feed
    item_kind: recording
    name: United Nations on YouTube
    url: https://www.youtube.com/feeds/videos.xml?channel_id=UC5O114-PQNYkurlTg6hekZw
    keywords: ["OSPO", "open source", "open-source"]
`

// TestBlockedSource: a source whose robots.txt forbids its URL crawls
// "blocked" (exit 0, a BLOCKED line naming robots.txt and its rule), never
// requests its URL, asks only robots.txt (conditionally) on the next crawl,
// shows as blocked in `sources`, /healthz, the index page, the status
// feed and the metrics, and recovers when robots.txt allows it again.
func TestBlockedSource(t *testing.T) {
	site := fixture.New()
	defer site.Close()
	cfg := testConfig(t, site, youTubeSource)
	db := filepath.Join(t.TempDir(), "ospofeed.db")
	ctx := context.Background()
	crawl := func(run string) string {
		t.Helper()
		_, stderr, err := runCmd(ctx, "crawl", "--config", cfg, "--db", db, "--source", "un-youtube")
		if err != nil {
			t.Fatalf("%s: crawl = %v (exit %d); want exit 0\n%s", run, err, exitCode(err), stderr)
		}
		return stderr
	}
	const robots = "https://www.youtube.com/robots.txt"
	const rule = `"Disallow: /feeds/videos.xml"`
	feed := func() int { return site.Count(fixture.HostYouTube, "/feeds/videos.xml") }

	stderr := crawl("first crawl")
	if !strings.Contains(stderr, "un-youtube                   BLOCKED") || !strings.Contains(stderr, robots) || !strings.Contains(stderr, rule) {
		t.Errorf("first crawl: no BLOCKED line naming %s and %s:\n%s", robots, rule, stderr)
	}
	if n := feed(); n != 0 {
		t.Errorf("first crawl requested the feed robots.txt disallows %d times", n)
	}

	site.ResetLog()
	crawl("second crawl")
	reqs := site.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/robots.txt" || reqs[0].IfNoneMatch == "" || reqs[0].Status != http.StatusNotModified {
		t.Errorf("second crawl of a blocked source: %d requests (%+v); want robots.txt only, conditional, answered 304", len(reqs), reqs)
	}

	out, _, err := runCmd(ctx, "sources", "--config", cfg, "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	if line := lineWith(out, "un-youtube"); !strings.Contains(line, " blocked ") || !strings.Contains(line, robots) {
		t.Errorf("sources: %q; want blocked and the robots.txt", line)
	}

	s := startServe(t, "--config", cfg, "--db", db, "--no-crawl")
	_, hz := get(t, s.base+"/healthz")
	var h struct {
		Sources []struct {
			ID, Status string
			LastError  string `json:"last_error"`
			Failures   int    `json:"consecutive_failures"`
		}
	}
	if err := json.Unmarshal(hz, &h); err != nil {
		t.Fatal(err)
	}
	for _, src := range h.Sources {
		if src.ID == "un-youtube" && (src.Status != "blocked" || !strings.Contains(src.LastError, rule) || src.Failures != 0) {
			t.Errorf("/healthz: %+v; want blocked, naming the rule, no failures", src)
		}
	}
	_, index := get(t, s.base+"/")
	if row := lineWith(string(index), "United Nations on YouTube"); !strings.Contains(row, `class="status-blocked"`) {
		t.Errorf("index: the source's row is %q; want class status-blocked", row)
	}
	if !strings.Contains(string(index), "<td>blocked by robots.txt since") {
		t.Error(`index: the source's status does not read "blocked by robots.txt"`)
	}
	_, status := get(t, s.base+"/status/feed.atom")
	sf, err := gofeed.NewParser().ParseString(string(status))
	if err != nil {
		t.Fatalf("status feed: %v", err)
	}
	if len(sf.Items) == 0 || sf.Items[0].Title != "United Nations on YouTube: blocked" || !strings.Contains(sf.Items[0].Description, robots) {
		t.Errorf("status feed's newest entry is not the block: %+v", sf.Items)
	}
	_, m := get(t, s.base+"/metrics")
	for _, want := range []string{`ospofeed_source_up{source="un-youtube"} 0`, `ospofeed_source_blocked{source="un-youtube"} 1`} {
		if !strings.Contains(string(m), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	s.stop(t)

	// YouTube opens its feeds again: the next crawl reads the feed.
	site.SetRobots(fixture.HostYouTube, fixture.YouTubeRobotsBefore2025)
	site.ResetLog()
	if stderr := crawl("after robots.txt changed"); !strings.Contains(stderr, "un-youtube                   ok") || !strings.Contains(stderr, "new=3") {
		t.Errorf("after robots.txt allowed the feed: not ok with 3 new items:\n%s", stderr)
	}
	if n := feed(); n != 1 {
		t.Errorf("after robots.txt allowed the feed: %d requests for it; want 1", n)
	}
	out, _, _ = runCmd(ctx, "sources", "--config", cfg, "--db", db)
	if line := lineWith(out, "un-youtube"); !strings.Contains(line, " ok ") {
		t.Errorf("sources after the recovery: %q; want ok", line)
	}
}

// lineWith is the first line of s that contains sub ("" when none does).
func lineWith(s, sub string) string {
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			return strings.TrimRight(l, "\n")
		}
	}
	return ""
}
