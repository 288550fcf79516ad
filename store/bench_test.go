package store

// Benchmarks of the store, each beside a baseline that does the least bbolt
// work the same result needs. bench/run.sh prints the ratios; absolute
// times depend on the machine and the disk, the ratios much less.
//
// Both sides write real files with fsync off: an fsync costs the same to
// both but varies a hundredfold between disks and with other processes'
// I/O, and would drown the ratio of the work ospofeed itself does.

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ospofeed/ospofeed"
)

var benchDay = time.Date(2026, 6, 23, 0, 0, 0, 0, time.UTC)

// benchItems returns events x perEvent recordings plus the events, linked
// both ways, with the fields a real asset page gives.
func benchItems(events, perEvent int) []ospofeed.Item {
	var items []ospofeed.Item
	for e := range events {
		evID := fmt.Sprintf("https://www.un.org/digital-emerging-technologies/content/open-source-week-%04d", 2000+e)
		event := ospofeed.Item{ID: evID, Kind: ospofeed.KindEvent, URL: evID,
			Title: fmt.Sprintf("UN Open Source Week %d", 2000+e), Summary: "A week of open source at the United Nations.",
			Start: benchDay, End: benchDay.AddDate(0, 0, 4), AllDay: true, Venue: "UN Headquarters, New York",
			Keywords: []string{"Open Source Week", "OSPOs for Good"}, Authority: ospofeed.AuthorityPage}
		for r := range perEvent {
			asset := fmt.Sprintf("k1%08d", e*perEvent+r)
			recID := "https://webtv.un.org/en/asset/" + asset[:3] + "/" + asset
			var alts []ospofeed.Alternate
			for _, l := range []string{"ar", "zh", "fr", "ru", "es"} {
				alts = append(alts, ospofeed.Alternate{Lang: l, URL: "https://webtv.un.org/" + l + "/asset/" + asset[:3] + "/" + asset})
			}
			items = append(items, ospofeed.Item{ID: recID, Kind: ospofeed.KindRecording, URL: recID,
				Title:   fmt.Sprintf("Session %d: Open source programme offices in the public sector", r),
				Summary: "Panel discussion on how governments and international organizations run OSPOs.",
				Content: "<p>Moderated panel with speakers from member states, the UN system and the open source community.</p>",
				Date:    benchDay.AddDate(0, 0, r%4), DateOnly: true, Duration: time.Duration(60+r) * time.Minute,
				Languages: []string{"English", "Original language"}, Categories: []string{"Meetings & Events"},
				Entities: []string{"Office of the Secretary-General's Envoy on Technology"}, Topics: []string{"Digital cooperation"},
				Thumbnail: "https://cfvod.kaltura.com/p/2503451/thumbnail/entry_id/1_" + asset[2:],
				KalturaID: "1_" + asset[2:], Alternates: alts, Events: []string{evID}, Authority: ospofeed.AuthorityPage})
			event.Recordings = append(event.Recordings, recID)
		}
		items = append(items, event)
	}
	return items
}

func benchOpen(b *testing.B) *DB {
	b.Helper()
	db, err := Open(filepath.Join(b.TempDir(), "bench.db"), Options{Now: func() time.Time { return benchDay }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.bolt.NoSync = true
	return db
}

func benchCrawl(items []ospofeed.Item) ospofeed.CrawlResult {
	return ospofeed.CrawlResult{Source: "open-source-week-2026", Start: benchDay, End: benchDay.Add(time.Minute),
		Items: items, Fetched: len(items)}
}

// BenchmarkSaveCrawl is the steady state of a scheduled crawl: 200
// recordings and 10 events that have not changed since the last save.
func BenchmarkSaveCrawl(b *testing.B) {
	db := benchOpen(b)
	res := benchCrawl(benchItems(10, 20))
	if _, err := db.SaveCrawl(res); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		log, err := db.SaveCrawl(res)
		if err != nil {
			b.Fatal(err)
		}
		if log.Unchanged != len(res.Items) {
			b.Fatalf("SaveCrawl(unchanged) = %d unchanged; want %d", log.Unchanged, len(res.Items))
		}
	}
}

// BenchmarkBaselineBoltPut is the floor under BenchmarkSaveCrawl: one
// bbolt transaction putting the same 210 items, already JSON, in one
// bucket of a real file.
func BenchmarkBaselineBoltPut(b *testing.B) {
	items := benchItems(10, 20)
	keys := make([][]byte, len(items))
	blobs := make([][]byte, len(items))
	for i, it := range items {
		keys[i] = []byte(it.ID)
		v, err := json.Marshal(it)
		if err != nil {
			b.Fatal(err)
		}
		blobs[i] = v
	}
	db, err := bolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o644, &bolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	put := func() error {
		return db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists(bucketItems)
			if err != nil {
				return err
			}
			for i := range keys {
				if err := bk.Put(keys[i], blobs[i]); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := put(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := put(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchReadDB is a database holding 2000 items: 100 events of 19
// recordings each.
func benchReadDB(b *testing.B) *DB {
	b.Helper()
	db := benchOpen(b)
	items := benchItems(100, 19)
	if len(items) != 2000 {
		b.Fatalf("benchItems(100, 19) = %d items; want 2000", len(items))
	}
	if _, err := db.SaveCrawl(benchCrawl(items)); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkItems reads every one of 2000 items.
func BenchmarkItems(b *testing.B) {
	db := benchReadDB(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		items, err := db.Items()
		if err != nil {
			b.Fatal(err)
		}
		if len(items) != 2000 {
			b.Fatalf("Items() = %d; want 2000", len(items))
		}
	}
}

// BenchmarkBaselineBoltForEach is the floor under BenchmarkItems: a bbolt
// ForEach over the same bucket of the same file, unmarshaling each value
// straight into the domain type.
func BenchmarkBaselineBoltForEach(b *testing.B) {
	db := benchReadDB(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var items []ospofeed.Item
		err := db.bolt.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketItems).ForEach(func(_, v []byte) error {
				var it ospofeed.Item
				if err := json.Unmarshal(v, &it); err != nil {
					return err
				}
				items = append(items, it)
				return nil
			})
		})
		if err != nil {
			b.Fatal(err)
		}
		if len(items) != 2000 {
			b.Fatalf("ForEach = %d items; want 2000", len(items))
		}
	}
}
