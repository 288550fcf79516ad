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
		"id":              "un-webtv-2024-k1ma4k9rff",
		"type":            "motion_picture",
		"title":           "(Day 1, Part 1) OSPOs for Good 2024",
		"dimensions":      "02:58:41",
		"URL":             rec1ID,
		"container-title": "OSPOs for Good 2024",
		"publisher":       "United Nations",
		"medium":          "Video recording",
		"note":            "at 01:23:45",
	}
	for k, w := range want {
		if x[k] != w {
			t.Errorf("CSLJSON %s = %v; want %v", k, x[k], w)
		}
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
		"T2  - OSPOs for Good 2024\r\n", "PB  - United Nations\r\n", "UR  - " + rec1ID + "\r\n", "M1  - 02:58:41\r\n", "LA  - English\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("RIS(k1ma4k9rff) lacks %q:\n%s", want, got)
		}
	}
}

// TestOffset: a cited offset keeps the item URL untouched (no ?t=) and is
// stated in every format.
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
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(out, "at 01:23:45") {
				t.Errorf("%s(offset 1h23m45s) does not say \"at 01:23:45\":\n%s", name, out)
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

func TestPublisher(t *testing.T) {
	rec := find(fixtures(), rec1ID)
	other := rec
	other.Entities, other.URL, other.ID = nil, "https://video.example.org/v/1", "https://video.example.org/v/1"
	bare := rec
	bare.Entities = nil
	tests := []struct {
		name string
		c    Citation
		want string
	}{
		{"explicit", Citation{Item: rec, Publisher: "UN Web TV"}, "UN Web TV"},
		{"first entity", Citation{Item: find(fixtures(), rec4ID)}, "Office of the Secretary-General's Envoy on Technology"},
		{"un.org host", Citation{Item: bare}, "United Nations"},
		{"other host", Citation{Item: other}, "video.example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.ref().Publisher; got != tt.want {
				t.Errorf("publisher(%s) = %q; want %q", tt.name, got, tt.want)
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
