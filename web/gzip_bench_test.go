package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"testing"
)

// BenchmarkGzipLevels measures what the served files' gzip level costs and
// saves, on the standard site's largest feed and a recording page:
//
//	go test -run - -bench GzipLevels ./web
//
// It reports bytes sent as a ratio to the plain body (ratio) per level.
func BenchmarkGzipLevels(b *testing.B) {
	s := standardSite(b)
	for _, p := range []string{"/feeds/all.atom", "/recordings/k1ma4k9rff/"} {
		f, _ := s.File(p)
		for _, level := range []int{gzip.BestSpeed, gzip.DefaultCompression, gzip.BestCompression} {
			b.Run(fmt.Sprintf("%s/level=%d", p, level), func(b *testing.B) {
				var buf bytes.Buffer
				zw, _ := gzip.NewWriterLevel(&buf, level)
				b.SetBytes(int64(len(f.Body)))
				for b.Loop() {
					buf.Reset()
					zw.Reset(&buf)
					zw.Write(f.Body)
					zw.Close()
				}
				b.ReportMetric(float64(buf.Len())/float64(len(f.Body)), "ratio")
			})
		}
	}
}
