package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/config"
	"github.com/ospofeed/ospofeed/web"
)

func cmdServe(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var c common
	c.register(fs, e, "info")
	addr := fs.String("addr", or(e.getenv("OSPOFEED_ADDR"), ":8080"), "listen `address` (env OSPOFEED_ADDR)")
	grace := fs.Duration("shutdown-timeout", 20*time.Second, "on SIGTERM, how long a running crawl may take to finish before it is cancelled")
	noCrawl := fs.Bool("no-crawl", false, "serve what the database holds without crawling (no start-up crawl, no schedule)")
	adminAddr := adminFlag(fs, e, true)
	searchAt := searchFlag(fs, e)
	if err := parse(fs, e, args); err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	// Before the database is opened: a bad flag leaves it untouched.
	if err := config.CheckListenAddr(*addr); err != nil {
		return usageError{fmt.Errorf("serve: %s %q: %w", origin(fs, e.getenv, "addr", "OSPOFEED_ADDR"), *addr, err)}
	}
	if *grace <= 0 {
		return usageError{fmt.Errorf("serve: --shutdown-timeout %s: must be more than 0s", *grace)}
	}
	adminToken := e.getenv("OSPOFEED_ADMIN_TOKEN")
	if err := checkAdminAddr(*adminAddr, adminToken); err != nil {
		return usageError{fmt.Errorf("serve: %s %q: %w", origin(fs, e.getenv, "admin-addr", "OSPOFEED_ADMIN_ADDR"), *adminAddr, err)}
	}
	// The default admin address is a convenience: where it is taken (a
	// second serve on the machine) serve runs without. One that was asked
	// for must work.
	adminAsked := e.getenv("OSPOFEED_ADMIN_ADDR") != ""
	fs.Visit(func(f *flag.Flag) { adminAsked = adminAsked || f.Name == "admin-addr" })
	a, err := openApp(&c, e, false, nil)
	if err != nil {
		return err
	}
	defer a.db.Close()
	index, err := openSearch(a, *searchAt, c.db)
	if err != nil {
		return err
	}
	defer index.close() // before the database's Close

	if states, err := a.db.SourceStates(); err == nil {
		a.metrics.fromStates(states) // alerts work from the first scrape, not the first crawl
	}
	// Listen first, render after: the port answers at once with what the
	// store holds (the rendered site is kept in the database), whatever
	// its size, and a rendering that is needed runs in the background.
	sched := newScheduler(a)
	var ready atomic.Bool
	deps := web.Deps{
		Site:       a.db,
		Ready:      ready.Load,
		Generation: a.generation.Load,
		Cite: func(slug, name string, off time.Duration) (*web.File, error) {
			// A citation needs the site's address, not its sources' health.
			return a.renderer().CiteAt(web.Context{Info: a.siteInfo()}, slug, name, off)
		},
		Health:    func() (web.Health, bool) { return a.health(sched) },
		NextCrawl: sched.nextCrawl,
		Metrics:   a.metrics.write,
		Now:       a.now,
		Search:    index.searcher(),
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: listen on %s: %w", *addr, err)
	}
	// Every timeout is set and open connections are capped: idle
	// keep-alive clients cannot hold the process's file descriptors.
	srv, limit := web.NewServer(web.Handler(deps), web.ServerOptions{Log: a.log})
	ln = limit(ln)
	a.log.Info("listening", "addr", ln.Addr().String(), "db", c.db, "sources", len(a.cfg.Sources))
	fmt.Fprintf(e.stdout, "ospofeed %s serving http://%s/\n", buildVersion(), ln.Addr())
	var admin *adminServer
	if !adminOff(*adminAddr) {
		admin, err = startAdmin(a, sched, *adminAddr, adminToken, c.db)
		if err != nil && adminAsked {
			ln.Close()
			return err
		}
		if err != nil {
			a.log.Warn("running without the admin API", "error", err)
		}
	}
	// Deferred after the database's Close, so run before it: neither a
	// snapshot nor a backup being sent may hold a read transaction then.
	defer admin.shutdown(context.Background())
	stopBackups := startBackups(a, c.db)
	defer stopBackups()

	// Crawls run under their own context: on SIGTERM a running crawl gets
	// the grace period to finish, then is cancelled; what it found by then
	// is saved.
	crawlCtx, cancelCrawls := context.WithCancel(context.Background())
	defer cancelCrawls()
	if !*noCrawl {
		if err := sched.start(crawlCtx); err != nil {
			return usageError{err}
		}
	}
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(ln) }()
	go func() {
		// Brings the stored site up to date with this binary and
		// configuration (nothing when it is), then says it is ready.
		if _, err := a.render(); err != nil {
			a.log.Error("render failed", "error", err)
		}
		ready.Store(true)
	}()

	select {
	case err := <-srvErr:
		cancelCrawls()
		sched.stop(context.Background())
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down", "grace", *grace)
	a.stopping.Store(true)
	graceCtx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if !sched.stop(graceCtx) {
		a.log.Warn("crawl still running after the grace period: cancelling it")
		cancelCrawls()
		sched.stop(context.Background())
	}
	stopBackups() // a snapshot in progress is cancelled; its temporary file removed
	shutCtx, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	admin.shutdown(shutCtx)
	if err := srv.Shutdown(shutCtx); err != nil {
		a.log.Warn("server shutdown", "error", err)
	}
	a.log.Info("stopped")
	return nil
}

// scheduler runs each source on its cron schedule, after a start-up crawl of
// the sources whose last success is older than their interval.
type scheduler struct {
	a *app
	// nextAt is when the next scheduled crawl runs (unix seconds, 0:
	// unknown), kept as a value: responses read it for Cache-Control.
	nextAt  atomic.Int64
	cron    *cron.Cron
	wg      sync.WaitGroup
	mu      sync.Mutex
	stopped bool
	ids     map[string]cron.EntryID
}

func (s *scheduler) isStopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}

func newScheduler(a *app) *scheduler {
	return &scheduler{a: a, ids: map[string]cron.EntryID{}}
}

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "error", err)...)
}

func (s *scheduler) start(ctx context.Context) error {
	cl := cronLogger{s.a.log}
	// cron v3 recovers no panic unless asked (whatever its doc says) and
	// runs in local time by default: both set here.
	s.cron = cron.New(cron.WithLocation(time.UTC), cron.WithLogger(cl),
		cron.WithParser(cron.NewParser(cron.Minute|cron.Hour|cron.Dom|cron.Month|cron.Dow|cron.Descriptor)),
		cron.WithChain(cron.Recover(cl), cron.SkipIfStillRunning(cl)))
	for _, src := range s.a.cfg.Sources {
		id, err := s.cron.AddFunc(src.Schedule, func() { s.crawl(ctx, src) })
		if err != nil {
			return fmt.Errorf("schedule of source %s: %w", src.ID, err)
		}
		s.ids[src.ID] = id
	}
	states, err := s.a.db.SourceStates()
	if err != nil {
		return err
	}
	var due []ospofeed.Source
	now := s.a.now()
	for _, src := range ordered(s.a.cfg.Sources) {
		if st, ok := states[src.ID]; !ok || now.Sub(st.LastSuccess) > config.Interval(src) {
			due = append(due, src)
		}
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if len(due) > 0 {
			s.a.log.Info("start-up crawl", "sources", len(due))
		}
		for _, src := range due {
			if ctx.Err() != nil || s.isStopped() {
				return
			}
			s.crawl(ctx, src)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.stopped {
			s.cron.Start()
			s.nextAt.Store(unix(s.next()))
		}
	}()
	return nil
}

// crawl runs one source and renders the site anew. A source that keeps
// failing backs off: it skips its scheduled runs until its backoff has
// passed since its last crawl.
func (s *scheduler) crawl(ctx context.Context, src ospofeed.Source) {
	if ctx.Err() != nil {
		return
	}
	if st, err := s.a.db.SourceStates(); err != nil {
		s.a.log.Error("reading source states for backoff", "source_id", src.ID, "error", err)
	} else if until, wait := backingOff(src, st[src.ID], s.a.now()); wait {
		s.a.log.Info("backing off", "source_id", src.ID, "failures", st[src.ID].Failures, "until", until.UTC())
		return
	}
	_, err := s.a.crawlSource(ctx, src)
	if s.cron != nil {
		s.nextAt.Store(unix(s.next()))
	}
	if err != nil {
		return
	}
	if _, err := s.a.render(); err != nil {
		s.a.log.Error("render failed", "error", err)
	}
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// nextCrawl is when the next scheduled crawl runs (zero: unknown).
func (s *scheduler) nextCrawl() time.Time {
	if n := s.nextAt.Load(); n != 0 {
		return time.Unix(n, 0)
	}
	return time.Time{}
}

// backingOff reports whether a failing source should skip a scheduled
// crawl at now, and until when it waits. Only failed sources back off: a
// blocked one (robots.txt forbids it) is not failing, and its scheduled
// crawl costs its host nothing but robots.txt, asked conditionally once a
// day at most (scraper.Run tests it first), so that it resumes with the
// first robots.txt it reads that allows it.
func backingOff(src ospofeed.Source, st ospofeed.SourceState, now time.Time) (time.Time, bool) {
	if st.Status != ospofeed.StatusFailed {
		return time.Time{}, false
	}
	// Scheduled runs fire on the minute while LastCrawl is when a crawl
	// ended: half an interval of slack keeps the run that is due from
	// being skipped for being a few seconds early.
	interval := config.Interval(src)
	b := ospofeed.Backoff(interval, st.Failures)
	if b == 0 {
		return time.Time{}, false
	}
	until := st.LastCrawl.Add(b - interval/2)
	return until, now.Before(until)
}

// stop stops scheduling and waits for running crawls until ctx ends; it
// reports whether they finished.
func (s *scheduler) stop(ctx context.Context) bool {
	s.mu.Lock()
	s.stopped = true
	var jobs context.Context = context.Background()
	if s.cron != nil {
		jobs = s.cron.Stop() // done when the running jobs are
	}
	s.mu.Unlock()
	startup := make(chan struct{})
	go func() { s.wg.Wait(); close(startup) }()
	for _, done := range []<-chan struct{}{startup, doneOf(jobs)} {
		select {
		case <-done:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

// doneOf is ctx.Done, with Background (never done) meaning "nothing to
// wait for".
func doneOf(ctx context.Context) <-chan struct{} {
	if ctx == context.Background() {
		c := make(chan struct{})
		close(c)
		return c
	}
	return ctx.Done()
}

// next is when the next scheduled crawl runs.
func (s *scheduler) next() time.Time {
	if s.cron == nil {
		return time.Time{}
	}
	var next time.Time
	for _, e := range s.cron.Entries() {
		if !e.Next.IsZero() && (next.IsZero() || e.Next.Before(next)) {
			next = e.Next
		}
	}
	return next
}

func (s *scheduler) nextOf(id string) time.Time {
	if s.cron == nil {
		return time.Time{}
	}
	if eid, ok := s.ids[id]; ok {
		return s.cron.Entry(eid).Next
	}
	return time.Time{}
}

// health is what /healthz reports: ok while the store is readable.
func (a *app) health(s *scheduler) (web.Health, bool) {
	h := web.Health{Status: "ok", Version: buildVersion(), Store: "ok"}
	if err := a.db.Check(); err != nil {
		h.Status, h.Store = "unavailable", err.Error()
		return h, false
	}
	states, err := a.db.SourceStates()
	if err != nil {
		h.Status, h.Store = "unavailable", err.Error()
		return h, false
	}
	for _, src := range a.cfg.Sources {
		st := states[src.ID]
		status := string(st.Status)
		if status == "" {
			status = string(ospofeed.StatusNew)
		}
		h.Sources = append(h.Sources, web.SourceHealth{ID: src.ID, Kind: src.Kind, Status: status,
			StatusSince: st.StatusSince, LastCrawl: st.LastCrawl, LastSuccess: st.LastSuccess,
			LastError: st.LastError, Failures: st.Failures, Items: st.Items, NextCrawl: s.nextOf(src.ID)})
	}
	return h, true
}
