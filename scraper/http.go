package scraper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/http/httpproxy"

	"github.com/ospofeed/ospofeed/config"
)

// ErrBlockedAddress is returned for a direct connection to a loopback,
// private, link-local or otherwise non-public address.
var ErrBlockedAddress = errors.New("refusing to connect to a non-public address")

// ErrBodyTooLarge is returned when a body, decompressed, passes the cap: a
// truncated page is an error, never a short page.
var ErrBodyTooLarge = errors.New("response body exceeds the size limit")

// ErrRedirectRefused is returned for a redirect that is not followed: to a
// host the source does not allow, to another scheme, or past the limit.
var ErrRedirectRefused = errors.New("redirect not followed")

// nonPublic lists the ranges a scraped URL must never make us reach.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 can reach private IPv4
}

// PublicAddr reports whether ip is an address a crawler may dial directly.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// transportConfig is what newClient needs to build a crawl's HTTP stack.
type transportConfig struct {
	crawl        config.Crawl
	allowedHosts map[string]bool // empty: any host
	userAgent    string
}

// newClient builds the HTTP client of one crawl:
//
//	redirect policy (count, scheme, allowed hosts)
//	  -> per-host limiter (parallelism, spacing, Crawl-delay)
//	    -> body cap (counted after decompression)
//	      -> connect-to rewrite (tests, mirrors)
//	        -> http.Transport: proxy from the environment, guarded direct dials
func newClient(tc transportConfig, limits *hostLimits) *http.Client {
	proxyFunc := httpproxy.FromEnvironment().ProxyFunc()
	g := &guard{allowPrivate: tc.crawl.AllowPrivate, trusted: map[string]bool{}}
	for _, addr := range tc.crawl.ConnectTo {
		g.trust(addr)
	}
	base := &http.Transport{
		Proxy: func(r *http.Request) (*url.URL, error) {
			if _, mapped := tc.crawl.ConnectTo[r.URL.Hostname()]; mapped {
				return nil, nil
			}
			u, err := proxyFunc(r.URL)
			if u != nil {
				g.trust(hostPort(u))
			}
			return u, err
		},
		DialContext:           g.dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   tc.crawl.ParallelPerHost,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: tc.crawl.RequestTimeout,
	}
	var rt http.RoundTripper = base
	if len(tc.crawl.ConnectTo) > 0 {
		rt = &connectTo{next: rt, to: tc.crawl.ConnectTo}
	}
	rt = &capBody{next: rt, max: tc.crawl.MaxBodyBytes}
	rt = &limited{next: rt, limits: limits}
	return &http.Client{
		Transport: rt,
		Timeout:   tc.crawl.RequestTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > tc.crawl.MaxRedirects {
				return fmt.Errorf("%w: more than %d redirects", ErrRedirectRefused, tc.crawl.MaxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("%w: to %s: scheme %q not allowed", ErrRedirectRefused, req.URL, req.URL.Scheme)
			}
			if len(tc.allowedHosts) > 0 && !tc.allowedHosts[strings.ToLower(req.URL.Hostname())] {
				return fmt.Errorf("%w: to %s: host %q not allowed for this source", ErrRedirectRefused, req.URL, req.URL.Hostname())
			}
			return nil
		},
	}
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// guard dials directly only public addresses, checked on the address
// actually dialled (after DNS), so a name that resolves to 127.0.0.1 is
// refused too. Addresses the operator configured (a proxy, a connect-to
// target) are trusted.
type guard struct {
	allowPrivate bool
	mu           sync.Mutex
	trusted      map[string]bool
}

func (g *guard) trust(addr string) {
	g.mu.Lock()
	g.trusted[addr] = true
	g.mu.Unlock()
}

func (g *guard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	g.mu.Lock()
	trusted := g.trusted[addr]
	g.mu.Unlock()
	d := &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}
	if !trusted && !g.allowPrivate {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("dial %s: %w", address, err)
			}
			if !PublicAddr(ap.Addr()) {
				return fmt.Errorf("dial %s (for %s): %w", address, addr, ErrBlockedAddress)
			}
			return nil
		}
	}
	return d.DialContext(ctx, network, addr)
}

// connectTo sends requests for some hosts to another address over plain
// HTTP, keeping the URL and Host header, like curl --connect-to.
type connectTo struct {
	next http.RoundTripper
	to   map[string]string
}

func (c *connectTo) RoundTrip(req *http.Request) (*http.Response, error) {
	addr, ok := c.to[req.URL.Hostname()]
	if !ok {
		return c.next.RoundTrip(req)
	}
	r2 := req.Clone(req.Context())
	r2.URL.Scheme, r2.URL.Host = "http", addr
	if r2.Host == "" {
		r2.Host = req.URL.Host
	}
	resp, err := c.next.RoundTrip(r2)
	if resp != nil {
		resp.Request = req
	}
	return resp, err
}

// capBody fails a body that passes max bytes. http.Transport has already
// undone gzip when it asked for it, so the count is of decompressed bytes: a
// gzip bomb stops at max.
type capBody struct {
	next http.RoundTripper
	max  int64
}

func (c *capBody) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err != nil || c.max <= 0 {
		return resp, err
	}
	if resp.ContentLength > c.max {
		resp.Body.Close()
		return nil, fmt.Errorf("%s: %w (%d bytes announced, limit %d)", req.URL, ErrBodyTooLarge, resp.ContentLength, c.max)
	}
	resp.Body = &cappedReader{rc: resp.Body, left: c.max, max: c.max, url: req.URL.String()}
	return resp, nil
}

type cappedReader struct {
	rc   io.ReadCloser
	left int64
	max  int64
	url  string
}

func (r *cappedReader) Read(p []byte) (int, error) {
	if r.left < 0 {
		return 0, fmt.Errorf("%s: %w (limit %d bytes)", r.url, ErrBodyTooLarge, r.max)
	}
	if int64(len(p)) > r.left+1 {
		p = p[:r.left+1]
	}
	n, err := r.rc.Read(p)
	r.left -= int64(n)
	if r.left < 0 {
		return n, fmt.Errorf("%s: %w (limit %d bytes)", r.url, ErrBodyTooLarge, r.max)
	}
	return n, err
}

func (r *cappedReader) Close() error { return r.rc.Close() }

// limited holds each request until its host has a free slot and the
// host's spacing has passed.
type limited struct {
	next   http.RoundTripper
	limits *hostLimits
}

func (l *limited) RoundTrip(req *http.Request) (*http.Response, error) {
	release, err := l.limits.acquire(req.Context(), strings.ToLower(req.URL.Host))
	if err != nil {
		return nil, err
	}
	resp, err := l.next.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	// The slot is held until the body is read: a request is "in flight"
	// until then.
	resp.Body = &releaseOnClose{ReadCloser: resp.Body, release: release}
	return resp, nil
}

type releaseOnClose struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (r *releaseOnClose) Close() error {
	err := r.ReadCloser.Close()
	r.once.Do(r.release)
	return err
}

// hostLimits keeps, per host, at most parallel requests in flight and at
// least delay between the starts of two requests.
type hostLimits struct {
	parallel int
	delay    time.Duration
	mu       sync.Mutex
	hosts    map[string]*hostLimit
}

type hostLimit struct {
	slots chan struct{}
	delay time.Duration
	next  time.Time // earliest start of the next request
}

func newHostLimits(parallel int, delay time.Duration) *hostLimits {
	if parallel < 1 {
		parallel = 1
	}
	return &hostLimits{parallel: parallel, delay: delay, hosts: map[string]*hostLimit{}}
}

func (h *hostLimits) get(host string) *hostLimit {
	h.mu.Lock()
	defer h.mu.Unlock()
	l, ok := h.hosts[host]
	if !ok {
		l = &hostLimit{slots: make(chan struct{}, h.parallel), delay: h.delay}
		h.hosts[host] = l
	}
	return l
}

// setDelay raises a host's spacing (a robots.txt Crawl-delay); it never
// lowers it below the configured one. A Crawl-delay also means one request
// at a time, as the sites that set it expect.
func (h *hostLimits) setDelay(host string, d time.Duration) {
	l := h.get(host)
	h.mu.Lock()
	defer h.mu.Unlock()
	if d > l.delay {
		l.delay = d
	}
}

func (h *hostLimits) acquire(ctx context.Context, host string) (func(), error) {
	l := h.get(host)
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release := func() { <-l.slots }
	for {
		h.mu.Lock()
		now := time.Now()
		wait := l.next.Sub(now)
		if wait <= 0 {
			l.next = now.Add(l.delay)
			h.mu.Unlock()
			return release, nil
		}
		h.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			release()
			return nil, ctx.Err()
		}
	}
}
