package web

import (
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

// TestRecordingCitations: a recording page offers APA, Chicago and MLA,
// each a file cite.<style>.txt that cites a moment when asked with ?t=.
func TestRecordingCitations(t *testing.T) {
	s := standardSite(t)
	p := page(t, s, "/recordings/k1qmxhno3c/")
	for _, want := range []string{
		`<h3>APA 7</h3>`, `<h3>Chicago (author-date)</h3>`, `<h3>MLA 9</h3>`,
		`<p class="citation" id="cite-apa">United Nations. (2024, July 10). <i>`,
		`[Video]. OSPOs for Good 2024, ECOSOC Chamber, UN Headquarters, New York. UN Web TV. https://webtv.un.org/en/asset/k1q/k1qmxhno3c</p>`,
		`data-before="(United Nations, 2024, " data-after=")" data-clock="short">(United Nations, 2024)</span>`,
		`data-before="(United Nations, " data-after=")" data-clock="long">(United Nations)</span>`,
		`<a href="cite.apa.txt" data-moment>`, `<a href="cite.mla.txt" data-moment>`,
		`<button type="button" data-copy="cite-chicago" hidden>`,
		`<pre tabindex="0" role="region" aria-label="BibTeX">`,
	} {
		if !strings.Contains(p, want) {
			t.Errorf("recording page lacks %s", want)
		}
	}
	if strings.Contains(p, "When ospofeed serves this page itself") {
		t.Errorf("recording page still speaks to developers about ?t=")
	}
	for name, want := range map[string]string{
		"cite.apa.txt":     "(United Nations, 2024, 1:02:03)\n",
		"cite.chicago.txt": "(United Nations 2024, 1:02:03)\n",
		"cite.mla.txt":     "(United Nations, 01:02:03)\n",
	} {
		plain := page(t, s, "/recordings/k1qmxhno3c/"+name)
		f, err := s.Cite("k1qmxhno3c", name, time.Hour+2*time.Minute+3*time.Second)
		if err != nil {
			t.Fatalf("Cite(%s, 1h02m03s) = %v", name, err)
		}
		if got := string(f.Body); !strings.HasSuffix(got, want) || !strings.HasPrefix(got, strings.SplitN(plain, "\n", 2)[0]+"\n") {
			t.Errorf("Cite(%s, 1h02m03s) = %q; want the entry, then %q", name, got, want)
		}
	}
}

// TestRecordingMetadata: what Zotero and search engines read. Zotero
// saves a video recording (og:type video.other; no
// citation_conference_title, which would make it a conference paper) with
// its running time (video:duration); every VideoObject has a thumbnail
// and an upload date with a time zone.
func TestRecordingMetadata(t *testing.T) {
	s := standardSite(t)
	p := page(t, s, "/recordings/k1ma4k9rff/")
	for _, want := range []string{
		`<meta property="og:type" content="video.other">`,
		`<meta name="video:duration" content="02:58:11">`,
		`<meta name="citation_author" content="United Nations">`,
		`<meta name="citation_publisher" content="UN Web TV">`,
	} {
		if !strings.Contains(p, want) {
			t.Errorf("recording page lacks %s", want)
		}
	}
	if strings.Contains(p, "citation_conference_title") {
		t.Errorf("recording page has citation_conference_title: Zotero would save a conference paper")
	}
	ld := jsonLD(t, p)
	for k, want := range map[string]string{
		"thumbnailUrl": "https://",
		"uploadDate":   "2024-07-09T12:00:00Z",
		"contentUrl":   "https://cdnapisec.kaltura.com/p/2503451/sp/250345100/playManifest/entryId/1_ma4k9rff/",
	} {
		if got, _ := ld[k].(string); !strings.HasPrefix(got, want) {
			t.Errorf("JSON-LD %s = %q; want %s…", k, got, want)
		}
	}
	seek, _ := ld["potentialAction"].(map[string]any)
	if seek["@type"] != "SeekToAction" || seek["target"] != testBase+"/recordings/k1ma4k9rff/?t={seek_to_second_number}" ||
		seek["startOffset-input"] != "required name=seek_to_second_number" {
		t.Errorf("JSON-LD potentialAction = %v; want a SeekToAction to our page with ?t=", ld["potentialAction"])
	}
}

func TestVideoObjectFallbacks(t *testing.T) {
	noThumb := ospofeed.Item{ID: "https://webtv.un.org/en/asset/k1q/k1qmxhno3c", URL: "https://webtv.un.org/en/asset/k1q/k1qmxhno3c",
		Kind: ospofeed.KindRecording, Title: "T", FirstSeen: time.Date(2024, 7, 10, 18, 0, 0, 0, time.UTC)}
	yt := ospofeed.Item{ID: "https://www.youtube.com/watch?v=abcdefghijk", URL: "https://www.youtube.com/watch?v=abcdefghijk",
		Kind: ospofeed.KindRecording, Title: "T", Start: time.Date(2026, 6, 25, 14, 0, 0, 0, time.UTC)}
	hostile := noThumb
	hostile.Thumbnail, hostile.KalturaID = "javascript:alert(1)", "1_x\"><script>"
	tests := []struct {
		name                  string
		it                    ospofeed.Item
		thumb, upload, player string
	}{
		{"derived Kaltura entry", noThumb, "https://cfvod.kaltura.com/p/2503451/sp/250345100/thumbnail/entry_id/1_qmxhno3c/width/640",
			"2024-07-10T18:00:00Z", ""},
		{"YouTube", yt, "https://i.ytimg.com/vi/abcdefghijk/hqdefault.jpg", "2026-06-25T14:00:00Z",
			"https://www.youtube-nocookie.com/embed/abcdefghijk"},
		{"hostile", hostile, "https://cfvod.kaltura.com/p/2503451/sp/250345100/thumbnail/entry_id/1_qmxhno3c/width/640",
			"2024-07-10T18:00:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ld := videoObject(tt.it)
			if ld["thumbnailUrl"] != tt.thumb || ld["uploadDate"] != tt.upload {
				t.Errorf("videoObject(%s) thumbnailUrl, uploadDate = %v, %v; want %s, %s", tt.name, ld["thumbnailUrl"], ld["uploadDate"], tt.thumb, tt.upload)
			}
			if e, _ := ld["embedUrl"].(string); e != tt.player {
				t.Errorf("videoObject(%s) embedUrl = %q; want %q", tt.name, e, tt.player)
			}
		})
	}
}

// TestEventJSONLD: an event page describes the event as schema.org's
// Event, with its recordings as the videos that recorded it.
func TestEventJSONLD(t *testing.T) {
	s := standardSite(t)
	ld := jsonLD(t, page(t, s, "/events/ospos-good-2024/"))
	for k, want := range map[string]any{"@type": "Event", "name": "OSPOs for Good 2024", "startDate": "2024-07-09", "endDate": "2024-07-10"} {
		if ld[k] != want {
			t.Errorf("event JSON-LD %s = %v; want %v", k, ld[k], want)
		}
	}
	if loc, _ := ld["location"].(map[string]any); loc["@type"] != "Place" || loc["name"] == "" {
		t.Errorf("event JSON-LD location = %v", ld["location"])
	}
	if org, _ := ld["organizer"].(map[string]any); org["name"] != "United Nations" {
		t.Errorf("event JSON-LD organizer = %v; want the United Nations", ld["organizer"])
	}
	recs, _ := ld["recordedIn"].([]any)
	if len(recs) != 4 {
		t.Fatalf("event JSON-LD recordedIn has %d recordings; want 4", len(recs))
	}
	for _, r := range recs {
		v, _ := r.(map[string]any)
		if v["@type"] != "VideoObject" || v["thumbnailUrl"] == nil || v["uploadDate"] == nil {
			t.Errorf("event JSON-LD recording = %v; want a VideoObject with thumbnail and upload date", v)
		}
	}
}

func TestDescriptions(t *testing.T) {
	rec := recordingView{Item: ospofeed.Item{Title: "T", Kind: ospofeed.KindRecording, Date: time.Date(2024, 7, 10, 12, 0, 0, 0, time.UTC), Duration: time.Hour},
		Events: []ospofeed.Item{{Title: "OSPOs for Good 2024"}}}
	if got, want := rec.Description(), "Recording of OSPOs for Good 2024, 10 July 2024 (01:00:00), with citations in APA, Chicago and MLA."; got != want {
		t.Errorf("Description() = %q; want %q", got, want)
	}
	rec.Summary = strings.Repeat("word ", 100)
	if got := rec.Description(); len([]rune(got)) > 301 || !strings.HasSuffix(got, "…") {
		t.Errorf("Description() of a long summary = %q; want at most 300 characters and an ellipsis", got)
	}
}
