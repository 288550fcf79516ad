package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed/internal/fixture"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testConfig is the embedded default's sources pointed at the fixture site.
func testConfig(t *testing.T, site *fixture.Site, extra string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("contact: https://example.org/ospofeed-tests\n")
	b.WriteString("site:\n  title: ospofeed test\n  base_url: https://feeds.example.org\n  author: ospofeed tests\n")
	b.WriteString("crawl:\n  delay_per_host: 5ms\n  request_timeout: 10s\n  max_backoff: 2s\n  allow_private: true\n  connect_to:\n")
	hosts := site.Hosts()
	sort.Strings(hosts)
	for _, h := range hosts {
		fmt.Fprintf(&b, "    %s: %q\n", h, site.Addr())
	}
	def, _ := os.ReadFile("../../config/default.yaml")
	_, sources, ok := strings.Cut(string(def), "\nsources:\n")
	if !ok {
		t.Fatal("default.yaml has no sources")
	}
	b.WriteString("sources:\n" + sources + extra)
	path := filepath.Join(t.TempDir(), "ospofeed.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func noEnv(string) string { return "" }

// runCmd runs the program in-process.
func runCmd(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	var o, e syncBuffer
	err = run(ctx, append([]string{"ospofeed"}, args...), noEnv, &o, &e)
	return o.String(), e.String(), err
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCrawlTwiceIsConditionalAndByteIdentical(t *testing.T) {
	site := fixture.New()
	defer site.Close()
	cfg := testConfig(t, site, "")
	dir := t.TempDir()
	db, out := filepath.Join(dir, "ospofeed.db"), filepath.Join(dir, "site")
	if p := os.Getenv("OSPOFEED_PREVIEW"); p != "" {
		out = p // keep the rendered site to look at: OSPOFEED_PREVIEW=/tmp/preview go test -run TestCrawlTwice ./cmd/ospofeed
	}
	ctx := context.Background()

	_, stderr, err := runCmd(ctx, "crawl", "--config", cfg, "--db", db, "--out", out)
	if err != nil {
		t.Fatalf("first crawl: %v\n%s", err, stderr)
	}
	for _, id := range []string{"ospos-for-good-2023", "ospos-for-good-2024", "open-source-week-2025", "open-source-week-2026", "unwebtv-schedule"} {
		if !strings.Contains(stderr, id) {
			t.Errorf("no summary line for %s in:\n%s", id, stderr)
		}
	}
	first := readTree(t, out)
	if len(first) < 20 {
		t.Fatalf("the site has %d files", len(first))
	}
	site.ResetLog()
	_, stderr2, err := runCmd(ctx, "crawl", "--config", cfg, "--db", db, "--out", out)
	if err != nil {
		t.Fatalf("second crawl: %v\n%s", err, stderr2)
	}
	var pages, notModified, posts int
	for _, r := range site.Requests() {
		switch {
		case r.Method == "POST":
			posts++
		case strings.HasSuffix(r.Path, "robots.txt"):
		case r.Status == 304:
			notModified++
		case r.Status == 200:
			pages++
			t.Errorf("second crawl fetched %s%s in full (If-None-Match %q)", r.Host, r.Path, r.IfNoneMatch)
		}
	}
	if notModified == 0 {
		t.Fatalf("second crawl got no 304s:\n%s", stderr2)
	}
	if posts != 0 {
		t.Errorf("the unchanged re-crawl sent %d Kaltura requests; enrichment is for pages that changed", posts)
	}
	second := readTree(t, out)
	if len(second) != len(first) {
		t.Fatalf("re-crawl changed the file count: %d -> %d", len(first), len(second))
	}
	for p, b := range first {
		if second[p] != b {
			t.Errorf("re-crawl changed %s", p)
		}
	}
	t.Logf("second crawl: %d 304s\n%s", notModified, stderr2)
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}

var _ = time.Second
