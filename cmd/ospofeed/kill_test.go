package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed/internal/fixture"
	"github.com/ospofeed/ospofeed/store"
	"github.com/ospofeed/ospofeed/web"
)

// buildBinary builds ospofeed once into dir.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ospofeed")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// checkOutDir fails unless every file the manifest of dir names (its base
// and its journal) is there with its size: a site a web server can serve.
func checkOutDir(t *testing.T, dir string) int {
	t.Helper()
	files, _, err := web.OutDirFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	for rel, size := range files {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil || fi.Size() != size {
			t.Errorf("%s: manifest names %s (%d bytes); on disk: %v", dir, rel, size, err)
		}
	}
	return len(files)
}

// kill -9 at any moment of `crawl --out` (fetching, saving, rendering,
// writing the directory) leaves a database that opens and checks clean, and
// the next run completes the work: every item rendered, every file whole.
func TestKill9DuringCrawlAndOut(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildBinary(t)
	site := fixture.New()
	defer site.Close()
	site.SetLatency(fixture.HostWebTV, 20*time.Millisecond)
	cfg := testConfig(t, site, "")
	dir := t.TempDir()
	db, out := filepath.Join(dir, "data", "ospofeed.db"), filepath.Join(dir, "www")
	args := []string{"crawl", "--config", cfg, "--db", db, "--out", out}
	for i, after := range []time.Duration{150 * time.Millisecond, 400 * time.Millisecond, 900 * time.Millisecond, 1500 * time.Millisecond, 2200 * time.Millisecond} {
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if _, err := os.Stat(db); err != nil {
			continue // killed before the database was created: nothing to check
		}
		s, err := store.Open(db, store.Options{})
		if err != nil {
			t.Fatalf("kill %d after %s: the database does not open: %v", i, after, err)
		}
		if err := s.Check(); err != nil {
			t.Errorf("kill %d after %s: bbolt check: %v", i, after, err)
		}
		s.Close()
	}
	// A run to the end completes what the killed ones left.
	if outb, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("the run after the kills: %v\n%s", err, outb)
	}
	if n := checkOutDir(t, out); n < 50 {
		t.Errorf("the site after the kills has %d files", n)
	}
	// And it has every page a never-killed run makes (the bytes differ:
	// feeds and pages carry the times things were first seen).
	clean := filepath.Join(t.TempDir(), "www")
	if outb, err := exec.Command(bin, "crawl", "--config", cfg, "--db", filepath.Join(t.TempDir(), "clean.db"), "--out", clean).CombinedOutput(); err != nil {
		t.Fatalf("clean run: %v\n%s", err, outb)
	}
	a, b := readTree(t, out), readTree(t, clean)
	for p := range b {
		if _, ok := a[p]; !ok && !strings.HasPrefix(p, ".ospofeed/") {
			t.Errorf("after the kills the site lacks %s", p)
		}
	}
	for p := range a {
		if _, ok := b[p]; !ok && !strings.HasPrefix(p, ".ospofeed/") {
			t.Errorf("after the kills the site has %s, which a clean run does not", p)
		}
	}
}
