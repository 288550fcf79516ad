package scraper

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/internal/fixture"
)

const (
	codeGouvAtom = "https://code.gouv.fr/feed/feed.xml"
	codeGouvJSON = "https://code.gouv.fr/feed/feed.json"
	osorFeed     = "https://joinup.ec.europa.eu/collection/open-source-observatory-osor/feed.xml"
	peerTubeFeed = "https://tube.numerique.gouv.fr/feeds/videos.xml?videoChannelName=" + fixture.PeerTubeChannel
	youTubeFeed  = "https://www.youtube.com/feeds/videos.xml?channel_id=" + fixture.YouTubeChannelID
	youTubeList  = "https://www.youtube.com/feeds/videos.xml?playlist_id=" + fixture.YouTubePlaylistID
	ospoRDF      = "https://ospo.example.fr/feed.rdf"
)

// codeGouvPosts are the slugs of the ten posts in code.gouv.fr's feeds.
var codeGouvPosts = []string{"bilan-2024", "ospos-for-good-2024", "cafe-bluehats-septembre-2024", "ospos-for-good-2025",
	"politique-contribution-2023", "sill-2025", "annuaire-des-ospo-publics", "osor-ospo-europe",
	"besancon-rejoint-le-reseau", "atelier-ospo-collectivites"}

func codeGouvPost(slug string) string { return "https://code.gouv.fr/fr/blog/" + slug }

// fixtureFeed reads a feed of the fixture by its URL.
func fixtureFeed(t testing.TB, u string) []byte {
	t.Helper()
	files := map[string][2]string{
		codeGouvAtom: {fixture.HostCodeGouv, "feed/feed.xml"},
		codeGouvJSON: {fixture.HostCodeGouv, "feed/feed.json"},
		osorFeed:     {fixture.HostJoinup, "collection/open-source-observatory-osor/feed.xml"},
		peerTubeFeed: {fixture.HostPeerTube, "feeds/videos.xml%3FvideoChannelName=" + fixture.PeerTubeChannel},
		youTubeFeed:  {fixture.HostYouTube, "feeds/videos.xml%3Fchannel_id=" + fixture.YouTubeChannelID},
		youTubeList:  {fixture.HostYouTube, "feeds/videos.xml%3Fplaylist_id=" + fixture.YouTubePlaylistID},
		ospoRDF:      {fixture.HostOSPO, "feed.rdf"},
		"https://code.gouv.fr/feed/truncated.xml": {fixture.HostCodeGouv, "feed/truncated.xml"},
		"https://code.gouv.fr/feed/broken.json":   {fixture.HostCodeGouv, "feed/broken.json"},
	}
	f, ok := files[u]
	if !ok {
		t.Fatalf("no fixture file for %s", u)
	}
	return readFixture(t, f[0], f[1])
}

func byID(items []ospofeed.Item) map[string]ospofeed.Item {
	out := map[string]ospofeed.Item{}
	for _, it := range items {
		out[it.ID] = it
	}
	return out
}

var hrefValueRE = regexp.MustCompile(`\shref="([^"]*)"`)

// checkCodeGouvPosts checks what both code.gouv.fr feeds must give: the
// ten posts, identified by their canonical URL, with clean content.
func checkCodeGouvPosts(t *testing.T, what string, items []ospofeed.Item) {
	t.Helper()
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	var want []string
	for _, slug := range codeGouvPosts {
		want = append(want, codeGouvPost(slug))
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("%s ids =\n%q\nwant\n%q", what, ids, want)
	}
	got := byID(items)
	for _, it := range items {
		checkItem(t, what, it)
		if it.URL != it.ID+"/" || it.Kind != ospofeed.KindArticle || it.Authority != ospofeed.AuthorityFeed {
			t.Errorf("%s %s: URL, Kind, Authority = %q, %q, %d; want %q, article, %d", what, it.ID, it.URL, it.Kind, it.Authority, it.ID+"/", ospofeed.AuthorityFeed)
		}
		if it.Title == "" || it.Summary == "" || it.Content == "" || it.Date.IsZero() || it.Author == "" {
			t.Errorf("%s %s: Title, Summary, Content, Date, Author = %q, %q, %.40q, %v, %q; want them all", what, it.ID, it.Title, it.Summary, it.Content, it.Date, it.Author)
		}
		for _, bad := range []string{"&lt;", "&amp;amp;", "&amp;#", "&amp;eacute;", "&eacute;", "&#233;", "<h2", "<script"} {
			if strings.Contains(it.Content, bad) || strings.Contains(it.Title, bad) || strings.Contains(it.Summary, bad) {
				t.Errorf("%s %s: %q in Title, Summary or Content %q", what, it.ID, bad, it.Content)
			}
		}
		for _, m := range hrefValueRE.FindAllStringSubmatch(it.Content, -1) {
			if !strings.HasPrefix(m[1], "https://") {
				t.Errorf("%s %s: link %q in Content is not absolute", what, it.ID, m[1])
			}
		}
	}
	tests := []struct {
		slug, title, author string
		date                time.Time
		summary             string   // prefix
		content             []string // substrings
	}{
		{"ospos-for-good-2024", "Retour sur OSPOs for Good 2024 : les OSPO publics à l’ONU", "Mission logiciels libres",
			time.Date(2024, 7, 18, 9, 0, 0, 0, time.UTC),
			"Les 9 et 10 juillet 2024, la salle de l’ECOSOC à New York accueillait la deuxième édition d’OSPOs for Good.",
			[]string{"organisations internationales &amp; entreprises", "objectifs de développement durable",
				`<a href="https://webtv.un.org/fr/asset/k1u/k1uvv0xd6d" rel="nofollow">`, "Revoir les sessions", "le déplacement"}},
		{"sill-2025", "Le Socle interministériel de logiciels libres 2025 est publié", "Mission logiciels libres",
			time.Date(2025, 2, 4, 9, 0, 0, 0, time.UTC),
			"Le SILL 2025 recense les logiciels libres recommandés pour les administrations, avec leurs référents.",
			[]string{"nouvelles entrées", "aux référents"}},
		{"politique-contribution-2023", "Politique de contribution aux logiciels libres de l'État : quoi de neuf ?", "Mission logiciels libres",
			time.Date(2023, 11, 21, 9, 0, 0, 0, time.UTC), "Mise à jour de la politique de contribution",
			[]string{"<ul>", "<li>les licences recommandées sont regroupées en trois familles ;</li>", "R&amp;D comprise"}},
		{"cafe-bluehats-septembre-2024", "Café BlueHats de septembre : les OSPO en pratique", "Yanis Lefèvre",
			time.Date(2024, 9, 27, 9, 0, 0, 0, time.UTC), "Le café BlueHats du 27 septembre",
			[]string{"premières contributions &amp; le choix des licences", `href="https://tube.numerique.gouv.fr/w/8rKq3VbTn2WzXy4Pd6FhJm"`}},
		{"annuaire-des-ospo-publics", "Un annuaire ouvert des OSPO du secteur public", "Claire Martin",
			time.Date(2024, 5, 2, 9, 0, 0, 0, time.UTC), "Nous publions la liste des OSPO",
			[]string{"Zentrum für Digitale Souveränität", "écrivez-nous – ou proposez"}},
	}
	for _, tt := range tests {
		it := got[codeGouvPost(tt.slug)]
		if it.Title != tt.title || it.Author != tt.author || !it.Date.Equal(tt.date) || !strings.HasPrefix(it.Summary, tt.summary) {
			t.Errorf("%s %s = %q by %q on %v, summary %q; want %q by %q on %v, summary %q...", what, tt.slug, it.Title, it.Author, it.Date, it.Summary, tt.title, tt.author, tt.date, tt.summary)
		}
		for _, c := range tt.content {
			if !strings.Contains(it.Content, c) {
				t.Errorf("%s %s: Content lacks %q:\n%s", what, tt.slug, c, it.Content)
			}
		}
	}
}

func TestParseFeed(t *testing.T) {
	t.Parallel()
	recording := func(s ospofeed.Source) ospofeed.Source { s.ItemKind = ospofeed.KindRecording; return s }
	tests := []struct {
		name  string
		src   ospofeed.Source
		url   string
		body  string // "": the fixture's
		n     int
		check func(t *testing.T, items []ospofeed.Item)
	}{
		{"code.gouv.fr Atom", ospofeed.Source{}, codeGouvAtom, "", 10, func(t *testing.T, items []ospofeed.Item) {
			checkCodeGouvPosts(t, "ParseFeed(Atom)", items)
			for _, it := range items {
				if it.GUID != it.URL {
					t.Errorf("Atom %s: GUID = %q; want the entry's id %q", it.ID, it.GUID, it.URL)
				}
			}
		}},
		{"code.gouv.fr JSON Feed", ospofeed.Source{}, codeGouvJSON, "", 10, func(t *testing.T, items []ospofeed.Item) {
			checkCodeGouvPosts(t, "ParseFeed(JSON Feed)", items)
			atom, _, err := ParseFeed(ospofeed.Source{}, codeGouvAtom, fixtureFeed(t, codeGouvAtom))
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range atom {
				j := byID(items)[a.ID]
				if j.Title != a.Title || j.URL != a.URL || !j.Date.Equal(a.Date) || j.Summary != a.Summary || j.Content != a.Content {
					t.Errorf("JSON Feed item %s =\n%q %q %v %q\n%q\nwant, as the Atom entry,\n%q %q %v %q\n%q", a.ID, j.Title, j.URL, j.Date, j.Summary, j.Content, a.Title, a.URL, a.Date, a.Summary, a.Content)
				}
				if j.GUID != a.ID {
					t.Errorf("JSON Feed item %s: GUID = %q; want the JSON id %q", a.ID, j.GUID, a.ID)
				}
			}
		}},
		{"Joinup OSOR, News and Event", ospofeed.Source{Types: []string{"News", "Event"}}, osorFeed, "", 7, func(t *testing.T, items []ospofeed.Item) {
			const base = "https://joinup.ec.europa.eu/collection/open-source-observatory-osor/"
			want := map[string]struct {
				kind        ospofeed.Kind
				typ, title  string
				date        time.Time
				guid, summ  string
				start, end  time.Time
				summaryTail string
			}{
				base + "event/ospos-good-2025": {ospofeed.KindEvent, "Event", "OSPOs for Good 2025 at the UN Open Source Week",
					time.Date(2025, 5, 7, 12, 0, 0, 0, time.UTC), "https://joinup.ec.europa.eu/node/713907",
					"The third edition of OSPOs for Good takes place at UN Headquarters in New York on 18 June 2025",
					ymd(2025, 6, 18), ymd(2025, 6, 18), "how they set priorities…"},
				// Announcements of events known from their own UN pages: the
				// store makes them aliases of those events.
				base + "event/un-open-source-week-2026": {ospofeed.KindEvent, "Event", "UN Open Source Week 2026",
					time.Date(2025, 5, 6, 8, 0, 0, 0, time.UTC), "https://joinup.ec.europa.eu/node/713881",
					"The second UN Open Source Week returns", time.Time{}, time.Time{}, "are invited to…"},
				base + "event/ospos-good-2024": {ospofeed.KindEvent, "Event", "OSPOs for Good 2024",
					time.Date(2024, 6, 3, 7, 0, 0, 0, time.UTC), "https://joinup.ec.europa.eu/node/709412",
					"OSPOs for Good 2024, 9-10 July 2024", ymd(2024, 7, 9), ymd(2024, 7, 10), "to share how…"},
				base + "news/zendis-opencode-one-year": {ospofeed.KindArticle, "News", "Germany’s ZenDiS & openCode: one year on",
					time.Date(2025, 1, 20, 7, 30, 0, 0, time.UTC), "https://joinup.ec.europa.eu/node/713480",
					"A year after the Centre for Digital Sovereignty (ZenDiS)", time.Time{}, time.Time{}, "procurement & reuse, and coordinates..."},
				base + "news/public-sector-ospos-europe": {ospofeed.KindArticle, "News", "Public sector OSPOs in Europe: what the numbers say",
					time.Date(2024, 10, 2, 9, 15, 0, 0, time.UTC), "https://joinup.ec.europa.eu/node/713002",
					"OSOR's new overview counts public-sector open source programme offices in Europe & compares", time.Time{}, time.Time{}, "France…"},
				base + "news/ospos-good-2024": {ospofeed.KindArticle, "News", "OSPOs for Good 2024: public sector OSPOs meet at the United Nations",
					time.Date(2024, 7, 15, 8, 30, 0, 0, time.UTC), "https://joinup.ec.europa.eu/node/712345",
					"On 9-10 July 2024 the UN Office", time.Time{}, time.Time{}, "help reach…"},
				base + "news/france-directory-public-sector-ospos": {ospofeed.KindArticle, "News", "France publishes a directory of public sector OSPOs",
					time.Date(2024, 5, 10, 7, 45, 0, 0, time.UTC), "https://joinup.ec.europa.eu/node/712610",
					"The French government's free software unit", time.Time{}, time.Time{}, "its free..."},
			}
			got := byID(items)
			if !slices.Equal(sortedIDs(got), slices.Sorted(maps.Keys(want))) {
				t.Fatalf("ParseFeed(OSOR) ids = %q; want the News and the Event", sortedIDs(got))
			}
			for id, w := range want {
				it := got[id]
				if it.Kind != w.kind || it.Type != w.typ || it.Title != w.title || !it.Date.Equal(w.date) || it.GUID != w.guid || it.URL != id {
					t.Errorf("OSOR %s = %q %q %q %v %q %q; want %q %q %q %v %q %q", id, it.Kind, it.Type, it.Title, it.Date, it.GUID, it.URL, w.kind, w.typ, w.title, w.date, w.guid, id)
				}
				if !strings.HasPrefix(it.Summary, w.summ) || !strings.HasSuffix(it.Summary, w.summaryTail) {
					t.Errorf("OSOR %s: Summary = %q; want %q ... %q", id, it.Summary, w.summ, w.summaryTail)
				}
				if !it.Start.Equal(w.start) || !it.End.Equal(w.end) || it.AllDay != !w.start.IsZero() {
					t.Errorf("OSOR %s: Start, End, AllDay = %v, %v, %v; want %v, %v, %v", id, it.Start, it.End, it.AllDay, w.start, w.end, !w.start.IsZero())
				}
				if it.Author != "Open Source Observatory" {
					t.Errorf("OSOR %s: Author = %q; want the dc:creator", id, it.Author)
				}
			}
		}},
		{"Joinup OSOR, every type", ospofeed.Source{}, osorFeed, "", 10, func(t *testing.T, items []ospofeed.Item) {
			types := map[string]int{}
			for _, it := range items {
				types[it.Type]++
				if strings.Contains(it.Title, ": ") && typePrefixRE.MatchString(it.Title) {
					t.Errorf("OSOR %s: Title %q keeps its type prefix", it.ID, it.Title)
				}
			}
			if want := map[string]int{"News": 4, "Event": 3, "Document": 1, "Discussion": 1, "Solution": 1}; !maps.Equal(types, want) {
				t.Errorf("ParseFeed(OSOR) types = %v; want %v", types, want)
			}
		}},
		{"Joinup OSOR, lower-case type filter", ospofeed.Source{Types: []string{"event"}}, osorFeed, "", 3, nil},
		{"Joinup OSOR as events", ospofeed.Source{Types: []string{"Event"}, ItemKind: ospofeed.KindEvent}, osorFeed, "", 3, func(t *testing.T, items []ospofeed.Item) {
			it := byID(items)["https://joinup.ec.europa.eu/collection/open-source-observatory-osor/event/ospos-good-2025"]
			if it.Kind != ospofeed.KindEvent || !it.Start.Equal(ymd(2025, 6, 18)) {
				t.Errorf("OSOR event = %q from %v; want an event on 2025-06-18", it.Kind, it.Start)
			}
		}},
		{"PeerTube recordings", recording(ospofeed.Source{}), peerTubeFeed, "", 5, func(t *testing.T, items []ospofeed.Item) {
			for _, it := range items {
				if it.Kind != ospofeed.KindRecording || it.Type != "video" || it.Duration <= 0 || !strings.HasPrefix(it.Thumbnail, "https://tube.numerique.gouv.fr/lazy-static/thumbnails/") || it.Author != "BlueHats" {
					t.Errorf("PeerTube %s: Kind, Type, Duration, Thumbnail, Author = %q, %q, %v, %q, %q; want a video with duration, thumbnail and author", it.ID, it.Kind, it.Type, it.Duration, it.Thumbnail, it.Author)
				}
				if !regexp.MustCompile(`^https://tube\.numerique\.gouv\.fr/w/\w{22}$`).MatchString(it.ID) || it.URL != it.ID {
					t.Errorf("PeerTube %s: URL %q; want the /w/ short link as id and URL", it.ID, it.URL)
				}
			}
			const id = "https://tube.numerique.gouv.fr/w/8rKq3VbTn2WzXy4Pd6FhJm"
			it := byID(items)[id]
			if it.Title != "Café BlueHats – Les OSPO en pratique (27 septembre 2024)" || it.Duration != 1834*time.Second ||
				it.Thumbnail != "https://tube.numerique.gouv.fr/lazy-static/thumbnails/3f6b2c1e-8d4a-4e2b-9c71-5a0d9e7b4c21.jpg" ||
				!it.Date.Equal(time.Date(2024, 9, 30, 8, 0, 0, 0, time.UTC)) {
				t.Errorf("PeerTube %s = %q, %v, %q, %v; want the 27 September café, 1834 s, its thumbnail, 2024-09-30 08:00Z", id, it.Title, it.Duration, it.Thumbnail, it.Date)
			}
			if it.GUID != "https://tube.numerique.gouv.fr/videos/watch/3f6b2c1e-8d4a-4e2b-9c71-5a0d9e7b4c21" {
				t.Errorf("PeerTube %s: GUID = %q; want the watch URL", id, it.GUID)
			}
		}},
		{"YouTube channel, keywords", recording(ospofeed.Source{Keywords: []string{"OSPO", "open source", "open-source"}}), youTubeFeed, "", 3, func(t *testing.T, items []ospofeed.Item) {
			want := []string{"pik44L7TUKE", "zv25wZ-aEoA", "dEEF320YTpY"}
			for i, v := range want {
				it := items[i]
				if it.ID != "https://www.youtube.com/watch?v="+v || it.URL != it.ID || it.GUID != "yt:video:"+v {
					t.Errorf("YouTube item %d: ID, URL, GUID = %q, %q, %q; want the watch URL of %s", i, it.ID, it.URL, it.GUID, v)
				}
				if it.Thumbnail != "https://i2.ytimg.com/vi/"+v+"/hqdefault.jpg" || it.Kind != ospofeed.KindRecording || it.Duration != 0 || it.Summary == "" {
					t.Errorf("YouTube %s: Thumbnail, Kind, Duration, Summary = %q, %q, %v, %q; want media:group's thumbnail, recording, none, its description", v, it.Thumbnail, it.Kind, it.Duration, it.Summary)
				}
			}
			// The description names the event page: the video relates to it.
			if s := items[0].Summary; !strings.Contains(s, "https://www.un.org/digital-emerging-technologies/content/open-source-week-2026") {
				t.Errorf("YouTube pik44L7TUKE: Summary = %q; want its description with the event link", s)
			}
		}},
		{"YouTube channel, keyword in the description only", recording(ospofeed.Source{Keywords: []string{"Global Digital Compact"}}), youTubeFeed, "", 1, func(t *testing.T, items []ospofeed.Item) {
			if items[0].ID != "https://www.youtube.com/watch?v=dEEF320YTpY" {
				t.Errorf("YouTube: %s matches; want dEEF320YTpY", items[0].ID)
			}
		}},
		{"YouTube playlist", recording(ospofeed.Source{}), youTubeList, "", 3, nil},
		{"RSS 1.0", ospofeed.Source{}, ospoRDF, "", 3, func(t *testing.T, items []ospofeed.Item) {
			it := byID(items)["https://ospo.example.fr/actualites/compte-rendu-atelier-collectivites"]
			if it.Title != "Compte rendu de l'atelier du 1er octobre" || it.Author != "Camille Roux" ||
				!it.Date.Equal(time.Date(2024, 10, 8, 15, 0, 0, 0, time.UTC)) || !strings.Contains(it.Summary, "en ligne & les questions") {
				t.Errorf("RSS 1.0 item = %q by %q on %v, %q; want the workshop report by Camille Roux on 2024-10-08 15:00Z", it.Title, it.Author, it.Date, it.Summary)
			}
		}},
		{"empty RSS", ospofeed.Source{}, "https://ospo.example.org/rss.xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>Rien</title></channel></rss>`, 0, nil},
		{"empty Atom", ospofeed.Source{}, "https://ospo.example.org/atom.xml", `<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:x</id><title>Rien</title><updated>2025-01-01T00:00:00Z</updated></feed>`, 0, nil},
		{"empty JSON Feed", ospofeed.Source{}, "https://ospo.example.org/feed.json", `{"version":"https://jsonfeed.org/version/1.1","title":"Rien","items":[]}`, 0, nil},
		{"JSON Feed without items", ospofeed.Source{}, "https://ospo.example.org/feed.json", `{"version":"https://jsonfeed.org/version/1.1","title":"Rien"}`, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := []byte(tt.body)
			if tt.body == "" {
				body = fixtureFeed(t, tt.url)
			}
			items, warnings, err := ParseFeed(tt.src, tt.url, body)
			if err != nil {
				t.Fatalf("ParseFeed(%s) error: %v", tt.url, err)
			}
			if len(warnings) > 0 {
				t.Errorf("ParseFeed(%s) warnings = %q; want none", tt.url, warnings)
			}
			if len(items) != tt.n {
				t.Fatalf("ParseFeed(%s) gave %d items; want %d", tt.url, len(items), tt.n)
			}
			for _, it := range items {
				checkItem(t, "ParseFeed("+tt.name+")", it)
			}
			if tt.check != nil {
				tt.check(t, items)
			}
		})
	}
}

// TestParseFeedEntries: odd entries, one at a time.
func TestParseFeedEntries(t *testing.T) {
	t.Parallel()
	const feedURL = "https://ospo.example.org/blog/atom.xml"
	atom := func(entries string) string {
		return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"><id>urn:f</id><title>F</title><updated>2025-01-01T00:00:00Z</updated>` + entries + `</feed>`
	}
	tests := []struct {
		name, body string
		check      func(t *testing.T, items []ospofeed.Item, warnings []string)
	}{
		{"relative links and hostile content", atom(`<entry><id>urn:1</id><title>Un &lt;b&gt;titre&lt;/b&gt;</title><link href="posts/un/"/>
<updated>2025-01-02T00:00:00+02:00</updated>
<content type="html">&lt;p onclick="x()"&gt;Voir &lt;a href="../deux/"&gt;la suite&lt;/a&gt;, &lt;a href="javascript:alert(1)"&gt;ceci&lt;/a&gt; et &lt;img src="/i.png"&gt;&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;iframe src="https://evil.test/"&gt;&lt;/iframe&gt;</content></entry>`),
			func(t *testing.T, items []ospofeed.Item, _ []string) {
				it := items[0]
				if it.ID != "https://ospo.example.org/blog/posts/un" || it.URL != "https://ospo.example.org/blog/posts/un/" {
					t.Errorf("ID, URL = %q, %q; want the link resolved against the feed", it.ID, it.URL)
				}
				if it.Title != "Un <b>titre</b>" {
					t.Errorf("Title = %q; want the text as written", it.Title)
				}
				if want := `<p>Voir <a href="https://ospo.example.org/blog/posts/deux/" rel="nofollow">la suite</a>, ceci et </p>`; it.Content != want {
					t.Errorf("Content = %q; want %q", it.Content, want)
				}
				if !it.Date.Equal(time.Date(2025, 1, 1, 22, 0, 0, 0, time.UTC)) || it.Date.Location() != time.UTC {
					t.Errorf("Date = %v; want 2025-01-01 22:00 UTC", it.Date)
				}
			}},
		{"no link: a URL id", atom(`<entry><id>https://ospo.example.org/p/1/</id><title>Sans lien</title><updated>2025-01-02T00:00:00Z</updated></entry>`),
			func(t *testing.T, items []ospofeed.Item, _ []string) {
				if it := items[0]; it.ID != "https://ospo.example.org/p/1" || it.URL != "https://ospo.example.org/p/1" {
					t.Errorf("ID, URL = %q, %q; want the id, canonical", it.ID, it.URL)
				}
			}},
		{"no link: a tag id", atom(`<entry><id>tag:ospo.example.org,2025:1</id><title>Tag</title><updated>2025-01-02T00:00:00Z</updated></entry>`),
			func(t *testing.T, items []ospofeed.Item, _ []string) {
				if it := items[0]; !strings.HasPrefix(it.ID, feedURL+"#") || it.URL != "" || it.GUID != "tag:ospo.example.org,2025:1" {
					t.Errorf("ID, URL, GUID = %q, %q, %q; want the feed URL and a hash of the id, no URL", it.ID, it.URL, it.GUID)
				}
			}},
		{"neither link nor id", `<rss version="2.0"><channel><title>F</title><item><title>Orphelin</title><description>x</description></item></channel></rss>`,
			func(t *testing.T, items []ospofeed.Item, warnings []string) {
				if len(items) != 0 || len(warnings) != 1 || !strings.Contains(warnings[0], feedURL) || !strings.Contains(warnings[0], `"Orphelin"`) {
					t.Errorf("items, warnings = %d, %q; want none and a warning naming the feed and the entry", len(items), warnings)
				}
			}},
		{"duplicate entries", atom(`<entry><id>urn:1</id><title>A</title><link href="https://ospo.example.org/a/"/><updated>2025-01-02T00:00:00Z</updated></entry>` +
			`<entry><id>urn:2</id><title>A bis</title><link href="https://ospo.example.org/a?utm_source=rss"/><updated>2025-01-02T00:00:00Z</updated></entry>`),
			func(t *testing.T, items []ospofeed.Item, _ []string) {
				if len(items) != 1 || items[0].Title != "A" {
					t.Errorf("items = %d (%q); want the first only", len(items), items[0].Title)
				}
			}},
		{"control characters", atom("<entry><id>urn:1</id><title>A&#x9;b\u0085c\ufffd</title><link href=\"https://ospo.example.org/a\"/><summary>s\u00a0t</summary><updated>2025-01-02T00:00:00Z</updated></entry>"),
			func(t *testing.T, items []ospofeed.Item, _ []string) {
				if it := items[0]; it.Title != "A b c\ufffd" || it.Summary != "s t" {
					t.Errorf("Title, Summary = %q, %q; want white space folded", it.Title, it.Summary)
				}
			}},
		{"absurd durations", `<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>F</title>` +
			`<item><title>A</title><link>https://ospo.example.org/a</link><media:content url="https://ospo.example.org/a.mp4" duration="99999999999999999"/></item>` +
			`<item><title>B</title><link>https://ospo.example.org/b</link><itunes:duration>99999999999:59:59</itunes:duration></item>` +
			`<item><title>C</title><link>https://ospo.example.org/c</link><itunes:duration>1:02:03</itunes:duration></item></channel></rss>`,
			func(t *testing.T, items []ospofeed.Item, _ []string) {
				got := []time.Duration{items[0].Duration, items[1].Duration, items[2].Duration}
				if want := []time.Duration{0, 0, hms(1, 2, 3)}; !slices.Equal(got, want) {
					t.Errorf("Durations = %v; want %v", got, want)
				}
			}},
		{"thumbnail only over http(s)", `<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>F</title>` +
			`<item><title>A</title><link>https://ospo.example.org/a</link><media:thumbnail url="javascript:alert(1)"/></item>` +
			`<item><title>B</title><link>https://ospo.example.org/b</link><enclosure url="/b.jpg" type="image/jpeg" length="0"/></item></channel></rss>`,
			func(t *testing.T, items []ospofeed.Item, _ []string) {
				if items[0].Thumbnail != "" || items[1].Thumbnail != "https://ospo.example.org/b.jpg" {
					t.Errorf("Thumbnails = %q, %q; want none, the enclosure resolved", items[0].Thumbnail, items[1].Thumbnail)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, warnings, err := ParseFeed(ospofeed.Source{}, feedURL, []byte(tt.body))
			if err != nil {
				t.Fatalf("ParseFeed(%s) error: %v", tt.name, err)
			}
			for _, it := range items {
				checkItem(t, "ParseFeed("+tt.name+")", it)
			}
			if len(items) == 0 && !strings.Contains(tt.name, "neither") {
				t.Fatalf("ParseFeed(%s) gave no items (warnings %q)", tt.name, warnings)
			}
			tt.check(t, items, warnings)
		})
	}
}

// TestParseFeedErrors: a broken feed is an error naming the feed and the
// line, and nothing is half-read.
func TestParseFeedErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, body string // body "": the fixture's
		want            *regexp.Regexp
	}{
		{"truncated Atom", "https://code.gouv.fr/feed/truncated.xml", "", regexp.MustCompile(`^parse feed https://code\.gouv\.fr/feed/truncated\.xml: line \d+: `)},
		{"broken JSON Feed", "https://code.gouv.fr/feed/broken.json", "", regexp.MustCompile(`^parse feed https://code\.gouv\.fr/feed/broken\.json: line \d+: `)},
		{"ill-formed XML", "https://ospo.example.org/rss.xml", "<rss version=\"2.0\">\n<channel>\n<item><title>a <<< b</title></item>\n</channel></rss>",
			regexp.MustCompile(`^parse feed https://ospo\.example\.org/rss\.xml: line 3: `)},
		{"an HTML page", "https://ospo.example.org/rss.xml", "<!DOCTYPE html><html><body>Moved</body></html>",
			regexp.MustCompile(`^parse feed https://ospo\.example\.org/rss\.xml: `)},
		{"empty", "https://ospo.example.org/rss.xml", " ", regexp.MustCompile(`^parse feed https://ospo\.example\.org/rss\.xml: `)},
		{"relative feed URL", "/rss.xml", `<rss version="2.0"><channel><title>x</title></channel></rss>`, regexp.MustCompile(`"/rss.xml": not an absolute URL`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := []byte(tt.body)
			if tt.body == "" {
				body = fixtureFeed(t, tt.url)
			}
			items, _, err := ParseFeed(ospofeed.Source{}, tt.url, body)
			if err == nil || !tt.want.MatchString(err.Error()) || len(items) != 0 {
				t.Errorf("ParseFeed(%s) = %d items, %v; want none and an error matching %s", tt.name, len(items), err, tt.want)
			}
		})
	}
}

// TestRunFeedFailures: through Run, a broken feed fails the crawl and
// emits nothing; an empty one succeeds and is empty.
func TestRunFeedFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path string
		set        string // a body to serve at path, if not ""
		status     ospofeed.Status
		errRE      *regexp.Regexp
	}{
		{"truncated", "/feed/truncated.xml", "", ospofeed.StatusFailed, regexp.MustCompile(`source code-gouv-fr: parse feed https://code\.gouv\.fr/feed/truncated\.xml: line \d+`)},
		{"broken JSON", "/feed/broken.json", "", ospofeed.StatusFailed, regexp.MustCompile(`source code-gouv-fr: parse feed https://code\.gouv\.fr/feed/broken\.json: line \d+`)},
		{"gone", "/feed/gone.xml", "", ospofeed.StatusFailed, regexp.MustCompile(`HTTP 404`)},
		{"empty", "/feed/empty.xml", `<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:x</id><title>x</title><updated>2025-01-01T00:00:00Z</updated></feed>`, ospofeed.StatusEmpty, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			site := newSite(t)
			if tt.set != "" {
				site.Set(fixture.HostCodeGouv, tt.path, "application/atom+xml", tt.set)
			}
			src := ospofeed.Source{ID: "code-gouv-fr", Kind: "feed", URL: "https://code.gouv.fr" + tt.path}
			res := run(t, site, nil, src, newMemory())
			if len(res.Items) != 0 {
				t.Errorf("Run(%s) emitted %d items; want none", tt.name, len(res.Items))
			}
			if (tt.errRE == nil) != (res.Err == nil) || (tt.errRE != nil && !tt.errRE.MatchString(res.Err.Error())) {
				t.Errorf("Run(%s).Err = %v; want %v", tt.name, res.Err, tt.errRE)
			}
			if st, why := ospofeed.Evaluate(res, res.Expect, 0); st != tt.status {
				t.Errorf("Evaluate(Run(%s)) = %s (%s); want %s", tt.name, st, why, tt.status)
			}
		})
	}
}

// FuzzParseFeed: whatever the document, ParseFeed never panics and never
// gives an invalid item. The test suite runs the seeds only; run
// `go test ./scraper -run '^$' -fuzz FuzzParseFeed -fuzztime 30s` to fuzz.
func FuzzParseFeed(f *testing.F) {
	for _, u := range []string{codeGouvAtom, codeGouvJSON, osorFeed, peerTubeFeed, youTubeFeed, youTubeList, ospoRDF,
		"https://code.gouv.fr/feed/truncated.xml", "https://code.gouv.fr/feed/broken.json"} {
		f.Add(fixtureFeed(f, u))
	}
	for _, s := range []string{
		``, `{}`, `{"items":[{"id":"x"}]}`, `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"","url":"javascript:x","title":"\u0000"}]}`,
		`<rss version="2.0"><channel><item><guid>http://[::1</guid><link>//x</link><pubDate>Mon, 99 Foo 2025</pubDate></item></channel></rss>`,
		`<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><item><title>Event: 31-30 June 2025</title><link>https://x.test/</link><media:content duration="-5"/></item></channel></rss>`,
		`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:x</id><title>Event: 9-10 July 2024</title><link href="../a"/><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><a href="x">y</a></div></content></entry></feed>`,
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><item><title>R\xe9union</title><link>https://x.test/a</link></item></channel></rss>",
		`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><item rdf:about="https://x.test/"><title>t</title></item></rdf:RDF>`,
	} {
		f.Add([]byte(s))
	}
	kinds := []ospofeed.Source{{}, {ItemKind: ospofeed.KindRecording, Keywords: []string{"OSPO"}}, {ItemKind: ospofeed.KindEvent, Types: []string{"Event"}}}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, src := range kinds {
			items, _, err := ParseFeed(src, "https://ospo.example.org/feed.xml", body)
			if err != nil {
				if len(items) != 0 {
					t.Errorf("ParseFeed gave %d items with an error", len(items))
				}
				continue
			}
			for _, it := range items {
				if err := it.Validate(); err != nil {
					t.Errorf("ParseFeed gave an invalid item: %v", err)
				}
				checkItem(t, "ParseFeed", it)
			}
		}
	})
}
