package scraper

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/internal/fixture"
)

const thumbBase = "https://cfvod.kaltura.com/p/2503451/sp/250345100/thumbnail/entry_id/"

// TestRunKalturaAlias: a recording whose page derives an alias entry id
// (1_r2dq8vmz: Kaltura lists it by id with duration 0 and redirectEntryId
// 1_c7hw3kpe) takes id, duration and thumbnail from the canonical entry,
// in one more multirequest.
func TestRunKalturaAlias(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	const page = "https://www.un.org/digital-emerging-technologies/content/maintainers-roundtable-2026"
	site.Set(fixture.HostUN, "/digital-emerging-technologies/content/maintainers-roundtable-2026", "", `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Maintainers Roundtable | United Nations</title></head>
<body><main><h1>Open Source Maintainers Roundtable</h1><p>24 June 2026, UN Headquarters, New York.</p>
<p><a href="https://webtv.un.org/en/asset/k1r/k1r2dq8vmz">Open Source Maintainers Roundtable recording</a></p></main></body></html>`)
	res := run(t, site, nil, eventSource("maintainers-2026", page), newMemory())
	if res.Err != nil {
		t.Fatalf("Run.Err = %v; want nil", res.Err)
	}
	r := latest(res.Items)[assetURL("k1r2dq8vmz")]
	if r.KalturaID != "1_c7hw3kpe" || r.Duration != 5527*time.Second || r.Thumbnail != thumbBase+"1_c7hw3kpe/version/100001" {
		t.Errorf("recording k1r2dq8vmz: KalturaID, Duration, Thumbnail = %q, %v, %q; want the canonical entry's 1_c7hw3kpe, 1h32m7s, its thumbnail",
			r.KalturaID, r.Duration, r.Thumbnail)
	}
	if len(res.Warnings) > 0 {
		t.Errorf("Run warnings = %q; want none", res.Warnings)
	}
	var bodies []string
	for _, req := range site.Requests() {
		if req.Method == http.MethodPost {
			bodies = append(bodies, req.Body)
		}
	}
	if len(bodies) != 2 || !strings.Contains(bodies[0], `"idIn":"1_r2dq8vmz"`) || !strings.Contains(bodies[1], `"idIn":"1_c7hw3kpe"`) {
		t.Errorf("Kaltura requests = %q; want idIn of the page's entry, then idIn of its canonical entry", bodies)
	}
	if !strings.Contains(bodies[0], "redirectEntryId") {
		t.Errorf("Kaltura request %s does not ask for redirectEntryId: Kaltura answers only the fields asked for", bodies[0])
	}
}

// TestEnrichAliases: every way an entry id can lead, or fail to lead, to
// the recording's entry, in at most two multirequests.
func TestEnrichAliases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		item      ospofeed.Item // KalturaID, and what the page or a card gave
		want      ospofeed.Item // KalturaID, Duration, Thumbnail after enrich
		posts     int
		warning   string // in a warning, when not empty
		noWarning bool
	}{
		{"canonical entry", ospofeed.Item{KalturaID: "1_qmxhno3c"},
			ospofeed.Item{KalturaID: "1_qmxhno3c", Duration: 10800 * time.Second, Thumbnail: thumbBase + "1_qmxhno3c/version/100001"}, 1, "", true},
		{"alias entry", ospofeed.Item{KalturaID: "1_r2dq8vmz"},
			ospofeed.Item{KalturaID: "1_c7hw3kpe", Duration: 5527 * time.Second, Thumbnail: thumbBase + "1_c7hw3kpe/version/100001"}, 2, "", true},
		{"alias entry, card thumbnail of the alias", ospofeed.Item{KalturaID: "1_r2dq8vmz", Thumbnail: thumbBase + "1_r2dq8vmz/version/1/width/564"},
			ospofeed.Item{KalturaID: "1_c7hw3kpe", Duration: 5527 * time.Second, Thumbnail: thumbBase + "1_c7hw3kpe/version/100001"}, 2, "", true},
		{"alias entry, page duration kept", ospofeed.Item{KalturaID: "1_517v486n", Duration: hms(2, 45, 3)},
			ospofeed.Item{KalturaID: "1_n4r7c2kd", Duration: hms(2, 45, 3), Thumbnail: thumbBase + "1_n4r7c2kd/version/100001"}, 2, "", true},
		{"alias Kaltura does not list", ospofeed.Item{KalturaID: "1_x4unlst9"},
			ospofeed.Item{KalturaID: "1_c7hw3kpe", Duration: 5527 * time.Second, Thumbnail: thumbBase + "1_c7hw3kpe/version/100001"}, 2, "", true},
		{"aliases redirecting to each other", ospofeed.Item{KalturaID: "1_lp1aaaaa"},
			ospofeed.Item{KalturaID: "1_lp1aaaaa"}, 2, "redirects again", false},
		{"unknown entry", ospofeed.Item{KalturaID: "1_unknown0"},
			ospofeed.Item{KalturaID: "1_unknown0"}, 2, "no entry 1_unknown0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			site := newSite(t)
			cfg := testConfig(site)
			env := &Env{Source: ospofeed.Source{ID: "test"}, Config: cfg, Memory: newMemory(), Now: time.Now,
				Fetcher: newFetcher(t, cfg.Crawl)}
			it := tt.item
			it.ID, it.Kind = assetURL("k1"+it.KalturaID[2:]), ospofeed.KindRecording
			enrich(context.Background(), env, []*ospofeed.Item{&it})
			if it.KalturaID != tt.want.KalturaID || it.Duration != tt.want.Duration || it.Thumbnail != tt.want.Thumbnail {
				t.Errorf("enrich(%s) = %q, %v, %q; want %q, %v, %q", tt.item.KalturaID, it.KalturaID, it.Duration, it.Thumbnail,
					tt.want.KalturaID, tt.want.Duration, tt.want.Thumbnail)
			}
			if n := posts(site); n != tt.posts {
				t.Errorf("enrich(%s) made %d Kaltura requests; want %d", tt.item.KalturaID, n, tt.posts)
			}
			if tt.warning != "" && !slices.ContainsFunc(env.warnings, func(w string) bool { return strings.Contains(w, tt.warning) }) {
				t.Errorf("enrich(%s) warnings = %q; want one saying %q", tt.item.KalturaID, env.warnings, tt.warning)
			}
			if tt.noWarning && len(env.warnings) > 0 {
				t.Errorf("enrich(%s) warnings = %q; want none", tt.item.KalturaID, env.warnings)
			}
		})
	}
}

func TestNamesEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		thumb, id string
		want      bool
	}{
		{thumbBase + "1_r2dq8vmz", "1_r2dq8vmz", true},
		{thumbBase + "1_r2dq8vmz/version/1/width/564", "1_r2dq8vmz", true},
		{thumbBase + "1_r2dq8vmzz/version/1", "1_r2dq8vmz", false},
		{thumbBase + "1_c7hw3kpe/version/1", "1_r2dq8vmz", false},
		{"", "1_r2dq8vmz", false},
	}
	for _, tt := range tests {
		if got := namesEntry(tt.thumb, tt.id); got != tt.want {
			t.Errorf("namesEntry(%q, %q) = %v; want %v", tt.thumb, tt.id, got, tt.want)
		}
	}
}
