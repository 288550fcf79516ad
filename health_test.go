package ospofeed

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestEvaluate(t *testing.T) {
	rec := func(id, title string) Item {
		return Item{ID: "https://x.test/" + id, Kind: KindRecording, URL: "https://x.test/" + id, Title: title, Authority: AuthorityPage}
	}
	link := func(id string) Item {
		it := rec(id, "")
		it.Authority = AuthorityLink
		return it
	}
	gone := rec("gone", "")
	gone.Withdrawn = true
	blocked := fmt.Errorf("source yt: %w", &BlockedError{URL: "https://v.test/feeds/videos.xml?channel_id=UC1",
		RobotsURL: "https://v.test/robots.txt", Agent: "ospofeed", Group: "User-agent: *", Rule: "Disallow: /feeds/videos.xml"})
	tests := []struct {
		name      string
		res       CrawlResult
		exp       Expect
		lastFound int
		want      Status
		reason    string
	}{
		{"error", CrawlResult{Err: errors.New("HTTP 503")}, Expect{}, 3, StatusFailed, "HTTP 503"},
		{"fine", CrawlResult{Items: []Item{rec("a", "A")}}, Expect{MinItems: 1, Required: []string{"title"}}, 1, StatusOK, ""},
		{"empty as before", CrawlResult{}, Expect{}, 0, StatusEmpty, "lists nothing"},
		{"empty after items", CrawlResult{}, Expect{}, 4, StatusDegraded, "the last healthy crawl found 4"},
		{"filtered feed may empty", CrawlResult{}, Expect{Volatile: true}, 4, StatusEmpty, "lists nothing"},
		{"lost more than half", CrawlResult{Items: []Item{rec("a", "A")}}, Expect{}, 4, StatusDegraded, "found 1 items; the last healthy crawl found 4"},
		{"lost less than half", CrawlResult{Items: []Item{rec("a", "A"), rec("b", "B")}}, Expect{}, 4, StatusOK, ""},
		{"a small source losing an item", CrawlResult{Items: []Item{rec("a", "A")}}, Expect{}, 2, StatusDegraded, "found 1 items; the last healthy crawl found 2"},
		{"a small source growing", CrawlResult{Items: []Item{rec("a", "A"), rec("b", "B"), rec("c", "C")}}, Expect{}, 2, StatusOK, ""},
		{"a bare link whose page failed this time", CrawlResult{Items: []Item{rec("a", "A"), link("b")}}, Expect{Required: []string{"title"}}, 2, StatusOK, ""},
		{"a page that lost its title", CrawlResult{Items: []Item{rec("a", "A"), rec("b", "")}}, Expect{Required: []string{"title"}}, 2, StatusDegraded, "1 of 2 items lack title"},
		{"interrupted", CrawlResult{Interrupted: true, Err: errors.New("context canceled")}, Expect{}, 4, StatusInterrupted, "stopped"},
		{"robots.txt disallows the source", CrawlResult{Err: blocked}, Expect{MinItems: 1}, 3, StatusBlocked,
			`https://v.test/robots.txt disallows https://v.test/feeds/videos.xml?channel_id=UC1 for ospofeed ("Disallow: /feeds/videos.xml" under "User-agent: *")`},
		{"robots.txt disallows a page, not the source", CrawlResult{Err: errors.New("GET https://v.test/a: disallowed by robots.txt")}, Expect{}, 3, StatusFailed, "disallowed"},
		{"interrupted while blocked", CrawlResult{Interrupted: true, Err: blocked}, Expect{}, 4, StatusInterrupted, "stopped"},
		{"too few", CrawlResult{Items: []Item{rec("a", "A")}}, Expect{MinItems: 2}, 0, StatusDegraded, "expected at least 2"},
		{"missing field", CrawlResult{Items: []Item{rec("a", "A"), rec("b", "")}}, Expect{Required: []string{"title"}}, 2, StatusDegraded, "1 of 2 items lack title"},
		{"link and page are one item", CrawlResult{Items: []Item{link("a"), rec("a", "A")}}, Expect{Required: []string{"title"}}, 1, StatusOK, ""},
		{"withdrawn not held against", CrawlResult{Items: []Item{rec("a", "A"), link("gone"), gone}}, Expect{Required: []string{"title"}}, 2, StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := Evaluate(tt.res, tt.exp, tt.lastFound)
			if got != tt.want || !strings.Contains(reason, tt.reason) {
				t.Errorf("Evaluate = %s %q; want %s %q", got, reason, tt.want, tt.reason)
			}
		})
	}
}

func TestStatusLabel(t *testing.T) {
	for s, want := range map[Status]string{StatusBlocked: "blocked by robots.txt", StatusFailed: "failed", StatusOK: "ok", "": ""} {
		if got := s.Label(); got != want {
			t.Errorf("Status(%q).Label() = %q; want %q", s, got, want)
		}
	}
	if StatusBlocked.Healthy() {
		t.Error("blocked is healthy")
	}
}

func TestBackoff(t *testing.T) {
	const h = time.Hour
	for _, tt := range []struct {
		failures int
		want     time.Duration
	}{{0, 0}, {1, 0}, {2, 12 * h}, {3, 24 * h}, {4, 48 * h}, {20, 7 * 24 * h}} {
		if got := Backoff(6*h, tt.failures); got != tt.want {
			t.Errorf("Backoff(6h, %d) = %s; want %s", tt.failures, got, tt.want)
		}
	}
}

func TestCleanTextStripsXMLIllegal(t *testing.T) {
	in := "a\x00b\x1b c\uFFFE\n\td  \xff"
	if got := CleanText(in); got != "ab c d" {
		t.Errorf("CleanText(%q) = %q; want %q", in, got, "ab c d")
	}
	if got := StripXMLIllegal("line\nbreak\tok"); got != "line\nbreak\tok" {
		t.Errorf("StripXMLIllegal kept = %q", got)
	}
}

func TestSlugStable(t *testing.T) {
	for in, want := range map[string]string{
		"https://webtv.un.org/en/asset/k1m/k1ma4k9rff":         "k1ma4k9rff",
		"https://www.un.org/techenvoy/content/ospos-good-2024": "ospos-good-2024",
		"https://code.gouv.fr/fr/blog/ospo-day/":               "ospo-day",
		"https://example.org/":                                 "h" + ShortHash("https://example.org/"),
		"https://example.org/Événement%20Spécial":              "v-nement-sp-cial",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestC1AndWebURL(t *testing.T) {
	if got := StripXMLIllegal("a\u0085b\u0080c\x7fd"); got != "a\nbcd" {
		t.Errorf("StripXMLIllegal(C1, DEL) = %q; want %q", got, "a\nbcd")
	}
	for in, want := range map[string]string{
		" https://code.gouv.fr/x ":     "https://code.gouv.fr/x",
		"http://a.example/\x00":        "http://a.example/",
		"javascript:alert(1)":          "",
		"//cfvod.kaltura.com/p/1":      "",
		"/relative":                    "",
		"https://a.example/with space": "",
	} {
		if got := WebURL(in); got != want {
			t.Errorf("WebURL(%q) = %q; want %q", in, got, want)
		}
	}
	if got := (Item{ID: "https://x.test/a", Title: " \x01 "}).DisplayTitle(); got != "https://x.test/a" {
		t.Errorf("DisplayTitle of an untitled item = %q; want its id", got)
	}
}
