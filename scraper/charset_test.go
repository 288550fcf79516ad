package scraper

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/PuerkitoBio/goquery"
	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/internal/fixture"
)

// latin1 encodes s, which must hold only Latin-1 characters, in ISO-8859-1.
func latin1(t testing.TB, s string) string {
	t.Helper()
	b, err := charmap.ISO8859_1.NewEncoder().String(s)
	if err != nil {
		t.Fatalf("latin1(%q): %v", s, err)
	}
	return b
}

func TestDecodeBody(t *testing.T) {
	t.Parallel()
	const accents = "Événements à Besançon : août, décembre, février"
	l1 := latin1(t, accents)
	cp1252, _ := charmap.Windows1252.NewEncoder().String("l’été – « OSPO »")
	cp1251, _ := charmap.Windows1251.NewEncoder().String("Открытый код")
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String("<html><body><h1>" + accents + "</h1></body></html>")
	tests := []struct {
		name, contentType, body, want string
	}{
		// colly has already transcoded these bodies: only the declaration is left to fix.
		{"XML, header charset", "application/rss+xml; charset=ISO-8859-1",
			`<?xml version="1.0" encoding="ISO-8859-1"?><rss>` + accents + `</rss>`,
			`<?xml version="1.0" encoding="UTF-8"?><rss>` + accents + `</rss>`},
		{"XML, header charset, quoted, single quotes", `text/xml; charset="iso-8859-1"`,
			"<?xml version='1.0' encoding='iso-8859-1' standalone='yes'?>\n<feed/>",
			"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<feed/>"},
		{"XML, header charset, BOM and space", "application/xml;charset=windows-1252",
			"\ufeff \n<?xml version=\"1.0\" encoding=\"windows-1252\"?><rss/>",
			"\ufeff \n<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss/>"},
		{"XML, header charset, no encoding in the declaration", "application/xml; charset=ISO-8859-1",
			`<?xml version="1.0"?><rss>` + accents + `</rss>`, `<?xml version="1.0"?><rss>` + accents + `</rss>`},
		{"XML, header charset, encoding only later in the text", "application/xml; charset=ISO-8859-1",
			`<rss><title>encoding="ISO-8859-1"</title></rss>`, `<rss><title>encoding="ISO-8859-1"</title></rss>`},
		{"XML, header UTF-8", "application/xml; charset=utf-8",
			`<?xml version="1.0" encoding="ISO-8859-1"?><rss/>`, `<?xml version="1.0" encoding="ISO-8859-1"?><rss/>`},
		{"XML, no header charset: the parser reads the declaration", "application/rss+xml",
			`<?xml version="1.0" encoding="ISO-8859-1"?><rss>` + l1 + `</rss>`,
			`<?xml version="1.0" encoding="ISO-8859-1"?><rss>` + l1 + `</rss>`},
		{"HTML, header charset: colly's", "text/html; charset=ISO-8859-1",
			"<p>" + accents + "</p>", "<p>" + accents + "</p>"},

		// No charset in the header: the page says.
		{"HTML, meta charset", "text/html",
			`<html><head><meta charset="iso-8859-1"><title>` + l1 + `</title>`,
			`<html><head><meta charset="iso-8859-1"><title>` + accents + `</title>`},
		{"HTML, meta http-equiv", "text/html",
			`<html><head><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=ISO-8859-1"></head><body>` + l1,
			`<html><head><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=ISO-8859-1"></head><body>` + accents},
		{"HTML, meta windows-1252", "text/html", `<meta charset="windows-1252"><p>` + cp1252,
			`<meta charset="windows-1252"><p>l’été – « OSPO »`},
		{"HTML, meta windows-1251", "text/html", `<meta charset="windows-1251"><p>` + cp1251,
			`<meta charset="windows-1251"><p>Открытый код`},
		{"HTML, UTF-16 byte order mark", "text/html", utf16, "<html><body><h1>" + accents + "</h1></body></html>"},
		{"HTML, meta UTF-8", "text/html", `<meta charset="utf-8"><p>` + accents, `<meta charset="utf-8"><p>` + accents},
		{"HTML, no declaration, UTF-8", "text/html", "<p>" + accents, "<p>" + accents},
		{"HTML, no declaration, ASCII head, UTF-8 after", "text/html",
			"<p>" + strings.Repeat("x", 2000) + accents, "<p>" + strings.Repeat("x", 2000) + accents},
		{"HTML, no declaration, Latin-1: the web's default", "text/html", "<p>" + l1, "<p>" + accents},
		{"HTML, declares Latin-1 but is UTF-8", "text/html", `<meta charset="iso-8859-1"><p>` + accents,
			`<meta charset="iso-8859-1"><p>` + accents},
		{"no Content-Type, sniffed as HTML", "", `<!DOCTYPE html><meta charset="iso-8859-1"><p>` + l1,
			`<!DOCTYPE html><meta charset="iso-8859-1"><p>` + accents},
		{"JSON, no charset", "application/json", `{"title":"` + accents + `"}`, `{"title":"` + accents + `"}`},
		{"image", "image/png", "\x89PNG\r\n\x1a\n" + l1, "\x89PNG\r\n\x1a\n" + l1},
		{"empty", "text/html", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := string(decodeBody(tt.contentType, []byte(tt.body))); got != tt.want {
				t.Errorf("decodeBody(%q, %q) =\n%q; want\n%q", tt.contentType, tt.body, got, tt.want)
			}
		})
	}
}

// latin1RSS is an RSS feed in ISO-8859-1, with or without its XML
// declaration naming the encoding.
func latin1RSS(t testing.TB, prolog bool) string {
	head := `<?xml version="1.0"?>` + "\n"
	if prolog {
		head = `<?xml version="1.0" encoding="ISO-8859-1"?>` + "\n"
	}
	return latin1(t, head+`<rss version="2.0"><channel><title>Agenda de Besançon</title><link>https://ospo.example.fr/</link>
<description>Événements</description>
<item><title>Réunion du réseau à Besançon</title><link>https://ospo.example.fr/agenda/reunion-du-reseau-aout-2024/</link>
<description>Rentrée des OSPO : août 2024, 30 août, café à la médiathèque.</description>
<pubDate>Fri, 30 Aug 2024 09:00:00 +0200</pubDate></item>
</channel></rss>
`)
}

// TestFetchCharset: whatever the charset and wherever it is declared, the
// fetcher hands on UTF-8.
func TestFetchCharset(t *testing.T) {
	t.Parallel()
	site := newSite(t)
	site.Set(fixture.HostOSPO, "/latin1-header-and-prolog.rss", "application/rss+xml; charset=ISO-8859-1", latin1RSS(t, true))
	f := newFetcher(t, testCrawl(site.ConnectTo()))
	tests := []struct {
		name, url string
		want      []string
	}{
		{"charset in the header", "https://ospo.example.fr/latin1/", []string{"<h1>Événements à Besançon</h1>", "30 août 2024", "12 décembre 2024"}},
		{"charset in meta only", "https://ospo.example.fr/latin1-meta/", []string{"<h1>Événements à Besançon</h1>", "1er février 2025"}},
		{"scenario page", "https://scenarios.test/latin1", []string{"<title>Genève</title>", "Réunion à Genève", "Résumé de la séance, août 2024."}},
		{"UTF-8 page", "https://ospo.example.fr/agenda/", []string{"Assemblée annuelle du réseau", "« Créer un OSPO dans une collectivité »"}},
		{"XML with header and prolog", "https://ospo.example.fr/latin1-header-and-prolog.rss", []string{`<?xml version="1.0" encoding="UTF-8"?>`, "Réunion du réseau à Besançon"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := f.Get(context.Background(), tt.url, ospofeed.Page{})
			if err != nil {
				t.Fatalf("Get(%s): %v", tt.url, err)
			}
			if !utf8.Valid(resp.Body) {
				t.Errorf("Get(%s): body is not UTF-8", tt.url)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(resp.Body), w) {
					t.Errorf("Get(%s): body lacks %q", tt.url, w)
				}
			}
		})
	}
}

// TestRunLatin1Listing: a declarative source reads a Latin-1 page right,
// whether the charset is in the header or only in the page.
func TestRunLatin1Listing(t *testing.T) {
	t.Parallel()
	want := []struct {
		id, title, summary string
		start              [3]int
	}{
		{"https://ospo.example.fr/agenda/reunion-du-reseau-aout-2024", "Réunion du réseau",
			"Réunion de rentrée des OSPO de Bourgogne-Franche-Comté : tour de table et projets communs.", [3]int{2024, 8, 30}},
		{"https://ospo.example.fr/agenda/atelier-logiciels-libres-collectivites", "Atelier « Logiciels libres et collectivités »",
			"Atelier pratique : choisir une licence, publier un dépôt, répondre aux contributions.", [3]int{2024, 12, 12}},
		{"https://ospo.example.fr/agenda/cafe-des-libristes-fevrier-2025", "Café des libristes à la médiathèque",
			"Échanges informels autour des logiciels libres utilisés par les services de la ville.", [3]int{2025, 2, 1}},
	}
	for _, path := range []string{"/latin1/", "/latin1-meta/"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			site := newSite(t)
			src := agendaSource("https://ospo.example.fr" + path)
			res := run(t, site, nil, src, newMemory())
			if res.Err != nil || len(res.Warnings) > 0 {
				t.Fatalf("Run(%s): Err, Warnings = %v, %q; want nil, none", src.URL, res.Err, res.Warnings)
			}
			if len(res.Items) != len(want) {
				t.Fatalf("Run(%s) gave %d items; want %d", src.URL, len(res.Items), len(want))
			}
			for i, w := range want {
				it := res.Items[i]
				start := ymd(w.start[0], time.Month(w.start[1]), w.start[2])
				if it.ID != w.id || it.Title != w.title || it.Summary != w.summary {
					t.Errorf("Run(%s) item %d = %q, %q, %q; want %q, %q, %q", src.URL, i, it.ID, it.Title, it.Summary, w.id, w.title, w.summary)
				}
				if !it.Start.Equal(start) || !it.End.Equal(start) || !it.AllDay {
					t.Errorf("Run(%s) item %q: Start, End, AllDay = %v, %v, %v; want %v all day", src.URL, it.Title, it.Start, it.End, it.AllDay, start)
				}
			}
		})
	}
}

// TestRunLatin1Feed: an RSS feed in ISO-8859-1 parses with its accents,
// whether the charset is in the header, the XML declaration, or both.
func TestRunLatin1Feed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, contentType string
		prolog            bool
	}{
		{"header and prolog", "application/rss+xml; charset=ISO-8859-1", true},
		{"prolog only", "application/rss+xml", true},
		{"prolog only, generic type", "application/xml", true},
		{"header only", "text/xml; charset=iso-8859-1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			site := newSite(t)
			site.Set(fixture.HostOSPO, "/agenda.rss", tt.contentType, latin1RSS(t, tt.prolog))
			src := ospofeed.Source{ID: "latin1-rss", Kind: "feed", URL: "https://ospo.example.fr/agenda.rss"}
			res := run(t, site, nil, src, newMemory())
			if res.Err != nil || len(res.Items) != 1 {
				t.Fatalf("Run(%s, %s): Err, items = %v, %d; want nil, 1", src.URL, tt.name, res.Err, len(res.Items))
			}
			it := res.Items[0]
			const title, summary = "Réunion du réseau à Besançon", "Rentrée des OSPO : août 2024, 30 août, café à la médiathèque."
			if it.Title != title || it.Summary != summary {
				t.Errorf("Run(%s, %s) item = %q, %q; want %q, %q", src.URL, tt.name, it.Title, it.Summary, title, summary)
			}
			if want := "https://ospo.example.fr/agenda/reunion-du-reseau-aout-2024"; it.ID != want {
				t.Errorf("Run(%s, %s) item ID = %q; want %q", src.URL, tt.name, it.ID, want)
			}
		})
	}
}

func TestBlockTextKeepsShape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>Programme<br>---<br>- Opening Plenary: welcome<br>- Keynote</p>", "Programme\n---\n- Opening Plenary: welcome\n- Keynote"},
		{"<p>One\n  paragraph,\nwrapped in the source.</p><p>Two.</p>", "One paragraph, wrapped in the source.\n\nTwo."},
		{"<ul><li>first</li><li>second <b>bold</b></li></ul>", "- first\n- second bold"},
		{"plain <b>inline</b> text", "plain inline text"},
	}
	for _, tt := range tests {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(tt.in))
		if err != nil {
			t.Fatal(err)
		}
		if got := blockText(doc.Find("body")); got != tt.want {
			t.Errorf("blockText(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	if got := plain("Programme\n---\n- Opening Plenary: welcome\n- Keynote: open source"); got != "Programme\n---\n- Opening Plenary: welcome\n- Keynote: open source" {
		t.Errorf("plain(multi-line text) = %q; want its lines kept", got)
	}
}
