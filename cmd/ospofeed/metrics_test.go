package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

// TestMetricsBlocked: a blocked source is not up, is counted as a blocked
// crawl, and ospofeed_source_blocked tells it from a broken one; its last
// success does not move.
func TestMetricsBlocked(t *testing.T) {
	m := newMetrics()
	end := time.Date(2026, 6, 25, 12, 0, 0, 0, time.UTC)
	m.fromStates(map[string]ospofeed.SourceState{
		"yt": {Status: ospofeed.StatusOK, LastSuccess: end.Add(-time.Hour)},
		"un": {Status: ospofeed.StatusFailed},
	})
	m.crawled(ospofeed.CrawlLog{Source: "yt", End: end, Status: ospofeed.StatusBlocked,
		Error: "source yt: https://www.youtube.com/robots.txt disallows …"})
	var b strings.Builder
	m.write(&b)
	out := b.String()
	for _, want := range []string{
		`ospofeed_crawls_total{source="yt",result="blocked"} 1`,
		`ospofeed_source_up{source="yt"} 0`,
		`ospofeed_source_blocked{source="yt"} 1`,
		`ospofeed_source_up{source="un"} 0`,
		`ospofeed_source_blocked{source="un"} 0`,
		`ospofeed_source_last_success_timestamp_seconds{source="yt"} 1782385200.000`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %s:\n%s", want, out)
		}
	}
}
