package scraper

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/internal/fixture"
)

func TestRobotsDisallow(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	f := newFetcher(t, testCrawl(site.ConnectTo()))
	ctx := context.Background()

	_, err := f.Get(ctx, "https://scenarios.test/private/page", ospofeed.Page{})
	if !errors.Is(err, ErrRobotsDisallowed) {
		t.Fatalf("Get(/private/page) error = %v; want %v", err, ErrRobotsDisallowed)
	}
	if n := site.Count(fixture.HostScenarios, "/private/page"); n != 0 {
		t.Errorf("fixture got %d requests for /private/page; want 0", n)
	}
	for _, p := range []string{"/ok", "/etag", "/ok"} {
		if _, err := f.Get(ctx, "https://scenarios.test"+p, ospofeed.Page{}); err != nil {
			t.Fatalf("Get(%s) = %v; want no error", p, err)
		}
	}
	if n := site.Count(fixture.HostScenarios, "/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times by one fetcher; want 1", n)
	}
	// A new fetcher (a new run) reads robots.txt again.
	f2 := newFetcher(t, testCrawl(site.ConnectTo()))
	if _, err := f2.Get(ctx, "https://scenarios.test/ok", ospofeed.Page{}); err != nil {
		t.Fatal(err)
	}
	if n := site.Count(fixture.HostScenarios, "/robots.txt"); n != 2 {
		t.Errorf("robots.txt fetched %d times by two fetchers; want 2", n)
	}
}

func TestCrawlDelay(t *testing.T) {
	t.Parallel()
	for _, origin := range []string{"https://slow.test", "https://slow.test:443"} {
		t.Run(origin, func(t *testing.T) {
			t.Parallel()
			site := newSite(t)
			f := newFetcher(t, testCrawl(site.ConnectTo()))
			for _, p := range []string{"/a", "/b", "/c"} {
				if _, err := f.Get(context.Background(), origin+p, ospofeed.Page{}); err != nil {
					t.Fatalf("Get(%s) = %v; want no error", p, err)
				}
			}
			// robots.txt is a request too: Crawl-delay spaces it from the next one.
			reqs := requests(site, fixture.HostSlow, "")
			var got []string
			for _, r := range reqs {
				got = append(got, r.Path)
			}
			if want := "/robots.txt /a /b /c"; strings.Join(got, " ") != want {
				t.Fatalf("slow.test requests = %v; want %s", got, want)
			}
			for i := 1; i < len(reqs); i++ {
				if gap := reqs[i].Time.Sub(reqs[i-1].Time); gap < 900*time.Millisecond {
					t.Errorf("start of %s - start of %s = %v; want >= 1s (Crawl-delay: 1)", reqs[i].Path, reqs[i-1].Path, gap)
				}
			}
		})
	}
}

// TestCrawlDelaySerial checks that a host with a Crawl-delay gets one
// request at a time, as setDelay promises.
func TestCrawlDelaySerial(t *testing.T) {
	t.Parallel()
	ls := newLocalServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, "User-agent: *\nCrawl-delay: 0.1\n")
			return
		}
		time.Sleep(300 * time.Millisecond)
		fmt.Fprint(w, "<p>slow</p>")
	})
	f := newFetcher(t, testCrawl(map[string]string{"serial.test": ls.Addr()}))
	getConcurrently(t, f, "http://serial.test/p", 3)
	if got := ls.MaxInFlight(); got != 1 {
		t.Errorf("max requests in flight to a host with Crawl-delay = %d; want 1", got)
	}
}

// getConcurrently fires n Gets of base0..base(n-1) at once and fails the
// test on any error.
func getConcurrently(t *testing.T, f *Fetcher, base string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = f.Get(context.Background(), fmt.Sprintf("%s%d", base, i), ospofeed.Page{})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Get(%s%d) = %v; want no error", base, i, err)
		}
	}
}

// TestParallelPerHost runs alone: the spacing it measures on the server
// side would drift under the load of parallel tests.
func TestParallelPerHost(t *testing.T) {
	ls := newLocalServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		time.Sleep(200 * time.Millisecond)
		fmt.Fprint(w, "<p>ok</p>")
	})
	crawl := testCrawl(map[string]string{"par.test": ls.Addr()})
	crawl.DelayPerHost = 50 * time.Millisecond
	f := newFetcher(t, crawl)
	getConcurrently(t, f, "http://par.test/page", 6)

	if got := ls.MaxInFlight(); got != crawl.ParallelPerHost {
		t.Errorf("max requests in flight = %d; want %d (ParallelPerHost)", got, crawl.ParallelPerHost)
	}
	var starts []time.Time
	for _, h := range ls.Hits() {
		starts = append(starts, h.Start)
	}
	if len(starts) != 7 {
		t.Fatalf("server got %d requests; want 7 (robots.txt and 6 pages)", len(starts))
	}
	// The server sees a start a little after the limiter lets it go: allow
	// a few milliseconds of jitter.
	if gap := minGap(starts); gap < crawl.DelayPerHost-10*time.Millisecond {
		t.Errorf("smallest gap between request starts = %v; want >= %v (DelayPerHost)", gap, crawl.DelayPerHost)
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	t.Run("429 then 200", func(t *testing.T) {
		t.Parallel()
		site := newSite(t)
		f := newFetcher(t, testCrawl(site.ConnectTo()))
		resp, err := f.Get(context.Background(), "https://scenarios.test/429", ospofeed.Page{})
		if err != nil {
			t.Fatalf("Get(/429) = %v; want success on retry", err)
		}
		if resp.Status != http.StatusOK {
			t.Errorf("Get(/429).Status = %d; want 200", resp.Status)
		}
		reqs := requests(site, fixture.HostScenarios, "/429")
		if len(reqs) != 2 {
			t.Fatalf("fixture got %d requests for /429; want 2", len(reqs))
		}
		if reqs[0].Status != 429 || reqs[1].Status != 200 {
			t.Errorf("statuses = %d, %d; want 429, 200", reqs[0].Status, reqs[1].Status)
		}
		if gap := reqs[1].Time.Sub(reqs[0].Time); gap < 900*time.Millisecond {
			t.Errorf("retry came %v after the 429; want >= 1s (Retry-After: 1)", gap)
		}
	})
	t.Run("503 always", func(t *testing.T) {
		t.Parallel()
		site := newSite(t)
		crawl := testCrawl(site.ConnectTo())
		f := newFetcher(t, crawl)
		resp, err := f.Get(context.Background(), "https://scenarios.test/503", ospofeed.Page{})
		var se *StatusError
		if !errors.As(err, &se) || se.Status != http.StatusServiceUnavailable {
			t.Fatalf("Get(/503) error = %v; want a *StatusError with 503", err)
		}
		if resp == nil || resp.Status != http.StatusServiceUnavailable {
			t.Errorf("Get(/503) response = %+v; want the 503 response", resp)
		}
		if n := site.Count(fixture.HostScenarios, "/503"); n != crawl.MaxRetries+1 {
			t.Errorf("fixture got %d requests for /503; want %d (MaxRetries+1)", n, crawl.MaxRetries+1)
		}
		if fetched, nm := f.Stats(); fetched != 0 || nm != 0 {
			t.Errorf("Stats() = %d, %d; want 0, 0", fetched, nm)
		}
	})
	t.Run("Retry-After longer than MaxBackoff", func(t *testing.T) {
		t.Parallel()
		site := newSite(t)
		crawl := testCrawl(site.ConnectTo())
		crawl.MaxBackoff = 500 * time.Millisecond
		f := newFetcher(t, crawl)
		_, err := f.Get(context.Background(), "https://scenarios.test/503", ospofeed.Page{})
		var se *StatusError
		if !errors.As(err, &se) {
			t.Fatalf("Get(/503) error = %v; want a *StatusError", err)
		}
		if n := site.Count(fixture.HostScenarios, "/503"); n != 1 {
			t.Errorf("fixture got %d requests for /503; want 1 (a 1 s Retry-After passes MaxBackoff)", n)
		}
	})
}

func TestRetryBudget(t *testing.T) {
	t.Parallel()
	ls := newLocalServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "down", http.StatusServiceUnavailable) // no Retry-After: backoff
	})
	crawl := testCrawl(map[string]string{"down.test": ls.Addr()})
	crawl.MaxRetries, crawl.RetryBudget, crawl.MaxBackoff = 3, 4, 10*time.Millisecond
	f := newFetcher(t, crawl)
	// /x uses 3 retries, /y the last one, /z none.
	want := map[string]int{"/x": 4, "/y": 2, "/z": 1}
	for _, p := range []string{"/x", "/y", "/z"} {
		var se *StatusError
		if _, err := f.Get(context.Background(), "http://down.test"+p, ospofeed.Page{}); !errors.As(err, &se) || se.Status != 503 {
			t.Errorf("Get(%s) error = %v; want a 503 *StatusError", p, err)
		}
	}
	got := map[string]int{}
	for _, h := range ls.Hits() {
		got[h.URI]++
	}
	for p, n := range want {
		if got[p] != n {
			t.Errorf("requests for %s = %d; want %d (retry budget %d)", p, got[p], n, crawl.RetryBudget)
		}
	}
}

func TestConditionalGet(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	f := newFetcher(t, testCrawl(site.ConnectTo()))
	ctx := context.Background()
	const u = "https://scenarios.test/etag"

	first, err := f.Get(ctx, u, ospofeed.Page{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	v := first.Validators()
	if v.ETag == "" || v.LastModified == "" {
		t.Fatalf("Validators() = %+v; want an ETag and a Last-Modified", v)
	}
	if v.URL != u {
		t.Errorf("Validators().URL = %q; want %q", v.URL, u)
	}
	if first.NotModified || len(first.Body) == 0 {
		t.Errorf("first Get: NotModified = %v, %d bytes; want false and a body", first.NotModified, len(first.Body))
	}

	second, err := f.Get(ctx, u, v)
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || second.Status != http.StatusNotModified || len(second.Body) != 0 {
		t.Errorf("second Get: NotModified = %v, Status = %d, %d bytes; want true, 304, 0", second.NotModified, second.Status, len(second.Body))
	}
	reqs := requests(site, fixture.HostScenarios, "/etag")
	if len(reqs) != 2 {
		t.Fatalf("fixture got %d requests for /etag; want 2", len(reqs))
	}
	if reqs[0].IfNoneMatch != "" || reqs[1].IfNoneMatch != v.ETag {
		t.Errorf("If-None-Match sent = %q, %q; want \"\", %q", reqs[0].IfNoneMatch, reqs[1].IfNoneMatch, v.ETag)
	}
	if reqs[1].Status != http.StatusNotModified {
		t.Errorf("fixture answered %d to the conditional GET; want 304", reqs[1].Status)
	}
	if fetched, nm := f.Stats(); fetched != 1 || nm != 1 {
		t.Errorf("Stats() = %d, %d; want 1, 1", fetched, nm)
	}
}

// gzipOf compresses n zero bytes.
func gzipOf(n int) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(make([]byte, n))
	zw.Close()
	return buf.Bytes()
}

func TestBodyCap(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	// Bodies that inflate past the cap without saying so in
	// Content-Encoding: colly gunzips these itself.
	zipped := gzipOf(8 << 20)
	ls := newLocalServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/archive":
			w.Header().Set("Content-Type", "application/x-gzip")
			w.Write(zipped)
		case "/sitemap.xml.gz":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(zipped)
		case "/x-gzip":
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "x-gzip")
			w.Write(zipped)
		}
	})
	connect := site.ConnectTo()
	connect["zip.test"] = ls.Addr()
	crawl := testCrawl(connect)
	f := newFetcher(t, crawl)

	tests := []struct{ name, url string }{
		{"streamed without Content-Length", "https://scenarios.test/huge"},
		{"declared Content-Length", "https://scenarios.test/huge-declared"},
		{"gzip bomb", "https://scenarios.test/gzip-bomb"},
		{"gzip Content-Type", "http://zip.test/archive"},
		{"xml.gz path", "http://zip.test/sitemap.xml.gz"},
		{"x-gzip Content-Encoding", "http://zip.test/x-gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			resp, err := f.Get(context.Background(), tt.url, ospofeed.Page{})
			if !errors.Is(err, ErrBodyTooLarge) {
				n := -1
				if resp != nil {
					n = len(resp.Body)
				}
				t.Fatalf("Get(%s) = %d bytes, %v; want %v", tt.url, n, err, ErrBodyTooLarge)
			}
			if resp != nil {
				t.Errorf("Get(%s) response = %d bytes; want none", tt.url, len(resp.Body))
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Get(%s) took %v; want a quick refusal", tt.url, d)
			}
		})
	}
	t.Run("at the cap", func(t *testing.T) {
		body := strings.Repeat("x", int(crawl.MaxBodyBytes))
		site.Set(fixture.HostScenarios, "/exact", "text/plain", body)
		resp, err := f.Get(context.Background(), "https://scenarios.test/exact", ospofeed.Page{})
		if err != nil || len(resp.Body) != len(body) {
			t.Fatalf("Get(/exact) = %v; want all %d bytes", err, len(body))
		}
	})
}

// TestGzipBombMemory runs alone (not in parallel) so that the allocation
// count is its own.
func TestGzipBombMemory(t *testing.T) {
	site := newSite(t)
	f := newFetcher(t, testCrawl(site.ConnectTo()))
	if _, err := f.Get(context.Background(), "https://scenarios.test/ok", ospofeed.Page{}); err != nil {
		t.Fatal(err) // robots.txt and a connection, outside the measure
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := f.Get(context.Background(), "https://scenarios.test/gzip-bomb", ospofeed.Page{})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("Get(/gzip-bomb) error = %v; want %v", err, ErrBodyTooLarge)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
		t.Errorf("Get(/gzip-bomb) allocated %d MiB; want far less than the bomb's %d MiB", alloc>>20, fixture.GzipBombSize>>20)
	}
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	ls := newLocalServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
		case "/to-private":
			http.Redirect(w, r, "/private/secret", http.StatusFound)
		case "/to-ftp":
			http.Redirect(w, r, "ftp://redir.test/file", http.StatusFound)
		case "/to-other-private":
			http.Redirect(w, r, "http://redir2.test/private/secret", http.StatusFound)
		case "/to-other-ok":
			http.Redirect(w, r, "http://redir2.test/ok", http.StatusFound)
		default:
			fmt.Fprint(w, "<p>ok</p>")
		}
	})
	connect := site.ConnectTo()
	connect["redir.test"] = ls.Addr()
	connect["redir2.test"] = ls.Addr()
	crawl := testCrawl(connect)
	f := newFetcher(t, crawl, "scenarios.test", "redir.test", "redir2.test")

	tests := []struct {
		name, url string
		want      error
	}{
		{"to a host not allowed", "https://scenarios.test/redirect-offsite", ErrRedirectRefused},
		{"loop", "https://scenarios.test/redirect-loop", ErrRedirectRefused},
		{"to another scheme", "http://redir.test/to-ftp", ErrRedirectRefused},
		{"to a path robots.txt disallows", "http://redir.test/to-private", ErrRobotsDisallowed},
		{"to a path another host's robots.txt disallows", "http://redir.test/to-other-private", ErrRobotsDisallowed},
		{"to another allowed host", "http://redir.test/to-other-ok", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			resp, err := f.Get(ctx, tt.url, ospofeed.Page{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Get(%s) = %+v, %v; want error %v", tt.url, resp, err, tt.want)
			}
		})
	}
	var robots []string
	for _, h := range ls.Hits() {
		if h.URI == "/robots.txt" {
			robots = append(robots, h.Host)
		}
	}
	if want := "redir.test redir2.test"; strings.Join(robots, " ") != want {
		t.Errorf("robots.txt fetched for %v; want once for each of %s", robots, want)
	}
	if reqs := requests(site, fixture.HostEvil, ""); len(reqs) != 0 {
		t.Errorf("evil.test got %d requests; want 0", len(reqs))
	}
	if n := len(requests(site, fixture.HostScenarios, "/redirect-loop")); n != crawl.MaxRedirects+1 {
		t.Errorf("redirect loop: %d requests; want %d (the first and MaxRedirects redirects)", n, crawl.MaxRedirects+1)
	}
	for _, h := range ls.Hits() {
		if strings.HasPrefix(h.URI, "/private/") {
			t.Errorf("server got %s, which robots.txt disallows", h.URI)
		}
	}
}

func TestBlockedAddress(t *testing.T) {
	t.Parallel()
	ls := newLocalServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<p>private</p>") })
	_, port, _ := strings.Cut(ls.Addr(), ":")
	crawl := testCrawl(nil)
	crawl.AllowPrivate = false
	tests := []struct{ name, url string }{
		{"IPv4 loopback", "http://127.0.0.1:" + port + "/"},
		{"name resolving to loopback", "http://localhost:" + port + "/"},
		{"IPv6 loopback", "http://[::1]:" + port + "/"},
		{"unspecified", "http://0.0.0.0:" + port + "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFetcher(t, crawl)
			_, err := f.Get(context.Background(), tt.url, ospofeed.Page{})
			if !errors.Is(err, ErrBlockedAddress) {
				t.Errorf("Get(%s) error = %v; want %v", tt.url, err, ErrBlockedAddress)
			}
		})
	}
	if n := len(ls.Hits()); n != 0 {
		t.Errorf("private server got %d requests; want 0", n)
	}
	// The same server is reachable when private addresses are allowed: the
	// refusals above are the guard's, not a broken server.
	crawl.AllowPrivate = true
	if _, err := newFetcher(t, crawl).Get(context.Background(), "http://127.0.0.1:"+port+"/", ospofeed.Page{}); err != nil {
		t.Errorf("Get with AllowPrivate = %v; want no error", err)
	}
}

// setProxyEnv points the proxy variables at proxy, clearing NO_PROXY.
func setProxyEnv(t *testing.T, proxy string) {
	for _, k := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"} {
		t.Setenv(k, proxy)
	}
	for _, k := range []string{"NO_PROXY", "no_proxy", "REQUEST_METHOD"} {
		t.Setenv(k, "")
	}
}

// TestProxyTrusted: a proxy from the environment is the operator's, so it
// may sit on loopback even when private addresses are refused.
func TestProxyTrusted(t *testing.T) {
	proxy := newLocalServer(t, func(w http.ResponseWriter, r *http.Request) {
		if !r.URL.IsAbs() {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "<p>via proxy: %s</p>", r.URL)
	})
	setProxyEnv(t, proxy.URL)
	crawl := testCrawl(nil)
	crawl.AllowPrivate = false
	f := newFetcher(t, crawl)
	resp, err := f.Get(context.Background(), "http://public.example/page", ospofeed.Page{})
	if err != nil {
		t.Fatalf("Get through a loopback proxy = %v; want no error", err)
	}
	if want := "via proxy: http://public.example/page"; !strings.Contains(string(resp.Body), want) {
		t.Errorf("body = %q; want it to contain %q", resp.Body, want)
	}
	var uris []string
	for _, h := range proxy.Hits() {
		uris = append(uris, h.URI)
	}
	if want := "http://public.example/robots.txt http://public.example/page"; strings.Join(uris, " ") != want {
		t.Errorf("proxy got %v; want %s", uris, want)
	}
}

// TestConnectToBypassesProxy: a connect-to target is dialled directly, never
// through a proxy from the environment.
func TestConnectToBypassesProxy(t *testing.T) {
	setProxyEnv(t, "http://proxy.invalid:3128")
	crawl := testCrawl(map[string]string{"mirror.test": "192.0.2.10:8080"})
	client := newClient(transportConfig{crawl: crawl}, NewHosts())
	ct := client.Transport.(*limited).next.(*capBody).next.(*connectTo)
	if direct := ct.direct.(*http.Transport); direct.Proxy != nil {
		t.Errorf("the connect-to transport has a proxy")
	}
	req := httptest.NewRequest(http.MethodGet, "http://public.example/page", nil)
	if u, err := ct.next.(*http.Transport).Proxy(req); err != nil || u == nil || u.String() != "http://proxy.invalid:3128" {
		t.Errorf("Proxy(http://public.example/page) = %v, %v; want the environment's proxy", u, err)
	}
}

// TestConnectToTrustsTheMappingNotTheAddress: a mapped host reaches its
// loopback target with private addresses refused, but a redirect (or any
// URL) that names the target's address itself is refused like any other
// private address.
func TestConnectToTrustsTheMappingNotTheAddress(t *testing.T) {
	t.Parallel()
	var ls *localServer
	ls = newLocalServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/to-address":
			http.Redirect(w, r, "http://"+ls.Addr()+"/secret", http.StatusFound)
		default:
			fmt.Fprintf(w, "<p>%s</p>", r.URL.Path)
		}
	})
	crawl := testCrawl(map[string]string{"mirror.test": ls.Addr()})
	crawl.AllowPrivate = false
	f := newFetcher(t, crawl)
	ctx := context.Background()
	if _, err := f.Get(ctx, "http://mirror.test/page", ospofeed.Page{}); err != nil {
		t.Fatalf("Get(mapped host) = %v; want the page", err)
	}
	for _, u := range []string{"http://mirror.test/to-address", "http://" + ls.Addr() + "/secret"} {
		if _, err := f.Get(ctx, u, ospofeed.Page{}); !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("Get(%s) = %v; want %v", u, err, ErrBlockedAddress)
		}
	}
	for _, h := range ls.Hits() {
		if h.URI == "/secret" || !strings.HasPrefix(h.Host, "mirror.test") {
			t.Errorf("the target got %s %s, which no mapping names", h.Host, h.URI)
		}
	}
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	f := newFetcher(t, testCrawl(site.ConnectTo()))
	ctx := context.Background()
	for _, u := range []string{"https://scenarios.test/ok", "https://webtv.un.org/en/asset/k1m/k1ma4k9rff", "https://scenarios.test/redirect-loop", "https://slow.test/a"} {
		f.Get(ctx, u, ospofeed.Page{})
	}
	if _, err := f.PostJSON(ctx, "https://cdnapisec.kaltura.com/api_v3/service/multirequest", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	reqs := site.Requests()
	if len(reqs) < 8 {
		t.Fatalf("fixture got %d requests; want at least 8", len(reqs))
	}
	for _, r := range reqs {
		if r.UserAgent != testUA {
			t.Errorf("%s %s%s: User-Agent = %q; want %q", r.Method, r.Host, r.Path, r.UserAgent, testUA)
		}
	}
}

func TestGetBadURL(t *testing.T) {
	t.Parallel()
	f := newFetcher(t, testCrawl(nil))
	for _, u := range []string{"", "ftp://example.org/x", "file:///etc/passwd", "https://", "::"} {
		if _, err := f.Get(context.Background(), u, ospofeed.Page{}); err == nil {
			t.Errorf("Get(%q) = nil error; want one", u)
		}
	}
}

func TestPublicAddr(t *testing.T) {
	tests := []struct {
		ip   string
		want bool
	}{
		{"127.0.0.1", false},
		{"127.8.9.10", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"fc00::1", false},
		{"100.64.0.1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"224.0.0.1", false},
		{"64:ff9b::a00:1", false},
		{"fec0::1", false}, // site-local
		{"feff::1", false},
		{"240.0.0.1", false}, // reserved
		{"254.1.2.3", false},
		{"255.255.255.255", false}, // limited broadcast
		{"::ffff:240.0.0.1", false},
		{"8.8.8.8", true},
		{"172.32.0.1", true},
		{"2001:4860::8888", true},
		{"::ffff:8.8.8.8", true},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			if got := PublicAddr(netip.MustParseAddr(tt.ip)); got != tt.want {
				t.Errorf("PublicAddr(%s) = %v; want %v", tt.ip, got, tt.want)
			}
		})
	}
	if PublicAddr(netip.Addr{}) {
		t.Errorf("PublicAddr(zero Addr) = true; want false")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, time.July, 6, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"Mon, 06 Jul 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Monday, 06-Jul-26 12:01:00 GMT", time.Minute, true}, // RFC 850
		{"Mon Jul  6 12:00:05 2026", 5 * time.Second, true},   // asctime
		{"Mon, 06 Jul 2026 11:00:00 GMT", 0, true},            // in the past: now
		{"", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"2026-07-06T12:00:30Z", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseRetryAfter(tt.in, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestResponseURL: a response names the URL it came from, after redirects.
func TestResponseURL(t *testing.T) {
	t.Parallel()
	ls := newLocalServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old":
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
		case "/new":
			w.Header().Set("ETag", `"v1"`)
			fmt.Fprint(w, "<p>new</p>")
		default:
			http.NotFound(w, r)
		}
	})
	f := newFetcher(t, testCrawl(map[string]string{"moved.test": ls.Addr()}))
	resp, err := f.Get(context.Background(), "http://moved.test/old", ospofeed.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "http://moved.test/new"; resp.URL != want {
		t.Errorf("Get(/old).URL = %q; want %q", resp.URL, want)
	}
	if v := resp.Validators(); v.ETag != `"v1"` {
		t.Errorf("Validators().ETag = %q; want %q", v.ETag, `"v1"`)
	}
}

// TestCollyEnvIgnored: colly.NewCollector applies COLLY_* variables; none
// of them may change what a fetcher does. Each hostile value is tried
// alone, then all together, on the same scenario: robots.txt read once by
// us, a page fetched whole, a conditional GET answered 304 by the server
// (not from a cache), a redirect followed, always with our User-Agent.
func TestCollyEnvIgnored(t *testing.T) {
	ls := newLocalServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old":
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
		case "/new":
			fmt.Fprint(w, "<p>new</p>")
		default:
			http.NotFound(w, r)
		}
	})
	hostile := func(t *testing.T, site *fixture.Site) map[string]string {
		return map[string]string{
			"COLLY_ALLOWED_DOMAINS":           "nowhere.test",
			"COLLY_CACHE_DIR":                 t.TempDir(),
			"COLLY_DETECT_CHARSET":            "y",
			"COLLY_DISABLE_COOKIES":           "y",
			"COLLY_DISALLOWED_DOMAINS":        strings.Join(append(site.Hosts(), "moved.test"), ","),
			"COLLY_FOLLOW_REDIRECTS":          "n",
			"COLLY_IGNORE_ROBOTSTXT":          "n",
			"COLLY_MAX_BODY_SIZE":             "10",
			"COLLY_MAX_DEPTH":                 "1",
			"COLLY_MAX_REQUESTS":              "1",
			"COLLY_PARSE_HTTP_ERROR_RESPONSE": "n",
			"COLLY_TRACE_HTTP":                "y",
			"COLLY_USER_AGENT":                "evil",
		}
	}
	names := slices.Sorted(maps.Keys(hostile(t, newSite(t))))
	for _, name := range append(names, "all") {
		t.Run(name, func(t *testing.T) {
			site := newSite(t)
			for k, v := range hostile(t, site) {
				if name == "all" || k == name {
					t.Setenv(k, v)
				}
			}
			connect := site.ConnectTo()
			connect["moved.test"] = ls.Addr()
			f := newFetcher(t, testCrawl(connect))
			ctx := context.Background()
			const u = "https://scenarios.test/etag"
			want, _, _ := site.Page(fixture.HostScenarios, "/etag")

			first, err := f.Get(ctx, u, ospofeed.Page{URL: u})
			if err != nil {
				t.Fatalf("first Get(%s) = %v; want no error", u, err)
			}
			if string(first.Body) != want {
				t.Errorf("first Get(%s) body = %d bytes; want the page's %d", u, len(first.Body), len(want))
			}
			second, err := f.Get(ctx, u, first.Validators())
			if err != nil || !second.NotModified {
				t.Fatalf("conditional Get(%s) = %+v, %v; want a 304", u, second, err)
			}
			reqs := requests(site, fixture.HostScenarios, "/etag")
			if len(reqs) != 2 || reqs[1].Status != http.StatusNotModified {
				t.Errorf("fixture got %d requests for /etag (%+v); want 2, the second answered 304", len(reqs), reqs)
			}
			if n := site.Count(fixture.HostScenarios, "/robots.txt"); n != 1 {
				t.Errorf("robots.txt fetched %d times; want 1", n)
			}
			for _, r := range site.Requests() {
				if r.UserAgent != testUA {
					t.Errorf("%s %s%s: User-Agent = %q; want %q", r.Method, r.Host, r.Path, r.UserAgent, testUA)
				}
			}
			moved, err := f.Get(ctx, "http://moved.test/old", ospofeed.Page{})
			if err != nil || moved.URL != "http://moved.test/new" || string(moved.Body) != "<p>new</p>" {
				t.Errorf("Get(http://moved.test/old) = %+v, %v; want /new, followed", moved, err)
			}
		})
	}
}

// TestRetryAfterHoldsHost: a 429 with Retry-After pauses the whole host,
// not only the request retried: a request queued for the same host (one
// slot) or starting in another slot waits out the Retry-After too. It runs
// alone: it measures spacing on the server side.
func TestRetryAfterHoldsHost(t *testing.T) {
	tests := []struct {
		name     string
		parallel int
		delay    time.Duration // larger than the time to read the 429
	}{
		{"queued for the one slot", 1, 10 * time.Millisecond},
		{"in another slot", 2, 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			tooMany := ""
			ls := newLocalServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/robots.txt" {
					http.NotFound(w, r)
					return
				}
				mu.Lock()
				first := tooMany == ""
				if first {
					tooMany = r.RequestURI
				}
				mu.Unlock()
				if first {
					w.Header().Set("Retry-After", "1")
					http.Error(w, "slow down", http.StatusTooManyRequests)
					return
				}
				fmt.Fprint(w, "<p>ok</p>")
			})
			crawl := testCrawl(map[string]string{"hold.test": ls.Addr()})
			crawl.ParallelPerHost, crawl.DelayPerHost = tt.parallel, tt.delay
			f := newFetcher(t, crawl)
			getConcurrently(t, f, "http://hold.test/p", 2)

			var pages []hit
			for _, h := range ls.Hits() {
				if h.URI != "/robots.txt" {
					pages = append(pages, h)
				}
			}
			if len(pages) != 3 || pages[0].URI != tooMany {
				t.Fatalf("server got %+v; want the 429, then the other page and the retry", pages)
			}
			for _, h := range pages[1:] {
				if gap := h.Start.Sub(pages[0].Start); gap < 900*time.Millisecond {
					t.Errorf("%s started %v after the 429 to %s; want >= 1s (Retry-After: 1)", h.URI, gap, tooMany)
				}
			}
		})
	}
}

// TestCrawlDelayLowersCapacity: once a Crawl-delay has set a host to one
// request at a time, no request starts while another is in flight, neither
// one that was already waiting for a slot when robots.txt was read nor one
// that came after.
func TestCrawlDelayLowersCapacity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		waitingBefore bool // the request waits before setDelay, else after
	}{
		{"waiting when robots.txt was read", true},
		{"arriving after robots.txt was read", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := NewHosts()
			pol := hostPolicy{parallel: 2, maxWait: time.Second}
			var mu sync.Mutex
			inFlight := 0
			relA, errA := h.acquire(ctx, "h", pol)
			relB, errB := h.acquire(ctx, "h", pol)
			if errA != nil || errB != nil {
				t.Fatal(errA, errB)
			}
			inFlight = 2
			end := func(release func()) {
				mu.Lock()
				inFlight--
				mu.Unlock()
				release()
			}
			var wg sync.WaitGroup
			var others []int // in flight when the waiting requests started
			start := func() {
				wg.Go(func() {
					release, err := h.acquire(ctx, "h", pol)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					others = append(others, inFlight)
					inFlight++
					mu.Unlock()
					time.Sleep(20 * time.Millisecond)
					end(release)
				})
			}
			if tt.waitingBefore {
				start()
				time.Sleep(50 * time.Millisecond) // let it queue
			}
			h.setCrawlDelay("h", time.Millisecond)
			start()
			time.Sleep(50 * time.Millisecond)
			end(relA)
			time.Sleep(50 * time.Millisecond)
			end(relB)
			wg.Wait()
			if len(others) == 0 {
				t.Fatal("no request started after robots.txt was read: nothing was checked")
			}
			for _, n := range others {
				if n != 0 {
					t.Errorf("a request started with %d others in flight after Crawl-delay; want 0 (all starts: %v)", n, others)
				}
			}
		})
	}
}

// TestRobotsRedirect: a robots.txt reached through allowed redirects is
// applied; one behind a redirect the fetcher does not follow (to a host the
// source does not allow, to another scheme, past the limit) is unavailable,
// which allows everything, like a 4xx (RFC 9309 §2.3.1.2).
func TestRobotsRedirect(t *testing.T) {
	t.Parallel()
	ls := newLocalServer(t, func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := strings.Cut(r.Host, ":")
		switch {
		case r.URL.Path != "/robots.txt":
			fmt.Fprint(w, "<p>page</p>")
		case host == "offsite.test":
			http.Redirect(w, r, "http://elsewhere.test/robots.txt", http.StatusFound)
		case host == "ftp.test":
			http.Redirect(w, r, "ftp://ftp.test/robots.txt", http.StatusFound)
		case host == "loop.test":
			http.Redirect(w, r, "/robots.txt?n="+r.URL.Query().Get("n")+"1", http.StatusFound)
		case host == "moved.test":
			http.Redirect(w, r, "http://rules.test/robots.txt", http.StatusMovedPermanently)
		default: // elsewhere.test, rules.test
			fmt.Fprint(w, "User-agent: *\nDisallow: /\n")
		}
	})
	connect := map[string]string{}
	for _, h := range []string{"offsite.test", "ftp.test", "loop.test", "moved.test", "rules.test", "elsewhere.test"} {
		connect[h] = ls.Addr()
	}
	f := newFetcher(t, testCrawl(connect), "offsite.test", "ftp.test", "loop.test", "moved.test", "rules.test")
	tests := []struct {
		name, host string
		want       error
	}{
		{"to a host not allowed", "offsite.test", nil},
		{"to another scheme", "ftp.test", nil},
		{"redirect loop", "loop.test", nil},
		{"to an allowed host", "moved.test", ErrRobotsDisallowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := "http://" + tt.host + "/page"
			_, err := f.Get(context.Background(), u, ospofeed.Page{})
			if !errors.Is(err, tt.want) {
				t.Errorf("Get(%s) error = %v; want %v", u, err, tt.want)
			}
		})
	}
	for _, h := range ls.Hits() {
		if strings.HasPrefix(h.Host, "elsewhere.test") {
			t.Errorf("elsewhere.test got %s; want no request (not an allowed host)", h.URI)
		}
	}
}

// TestProxyRefusesPrivateLiterals: the dial guard cannot see what a proxy
// connects to, so a URL naming a non-public IP literal is refused before it
// reaches a proxy from the environment, unless private addresses are
// allowed.
func TestProxyRefusesPrivateLiterals(t *testing.T) {
	proxy := newLocalServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "<p>via proxy: %s</p>", r.URL)
	})
	setProxyEnv(t, proxy.URL)
	crawl := testCrawl(nil)
	crawl.AllowPrivate = false
	for _, u := range []string{
		"http://10.0.0.1/page",
		"http://169.254.169.254/latest/meta-data/",
		"http://0.0.0.0/page",
		"http://[::1]/page",
		"https://[::ffff:10.0.0.1]/page",
		"http://[fec0::1]:8080/page",
		"http://240.0.0.1/page",
		"http://167772161/page",  // 10.0.0.1: colly's WHATWG parser canonicalises it
		"http://0x0a.0.0.1/page", // 10.0.0.1 too
	} {
		t.Run(u, func(t *testing.T) {
			_, err := newFetcher(t, crawl).Get(context.Background(), u, ospofeed.Page{})
			if !errors.Is(err, ErrBlockedAddress) {
				t.Errorf("Get(%s) through a proxy error = %v; want %v", u, err, ErrBlockedAddress)
			}
		})
	}
	if hits := proxy.Hits(); len(hits) != 0 {
		t.Errorf("proxy got %+v; want no request", hits)
	}
	t.Run("AllowPrivate", func(t *testing.T) {
		crawl.AllowPrivate = true
		const u = "http://10.0.0.1/page"
		resp, err := newFetcher(t, crawl).Get(context.Background(), u, ospofeed.Page{})
		if err != nil || !strings.Contains(string(resp.Body), "via proxy: "+u) {
			t.Errorf("Get(%s) with AllowPrivate = %v; want it through the proxy", u, err)
		}
	})
}
