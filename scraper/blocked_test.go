package scraper

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/temoto/robotstxt"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/config"
	"github.com/ospofeed/ospofeed/internal/fixture"
)

// youTubeSource is the UN's YouTube channel as a feed source: the source
// the default configuration no longer ships, because YouTube's robots.txt
// closes its feeds.
func youTubeSource() ospofeed.Source {
	return ospofeed.Source{ID: "un-youtube", Kind: "feed", ItemKind: ospofeed.KindRecording, Name: "UN on YouTube",
		URL: youTubeFeed, Keywords: []string{"OSPO", "open source", "open-source"}}
}

// checkBlocked checks that res is a blocked crawl of youTubeSource.
func checkBlocked(t *testing.T, run string, res ospofeed.CrawlResult) {
	t.Helper()
	b, ok := errors.AsType[*ospofeed.BlockedError](res.Err)
	if !ok {
		t.Fatalf("%s: Run.Err = %v; want a BlockedError", run, res.Err)
	}
	want := ospofeed.BlockedError{URL: youTubeFeed, RobotsURL: "https://www.youtube.com/robots.txt", Agent: "ospofeed",
		Group: "User-agent: *", Rule: "Disallow: /feeds/videos.xml"}
	if *b != want {
		t.Errorf("%s: BlockedError = %+v; want %+v", run, *b, want)
	}
	st, why := ospofeed.Evaluate(res, res.Expect, 3)
	if st != ospofeed.StatusBlocked || !strings.Contains(why, "https://www.youtube.com/robots.txt") ||
		!strings.Contains(why, `"Disallow: /feeds/videos.xml"`) || !strings.Contains(why, youTubeFeed) {
		t.Errorf("%s: Evaluate = %s, %q; want blocked, naming robots.txt, the rule and the URL", run, st, why)
	}
	if len(res.Items) != 0 || res.Fetched != 0 || res.NotModified != 0 || len(contentPages(res.Pages)) != 0 {
		t.Errorf("%s: items, fetched, not modified, pages = %d, %d, %d, %+v; want nothing", run,
			len(res.Items), res.Fetched, res.NotModified, contentPages(res.Pages))
	}
}

// TestRunBlockedByRobots: a source whose URL its site's robots.txt
// disallows ends blocked, naming robots.txt and the rule, without its URL
// ever being requested. It is not crawled again while robots.txt says so:
// the same process (serve) asks nothing at all until its copy of
// robots.txt is a day old, a new process (the next crawl) asks robots.txt
// only, conditionally. When robots.txt allows the feed again, the source
// is crawled as any other.
func TestRunBlockedByRobots(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	cfg := testConfig(site)
	src := youTubeSource()
	mem := newMemory()
	feedRequests := func() []fixture.Request { return requests(site, fixture.HostYouTube, "/feeds/videos.xml") }

	serve := NewHosts()
	res := Run(context.Background(), cfg, src, mem, Options{Version: "test", Hosts: serve})
	checkBlocked(t, "first crawl", res)
	if reqs := robotsRequests(site, fixture.HostYouTube); len(reqs) != 1 || reqs[0].Status != http.StatusOK {
		t.Errorf("first crawl: robots.txt requests:%s\nwant one, answered 200", brief(reqs))
	}
	if reqs := feedRequests(); len(reqs) != 0 {
		t.Fatalf("first crawl requested the feed robots.txt disallows:%s", brief(reqs))
	}
	mem.learn(res) // the store keeps the robots.txt page the crawl remembered

	// serve: the next scheduled crawl asks nothing.
	site.ResetLog()
	checkBlocked(t, "same process", Run(context.Background(), cfg, src, mem, Options{Version: "test", Hosts: serve}))
	if reqs := requests(site, fixture.HostYouTube, ""); len(reqs) != 0 {
		t.Errorf("same process: requests:%s\nwant none", brief(reqs))
	}

	// crawl: a new process asks robots.txt only, conditionally.
	site.ResetLog()
	checkBlocked(t, "next process", Run(context.Background(), cfg, src, mem, Options{Version: "test", Hosts: NewHosts()}))
	if reqs := requests(site, fixture.HostYouTube, ""); len(reqs) != 1 || reqs[0].Path != "/robots.txt" ||
		reqs[0].IfNoneMatch == "" || reqs[0].Status != http.StatusNotModified {
		t.Errorf("next process: requests:%s\nwant robots.txt only, conditional, answered 304", brief(reqs))
	}

	// YouTube opens its feeds again. serve sees it when its copy of
	// robots.txt is a day old; the next crawl at once.
	site.SetRobots(fixture.HostYouTube, fixture.YouTubeRobotsBefore2025)
	site.ResetLog()
	checkBlocked(t, "same process, same day", Run(context.Background(), cfg, src, mem, Options{Version: "test", Hosts: serve}))
	if reqs := requests(site, fixture.HostYouTube, ""); len(reqs) != 0 {
		t.Errorf("same process, same day: requests:%s\nwant none", brief(reqs))
	}
	serve.now = func() time.Time { return time.Now().Add(robotsMaxAge + time.Hour) }
	for _, tc := range []struct {
		name  string
		hosts *Hosts
	}{{"same process, a day later", serve}, {"next process", NewHosts()}} {
		site.ResetLog()
		res := Run(context.Background(), cfg, src, newMemoryFrom(mem), Options{Version: "test", Hosts: tc.hosts})
		if res.Err != nil {
			t.Fatalf("%s: Run.Err = %v; want nil", tc.name, res.Err)
		}
		if st, why := ospofeed.Evaluate(res, res.Expect, 0); st != ospofeed.StatusOK || res.Found() != 3 {
			t.Errorf("%s: Evaluate = %s (%s), %d items; want ok, 3", tc.name, st, why, res.Found())
		}
		if reqs := robotsRequests(site, fixture.HostYouTube); len(reqs) != 1 || reqs[0].IfNoneMatch == "" || reqs[0].Status != http.StatusOK {
			t.Errorf("%s: robots.txt requests:%s\nwant one, conditional, answered 200 (changed)", tc.name, brief(reqs))
		}
		if reqs := feedRequests(); len(reqs) != 1 || reqs[0].Status != http.StatusOK {
			t.Errorf("%s: feed requests:%s\nwant one, answered 200", tc.name, brief(reqs))
		}
	}
}

// newMemoryFrom copies what m remembers, so that two runs start alike.
func newMemoryFrom(m *memory) *memory {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := newMemory(m.events...)
	for k, v := range m.pages {
		c.pages[k] = v
	}
	for k, v := range m.obs {
		c.obs[k] = v
	}
	return c
}

// TestRunBlockedOnPositiveEvidenceOnly: only a robots.txt that was read
// and disallows the source's URL makes it blocked. One that cannot be read
// fails the crawl (RFC 9309: the host is not crawled), one that is missing
// allows everything, and pages other than the source's URL that robots.txt
// disallows are warnings of a crawl that is not blocked.
func TestRunBlockedOnPositiveEvidenceOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		src   ospofeed.Source
		setup func(*fixture.Site)
		want  ospofeed.Status
		warn  string // in a warning, when not ""
	}{
		{"robots.txt answers 503", youTubeSource(), func(s *fixture.Site) {
			s.Fail(fixture.HostYouTube, "/robots.txt", http.StatusServiceUnavailable, "")
		}, ospofeed.StatusFailed, ""},
		{"robots.txt answers 404", youTubeSource(), func(s *fixture.Site) {
			s.SetRobots(fixture.HostYouTube, "")
		}, ospofeed.StatusOK, ""},
		{"robots.txt names another crawler", youTubeSource(), func(s *fixture.Site) {
			s.SetRobots(fixture.HostYouTube, "User-agent: otherbot\nDisallow: /\n")
		}, ospofeed.StatusOK, ""},
		{"robots.txt closes one recording of an event page", eventSource("ospos-good-2024", event2024), func(s *fixture.Site) {
			s.SetRobots(fixture.HostWebTV, "User-agent: *\nDisallow: /en/asset/k1m/\n")
		}, ospofeed.StatusOK, "disallowed by robots.txt"},
		{"robots.txt closes the event page", eventSource("ospos-good-2024", event2024), func(s *fixture.Site) {
			s.SetRobots(fixture.HostUN, "User-agent: *\nDisallow: /techenvoy/\n")
		}, ospofeed.StatusBlocked, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			site := newSite(t)
			tt.setup(site)
			res := run(t, site, func(c *config.Config) { c.Crawl.MaxRetries = 0 }, tt.src, newMemory())
			if st, why := ospofeed.Evaluate(res, res.Expect, 0); st != tt.want {
				t.Errorf("Evaluate(Run) = %s (%s); want %s", st, why, tt.want)
			}
			if tt.warn != "" && !strings.Contains(strings.Join(res.Warnings, "\n"), tt.warn) {
				t.Errorf("Run warnings = %q; want one saying %q", res.Warnings, tt.warn)
			}
			if tt.want == ospofeed.StatusBlocked {
				if reqs := requests(site, fixture.HostUN, ""); len(reqs) != 1 || reqs[0].Path != "/robots.txt" {
					t.Errorf("a blocked event source made requests:%s\nwant robots.txt only", brief(reqs))
				}
			}
		})
	}
}

// TestDefaultSourcesNotBlocked: no source of the embedded default
// configuration is one robots.txt forbids, on the fixture whose robots.txt
// files follow the real sites'.
func TestDefaultSourcesNotBlocked(t *testing.T) {
	t.Parallel()
	cfg, err := config.LoadDefault(Kinds())
	if err != nil {
		t.Fatal(err)
	}
	site := newSite(t)
	c := *cfg
	c.Crawl.ConnectTo = site.ConnectTo()
	hosts := NewHosts()
	for _, src := range cfg.Sources {
		f := hosts.NewFetcher(context.Background(), c.Crawl, c.UserAgent("test"), nil)
		env := &Env{Source: src, Config: &c, Fetcher: f, Memory: newMemory()}
		kind := kinds()[src.Kind]
		kind.urlIsBase = false // the schedule's base too: its pages are under it
		if err := robotsFirst(context.Background(), env, kind); err != nil {
			t.Errorf("default source %s (%s): %v", src.ID, src.URL, err)
		}
	}
	// The YouTube source the default keeps only as a comment would be.
	f := hosts.NewFetcher(context.Background(), c.Crawl, c.UserAgent("test"), nil)
	env := &Env{Source: youTubeSource(), Config: &c, Fetcher: f, Memory: newMemory()}
	if err := robotsFirst(context.Background(), env, kinds()["feed"]); !errors.As(err, new(*ospofeed.BlockedError)) {
		t.Errorf("the YouTube channel feed: robotsFirst = %v; want a BlockedError", err)
	}
}

// TestDecidingRule: the rule a BlockedError names is the one the parser
// applied: in the group for ospofeed (its own before "*"), the longest
// Disallow that matches.
func TestDecidingRule(t *testing.T) {
	tests := []struct {
		name, robots, path string
		group, rule        string
	}{
		{"YouTube", "User-agent: Mediapartners-Google*\nDisallow:\n\nUser-agent: *\nDisallow: /api/\nDisallow: /feeds/videos.xml\n",
			"/feeds/videos.xml?channel_id=UC1", "User-agent: *", "Disallow: /feeds/videos.xml"},
		{"own group first", "User-agent: *\nDisallow: /a/\n\nUser-agent: OSPOfeed\nDisallow: /b/\n",
			"/b/x", "User-agent: OSPOfeed", "Disallow: /b/"},
		{"longest match", "User-agent: *\nDisallow: /\nDisallow: /feeds/\nDisallow: /feeds/v\n",
			"/feeds/videos.xml", "User-agent: *", "Disallow: /feeds/v"},
		{"shared group", "User-agent: googlebot\nUser-agent: ospofeed\nCrawl-delay: 2\nDisallow: /private\n",
			"/private/x", "User-agent: ospofeed", "Disallow: /private"},
		{"next group after rules", "User-agent: ospofeed\nDisallow: /x\nUser-agent: other\nDisallow: /y\n",
			"/x/1", "User-agent: ospofeed", "Disallow: /x"},
		{"wildcard", "User-agent: *\nDisallow: /*.xml$\n", "/feed.xml", "User-agent: *", "Disallow: /*.xml$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := robotsLines([]byte(tt.robots))
			data, err := robotstxt.FromString(strings.Join(lines, "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if data.TestAgent(tt.path, "ospofeed") {
				t.Fatalf("robots.txt allows %s; the case is wrong", tt.path)
			}
			if g, r := decidingRule(data, lines, "ospofeed", tt.path); g != tt.group || r != tt.rule {
				t.Errorf("decidingRule(%s) = %q, %q; want %q, %q", tt.path, g, r, tt.group, tt.rule)
			}
		})
	}
}
