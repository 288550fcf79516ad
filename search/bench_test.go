package search

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

// synthetic is n items shaped like the store's: an event per 20
// recordings, with descriptions of a few hundred characters.
func synthetic(n int) []ospofeed.Item {
	words := []string{"open", "source", "programme", "office", "government", "university", "security", "policy", "community", "licence", "procurement", "digital", "public", "goods", "sustainable", "development"}
	items := make([]ospofeed.Item, 0, n)
	for i := range n {
		text := ""
		for j := range 40 {
			text += words[(i*7+j*3)%len(words)] + " "
		}
		it := ospofeed.Item{ID: fmt.Sprintf("https://example.org/item/%07d", i), Title: fmt.Sprintf("Session %d on %s", i, words[i%len(words)]),
			Summary: text + fmt.Sprintf("token%d", i), Date: time.Date(2015+i%12, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC),
			Languages: []string{"English"}}
		if i%21 == 0 {
			it.Kind = ospofeed.KindEvent
		} else {
			it.Kind = ospofeed.KindRecording
			it.Events = []string{fmt.Sprintf("https://example.org/item/%07d", i-i%21)}
		}
		items = append(items, it)
	}
	return items
}

func built(b *testing.B, items []ospofeed.Item) *Index {
	x, err := Open(filepath.Join(b.TempDir(), "search"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { x.Close() })
	look := lookupOf(items)
	err = x.Rebuild(func(add func([]ospofeed.Item, Lookup) error) error {
		for i := 0; i < len(items); i += batchDocs {
			if err := add(items[i:min(i+batchDocs, len(items))], look); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return x
}

func lookupOf(items []ospofeed.Item) Lookup {
	byID := make(map[string]ospofeed.Item, len(items))
	for _, it := range items {
		byID[it.ID] = it
	}
	return func(id string) (ospofeed.Item, bool) { it, ok := byID[id]; return it, ok }
}

// Rebuilding is linear in the items (it is the one O(N) step, run only on
// a full rendering or a lost index); per item, it should stay flat as N
// grows 10×.
func BenchmarkRebuild(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		items := synthetic(n)
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			for b.Loop() {
				built(b, items)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/item")
		})
	}
}

// One changed item costs the same whatever the index holds: the cost of a
// crawl follows the change.
func BenchmarkIndexOne(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		items := synthetic(n)
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			x := built(b, items)
			look := lookupOf(items)
			i := 0
			for b.Loop() {
				it := items[i%n]
				it.Title += " (retitled)"
				if err := x.Index([]ospofeed.Item{it}, look); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// A query with its four facets, not cached: a word (few hits) and a
// listing (every item: the facets read them all, so it grows with N; the
// cache answers it again until the index changes).
func BenchmarkQuery(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		items := synthetic(n)
		x := built(b, items)
		for _, q := range []string{fmt.Sprintf("token%d", n/2), ""} {
			b.Run(fmt.Sprintf("items=%d/q=%q", n, q), func(b *testing.B) {
				for b.Loop() {
					x.changed()
					if _, err := x.Query(q, Filters{}, 1); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
