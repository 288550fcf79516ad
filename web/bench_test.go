package web_test

// Benchmarks of rendering and serving, each beside a baseline that does the
// least work of the same kind. bench/run.sh prints the ratios.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/web"
)

var benchDay = time.Date(2026, 6, 23, 0, 0, 0, 0, time.UTC)

// benchSnapshot is 10 events of 20 recordings each, every event its own
// source, as after a crawl of a busy year.
func benchSnapshot() web.Snapshot {
	snap := web.Snapshot{
		Info: web.Info{Title: "ospofeed", Description: "OSPO events and their recordings",
			BaseURL: "https://feeds.example.org", Author: "ospofeed", Version: "bench"},
		Created: benchDay.AddDate(-1, 0, 0),
		Today:   benchDay.AddDate(0, 0, 1),
	}
	for e := range 10 {
		srcID := fmt.Sprintf("open-source-week-%d", 2017+e)
		evID := "https://www.un.org/digital-emerging-technologies/content/" + srcID
		start := benchDay.AddDate(e-9, 0, 0)
		event := ospofeed.Item{ID: evID, Kind: ospofeed.KindEvent, URL: evID,
			Title: fmt.Sprintf("UN Open Source Week %d", 2017+e), Summary: "A week of open source at the United Nations.",
			Content: "<p>Open source programme offices of governments, universities and the UN system meet.</p>",
			Start:   start, End: start.AddDate(0, 0, 4), AllDay: true, Venue: "UN Headquarters, New York",
			Keywords: []string{"Open Source Week"}, Sources: []string{srcID},
			FirstSeen: start, Updated: start, Version: 1}
		for r := range 20 {
			asset := fmt.Sprintf("k1%08d", e*20+r)
			recID := "https://webtv.un.org/en/asset/" + asset[:3] + "/" + asset
			var alts []ospofeed.Alternate
			for _, l := range []string{"ar", "zh", "fr", "ru", "es"} {
				alts = append(alts, ospofeed.Alternate{Lang: l, URL: "https://webtv.un.org/" + l + "/asset/" + asset[:3] + "/" + asset})
			}
			day := start.AddDate(0, 0, r%4)
			snap.Items = append(snap.Items, ospofeed.Item{ID: recID, Kind: ospofeed.KindRecording, URL: recID,
				Title:   fmt.Sprintf("Session %d: Open source programme offices in the public sector", r),
				Summary: "Panel discussion on how governments and international organizations run OSPOs.",
				Content: "<p>Moderated panel with speakers from member states, the UN system and the <em>open source</em> community.</p>",
				Date:    day, DateOnly: true, Duration: time.Duration(60+r) * time.Minute,
				Languages: []string{"English", "Original language"}, Categories: []string{"Meetings & Events"},
				Entities: []string{"Office of the Secretary-General's Envoy on Technology"}, Topics: []string{"Digital cooperation"},
				Thumbnail: "https://cfvod.kaltura.com/p/2503451/thumbnail/entry_id/1_" + asset[2:],
				KalturaID: "1_" + asset[2:], Alternates: alts, Events: []string{evID}, Sources: []string{srcID},
				FirstSeen: day, Updated: day, Version: 1})
			event.Recordings = append(event.Recordings, recID)
		}
		snap.Items = append(snap.Items, event)
		snap.Sources = append(snap.Sources, web.SourceView{
			Source: ospofeed.Source{ID: srcID, Kind: "un-event", Name: event.Title, URL: evID, Schedule: "15 4 * * 1"},
			State: ospofeed.SourceState{ID: srcID, Status: ospofeed.StatusOK, LastCrawl: benchDay,
				LastSuccess: benchDay, Items: 21},
		})
	}
	return snap
}

// BenchmarkBuild renders the whole site: pages, feeds in three formats,
// calendars, OPML, gzip variants.
func BenchmarkBuild(b *testing.B) {
	snap := benchSnapshot()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := web.Build(snap); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineJSON is the least any rendering of the same items does:
// one json.Marshal of them.
func BenchmarkBaselineJSON(b *testing.B) {
	snap := benchSnapshot()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(snap.Items); err != nil {
			b.Fatal(err)
		}
	}
}

const benchPath = "/feeds/all.atom"

func benchSite(b *testing.B) *web.Site {
	b.Helper()
	site, err := web.Build(benchSnapshot())
	if err != nil {
		b.Fatal(err)
	}
	if _, ok := site.File(benchPath); !ok {
		b.Fatalf("Build() has no %s", benchPath)
	}
	return site
}

// benchServe sends the same GET through h b.N times and checks the answer.
// Every recorder writes into one reused buffer: allocating and zeroing a
// fresh copy of the 400 kB feed per request would cost both sides the same
// and, being memory-bound, swing with the machine's load far more than the
// handler's own work does.
func benchServe(b *testing.B, h http.Handler, want int) {
	req := httptest.NewRequest(http.MethodGet, benchPath, nil)
	buf := bytes.NewBuffer(make([]byte, 0, want))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		w := httptest.NewRecorder()
		w.Body = buf
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK || w.Body.Len() != want {
			b.Fatalf("GET %s = %d, %d bytes; want 200, %d bytes", benchPath, w.Code, w.Body.Len(), want)
		}
	}
}

// BenchmarkServeCached answers GET /feeds/all.atom from the rendered site
// through the whole Handler: route, lookup, validators, headers.
func BenchmarkServeCached(b *testing.B) {
	site := benchSite(b)
	f, _ := site.File(benchPath)
	h := web.Handler(web.Deps{Site: site, Generation: site.Generation, Now: func() time.Time { return benchDay }})
	benchServe(b, h, len(f.Body))
}

// BenchmarkBaselineServeBytes is the floor under BenchmarkServeCached: a
// handler that writes the same bytes and nothing else.
func BenchmarkBaselineServeBytes(b *testing.B) {
	f, _ := benchSite(b).File(benchPath)
	body := f.Body
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(body) })
	benchServe(b, h, len(body))
}
