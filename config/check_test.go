package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// refusal is a configuration Parse must refuse with an error that starts
// with prefix ("file:line: field: ") and contains contains.
type refusal struct {
	name     string
	in       string
	prefix   string
	contains string
}

func testRefusals(t *testing.T, tests []refusal) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("bad.yaml", []byte(tt.in), kinds)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, nil; want an error %q...", tt.in, cfg, tt.prefix)
			}
			var got []string
			found := false
			for _, e := range flatten(err) {
				var ce *Error
				if !errors.As(e, &ce) || ce.File != "bad.yaml" {
					t.Errorf("Parse(%q) error %q (%T) is not a *config.Error naming bad.yaml", tt.in, e, e)
				}
				got = append(got, e.Error())
				if strings.HasPrefix(e.Error(), tt.prefix) && strings.Contains(e.Error(), tt.contains) {
					found = true
				}
			}
			if !found {
				t.Errorf("Parse(%q) = %q; want an error starting %q containing %q", tt.in, got, tt.prefix, tt.contains)
			}
		})
	}
}

// testAccepted checks that each configuration parses.
func testAccepted(t *testing.T, ins map[string]string) {
	t.Helper()
	for name, in := range ins {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse("ok.yaml", []byte(in), kinds); err != nil {
				t.Errorf("Parse(%q) = %v; want no error", in, err)
			}
		})
	}
}

func crawl(line string) string { return "crawl:\n  " + line + "\n" + base }

// Issue 6, point 5: a duration that bounds something is more than 0s.
func TestDurationBounds(t *testing.T) {
	testRefusals(t, []refusal{
		{"request_timeout 0s", crawl("request_timeout: 0s"),
			"bad.yaml:2: crawl.request_timeout: ", "must be more than 0s and at most 1h, not 0s"},
		{"request_timeout bare 0", crawl("request_timeout: 0"),
			"bad.yaml:2: crawl.request_timeout: ", "more than 0s"},
		{"request_timeout 2h", crawl("request_timeout: 2h"),
			"bad.yaml:2: crawl.request_timeout: ", "at most 1h, not 2h"},
		{"run_timeout 0s", crawl("run_timeout: 0s"),
			"bad.yaml:2: crawl.run_timeout: ", "must be more than 0s and at most 24h, not 0s"},
		{"run_timeout negative", crawl("run_timeout: -10m"),
			"bad.yaml:2: crawl.run_timeout: ", "not -10m"},
		{"run_timeout a week", crawl("run_timeout: 168h"),
			"bad.yaml:2: crawl.run_timeout: ", "at most 24h"},
		{"max_backoff 0s", crawl("max_backoff: 0s"),
			"bad.yaml:2: crawl.max_backoff: ", "must be more than 0s and at most 1h, not 0s"},
		{"max_backoff negative", crawl("max_backoff: -1m"),
			"bad.yaml:2: crawl.max_backoff: ", "not -1m"},
		{"delay_per_host negative", crawl("delay_per_host: -1ms"),
			"bad.yaml:2: crawl.delay_per_host: ", "must be between 0s and 1h, not -1ms"},
		{"delay_per_host a day", crawl("delay_per_host: 24h"),
			"bad.yaml:2: crawl.delay_per_host: ", "between 0s and 1h"},
		{"interval 0s", base + "    interval: 0s\n",
			"bad.yaml:5: sources[0].interval: ", "must be more than 0s and at most 8784h, not 0s"},
		{"interval negative", base + "    interval: -6h\n",
			"bad.yaml:5: sources[0].interval: ", "not -6h"},
		{"not a duration", crawl("max_backoff: 5"),
			"bad.yaml:2: crawl.max_backoff: ", `must be a duration such as 250ms, 30s or 6h, not "5"`},
	})
	testAccepted(t, map[string]string{
		"delay_per_host 0s":     crawl("delay_per_host: 0s"),
		"delay_per_host bare 0": crawl("delay_per_host: 0"),
		"upper bounds": "crawl:\n  delay_per_host: 1h\n  request_timeout: 1h\n  run_timeout: 24h\n  max_backoff: 1h\n" +
			base + "    interval: 8784h\n",
		"small": "crawl:\n  request_timeout: 1ms\n  run_timeout: 1s\n  max_backoff: 1ms\n" + base + "    interval: 1m\n",
	})
}

// Issue 6, point 6: the crawler is never pointed at credentials, another
// scheme, or (without allow_private) a private address.
func TestFetchURLs(t *testing.T) {
	src := func(url string) string {
		return "sources:\n  - id: a\n    kind: un-event\n    url: " + url + "\n"
	}
	var tests []refusal
	for _, u := range []string{
		"http://127.0.0.1/a", "http://127.0.0.1:8080/a", "http://169.254.169.254/latest/meta-data/",
		"http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/", "http://100.64.0.1/",
		"http://0.0.0.0/", "http://224.0.0.1/", "http://255.255.255.255/",
		"http://[::1]/", "http://[fc00::1]/", "http://[fd12:3456::1]/", "http://[fe80::1%25eth0]/",
		"http://[::]/", "http://[::ffff:127.0.0.1]/", "http://[ff02::1]/",
		"http://localhost/", "http://LOCALHOST./", "http://api.localhost:8080/",
	} {
		tests = append(tests, refusal{u, src(u), "bad.yaml:4: sources[0].url: ", "set crawl.allow_private: true"})
	}
	tests = append(tests, []refusal{
		{"credentials", src("https://user:secret@www.un.org/a"),
			"bad.yaml:4: sources[0].url: ", `"https://user:xxxxx@www.un.org/a": credentials (user:password@) are not allowed`},
		{"user only", src("https://user@www.un.org/a"),
			"bad.yaml:4: sources[0].url: ", "credentials"},
		{"javascript", src("javascript:alert(1)//"),
			"bad.yaml:4: sources[0].url: ", "scheme must be https or http"},
		{"file", src("file:///etc/passwd"),
			"bad.yaml:4: sources[0].url: ", "scheme must be https or http"},
		{"decimal IP in disguise", src("http://2130706433/"),
			"bad.yaml:4: sources[0].url: ", "neither a host name nor an IP address"},
		{"short IP in disguise", src("http://127.1/"),
			"bad.yaml:4: sources[0].url: ", "neither a host name nor an IP address"},
		{"hex IP in disguise", src("http://0x7f000001/"),
			"bad.yaml:4: sources[0].url: ", "neither a host name nor an IP address"},
		{"port 0", src("https://www.un.org:0/a"),
			"bad.yaml:4: sources[0].url: ", `port "0" must be a number from 1 to 65535`},
		{"kaltura endpoint on the metadata address", "kaltura:\n  endpoint: http://169.254.169.254\n" + base,
			"bad.yaml:2: kaltura.endpoint: ", "non-public address"},
		{"kaltura endpoint localhost", "kaltura:\n  endpoint: http://localhost:9000\n" + base,
			"bad.yaml:2: kaltura.endpoint: ", "localhost"},
		{"kaltura endpoint credentials", "kaltura:\n  endpoint: https://u:p@kaltura.example.org\n" + base,
			"bad.yaml:2: kaltura.endpoint: ", "credentials"},
		{"contact credentials", "contact: https://u:p@example.org\n" + base,
			"bad.yaml:1: contact: ", "credentials"},
		{"allowed_hosts with a scheme", base + "    allowed_hosts: [https://www.un.org]\n",
			"bad.yaml:5: sources[0].allowed_hosts[0]: ", "not a host name"},
		{"allowed_hosts with a port", base + "    allowed_hosts: [www.un.org, \"www.un.org:443\"]\n",
			"bad.yaml:5: sources[0].allowed_hosts[1]: ", "not a host name"},
	}...)
	testRefusals(t, tests)
	private := "crawl:\n  allow_private: true\nkaltura:\n  endpoint: http://127.0.0.1:9000\n"
	testAccepted(t, map[string]string{
		"public IP":                   src("http://8.8.8.8/a"),
		"public IPv6":                 src("https://[2001:4860:4860::8888]/a"),
		"port":                        src("https://www.un.org:8443/a"),
		"allow_private loopback":      private + src("http://127.0.0.1:8080/a"),
		"allow_private v6":            private + src("http://[::1]:8080/a"),
		"allow_private metadata":      private + src("http://169.254.169.254/"),
		"allow_private localhost":     private + src("http://localhost:8080/"),
		"allowed_hosts":               base + "    allowed_hosts: [www.un.org, media.un.org, 8.8.8.8, bücher.example]\n",
		"allow_private after sources": src("http://127.0.0.1/") + "crawl:\n  allow_private: true\n",
	})
}

// Issue 6, point 7: crawl.connect_to maps host names to host:port.
func TestConnectTo(t *testing.T) {
	ct := func(lines string) string { return "crawl:\n  allow_private: true\n  connect_to:\n" + lines + base }
	testRefusals(t, []refusal{
		{"not an address", ct("    www.un.org: 'not an address'\n"),
			"bad.yaml:4: crawl.connect_to.www.un.org: ", `"not an address": want host:port`},
		{"no port", ct("    www.un.org: 127.0.0.1\n"),
			"bad.yaml:4: crawl.connect_to.www.un.org: ", "missing port"},
		{"port 0", ct("    www.un.org: 127.0.0.1:0\n"),
			"bad.yaml:4: crawl.connect_to.www.un.org: ", `port "0" must be a number from 1 to 65535`},
		{"port too large", ct("    www.un.org: 127.0.0.1:65536\n"),
			"bad.yaml:4: crawl.connect_to.www.un.org: ", "from 1 to 65535"},
		{"port name", ct("    www.un.org: 127.0.0.1:http\n"),
			"bad.yaml:4: crawl.connect_to.www.un.org: ", `port "http"`},
		{"no host", ct("    www.un.org: ':8080'\n"),
			"bad.yaml:4: crawl.connect_to.www.un.org: ", "missing host"},
		{"bad host", ct("    www.un.org: 'exa mple:80'\n"),
			"bad.yaml:4: crawl.connect_to.www.un.org: ", "not a host name"},
		{"URL target", ct("    www.un.org: http://127.0.0.1:80\n"),
			"bad.yaml:4: crawl.connect_to.www.un.org: ", "want host:port"},
		{"key with a port", ct("    'www.un.org:443': 127.0.0.1:8081\n"),
			"bad.yaml:4: crawl.connect_to.www.un.org:443: ", "a key is the host name"},
		{"key is a URL", ct("    'https://www.un.org': 127.0.0.1:8081\n"),
			"bad.yaml:4: crawl.connect_to.https://www.un.org: ", "not a host name"},
		{"key twice", ct("    www.un.org: 127.0.0.1:8081\n    www.un.org: 127.0.0.1:8082\n"),
			"bad.yaml:5: crawl.connect_to.www.un.org: ", "given twice"},
		{"value a list", ct("    www.un.org: [127.0.0.1:8081]\n"),
			"bad.yaml:4: crawl.connect_to.www.un.org: ", "must be text"},
		{"not a mapping", "crawl:\n  connect_to: [x]\n" + base,
			"bad.yaml:2: crawl.connect_to: ", "must be a mapping"},
	})
	testAccepted(t, map[string]string{
		"IPv4":      ct("    www.un.org: 127.0.0.1:8081\n"),
		"IPv6":      ct("    www.un.org: '[::1]:8081'\n"),
		"host name": ct("    www.un.org: mirror.example.org:443\n    webtv.un.org: localhost:8082\n"),
	})
}

// Issue 6, point 9: every number has a range.
func TestIntegerBounds(t *testing.T) {
	testRefusals(t, []refusal{
		{"parallel_per_host 65", crawl("parallel_per_host: 65"),
			"bad.yaml:2: crawl.parallel_per_host: ", "must be between 1 and 64, not 65"},
		{"max_body_bytes 1023", crawl("max_body_bytes: 1023"),
			"bad.yaml:2: crawl.max_body_bytes: ", "must be between 1024 and 1073741824, not 1023"},
		{"max_body_bytes 10 GB", crawl("max_body_bytes: 10_000_000_000"),
			"bad.yaml:2: crawl.max_body_bytes: ", "must be between 1024 and 1073741824"},
		{"max_retries 21", crawl("max_retries: 21"),
			"bad.yaml:2: crawl.max_retries: ", "must be between 0 and 20, not 21"},
		{"retry_budget 1001", crawl("retry_budget: 1001"),
			"bad.yaml:2: crawl.retry_budget: ", "must be between 0 and 1000, not 1001"},
		{"retry_budget negative", crawl("retry_budget: -1"),
			"bad.yaml:2: crawl.retry_budget: ", "must be between 0 and 1000, not -1"},
		{"max_redirects 21", crawl("max_redirects: 21"),
			"bad.yaml:2: crawl.max_redirects: ", "must be between 0 and 20, not 21"},
		{"max_redirects negative", crawl("max_redirects: -1"),
			"bad.yaml:2: crawl.max_redirects: ", "must be between 0 and 20"},
		{"partner_id 0", "kaltura:\n  partner_id: 0\n" + base,
			"bad.yaml:2: kaltura.partner_id: ", "must be between 1 and 2147483647, not 0"},
		{"partner_id past int32", "kaltura:\n  partner_id: 2147483648\n" + base,
			"bad.yaml:2: kaltura.partner_id: ", "must be between 1 and 2147483647"},
		{"partner_id past int64", "kaltura:\n  partner_id: 99999999999999999999\n" + base,
			"bad.yaml:2: kaltura.partner_id: ", "must be a whole number"},
		{"min_items", base + "    expect:\n      min_items: 1000000\n",
			"bad.yaml:6: sources[0].expect.min_items: ", "must be between 0 and 100000, not 1000000"},
	})
	testAccepted(t, map[string]string{
		"lower bounds": "crawl:\n  parallel_per_host: 1\n  max_body_bytes: 1024\n  max_retries: 0\n  retry_budget: 0\n  max_redirects: 0\n" +
			"kaltura:\n  partner_id: 1\n" + base + "    expect:\n      min_items: 0\n",
		"upper bounds": "crawl:\n  parallel_per_host: 64\n  max_body_bytes: 1_073_741_824\n  max_retries: 20\n  retry_budget: 1000\n  max_redirects: 20\n" +
			"kaltura:\n  partner_id: 2147483647\n" + base + "    expect:\n      min_items: 100000\n",
	})
}

// Issue 6, point 10: bytes YAML refuses are reported with their line.
func TestTextErrors(t *testing.T) {
	testRefusals(t, []refusal{
		{"invalid UTF-8", base + "    name: caf\xe9\n",
			"bad.yaml:5: ", "column 14 (byte offset 81): invalid UTF-8 (byte 0xe9)"},
		{"invalid UTF-8 after CRLF lines", "sources:\r\n  - id: a\r\n    name: \xff\r\n",
			"bad.yaml:3: ", "column 11 (byte offset 31): invalid UTF-8 (byte 0xff)"},
		{"truncated UTF-8 at the end", base + "    name: \xc3",
			"bad.yaml:5: ", "column 11 (byte offset 78): invalid UTF-8 (byte 0xc3)"},
		{"UTF-8 encoded surrogate", base + "    name: \xed\xa0\x80\n",
			"bad.yaml:5: ", "invalid UTF-8"},
		{"NUL", base + "    name: a\x00b\n",
			"bad.yaml:5: ", "column 12 (byte offset 79): NUL byte"},
		{"UTF-16 without a BOM", "s\x00o\x00u\x00",
			"bad.yaml:1: ", "column 2 (byte offset 1): NUL byte"},
		{"UTF-16 with a BOM", "\xff\xfes\x00o\x00",
			"bad.yaml:1: ", "column 1 (byte offset 0): invalid UTF-8 (byte 0xff)"},
		{"control character", base + "    name: a\x07b\n",
			"bad.yaml:5: ", "control character U+0007"},
		{"DEL", "sources:\n\x7f",
			"bad.yaml:2: ", "column 1 (byte offset 9): control character U+007F"},
		{"C1 control", base + "    name: \u0090\n",
			"bad.yaml:5: ", "control character U+0090"},
		{"lone CR counts as a line", "a: 1\rb: 2\r\x01",
			"bad.yaml:3: ", "control character U+0001"},
		{"too deep on line 1", "sources: " + strings.Repeat("[", 10001) + "\n",
			"bad.yaml:1: ", "exceeded max depth"},
		{"too deep from line 1 to line 2", "sources: " + strings.Repeat("[", 5000) + "\n" + strings.Repeat("[", 5001) + "\n",
			"bad.yaml:2: ", "exceeded max depth"},
		{"too deep after quoted brackets", "contact: \"[[[\" # [[[\nsources: " + strings.Repeat("{a: ", 5000) + "\n  " + strings.Repeat("{a: ", 5001) + "\n",
			"bad.yaml:3: ", "exceeded max depth"},
		{"too deep in blocks", "sources:\n" + deepBlocks(1200),
			"bad.yaml:3: sources[0]: ", "must be a mapping"},
		{"too large", base + "    name: " + strings.Repeat("x", MaxBytes) + "\n",
			"bad.yaml: ", "a configuration is at most 1048576 bytes"},
		{"unknown anchor", base + "    name: *nope\n",
			"bad.yaml:5: ", "unknown anchor 'nope' referenced"},
		{"unknown anchor, a longer alias first", base + "    name: *nopeno\n    keywords: [*nope]\n",
			"bad.yaml:5: ", "unknown anchor 'nopeno' referenced"},
		{"tab on line 1", "\tsources: []\n",
			"bad.yaml:1: ", "cannot start any token"},
		{"a second document", base + "---\nsources: []\n",
			"bad.yaml:6: ", "a second YAML document"},
	})
	testAccepted(t, map[string]string{
		"BOM":                "\ufeff" + base,
		"CRLF":               strings.ReplaceAll(base, "\n", "\r\n"),
		"tab and non-ASCII":  base + "    name: \"Semaine\tdu logiciel libre — 2025 🎉\"\n",
		"trailing ---":       base + "---\n",
		"document end":       base + "...\n",
		"explicit start":     "---\n" + base,
		"brackets in quotes": base + "    keywords: [\"[[[\", '{{{']\n",
	})
}

// deepBlocks is a block list nested n deep, one level a line.
func deepBlocks(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i) + "-\n")
	}
	return b.String()
}

// Issue 6, point 12: the one check of site.base_url, --base-url and
// OSPOFEED_BASE_URL.
func TestCheckBaseURL(t *testing.T) {
	tests := []struct {
		in   string
		want string // a fragment of the error; "" for none
	}{
		{"https://feeds.example.org", ""},
		{"http://localhost:8080", ""},
		{"https://example.org/ospofeed", ""},
		{"http://[::1]:8080", ""},
		{"javascript:alert(document.domain)//", "scheme must be https or http"},
		{"data:text/html,x", "scheme must be https or http"},
		{"//feeds.example.org", "scheme must be https or http"},
		{"feeds.example.org", "scheme must be https or http"},
		{"https:feeds.example.org", "has no host"},
		{"https://", "has no host"},
		{"https://u:p@feeds.example.org", "credentials"},
		{"https://feeds.example.org/?a=1", "no query"},
		{"https://feeds.example.org/?", "no query"},
		{"https://feeds.example.org/#top", "no fragment"},
		{"https://feeds.example.org/#", "no fragment"},
		{"https://feeds example.org", "invalid character"},
		{"https://feeds.example.org:99999", "port"},
		{"https://127.1", "neither a host name nor an IP address"},
		{"https://feeds.example.org/\x00", "invalid control character"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := CheckBaseURL(tt.in)
			if tt.want == "" {
				if err != nil {
					t.Errorf("CheckBaseURL(%q) = %v; want nil", tt.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckBaseURL(%q) = %v; want an error containing %q", tt.in, err, tt.want)
			}
		})
	}
	testRefusals(t, []refusal{
		{"site.base_url javascript", "site:\n  base_url: javascript:alert(document.domain)//\n" + base,
			"bad.yaml:2: site.base_url: ", "scheme must be https or http"},
		{"site.base_url query", "site:\n  base_url: https://feeds.example.org/?x=1\n" + base,
			"bad.yaml:2: site.base_url: ", "no query"},
		{"site.base_url credentials", "site:\n  base_url: https://u:p@feeds.example.org/\n" + base,
			"bad.yaml:2: site.base_url: ", "credentials"},
	})
}

// Issue 6, point 11: serve's --addr and OSPOFEED_ADDR.
func TestCheckListenAddr(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{":8080", ""},
		{":0", ""},
		{"127.0.0.1:8080", ""},
		{"0.0.0.0:80", ""},
		{"[::]:8080", ""},
		{"localhost:65535", ""},
		{"garbage", "missing port in address"},
		{"", "missing port in address"},
		{":", `port "" must be a number from 0 to 65535`},
		{":http", `port "http"`},
		{":65536", "from 0 to 65535"},
		{":-1", "from 0 to 65535"},
		{":+80", `port "+80"`},
		{"a b:80", "not a host name"},
		{"::1:80", "too many colons"},
		{"http://x:80", "too many colons"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			err := CheckListenAddr(tt.in)
			if tt.want == "" {
				if err != nil {
					t.Errorf("CheckListenAddr(%q) = %v; want nil", tt.in, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckListenAddr(%q) = %v; want an error containing %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestShortDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{time.Hour, "1h"}, {24 * time.Hour, "24h"}, {10 * time.Minute, "10m"}, {90 * time.Second, "1m30s"},
		{250 * time.Millisecond, "250ms"}, {0, "0s"}, {time.Hour + time.Second, "1h0m1s"},
	}
	for _, tt := range tests {
		if got := shortDuration(tt.in); got != tt.want {
			t.Errorf("shortDuration(%v) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestManyErrorsCapped(t *testing.T) {
	in := "sources:\n" + strings.Repeat("  - x\n", 1000)
	_, err := Parse("bad.yaml", []byte(in), kinds)
	errs := flatten(err)
	if len(errs) != maxErrors+1 {
		t.Fatalf("Parse(1000 bad sources) = %d errors; want %d and a summary", len(errs), maxErrors)
	}
	if got, want := errs[maxErrors].Error(), "bad.yaml: and 3950 more errors"; got != want {
		t.Errorf("Parse(1000 bad sources) last error = %q; want %q", got, want)
	}
}
