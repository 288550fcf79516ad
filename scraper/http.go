package scraper

import (
	"compress/gzip"
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

	"github.com/ospofeed/ospofeed"
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

// PublicAddr reports whether ip is an address a crawler may dial directly
// (ospofeed.PublicAddr).
func PublicAddr(ip netip.Addr) bool { return ospofeed.PublicAddr(ip) }

// transportConfig is what newClient needs to build a crawl's HTTP stack.
type transportConfig struct {
	crawl        config.Crawl
	allowedHosts map[string]bool // empty: any host
	userAgent    string
	// robots tests a redirect's target against its robots.txt (the first
	// URL of a request is tested before the request is made).
	robots func(context.Context, *url.URL) error
}

// newClient builds the HTTP client of one crawl:
//
//	redirect policy (count, scheme, allowed hosts)
//	  -> robots.txt of redirect targets
//	  -> per-host limiter, shared by the process (parallelism, spacing,
//	     Crawl-delay, Retry-After pauses)
//	    -> body cap (counted after decompression)
//	      -> connect-to rewrite (tests, mirrors)
//	        -> http.Transport: proxy from the environment, guarded direct dials
func newClient(tc transportConfig, hosts *Hosts) *http.Client {
	proxyFunc := httpproxy.FromEnvironment().ProxyFunc()
	g := &guard{allowPrivate: tc.crawl.AllowPrivate, trusted: map[string]bool{}}
	base := &http.Transport{
		Proxy: func(r *http.Request) (*url.URL, error) {
			// The dial guard never sees what a proxy connects to: a
			// non-public IP literal is refused here, proxy or not.
			if ip, err := netip.ParseAddr(r.URL.Hostname()); err == nil && !tc.crawl.AllowPrivate && !PublicAddr(ip) {
				return nil, fmt.Errorf("%s: %w", r.URL.Host, ErrBlockedAddress)
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
		// What the operator mapped is trusted, not the address it maps
		// to: mapped requests have a transport (and a connection pool) of
		// their own that dials the target directly, never through a proxy,
		// and a URL that names the target's address itself goes through
		// the guarded transport like any other.
		direct := &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConnsPerHost:   tc.crawl.ParallelPerHost,
			IdleConnTimeout:       30 * time.Second,
			ResponseHeaderTimeout: tc.crawl.RequestTimeout,
		}
		rt = &connectTo{next: rt, direct: direct, to: tc.crawl.ConnectTo}
	}
	rt = &capBody{next: rt, max: tc.crawl.MaxBodyBytes}
	rt = &limited{next: rt, hosts: hosts,
		pol: hostPolicy{parallel: tc.crawl.ParallelPerHost, delay: tc.crawl.DelayPerHost, maxWait: tc.crawl.MaxBackoff}}
	if tc.robots != nil {
		rt = &robotsGate{next: rt, check: tc.robots}
	}
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
// refused too. The proxy the operator configured is trusted (connect-to
// targets never come here: see newClient).
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
// HTTP, keeping the URL and Host header, like curl --connect-to. Mapped
// requests go to direct, the others to next.
type connectTo struct {
	next, direct http.RoundTripper
	to           map[string]string
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
	resp, err := c.direct.RoundTrip(r2)
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
	body := resp.Body
	if !resp.Uncompressed && collyGunzips(req, resp) {
		// colly would gunzip this body itself, after reading it through
		// the cap: the cap would count compressed bytes. Gunzip it here,
		// under the cap, and mark it final so that colly leaves it alone.
		body = &gunzipReader{rc: body}
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	resp.Body = &cappedReader{rc: body, left: c.max, max: c.max, url: req.URL.String()}
	return resp, nil
}

// collyGunzips is colly's own test (http_backend.go) for a body it
// decompresses after reading it.
func collyGunzips(req *http.Request, resp *http.Response) bool {
	ce := strings.ToLower(resp.Header.Get("Content-Encoding"))
	return strings.Contains(ce, "gzip") ||
		(ce == "" && strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "gzip")) ||
		strings.HasSuffix(strings.ToLower(req.URL.Path), ".xml.gz")
}

// gunzipReader decompresses a gzip body, reading its header on first use
// (an empty body reads as empty).
type gunzipReader struct {
	rc io.ReadCloser
	zr *gzip.Reader
}

func (g *gunzipReader) Read(p []byte) (int, error) {
	if g.zr == nil {
		zr, err := gzip.NewReader(g.rc)
		if err != nil {
			return 0, err
		}
		g.zr = zr
	}
	return g.zr.Read(p)
}

func (g *gunzipReader) Close() error { return g.rc.Close() }

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

// robotsGate refuses a redirect to a URL that its robots.txt disallows. It
// runs when the client follows a redirect, after the previous response was
// closed, so fetching the target's robots.txt holds no slot of the limiter.
type robotsGate struct {
	next  http.RoundTripper
	check func(context.Context, *url.URL) error
}

func (g *robotsGate) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Response != nil { // a redirect hop
		if err := g.check(req.Context(), req.URL); err != nil {
			return nil, err
		}
	}
	return g.next.RoundTrip(req)
}

// limited holds each request until its host has a free slot, the host's
// spacing has passed and its pause has ended (see Hosts.acquire). A 429 or
// 503 with Retry-After pauses every request to the host, of every source
// of the process, not only the one retried.
type limited struct {
	next  http.RoundTripper
	hosts *Hosts
	pol   hostPolicy
}

func (l *limited) RoundTrip(req *http.Request) (*http.Response, error) {
	host := hostKey(req.URL)
	release, err := l.hosts.acquire(req.Context(), host, l.pol)
	if err != nil {
		return nil, err
	}
	resp, err := l.next.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		now := time.Now()
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			if d, ok := parseRetryAfter(ra, now); ok {
				// Before the slot is released: no request waiting for it
				// starts before the pause.
				l.hosts.pause(host, now.Add(min(d, maxPause)),
					fmt.Sprintf("%s answered HTTP %d with Retry-After: %s", req.URL.EscapedPath(), resp.StatusCode, strings.TrimSpace(ra)))
			}
		}
	}
	// The slot is held until the body is read: a request is "in flight"
	// until then.
	resp.Body = &releaseOnClose{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// hostKey names the host of u for the limiter: lower-case, without the
// scheme's default port, so that "https://h:443/" and "https://h/" (colly
// drops the port, robots.txt and redirects may keep it) share one limit.
func hostKey(u *url.URL) string {
	host := strings.ToLower(u.Host)
	switch {
	case u.Scheme == "https" && strings.HasSuffix(host, ":443"):
		return strings.TrimSuffix(host, ":443")
	case u.Scheme == "http" && strings.HasSuffix(host, ":80"):
		return strings.TrimSuffix(host, ":80")
	}
	return host
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
