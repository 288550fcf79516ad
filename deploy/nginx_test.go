package deploy_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed/internal/fixture"
)

// TestNginxServesCrawlOutput runs nginx with deploy/nginx/ospofeed.conf (as
// compose.yaml mounts it) on what `crawl --out` wrote: the types are
// ospofeed's, full archive pages are cached for a year, everything else
// briefly, and ospofeed's bookkeeping is never served.
func TestNginxServesCrawlOutput(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil && fileExists("/usr/sbin/nginx") {
		nginx, err = "/usr/sbin/nginx", nil
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("nginx is not installed: CI must run this test (.ci/run installs nginx-light)")
		}
		t.Skip("nginx is not installed (apt-get install nginx-light)")
	}
	site := fixture.New()
	defer site.Close()
	cfg := writeConfig(t, site, "", "")
	work := t.TempDir()
	out := filepath.Join(work, "site")
	if o, err := exec.Command(bin, "crawl", "--config", cfg, "--db", filepath.Join(work, "ospofeed.db"), "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("crawl --out: %v\n%s", err, o)
	}

	conf, err := os.ReadFile("nginx/ospofeed.conf")
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	site2 := string(conf)
	for old, new := range map[string]string{
		"listen 80;":                  "listen " + addr + ";",
		"root /usr/share/nginx/html;": "root " + out + ";",
	} {
		if !strings.Contains(site2, old) {
			t.Fatalf("nginx/ospofeed.conf has no %q (compose.yaml relies on it)", old)
		}
		site2 = strings.Replace(site2, old, new, 1)
	}
	prefix := t.TempDir()
	if err := os.WriteFile(filepath.Join(prefix, "site.conf"), []byte(site2), 0o644); err != nil {
		t.Fatal(err)
	}
	// The http block of the nginx image, reduced to what runs here as
	// root without touching the system's nginx: one process, files under
	// prefix.
	main := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    sendfile on;
    include %[1]s/site.conf;
}
`, prefix)
	mainConf := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(mainConf, []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	if o, err := exec.Command(nginx, "-t", "-p", prefix, "-c", mainConf).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nginx, "-p", prefix, "-c", mainConf)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGQUIT)
		cmd.Wait()
	}()
	base := "http://" + addr
	if code, body := tryGetRetry(base+"/", "<html", 10*time.Second); code != 200 || !strings.Contains(body, "<html") {
		log, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
		t.Fatalf("nginx does not answer: %d\n%s", code, log)
	}

	archive := firstFile(t, out, "feeds/all/archive")
	for _, tt := range []struct {
		path, status, ctype, cache string
	}{
		{"/", "200", "text/html", "max-age=300"},
		{"/events/ospos-good-2024/", "200", "text/html", "max-age=300"},
		{"/feeds/all.atom", "200", "application/atom+xml; charset=utf-8", "max-age=300"},
		{"/feeds/all.rss", "200", "application/rss+xml; charset=utf-8", "max-age=300"},
		{"/feeds/all.json", "200", "application/feed+json; charset=utf-8", "max-age=300"},
		{"/calendar.ics", "200", "text/calendar; charset=utf-8", "max-age=300"},
		{"/feeds.opml", "200", "text/x-opml; charset=utf-8", "max-age=300"},
		{"/feeds/all/archive/" + archive, "200", "", "public, max-age=31536000, immutable"},
		{"/.ospofeed/manifest", "404", "", ""},
		// The site's search box on a static copy: the browse page.
		{"/search?q=keynote", "200", "text/html", "max-age=300"},
		{"/years/2024/", "200", "text/html", "max-age=300"},
		{"/no-such-page", "404", "", ""},
	} {
		resp, err := http.Get(base + tt.path)
		if err != nil {
			t.Errorf("GET %s: %v", tt.path, err)
			continue
		}
		resp.Body.Close()
		got := fmt.Sprint(resp.StatusCode)
		if got != tt.status {
			t.Errorf("GET %s = %s; want %s", tt.path, got, tt.status)
		}
		if ct := resp.Header.Get("Content-Type"); tt.ctype != "" && !strings.HasPrefix(ct, tt.ctype) {
			t.Errorf("GET %s: Content-Type %q; want %q", tt.path, ct, tt.ctype)
		}
		if cc := resp.Header.Get("Cache-Control"); tt.cache != "" && !strings.Contains(cc, tt.cache) {
			t.Errorf("GET %s: Cache-Control %q; want %q", tt.path, cc, tt.cache)
		}
	}
	// A citation's CSL-JSON is not a JSON Feed.
	resp, err := http.Get(base + "/recordings/k1ma4k9rff/cite.json")
	if err != nil {
		t.Fatalf("cite.json: %v", err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "application/vnd.citationstyles.csl+json") {
		t.Errorf("cite.json: %d, Content-Type %q; want 200 and CSL-JSON's", resp.StatusCode, ct)
	}
}

// firstFile names the first entry of dir (under root), failing when none.
func firstFile(t *testing.T, root, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, dir))
	if err != nil || len(entries) == 0 {
		t.Fatalf("crawl --out wrote nothing under %s: %v", dir, err)
	}
	return entries[0].Name()
}
