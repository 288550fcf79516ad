//go:build linux

package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// printTables writes the main table (the columns issue 7 asks for) and a
// table of details that explain it.
func printTables(w io.Writer, results []result) {
	fmt.Fprintln(w, "| shape | N | items stored | cold `crawl --out` | cold peak RSS (of it anonymous) | unchanged re-crawl | files rewritten (content changed) | one item changed: re-crawl | files rewritten (content changed) | `serve --no-crawl`: start to 200 `/healthz` | start to 200 `/` | serve RSS at 200, +1 s | largest feed | most entries in a feed |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r.shape, num(r.n), items(r.items), crawlTime(r.cold), mb(r.cold.maxRSS)+" ("+mb(r.cold.maxAnon)+" anon)",
			crawlTime(r.unchanged), rewritten(r.unchanged), crawlTime(r.changed), rewritten(r.changed),
			dur(r.serve.healthz), dur(r.serve.index), mb(r.serve.rssAt)+", "+mb(r.serve.rss1s),
			largest(r.feeds), most(r.feeds))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Details:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| shape | N | sources | files in OUT (bytes) | feed files | CPU user+sys (of which sys): cold, unchanged, one changed crawl; serve to 200 | 1-min load average before: cold, unchanged, one changed, serve | re-crawl peak RSS: unchanged, one changed | fixture requests (304s): cold, unchanged, one changed | crawl summaries: new/changed, cold, unchanged, one changed | unchanged re-crawl diff: +added −removed ~rewritten =untouched | serve: search index built after (peak RSS until then, RSS then); peak RSS to exit | benchmark time | problems |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %s | %s | %s (%s) | %s | %s, %s, %s; %s | %s, %s, %s, %s | %s, %s | %s, %s, %s | %s, %s, %s | %s | %s | %s | %s |\n",
			r.shape, num(r.n), num(r.sources), num(r.outFiles), mb(r.outBytes), num(r.feeds.count),
			cpu(r.cold), cpu(r.unchanged), cpu(r.changed), dur(r.serve.cpu),
			r.cold.load, r.unchanged.load, r.changed.load, r.serve.load,
			mb(r.unchanged.maxRSS), mb(r.changed.maxRSS),
			reqs(r.cold), reqs(r.unchanged), reqs(r.changed),
			newChanged(r.cold), newChanged(r.unchanged), newChanged(r.changed),
			diffNote(r.unchanged.diff), indexNote(r.serve), r.total.Round(time.Second), problems(r))
	}
	fmt.Fprintln(w)
}

func num(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func items(n int) string {
	if n < 0 {
		return "?"
	}
	return num(n)
}

func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < 100*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f s", d.Seconds())
}

func crawlTime(c crawlRun) string {
	if !c.ran {
		return "–"
	}
	s := dur(c.wall)
	if c.exit != 0 {
		s += fmt.Sprintf(" (exit %d)", c.exit)
	}
	return s
}

// mb is a size in megabytes (10^6 bytes), like the table.
func mb(b int64) string {
	switch {
	case b <= 0:
		return "–"
	case b >= 10e9:
		return fmt.Sprintf("%.0f GB", float64(b)/1e9)
	case b >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(b)/1e9)
	case b >= 10e6:
		return fmt.Sprintf("%.0f MB", float64(b)/1e6)
	case b >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(b)/1e6)
	}
	return fmt.Sprintf("%.0f kB", float64(b)/1e3)
}

func rewritten(c crawlRun) string {
	if !c.ran {
		return "–"
	}
	return fmt.Sprintf("%s (%s)", num(c.diff.touched()), num(c.diff.content+c.diff.added+c.diff.removed))
}

func largest(f feedStats) string {
	if f.largestPath == "" {
		return "–"
	}
	return fmt.Sprintf("%s, %s entries (`%s`)", mb(f.largestBytes), num(f.largestEntries), f.largestPath)
}

func most(f feedStats) string {
	if f.mostPath == "" {
		return "–"
	}
	return fmt.Sprintf("%s (`%s`)", num(f.mostEntries), f.mostPath)
}

func reqs(c crawlRun) string {
	if !c.ran {
		return "–"
	}
	return fmt.Sprintf("%s (%s)", num(int(c.requests)), num(int(c.notMod)))
}

func newChanged(c crawlRun) string {
	if !c.ran || c.sum.lines == 0 {
		return "?"
	}
	return fmt.Sprintf("%s/%s", num(c.sum.new), num(c.sum.changed))
}

func diffNote(d treeDiff) string {
	return fmt.Sprintf("+%s −%s ~%s =%s", num(d.added), num(d.removed), num(d.rewritten), num(d.untouched))
}

func problems(r result) string {
	var p []string
	p = append(p, r.errs...)
	for _, c := range []crawlRun{r.cold, r.unchanged, r.changed} {
		if len(c.sum.unhealthy) > 0 {
			p = append(p, "not ok: "+strings.Join(c.sum.unhealthy[:min(3, len(c.sum.unhealthy))], ", "))
			break
		}
	}
	if len(p) == 0 {
		return "none"
	}
	return strings.ReplaceAll(strings.Join(p, "; "), "|", "/")
}

func cpu(c crawlRun) string {
	if !c.ran {
		return "–"
	}
	return fmt.Sprintf("%s (%s)", dur(c.cpu), dur(c.sys))
}

func indexNote(s serveRun) string {
	peak := "; " + mb(s.maxRSS)
	if s.indexed == 0 {
		return "not seen" + peak
	}
	return fmt.Sprintf("%s (%s, %s)%s", dur(s.indexed), mb(s.indexHWM), mb(s.rssIndexed), peak)
}
