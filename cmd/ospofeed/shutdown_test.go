package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed/internal/fixture"
	"github.com/ospofeed/ospofeed/store"
)

// slowConfig has one source whose page takes 3 s to answer.
func slowConfig(t *testing.T, site *fixture.Site) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("crawl:\n  delay_per_host: 1ms\n  allow_private: true\n  connect_to:\n")
	for _, h := range site.Hosts() {
		fmt.Fprintf(&b, "    %s: %q\n", h, site.Addr())
	}
	b.WriteString("kaltura:\n  enabled: false\nsources:\n  - id: slow\n    kind: un-event\n    url: https://scenarios.test/slowpage\n")
	p := filepath.Join(t.TempDir(), "slow.yaml")
	os.WriteFile(p, []byte(b.String()), 0o644)
	return p
}

func TestSIGTERMDuringACrawl(t *testing.T) {
	tests := []struct {
		name       string
		grace      string
		wantStatus string
		wantError  string
	}{
		// Not the source's fault: its health stays as it was (never
		// crawled), and the crawl log says it was interrupted.
		{"grace too short: the crawl is cancelled, the source's health untouched", "50ms", "new", ""},
		{"grace long enough: the crawl finishes", "20s", "ok", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			site := fixture.New()
			defer site.Close()
			db := filepath.Join(t.TempDir(), "ospofeed.db")
			s := startServe(t, "--config", slowConfig(t, site), "--db", db, "--shutdown-timeout", tt.grace)
			// Wait until the page request is in flight.
			deadline := time.Now().Add(10 * time.Second)
			for site.Count("scenarios.test", "/slowpage") == 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if site.Count("scenarios.test", "/slowpage") == 0 {
				t.Fatalf("the start-up crawl never asked for the page:\n%s", s.stderr.String())
			}
			s.stop(t) // fails the test if serve has not returned within 30 s
			d, err := store.Open(db, store.Options{ReadOnly: true})
			if err != nil {
				t.Fatalf("database after shutdown: %v", err)
			}
			defer d.Close()
			st, err := d.SourceStates()
			if err != nil {
				t.Fatal(err)
			}
			got, ok := st["slow"]
			if !ok {
				got.Status = "new"
			}
			if string(got.Status) != tt.wantStatus || !strings.Contains(got.LastError, tt.wantError) {
				t.Errorf("source state after shutdown = %+v; want %s\n%s", got, tt.wantStatus, s.stderr.String())
			}
			logs, err := d.CrawlLogs("slow", 1)
			if err != nil || len(logs) != 1 {
				t.Fatalf("crawl logs = %v, %v; want the crawl recorded", logs, err)
			}
			if want := map[string]string{"new": "interrupted", "ok": "ok"}[tt.wantStatus]; string(logs[0].Status) != want {
				t.Errorf("crawl log status = %s; want %s", logs[0].Status, want)
			}
		})
	}
}
