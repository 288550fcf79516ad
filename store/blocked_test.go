package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

// TestBlockedSourceState: a crawl that robots.txt forbids leaves the source
// blocked, not failed: its items and yardstick stay, its last success does
// not move, its failures end (no backoff), the change reaches the status
// log once with the robots.txt reason, and the next crawl that robots.txt
// allows makes it ok again.
func TestBlockedSourceState(t *testing.T) {
	db, c := openTest(t)
	blocked := &ospofeed.BlockedError{URL: "https://v.test/feeds/videos.xml", RobotsURL: "https://v.test/robots.txt",
		Agent: "ospofeed", Group: "User-agent: *", Rule: "Disallow: /feeds/videos.xml"}
	save := func(res ospofeed.CrawlResult) ospofeed.SourceState {
		t.Helper()
		c.add(time.Hour)
		res.Start, res.End, res.Expect = c.now(), c.now(), ospofeed.Expect{MinItems: 1}
		mustSave(t, db, res)
		st, err := db.SourceStates()
		if err != nil {
			t.Fatal(err)
		}
		return st["src"]
	}
	failed := func() ospofeed.CrawlResult { r := crawl("src", c); r.Err = errors.New("HTTP 503"); return r }
	isBlocked := func() ospofeed.CrawlResult {
		r := crawl("src", c)
		r.Err = fmt.Errorf("source src: %w", blocked)
		return r
	}

	ok := save(crawl("src", c, event(), recording(rec1, "A")))
	save(failed())
	if st := save(failed()); st.Status != ospofeed.StatusFailed || st.Failures != 2 {
		t.Fatalf("after two failures: %s, %d failures", st.Status, st.Failures)
	}
	for i := range 2 {
		st := save(isBlocked())
		if st.Status != ospofeed.StatusBlocked || st.Failures != 0 || !st.LastSuccess.Equal(ok.LastSuccess) ||
			st.LastFound != 2 || st.Items != 2 || !strings.Contains(st.Reason, `"Disallow: /feeds/videos.xml"`) ||
			!strings.Contains(st.LastError, "https://v.test/robots.txt") {
			t.Errorf("blocked crawl %d: state %+v; want blocked, 0 failures, last success and items kept, the rule as reason", i+1, st)
		}
	}
	if st := save(crawl("src", c, event(), recording(rec1, "A"))); st.Status != ospofeed.StatusOK || st.LastError != "" || st.Reason != "" {
		t.Errorf("allowed again: state %+v; want ok", st)
	}
	changes, err := db.StatusChanges(0)
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for i := len(changes) - 1; i >= 0; i-- {
		seq = append(seq, string(changes[i].From)+">"+string(changes[i].To))
		if changes[i].To == ospofeed.StatusBlocked && !strings.Contains(changes[i].Reason, "https://v.test/robots.txt disallows") {
			t.Errorf("change to blocked: reason %q; want the robots.txt", changes[i].Reason)
		}
	}
	if got, want := strings.Join(seq, ","), "new>ok,ok>failed,failed>blocked,blocked>ok"; got != want {
		t.Errorf("status changes = %s; want %s", got, want)
	}
}
