package scraper_test

// Benchmarks of extraction, each beside a baseline that only parses the
// HTML. bench/run.sh prints the ratios.

import (
	"bytes"
	"os"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/ospofeed/ospofeed/scraper"
)

const (
	benchAssetURL  = "https://webtv.un.org/en/asset/k1m/k1ma4k9rff"
	benchAssetFile = "../internal/fixture/testdata/hosts/webtv.un.org/en/asset/k1m/k1ma4k9rff.html"
)

func benchAsset(b *testing.B) []byte {
	b.Helper()
	body, err := os.ReadFile(benchAssetFile)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkParseAsset extracts a recording from a real asset page: parse,
// selectors, text cleaning, sanitizing the description.
func BenchmarkParseAsset(b *testing.B) {
	body := benchAsset(b)
	it, _, err := scraper.ParseAsset(benchAssetURL, body)
	if err != nil || it.Title == "" || it.Duration == 0 {
		b.Fatalf("ParseAsset(%s) = title %q, duration %s, %v; want a recording", benchAssetURL, it.Title, it.Duration, err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := scraper.ParseAsset(benchAssetURL, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBaselineGoquery is the floor under BenchmarkParseAsset: building
// the goquery document of the same bytes, nothing else.
func BenchmarkBaselineGoquery(b *testing.B) {
	body := benchAsset(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := goquery.NewDocumentFromReader(bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}
