package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/ospofeed/ospofeed"
)

// metrics counts what operators alert on, exposed at /metrics in the
// Prometheus text format.
type metrics struct {
	mu          sync.Mutex
	crawls      map[[2]string]int // source, result -> count
	lastSuccess map[string]float64
	lastUp      map[string]int
	blocked     map[string]int // 1 while the source is blocked by robots.txt
	newItems    map[string]int
	itemsByKind map[string]int
	renders     int
}

func newMetrics() *metrics {
	return &metrics{crawls: map[[2]string]int{}, lastSuccess: map[string]float64{}, lastUp: map[string]int{},
		blocked: map[string]int{}, newItems: map[string]int{}, itemsByKind: map[string]int{}}
}

func (m *metrics) crawled(l ospofeed.CrawlLog) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l.Status == ospofeed.StatusInterrupted {
		m.crawls[[2]string{l.Source, string(l.Status)}]++
		return
	}
	result := string(l.Status)
	up := 1
	if !l.Status.Healthy() {
		up = 0
	}
	if l.OK() {
		m.lastSuccess[l.Source] = float64(l.End.UnixMilli()) / 1000
	}
	m.crawls[[2]string{l.Source, result}]++
	m.lastUp[l.Source] = up
	m.blocked[l.Source] = isBlocked(l.Status)
	m.newItems[l.Source] += l.New
}

// fromStates seeds the per-source gauges from the stored health, so that a
// restarted process reports every source before it crawls it again.
func (m *metrics) fromStates(states map[string]ospofeed.SourceState) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, st := range states {
		up := 0
		if st.Status.Healthy() {
			up = 1
		}
		m.lastUp[id] = up
		m.blocked[id] = isBlocked(st.Status)
		if !st.LastSuccess.IsZero() {
			m.lastSuccess[id] = float64(st.LastSuccess.UnixMilli()) / 1000
		}
	}
}

func (m *metrics) items(counts map[ospofeed.Kind]int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.itemsByKind)
	for k, n := range counts {
		m.itemsByKind[string(k)] = n
	}
	m.renders++
}

func (m *metrics) write(b *strings.Builder) {
	m.mu.Lock()
	defer m.mu.Unlock()
	help := func(name, typ, text string) { fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, typ) }
	help("ospofeed_crawls_total", "counter", "Crawls by source and result (ok, empty, degraded, failed, blocked, interrupted).")
	keys := make([][2]string, 0, len(m.crawls))
	for k := range m.crawls {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		fmt.Fprintf(b, "ospofeed_crawls_total{source=%q,result=%q} %d\n", k[0], k[1], m.crawls[k])
	}
	// A blocked source is not up: it gives nothing, and only a person can
	// change that (see the README). ospofeed_source_blocked tells it from
	// a broken one, so that an alert can treat the two apart.
	help("ospofeed_source_up", "gauge", "1 when the source's last crawl was ok or empty; 0 when degraded, failed or blocked by robots.txt.")
	for _, s := range sortedKeys(m.lastUp) {
		fmt.Fprintf(b, "ospofeed_source_up{source=%q} %d\n", s, m.lastUp[s])
	}
	help("ospofeed_source_blocked", "gauge", "1 when the source's robots.txt forbids its URL to ospofeed (status blocked), else 0.")
	for _, s := range sortedKeys(m.blocked) {
		fmt.Fprintf(b, "ospofeed_source_blocked{source=%q} %d\n", s, m.blocked[s])
	}
	help("ospofeed_source_last_success_timestamp_seconds", "gauge", "End of the source's last successful crawl.")
	for _, s := range sortedKeys(m.lastSuccess) {
		fmt.Fprintf(b, "ospofeed_source_last_success_timestamp_seconds{source=%q} %.3f\n", s, m.lastSuccess[s])
	}
	help("ospofeed_new_items_total", "counter", "Items seen for the first time, by source.")
	for _, s := range sortedKeys(m.newItems) {
		fmt.Fprintf(b, "ospofeed_new_items_total{source=%q} %d\n", s, m.newItems[s])
	}
	help("ospofeed_items", "gauge", "Items in the store by kind.")
	for _, k := range sortedKeys(m.itemsByKind) {
		fmt.Fprintf(b, "ospofeed_items{kind=%q} %d\n", k, m.itemsByKind[k])
	}
	help("ospofeed_renders_total", "counter", "Site renders.")
	fmt.Fprintf(b, "ospofeed_renders_total %d\n", m.renders)
}

func isBlocked(s ospofeed.Status) int {
	if s == ospofeed.StatusBlocked {
		return 1
	}
	return 0
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
