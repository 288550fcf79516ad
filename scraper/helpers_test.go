package scraper

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed/config"
	"github.com/ospofeed/ospofeed/internal/fixture"
)

// TestMain makes the suite hermetic: a proxy from the shell (public-sector
// networks often set one) would carry test requests away from the local
// servers, and COLLY_* variables would reconfigure colly. Tests that need
// a proxy set it with t.Setenv (setProxyEnv).
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); hostileEnv(k) {
			os.Unsetenv(k)
		}
	}
	os.Exit(m.Run())
}

// hostileEnv reports whether the environment variable k changes how a
// fetcher reaches servers: the proxy variables, in any case, and COLLY_*.
func hostileEnv(k string) bool {
	switch strings.ToUpper(k) {
	case "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY":
		return true
	}
	return strings.HasPrefix(k, "COLLY_")
}

// testUA is the User-Agent every test fetcher sends: what
// config.UserAgent("test") gives for testConfig's contact.
const testUA = "ospofeed/test (+https://example.org/ospofeed)"

// fixtureHosts is where the fixture's pages live on disk.
const fixtureHosts = "../internal/fixture/testdata/hosts"

// newSite starts a fixture site for one test.
func newSite(t *testing.T) *fixture.Site {
	t.Helper()
	s := fixture.New()
	t.Cleanup(s.Close)
	return s
}

// testCrawl is the crawl configuration of the tests: fast spacing, a 1 MiB
// body cap, and every fixture host reached through ConnectTo.
func testCrawl(connectTo map[string]string) config.Crawl {
	return config.Crawl{
		ParallelPerHost: 2,
		DelayPerHost:    10 * time.Millisecond,
		RequestTimeout:  5 * time.Second,
		RunTimeout:      30 * time.Second,
		MaxBodyBytes:    1 << 20,
		MaxRetries:      3,
		RetryBudget:     10,
		MaxRedirects:    5,
		MaxBackoff:      5 * time.Second,
		AllowPrivate:    true,
		ConnectTo:       connectTo,
	}
}

// testConfig is a whole configuration over the fixture site.
func testConfig(site *fixture.Site) *config.Config {
	return &config.Config{
		Contact: "https://example.org/ospofeed",
		Crawl:   testCrawl(site.ConnectTo()),
		Kaltura: config.Kaltura{Enabled: true, Endpoint: "https://cdnapisec.kaltura.com", PartnerID: 2503451},
	}
}

// newFetcher builds a fetcher whose context ends with the test.
func newFetcher(t *testing.T, crawl config.Crawl, allowedHosts ...string) *Fetcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return NewFetcher(ctx, crawl, testUA, allowedHosts)
}

// readFixture reads a page of the fixture from disk, by host and file.
func readFixture(t testing.TB, host, file string) []byte {
	t.Helper()
	if host == fixture.HostMedia {
		// The fixture serves media.un.org as a mirror of webtv.un.org.
		return bytes.ReplaceAll(readFixture(t, fixture.HostWebTV, file), []byte(fixture.HostWebTV), []byte(fixture.HostMedia))
	}
	b, err := os.ReadFile(filepath.Join(fixtureHosts, host, filepath.FromSlash(file)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// requests returns the fixture's logged requests for host (and path, when
// not empty), in order of arrival.
func requests(site *fixture.Site, host, path string) []fixture.Request {
	var out []fixture.Request
	for _, r := range site.Requests() {
		if r.Host == host && (path == "" || r.Path == path) {
			out = append(out, r)
		}
	}
	return out
}

// hit is one request a localServer received.
type hit struct {
	Method, Host, URI string
	Start, End        time.Time
}

// localServer is a tiny test server of our own, for what the fixture does
// not offer: it logs every request with its start and end, and measures how
// many were in flight at once.
type localServer struct {
	*httptest.Server
	mu       sync.Mutex
	hits     []hit
	inFlight int
	maxIn    int
}

// newLocalServer serves h, logging and counting around it.
func newLocalServer(t *testing.T, h http.HandlerFunc) *localServer {
	t.Helper()
	ls := &localServer{}
	ls.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ls.mu.Lock()
		ls.inFlight++
		ls.maxIn = max(ls.maxIn, ls.inFlight)
		ls.mu.Unlock()
		defer func() {
			ls.mu.Lock()
			ls.inFlight--
			ls.hits = append(ls.hits, hit{Method: r.Method, Host: r.Host, URI: r.RequestURI, Start: start, End: time.Now()})
			ls.mu.Unlock()
		}()
		h(w, r)
	}))
	t.Cleanup(ls.Close)
	return ls
}

// Hits returns the requests served so far, by start time.
func (ls *localServer) Hits() []hit {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	out := append([]hit(nil), ls.hits...)
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// MaxInFlight is the most requests that were being served at once.
func (ls *localServer) MaxInFlight() int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.maxIn
}

// Addr is the server's host:port.
func (ls *localServer) Addr() string { return ls.Listener.Addr().String() }

// minGap is the smallest gap between the starts of consecutive times.
func minGap(times []time.Time) time.Duration {
	sorted := append([]time.Time(nil), times...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Before(sorted[j]) })
	gap := time.Duration(1<<63 - 1)
	for i := 1; i < len(sorted); i++ {
		gap = min(gap, sorted[i].Sub(sorted[i-1]))
	}
	return gap
}

// TestHermeticEnv: TestMain has cleared what would make the suite depend on
// the shell it runs in.
func TestHermeticEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); hostileEnv(k) {
			t.Errorf("%s is set in the tests' environment; want TestMain to have cleared it", k)
		}
	}
	tests := []struct {
		name string
		want bool
	}{
		{"HTTP_PROXY", true}, {"http_proxy", true}, {"HTTPS_PROXY", true}, {"https_proxy", true},
		{"NO_PROXY", true}, {"no_proxy", true}, {"ALL_PROXY", true}, {"all_proxy", true},
		{"COLLY_CACHE_DIR", true}, {"COLLY_ANYTHING", true},
		{"PATH", false}, {"HOME", false}, {"colly_cache_dir", false}, // colly matches COLLY_ exactly
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hostileEnv(tt.name); got != tt.want {
				t.Errorf("hostileEnv(%q) = %v; want %v", tt.name, got, tt.want)
			}
		})
	}
}
