package web

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/search"
)

// indexSearcher is a real search index with the site's description.
type indexSearcher struct {
	*search.Index
	info Info
}

func (s indexSearcher) Info() Info { return s.info }

func testSearcher(t *testing.T) Searcher {
	t.Helper()
	x, err := search.Open(filepath.Join(t.TempDir(), "search"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	ev := ospofeed.Item{ID: "https://www.un.org/techenvoy/content/ospos-good-2024", Kind: ospofeed.KindEvent, Title: "OSPOs for Good 2024",
		Start: time.Date(2024, 7, 9, 0, 0, 0, 0, time.UTC), AllDay: true}
	items := []ospofeed.Item{ev,
		{ID: "https://webtv.un.org/en/asset/k1q/k1qmxhno3c", Kind: ospofeed.KindRecording, Title: "(Day 2, Part 1) OSPOs for Good 2024 - Building <OSPO> Capacity",
			Date: time.Date(2024, 7, 10, 12, 0, 0, 0, time.UTC), Events: []string{ev.ID}, Languages: []string{"English"},
			Summary: `Workshop: a playbook for a government OSPO & "friends".`},
		{ID: "https://code.gouv.fr/fr/blog/x/", URL: "https://code.gouv.fr/fr/blog/x/", Kind: ospofeed.KindArticle, Title: "Un playbook <b>libre</b>",
			Date: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)},
	}
	for i := range 30 {
		items = append(items, ospofeed.Item{ID: fmt.Sprintf("https://example.org/news/%d", i), URL: fmt.Sprintf("https://example.org/news/%d", i),
			Kind: ospofeed.KindArticle, Title: fmt.Sprintf("Open source news %d", i), Date: time.Date(2023, 1, 1+i, 0, 0, 0, 0, time.UTC)})
	}
	if err := x.Index(items, func(id string) (ospofeed.Item, bool) { return ev, id == ev.ID }); err != nil {
		t.Fatal(err)
	}
	if err := x.SetState("test"); err != nil {
		t.Fatal(err)
	}
	return indexSearcher{x, Info{Title: "ospofeed test", BaseURL: "https://feeds.example.org", Version: "test"}}
}

func searchGet(t *testing.T, srv string, params url.Values, hdr ...string) (*http.Response, string) {
	t.Helper()
	resp, b := do(t, "GET", srv+"/search?"+params.Encode(), hdr...)
	return resp, string(b)
}

func TestSearchPage(t *testing.T) {
	srv := testServer(t, Deps{Search: testSearcher(t)})

	resp, body := searchGet(t, srv.URL, url.Values{"q": {"playbook"}})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != htmlType || resp.Header.Get("X-Robots-Tag") != "noindex" || resp.Header.Get("ETag") == "" {
		t.Fatalf("GET /search?q=playbook = %d %v", resp.StatusCode, resp.Header)
	}
	for _, want := range []string{
		`<title>Search: “playbook”</title>`,
		`<a href="https://feeds.example.org/recordings/k1qmxhno3c/">(Day 2, Part 1) OSPOs for Good 2024 - Building &lt;OSPO&gt; Capacity</a> <span class="badge">Recording</span>`,
		`<a href="https://code.gouv.fr/fr/blog/x/">Un playbook &lt;b&gt;libre&lt;/b&gt;</a> <span class="badge">News</span>`,
		`<mark>playbook</mark> for a government OSPO &amp; &#34;friends&#34;`,
		`<span class="events">OSPOs for Good 2024</span>`,
		`Results 1–2 of 2`,
		// Facet links keep the query and narrow it.
		`<a href="https://feeds.example.org/search?kind=recording&amp;q=playbook">Recording</a> (1)`,
		`<a href="https://feeds.example.org/search?q=playbook&amp;year=2025">2025</a> (1)`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s\n%s", want, body)
		}
	}

	// A filter: kept by the form, removable.
	_, body = searchGet(t, srv.URL, url.Values{"q": {"playbook"}, "kind": {"recording"}})
	for _, want := range []string{`<input type="hidden" name="kind" value="recording">`, `Results 1–1 of 1`,
		`Kind: <strong>Recording</strong> (<a href="https://feeds.example.org/search?q=playbook">remove</a>)`} {
		if !strings.Contains(body, want) {
			t.Errorf("filtered page lacks %s", want)
		}
	}

	// No query: everything, newest first, 20 a page.
	_, body = searchGet(t, srv.URL, nil)
	if !strings.Contains(body, "Results 1–20 of 33") || !strings.Contains(body, `<a href="https://feeds.example.org/search?page=2" rel="next">Next</a>`) {
		t.Errorf("page 1 of everything:\n%s", body)
	}
	_, body = searchGet(t, srv.URL, url.Values{"page": {"2"}})
	if !strings.Contains(body, "Results 21–33 of 33") || !strings.Contains(body, `rel="prev"`) || strings.Contains(body, `rel="next"`) {
		t.Errorf("page 2 of everything:\n%s", body)
	}
	_, body = searchGet(t, srv.URL, url.Values{"page": {"9"}})
	if !strings.Contains(body, `<a href="https://feeds.example.org/search">see the first page</a>`) {
		t.Errorf("page 9 of 2:\n%s", body)
	}

	// What a visitor types is text.
	_, body = searchGet(t, srv.URL, url.Values{"q": {`"><script>alert(1)</script>`}, "event": {`<img src=x onerror=alert(1)>`}})
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
		t.Errorf("hostile query reflected as markup:\n%s", body)
	}
	for _, bad := range []string{"0", "-1", "x", "1e3"} {
		if resp, _ := searchGet(t, srv.URL, url.Values{"page": {bad}}); resp.StatusCode != 400 {
			t.Errorf("page=%s: %d; want 400", bad, resp.StatusCode)
		}
	}
	if resp, _ := searchGet(t, srv.URL, url.Values{"q": {strings.Repeat("ospo ", 10000)}}); resp.StatusCode != 200 {
		t.Errorf("a 50 kB query: %d", resp.StatusCode)
	}

	// Validators, gzip and HEAD, as every page.
	resp, _ = searchGet(t, srv.URL, url.Values{"q": {"playbook"}})
	if r, _ := searchGet(t, srv.URL, url.Values{"q": {"playbook"}}, "If-None-Match", resp.Header.Get("ETag")); r.StatusCode != 304 {
		t.Errorf("If-None-Match: %d; want 304", r.StatusCode)
	}
	if r, _ := searchGet(t, srv.URL, url.Values{"q": {"playbook"}}, "Accept-Encoding", "gzip"); r.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("no gzip")
	}
	if r, b := do(t, "HEAD", srv.URL+"/search?q=playbook"); r.StatusCode != 200 || len(b) != 0 {
		t.Errorf("HEAD: %d, %d bytes", r.StatusCode, len(b))
	}
	if r, _ := do(t, "POST", srv.URL+"/search?q=playbook"); r.StatusCode == 200 {
		t.Errorf("POST: 200")
	}
}

func TestSearchPageWithoutASearcher(t *testing.T) {
	srv := testServer(t, Deps{})
	if r, _ := do(t, "GET", srv.URL+"/search?q=x"); r.StatusCode != 404 {
		t.Errorf("/search without a Searcher: %d; want 404", r.StatusCode)
	}
}
