package scraper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/temoto/robotstxt"

	"github.com/ospofeed/ospofeed"
)

// maxRememberedRobots caps the rule lines of a robots.txt kept in the
// memory of a source (RFC 9309 §2.5 asks parsers to read at least 500 KiB).
const maxRememberedRobots = 512 << 10

// allowedByRobots tests u against its origin's robots.txt, read once for
// the whole process (Hosts) and again, conditionally, when older than
// robotsMaxAge. A robots.txt answering 4xx, or redirecting where the
// fetcher may not follow, allows everything; 5xx or a network error
// disallows the origin (RFC 9309 §2.3.1): for the Retry-After the answer
// gave, else for robotsFailedFor. Its Crawl-delay sets the host's spacing.
func (f *Fetcher) allowedByRobots(ctx context.Context, u *url.URL) error {
	if u.Path == "/robots.txt" {
		return nil
	}
	host := hostKey(u)
	origin := u.Scheme + "://" + host
	data, lines, err := f.robots(ctx, origin, host)
	if err != nil {
		return err
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	agent := robotsAgent(f.userAgent)
	if !data.TestAgent(p, agent) {
		group, rule := decidingRule(data, lines, agent, p)
		return &RobotsError{URL: u.String(), RobotsURL: origin + "/robots.txt", Agent: agent, Group: group, Rule: rule}
	}
	return nil
}

// RobotsError is the error for a URL that its robots.txt, read (fetched,
// or confirmed by a 304), disallows for ospofeed: positive evidence, never
// a guess from a robots.txt that could not be read. It matches
// ErrRobotsDisallowed.
type RobotsError struct {
	URL       string // the URL disallowed
	RobotsURL string // the robots.txt that disallows it
	Agent     string // the product token the rules were read for
	// Group is the User-agent line of the group that applies and Rule the
	// Disallow line that matches URL; "" when they cannot be told.
	Group, Rule string
}

func (e *RobotsError) Error() string {
	s := fmt.Sprintf("GET %s: %v (%s", e.URL, ErrRobotsDisallowed, e.RobotsURL)
	if e.Rule != "" {
		s += fmt.Sprintf(": %q under %q", e.Rule, e.Group)
	}
	return s + ")"
}

// Is makes a RobotsError match ErrRobotsDisallowed.
func (e *RobotsError) Is(target error) bool { return target == ErrRobotsDisallowed }

// blocked is the BlockedError of a source at url that e forbids.
func (e *RobotsError) blocked(url string) *ospofeed.BlockedError {
	return &ospofeed.BlockedError{URL: url, RobotsURL: e.RobotsURL, Agent: e.Agent, Group: e.Group, Rule: e.Rule}
}

// decidingRule names what, in the rule lines of a robots.txt (see
// robotsLines), disallows path for agent, as data (parsed from lines)
// decided: the User-agent line of the group data applies to agent, and of
// that group's Disallow rules that match path, the longest. It explains a
// decision, it never makes one; both are "" when they cannot be told.
func decidingRule(data *robotstxt.RobotsData, lines []string, agent, path string) (group, rule string) {
	applies := data.FindGroup(agent)
	var agents []string // of the group being read, as written
	inRules := false
	longest := 0
	for _, l := range lines {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch k {
		case "user-agent", "useragent":
			// Successive User-agent lines share a group; one after a rule
			// starts the next (as the parser reads them).
			if inRules {
				agents, inRules = nil, false
			}
			agents = append(agents, v)
		case "allow", "crawl-delay", "crawldelay":
			inRules = true
		case "disallow":
			inRules = true
			i := slices.IndexFunc(agents, func(a string) bool { return data.FindGroup(strings.ToLower(a)) == applies })
			if v == "" || i < 0 || len(v) <= longest {
				continue
			}
			if one, err := robotstxt.FromString("User-agent: *\nDisallow: " + v); err == nil && !one.TestAgent(path, agent) {
				group, rule, longest = "User-agent: "+agents[i], "Disallow: "+v, len(v)
			}
		}
	}
	return group, rule
}

// robots returns the rules of origin, and the lines they were parsed from,
// reading robots.txt when the process has none fresh. One fetcher reads
// it; the others wait for that.
func (f *Fetcher) robots(ctx context.Context, origin, host string) (*robotstxt.RobotsData, []string, error) {
	e := f.hosts.robotsEntry(origin)
	select {
	case e.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	defer func() { <-e.lock }()
	now := f.hosts.now()
	if e.err != nil && now.Before(e.errUntil) {
		left := e.errUntil.Sub(now)
		if left > f.crawl.MaxBackoff {
			return nil, nil, e.err
		}
		// Soon over: wait it out, then ask again.
		t := time.NewTimer(left)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, nil, fmt.Errorf("%w (while waiting: %w)", e.err, ctx.Err())
		}
	} else if e.err == nil && e.data != nil && now.Sub(e.checked) < robotsMaxAge {
		return e.data, e.lines, nil
	}
	data, err := f.readRobots(ctx, e, origin, host)
	if err != nil {
		return nil, nil, err
	}
	return data, e.lines, nil
}

// readRobots fetches origin's robots.txt into e, conditionally when the
// process, or the memory of a source, holds a version with validators.
func (f *Fetcher) readRobots(ctx context.Context, e *robotsEntry, origin, host string) (*robotstxt.RobotsData, error) {
	robotsURL := origin + "/robots.txt"
	lines, etag, lastModified := e.lines, e.etag, e.lastModified
	if e.data == nil && f.recallRobots != nil {
		if p, ok := f.recallRobots(robotsURL); ok {
			lines = p.Lines
			if lines == nil {
				lines = p.Items // remembered by an earlier version, in Items
			}
			// Without lines there is nothing a 304 could keep: an
			// earlier version lost them when a crawl was cut at its
			// limit. Asked for in full again.
			if lines != nil {
				etag, lastModified = p.ETag, p.LastModified
			}
		}
	}
	hdr := http.Header{}
	if etag != "" {
		hdr.Set("If-None-Match", etag)
	}
	if lastModified != "" {
		hdr.Set("If-Modified-Since", lastModified)
	}
	var resp *Response
	var err error
	for attempt := 0; ; attempt++ {
		resp, err = f.once(http.MethodGet, robotsURL, nil, hdr)
		var wait time.Duration
		retry := false
		if err != nil {
			wait, retry = f.retryAfter(attempt, nil, err)
		} else if resp.Status == http.StatusTooManyRequests || resp.Status >= 500 {
			wait, retry = f.retryAfter(attempt, resp, &StatusError{URL: robotsURL, Status: resp.Status})
		}
		if !retry {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	now := f.hosts.now()
	remember := false
	switch {
	case errors.Is(err, ErrRedirectRefused):
		// Redirects that do not lead to a robots.txt we may read (another
		// host, scheme, or too many): "unavailable", like a 4xx, which
		// allows everything (RFC 9309 §2.3.1.2). Only an unreachable
		// server disallows.
		lines, etag, lastModified = nil, "", ""
	case err != nil && (errors.Is(err, ErrHostPaused) || ctx.Err() != nil):
		// Says nothing of robots.txt: not kept.
		return nil, fmt.Errorf("robots.txt of %s: %w", origin, err)
	case err != nil:
		return nil, e.fail(now.Add(robotsFailedFor),
			fmt.Errorf("robots.txt of %s unreachable, not crawling it: %w", origin, err))
	case resp.Status == http.StatusNotModified && (etag != "" || lastModified != ""):
		// The rules held are current; a 304 may carry new validators.
		etag, lastModified = or(resp.Header.Get("ETag"), etag), or(resp.Header.Get("Last-Modified"), lastModified)
		remember = true
	case resp.Status >= 500 || resp.Status == http.StatusTooManyRequests:
		until := now.Add(robotsFailedFor)
		why := ""
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			if left := time.Until(f.hosts.pausedUntil(host)); left > 0 {
				until = now.Add(left)
				why = " with Retry-After: " + strings.TrimSpace(ra)
			}
		}
		return nil, e.fail(until, fmt.Errorf("robots.txt of %s answered HTTP %d%s: not crawling %s before %s",
			origin, resp.Status, why, host, until.UTC().Format(time.RFC3339)))
	case resp.Status >= 200 && resp.Status < 300:
		lines = robotsLines(resp.Body)
		etag, lastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		remember = true
	default: // 4xx (and a stray 3xx or 1xx): no robots.txt, everything allowed
		lines, etag, lastModified = nil, "", ""
	}
	data, err := robotstxt.FromString(strings.Join(lines, "\n"))
	if err != nil {
		return nil, e.fail(now.Add(robotsFailedFor), fmt.Errorf("robots.txt of %s: %w", origin, err))
	}
	e.data, e.lines, e.etag, e.lastModified, e.checked, e.err = data, lines, etag, lastModified, now, nil
	f.hosts.setCrawlDelay(host, data.FindGroup(robotsAgent(f.userAgent)).CrawlDelay)
	if remember && f.rememberRobots != nil && (etag != "" || lastModified != "") && size(lines) <= maxRememberedRobots {
		f.rememberRobots(ospofeed.Page{URL: robotsURL, ETag: etag, LastModified: lastModified, Lines: lines})
	}
	return data, nil
}

// fail keeps the origin uncrawled until until, for err.
func (e *robotsEntry) fail(until time.Time, err error) error {
	e.err, e.errUntil = err, until
	return err
}

// robotsLines are the lines of a robots.txt that say something: without
// comments, blank lines or surrounding space. They are what is parsed, and
// what a source remembers as the robots.txt page's Lines, so that a 304 in
// the next process has the rules to keep.
func robotsLines(body []byte) []string {
	var out []string
	text := strings.TrimPrefix(string(body), "\ufeff")
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	for l := range strings.Lines(text) {
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func size(lines []string) int {
	n := 0
	for _, l := range lines {
		n += len(l) + 1
	}
	return n
}

// robotsAgent is the product token robots.txt groups match: "ospofeed".
func robotsAgent(ua string) string {
	if i := strings.IndexAny(ua, "/ "); i > 0 {
		return ua[:i]
	}
	return ua
}
