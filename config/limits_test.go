package config

import (
	"strings"
	"testing"

	"github.com/ospofeed/ospofeed"
)

func limits(lines string) string { return "limits:\n" + lines + base }

func TestLimitsDefaultWhenOmitted(t *testing.T) {
	if got, want := mustParse(t, base).Limits, ospofeed.DefaultLimits(); got != want {
		t.Errorf("Parse(no limits:).Limits = %+v; want %+v", got, want)
	}
	// A section that sets one limit keeps the defaults of the others.
	got := mustParse(t, limits("  title_chars: 80\n")).Limits
	want := ospofeed.DefaultLimits()
	want.TitleChars = 80
	if got != want {
		t.Errorf("Parse(title_chars: 80).Limits = %+v; want %+v", got, want)
	}
}

func TestLimitsExplicit(t *testing.T) {
	got := mustParse(t, limits(`  items_per_crawl: 20_000
  title_chars: 1000
  summary_chars: 100
  content_bytes: 2_000_000
  links_per_item: 5
`)).Limits
	want := ospofeed.Limits{ItemsPerCrawl: 20000, TitleChars: 1000, SummaryChars: 100, ContentBytes: 2_000_000, LinksPerItem: 5}
	if got != want {
		t.Errorf("Parse(limits).Limits = %+v; want %+v", got, want)
	}
}

// links_per_item: 0 means "keep no links", which ospofeed.Limits spells
// NoLinks (its 0 is "the default").
func TestLimitsNoLinks(t *testing.T) {
	got := mustParse(t, limits("  links_per_item: 0\n")).Limits
	if got.LinksPerItem != ospofeed.NoLinks {
		t.Errorf("Parse(links_per_item: 0).Limits.LinksPerItem = %d; want NoLinks (%d)", got.LinksPerItem, ospofeed.NoLinks)
	}
	if r := got.Resolve(); r.LinksPerItem >= 0 {
		t.Errorf("Resolve().LinksPerItem = %d; want it to stay negative (none kept)", r.LinksPerItem)
	}
}

func TestLimitsRefused(t *testing.T) {
	testRefusals(t, []refusal{
		{"items_per_crawl 0", limits("  items_per_crawl: 0\n"),
			"bad.yaml:2: limits.items_per_crawl: ", "must be between 1 and 1000000, not 0"},
		{"items_per_crawl past 1,000,000", limits("  items_per_crawl: 1_000_001\n"),
			"bad.yaml:2: limits.items_per_crawl: ", "must be between 1 and 1000000, not 1000001"},
		{"title_chars 49", limits("  title_chars: 49\n"),
			"bad.yaml:2: limits.title_chars: ", "must be between 50 and 10000, not 49"},
		{"title_chars 10,001", limits("  title_chars: 10001\n"),
			"bad.yaml:2: limits.title_chars: ", "must be between 50 and 10000, not 10001"},
		{"summary_chars 99", limits("  summary_chars: 99\n"),
			"bad.yaml:2: limits.summary_chars: ", "must be between 100 and 1000000, not 99"},
		{"summary_chars past 1,000,000", limits("  summary_chars: 1000001\n"),
			"bad.yaml:2: limits.summary_chars: ", "must be between 100 and 1000000, not 1000001"},
		{"content_bytes 999", limits("  content_bytes: 999\n"),
			"bad.yaml:2: limits.content_bytes: ", "must be between 1000 and 10000000, not 999"},
		{"content_bytes past 10 MB", limits("  content_bytes: 10_000_001\n"),
			"bad.yaml:2: limits.content_bytes: ", "must be between 1000 and 10000000, not 10000001"},
		{"links_per_item negative", limits("  links_per_item: -1\n"),
			"bad.yaml:2: limits.links_per_item: ", "must be between 0 and 100000, not -1"},
		{"links_per_item past 100,000", limits("  links_per_item: 100001\n"),
			"bad.yaml:2: limits.links_per_item: ", "must be between 0 and 100000, not 100001"},
		{"not a number", limits("  title_chars: many\n"),
			"bad.yaml:2: limits.title_chars: ", `must be a whole number, not "many"`},
		{"a list", limits("  links_per_item: [1]\n"),
			"bad.yaml:2: limits.links_per_item: ", "must be a whole number, not a list"},
		{"unknown key", limits("  items_per_source: 10\n"),
			"bad.yaml:2: limits.items_per_source: ", "unknown field (known: items_per_crawl, title_chars, summary_chars, content_bytes, links_per_item)"},
		{"given twice", limits("  title_chars: 60\n  title_chars: 70\n"),
			"bad.yaml:3: limits.title_chars: ", "field given twice"},
		{"not a mapping", "limits: 5000\n" + base,
			"bad.yaml:1: limits: ", `must be a mapping, not "5000"`},
		{"a line further down", limits("  title_chars: 500\n\n  summary_chars: 5\n"),
			"bad.yaml:4: limits.summary_chars: ", "must be between 100 and 1000000, not 5"},
	})
	testAccepted(t, map[string]string{
		"lower bounds": limits("  items_per_crawl: 1\n  title_chars: 50\n  summary_chars: 100\n  content_bytes: 1000\n  links_per_item: 0\n"),
		"upper bounds": limits("  items_per_crawl: 1_000_000\n  title_chars: 10_000\n  summary_chars: 1_000_000\n" +
			"  content_bytes: 10_000_000\n  links_per_item: 100_000\n"),
	})
}

// The embedded default spells out the defaults: what an operator copies
// from `ospofeed config default` is what runs without it.
func TestDefaultYAMLLimits(t *testing.T) {
	// The kinds default.yaml uses; default_test.go checks them against
	// scraper.Kinds().
	all := []string{"un-event", "unwebtv-schedule", "feed", "html", "ospo-directory"}
	cfg, err := Parse(DefaultName, defaultYAML, all)
	if err != nil {
		t.Fatalf("Parse(default.yaml) = %v", err)
	}
	if got, want := cfg.Limits, ospofeed.DefaultLimits(); got != want {
		t.Errorf("Parse(default.yaml).Limits = %+v; want DefaultLimits() = %+v", got, want)
	}
	// Spelled out, not only defaulted in the code.
	for _, line := range []string{"\nlimits:\n", "\n  items_per_crawl: 5000 ", "\n  title_chars: 500 ",
		"\n  summary_chars: 5000 ", "\n  content_bytes: 100000 ", "\n  links_per_item: 200 "} {
		if !strings.Contains(string(defaultYAML), line) {
			t.Errorf("default.yaml lacks %q", strings.TrimSpace(line))
		}
	}
}
