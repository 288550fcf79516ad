package scraper

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

// TestRunInterruptedVersusTimeout: a crawl cut short by the process's
// shutdown (its parent context) is interrupted, not the source's fault; one
// that runs out of its own run_timeout is a failure.
func TestRunInterruptedVersusTimeout(t *testing.T) {
	site := newSite(t)
	slow := ospofeed.Source{ID: "slow", Kind: "un-event", URL: "https://scenarios.test/slowpage"}
	t.Run("parent cancelled", func(t *testing.T) {
		cfg := testConfig(site)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		res := Run(ctx, cfg, slow, newMemory(), Options{Version: "test"})
		if res.Err == nil || !res.Interrupted {
			t.Errorf("Run with a cancelled parent = err %v, interrupted %v; want an error, interrupted", res.Err, res.Interrupted)
		}
	})
	t.Run("run timeout", func(t *testing.T) {
		cfg := testConfig(site)
		cfg.Crawl.RunTimeout = 300 * time.Millisecond
		res := Run(context.Background(), cfg, slow, newMemory(), Options{Version: "test"})
		if res.Err == nil || res.Interrupted {
			t.Errorf("Run past its run_timeout = err %v, interrupted %v; want an error, not interrupted", res.Err, res.Interrupted)
		}
	})
}

// TestRunExpect: a source's expect overrides only what it names, and
// filtered feeds are volatile.
func TestRunExpect(t *testing.T) {
	site := newSite(t)
	cfg := testConfig(site)
	feedURL := "https://joinup.ec.europa.eu/collection/open-source-observatory-osor/feed.xml"
	tests := []struct {
		name string
		src  ospofeed.Source
		want ospofeed.Expect
	}{
		{"kind default", ospofeed.Source{ID: "f", Kind: "feed", URL: feedURL},
			ospofeed.Expect{Required: []string{"title", "url"}}},
		{"feed filtered by types", ospofeed.Source{ID: "f", Kind: "feed", URL: feedURL, Types: []string{"News"}},
			ospofeed.Expect{Required: []string{"title", "url"}, Volatile: true}},
		{"feed filtered by keywords", ospofeed.Source{ID: "f", Kind: "feed", URL: feedURL, Keywords: []string{"OSPO"}},
			ospofeed.Expect{Required: []string{"title", "url"}, Volatile: true}},
		{"min_items only", ospofeed.Source{ID: "f", Kind: "feed", URL: feedURL, Expect: &ospofeed.Expect{MinItems: 3}},
			ospofeed.Expect{MinItems: 3, Required: []string{"title", "url"}}},
		{"required only", ospofeed.Source{ID: "f", Kind: "feed", URL: feedURL, Expect: &ospofeed.Expect{MinItems: -1, Required: []string{"date"}}},
			ospofeed.Expect{Required: []string{"date"}}},
		{"volatile only", ospofeed.Source{ID: "f", Kind: "feed", URL: feedURL, Expect: &ospofeed.Expect{MinItems: -1, Volatile: true}},
			ospofeed.Expect{Required: []string{"title", "url"}, Volatile: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Run(context.Background(), cfg, tt.src, newMemory(), Options{Version: "test"})
			got := res.Expect
			if got.MinItems != tt.want.MinItems || got.Volatile != tt.want.Volatile || !slices.Equal(got.Required, tt.want.Required) {
				t.Errorf("Run(%s).Expect = %+v; want %+v", tt.name, got, tt.want)
			}
		})
	}
}
