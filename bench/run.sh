#!/usr/bin/env bash
# bench/run.sh: ospofeed's speed and memory, as ratios.
#
# Each benchmark runs beside a baseline measured in the same run, on the same
# machine and data: the least work of the same kind that the real code cannot
# avoid. A ratio (median of 5 runs of the benchmark / median of 5 runs of its
# baseline) moves when ospofeed's own code gets slower or fatter, and much
# less when the machine, the disk or the load changes, so targets are ratios,
# never times. No test asserts a timing; this script only reports.
#
#   ratio                             what it measures                          target
#   SaveCrawl / BaselineBoltPut       store.SaveCrawl re-saving an unchanged    <= 5x
#                                     crawl (200 recordings + 10 events) vs
#                                     one bbolt Update putting the same 210
#                                     JSON blobs: the cost of merging,
#                                     hashing, memberships and bookkeeping
#                                     (both with fsync off: its cost varies
#                                     a hundredfold between disks)
#   Items / BaselineBoltForEach       store.Items reading 2000 items vs a raw   <= 2x
#                                     bbolt ForEach + json.Unmarshal of the
#                                     same bucket: the cost of the codec
#   Build / BaselineJSON              web.Build of 10 events x 20 recordings    <= 50x
#                                     (pages, 3 feed formats per feed set,
#                                     calendars, OPML, gzip) vs one
#                                     json.Marshal of the same items
#   ServeCached / BaselineServeBytes  GET /feeds/all.atom through web.Handler   <= 3x
#                                     (mux, lookup, validators, headers) vs a
#                                     handler doing w.Write of the same bytes
#                                     (both record into one reused buffer)
#   ParseAsset / BaselineGoquery      scraper.ParseAsset of the fixture asset   <= 3x
#                                     page k1ma4k9rff vs goquery parsing the
#                                     same bytes only
#
# The table shows the median ns/op of both sides, the ns/op ratio against its
# target ("over" when above it), and the B/op and allocs/op ratios.
#
# Usage: bench/run.sh [extra go test flags, e.g. -benchtime 100x -count 1]
# The raw `go test` output is kept in a temporary file whose name is printed.
set -euo pipefail

cd "$(dirname "$0")/.."

raw=$(mktemp "${TMPDIR:-/tmp}/ospofeed-bench.XXXXXX")
go test -run '^$' -bench . -benchmem -count 5 "$@" ./store ./web ./scraper | tee "$raw"
echo
echo "raw output: $raw"
echo

# benchmark baseline target(ns/op ratio)
pairs='SaveCrawl BaselineBoltPut 5
Items BaselineBoltForEach 2
Build BaselineJSON 50
ServeCached BaselineServeBytes 3
ParseAsset BaselineGoquery 3'

# 1. one "name metric value" line per measurement
awk '/^Benchmark/ {
	name = $1; sub(/^Benchmark/, "", name); sub(/-[0-9]+$/, "", name)
	for (i = 3; i <= NF; i++) {
		if ($i == "ns/op" || $i == "B/op" || $i == "allocs/op") print name, $i, $(i-1)
	}
}' "$raw" |
	sort -k1,1 -k2,2 -k3,3g |
	# 2. the median of each (name, metric)
	awk '
	function flush() {
		if (n == 0) return
		med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		print key, med
		n = 0
	}
	{ k = $1 " " $2; if (k != key) { flush(); key = k } v[++n] = $3 }
	END { flush() }' |
	# 3. the ratios of each pair
	awk -v pairs="$pairs" '
	{ m[$1, $2] = $3 }
	function ratio(a, b, metric) {
		if (!((a, metric) in m) || !((b, metric) in m)) return "-"
		if (m[b, metric] == 0) return (m[a, metric] == 0) ? "1.0x" : "inf"
		return sprintf("%.1fx", m[a, metric] / m[b, metric])
	}
	function human(ns) {
		if (ns >= 1e9) return sprintf("%.2fs", ns / 1e9)
		if (ns >= 1e6) return sprintf("%.2fms", ns / 1e6)
		if (ns >= 1e3) return sprintf("%.1fus", ns / 1e3)
		return sprintf("%dns", ns)
	}
	END {
		fmt = "%-12s %-20s %10s %10s %8s %8s %-6s %8s %8s\n"
		printf fmt, "benchmark", "baseline", "ns/op", "base", "ratio", "target", "", "B/op", "allocs"
		np = split(pairs, lines, "\n")
		for (i = 1; i <= np; i++) {
			split(lines[i], p, " ")
			a = p[1]; b = p[2]; target = p[3]
			if (!((a, "ns/op") in m) || !((b, "ns/op") in m)) {
				printf fmt, a, b, "-", "-", "-", "<=" target "x", "missing", "-", "-"
				continue
			}
			r = m[a, "ns/op"] / m[b, "ns/op"]
			status = (r <= target) ? "ok" : "over"
			printf fmt, a, b, human(m[a, "ns/op"]), human(m[b, "ns/op"]), sprintf("%.1fx", r), "<=" target "x", status,
				ratio(a, b, "B/op"), ratio(a, b, "allocs/op")
		}
	}'
