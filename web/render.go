package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/feed"
)

// Reader is what a rendering reads from the store; store.DB satisfies it.
// Every read is bounded: items by id, a range of a feed log.
type Reader interface {
	// ItemsByID returns the stored items of ids, in order, skipping
	// unknown ones, with Page, Mentions and MentionedIn set.
	ItemsByID(ids []string) ([]ospofeed.Item, error)
	// FeedLen is the sequence number of a feed's newest entry.
	FeedLen(feed string) (uint64, error)
	// FeedEntries returns the entries from <= seq <= to, oldest first.
	FeedEntries(feed string, from, to uint64) ([]ospofeed.FeedEntry, error)
	// LatestEntry is the newest entry of id in a feed (0: none).
	LatestEntry(feed, id string) (uint64, error)
	// Feeds lists the feeds that have entries.
	Feeds() ([]string, error)
}

// SiteStore keeps rendered files where a restart finds them; store.DB
// satisfies it, and so does the in-memory *Site.
type SiteStore interface {
	// SiteFile is the stored file at a path.
	SiteFile(path string) (*File, bool, error)
	// SiteETag is the ETag of the stored file at a path, without reading
	// its body: whether it is there, and whether it changed.
	SiteETag(path string) (string, bool, error)
	// SiteState is what the stored files were rendered for (the render
	// key and the day) and how many times they changed (generation).
	SiteState() (SiteState, error)
	// PutSite stores files and removes paths in one transaction; a file
	// whose ETag is the stored one is left alone. It returns the paths it
	// changed, and moves the generation on when there are any. st is
	// stored with them.
	PutSite(st SiteState, files []*File, remove []string) ([]string, error)
	// SitePaths calls fn with every stored path and its ETag, in order.
	SitePaths(fn func(path, etag string) error) error
	// SiteChanges lists the paths changed after generation since; ok is
	// false when that is no longer known (then every path may have).
	SiteChanges(since uint64) (paths []string, ok bool, err error)
}

// SiteState describes the stored renders.
type SiteState = ospofeed.SiteState

// Change is what a rendering must bring up to date.
type Change struct {
	// Items are the ids whose pages and feed entries may have changed
	// (CrawlLog.Touched).
	Items []string
	// Health: a source's state changed (the index page, the status feed).
	Health bool
	// All: render everything (a change too large to render item by item).
	All bool
}

// Empty reports whether the change asks for nothing.
func (c Change) Empty() bool { return len(c.Items) == 0 && !c.Health && !c.All }

// Context is what a rendering needs besides items.
type Context struct {
	Info    Info
	Sources []SourceView
	// Changes are the newest status changes, newest first (the status
	// feed holds at most 200).
	Changes []ospofeed.StatusChange
	// Created is the database's creation time: the "updated" of an empty
	// feed, so that it is stable too.
	Created time.Time
	// Today decides which events are upcoming; only its date counts.
	Today time.Time
}

// Options tune a Renderer.
type Options struct {
	// FeedEntries is how many entries a subscription feed, and an archive
	// page, holds (default 50).
	FeedEntries int
}

// Renderer renders the site from a Reader into a SiteStore, re-rendering
// only what a change touches.
type Renderer struct {
	R   Reader
	S   SiteStore
	Opt Options
}

// Stats says what a rendering did.
type Stats struct {
	Full     bool     // every page was rendered (first render, or a new version or configuration)
	Rendered int      // files rendered
	Changed  []string // paths whose stored bytes changed (put or removed)
}

// pageSize is Options.FeedEntries with its default.
func (r *Renderer) pageSize() int {
	if r.Opt.FeedEntries > 0 {
		return r.Opt.FeedEntries
	}
	return 50
}

// key is what every rendered byte depends on besides the items: the
// program (its version and templates), the site's description, the
// configured sources and the page size. When it changes, everything is
// rendered again.
func (r *Renderer) key(c Context) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%d\x00", c.Info.Version, c.Info.Title, c.Info.Description, c.Info.BaseURL, c.Info.Author, r.pageSize())
	for _, sv := range c.Sources {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00", sv.Source.ID, sv.Source.Name, sv.Source.URL, sv.Source.Kind)
	}
	fs.WalkDir(templateFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := templateFS.ReadFile(p)
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// batch collects rendered files and writes them to the store in
// transactions of bounded size, so that a full render of a large store
// never holds the whole site in memory.
type batch struct {
	mu      sync.Mutex // the workers of a full rendering share it
	s       SiteStore
	st      SiteState
	files   []*File
	bytes   int
	written map[string]bool // every path rendered (full renders: what to keep)
	stats   *Stats
}

const batchBytes = 8 << 20

func (b *batch) add(f *File) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.files = append(b.files, f)
	b.bytes += len(f.Body)
	b.stats.Rendered++
	if b.written != nil {
		b.written[f.Path] = true
	}
	if b.bytes >= batchBytes {
		return b.flushLocked(nil)
	}
	return nil
}

func (b *batch) flush(remove []string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked(remove)
}

func (b *batch) flushLocked(remove []string) error {
	if len(b.files) == 0 && len(remove) == 0 {
		return nil
	}
	// In path order: the store's leaves are then rewritten a run at a
	// time, not one leaf per file all over the tree (fewer pages read and
	// written per batch).
	slices.SortFunc(b.files, func(x, y *File) int { return strings.Compare(x.Path, y.Path) })
	changed, err := b.s.PutSite(b.st, b.files, remove)
	if err != nil {
		return fmt.Errorf("web: store rendered files: %w", err)
	}
	b.stats.Changed = append(b.stats.Changed, changed...)
	b.files, b.bytes = b.files[:0], 0
	return nil
}

// Render brings the stored site up to date with a change: everything when
// the store holds no rendering of this key, else the pages, feeds and
// listings the change touches, and nothing at all for an empty change on
// the same day.
func (r *Renderer) Render(c Context, ch Change) (Stats, error) {
	var stats Stats
	prev, err := r.S.SiteState()
	if err != nil {
		return stats, fmt.Errorf("web: read site state: %w", err)
	}
	y, mo, d := c.Today.UTC().Date()
	c.Today = time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	st := SiteState{Key: r.key(c), Day: c.Today.Format(time.DateOnly), Generation: prev.Generation}
	full := prev.Key != st.Key || ch.All
	newDay := prev.Day != st.Day
	if !full && !newDay && ch.Empty() {
		return stats, nil
	}
	m := newModel(c, r.R, r.pageSize())
	b := &batch{s: r.S, st: st, stats: &stats}
	if full {
		stats.Full = true
		b.written = map[string]bool{}
		if err := m.renderAll(b); err != nil {
			return stats, err
		}
		// What the store holds that this rendering did not make has left
		// the site (an event's feed of a source no longer configured).
		var gone []string
		if err := r.S.SitePaths(func(p, _ string) error {
			if !b.written[p] {
				gone = append(gone, p)
			}
			return nil
		}); err != nil {
			return stats, err
		}
		return stats, b.flush(gone)
	}
	if err := m.renderChange(b, ch, newDay); err != nil {
		return stats, err
	}
	return stats, b.flush(nil)
}

// renderAll renders every file of the site, streaming over the feed logs.
func (m *model) renderAll(b *batch) error {
	keys, err := m.r.Feeds()
	if err != nil {
		return err
	}
	// The site-wide feeds and every configured source's exist from the
	// start, empty or not: a subscription never meets a 404.
	keys = append(keys, mainFeeds...)
	for _, sv := range m.Sources {
		keys = append(keys, ospofeed.FeedOfSource(sv.Source.ID))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	var jobs []func(*model) error
	for _, k := range keys {
		jobs = append(jobs, func(w *model) error { return w.renderFeed(b, k, true) })
	}
	// A page for every event and recording, a batch of items at a time.
	for _, kind := range []string{ospofeed.FeedEvents, ospofeed.FeedRecordings} {
		n, err := m.r.FeedLen(kind)
		if err != nil {
			return err
		}
		for from := uint64(1); from <= n; from += 500 {
			to := min(from+499, n)
			jobs = append(jobs, func(w *model) error { return w.pagesOf(b, kind, from, to) })
		}
	}
	if err := m.parallel(jobs); err != nil {
		return err
	}
	m.reset()
	if err := m.staticSite(b); err != nil {
		return err
	}
	return m.siteWide(b, true, nil)
}

// renderChange renders what the items of a change show up in.
func (m *model) renderChange(b *batch, ch Change, newDay bool) error {
	items, err := m.load(ch.Items)
	if err != nil {
		return err
	}
	feeds := map[string]bool{}
	touchedEvents := map[string]bool{}
	for _, it := range items {
		if err := m.itemPages(b, it); err != nil {
			return err
		}
		for _, k := range it.FeedKeys() {
			feeds[k] = true
		}
		if it.Kind == ospofeed.KindEvent {
			touchedEvents[it.ID] = true
		}
	}
	keys := make([]string, 0, len(feeds))
	for k := range feeds {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := m.renderFeed(b, k, false); err != nil {
			return err
		}
	}
	// A new day moves "upcoming": the index and the site's calendar show
	// it (siteWide), no event's own page does.
	if !newDay && len(touchedEvents) == 0 {
		touchedEvents = nil
	}
	return m.siteWide(b, touchedEvents != nil, touchedEvents)
}

// siteWide renders the index, the calendars, OPML, the browse page and the
// status feed: files of bounded size that a change to any item, or to the
// sources' health, may touch.
// With events, the calendars are rendered too: the site's and, of the
// events' own, those in only (all of them when only is nil).
func (m *model) siteWide(b *batch, events bool, only map[string]bool) error {
	evs, err := m.events()
	if err != nil {
		return err
	}
	if err := m.index(b, evs); err != nil {
		return err
	}
	if events {
		if err := m.calendars(b, evs, only); err != nil {
			return err
		}
	}
	if err := m.opml(b, evs); err != nil {
		return err
	}
	if err := m.browse(b, evs); err != nil {
		return err
	}
	return m.statusFeed(b)
}

// staticSite renders the static files (style sheet, favicon, script): only
// in a full rendering, since they change with the templates alone, which
// are part of the render key.
func (m *model) staticSite(b *batch) error {
	for _, f := range staticFiles {
		body, err := templateFS.ReadFile("templates/" + f.name)
		if err != nil {
			return err
		}
		if err := b.add(newFile("/"+f.name, f.contentType, body, m.Created)); err != nil {
			return err
		}
	}
	return nil
}

// staticFiles are the files of templates/ served as they are: the style
// sheet, the favicon, and the script of recording pages (copy buttons,
// the moment of ?t=, the click-to-load player).
var staticFiles = []struct{ name, contentType string }{
	{"style.css", "text/css; charset=utf-8"},
	{"favicon.svg", "image/svg+xml"},
	{"cite.js", "text/javascript; charset=utf-8"},
}

// feedSet describes the feed with log key k: its title, path and page.
func (m *model) feedSet(k string) (FeedSet, string, bool) {
	t := m.Info.Title
	switch k {
	case ospofeed.FeedAll:
		return FeedSet{t + ": everything", "/feeds/all", "/"}, m.Info.Description, true
	case ospofeed.FeedRecordings:
		return FeedSet{t + ": recordings", "/feeds/recordings", "/recordings/"}, "Session recordings of OSPO events", true
	case ospofeed.FeedEvents:
		return FeedSet{t + ": events", "/feeds/events", "/events/"}, "OSPO events", true
	case ospofeed.FeedNews:
		return FeedSet{t + ": news", "/feeds/news", "/news/"}, "News and reports about OSPOs and their events", true
	case ospofeed.FeedOSPOs:
		return FeedSet{t + ": newly listed public-sector OSPOs", "/feeds/ospos", "/ospos/"}, "Public-sector OSPOs, newest listed first", true
	}
	if id, ok := strings.CutPrefix(k, "source/"); ok {
		for _, sv := range m.Sources {
			if sv.Source.ID == id {
				return FeedSet{t + ": " + sv.Source.Name, "/feeds/source/" + id + "/all", "/"}, "Everything found at " + sv.Source.URL, true
			}
		}
		return FeedSet{}, "", false // a source no longer configured
	}
	if y, ok := strings.CutPrefix(k, "year/"); ok {
		return FeedSet{t + ": recordings of " + y, "/feeds/year/" + y + "/all", "/years/" + y + "/"}, "Session recordings of " + y, true
	}
	if l, ok := strings.CutPrefix(k, "lang/"); ok {
		name := strings.ToUpper(l[:1]) + strings.ReplaceAll(l[1:], "-", " ")
		return FeedSet{t + ": recordings in " + name, "/feeds/language/" + l + "/all", "/languages/" + l + "/"}, "Session recordings in " + name, true
	}
	if id, ok := strings.CutPrefix(k, "event/"); ok {
		ev, ok := m.look(id)
		if !ok || ev.Kind != ospofeed.KindEvent {
			return FeedSet{}, "", false
		}
		slug := ev.PageSlug()
		return FeedSet{ev.DisplayTitle(), "/feeds/event/" + slug + "/all", "/events/" + slug + "/"}, "The event and its recordings", true
	}
	return FeedSet{}, "", false
}

// listing is the HTML listing page of a kind's feed ("" for none).
func listing(k string) string {
	switch k {
	case ospofeed.FeedRecordings, ospofeed.FeedEvents, ospofeed.FeedNews, ospofeed.FeedOSPOs:
		return "/" + k + "/"
	}
	if y, ok := strings.CutPrefix(k, "year/"); ok {
		return "/years/" + y + "/"
	}
	if l, ok := strings.CutPrefix(k, "lang/"); ok {
		return "/languages/" + l + "/"
	}
	return ""
}

// listKind is what a listing lists, for its template.
func listKind(k string) string {
	if strings.HasPrefix(k, "year/") || strings.HasPrefix(k, "lang/") {
		return ospofeed.FeedRecordings
	}
	return k
}

// archivePath is the path of archive page n of a feed set in one format.
func archivePath(set FeedSet, n uint64, ext string) string {
	return set.Dir + "/archive/" + strconv.FormatUint(n, 10) + "." + ext
}

// renderFeed renders a feed's subscription documents (its newest entries)
// and the archive pages that are full and not yet stored (all of them when
// all is set): an archive page, once full, is rendered once in its life.
func (m *model) renderFeed(b *batch, k string, all bool) error {
	set, sub, ok := m.feedSet(k)
	if !ok {
		return nil
	}
	n, err := m.r.FeedLen(k)
	if err != nil {
		return err
	}
	size := uint64(m.size)
	full := n / size
	head, err := m.entries(k, n-min(n, size)+1, n)
	if err != nil {
		return err
	}
	if err := m.feedDocs(b, set, sub, head, 0, full); err != nil {
		return err
	}
	if p := listing(k); p != "" {
		if err := m.listingPage(b, k, p, head, 0, full); err != nil {
			return err
		}
	}
	for page := full; page >= 1; page-- {
		if !all {
			if _, ok, err := b.s.SiteETag(archivePath(set, page, "atom")); err != nil {
				return err
			} else if ok {
				break // this one and every older one were rendered when they filled
			}
		}
		items, err := m.entries(k, (page-1)*size+1, page*size)
		if err != nil {
			return err
		}
		if err := m.feedDocs(b, set, sub, items, page, page-1); err != nil {
			return err
		}
		if p := listing(k); p != "" {
			if err := m.listingPage(b, k, p, items, page, full); err != nil {
				return err
			}
		}
		m.reset()
	}
	return nil
}

// entries loads the items of the entries from..to of a feed, each once
// (its newest entry in the range), sorted newest first by their date. A
// range that ends at the feed's newest entry (a head, the events) holds
// each item at its newest entry of all: walking back from it, that is the
// first met.
func (m *model) entries(k string, from, to uint64) ([]ospofeed.Item, error) {
	if to < from || to == 0 {
		return nil, nil
	}
	es, err := m.r.FeedEntries(k, from, to)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var ids []string
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		ids = append(ids, e.ID)
	}
	items, err := m.load(ids)
	if err != nil {
		return nil, err
	}
	// Logs only grow: an item that has left a feed since (a recording
	// found never published, an event found to be another's alias) is not
	// shown in it.
	items = slices.DeleteFunc(items, func(it ospofeed.Item) bool { return !slices.Contains(it.FeedKeys(), k) })
	if k == ospofeed.FeedOSPOs {
		slices.SortStableFunc(items, func(a, b ospofeed.Item) int {
			if c := b.FirstSeen.Compare(a.FirstSeen); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
	} else {
		slices.SortFunc(items, byNewest)
	}
	return items, nil
}

// feedDocs renders one feed document in every format: the subscription
// document (page 0) or archive page n, linking archive page prev (0: none).
func (m *model) feedDocs(b *batch, set FeedSet, sub string, items []ospofeed.Item, page, prev uint64) error {
	updated := m.newest(items...)
	items = m.published(items)
	for _, f := range feedFormats {
		meta := m.meta(set, f.ext, sub, updated)
		p := set.Path(f.ext)
		if page > 0 {
			p = archivePath(set, page, f.ext)
			meta.SelfURL = m.url(p)
			meta.Archive = feed.Archive{IsArchive: true, Current: m.url(set.Path(f.ext))}
		}
		if prev > 0 {
			meta.Archive.Prev = m.url(archivePath(set, prev, f.ext))
		}
		body, err := f.render(meta, items, m.look)
		if err != nil {
			return fmt.Errorf("web: render %s: %w", p, err)
		}
		file := newFile(p, f.contentType, body, updated)
		file.Immutable = page > 0
		if err := b.add(file); err != nil {
			return err
		}
	}
	return nil
}

// published is items with the recordings never published left out of
// their events' lists: a subscriber's document names no session that has
// no recording (the event's page lists them as scheduled sessions).
func (m *model) published(items []ospofeed.Item) []ospofeed.Item {
	out := slices.Clone(items) // the cache's items are shared
	for i, it := range out {
		out[i].Recordings = slices.DeleteFunc(slices.Clone(it.Recordings), m.neverPublished)
	}
	return out
}

// neverPublished reports whether id is a stored recording never published.
// A published recording has an entry in the recordings feed (an unpublished
// one has no feed at all), which one lookup in the feed log tells without
// reading the item: the calendar of every event, and every event's feeds,
// would otherwise read every recording stored. Only an id without an entry
// (never published, or not stored) is read to tell which.
func (m *model) neverPublished(id string) bool {
	if it, ok := m.cache[id]; ok {
		return it.Unpublished
	}
	if never, ok := m.unpublished[id]; ok {
		return never
	}
	never := true
	if seq, err := m.r.LatestEntry(ospofeed.FeedRecordings, id); err == nil && seq > 0 {
		never = false
	} else {
		r, ok := m.look(id)
		never = ok && r.Unpublished
	}
	m.unpublished[id] = never
	return never
}

// pagesOf renders the pages of the items whose newest entry in a kind's
// feed is in from..to.
func (m *model) pagesOf(b *batch, kind string, from, to uint64) error {
	es, err := m.r.FeedEntries(kind, from, to)
	if err != nil {
		return err
	}
	var ids []string
	for _, e := range es {
		if last, err := m.r.LatestEntry(kind, e.ID); err != nil {
			return err
		} else if last == e.Seq {
			ids = append(ids, e.ID)
		}
	}
	items, err := m.load(ids)
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := m.itemPages(b, it); err != nil {
			return err
		}
	}
	return nil
}

// parallel runs the jobs of a full rendering on as many workers as there
// are processors (at most 4), each with a model of its own (its own item
// cache, reset between jobs, so memory stays bounded per worker). The first
// error stops the rest.
func (m *model) parallel(jobs []func(*model) error) error {
	workers := min(runtime.GOMAXPROCS(0), 4, len(jobs))
	next := make(chan func(*model) error)
	errs := make(chan error, workers)
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		w := newModel(m.Context, m.r, m.size)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range next {
				if failed.Load() {
					continue
				}
				w.reset()
				if err := job(w); err != nil {
					failed.Store(true)
					errs <- err
				}
			}
		}()
	}
	for _, job := range jobs {
		if failed.Load() {
			break
		}
		next <- job
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}
