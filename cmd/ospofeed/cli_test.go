package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ospofeed/ospofeed/config"
	"github.com/ospofeed/ospofeed/scraper"
	"github.com/ospofeed/ospofeed/store"
)

func TestUsageAndConfigErrorsExit2WithoutTouchingTheDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "never.db")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("contact: https://example.org\nsources:\n  - id: x\n    kind: un-event\n    url: https://www.un.org/x\n    schedul: \"@daily\"\n"), 0o644)
	badCron := filepath.Join(dir, "cron.yaml")
	os.WriteFile(badCron, []byte("sources:\n  - id: x\n    kind: un-event\n    url: https://www.un.org/x\n    schedule: \"61 * * * *\"\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no command", nil, []string{"no command"}},
		{"unknown command", []string{"frobnicate"}, []string{`unknown command "frobnicate"`}},
		{"bad flag", []string{"crawl", "--nope"}, []string{"nope"}},
		{"unknown field", []string{"crawl", "--config", bad, "--db", db}, []string{bad + ":6", "sources[0].schedul", "unknown field"}},
		{"bad cron", []string{"serve", "--config", badCron, "--db", db}, []string{badCron + ":5", "sources[0].schedule", "61 * * * *"}},
		{"missing file", []string{"crawl", "--config", filepath.Join(dir, "absent.yaml"), "--db", db}, []string{"absent.yaml"}},
		{"unknown source", []string{"crawl", "--source", "nope", "--db", db}, []string{`"nope"`}},
		{"config what", []string{"config", "show"}, []string{"config default"}},
		{"healthcheck bad addr", []string{"healthcheck", "--addr", "nonsense"}, []string{"nonsense"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCmd(context.Background(), tt.args...)
			if exitCode(err) != exitUsage {
				t.Fatalf("run(%v) = %v (exit %d); want exit 2", tt.args, err, exitCode(err))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("run(%v) error %q lacks %q", tt.args, err, w)
				}
			}
		})
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a usage or configuration error created the database")
	}
}

func TestConfigErrorLeavesDatabaseUntouched(t *testing.T) {
	_, _, db := crawlFixture(t)
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("sources: [ {id: Bad ID} ]\n"), 0o644)
	if _, _, err := runCmd(context.Background(), "crawl", "--config", bad, "--db", db); exitCode(err) != exitUsage {
		t.Fatalf("crawl with a bad config = %v", err)
	}
	after, _ := os.ReadFile(db)
	if string(before) != string(after) {
		t.Fatal("a bad configuration changed the database file")
	}
}

func TestEmbeddedDefaultParsesAndVersionPrints(t *testing.T) {
	out, _, err := runCmd(context.Background(), "config", "default")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("stdout", []byte(out), scraper.Kinds())
	if err != nil {
		t.Fatalf("printed default does not parse: %v", err)
	}
	if len(cfg.Sources) != 11 || cfg.Sources[1].URL != event2024 {
		t.Fatalf("default sources: %d, second %s", len(cfg.Sources), cfg.Sources[1].URL)
	}
	if out, _, err := runCmd(context.Background(), "version"); err != nil || !strings.HasPrefix(out, "ospofeed ") {
		t.Fatalf("version = %q, %v", out, err)
	}
}

func TestFailingSourceExits1AndKeepsItsItems(t *testing.T) {
	site, cfg, db := crawlFixture(t)
	site.Remove("www.un.org", "/techenvoy/content/ospos-good-2024")
	_, stderr, err := runCmd(context.Background(), "crawl", "--config", cfg, "--db", db)
	if exitCode(err) != exitFailed {
		t.Fatalf("crawl with a failing source = %v (exit %d)\n%s", err, exitCode(err), stderr)
	}
	if !strings.Contains(stderr, "ospos-for-good-2024          FAILED") || !strings.Contains(stderr, "404") {
		t.Errorf("summary does not name the failed source and cause:\n%s", stderr)
	}
	if !strings.Contains(stderr, "ospos-for-good-2023          ok") {
		t.Errorf("one failing source stopped the others:\n%s", stderr)
	}
	d, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ev, ok, err := d.Item(event2024)
	if err != nil || !ok || len(ev.Recordings) != 4 || ev.Title != "OSPOs for Good 2024" {
		t.Fatalf("event after a failed crawl = %+v, %v, %v", ev, ok, err)
	}
	st, _ := d.SourceStates()
	if s := st["ospos-for-good-2024"]; s.Status != "failed" || s.LastSuccess.IsZero() || !strings.Contains(s.LastError, "404") {
		t.Errorf("state = %+v", s)
	}
}

func TestHealthcheckWithoutServer(t *testing.T) {
	_, _, err := runCmd(context.Background(), "healthcheck", "--addr", "127.0.0.1:1", "--timeout", "2s")
	if exitCode(err) != exitFailed {
		t.Fatalf("healthcheck with nothing listening = %v (exit %d); want exit 1", err, exitCode(err))
	}
}

func TestCompactCommand(t *testing.T) {
	_, cfg, db := crawlFixture(t)
	out, _, err := runCmd(context.Background(), "compact", "--config", cfg, "--db", db)
	if err != nil || !strings.HasPrefix(out, "compacted "+db+": ") {
		t.Fatalf("compact = %q, %v", out, err)
	}
	d, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if ev, ok, err := d.Item(event2024); err != nil || !ok || len(ev.Recordings) != 4 {
		t.Fatalf("event after compact = %v, %v, %v", ev.Recordings, ok, err)
	}
}
