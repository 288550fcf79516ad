package config_test

// The embedded default, checked against the kinds this binary's scrapers
// really provide: an external test, since scraper imports config.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed/config"
	"github.com/ospofeed/ospofeed/scraper"
)

func loadDefault(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.LoadDefault(scraper.Kinds())
	if err != nil {
		t.Fatalf("LoadDefault(%v) = %v", scraper.Kinds(), err)
	}
	return cfg
}

func TestLoadDefault(t *testing.T) {
	cfg := loadDefault(t)
	// The OSPO events and the UN Web TV schedule come first, in this order;
	// other sources follow.
	want := []struct{ id, kind, url string }{
		{"ospos-for-good-2023", "un-event", "https://www.un.org/techenvoy/content/ospos-good-2023"},
		{"ospos-for-good-2024", "un-event", "https://www.un.org/techenvoy/content/ospos-good-2024"},
		{"open-source-week-2025", "un-event", "https://www.un.org/digital-emerging-technologies/content/open-source-week-2025"},
		{"open-source-week-2026", "un-event", "https://www.un.org/digital-emerging-technologies/content/open-source-week-2026"},
		{"unwebtv-schedule", "unwebtv-schedule", "https://webtv.un.org/en/schedule"},
	}
	if len(cfg.Sources) < len(want) {
		t.Fatalf("LoadDefault() has %d sources; want at least %d", len(cfg.Sources), len(want))
	}
	for i, w := range want {
		t.Run(w.id, func(t *testing.T) {
			got := cfg.Sources[i]
			if got.ID != w.id || got.Kind != w.kind || got.URL != w.url {
				t.Errorf("Sources[%d] = %s %s %s; want %s %s %s", i, got.ID, got.Kind, got.URL, w.id, w.kind, w.url)
			}
			if got.Kind == "un-event" && len(got.Keywords) == 0 {
				t.Errorf("Sources[%d] (%s) has no keywords; the schedule source needs them", i, got.ID)
			}
		})
	}
	for i, src := range cfg.Sources {
		if src.Name == "" || src.Schedule == "" {
			t.Errorf("Sources[%d] (%s) has name %q, schedule %q; want both set", i, src.ID, src.Name, src.Schedule)
		}
		if !strings.HasPrefix(src.URL, "https://") {
			t.Errorf("Sources[%d] (%s) URL %q is not https", i, src.ID, src.URL)
		}
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Contact", cfg.Contact, "https://github.com/ospofeed/ospofeed"},
		{"Site.BaseURL", cfg.Site.BaseURL, "http://localhost:8080"},
		{"Crawl.ParallelPerHost", cfg.Crawl.ParallelPerHost, 2},
		{"Crawl.DelayPerHost", cfg.Crawl.DelayPerHost, 250 * time.Millisecond},
		{"Crawl.RequestTimeout", cfg.Crawl.RequestTimeout, 30 * time.Second},
		{"Crawl.MaxBodyBytes", cfg.Crawl.MaxBodyBytes, int64(10 << 20)},
		{"Crawl.AllowPrivate", cfg.Crawl.AllowPrivate, false},
		{"len(Crawl.ConnectTo)", len(cfg.Crawl.ConnectTo), 0},
		{"Kaltura.Enabled", cfg.Kaltura.Enabled, true},
		{"Kaltura.Endpoint", cfg.Kaltura.Endpoint, "https://cdnapisec.kaltura.com"},
		{"Kaltura.PartnerID", cfg.Kaltura.PartnerID, 2503451},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("LoadDefault().%s = %v; want %v", c.name, c.got, c.want)
		}
	}
	if got, want := cfg.UserAgent("1.2.3"), "ospofeed/1.2.3 (+https://github.com/ospofeed/ospofeed)"; got != want {
		t.Errorf("LoadDefault().UserAgent(1.2.3) = %q; want %q", got, want)
	}
	if !strings.Contains(string(config.Default()), "ospos-good-2023") {
		t.Error("Default() does not return the embedded YAML")
	}
}

func TestDefaultIntervals(t *testing.T) {
	cfg := loadDefault(t)
	tests := []struct {
		id   string
		want time.Duration
	}{
		{"ospos-for-good-2023", 7 * 24 * time.Hour}, // "15 4 * * 1"
		{"ospos-for-good-2024", 7 * 24 * time.Hour},
		{"open-source-week-2026", 6 * time.Hour}, // "45 */6 * * *"
		{"unwebtv-schedule", 6 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			src, ok := cfg.Source(tt.id)
			if !ok {
				t.Fatalf("Source(%q) not found in the default", tt.id)
			}
			if got := config.Interval(src); got != tt.want {
				t.Errorf("Interval(%s, %q) = %s; want %s", tt.id, src.Schedule, got, tt.want)
			}
		})
	}
}

// TestDefaultNeedsEveryKind: a binary missing a scraper the default uses
// refuses the default with an error naming the file, line and field.
func TestDefaultNeedsEveryKind(t *testing.T) {
	_, err := config.LoadDefault([]string{"unwebtv-schedule"})
	if err == nil {
		t.Fatal("LoadDefault(without un-event) = nil; want an error")
	}
	// The line of the first source's kind, wherever edits of the default
	// put it.
	line := 0
	for i, l := range strings.Split(string(config.Default()), "\n") {
		if strings.TrimSpace(l) == "kind: un-event" {
			line = i + 1
			break
		}
	}
	if want := fmt.Sprintf("%s:%d: sources[0].kind: unknown kind \"un-event\" (one of: unwebtv-schedule)", config.DefaultName, line); !strings.Contains(err.Error(), want) {
		t.Errorf("LoadDefault(without un-event) = %q; want it to contain %q", err, want)
	}
}
