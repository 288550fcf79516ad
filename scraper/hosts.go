package scraper

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/temoto/robotstxt"

	"github.com/ospofeed/ospofeed/config"
)

// ErrHostPaused is returned, without a request, for a URL whose host asked
// not to be crawled before a time further away than crawl.max_backoff: a
// 429 or 503 with Retry-After, from any source of the process.
var ErrHostPaused = errors.New("host paused")

// How long what a host said is kept.
const (
	// robotsMaxAge: a robots.txt is re-read (conditionally) when older
	// than this; RFC 9309 §2.4 asks crawlers not to use a cached copy
	// longer than 24 hours.
	robotsMaxAge = 24 * time.Hour
	// robotsFailedFor: a robots.txt that answered 5xx without Retry-After,
	// or could not be reached, keeps its host uncrawled (RFC 9309
	// §2.3.1.4) this long before it is asked again.
	robotsFailedFor = time.Hour
	// maxPause caps a Retry-After: a longer one is read as this.
	maxPause = 24 * time.Hour
)

// Hosts is the politeness state of every host one process crawls, shared
// by all its sources: one per `ospofeed crawl` run and one for the life of
// `ospofeed serve`. Per host it keeps the requests in flight and the start
// of the last one (crawl.parallel_per_host, crawl.delay_per_host,
// robots.txt Crawl-delay), a pause asked for by Retry-After, and per origin
// the robots.txt rules with their validators. So four sources on
// www.un.org read its robots.txt once, space their requests from each
// other's, and none asks it anything while it said to wait.
//
// The zero value is not usable: call NewHosts. A Hosts is safe for
// concurrent use.
type Hosts struct {
	now func() time.Time // robots.txt freshness; tests move it

	mu     sync.Mutex
	hosts  map[string]*hostState   // by hostKey
	robots map[string]*robotsEntry // by origin: scheme://hostKey
}

// NewHosts returns the empty state of a process that has asked nothing of
// any host yet.
func NewHosts() *Hosts {
	return &Hosts{now: time.Now, hosts: map[string]*hostState{}, robots: map[string]*robotsEntry{}}
}

// NewFetcher builds the fetcher of one crawl of one source over the hosts'
// shared state. allowedHosts limits where redirects may lead (empty:
// anywhere).
func (h *Hosts) NewFetcher(ctx context.Context, crawl config.Crawl, userAgent string, allowedHosts []string) *Fetcher {
	return buildFetcher(ctx, h, crawl, userAgent, allowedHosts)
}

// hostState is one host's state, guarded by Hosts.mu.
type hostState struct {
	inFlight  int
	freed     chan struct{} // closed, and replaced, whenever a request ends
	lastStart time.Time
	// crawlDelay is robots.txt's Crawl-delay: the spacing when larger than
	// the configured one, and one request at a time.
	crawlDelay  time.Duration
	pausedUntil time.Time
	pauseReason string
}

// hostPolicy is what the crawl configuration asks of every host.
type hostPolicy struct {
	parallel int           // most requests in flight
	delay    time.Duration // least time between two starts
	maxWait  time.Duration // longest pause a request waits out; a longer one fails it
}

func (h *Hosts) state(host string) *hostState {
	st, ok := h.hosts[host]
	if !ok {
		st = &hostState{freed: make(chan struct{})}
		h.hosts[host] = st
	}
	return st
}

// setCrawlDelay records a host's robots.txt Crawl-delay (0: none). A
// Crawl-delay also means one request at a time, as the sites that set it
// expect: requests already in flight finish, and none starts until they
// all have. The next start is spaced from the last one (the robots.txt
// request itself) by the new delay.
func (h *Hosts) setCrawlDelay(host string, d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state(host).crawlDelay = max(d, 0)
}

// pause keeps every request to host from starting before until; it never
// brings a pause to an earlier end.
func (h *Hosts) pause(host string, until time.Time, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.state(host)
	if until.After(st.pausedUntil) {
		st.pausedUntil, st.pauseReason = until, reason
	}
}

// pausedUntil is when host's pause ends (zero: none was asked).
func (h *Hosts) pausedUntil(host string) time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state(host).pausedUntil
}

func pausedErr(host string, st *hostState) error {
	return fmt.Errorf("%s: %w until %s (%s)", host, ErrHostPaused, st.pausedUntil.UTC().Format(time.RFC3339), st.pauseReason)
}

// acquire waits until host has fewer requests in flight than it may, its
// spacing has passed and its pause has ended, then counts the request in
// flight. The returned func ends it. A pause that ends later than
// pol.maxWait from now fails at once with ErrHostPaused.
func (h *Hosts) acquire(ctx context.Context, host string, pol hostPolicy) (func(), error) {
	for {
		h.mu.Lock()
		st := h.state(host)
		now := time.Now()
		if left := st.pausedUntil.Sub(now); left > pol.maxWait {
			err := pausedErr(host, st)
			h.mu.Unlock()
			return nil, err
		}
		parallel, delay := max(pol.parallel, 1), max(pol.delay, st.crawlDelay)
		if st.crawlDelay > 0 {
			parallel = 1
		}
		earliest := st.lastStart.Add(delay)
		if st.pausedUntil.After(earliest) {
			earliest = st.pausedUntil
		}
		freed := st.freed
		full := st.inFlight >= parallel
		wait := earliest.Sub(now)
		if !full && wait <= 0 {
			st.inFlight++
			st.lastStart = now
			h.mu.Unlock()
			var once sync.Once
			return func() { once.Do(func() { h.release(st) }) }, nil
		}
		h.mu.Unlock()
		var timer *time.Timer
		var timeout <-chan time.Time
		if !full {
			timer = time.NewTimer(wait)
			timeout = timer.C
		}
		select {
		case <-freed: // a request ended: test again
		case <-timeout: // the spacing or the pause has passed, or was pushed back: test again
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

func (h *Hosts) release(st *hostState) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st.inFlight--
	close(st.freed)
	st.freed = make(chan struct{})
}

// robotsEntry is what the process knows of one origin's robots.txt. Its
// fields are guarded by lock, held while robots.txt is being read so that
// the sources wanting it wait for one request instead of each making
// their own.
type robotsEntry struct {
	lock chan struct{} // a one-slot semaphore: waiting for it honours a context

	data  *robotstxt.RobotsData // nil: not read yet
	lines []string              // what data was parsed from (see robotsLines)
	// Validators of the robots.txt data came from, for a conditional
	// re-read.
	etag, lastModified string
	checked            time.Time // when data was read or confirmed (304)

	// err is why the origin is not crawled, until errUntil.
	err      error
	errUntil time.Time
}

func (h *Hosts) robotsEntry(origin string) *robotsEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.robots[origin]
	if !ok {
		e = &robotsEntry{lock: make(chan struct{}, 1)}
		h.robots[origin] = e
	}
	return e
}
