package feed

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

func TestCSLJSON(t *testing.T) {
	c := citeCases()["k1ma4k9rff-offset"]
	b, err := CSLJSON(c)
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("CSLJSON output is not JSON: %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("CSLJSON items = %d; want 1", len(got))
	}
	x := got[0]
	want := map[string]any{
		"id":          "un-webtv-2024-k1ma4k9rff",
		"type":        "motion_picture",
		"title":       "(Day 1, Part 1) OSPOs for Good 2024",
		"genre":       "Video",
		"dimensions":  "02:58:41",
		"URL":         rec1ID,
		"event-title": "OSPOs for Good 2024",
		"event-place": "ECOSOC Chamber, UN Headquarters, New York",
		"publisher":   "UN Web TV",
		"language":    "en",
		"note":        "Cited at 01:23:45",
	}
	for k, w := range want {
		if x[k] != w {
			t.Errorf("CSLJSON %s = %v; want %v", k, x[k], w)
		}
	}
	// The event once, the body once: styles print container-title as a
	// second container and medium beside genre.
	for _, k := range []string{"container-title", "medium", "publisher-place"} {
		if v, ok := x[k]; ok {
			t.Errorf("CSLJSON has %s = %v; want none", k, v)
		}
	}
	accessed, _ := json.Marshal(x["accessed"])
	if string(accessed) != `{"date-parts":[[2024,7,11]]}` {
		t.Errorf("CSLJSON accessed = %s; want the item's last change, 2024-07-11", accessed)
	}
	issued, _ := json.Marshal(x["issued"])
	if string(issued) != `{"date-parts":[[2024,7,9]]}` {
		t.Errorf("CSLJSON issued = %s; want 2024-07-09 as date-parts", issued)
	}
	author, _ := json.Marshal(x["author"])
	if string(author) != `[{"literal":"United Nations"}]` {
		t.Errorf("CSLJSON author = %s; want the corporate author as a literal", author)
	}
}

func TestRIS(t *testing.T) {
	for name, c := range citeCases() {
		t.Run(name, func(t *testing.T) {
			b := string(RIS(c))
			if !strings.HasPrefix(b, "TY  - ") || !strings.HasSuffix(b, "\r\nER  - \r\n") {
				t.Errorf("RIS(%s) does not run from TY to ER:\n%s", name, b)
			}
			for _, l := range strings.Split(strings.TrimSuffix(b, "\r\n"), "\r\n") {
				if strings.ContainsAny(l, "\r\n") || len(l) < 6 || l[2:6] != "  - " {
					t.Errorf("RIS(%s) line %q is not TAG  - value with CRLF", name, l)
				}
			}
		})
	}
	got := string(RIS(citeCases()["k1ma4k9rff"]))
	for _, want := range []string{"TY  - VIDEO\r\n", "AU  - United Nations\r\n", "PY  - 2024\r\n", "DA  - 2024/07/09/\r\n",
		"T3  - OSPOs for Good 2024\r\n", "PB  - UN Web TV\r\n", "UR  - " + rec1ID + "\r\n", "C3  - 02:58:41\r\n",
		"M3  - Video\r\n", "Y2  - 2024/07/11/\r\n", "LA  - English\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("RIS(k1ma4k9rff) lacks %q:\n%s", want, got)
		}
	}
	// M1 is read as a number (an episode number in citation-js's styles),
	// T2 is dropped for VIDEO.
	for _, bad := range []string{"M1  - ", "T2  - "} {
		if strings.Contains(got, bad) {
			t.Errorf("RIS(k1ma4k9rff) has %q:\n%s", bad, got)
		}
	}
}

// TestOffset: a cited offset keeps the item URL untouched (no ?t=: UN Web
// TV has no documented start-time parameter, and style guides put the
// moment in the in-text citation) and is stated in every format.
func TestOffset(t *testing.T) {
	c := citeCases()["k1ma4k9rff-offset"]
	csl, err := CSLJSON(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"BibTeX":       string(BibTeX(c)),
		"RIS":          string(RIS(c)),
		"CSLJSON":      string(csl),
		"TextCitation": TextCitation(c),
	}
	for _, f := range Styles(c) {
		outputs[f.Style.Name] = string(f.File())
	}
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(out, "at 01:23:45") && !strings.Contains(out, "1:23:45)") {
				t.Errorf("%s(offset 1h23m45s) does not state 01:23:45:\n%s", name, out)
			}
			if !strings.Contains(out, rec1ID) || strings.Contains(out, rec1ID+"?") || strings.Contains(out, rec1ID+"#") {
				t.Errorf("%s(offset) changed the URL:\n%s", name, out)
			}
		})
	}
	plain := citeCases()["k1ma4k9rff"]
	if s := TextCitation(plain); strings.Contains(s, " at ") {
		t.Errorf("TextCitation(no offset) = %q; want no offset", s)
	}
}

func TestCiteKey(t *testing.T) {
	items := fixtures()
	tests := []struct {
		id, want string
	}{
		{rec1ID, "un-webtv-2024-k1ma4k9rff"},
		{rec4ID, "un-webtv-2024-k1517v486n"},
		{eventID, "un-2024-ospos-good-2024"},
		{articleI, "joinup-ec-europa-eu-2024-ospos-good-2024"},
		{liveID, "un-webtv-2024-k1z8lv3p2e"}, // no date: the scheduled start's year
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			it := find(items, tt.id)
			if got := (Citation{Item: it}).ref().Key; got != tt.want {
				t.Errorf("key(%s) = %q; want %q", tt.id, got, tt.want)
			}
			it.Title = "Another title"
			if got := (Citation{Item: it}).ref().Key; got != tt.want {
				t.Errorf("key(%s, retitled) = %q; want it unchanged %q", tt.id, got, tt.want)
			}
		})
	}
	undated := ospofeed.Item{ID: "https://media.un.org/en/asset/k1a/k1abcdefgh", Kind: ospofeed.KindRecording}
	if got, want := (Citation{Item: undated}).ref().Key, "un-media-nd-k1abcdefgh"; got != want {
		t.Errorf("key(undated) = %q; want %q", got, want)
	}
}

// TestAuthorPublisher: a recording's author is the body that broadcast
// it, its publisher the platform; neither is said twice.
func TestAuthorPublisher(t *testing.T) {
	rec := find(fixtures(), rec1ID)
	bare := rec
	bare.Entities = nil
	yt := bare
	yt.ID, yt.URL, yt.Author = "https://www.youtube.com/watch?v=abc", "https://www.youtube.com/watch?v=abc", "OSPO Alliance"
	other := bare
	other.ID, other.URL = "https://video.example.org/v/1", "https://video.example.org/v/1"
	tests := []struct {
		name              string
		c                 Citation
		author, publisher string
	}{
		{"entity", Citation{Item: find(fixtures(), rec4ID)}, "Office of the Secretary-General's Envoy on Technology", "UN Web TV"},
		{"UN Web TV without entity", Citation{Item: bare}, "United Nations", "UN Web TV"},
		{"YouTube channel", Citation{Item: yt}, "OSPO Alliance", "YouTube"},
		{"other site", Citation{Item: other}, "", "video.example.org"},
		{"explicit publisher", Citation{Item: rec, Publisher: "UN Audiovisual Library"}, "United Nations", "UN Audiovisual Library"},
		{"publisher same as author", Citation{Item: rec, Publisher: "United Nations"}, "United Nations", ""},
		{"event", Citation{Item: find(fixtures(), eventID)}, "United Nations", ""},
		{"article", Citation{Item: find(fixtures(), articleI)}, "Jane Doe", "joinup.ec.europa.eu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.ref()
			if r.Author != tt.author || r.Publisher != tt.publisher {
				t.Errorf("ref(%s) author, publisher = %q, %q; want %q, %q", tt.name, r.Author, r.Publisher, tt.author, tt.publisher)
			}
		})
	}
}

func TestTexEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"{ } & % $ # _", `\{ \} \& \% \$ \# \_`},
		{`~ ^ \`, `\textasciitilde{} \textasciicircum{} \textbackslash{}`},
		{"<b>", `\textless{}b\textgreater{}`},
		{"line\nbreak\x00", "line break"},
		{"مكتب 🎥", "مكتب 🎥"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := texEscape(tt.in); got != tt.want {
				t.Errorf("texEscape(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestBibTeXBalanced: hostile braces and backslashes must not unbalance
// the entry, or BibTeX swallows the rest of the file.
func TestBibTeXBalanced(t *testing.T) {
	for name, c := range citeCases() {
		t.Run(name, func(t *testing.T) {
			b := BibTeX(c)
			depth := 0
			for i := 0; i < len(b); i++ {
				switch b[i] {
				case '\\':
					i++ // an escaped character does not count
				case '{':
					depth++
				case '}':
					depth--
				}
				if depth < 0 {
					t.Fatalf("BibTeX(%s) closes an unopened brace at %d:\n%s", name, i, b)
				}
			}
			if depth != 0 || !bytes.HasSuffix(b, []byte("}\n")) {
				t.Errorf("BibTeX(%s) brace depth %d at end:\n%s", name, depth, b)
			}
		})
	}
}

func TestTextCitation(t *testing.T) {
	tests := []struct {
		name string
		c    Citation
		want string
	}{
		{"recording", citeCases()["k1ma4k9rff"],
			"United Nations. “(Day 1, Part 1) OSPOs for Good 2024.” OSPOs for Good 2024. UN Web TV, July 9, 2024. Video, 02:58:41. " + rec1ID + "."},
		{"event", citeCases()["ospos-good-2024"],
			"United Nations. “OSPOs for Good 2024.” July 9–10, 2024. ECOSOC Chamber, UN Headquarters, New York. " + eventID + "."},
		{"question title", Citation{Item: ospofeed.Item{ID: "https://example.org/a", Kind: ospofeed.KindArticle, Title: "Why open source?", Author: "A. Writer",
			Date: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}},
			"A. Writer. “Why open source?” example.org, January 2, 2024. https://example.org/a."},
		{"permalink when no URL", Citation{Item: ospofeed.Item{ID: "urn:x:1", Kind: ospofeed.KindArticle, Title: "T"}, Permalink: "https://ospofeed.example.org/a/"},
			"“T.” https://ospofeed.example.org/a/."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TextCitation(tt.c); got != tt.want {
				t.Errorf("TextCitation(%s) = %q; want %q", tt.name, got, tt.want)
			}
		})
	}
}
