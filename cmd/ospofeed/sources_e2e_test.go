package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"github.com/ospofeed/ospofeed/internal/fixture"
)

// agendaSource is a declarative source an operator adds in YAML.
const agendaSource = `
  - id: ospo-agenda
    kind: html
    item_kind: event
    name: Réseau des OSPO publics, agenda
    url: https://ospo.example.fr/agenda/
    selectors:
      item: ul.agenda li.agenda-item
      title: h3.titre
      link: h3.titre a
      date: p.date
      summary: p.resume
      image: img.vignette
`

func TestNewsDirectoryDeclarativeAndHealth(t *testing.T) {
	site := fixture.New()
	defer site.Close()
	cfg := testConfig(t, site, agendaSource)
	db := filepath.Join(t.TempDir(), "ospofeed.db")
	ctx := context.Background()
	crawl := func() string {
		t.Helper()
		_, stderr, err := runCmd(ctx, "crawl", "--config", cfg, "--db", db)
		if err != nil {
			t.Fatalf("crawl: %v\n%s", err, stderr)
		}
		return stderr
	}
	stderr := crawl()
	if !strings.Contains(stderr, "ospo-agenda                  ok") {
		t.Fatalf("the declarative source did not crawl ok:\n%s", stderr)
	}

	s := startServe(t, "--config", cfg, "--db", db, "--no-crawl")
	_, body := get(t, s.base+"/")
	page := string(body)
	i := strings.Index(page, `id="ospos-good-2024"`)
	if i < 0 {
		t.Fatal("no OSPOs for Good 2024 on the index page")
	}
	section := page[i : i+strings.Index(page[i:], "</article>")]
	for _, w := range want2024 {
		if !strings.Contains(section, htmlEscape(w.title)) {
			t.Errorf("2024 event lacks recording %q", w.title)
		}
	}
	for _, related := range []string{
		"Retour sur OSPOs for Good 2024",           // the code.gouv.fr post
		"OSPOs for Good 2024: public sector OSPOs", // the OSOR news item
	} {
		if !strings.Contains(section, related) {
			t.Errorf("2024 event does not show the related %q:\n%s", related, section)
		}
	}
	j := strings.Index(page, `id="ospos"`)
	if j < 0 {
		t.Fatal("no Public-sector OSPOs section")
	}
	ospos := page[j : j+strings.Index(page[j:], "</section>")]
	for _, name := range []string{"Mission logiciels libres (DINUM)", "Zentrum für Digitale Souveränität", "Ville de Besançon"} {
		if !strings.Contains(ospos, name) {
			t.Errorf("OSPO section lacks %q", name)
		}
	}
	if n := strings.Count(ospos, "<tr>") - 1; n != 9 {
		t.Errorf("OSPO section lists %d OSPOs; want 9", n)
	}

	// The declarative source's events are in the feeds after one crawl,
	// with their French dates read.
	_, all := get(t, s.base+"/feeds/all.json")
	f, err := gofeed.NewParser().ParseString(string(all))
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, it := range f.Items {
		if it.Title == "Atelier « Créer un OSPO dans une collectivité »" {
			found = true
			if !strings.Contains(it.Content, "1 October 2024") {
				t.Errorf("the agenda event's date is not 1 October 2024:\n%s\n%s", it.Content, it.Description)
			}
		}
	}
	if !found {
		t.Error("the declarative source's event is not in /feeds/all.json")
	}
	// One post found in the Atom feed, the JSON feed and the blog listing
	// is one item.
	n := 0
	for _, it := range f.Items {
		if strings.Contains(it.GUID, "code.gouv.fr/fr/blog/ospos-for-good-2024") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the code.gouv.fr post appears %d times", n)
	}
	s.stop(t)

	// A redesign breaks the agenda's markup: the source turns degraded,
	// its items stay in every subscriber feed, and the status feed says so.
	redesigned, _, ok := site.Page(fixture.HostOSPO, "/agenda-refonte/")
	original, ctype, _ := site.Page(fixture.HostOSPO, "/agenda/")
	if !ok {
		t.Fatal("no redesigned agenda in the fixture")
	}
	site.Set(fixture.HostOSPO, "/agenda/", ctype, redesigned)
	stderr = crawl()
	if !strings.Contains(stderr, "ospo-agenda                  DEGRADED") {
		t.Errorf("after the redesign the source is not degraded:\n%s", stderr)
	}
	s = startServe(t, "--config", cfg, "--db", db, "--no-crawl")
	_, hz := get(t, s.base+"/healthz")
	var h struct {
		Sources []struct{ ID, Status, Reason string }
	}
	json.Unmarshal(hz, &h)
	for _, src := range h.Sources {
		if src.ID == "ospo-agenda" && src.Status != "degraded" {
			t.Errorf("/healthz says %s is %s", src.ID, src.Status)
		}
	}
	_, all = get(t, s.base+"/feeds/all.atom")
	if !strings.Contains(string(all), "Atelier « Créer un OSPO dans une collectivité »") {
		t.Error("a degraded source's items left the subscribers' feed")
	}
	_, status := get(t, s.base+"/status/feed.atom")
	sf, err := gofeed.NewParser().ParseString(string(status))
	if err != nil {
		t.Fatalf("status feed: %v", err)
	}
	if len(sf.Items) == 0 || !strings.Contains(sf.Items[0].Title, "degraded") || !strings.Contains(sf.Items[0].Description, "ospo-agenda") {
		t.Errorf("status feed's newest entry is not the degradation: %+v", sf.Items)
	}
	_, opml := get(t, s.base+"/feeds.opml")
	if strings.Contains(string(opml), "/status/") {
		t.Error("the maintainers' status feed is listed for subscribers")
	}
	s.stop(t)

	// The site is mended: the source recovers on the next crawl.
	site.Set(fixture.HostOSPO, "/agenda/", ctype, original)
	if stderr = crawl(); !strings.Contains(stderr, "ospo-agenda                  ok") {
		t.Errorf("the source did not recover:\n%s", stderr)
	}
}
