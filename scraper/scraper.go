// Package scraper crawls the configured sources politely and extracts
// observations of items from them. It never imports the store: what it
// needs to remember of earlier crawls comes through Memory, and what it
// finds goes out as an ospofeed.CrawlResult.
//
// A source kind is one file here (a crawl function) plus its line in kinds().
package scraper

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/config"
)

// crawlFunc crawls one source, reporting through env.
type crawlFunc func(ctx context.Context, env *Env) error

// kindInfo describes a source kind.
type kindInfo struct {
	crawl crawlFunc
	// hosts the kind may fetch from besides the source URL's own host.
	hosts []string
	// expect is what a healthy crawl finds, unless the source says.
	expect ospofeed.Expect
	// urlIsBase: the source URL is a base the crawl builds its URLs on,
	// never itself requested, so robots.txt is tested on those URLs only.
	// Otherwise the source URL is the crawl's first request, and one that
	// robots.txt disallows makes the source blocked (see Run).
	urlIsBase bool
}

// kinds is the registry of source kinds.
func kinds() map[string]kindInfo {
	return map[string]kindInfo{
		"un-event": {crawl: crawlUNEvent, hosts: webTVHosts,
			expect: ospofeed.Expect{MinItems: 1, Required: []string{"title"}}},
		"unwebtv-schedule": {crawl: crawlSchedule, hosts: webTVHosts, urlIsBase: true,
			expect: ospofeed.Expect{Required: []string{"title"}}},
		"feed": {crawl: crawlFeed,
			expect: ospofeed.Expect{Required: []string{"title", "url"}}},
		"ospo-directory": {crawl: crawlDirectory,
			expect: ospofeed.Expect{MinItems: 1, Required: []string{"title"}}},
		// A listing whose item selector matches nothing is far more often
		// a wrong selector than an empty page: at least one item, unless
		// the source says expect: {min_items: 0}.
		"html": {crawl: crawlDeclarative,
			expect: ospofeed.Expect{MinItems: 1, Required: []string{"title", "url"}}},
	}
}

// Kinds lists the source kinds, for configuration checks.
func Kinds() []string {
	var out []string
	for k := range kinds() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Memory is what a crawl remembers from earlier ones. store.DB satisfies it.
type Memory interface {
	Page(source, url string) (ospofeed.Page, bool, error)
	Observation(source, id string) (ospofeed.Item, bool, error)
	Events() ([]ospofeed.Item, error)
}

// Env is what a crawl function gets: its source, a polite fetcher, the
// memory of earlier crawls, and where to put what it finds.
type Env struct {
	Source  ospofeed.Source
	Config  *config.Config
	Fetcher *Fetcher
	Memory  Memory
	Now     func() time.Time

	mu       sync.Mutex
	items    []ospofeed.Item
	replayed []string // ids a 304 said are as remembered
	pages    []ospofeed.Page
	warnings []string
}

// Emit hands observations on. Each is cleaned and validated first; an
// invalid one becomes a warning.
func (e *Env) Emit(items ...ospofeed.Item) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, it := range items {
		if err := it.Validate(); err != nil {
			e.warnings = append(e.warnings, "dropped: "+err.Error())
			continue
		}
		e.items = append(e.items, it)
	}
}

// Warn records something a maintainer should know that did not fail the
// crawl.
func (e *Env) Warn(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.warnings = append(e.warnings, fmt.Sprintf(format, args...))
}

// Remember records a page and the ids of the items it gave, for the next
// conditional GET.
func (e *Env) Remember(p ospofeed.Page, ids ...string) {
	p.Items = ospofeed.Union(p.Items, ids)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pages = append(e.pages, p)
}

// Get fetches u conditionally on what this source remembers of it. On a 304
// the page's remembered items are reported again as they are (their ids go
// to CrawlResult.Replayed: nothing is read or re-saved, so an unchanged
// source costs its requests, not its size), the page is re-remembered, and
// the ids are returned (Recall reads the items, for a caller that walks on
// from them); the caller must not parse.
func (e *Env) Get(ctx context.Context, u string) (*Response, []string, error) {
	prev, known, err := e.Memory.Page(e.Source.ID, u)
	if err != nil {
		e.Warn("memory of %s unreadable, fetching unconditionally: %v", u, err)
		prev, known = ospofeed.Page{URL: u}, false
	}
	if !known {
		prev = ospofeed.Page{URL: u}
	}
	resp, err := e.Fetcher.Get(ctx, u, prev)
	if err != nil || !resp.NotModified {
		return resp, nil, err
	}
	e.mu.Lock()
	e.replayed = append(e.replayed, prev.Items...)
	e.mu.Unlock()
	e.Remember(prev)
	return resp, prev.Items, nil
}

// Recall reads this source's stored observations of ids (those it has).
func (e *Env) Recall(ids []string) ([]ospofeed.Item, error) {
	var items []ospofeed.Item
	for _, id := range ids {
		it, ok, err := e.Memory.Observation(e.Source.ID, id)
		if err != nil {
			return nil, fmt.Errorf("recall %s: %w", id, err)
		}
		if ok {
			items = append(items, it)
		}
	}
	return items, nil
}

// Options of Run.
type Options struct {
	Version string
	Now     func() time.Time
	// Hosts is the politeness state the crawl shares with the other
	// crawls of the process (see Hosts). Nil: a Hosts of its own, as if
	// the crawl were the only one.
	Hosts *Hosts
}

// Run crawls one source once, within the configured run deadline. It never
// panics outward: a panic in a crawl function is a failed crawl.
//
// Its first step tests the source's URL against its robots.txt, through
// opt.Hosts: the rules the process holds (at most 24 hours old), else
// robots.txt asked for conditionally. When robots.txt, read, disallows the
// URL, Run returns at once with an *ospofeed.BlockedError (the source is
// blocked), having requested nothing but robots.txt, and that only when
// the process held no fresh copy. So a blocked source costs its host at
// most one conditional robots.txt request a day under serve (one per run
// of crawl), and is crawled again by the first run that reads a
// robots.txt allowing it. A robots.txt that cannot be read fails the
// crawl as before.
func Run(ctx context.Context, cfg *config.Config, src ospofeed.Source, mem Memory, opt Options) (res ospofeed.CrawlResult) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	res = ospofeed.CrawlResult{Source: src.ID, Start: opt.Now().UTC()}
	kind, ok := kinds()[src.Kind]
	res.Expect = kind.expect
	if e := src.Expect; e != nil {
		if e.MinItems >= 0 {
			res.Expect.MinItems = e.MinItems
		}
		if e.Required != nil {
			res.Expect.Required = e.Required
		}
		res.Expect.Volatile = res.Expect.Volatile || e.Volatile
	}
	if src.Kind == "feed" && (len(src.Keywords) > 0 || len(src.Types) > 0) {
		res.Expect.Volatile = true // a filtered feed may legitimately match fewer, or none
	}
	if !ok {
		res.Err, res.End = fmt.Errorf("source %s: unknown kind %q", src.ID, src.Kind), opt.Now().UTC()
		return res
	}
	parent := ctx
	if cfg.Crawl.RunTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Crawl.RunTimeout)
		defer cancel()
	}
	hosts := opt.Hosts
	if hosts == nil {
		hosts = NewHosts()
	}
	env := &Env{Source: src, Config: cfg, Memory: mem, Now: opt.Now,
		Fetcher: hosts.NewFetcher(ctx, cfg.Crawl, cfg.UserAgent(opt.Version), allowedHosts(src, kind, cfg))}
	// A robots.txt is remembered like a page, by the source whose crawl
	// read it, with its rule lines as the page's items: the next process
	// asks for it conditionally and keeps the rules on a 304.
	env.Fetcher.rememberRobots = func(p ospofeed.Page) { env.Remember(p) }
	env.Fetcher.recallRobots = func(u string) (ospofeed.Page, bool) { return recallRobots(env, u) }
	defer func() {
		if p := recover(); p != nil {
			res.Err = errors.Join(res.Err, fmt.Errorf("source %s: crawl panicked: %v", src.ID, p))
		}
		res.Items, res.Replayed, res.Pages, res.Warnings = env.items, env.replayed, env.pages, env.warnings
		res.Fetched, res.NotModified = env.Fetcher.Stats()
		res.End = opt.Now().UTC()
	}()
	if err := robotsFirst(ctx, env, kind); err != nil {
		res.Err = fmt.Errorf("source %s: %w", src.ID, err)
	} else if err := kind.crawl(ctx, env); err != nil {
		res.Err = fmt.Errorf("source %s: %w", src.ID, err)
	}
	// Cancelled from outside (a shutdown), not by the run's own deadline.
	res.Interrupted = res.Err != nil && errors.Is(parent.Err(), context.Canceled)
	return res
}

// robotsFirst tests the source URL, the crawl's first request, against
// its robots.txt before anything else is asked: an *ospofeed.BlockedError
// when robots.txt disallows it, the error of a robots.txt that could not
// be read, or nil (also for a URL the crawl will refuse by itself, and for
// kinds whose URL is a base).
func robotsFirst(ctx context.Context, env *Env, kind kindInfo) error {
	u, err := url.Parse(env.Source.URL)
	if kind.urlIsBase || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	err = env.Fetcher.allowedByRobots(ctx, u)
	if re, ok := errors.AsType[*RobotsError](err); ok {
		return re.blocked(env.Source.URL)
	}
	return err
}

// recallRobots finds what a source remembers of the robots.txt at u: this
// source first, then any other configured one (another source may have
// read it last, or this one may be new).
func recallRobots(env *Env, u string) (ospofeed.Page, bool) {
	ids := []string{env.Source.ID}
	for _, s := range env.Config.Sources {
		if s.ID != env.Source.ID {
			ids = append(ids, s.ID)
		}
	}
	for _, id := range ids {
		p, ok, err := env.Memory.Page(id, u)
		if err != nil {
			env.Warn("memory of %s unreadable, reading it unconditionally: %v", u, err)
			return ospofeed.Page{}, false
		}
		if ok && (p.ETag != "" || p.LastModified != "") {
			return p, true
		}
	}
	return ospofeed.Page{}, false
}

func allowedHosts(src ospofeed.Source, kind kindInfo, cfg *config.Config) []string {
	hosts := slices.Clone(src.AllowedHosts)
	if len(hosts) == 0 {
		hosts = append(hosts, hostOf(src.URL))
		hosts = append(hosts, kind.hosts...)
	}
	if cfg.Kaltura.Enabled {
		hosts = append(hosts, hostOf(cfg.Kaltura.Endpoint))
	}
	for i := range hosts {
		hosts[i] = strings.ToLower(hosts[i])
	}
	return hosts
}

// parseFunc extracts the items of one document; u is where it was found
// (after redirects), for resolving its relative links and naming it.
type parseFunc func(u string, body []byte) ([]ospofeed.Item, []string, error)

// crawlDocument is the crawl of a source that is one document (a feed, a
// directory, a listing page): fetch it conditionally, parse it, emit its
// items and remember which items it gave. On a 304 env.Get has re-emitted
// them already.
func crawlDocument(ctx context.Context, env *Env, parse parseFunc) error {
	src := env.Source
	resp, _, err := env.Get(ctx, src.URL)
	if err != nil || resp.NotModified {
		return err
	}
	items, warnings, err := parse(or(resp.URL, src.URL), resp.Body)
	for _, w := range warnings {
		env.Warn("%s", w)
	}
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(items))
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	env.Emit(items...)
	v := resp.Validators()
	v.URL = src.URL
	env.Remember(v, ids...)
	return nil
}
