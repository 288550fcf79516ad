package scraper

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ospofeed/ospofeed/internal/fixture"
)

// redesigned is the fixture's k1ma4k9rff page after a redesign: no field
// wrappers, the player kept.
func redesigned(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../internal/fixture/testdata/redesign", fixture.HostWebTV, "en/asset/k1m/k1ma4k9rff.html"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseAssetLive: Live needs positive evidence on the page: a live
// badge or the live modifier. A page without a metadata block (a
// redesign, b-roll) is not live; it is a warning.
func TestParseAssetLive(t *testing.T) {
	t.Parallel()
	live := string(readFixture(t, fixture.HostWebTV, "en/asset/k1l/k1lv8nw2qa.html"))
	redesign := string(redesigned(t))
	const badge = `<div class="card-img-overlay"><span class="badge">Live</span></div>`
	tests := []struct {
		name, id, page string
		live           bool
		warning        string // in a warning, when not empty
	}{
		{"live modifier", "k1lv8nw2qa", live, true, ""},
		{"redesign", "k1ma4k9rff", redesign, false, "no metadata block"},
		{"redesign with a live badge", "k1ma4k9rff",
			strings.Replace(redesign, `<div class="media-asset__player">`, badge+`<div class="media-asset__player">`, 1), true, ""},
		{"b-roll: no metadata block, no badge", "k1lv8nw2qa",
			strings.Replace(live, " media-asset--live", "", 1), false, "no metadata block"},
		{"a Live badge in the site's header", "k1ma4k9rff",
			strings.Replace(redesign, `<nav class="navbar`, `<span class="badge">Live</span><nav class="navbar`, 1), false, "no metadata block"},
		{"recording", "k1ma4k9rff", string(readFixture(t, fixture.HostWebTV, "en/asset/k1m/k1ma4k9rff.html")), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := assetURL(tt.id)
			it, warnings, err := ParseAsset(u, []byte(tt.page))
			if err != nil {
				t.Fatalf("ParseAsset(%s) error = %v", u, err)
			}
			if it.Live != tt.live {
				t.Errorf("ParseAsset(%s).Live = %v; want %v", u, it.Live, tt.live)
			}
			if it.Title == "" || it.KalturaID != "1_"+tt.id[2:] {
				t.Errorf("ParseAsset(%s) Title, KalturaID = %q, %q; want a title and 1_%s", u, it.Title, it.KalturaID, tt.id[2:])
			}
			hasWarning := slices.ContainsFunc(warnings, func(w string) bool { return tt.warning != "" && strings.Contains(w, tt.warning) })
			if tt.warning != "" && !hasWarning || tt.warning == "" && len(warnings) > 0 {
				t.Errorf("ParseAsset(%s) warnings = %q; want %q", u, warnings, tt.warning)
			}
		})
	}
}

// TestRunRedesignNotLive: a recording known from before, re-observed
// after a redesign removed its page's field wrappers, is not flagged live.
func TestRunRedesignNotLive(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	mem := newMemory()
	src := eventSource("ospos-good-2024", event2024)
	res := run(t, site, nil, src, mem)
	asset := assetURL("k1ma4k9rff")
	if r := latest(res.Items)[asset]; res.Err != nil || r.Live || r.Duration == 0 {
		t.Fatalf("first Run: Err = %v, %s Live, Duration = %v, %v; want nil, a recording", res.Err, asset, r.Live, r.Duration)
	}
	mem.learn(res)
	if err := site.Redesign(fixture.HostWebTV, "/en/asset/k1m/k1ma4k9rff"); err != nil {
		t.Fatal(err)
	}
	res2 := run(t, site, nil, src, mem)
	if res2.Err != nil {
		t.Fatalf("second Run.Err = %v; want nil", res2.Err)
	}
	var seen bool
	for _, it := range res2.Items {
		if it.ID != asset {
			continue
		}
		seen = true
		if it.Live {
			t.Errorf("second Run: %s observed Live after a redesign; want not live (no badge, Kaltura says media entry)", asset)
		}
	}
	if !seen {
		t.Fatalf("second Run did not observe %s", asset)
	}
	if !slices.ContainsFunc(res2.Warnings, func(w string) bool { return strings.Contains(w, asset) && strings.Contains(w, "no metadata block") }) {
		t.Errorf("second Run warnings = %q; want one saying %s lost its metadata block", res2.Warnings, asset)
	}
}
