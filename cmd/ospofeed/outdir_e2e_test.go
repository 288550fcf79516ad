package main

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ospofeed/ospofeed/internal/fixture"
)

// crawl --out never destroys what it did not write: a directory holding
// the database, a directory somebody else filled, or a regular file are
// refused with exit 2 before the database is opened, and nothing in them
// changes.
func TestCrawlOutRefusesWhatItDidNotWrite(t *testing.T) {
	site := fixture.New()
	defer site.Close()
	cfg := testConfig(t, site, "")
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(t *testing.T, root string) (db, out string)
		want  string
	}{
		{"--out holds --db", func(t *testing.T, root string) (string, string) {
			return filepath.Join(root, "site", "data", "ospofeed.db"), filepath.Join(root, "site")
		}, "holds"},
		{"--out is the database's directory", func(t *testing.T, root string) (string, string) {
			return filepath.Join(root, "site", "data", "ospofeed.db"), filepath.Join(root, "site", "data")
		}, "holds"},
		{"--out holds an existing database and other files", func(t *testing.T, root string) (string, string) {
			db := filepath.Join(root, "site", "data", "ospofeed.db")
			if _, stderr, err := runCmd(ctx, "crawl", "--config", cfg, "--db", db, "--source", "code-gouv-fr-atom"); err != nil {
				t.Fatalf("setup crawl: %v\n%s", err, stderr)
			}
			mustWrite(t, filepath.Join(root, "site", "notes.txt"), "keep me")
			return db, filepath.Join(root, "site")
		}, "holds"},
		{"--out is a regular file", func(t *testing.T, root string) (string, string) {
			mustWrite(t, filepath.Join(root, "report.html"), "my report")
			return filepath.Join(root, "db", "ospofeed.db"), filepath.Join(root, "report.html")
		}, "not a directory"},
		{"--out is somebody else's directory", func(t *testing.T, root string) (string, string) {
			mustWrite(t, filepath.Join(root, "www", "index.html"), "the host's own home page")
			mustWrite(t, filepath.Join(root, "www", "private", "key"), "secret")
			return filepath.Join(root, "db", "ospofeed.db"), filepath.Join(root, "www")
		}, "not empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			db, out := tt.setup(t, root)
			_, dbExisted := os.Stat(db)
			before := readTree(t, root)
			_, stderr, err := runCmd(ctx, "crawl", "--config", cfg, "--db", db, "--out", out)
			if code := exitCode(err); code != exitUsage || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), out) {
				t.Fatalf("crawl --db %s --out %s = %v (exit %d); want exit 2 saying %q\n%s", db, out, err, code, tt.want, stderr)
			}
			after := readTree(t, root)
			if len(after) != len(before) {
				t.Errorf("refused crawl changed the file count under %s: %d -> %d", root, len(before), len(after))
			}
			for p, b := range before {
				if after[p] != b {
					t.Errorf("refused crawl changed or removed %s", p)
				}
			}
			if _, err := os.Stat(db); dbExisted != nil && err == nil {
				t.Errorf("refused crawl created the database %s", db)
			}
		})
	}
}

// A mounted empty directory is adopted, and a later crawl keeps files
// somebody else added beside the site.
func TestCrawlOutKeepsForeignFiles(t *testing.T) {
	site := fixture.New()
	defer site.Close()
	cfg := testConfig(t, site, "")
	root := t.TempDir()
	db, out := filepath.Join(root, "data", "ospofeed.db"), filepath.Join(root, "www")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, stderr, err := runCmd(ctx, "crawl", "--config", cfg, "--db", db, "--out", out); err != nil {
		t.Fatalf("first crawl: %v\n%s", err, stderr)
	}
	mustWrite(t, filepath.Join(out, "robots.txt"), "User-agent: *\n")
	if _, stderr, err := runCmd(ctx, "crawl", "--config", cfg, "--db", db, "--out", out); err != nil {
		t.Fatalf("second crawl: %v\n%s", err, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(out, "robots.txt")); err != nil || string(b) != "User-agent: *\n" {
		t.Errorf("a crawl removed or changed the operator's robots.txt: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); err != nil {
		t.Errorf("no index.html: %v", err)
	}
}

func mustWrite(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A site kept up to date by many small changes (each run appending to the
// manifest's journal, the base rewritten now and then) is, file for file,
// the site a first run writes from the same database, and its manifest
// names exactly those files.
func TestCrawlOutFollowsSmallChanges(t *testing.T) {
	g := fixture.NewGenerated(fixture.GenOptions{Articles: 300, PerFeed: 100})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: g}
	go srv.Serve(ln)
	defer srv.Close()
	var b strings.Builder
	b.WriteString("contact: https://example.org/ospofeed-tests\nsite:\n  base_url: https://feeds.example.org\n")
	b.WriteString("crawl:\n  delay_per_host: 0s\n  allow_private: true\n  connect_to:\n")
	for _, h := range g.Hosts() {
		fmt.Fprintf(&b, "    %s: %q\n", h, ln.Addr().String())
	}
	b.WriteString("kaltura:\n  enabled: false\nsources:\n")
	for _, s := range g.Sources() {
		fmt.Fprintf(&b, "  - id: %s\n    kind: %s\n    name: %q\n    url: %q\n", s.ID, s.Kind, s.Name, s.URL)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ospofeed.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db, out := filepath.Join(dir, "ospofeed.db"), filepath.Join(dir, "www")
	crawl := func(out string) {
		t.Helper()
		if _, stderr, err := runCmd(context.Background(), "crawl", "--config", cfg, "--db", db, "--out", out); err != nil {
			t.Fatalf("crawl --out %s: %v\n%s", out, err, stderr)
		}
	}
	crawl(out)
	journal := filepath.Join(out, ".ospofeed", "journal")
	appended := 0
	for i := range 12 {
		if err := g.RetitleArticle(i*23, fmt.Sprintf("Retitled %d", i)); err != nil {
			t.Fatal(err)
		}
		crawl(out)
		if _, err := os.Stat(journal); err == nil {
			appended++
		}
	}
	if appended == 0 {
		t.Fatal("no run appended to the journal: the test did not follow small changes")
	}
	fresh := filepath.Join(t.TempDir(), "www")
	crawl(fresh)
	got, want := siteFiles(readTree(t, out)), siteFiles(readTree(t, fresh))
	for p, body := range want {
		if got[p] != body {
			t.Errorf("%s differs from a first run's", p)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s is not in a first run's site", p)
		}
	}
	if n := checkOutDir(t, out); n != len(want) {
		t.Errorf("the manifest names %d files; the site has %d", n, len(want))
	}
}

// siteFiles is tree without ospofeed's own files.
func siteFiles(tree map[string]string) map[string]string {
	maps.DeleteFunc(tree, func(p, _ string) bool { return strings.HasPrefix(p, ".ospofeed/") })
	return tree
}
