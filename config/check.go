package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/ospofeed/ospofeed"
)

// CheckBaseURL reports whether s can be the public address of the site: an
// absolute http or https URL with a host, without credentials, query or
// fragment. site.base_url, --base-url and OSPOFEED_BASE_URL all pass
// through it, since the value ends up in every feed's self link and every
// page's links: `javascript:alert(1)//` must never get there.
func CheckBaseURL(s string) error {
	u, err := webURL(s)
	if err != nil {
		return err
	}
	if u.RawQuery != "" || u.ForceQuery {
		return fmt.Errorf("%q: a base URL takes no query (?...)", s)
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return fmt.Errorf("%q: a base URL takes no fragment (#...)", s)
	}
	return nil
}

// CheckListenAddr reports whether addr is an address serve can listen on:
// host:port, the host empty, an IP address or a host name, the port a
// number from 0 to 65535 (0: any free port).
func CheckListenAddr(addr string) error {
	return checkHostPort(addr, 0, false)
}

// webURL parses an absolute http or https URL with a valid host and no
// credentials: user:password@ in a configured URL would be sent to every
// host it redirects to, and shown in every log line that names the URL.
func webURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("%q: scheme must be https or http", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", s)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q: credentials (user:password@) are not allowed in a URL", u.Redacted())
	}
	if p := u.Port(); p != "" {
		if err := checkPort(p, 1); err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
	}
	if err := checkHost(u.Hostname()); err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	return u, nil
}

// fetchURL checks a URL the crawler will fetch: a web URL whose host is,
// unless allowPrivate, neither localhost nor a non-public IP address. The
// dial guard refuses those addresses too, but only at the first crawl;
// here the operator learns it before anything runs.
func fetchURL(s string, allowPrivate bool) error {
	u, err := webURL(s)
	if err != nil {
		return err
	}
	if allowPrivate {
		return nil
	}
	if why := nonPublicHost(u.Hostname()); why != "" {
		return fmt.Errorf("%q: host is %s (set crawl.allow_private: true to allow it)", s, why)
	}
	return nil
}

// checkHostPort checks host:port with a port from minPort to 65535; the
// host may be empty unless needHost.
func checkHostPort(addr string, minPort int, needHost bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port: %w", err)
	}
	if err := checkPort(port, minPort); err != nil {
		return err
	}
	if host == "" {
		if needHost {
			return errors.New("want host:port: missing host")
		}
		return nil
	}
	return checkHost(host)
}

func checkPort(port string, min int) error {
	n, err := strconv.Atoi(port)
	if err != nil || strings.TrimLeft(port, "0123456789") != "" || n < min || n > 65535 {
		return fmt.Errorf("port %q must be a number from %d to 65535", port, min)
	}
	return nil
}

// checkHost accepts an IP address or a host name: dot-separated labels of
// letters, digits, dashes and underscores. A name whose last label is a
// number (127.1, 2130706433, 0x7f.1) is an IP address in disguise, which
// some resolvers accept and the checks above would miss.
func checkHost(h string) error {
	if _, err := netip.ParseAddr(h); err == nil {
		return nil
	}
	name := strings.TrimSuffix(h, ".")
	if name == "" || len(name) > 253 {
		return fmt.Errorf("host %q is not a host name", h)
	}
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return fmt.Errorf("host %q is not a host name", h)
		}
		for _, r := range l {
			if r != '-' && r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return fmt.Errorf("host %q is not a host name (letters, digits, dashes and dots; no scheme, port or path)", h)
			}
		}
	}
	if numeric(labels[len(labels)-1]) {
		return fmt.Errorf("host %q is neither a host name nor an IP address", h)
	}
	return nil
}

// numeric reports whether a label is a decimal or 0x number.
func numeric(l string) bool {
	l = strings.ToLower(l)
	if rest, ok := strings.CutPrefix(l, "0x"); ok {
		l = rest
		return strings.Trim(l, "0123456789abcdef") == ""
	}
	return strings.Trim(l, "0123456789") == ""
}

// nonPublicHost says why a crawler must not fetch from host unless the
// configuration allows private addresses, or "" when it may.
func nonPublicHost(h string) string {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return "localhost"
	}
	if ip, err := netip.ParseAddr(h); err == nil && !ospofeed.PublicAddr(ip) {
		return "a loopback, private, link-local or otherwise non-public address"
	}
	return ""
}
