package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/config"
	"github.com/ospofeed/ospofeed/feed"
	"github.com/ospofeed/ospofeed/scraper"
	"github.com/ospofeed/ospofeed/store"
	"github.com/ospofeed/ospofeed/web"
)

// The store is the memory of the scrapers.
var _ scraper.Memory = (*store.DB)(nil)

// Feed renderers keep their documented signatures.
var _ = []func(feed.Meta, []ospofeed.Item, feed.Lookup) ([]byte, error){feed.Atom, feed.RSS, feed.JSON, feed.ICalendar}

// app is one running ospofeed: configuration, database, logger.
type app struct {
	cfg     *config.Config
	db      *store.DB
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics
	hosts   *scraper.Hosts // politeness per host, shared by every crawl of the process

	crawlMu sync.Mutex // one crawl at a time: politeness across sources sharing hosts
	// stopping is set when serve shuts down: crawls queued behind the
	// running one do not start.
	stopping atomic.Bool
	renderMu sync.Mutex // renders read and publish in order: the last stored is the newest
	// generation is the stored site's, for the server's cache.
	generation atomic.Uint64
	// search is serve's full-text index, brought up to date by render
	// (nil: none); see search.go.
	search *searchIndex
}

// openApp loads the configuration, runs check on it (nil: none), and only
// then opens the database: a usage or configuration error never touches it.
func openApp(c *common, e env, readOnly bool, check func(*config.Config) error) (*app, error) {
	log, err := c.logger(e.stderr)
	if err != nil {
		return nil, err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(cfg); err != nil {
			return nil, usageError{err}
		}
	}
	db, err := store.Open(c.db, store.Options{ReadOnly: readOnly})
	if err != nil {
		return nil, err
	}
	return &app{cfg: cfg, db: db, log: log, now: time.Now, metrics: newMetrics(), hosts: scraper.NewHosts()}, nil
}

// openConfigOnly is openApp without a database, for commands that can say
// something useful before the first crawl.
func openConfigOnly(c *common, e env) (*app, error) {
	log, err := c.logger(e.stderr)
	if err != nil {
		return nil, err
	}
	cfg, err := c.loadConfig()
	if err != nil {
		return nil, err
	}
	return &app{cfg: cfg, log: log, now: time.Now, metrics: newMetrics(), hosts: scraper.NewHosts()}, nil
}

// crawlSource crawls one source and saves what it found. The crawl's
// failure is in the returned log, not the error; the error is the store's.
func (a *app) crawlSource(ctx context.Context, src ospofeed.Source) (ospofeed.CrawlLog, error) {
	a.crawlMu.Lock()
	defer a.crawlMu.Unlock()
	if a.stopping.Load() {
		return ospofeed.CrawlLog{Source: src.ID, Status: ospofeed.StatusInterrupted}, errStopping
	}
	res := scraper.Run(ctx, a.cfg, src, a.db, scraper.Options{Version: buildVersion(), Now: a.now, Hosts: a.hosts})
	res.Limits = a.cfg.Limits
	log, err := a.db.SaveCrawl(res)
	if err != nil {
		a.log.Error("saving crawl failed", "source_id", src.ID, "error", err)
		return log, err
	}

	a.metrics.crawled(log)
	attrs := []any{"source_id", src.ID, "pages", log.Pages, "not_modified", log.NotModified,
		"new", log.New, "changed", log.Changed, "unchanged", log.Unchanged,
		"warnings", len(log.Warnings), "duration", log.End.Sub(log.Start).Round(time.Millisecond)}
	for _, w := range log.Warnings {
		a.log.Warn("crawl warning", "source_id", src.ID, "warning", w)
	}
	switch log.Status {
	case ospofeed.StatusInterrupted:
		a.log.Warn("crawl interrupted by the shutdown; what it found is saved", attrs...)
	case ospofeed.StatusFailed:
		a.log.Error("crawl failed", append(attrs, "error", log.Error)...)
	case ospofeed.StatusDegraded:
		a.log.Warn("crawl degraded", append(attrs, "status", log.Status, "reason", log.Reason)...)
	default:
		a.log.Info("crawl done", append(attrs, "status", log.Status)...)
	}
	return log, nil
}

// errStopping: the crawl did not start because the process is stopping.
var errStopping = errors.New("not started: shutting down")

// ordered returns the sources in crawl order: those that others read from
// the store (the events) before those that read them (the schedule).
func ordered(srcs []ospofeed.Source) []ospofeed.Source {
	out := slices.Clone(srcs)
	slices.SortStableFunc(out, func(a, b ospofeed.Source) int {
		return stage(a) - stage(b)
	})
	return out
}

func stage(s ospofeed.Source) int {
	if s.Kind == "unwebtv-schedule" {
		return 1
	}
	return 0
}

// renderer renders the site from the store into the store.
func (a *app) renderer() *web.Renderer {
	return &web.Renderer{R: a.db, S: a.db, Opt: web.Options{FeedEntries: a.cfg.Site.FeedEntries}}
}

// siteInfo describes the site from the configuration.
func (a *app) siteInfo() web.Info {
	c := a.cfg.Site
	return web.Info{Title: c.Title, Description: c.Description, BaseURL: c.BaseURL, Author: c.Author, Version: buildVersion()}
}

// renderContext reads what a rendering needs besides items: the sources'
// health and the newest status changes, all bounded.
func (a *app) renderContext() (web.Context, error) {
	states, err := a.db.SourceStates()
	if err != nil {
		return web.Context{}, err
	}
	changes, err := a.db.StatusChanges(200)
	if err != nil {
		return web.Context{}, err
	}
	created, err := a.db.Created()
	if err != nil {
		return web.Context{}, err
	}
	c := web.Context{Info: a.siteInfo(), Changes: changes, Created: created, Today: a.now().UTC()}
	for _, src := range a.cfg.Sources {
		st, ok := states[src.ID]
		if !ok {
			st = ospofeed.SourceState{ID: src.ID, Status: ospofeed.StatusNew}
		}
		c.Sources = append(c.Sources, web.SourceView{Source: src, State: st})
	}
	return c, nil
}

// maxIncremental is the largest change rendered item by item; a larger
// one (a first crawl) is rendered whole, streaming over the store.
const maxIncremental = 5000

// render brings the stored site up to date with what the store says it has
// not caught up with (every saved crawl records it in the same
// transaction, so a process killed before rendering loses nothing).
// Renders are serialized: each reads the store as the crawls before it left
// it.
func (a *app) render() (web.Stats, error) {
	a.renderMu.Lock()
	defer a.renderMu.Unlock()
	p, err := a.db.Pending(maxIncremental)
	if err != nil {
		return web.Stats{}, fmt.Errorf("render: %w", err)
	}
	c, err := a.renderContext()
	if err != nil {
		return web.Stats{}, fmt.Errorf("render: %w", err)
	}
	start := time.Now()
	st, err := a.renderer().Render(c, web.Change{Items: p.IDs, Health: p.Health, All: p.More})
	if err != nil {
		return st, fmt.Errorf("render: %w", err)
	}
	a.indexSearch(p.IDs, st.Full)
	// What crawls saved while this rendered stays pending for the next.
	if err := a.db.ClearPending(p); err != nil {
		return st, fmt.Errorf("render: %w", err)
	}
	if ss, err := a.db.SiteState(); err == nil {
		a.generation.Store(ss.Generation)
	}
	// The heap the rendering freed goes back to the system: the runtime
	// would give it back over minutes, and what runs next (writing the
	// site out, serving) does not need it. (The pages of the database file
	// it read, the store gives back itself.)
	if st.Rendered > 0 || st.Full {
		debug.FreeOSMemory()
	}
	if counts, err := a.db.ItemCounts(); err == nil {
		a.metrics.items(counts)
	}
	if st.Rendered > 0 {
		a.log.Info("rendered", "files", st.Rendered, "changed", len(st.Changed), "full", st.Full,
			"duration", time.Since(start).Round(time.Millisecond))
	}
	return st, nil
}
