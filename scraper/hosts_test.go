package scraper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/config"
	"github.com/ospofeed/ospofeed/internal/fixture"
)

// sourceMemory is a Memory that keeps pages per source, as the store does,
// so that what one source remembered is not what another recalls.
type sourceMemory struct {
	*memory
	mu    sync.Mutex
	pages map[[2]string]ospofeed.Page // source, URL
}

func newSourceMemory() *sourceMemory {
	return &sourceMemory{memory: newMemory(), pages: map[[2]string]ospofeed.Page{}}
}

func (m *sourceMemory) Page(source, url string) (ospofeed.Page, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.pages[[2]string{source, url}]
	return p, ok, nil
}

func (m *sourceMemory) learn(res ospofeed.CrawlResult) {
	m.memory.learn(res)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range res.Pages {
		m.pages[[2]string{res.Source, p.URL}] = p
	}
}

// unSources are four sources on www.un.org, whose recordings are on
// webtv.un.org.
func unSources() []ospofeed.Source {
	return []ospofeed.Source{
		eventSource("ospos-good-2023", event2023), eventSource("ospos-good-2024", event2024),
		eventSource("open-source-week-2025", event2025), eventSource("open-source-week-2026", event2026),
	}
}

// crawlAll runs srcs one after the other, as `ospofeed crawl` does, over
// one Hosts, and teaches mem what each found.
func crawlAll(t *testing.T, cfg *config.Config, srcs []ospofeed.Source, mem *sourceMemory, hosts *Hosts) []ospofeed.CrawlResult {
	t.Helper()
	var out []ospofeed.CrawlResult
	for _, src := range srcs {
		res := Run(context.Background(), cfg, src, mem, Options{Version: "test", Hosts: hosts})
		mem.learn(res)
		out = append(out, res)
	}
	return out
}

// brief describes logged requests in a line each, for failure messages.
func brief(reqs []fixture.Request) string {
	var b strings.Builder
	for _, r := range reqs {
		fmt.Fprintf(&b, "\n\t%s %s%s -> %d (If-None-Match %q)", r.Method, r.Host, r.Path, r.Status, r.IfNoneMatch)
	}
	return b.String()
}

// robotsRequests are the fixture's logged requests for host's robots.txt.
func robotsRequests(site *fixture.Site, host string) []fixture.Request {
	return requests(site, host, "/robots.txt")
}

// TestHostsRobotsOncePerRun: the sources of one process share robots.txt:
// four sources on www.un.org read it once. A new process (the next
// `ospofeed crawl`) reads it again, conditionally, from what a source
// remembered, even when the source that remembered it comes last; a 304
// keeps the rules. `ospofeed serve`, one process, reads it again only
// when it is 24 hours old, conditionally too.
func TestHostsRobotsOncePerRun(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	cfg := testConfig(site)
	srcs := unSources()
	cfg.Sources = srcs
	mem := newSourceMemory()
	checkOK := func(run string, results []ospofeed.CrawlResult) {
		t.Helper()
		for _, res := range results {
			if res.Err != nil {
				t.Fatalf("%s: Run(%s).Err = %v; want nil", run, res.Source, res.Err)
			}
		}
	}
	hosts := []string{fixture.HostUN, fixture.HostWebTV}

	checkOK("first crawl", crawlAll(t, cfg, srcs, mem, NewHosts()))
	for _, h := range hosts {
		if reqs := robotsRequests(site, h); len(reqs) != 1 || reqs[0].IfNoneMatch != "" || reqs[0].Status != http.StatusOK {
			t.Errorf("first crawl: %s/robots.txt requests:%s\nwant one, unconditional, answered 200", h, brief(reqs))
		}
	}

	// The next process: the source that read robots.txt goes last now.
	site.ResetLog()
	next := NewHosts()
	slices.Reverse(srcs)
	checkOK("second crawl", crawlAll(t, cfg, srcs, mem, next))
	for _, h := range hosts {
		if reqs := robotsRequests(site, h); len(reqs) != 1 || reqs[0].IfNoneMatch == "" || reqs[0].Status != http.StatusNotModified {
			t.Errorf("second crawl: %s/robots.txt requests:%s\nwant one, conditional, answered 304", h, brief(reqs))
		}
	}
	// The 304 kept the rules: www.un.org disallows /admin/, webtv /user/.
	for origin, path := range map[string]string{"https://www.un.org": "/admin/x", "https://webtv.un.org": "/user/login"} {
		e := next.robotsEntry(origin)
		if e.data == nil || e.data.TestAgent(path, "ospofeed") || !e.data.TestAgent("/", "ospofeed") {
			t.Errorf("second crawl: rules of %s after a 304 allow %s or disallow /; want robots.txt's", origin, path)
		}
	}

	// serve: the same Hosts crawls again the same day, then a day later.
	site.ResetLog()
	checkOK("same day", crawlAll(t, cfg, srcs, mem, next))
	for _, h := range hosts {
		if reqs := robotsRequests(site, h); len(reqs) != 0 {
			t.Errorf("a later crawl of the same process: %d requests for %s/robots.txt; want 0", len(reqs), h)
		}
	}
	next.now = func() time.Time { return time.Now().Add(robotsMaxAge + time.Hour) }
	checkOK("next day", crawlAll(t, cfg, srcs, mem, next))
	for _, h := range hosts {
		if reqs := robotsRequests(site, h); len(reqs) != 1 || reqs[0].IfNoneMatch == "" || reqs[0].Status != http.StatusNotModified {
			t.Errorf("25 h later: %s/robots.txt requests:%s\nwant one, conditional, answered 304", h, brief(reqs))
		}
	}
}

// TestHostsRobotsRetryAfter: a 503 with Retry-After: 120 on robots.txt
// keeps the whole process off the host: no other source asks it anything,
// and every source on it fails with the reason.
func TestHostsRobotsRetryAfter(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	site.Fail(fixture.HostUN, "/robots.txt", http.StatusServiceUnavailable, "120")
	cfg := testConfig(site) // max_backoff 5 s: too short to wait 120 s
	hosts := NewHosts()
	start := time.Now()
	for _, res := range crawlAll(t, cfg, unSources(), newSourceMemory(), hosts) {
		if res.Err == nil || !strings.Contains(res.Err.Error(), "503") || !strings.Contains(res.Err.Error(), "Retry-After: 120") {
			t.Errorf("Run(%s).Err = %v; want the robots.txt 503 with its Retry-After", res.Source, res.Err)
		}
	}
	if reqs := requests(site, fixture.HostUN, ""); len(reqs) != 1 || reqs[0].Path != "/robots.txt" {
		t.Errorf("www.un.org got %d requests:%s\nwant only the one robots.txt", len(reqs), brief(reqs))
	}
	if until := hosts.pausedUntil(fixture.HostUN); until.Before(start.Add(119 * time.Second)) {
		t.Errorf("www.un.org paused until %v; want 120 s after the 503", until)
	}
}

// TestHostsPageRetryAfter: a page answering 503 with Retry-After: 120
// pauses its host for every source of the process; one that would have to
// wait longer than max_backoff fails fast, without a request.
func TestHostsPageRetryAfter(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	site.Fail(fixture.HostWebTV, "/en/asset/k1w/k1w3gq7z2p", http.StatusServiceUnavailable, "120")
	cfg := testConfig(site)
	cfg.Crawl.ParallelPerHost = 1 // nothing in flight beside the 503
	hosts := NewHosts()
	mem := newSourceMemory()
	first := crawlAll(t, cfg, []ospofeed.Source{eventSource("ospos-good-2023", event2023)}, mem, hosts)
	if first[0].Err == nil {
		t.Fatalf("Run(ospos-good-2023).Err = nil; want its one recording's 503")
	}
	site.ResetLog()
	for _, res := range crawlAll(t, cfg, unSources()[1:], mem, hosts) {
		if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, ErrHostPaused.Error()) }) {
			t.Errorf("Run(%s) warnings = %q; want the recordings skipped because webtv.un.org is paused", res.Source, res.Warnings)
		}
	}
	if reqs := requests(site, fixture.HostWebTV, ""); len(reqs) != 0 {
		t.Errorf("webtv.un.org got %d requests within its Retry-After:%s\nwant 0", len(reqs), brief(reqs))
	}
	if n := len(requests(site, fixture.HostUN, "")); n != 3 {
		t.Errorf("www.un.org got %d requests; want 3 (its event pages: the pause is webtv.un.org's)", n)
	}
}

// TestHostsSharedLimits: two sources crawling at the same time over one
// Hosts keep, together, the spacing (250 ms between request starts,
// robots.txt included) and the in-flight limit of each host. It runs alone:
// it measures time.
func TestHostsSharedLimits(t *testing.T) {
	crawlBoth := func(t *testing.T, site *fixture.Site, cfg *config.Config) {
		t.Helper()
		hosts := NewHosts()
		var wg sync.WaitGroup
		for _, src := range []ospofeed.Source{eventSource("ospos-good-2024", event2024), eventSource("open-source-week-2026", event2026)} {
			wg.Go(func() {
				if res := Run(context.Background(), cfg, src, newMemory(), Options{Version: "test", Hosts: hosts}); res.Err != nil {
					t.Errorf("Run(%s).Err = %v; want nil", src.ID, res.Err)
				}
			})
		}
		wg.Wait()
	}
	t.Run("spacing", func(t *testing.T) {
		site := newSite(t)
		cfg := testConfig(site)
		cfg.Crawl.DelayPerHost = 250 * time.Millisecond
		crawlBoth(t, site, cfg)
		for _, h := range []string{fixture.HostUN, fixture.HostWebTV, fixture.HostKaltura} {
			var starts []time.Time
			for _, r := range requests(site, h, "") {
				starts = append(starts, r.Time)
			}
			if len(starts) < 3 {
				t.Fatalf("%s got %d requests; want both sources' (at least 3)", h, len(starts))
			}
			// The fixture sees a start a little after the limiter lets it
			// go: allow a few milliseconds of jitter.
			if gap := minGap(starts); gap < 240*time.Millisecond {
				t.Errorf("%s: smallest gap between request starts = %v; want >= 250ms (delay_per_host)", h, gap)
			}
		}
	})
	t.Run("in flight", func(t *testing.T) {
		site := newSite(t)
		site.SetLatency(fixture.HostWebTV, 150*time.Millisecond)
		cfg := testConfig(site)
		cfg.Crawl.DelayPerHost = 0
		crawlBoth(t, site, cfg)
		reqs := requests(site, fixture.HostWebTV, "")
		if got := maxOverlap(reqs); got != cfg.Crawl.ParallelPerHost {
			t.Errorf("webtv.un.org: at most %d requests in flight at once; want %d (parallel_per_host)", got, cfg.Crawl.ParallelPerHost)
		}
	})
}

// maxOverlap is the most requests being served at one moment.
func maxOverlap(reqs []fixture.Request) int {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, r := range reqs {
		edges = append(edges, edge{r.Time, 1}, edge{r.End, -1})
	}
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].at.Equal(edges[j].at) {
			return edges[i].delta < edges[j].delta // an end before a start at the same instant
		}
		return edges[i].at.Before(edges[j].at)
	})
	n, most := 0, 0
	for _, e := range edges {
		n += e.delta
		most = max(most, n)
	}
	return most
}

// TestHostsPauseWait: a pause shorter than max_backoff is waited out, by
// a request of any fetcher; a longer one fails at once with ErrHostPaused.
func TestHostsPauseWait(t *testing.T) {
	t.Parallel()
	h := NewHosts()
	pol := hostPolicy{parallel: 2, maxWait: time.Second}
	h.pause("h", time.Now().Add(200*time.Millisecond), "test")
	start := time.Now()
	release, err := h.acquire(context.Background(), "h", pol)
	if err != nil {
		t.Fatalf("acquire during a 200ms pause = %v; want it waited out", err)
	}
	release()
	if waited := time.Since(start); waited < 190*time.Millisecond {
		t.Errorf("acquire returned after %v; want >= 200ms", waited)
	}
	h.pause("h", time.Now().Add(time.Minute), "/x answered HTTP 503 with Retry-After: 60")
	start = time.Now()
	_, err = h.acquire(context.Background(), "h", pol)
	if !errors.Is(err, ErrHostPaused) || !strings.Contains(err.Error(), "Retry-After: 60") {
		t.Errorf("acquire during a 1 min pause = %v; want %v with the reason", err, ErrHostPaused)
	}
	if waited := time.Since(start); waited > 50*time.Millisecond {
		t.Errorf("acquire failed after %v; want at once", waited)
	}
}

// TestRobotsLines: what a source remembers of a robots.txt parses to the
// same rules as the file.
func TestRobotsLines(t *testing.T) {
	t.Parallel()
	body := "\ufeff# comment\r\nUser-agent: ospofeed # us\r\n\r\nDisallow: /private/\r\nCrawl-delay: 2\r\n\r\nUser-agent: *\nDisallow: /\n"
	got := robotsLines([]byte(body))
	want := []string{"User-agent: ospofeed", "Disallow: /private/", "Crawl-delay: 2", "User-agent: *", "Disallow: /"}
	if !slices.Equal(got, want) {
		t.Errorf("robotsLines(%q) = %q; want %q", body, got, want)
	}
}
