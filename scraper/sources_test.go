package scraper

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/config"
)

// TestRunDefaultSources crawls every feed, directory and declarative source
// of the embedded default configuration over the fixture, twice: the first
// crawl finds what the fixture holds, the second is answered 304 and gives
// the same observations again.
func TestRunDefaultSources(t *testing.T) {
	t.Parallel()
	cfg, err := config.LoadDefault(Kinds())
	if err != nil {
		t.Fatalf("config.LoadDefault: %v", err)
	}
	want := map[string]int{ // source id -> items
		"code-gouv-fr-atom": 10,
		"code-gouv-fr-json": 10,
		"code-gouv-fr-blog": 11, // one post more than the feeds
		"ospo-directory":    9,
		"osor":              7, // News and Event only
		"bluehats-peertube": 5,
	}
	seen := map[string]bool{}
	for _, src := range cfg.Sources {
		if src.Kind != "feed" && src.Kind != "html" && src.Kind != "ospo-directory" {
			continue
		}
		seen[src.ID] = true
		n, ok := want[src.ID]
		if !ok {
			t.Errorf("default source %s (%s) has no expectation here: add one", src.ID, src.Kind)
			continue
		}
		t.Run(src.ID, func(t *testing.T) {
			t.Parallel()
			site := newSite(t)
			c := *cfg // the defaults as they are, dialling the fixture
			c.Crawl.ConnectTo = site.ConnectTo()
			mem := newMemory()
			res := Run(context.Background(), &c, src, mem, Options{Version: "test"})
			if res.Err != nil {
				t.Fatalf("Run(%s).Err = %v; want nil", src.ID, res.Err)
			}
			if len(res.Warnings) > 0 {
				t.Errorf("Run(%s) warnings = %q; want none", src.ID, res.Warnings)
			}
			if got := res.Found(); got != n || len(res.Items) != n {
				t.Errorf("Run(%s) found %d items (%d observations); want %d", src.ID, got, len(res.Items), n)
			}
			for _, it := range res.Items {
				checkItem(t, "Run("+src.ID+")", it)
			}
			pages := contentPages(res.Pages)
			if res.Fetched != 1 || res.NotModified != 0 || len(pages) != 1 || pages[0].URL != src.URL || len(pages[0].Items) != n {
				t.Errorf("Run(%s): Fetched, NotModified, Pages = %d, %d, %+v; want 1, 0, the source URL with its %d items", src.ID, res.Fetched, res.NotModified, pages, n)
			}
			if st, why := ospofeed.Evaluate(res, res.Expect, 0); st != ospofeed.StatusOK {
				t.Errorf("Evaluate(Run(%s)) = %s (%s); want ok", src.ID, st, why)
			}

			mem.learn(res)
			site.ResetLog()
			res2 := Run(context.Background(), &c, src, mem, Options{Version: "test"})
			if res2.Err != nil || res2.Fetched != 0 || res2.NotModified != 1 {
				t.Fatalf("second Run(%s): Err, Fetched, NotModified = %v, %d, %d; want nil, 0, 1", src.ID, res2.Err, res2.Fetched, res2.NotModified)
			}
			for _, r := range requests(site, hostOf(src.URL), "") {
				if r.Path != "/robots.txt" && r.IfNoneMatch == "" {
					t.Errorf("second Run(%s): %s%s without If-None-Match", src.ID, r.Host, r.Path)
				}
			}
			if !reflect.DeepEqual(mem.seen(res2), res.Items) {
				t.Errorf("second Run(%s) items differ from the first's:\n%+v\nwant\n%+v", src.ID, mem.seen(res2), res.Items)
			}
			if pages2 := contentPages(res2.Pages); len(pages2) != 1 || !slices.Equal(pages2[0].Items, pages[0].Items) || pages2[0].ETag != pages[0].ETag {
				t.Errorf("second Run(%s) pages = %+v; want %+v", src.ID, pages2, pages)
			}
			if st, why := ospofeed.Evaluate(res2, res2.Expect, res.Found()); st != ospofeed.StatusOK {
				t.Errorf("Evaluate(second Run(%s)) = %s (%s); want ok", src.ID, st, why)
			}
		})
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("source %s is not in the default configuration", id)
		}
	}
}
