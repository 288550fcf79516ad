package scraper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gocolly/colly/v2"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/config"
)

// ErrRobotsDisallowed is returned for a URL that robots.txt disallows.
var ErrRobotsDisallowed = errors.New("disallowed by robots.txt")

// Response is one fetched URL.
type Response struct {
	URL         string // after redirects
	Status      int
	Header      http.Header
	Body        []byte
	NotModified bool // a 304 to a conditional GET: Body is empty
}

// Validators returns what to send on the next conditional GET.
func (r *Response) Validators() ospofeed.Page {
	return ospofeed.Page{URL: r.URL, ETag: r.Header.Get("ETag"), LastModified: r.Header.Get("Last-Modified")}
}

// StatusError is an HTTP answer that is neither success nor 304.
type StatusError struct {
	URL    string
	Status int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: HTTP %d %s", e.URL, e.Status, http.StatusText(e.Status))
}

// Fetcher fetches politely for one crawl of one source. It is built per run
// (a colly Collector never revisits a URL) over the process's Hosts, which
// it shares with the fetchers of the other sources, and is safe for
// concurrent use.
type Fetcher struct {
	collector   *colly.Collector
	client      *http.Client
	hosts       *Hosts
	crawl       config.Crawl
	userAgent   string
	retries     atomic.Int64 // left in this run's budget
	fetched     atomic.Int64
	notModified atomic.Int64

	// recallRobots finds what an earlier process remembered of a
	// robots.txt: its validators, and its rule lines as Items (nil: no
	// memory). rememberRobots keeps the same for the next process (nil:
	// not kept). See Run.
	recallRobots   func(url string) (ospofeed.Page, bool)
	rememberRobots func(ospofeed.Page)
}

// NewFetcher builds the fetcher of one crawl with politeness state of its
// own (a new Hosts): nothing it learns of a host reaches another fetcher.
// allowedHosts limits where redirects may lead (empty: anywhere). Use
// Hosts.NewFetcher to share hosts between the sources of a process.
func NewFetcher(ctx context.Context, crawl config.Crawl, userAgent string, allowedHosts []string) *Fetcher {
	return buildFetcher(ctx, NewHosts(), crawl, userAgent, allowedHosts)
}

func buildFetcher(ctx context.Context, hosts *Hosts, crawl config.Crawl, userAgent string, allowedHosts []string) *Fetcher {
	allowed := map[string]bool{}
	for _, h := range allowedHosts {
		allowed[strings.ToLower(h)] = true
	}
	var f *Fetcher
	robots := func(ctx context.Context, u *url.URL) error { return f.allowedByRobots(ctx, u) }
	client := newClient(transportConfig{crawl: crawl, allowedHosts: allowed, userAgent: userAgent, robots: robots}, hosts)
	// colly.NewCollector is Init followed by parseSettingsFromEnv, which
	// applies COLLY_* variables: COLLY_CACHE_DIR would answer conditional
	// GETs from disk, COLLY_MAX_REQUESTS stop the run, and so on. Init
	// alone reads no environment; every setting parseSettingsFromEnv knows
	// (ALLOWED_DOMAINS, CACHE_DIR, DETECT_CHARSET, DISABLE_COOKIES,
	// DISALLOWED_DOMAINS, FOLLOW_REDIRECTS, IGNORE_ROBOTSTXT,
	// MAX_BODY_SIZE, MAX_DEPTH, MAX_REQUESTS, PARSE_HTTP_ERROR_RESPONSE,
	// TRACE_HTTP, USER_AGENT) is set below all the same.
	c := &colly.Collector{}
	c.Init()
	c.UserAgent = userAgent
	c.AllowURLRevisit = true        // our own retries and conditional GETs revisit
	c.IgnoreRobotsTxt = true        // robots.txt is read below, with Crawl-delay, which colly ignores
	c.MaxBodySize = 0               // capped in the transport, after decompression, as an error
	c.ParseHTTPErrorResponse = true // every status reaches OnResponse; 304 is not an error
	c.MaxDepth = 0
	c.MaxRequests = 0
	c.CacheDir = "" // never answer from disk
	// Hosts are checked on redirects, by the client's CheckRedirect.
	c.AllowedDomains, c.DisallowedDomains = nil, nil
	c.URLFilters, c.DisallowedURLFilters = nil, nil
	c.CheckHead = false
	c.TraceHTTP = false
	c.Async = false
	// Before SetClient: it sets the CheckRedirect of the client it replaces.
	c.SetRedirectHandler(nil)
	// colly converts a body whose Content-Type names a charset; without
	// one it would guess with chardet, which confuses Latin-1 with other
	// charsets. decodeBody reads the page's own declaration instead.
	c.DetectCharset = false
	c.Context = ctx
	c.SetClient(client)
	c.DisableCookies()
	f = &Fetcher{collector: c, client: client, hosts: hosts, crawl: crawl, userAgent: userAgent}
	f.retries.Store(int64(crawl.RetryBudget))
	c.OnResponse(func(r *colly.Response) {
		hdr := headerOf(r.Headers)
		r.Ctx.Put("response", &Response{URL: r.Request.URL.String(), Status: r.StatusCode,
			Header: hdr, Body: decodeBody(hdr.Get("Content-Type"), r.Body)})
	})
	c.OnError(func(r *colly.Response, err error) {
		r.Ctx.Put("error", err)
	})
	return f
}

func headerOf(h *http.Header) http.Header {
	if h == nil {
		return http.Header{}
	}
	return *h
}

// Stats returns pages fetched with a body (GETs; API calls such as
// PostJSON are not pages) and 304s so far.
func (f *Fetcher) Stats() (fetched, notModified int) {
	return int(f.fetched.Load()), int(f.notModified.Load())
}

// Get fetches u, conditionally when prev has validators. It retries network
// errors, 429 and 5xx with exponential backoff and jitter, honouring
// Retry-After, within the run's retry budget. A status other than 2xx or
// 304 is a *StatusError (the response is returned too).
func (f *Fetcher) Get(ctx context.Context, u string, prev ospofeed.Page) (*Response, error) {
	hdr := http.Header{}
	if prev.ETag != "" {
		hdr.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		hdr.Set("If-Modified-Since", prev.LastModified)
	}
	hdr.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	return f.do(ctx, http.MethodGet, u, nil, hdr)
}

// PostJSON posts a JSON body (an API call: not conditional).
func (f *Fetcher) PostJSON(ctx context.Context, u string, body []byte) (*Response, error) {
	hdr := http.Header{}
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Accept", "application/json")
	return f.do(ctx, http.MethodPost, u, body, hdr)
}

func (f *Fetcher) do(ctx context.Context, method, u string, body []byte, hdr http.Header) (*Response, error) {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return nil, fmt.Errorf("fetch %q: not an http(s) URL", u)
	}
	if err := f.allowedByRobots(ctx, pu); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, u, err)
		}
		resp, err := f.once(method, u, body, hdr)
		if err == nil {
			switch {
			case resp.Status == http.StatusNotModified:
				resp.NotModified = true
				f.notModified.Add(1)
				return resp, nil
			case resp.Status >= 200 && resp.Status < 300:
				if method == http.MethodGet { // a page; API calls are not
					f.fetched.Add(1)
				}
				return resp, nil
			}
			err = &StatusError{URL: u, Status: resp.Status}
		}
		wait, retry := f.retryAfter(attempt, resp, err)
		if !retry {
			return resp, err
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return resp, fmt.Errorf("%w (while waiting to retry: %w)", err, ctx.Err())
		}
	}
}

// once makes one request through colly.
func (f *Fetcher) once(method, u string, body []byte, hdr http.Header) (*Response, error) {
	cctx := colly.NewContext()
	var rd *bytes.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	var err error
	if rd != nil {
		err = f.collector.Request(method, u, rd, cctx, hdr.Clone())
	} else {
		err = f.collector.Request(method, u, nil, cctx, hdr.Clone())
	}
	if e, ok := cctx.GetAny("error").(error); ok && err == nil {
		err = e
	}
	resp, _ := cctx.GetAny("response").(*Response)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // colly and net/http both name the URL; keep one
		}
		return nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	if resp == nil {
		return nil, fmt.Errorf("%s %s: no response", method, u)
	}
	return resp, nil
}

// retryAfter decides whether and when to try again.
func (f *Fetcher) retryAfter(attempt int, resp *Response, err error) (time.Duration, bool) {
	if attempt >= f.crawl.MaxRetries || !retryable(resp, err) {
		return 0, false
	}
	backoff := time.Duration(float64(500*time.Millisecond) * float64(int(1)<<attempt) * (0.5 + rand.Float64()))
	if resp != nil {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			if d > f.crawl.MaxBackoff {
				return 0, false // the site asks for a longer pause than a run may take
			}
			backoff = d
		}
	}
	backoff = min(backoff, f.crawl.MaxBackoff)
	if f.retries.Add(-1) < 0 {
		return 0, false
	}
	return backoff, true
}

func retryable(resp *Response, err error) bool {
	var se *StatusError
	switch {
	case errors.As(err, &se):
		return se.Status == http.StatusTooManyRequests || se.Status >= 500
	case err == nil:
		return false
	case errors.Is(err, context.Canceled), errors.Is(err, ErrBlockedAddress), errors.Is(err, ErrBodyTooLarge),
		errors.Is(err, ErrRedirectRefused), errors.Is(err, ErrRobotsDisallowed), errors.Is(err, ErrHostPaused):
		return false
	}
	return true
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// decodeBody finishes what colly's charset handling (Response.fixCharset,
// with DetectCharset off) started, so that every body leaves the fetcher in
// UTF-8:
//
//   - When the Content-Type names a charset other than UTF-8, colly has
//     already transcoded the body to UTF-8 (whatever its type). An XML
//     declaration still naming the old encoding would make an XML parser
//     (gofeed) decode the bytes a second time: it is rewritten to UTF-8.
//   - When an HTML body's Content-Type names no charset, the page's byte
//     order mark, then its <meta charset> or <meta http-equiv=Content-Type>,
//     decide (charset.DetermineEncoding). Without either, a body that is
//     valid UTF-8 is kept as it is, and one that is not is read as
//     windows-1252, the web's default (and the superset of ISO-8859-1).
//
// A body that cannot be converted is returned unchanged.
func decodeBody(contentType string, body []byte) []byte {
	if len(body) == 0 {
		return body
	}
	// The tests colly's fixCharset makes, on the lower-cased header.
	ct := strings.ToLower(contentType)
	if strings.Contains(ct, "image/") || strings.Contains(ct, "video/") || strings.Contains(ct, "audio/") || strings.Contains(ct, "font/") {
		return body
	}
	if strings.Contains(ct, "charset") {
		if strings.Contains(ct, "utf-8") || strings.Contains(ct, "utf8") {
			return body
		}
		return xmlDeclUTF8(body) // colly has transcoded it to UTF-8
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType == "" {
		mediaType, _, _ = mime.ParseMediaType(http.DetectContentType(body))
	}
	if !strings.Contains(mediaType, "html") {
		return body // XML declares its own encoding; JSON and YAML are UTF-8
	}
	enc, name, certain := charset.DetermineEncoding(body, mediaType)
	switch {
	case enc == nil || enc == encoding.Nop || isUTF8Label(name):
		return body
	case !certain && name == "windows-1252" && utf8.Valid(body):
		// No declaration and a UTF-8 (or ASCII) body, or a page declaring
		// Latin-1 that is in fact UTF-8: transcoding would garble it.
		return body
	}
	out, _, err := transform.Bytes(enc.NewDecoder(), body)
	if err != nil {
		return body
	}
	return bytes.TrimPrefix(out, []byte("\ufeff")) // a UTF-16 byte order mark, decoded
}

func isUTF8Label(label string) bool {
	l := strings.ToLower(strings.TrimSpace(label))
	return l == "utf-8" || l == "utf8"
}

// xmlDeclRE matches the encoding pseudo-attribute of an XML declaration at
// the start of a document (after an optional byte order mark or space).
var xmlDeclRE = regexp.MustCompile(`^(\x{FEFF}?\s*<\?xml\s[^>]*?\bencoding\s*=\s*)(["'])[A-Za-z0-9._:-]*(["'])`)

// xmlDeclUTF8 makes the XML declaration of an already transcoded body say
// UTF-8.
func xmlDeclUTF8(body []byte) []byte {
	loc := xmlDeclRE.FindSubmatchIndex(body)
	if loc == nil {
		return body
	}
	out := make([]byte, 0, len(body))
	out = append(out, body[:loc[5]]...) // up to and including the opening quote
	out = append(out, "UTF-8"...)
	out = append(out, body[loc[6]:]...) // the closing quote and the rest
	return out
}
