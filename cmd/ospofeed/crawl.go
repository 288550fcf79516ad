package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/config"
	"github.com/ospofeed/ospofeed/web"
)

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func cmdCrawl(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("crawl", flag.ContinueOnError)
	var c common
	c.register(fs, e, "warn")
	var only multiFlag
	fs.Var(&only, "source", "crawl only the source with this `id` (repeatable)")
	out := fs.String("out", e.getenv("OSPOFEED_OUT"), "also keep the rendered site in `DIR`: new, empty, or written by ospofeed before (env OSPOFEED_OUT)")
	if err := parse(fs, e, args); err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	if *out != "" {
		// Before anything is opened: a directory that holds the database or
		// anything ospofeed did not write is refused, untouched.
		if err := web.CheckOutDir(*out, c.db, c.configFile); err != nil {
			return usageError{err}
		}
	}
	var sources []ospofeed.Source
	a, err := openApp(&c, e, false, func(cfg *config.Config) error {
		sources = ordered(cfg.Sources)
		if len(only) == 0 {
			return nil
		}
		var picked []ospofeed.Source
		for _, id := range only {
			src, ok := cfg.Source(id)
			if !ok {
				return fmt.Errorf("crawl: --source %q: no such source in %s", id, or(c.configFile, "the embedded configuration"))
			}
			picked = append(picked, src)
		}
		sources = ordered(picked)
		return nil
	})
	if err != nil {
		return err
	}
	defer a.db.Close()
	prog := newProgress(e.stderr, len(sources))
	failed := 0
	for i, src := range sources {
		if ctx.Err() != nil {
			prog.line(fmt.Sprintf("%-28s skipped: interrupted", src.ID))
			failed++
			continue
		}
		prog.start(i, src.ID)
		start := time.Now()
		log, err := a.crawlSource(ctx, src)
		if err != nil {
			failed++
			prog.line(fmt.Sprintf("%-28s FAILED  %v", src.ID, err))
			continue
		}
		if !log.OK() && log.Status != ospofeed.StatusBlocked {
			// A blocked source (its robots.txt forbids it) did not fail:
			// it is a known state, shown on its own line (BLOCKED) and in
			// the source's health, that only the site's robots.txt (or
			// the configuration) can change: exit 1 would stay forever.
			failed++
		}
		prog.line(summary(log, time.Since(start)))
	}
	// The heap the crawls freed goes back to the system before the
	// rendering needs its own.
	debug.FreeOSMemory()
	// The site kept in the database is brought up to date with what
	// changed (nothing is rendered when nothing did), then the directory.
	st, err := a.render()
	if err != nil {
		return err
	}
	if *out != "" {
		ws, err := web.WriteDir(*out, a.db, c.db, c.configFile)
		var refused *web.OutDirError
		if errors.As(err, &refused) {
			return usageError{err}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "%s: %d files rendered; %d written, %d unchanged, %d removed\n", *out, st.Rendered, ws.Written, ws.Unchanged, ws.Removed)
	}
	if failed > 0 {
		return fmt.Errorf("%w (%d of %d)", errCrawlFailed, failed, len(sources))
	}
	return nil
}

// summary is the one line a crawl prints per source.
func summary(l ospofeed.CrawlLog, took time.Duration) string {
	status := string(l.Status)
	if !l.Status.Healthy() {
		status = strings.ToUpper(status)
	}
	s := fmt.Sprintf("%-28s %-8s pages=%d not_modified=%d new=%d changed=%d unchanged=%d warnings=%d %s",
		l.Source, status, l.Pages, l.NotModified, l.New, l.Changed, l.Unchanged, len(l.Warnings), took.Round(time.Millisecond))
	if l.Reason != "" {
		s += "\n    " + l.Reason
	}
	return s
}

// progress shows which source is being crawled when stderr is a terminal,
// and prints the summary lines either way.
type progress struct {
	w     io.Writer
	tty   bool
	total int
}

func newProgress(w io.Writer, total int) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, tty: ok && term.IsTerminal(int(f.Fd())), total: total}
}

func (p *progress) start(i int, id string) {
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K[%d/%d] crawling %s …", i+1, p.total, id)
	}
}

func (p *progress) line(s string) {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintln(p.w, s)
}
