package web

// Checks by the tools the site's readers and reviewers use: the Nu HTML
// Checker on every page, axe-core in Chromium on every page at a phone's
// and a desktop's width, a no-overflow check at 360 and 390 px, the
// click-to-load player, and ical.js on every calendar. The tools are
// pinned in testdata/checks/package-lock.json; `npm ci` there installs
// them (.ci/run does, when node_modules is missing). Without them the
// tests are skipped, except on CI (CI=true), where they fail.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

// checksDir is where the checking tools are installed.
const checksDir = "testdata/checks"

// needTool skips the test when a tool is missing, or fails it on CI.
func needTool(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s cannot run in CI: %v (.ci/run installs it: npm ci in web/%s, default-jre-headless, chromium)", what, err, checksDir)
	}
	t.Skipf("%s not available: %v (run npm ci in web/%s)", what, err, checksDir)
}

// toolFile is a file of an installed npm package, or an error.
func toolFile(rel string) (string, error) {
	p, err := filepath.Abs(filepath.Join(checksDir, "node_modules", rel))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

// checkSnapshot is the golden test site with what the checks should meet
// too: a recording with shouted topics, other language versions, links
// and a description, a long unbroken title, and sources in every state a
// visitor may see.
func checkSnapshot() Snapshot {
	snap := goldenSnapshot()
	for i := range snap.Items {
		it := &snap.Items[i]
		switch it.ID {
		case recs2024[2].id:
			it.Topics = []string{"OPEN SOURCE", "DIGITAL PUBLIC GOODS", "SDG 9", "UN"}
			it.Alternates = []ospofeed.Alternate{{Lang: "en", URL: it.URL}, {Lang: "fr", URL: strings.Replace(it.URL, "/en/", "/fr/", 1)}, {Lang: "es", URL: strings.Replace(it.URL, "/en/", "/es/", 1)}}
			it.Content = "<p>Speakers:</p><ul><li>A minister</li><li>An OSPO lead</li></ul>"
			it.Links = []ospofeed.Link{
				{Title: "Programme (PDF)", URL: "https://www.un.org/techenvoy/sites/www.un.org.techenvoy/files/OSPOs_for_Good_2024_programme_with_a_very_long_file_name_that_never_breaks.pdf"},
				{URL: "https://www.un.org/digital-emerging-technologies/content/a-page-whose-address-is-long-enough-to-overflow-a-phone-screen-by-itself"},
			}
		case recs2024[3].id:
			it.Title = "Closing session: Recommendations_and_the_way_forward_for_OSPOs_in_governments_academia_and_international_organisations"
		}
	}
	// A recording on YouTube: its player is youtube-nocookie's.
	snap.Items = append(snap.Items, ospofeed.Item{ID: ytRecording, Kind: ospofeed.KindRecording, URL: ytRecording,
		Title: "OSPOs for Good 2024: highlights", Date: day(2024, 7, 12), DateOnly: true, Duration: hms(0, 4, 31),
		Events: []string{event24}, Sources: []string{"un-youtube"},
		FirstSeen: time.Date(2024, 7, 12, 9, 0, 0, 0, time.UTC), Updated: time.Date(2024, 7, 12, 9, 0, 0, 0, time.UTC), Version: 1})
	since := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	snap.Sources = append(snap.Sources,
		SourceView{Source: ospofeed.Source{ID: "un-youtube", Kind: "youtube", Name: "United Nations on YouTube", URL: "https://www.youtube.com/feeds/videos.xml?channel_id=UC5O114-PQNYkurlTg6hekZw"},
			State: ospofeed.SourceState{ID: "un-youtube", Status: ospofeed.StatusBlocked, StatusSince: since, LastError: "robots.txt disallows it"}},
		SourceView{Source: ospofeed.Source{ID: "osor", Kind: "rss", Name: "Open Source Observatory (OSOR)", URL: "https://joinup.ec.europa.eu/collection/open-source-observatory-osor/feed.xml"},
			State: ospofeed.SourceState{ID: "osor", Status: ospofeed.StatusDegraded, StatusSince: since, Items: 1, Reason: "found 1 item; the last crawl found 12"}},
		SourceView{Source: ospofeed.Source{ID: "ospo-directory", Kind: "ospo-directory", Name: "Public-sector OSPO directory", URL: "https://code.gouv.fr/data/fr-public-sector-ospo.yml"},
			State: ospofeed.SourceState{ID: "ospo-directory", Status: ospofeed.StatusNew}},
	)
	return snap
}

// ytRecording is the check site's recording on YouTube.
const ytRecording = "https://www.youtube.com/watch?v=OSPO4good24"

// checkOptions make listings paginate, so that archive pages are checked.
var checkOptions = Options{FeedEntries: 4}

// pagePaths are the site's HTML pages.
func pagePaths(s *Site) []string {
	var out []string
	for _, p := range s.Paths() {
		if strings.HasSuffix(p, "/") {
			out = append(out, p)
		}
	}
	return out
}

// TestChecksNu runs the Nu HTML Checker (vnu.jar, the W3C validator's
// engine) on every page of the site, its style sheet and its favicon:
// no errors, no warnings.
func TestChecksNu(t *testing.T) {
	jar, err := toolFile("vnu-jar/build/dist/vnu.jar")
	needTool(t, "the Nu HTML Checker", err)
	java, err := exec.LookPath("java")
	needTool(t, "java (for the Nu HTML Checker)", err)

	dir := t.TempDir()
	var files []string
	write := func(s *Site, prefix string) {
		for _, p := range s.Paths() {
			name := strings.TrimPrefix(p, "/")
			switch {
			case strings.HasSuffix(p, "/"):
				name += "index.html"
			case p == "/style.css" || p == "/favicon.svg":
			default:
				continue
			}
			f := filepath.Join(dir, prefix, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f, []byte(page(t, s, p)), 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	s, err := BuildWith(checkSnapshot(), checkOptions)
	if err != nil {
		t.Fatal(err)
	}
	write(s, "site")
	if len(files) < 15 {
		t.Fatalf("wrote %d files to check; the site has more", len(files))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, java, append([]string{"-jar", jar, "--format", "json", "--also-check-css", "--also-check-svg"}, files...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	// vnu exits 1 when it reports errors; its report is on stderr.
	var report struct {
		Messages []struct {
			Type, SubType, URL, Message, Extract string
			LastLine                             int
		} `json:"messages"`
	}
	if jerr := json.Unmarshal(stderr.Bytes(), &report); jerr != nil {
		t.Fatalf("vnu: %v; its output is not JSON (%v):\n%s%s", err, jerr, tail(stderr.String(), 3000), stdout.String())
	}
	for _, m := range report.Messages {
		file := strings.TrimPrefix(m.URL, "file:"+dir)
		t.Errorf("vnu %s%s: %s:%d: %s\n\t%q", m.Type, strings.TrimPrefix(" "+m.SubType, " "), file, m.LastLine, m.Message, m.Extract)
	}
	if err != nil && len(report.Messages) == 0 {
		t.Errorf("vnu: %v", err)
	}
	t.Logf("the Nu HTML Checker read %d files", len(files))
}

// thirdParty stands in for every host but the site's: Chromium resolves
// them all to it, so that a test sees what a page would ask of them and
// never reaches out of the machine. It answers pictures and players.
type thirdParty struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string // "host/path?query"
}

func newThirdParty(t *testing.T) *thirdParty {
	tp := &thirdParty{}
	var thumb bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 320, 180))
	for y := 0; y < 180; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.RGBA{uint8(30 + x/4), uint8(60 + y/3), 140, 255})
		}
	}
	png.Encode(&thumb, img)
	tp.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tp.mu.Lock()
		tp.seen = append(tp.seen, r.Host+r.URL.RequestURI())
		tp.mu.Unlock()
		switch {
		case strings.Contains(r.URL.Path, "/thumbnail/") || strings.HasSuffix(r.URL.Path, ".jpg"):
			w.Header().Set("Content-Type", "image/png")
			w.Write(thumb.Bytes())
		case strings.Contains(r.URL.Path, "/embedIframeJs/") || strings.HasPrefix(r.URL.Path, "/embed/"):
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<!doctype html><html lang="en"><title>player</title><body style="background:#222;color:#eee">A player</body></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	// Chromium's plain-HTTP calls reach it too; they need no log.
	tp.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(tp.srv.Close)
	return tp
}

func (tp *thirdParty) requests() []string {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return slices.Clone(tp.seen)
}

// flags make Chromium send every host but 127.0.0.1 to the stand-in.
func (tp *thirdParty) flags() []string {
	_, port, _ := net.SplitHostPort(tp.srv.Listener.Addr().String())
	return []string{"--host-resolver-rules=MAP * 127.0.0.1:" + port + ", EXCLUDE 127.0.0.1", "--ignore-certificate-errors",
		// Chromium's own calls home are not the page's.
		"--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter"}
}

// checkServer serves the check site with ospofeed's own handler, under
// its base URL.
func checkServer(t *testing.T) (*httptest.Server, *Site) {
	holder := NewSite()
	h := Handler(Deps{Site: holder, Cite: holder.Cite, Generation: holder.Generation, Health: func() (Health, bool) { return Health{Status: "ok"}, true }})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	snap := checkSnapshot()
	snap.Info.BaseURL = srv.URL
	if err := RenderInto(holder, snap, checkOptions); err != nil {
		t.Fatal(err)
	}
	return srv, holder
}

// axeViolation is one rule axe-core found broken, with where.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []struct {
		Target  []any  `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// runAxe injects axe-core into the page and runs its default rules
// (WCAG 2 A and AA, best practices).
func runAxe(ctx context.Context, tb *tab, source string) ([]axeViolation, error) {
	if err := tb.eval(ctx, source, nil); err != nil {
		return nil, fmt.Errorf("inject axe-core: %w", err)
	}
	var v []axeViolation
	err := tb.eval(ctx, `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact, help: v.help,
		nodes: v.nodes.map(n => ({target: n.target, html: n.html, failureSummary: n.failureSummary}))})))`, &v)
	return v, err
}

// overflow is what sticks out of the viewport sideways.
type overflow struct {
	ScrollWidth, InnerWidth int
	Offenders               []string
}

// overflowJS measures the page; %d is the width asked for (a phone
// zooms out to fit what overflows, which widens innerWidth with it).
const overflowJS = `(() => {
	const iw = Math.min(window.innerWidth, %d), out = [];
	for (const el of document.body.querySelectorAll('*')) {
		const r = el.getBoundingClientRect();
		if (r.right > iw + 0.5 && out.length < 8) {
			out.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\s+/g, '.') : '') + ' right=' + Math.round(r.right) + ' ' + JSON.stringify((el.textContent || '').trim().slice(0, 60)));
		}
	}
	return {ScrollWidth: document.documentElement.scrollWidth, InnerWidth: window.innerWidth, Offenders: out};
})()`

// TestChecksBrowser opens every page of the site in Chromium at 360, 390
// and 1280 px: nothing overflows sideways, axe-core finds nothing at 360
// and 1280 px (and at 1280 px in the dark scheme), no script fails. Then
// the recording page's player and moment form, with and without
// JavaScript.
func TestChecksBrowser(t *testing.T) {
	bin := chromium(t)
	axePath, err := toolFile("axe-core/axe.min.js")
	needTool(t, "axe-core", err)
	axeSrc, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	srv, site := checkServer(t)
	tp := newThirdParty(t)
	b := startBrowser(t, bin, tp.flags()...)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	pages := pagePaths(site)
	if len(pages) < 15 {
		t.Fatalf("the check site has %d pages; want every kind", len(pages))
	}
	type view struct {
		name          string
		width, height int
		mobile, dark  bool
		axe           bool
	}
	views := []view{
		{"360px", 360, 740, true, false, true},
		{"390px", 390, 844, true, false, false},
		{"1280px", 1280, 900, false, false, true},
		{"1280px-dark", 1280, 900, false, true, true},
	}
	for _, v := range views {
		t.Run(v.name, func(t *testing.T) {
			tb := b.newTab(ctx, v.width, v.height, v.mobile)
			defer tb.close(ctx)
			if v.dark {
				if err := b.call(ctx, tb.session, "Emulation.setEmulatedMedia", map[string]any{
					"features": []map[string]string{{"name": "prefers-color-scheme", "value": "dark"}}}, nil); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range pages {
				if err := tb.navigate(ctx, srv.URL+p); err != nil {
					t.Fatal(err)
				}
				if !v.dark {
					var o overflow
					if err := tb.eval(ctx, fmt.Sprintf(overflowJS, v.width), &o); err != nil {
						t.Fatalf("%s: %v", p, err)
					}
					if o.ScrollWidth > o.InnerWidth || o.ScrollWidth > v.width {
						t.Errorf("%s at %d px: scrollWidth %d > innerWidth %d; sticking out: %s", p, v.width, o.ScrollWidth, o.InnerWidth, strings.Join(o.Offenders, "; "))
					}
				}
				if v.axe {
					vs, err := runAxe(ctx, tb, string(axeSrc))
					if err != nil {
						t.Fatalf("%s: %v", p, err)
					}
					for _, x := range vs {
						var where []string
						for _, n := range x.Nodes[:min(len(x.Nodes), 4)] {
							where = append(where, fmt.Sprintf("%v %s", n.Target, tail(n.HTML, 160)))
						}
						t.Errorf("%s at %s: axe %s (%s): %s, %d nodes:\n\t%s", p, v.name, x.ID, x.Impact, x.Help, len(x.Nodes), strings.Join(where, "\n\t"))
					}
				}
				if errs := tb.pageErrors(); len(errs) > 0 {
					t.Errorf("%s at %s: script errors: %q", p, v.name, errs)
				}
			}
		})
	}

	t.Run("player", func(t *testing.T) { checkPlayer(t, ctx, b, srv, tp) })
	t.Run("moment", func(t *testing.T) { checkMomentForm(t, ctx, b, srv) })
	t.Run("no-javascript", func(t *testing.T) { checkNoScript(t, ctx, b, srv, site) })

	// OSPOFEED_SCREENSHOTS=DIR keeps screenshots of the index and a
	// recording page at 390 px (light and dark) and 1280 px, to look at.
	if dir := os.Getenv("OSPOFEED_SCREENSHOTS"); dir != "" {
		t.Run("screenshots", func(t *testing.T) {
			for _, v := range []view{{"390", 390, 844, true, false, false}, {"390-dark", 390, 844, true, true, false}, {"1280", 1280, 900, false, false, false}} {
				tb := b.newTab(ctx, v.width, v.height, v.mobile)
				if v.dark {
					b.call(ctx, tb.session, "Emulation.setEmulatedMedia", map[string]any{
						"features": []map[string]string{{"name": "prefers-color-scheme", "value": "dark"}}}, nil)
				}
				for name, p := range map[string]string{"index": "/", "recording": "/recordings/" + recs2024[2].slug + "/?t=3723", "event": "/events/ospos-good-2024/"} {
					if err := tb.navigate(ctx, srv.URL+p); err != nil {
						t.Fatal(err)
					}
					// Lazy pictures load as they near the viewport.
					tb.eval(ctx, `new Promise(r => { document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager'); setTimeout(r, 500); })`, nil)
					png, err := tb.screenshot(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, name+"-"+v.name+".png"), png, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				tb.close(ctx)
			}
		})
	}
}

// checkPlayer: a recording page asks nothing of the player's host (the
// picture aside, from the host's picture server) until the visitor
// presses Play; then the player comes in an iframe, starting at ?t=.
func checkPlayer(t *testing.T, ctx context.Context, b *browser, srv *httptest.Server, tp *thirdParty) {
	for _, tt := range []struct {
		name, path, label, picture, want, player string
	}{
		{"kaltura", "/recordings/" + recs2024[0].slug + "/?t=1:02:03", "Play from 1:02:03", "cfvod.kaltura.com",
			"https://cdnapisec.kaltura.com/p/2503451/sp/250345100/embedIframeJs/uiconf_id/50132433/partner_id/2503451?iframeembed=true&entry_id=1_ma4k9rff&flashvars[autoPlay]=true&flashvars[mediaProxy.mediaPlayFrom]=3723",
			"cdnapisec.kaltura.com/p/2503451/sp/250345100/embedIframeJs/"},
		{"youtube", "/recordings/watch-ospo4good24/?t=95", "Play from 1:35", "i.ytimg.com",
			"https://www.youtube-nocookie.com/embed/OSPO4good24?autoplay=1&start=95", "www.youtube-nocookie.com/embed/OSPO4good24"},
		{"from the start", "/recordings/" + recs2024[1].slug + "/", "Play", "cfvod.kaltura.com",
			"https://cdnapisec.kaltura.com/p/2503451/sp/250345100/embedIframeJs/uiconf_id/50132433/partner_id/2503451?iframeembed=true&entry_id=1_uvv0xd6d&flashvars[autoPlay]=true",
			"cdnapisec.kaltura.com/p/2503451/sp/250345100/embedIframeJs/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tb := b.newTab(ctx, 390, 844, true)
			defer tb.close(ctx)
			before := len(tp.requests())
			if err := tb.navigate(ctx, srv.URL+tt.path); err != nil {
				t.Fatal(err)
			}
			var label string
			if err := tb.eval(ctx, `document.querySelector('[data-player] button.player-start').textContent.trim()`, &label); err != nil {
				t.Fatalf("no Play button in the player: %v", err)
			}
			if label != tt.label {
				t.Errorf("Play button reads %q; want %q", label, tt.label)
			}
			site, _ := url.Parse(srv.URL)
			for _, r := range tb.seen() {
				u, err := url.Parse(r.URL)
				if err != nil || u.Host == site.Host || u.Scheme == "data" {
					continue
				}
				if r.Type != "Image" || u.Host != tt.picture {
					t.Errorf("before Play, the page asked %s for %s (%s)", u.Host, r.URL, r.Type)
				}
			}
			for _, r := range tp.requests()[before:] {
				if strings.HasPrefix(r, strings.Split(tt.player, "/")[0]+"/") {
					t.Errorf("before Play, the player's host was asked for %s", r)
				}
			}
			var src string
			err := tb.eval(ctx, `new Promise((resolve, reject) => {
				document.querySelector('[data-player] button.player-start').click();
				const f = document.querySelector('[data-player] iframe');
				if (!f) return reject(new Error('no iframe after Play'));
				f.addEventListener('load', () => resolve(f.src));
				setTimeout(() => resolve(f.src), 5000);
			})`, &src)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := url.QueryUnescape(src); got != tt.want {
				t.Errorf("player iframe src = %s; want %s", got, tt.want)
			}
			var asked bool
			for _, r := range tp.requests()[before:] {
				asked = asked || strings.HasPrefix(r, tt.player)
			}
			if !asked {
				t.Errorf("after Play, the player was not asked for; the third party saw %q", tp.requests()[before:])
			}
			var title string
			tb.eval(ctx, `document.querySelector('[data-player] iframe').title`, &title)
			if !strings.HasPrefix(title, "Video player: ") {
				t.Errorf("player iframe title = %q; want a name for screen readers", title)
			}
			if errs := tb.pageErrors(); len(errs) > 0 {
				t.Errorf("script errors: %q", errs)
			}
		})
	}
}

// checkMomentForm: the form turns 1:02:03 into links to this page and to
// the citation files at 3723 s, and the citations follow.
func checkMomentForm(t *testing.T, ctx context.Context, b *browser, srv *httptest.Server) {
	tb := b.newTab(ctx, 360, 740, true)
	defer tb.close(ctx)
	rec := recs2024[0]
	if err := tb.navigate(ctx, srv.URL+"/recordings/"+rec.slug+"/"); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Links  []string
		Text   string
		URL    string
		InText string
		Cite   string
		Play   string
	}
	err := tb.eval(ctx, `(() => {
		const f = document.querySelector('form.moment'), i = f.querySelector('input[name=t]');
		i.value = '1:02:03';
		i.dispatchEvent(new Event('input', {bubbles: true}));
		f.requestSubmit();
		const out = f.querySelector('[data-moment-out]');
		return {Links: [...out.querySelectorAll('a')].map(a => a.href), Text: out.textContent, URL: location.href,
			InText: document.getElementById('cite-apa-intext').textContent,
			Cite: document.querySelector('#cite a[href^="cite.bib"]').href,
			Play: document.querySelector('.play-label').textContent};
	})()`, &got)
	if err != nil {
		t.Fatal(err)
	}
	page := srv.URL + "/recordings/" + rec.slug + "/"
	want := []string{page + "?t=3723", page + "cite.bib?t=3723", page + "cite.ris?t=3723", page + "cite.json?t=3723", page + "cite.txt?t=3723"}
	if !slices.Equal(got.Links, want) {
		t.Errorf("moment links = %q; want %q (text %q)", got.Links, want, got.Text)
	}
	if got.URL != page+"?t=3723" {
		t.Errorf("after submitting, the address is %s; want %s", got.URL, page+"?t=3723")
	}
	if !strings.Contains(got.InText, "1:02:03") {
		t.Errorf("APA in-text citation = %q; want the moment 1:02:03 in it", got.InText)
	}
	if got.Cite != page+"cite.bib?t=3723" {
		t.Errorf("BibTeX link = %s; want %s", got.Cite, page+"cite.bib?t=3723")
	}
	if got.Play != "Play from 1:02:03" {
		t.Errorf("Play button = %q after the form; want Play from 1:02:03", got.Play)
	}
	// The file the link names cites the moment (ospofeed serves it).
	resp, err := http.Get(page + "cite.txt?t=3723")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(body.String(), "1:02:03") {
		t.Errorf("GET cite.txt?t=3723 = %d %q; want the citation at 1:02:03", resp.StatusCode, body.String())
	}
	// A moment past the end is refused, and says why.
	tb.eval(ctx, `(() => { const i = document.querySelector('form.moment input[name=t]'); i.value = '9:00:00'; i.dispatchEvent(new Event('input')); })()`, nil)
	var msg string
	tb.eval(ctx, `document.querySelector('[data-moment-out]').textContent`, &msg)
	if !strings.Contains(msg, "long") {
		t.Errorf("a moment past the end reads %q; want the recording's length", msg)
	}
}

// checkNoScript: with JavaScript off, the player is a link to where the
// recording is watched, the moment form opens the page at ?t=, and the
// citations are there as text.
func checkNoScript(t *testing.T, ctx context.Context, b *browser, srv *httptest.Server, site *Site) {
	tb := b.newTab(ctx, 360, 740, true)
	defer tb.close(ctx)
	if err := b.call(ctx, tb.session, "Emulation.setScriptExecutionDisabled", map[string]any{"value": true}, nil); err != nil {
		t.Fatal(err)
	}
	rec := recs2024[0]
	if err := tb.navigate(ctx, srv.URL+"/recordings/"+rec.slug+"/"); err != nil {
		t.Fatal(err)
	}
	for _, r := range tb.seen() {
		if strings.Contains(r.URL, "cdnapisec.kaltura.com") || strings.Contains(r.URL, "youtube") {
			t.Errorf("without JavaScript the page asked for %s", r.URL)
		}
	}
	// Runtime.evaluate still runs with page scripts disabled.
	var got struct {
		Href, Text, Form string
		Iframes          int
	}
	if err := tb.eval(ctx, `(() => { const a = document.querySelector('[data-player] a.player-start');
		return {Href: a.href, Text: a.textContent.trim(), Form: document.querySelector('form.moment').action,
			Iframes: document.querySelectorAll('iframe').length}; })()`, &got); err != nil {
		t.Fatal(err)
	}
	if got.Href != rec.id || got.Text != "Watch on UN Web TV" || got.Iframes != 0 {
		t.Errorf("without JavaScript the player is %+v; want a link to %s reading Watch on UN Web TV, no iframe", got, rec.id)
	}
	if want := srv.URL + "/recordings/" + rec.slug + "/"; got.Form != want {
		t.Errorf("moment form's action = %s; want the page itself, %s", got.Form, want)
	}
}

// TestChecksICal parses every calendar of the site, and feed's golden
// calendars, with ical.js: each parses, with the VEVENTs ospofeed wrote,
// each with a UID, DTSTAMP, LAST-MODIFIED and SEQUENCE, and no METHOD
// (no iTIP: see feed.ICalendar).
func TestChecksICal(t *testing.T) {
	node, err := exec.LookPath("node")
	needTool(t, "node (for ical.js)", err)
	_, err = toolFile("ical.js/package.json")
	needTool(t, "ical.js", err)

	s, err := BuildWith(checkSnapshot(), checkOptions)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	want := map[string]int{} // file -> VEVENTs
	for _, p := range s.Paths() {
		if !strings.HasSuffix(p, ".ics") {
			continue
		}
		body := page(t, s, p)
		f := filepath.Join(dir, strings.ReplaceAll(strings.Trim(p, "/"), "/", "_"))
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		want[f] = strings.Count(body, "BEGIN:VEVENT")
	}
	golden, _ := filepath.Glob("../feed/testdata/golden/*.ics")
	for _, g := range golden {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		want[g] = strings.Count(string(b), "BEGIN:VEVENT")
	}
	if len(want) < 5 {
		t.Fatalf("found %d calendars to check", len(want))
	}
	files := make([]string, 0, len(want))
	for f := range want {
		files = append(files, f)
	}
	slices.Sort(files)
	out, err := exec.Command(node, append([]string{filepath.Join(checksDir, "ical-check.js")}, files...)...).Output()
	if err != nil {
		t.Fatalf("ical-check.js: %v", err)
	}
	var got []struct {
		File   string
		Error  string
		Props  []string
		Events []struct {
			UID, Summary, DTStart, DTStamp, LastModified, Organizer string
			Sequence                                                *int
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("ical-check.js output: %v\n%s", err, out)
	}
	for _, c := range got {
		name := strings.TrimPrefix(c.File, dir+"/")
		if c.Error != "" {
			t.Errorf("ical.js cannot parse %s: %s", name, c.Error)
			continue
		}
		if len(c.Events) != want[c.File] {
			t.Errorf("ical.js reads %d VEVENTs in %s; ospofeed wrote %d", len(c.Events), name, want[c.File])
		}
		if slices.Contains(c.Props, "method") {
			t.Errorf("%s has METHOD: an iTIP message, whose VEVENTs need an ORGANIZER", name)
		}
		for _, e := range c.Events {
			if e.UID == "" || e.DTStart == "" || e.DTStamp == "" || e.LastModified == "" || e.Sequence == nil || e.Summary == "" {
				t.Errorf("%s: VEVENT %+v lacks UID, DTSTART, DTSTAMP, LAST-MODIFIED, SEQUENCE or SUMMARY", name, e)
			}
		}
	}
	if len(got) != len(files) {
		t.Errorf("ical.js reported on %d files; want %d", len(got), len(files))
	}
}
