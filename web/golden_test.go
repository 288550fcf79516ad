package web

import (
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/internal/golden"
)

// goldenSnapshot is the standard test snapshot plus what issue 3 added:
// public-sector OSPOs (one linked from the article), and status changes.
func goldenSnapshot() Snapshot {
	snap := testSnapshot()
	snap.Items = append(snap.Items,
		ospofeed.Item{ID: "https://www.numerique.gouv.fr", Kind: ospofeed.KindOrganisation, URL: "https://www.numerique.gouv.fr/",
			Title: "Mission logiciels libres (DINUM)", Country: "FR", Email: "contact@code.gouv.fr",
			Descriptions: map[string]string{"fr": "La mission logiciels libres de l'État.", "en": "The French government's free software mission."},
			Date:         day(2021, 11, 10), DateOnly: true, Policy: "https://code.gouv.fr/fr/politique",
			Forges: []string{"https://git.example.gouv.fr"}, Sources: []string{"ospo-directory"},
			FirstSeen: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), Updated: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), Version: 1},
		ospofeed.Item{ID: "https://www.zendis.de", Kind: ospofeed.KindOrganisation, URL: "https://www.zendis.de/",
			Title: "Zentrum für Digitale Souveränität", Country: "DE", Sources: []string{"ospo-directory"},
			FirstSeen: time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC), Updated: time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC), Version: 1},
		ospofeed.Item{ID: "https://code.gouv.fr/fr/blog/annuaire", Kind: ospofeed.KindArticle, URL: "https://code.gouv.fr/fr/blog/annuaire/",
			Title: "Un annuaire ouvert des OSPO du secteur public", Author: "Mission logiciels libres",
			Content: `<p>Voir <a href="https://www.numerique.gouv.fr/">la DINUM</a> et <a href="https://webtv.un.org/fr/asset/k1m/k1ma4k9rff">la session</a>.</p>`,
			Date:    time.Date(2024, 5, 2, 9, 0, 0, 0, time.UTC), Sources: []string{"code-gouv-fr-atom"},
			FirstSeen: time.Date(2024, 5, 2, 10, 0, 0, 0, time.UTC), Updated: time.Date(2024, 5, 2, 10, 0, 0, 0, time.UTC), Version: 1},
	)
	snap.Changes = []ospofeed.StatusChange{
		{Source: "un-webtv", Time: time.Date(2025, 6, 9, 6, 0, 0, 0, time.UTC), From: ospofeed.StatusOK, To: ospofeed.StatusDegraded, Reason: "found no items; the last crawl found 6"},
		{Source: "un-webtv", Time: time.Date(2025, 6, 1, 6, 0, 0, 0, time.UTC), From: ospofeed.StatusNew, To: ospofeed.StatusOK},
	}
	return snap
}

// TestGolden compares the rendered site's main outputs with the files in
// testdata/golden; `go test ./web -update` rewrites them (review the diff).
func TestGolden(t *testing.T) {
	s := build(t, goldenSnapshot())
	for _, p := range []string{
		"/", "/events/ospos-good-2024/", "/recordings/k1ma4k9rff/",
		"/feeds/all.atom", "/feeds/news.rss", "/feeds/ospos.atom", "/feeds/ospos.json",
		"/status/feed.atom", "/calendar.ics", "/feeds.opml",
	} {
		f, ok := s.File(p)
		if !ok {
			t.Errorf("Build has no %s", p)
			continue
		}
		name := strings.Trim(strings.ReplaceAll(p, "/", "_"), "_")
		if name == "" {
			name = "index"
		}
		if strings.HasSuffix(p, "/") {
			name += ".html"
		}
		golden.Check(t, name, f.Body)
	}
}
