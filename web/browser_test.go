package web

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// chromium finds a Chromium to drive headless. Without one the test is
// skipped, except on CI, where .ci/run installs it and its absence is a
// failure.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium or chromium-browser in PATH; CI must install it")
	}
	t.Skip("no chromium or chromium-browser in PATH")
	return ""
}

// runChromium runs a headless Chromium with a fresh profile and returns its
// standard output.
func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Chromium's helper processes may hold the pipes after a timeout kill.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// TestBrowser renders pages in a real browser: what a reader gets is the
// DOM Chromium builds from our bytes, not the bytes themselves.
func TestBrowser(t *testing.T) {
	bin := chromium(t)

	// The site links everything under its base URL: make that the test
	// server, so that the browser never reaches out of the machine.
	holder := NewSite()
	var mu sync.Mutex
	var requested []string
	h := Handler(Deps{Site: holder, Cite: holder.Cite, Generation: holder.Generation, Health: func() (Health, bool) { return Health{Status: "ok"}, true }})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requested = append(requested, r.URL.Path)
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close) // not defer: the parallel subtests run after this function returns
	snap := testSnapshot()
	snap.Info.BaseURL = srv.URL
	if err := RenderInto(holder, snap, Options{}); err != nil {
		t.Fatal(err)
	}
	site := holder

	t.Run("index", func(t *testing.T) {
		t.Parallel()
		dom := string(runChromium(t, bin, "--dump-dom", srv.URL+"/"))
		if !strings.Contains(dom, "</html>") {
			t.Fatalf("chromium --dump-dom %s/ = %q", srv.URL, dom)
		}
		i := strings.Index(dom, `id="ospos-good-2024"`)
		if i < 0 {
			t.Fatalf("DOM of / has no OSPOs for Good 2024 event:\n%s", dom)
		}
		ev := dom[i:]
		ev = ev[:strings.Index(ev, "</article>")]
		if !strings.Contains(ev, ">OSPOs for Good 2024</a>") || !strings.Contains(ev, "9–10 July 2024") {
			t.Errorf("DOM event lacks its title or dates:\n%s", ev)
		}
		last := -1
		for _, r := range recs2024 {
			j := strings.Index(ev, ">"+r.title+"</a>")
			if j < 0 {
				t.Errorf("DOM event lacks recording %q", r.title)
				continue
			}
			if j < last {
				t.Errorf("DOM event lists %q out of order", r.title)
			}
			last = j
			if li := ev[j:]; !strings.Contains(li[:strings.Index(li, "</li>")], `<span class="duration">`+r.duration+`</span>`) {
				t.Errorf("DOM entry of %q lacks duration %s", r.title, r.duration)
			}
		}
	})

	t.Run("recording", func(t *testing.T) {
		t.Parallel()
		const p = "/recordings/k1ma4k9rff/"
		dom := string(runChromium(t, bin, "--dump-dom", srv.URL+p))
		cite := strings.TrimSpace(page(t, site, p+"cite.txt"))
		for _, want := range []string{
			"<h1>" + recs2024[0].title + "</h1>",
			`<meta name="citation_title" content="` + recs2024[0].title + `">`,
			`<meta name="citation_date" content="2024/07/09">`,
			cite,
			"<dt>Duration</dt><dd>02:58:11</dd>",
		} {
			if !strings.Contains(dom, want) {
				t.Errorf("DOM of %s lacks %s", p, want)
			}
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		t.Parallel()
		shot := filepath.Join(t.TempDir(), "index.png")
		runChromium(t, bin, "--screenshot="+shot, "--window-size=1200,2000", srv.URL+"/")
		fi, err := os.Stat(shot)
		if err != nil {
			t.Fatalf("chromium --screenshot wrote nothing: %v", err)
		}
		if fi.Size() <= 10<<10 {
			t.Errorf("screenshot is %d bytes; want more than 10 KB", fi.Size())
		}
		f, err := os.Open(shot)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cfg, err := png.DecodeConfig(f)
		if err != nil {
			t.Fatalf("png.DecodeConfig(screenshot) = %v", err)
		}
		if cfg.Width < 1000 || cfg.Height < 1000 {
			t.Errorf("screenshot is %dx%d; want about 1200x2000", cfg.Width, cfg.Height)
		}
	})

	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if !slices.Contains(requested, "/style.css") {
			t.Errorf("the browser did not load /style.css from the site; it asked for %q", requested)
		}
	})
}
