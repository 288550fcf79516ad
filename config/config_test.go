package config

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

// kinds are two of the source kinds the scrapers provide (config's own
// tests cannot import scraper, which imports config); default_test.go
// checks the embedded default against scraper.Kinds().
var kinds = []string{"un-event", "unwebtv-schedule"}

// base is the smallest valid configuration: one source on lines 1-4.
const base = `sources:
  - id: a
    kind: un-event
    url: https://www.un.org/a
`

func mustParse(t *testing.T, data string) *Config {
	t.Helper()
	cfg, err := Parse("test.yaml", []byte(data), kinds)
	if err != nil {
		t.Fatalf("Parse(test.yaml) = %v; want no error", err)
	}
	return cfg
}

// flatten returns the leaves of an errors.Join tree.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func TestDefaultsWhenOmitted(t *testing.T) {
	cfg := mustParse(t, base)
	src := cfg.Sources[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"Site.BaseURL", cfg.Site.BaseURL, "http://localhost:8080"},
		{"Crawl.ParallelPerHost", cfg.Crawl.ParallelPerHost, 2},
		{"Crawl.DelayPerHost", cfg.Crawl.DelayPerHost, 250 * time.Millisecond},
		{"Crawl.MaxRetries", cfg.Crawl.MaxRetries, 3},
		{"Kaltura.Enabled", cfg.Kaltura.Enabled, true},
		{"Kaltura.Endpoint", cfg.Kaltura.Endpoint, "https://cdnapisec.kaltura.com"},
		{"Kaltura.PartnerID", cfg.Kaltura.PartnerID, 2503451},
		{"Sources[0].Name", src.Name, "a"},
		{"Sources[0].Schedule", src.Schedule, "@every 6h"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Parse(minimal).%s = %v; want %v", c.name, c.got, c.want)
		}
	}
}

func TestExplicitValues(t *testing.T) {
	cfg := mustParse(t, `contact: mailto:ops@example.org
site:
  base_url: https://feeds.example.org/
crawl:
  parallel_per_host: 4
  delay_per_host: 1s
  max_body_bytes: 1_048_576
  allow_private: true
  connect_to:
    www.un.org: 127.0.0.1:8081
    webtv.un.org: 127.0.0.1:8082
kaltura:
  endpoint: https://kaltura.example.org/
  partner_id: 42
`+base)
	checks := []struct {
		name      string
		got, want any
	}{
		{"Site.BaseURL (trailing slash trimmed)", cfg.Site.BaseURL, "https://feeds.example.org"},
		{"Crawl.ParallelPerHost", cfg.Crawl.ParallelPerHost, 4},
		{"Crawl.DelayPerHost", cfg.Crawl.DelayPerHost, time.Second},
		{"Crawl.MaxBodyBytes", cfg.Crawl.MaxBodyBytes, int64(1 << 20)},
		{"Crawl.AllowPrivate", cfg.Crawl.AllowPrivate, true},
		{"Crawl.ConnectTo[www.un.org]", cfg.Crawl.ConnectTo["www.un.org"], "127.0.0.1:8081"},
		{"Crawl.ConnectTo[webtv.un.org]", cfg.Crawl.ConnectTo["webtv.un.org"], "127.0.0.1:8082"},
		{"len(Crawl.ConnectTo)", len(cfg.Crawl.ConnectTo), 2},
		{"Kaltura.Endpoint", cfg.Kaltura.Endpoint, "https://kaltura.example.org"},
		{"Kaltura.PartnerID", cfg.Kaltura.PartnerID, 42},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("Parse().%s = %v; want %v", c.name, c.got, c.want)
		}
	}
	if got, want := cfg.UserAgent("1.2.3"), "ospofeed/1.2.3 (+mailto:ops@example.org)"; got != want {
		t.Errorf("UserAgent(1.2.3) = %q; want %q", got, want)
	}
}

func TestExpect(t *testing.T) {
	cfg := mustParse(t, base+"    expect:\n      min_items: 3\n      required: [title, duration]\n")
	e := cfg.Sources[0].Expect
	if e == nil || e.MinItems != 3 || !slices.Equal(e.Required, []string{"title", "duration"}) {
		t.Errorf("Parse(expect).Sources[0].Expect = %+v; want {MinItems:3 Required:[title duration]}", e)
	}
	if cfg := mustParse(t, base); cfg.Sources[0].Expect != nil {
		t.Errorf("Parse(no expect).Sources[0].Expect = %+v; want nil (the kind's defaults)", cfg.Sources[0].Expect)
	}
}

func TestUserAgent(t *testing.T) {
	cfg := mustParse(t, base)
	tests := []struct{ version, want string }{
		{"1.2.3", "ospofeed/1.2.3 (+https://github.com/ospofeed/ospofeed)"},
		{"dev", "ospofeed/dev (+https://github.com/ospofeed/ospofeed)"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			if got := cfg.UserAgent(tt.version); got != tt.want {
				t.Errorf("UserAgent(%q) = %q; want %q", tt.version, got, tt.want)
			}
		})
	}
}

func TestSourceLookup(t *testing.T) {
	cfg := mustParse(t, base+`  - id: s
    kind: unwebtv-schedule
    url: https://webtv.un.org/en/schedule
`)
	tests := []struct {
		id      string
		wantOK  bool
		wantURL string
	}{
		{"a", true, "https://www.un.org/a"},
		{"s", true, "https://webtv.un.org/en/schedule"},
		{"A", false, ""},
		{"nope", false, ""},
		{"", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			src, ok := cfg.Source(tt.id)
			if ok != tt.wantOK || src.URL != tt.wantURL {
				t.Errorf("Source(%q) = %q, %v; want %q, %v", tt.id, src.URL, ok, tt.wantURL, tt.wantOK)
			}
		})
	}
}

func TestInterval(t *testing.T) {
	tests := []struct {
		name string
		src  ospofeed.Source
		want time.Duration
	}{
		{"weekly cron", ospofeed.Source{Schedule: "15 4 * * 1"}, 7 * 24 * time.Hour},
		{"every six hours", ospofeed.Source{Schedule: "45 */6 * * *"}, 6 * time.Hour},
		{"every descriptor", ospofeed.Source{Schedule: "@every 90m"}, 90 * time.Minute},
		{"daily descriptor", ospofeed.Source{Schedule: "@daily"}, 24 * time.Hour},
		{"explicit interval wins", ospofeed.Source{Schedule: "15 4 * * 1", Interval: 2 * time.Hour}, 2 * time.Hour},
		{"unparsable schedule", ospofeed.Source{Schedule: "nonsense"}, 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Interval(tt.src); got != tt.want {
				t.Errorf("Interval(%q, %s) = %s; want %s", tt.src.Schedule, tt.src.Interval, got, tt.want)
			}
		})
	}
}

func TestIntervalOfParsedSources(t *testing.T) {
	cfg := mustParse(t, `sources:
  - id: weekly
    kind: un-event
    url: https://www.un.org/w
    schedule: "15 4 * * 1"
  - id: weekly-3h
    kind: un-event
    url: https://www.un.org/w3
    schedule: "15 4 * * 1"
    interval: 3h
  - id: every
    kind: un-event
    url: https://www.un.org/e
    schedule: "@every 90m"
  - id: unset
    kind: un-event
    url: https://www.un.org/u
`)
	tests := []struct {
		id   string
		want time.Duration
	}{
		{"weekly", 7 * 24 * time.Hour},
		{"weekly-3h", 3 * time.Hour}, // interval: wins over the schedule
		{"every", 90 * time.Minute},
		{"unset", 6 * time.Hour}, // the default schedule, @every 6h
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			src, ok := cfg.Source(tt.id)
			if !ok {
				t.Fatalf("Source(%q) not found", tt.id)
			}
			if got := Interval(src); got != tt.want {
				t.Errorf("Interval(%s) = %s; want %s", tt.id, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		// prefix is the exact "file:line: field: " start of one of the
		// errors; contains is a fragment of the same error.
		prefix   string
		contains string
	}{
		{"unknown top-level key", "colour: red\n" + base,
			"bad.yaml:1: colour: ", "unknown field"},
		{"unknown source key", base + "    schedul: \"@daily\"\n",
			"bad.yaml:5: sources[0].schedul: ", "known: id, kind"},
		{"parallel_per_host not a number", "crawl:\n  parallel_per_host: two\n" + base,
			"bad.yaml:2: crawl.parallel_per_host: ", `must be a whole number, not "two"`},
		{"parallel_per_host zero", "crawl:\n  parallel_per_host: 0\n" + base,
			"bad.yaml:2: crawl.parallel_per_host: ", "must be between 1 and 64, not 0"},
		{"allow_private not a bool", "crawl:\n  allow_private: maybe\n" + base,
			"bad.yaml:2: crawl.allow_private: ", `true or false, not "maybe"`},
		{"delay_per_host not a duration", "crawl:\n  delay_per_host: fast\n" + base,
			"bad.yaml:2: crawl.delay_per_host: ", `not "fast"`},
		{"negative duration", "crawl:\n  request_timeout: -1s\n" + base,
			"bad.yaml:2: crawl.request_timeout: ", "must be more than 0s and at most 1h, not -1s"},
		{"negative max_retries", "crawl:\n  max_retries: -1\n" + base,
			"bad.yaml:2: crawl.max_retries: ", "must be between 0 and 20, not -1"},
		{"crawl not a mapping", "crawl: fast\n" + base,
			"bad.yaml:1: crawl: ", "must be a mapping"},
		{"keywords not a list", base + "    keywords: \"x\"\n",
			"bad.yaml:5: sources[0].keywords: ", `must be a list, not "x"`},
		{"empty keyword", base + "    keywords: [\"\"]\n",
			"bad.yaml:5: sources[0].keywords[0]: ", "non-empty text"},
		// Nothing ever read options: a key that does nothing is an error.
		{"options", base + "    options: {colour: red}\n",
			"bad.yaml:5: sources[0].options: ", "unknown field"},
		{"field twice", base + "    url: https://www.un.org/b\n",
			"bad.yaml:5: sources[0].url: ", "given twice"},
		{"missing id", "sources:\n  - kind: un-event\n    url: https://www.un.org/a\n",
			"bad.yaml:2: sources[0].id: ", "missing"},
		{"missing kind", "sources:\n  - id: a\n    url: https://www.un.org/a\n",
			"bad.yaml:2: sources[0].kind: ", "missing (one of: un-event, unwebtv-schedule)"},
		{"missing url", "sources:\n  - id: a\n    kind: un-event\n",
			"bad.yaml:2: sources[0].url: ", "missing"},
		{"bad id", "sources:\n  - id: Bad ID\n    kind: un-event\n    url: https://www.un.org/a\n",
			"bad.yaml:2: sources[0].id: ", `"Bad ID" must be lower-case letters, digits and dashes`},
		{"duplicate id", base + "  - id: a\n    kind: un-event\n    url: https://www.un.org/b\n",
			"bad.yaml:5: sources[1].id: ", "already the id of the source on line 2"},
		{"unknown kind", "sources:\n  - id: a\n    kind: un-events\n    url: https://www.un.org/a\n",
			"bad.yaml:3: sources[0].kind: ", `unknown kind "un-events" (one of: un-event, unwebtv-schedule)`},
		{"ftp url", "sources:\n  - id: a\n    kind: un-event\n    url: ftp://www.un.org/a\n",
			"bad.yaml:4: sources[0].url: ", "scheme must be https or http"},
		{"url without host", "sources:\n  - id: a\n    kind: un-event\n    url: https:///a\n",
			"bad.yaml:4: sources[0].url: ", "has no host"},
		{"bad contact", "contact: ftp://example.org\n" + base,
			"bad.yaml:1: contact: ", "scheme must be"},
		{"bad base_url", "site:\n  base_url: localhost:8080\n" + base,
			"bad.yaml:2: site.base_url: ", "scheme must be https or http"},
		{"bad kaltura endpoint", "kaltura:\n  endpoint: kaltura\n" + base,
			"bad.yaml:2: kaltura.endpoint: ", "scheme must be"},
		{"bad cron", base + "    schedule: \"61 * * * *\"\n",
			"bad.yaml:5: sources[0].schedule: ", `"61 * * * *" is not a cron schedule`},
		{"cron that never fires", base + "    schedule: \"0 0 30 2 *\"\n",
			"bad.yaml:5: sources[0].schedule: ", "never fires"},
		{"negative every", base + "    schedule: \"@every -1h\"\n",
			"bad.yaml:5: sources[0].schedule: ", "at least 1s"},
		{"TZ prefix without schedule", base + "    schedule: \"TZ=UTC\"\n",
			"bad.yaml:5: sources[0].schedule: ", "TZ= prefix"},
		{"events names an unknown source", base + "  - id: s\n    kind: unwebtv-schedule\n    url: https://webtv.un.org/en/schedule\n    events: [a, nope]\n",
			"bad.yaml:8: sources[1].events: ", `no source has the id "nope"`},
		{"events after a rejected source", "sources:\n  - id: x\n    kind: bad\n    url: https://www.un.org/x\n" +
			"  - id: a\n    kind: un-event\n    url: https://www.un.org/a\n" +
			"  - id: s\n    kind: unwebtv-schedule\n    url: https://webtv.un.org/en/schedule\n    events: [nope]\n",
			"bad.yaml:11: sources[2].events: ", `no source has the id "nope"`},
		{"expect min_items negative", base + "    expect:\n      min_items: -1\n",
			"bad.yaml:6: sources[0].expect.min_items: ", "must be between 0 and 100000, not -1"},
		{"expect required unknown", base + "    expect:\n      required: [title, colour]\n",
			"bad.yaml:6: sources[0].expect.required[1]: ", `unknown field "colour"`},
		{"expect unknown key", base + "    expect:\n      max_items: 3\n",
			"bad.yaml:6: sources[0].expect.max_items: ", "unknown field"},
		{"yaml syntax", "a: 1\nb: c: d\n",
			"bad.yaml:2: ", "mapping values are not allowed"},
		{"empty file", "",
			"bad.yaml: ", "empty configuration"},
		{"only comments", "# nothing here\n",
			"bad.yaml: ", "empty configuration"},
		{"not a mapping", "just text\n",
			"bad.yaml:1: ", "must be a mapping"},
		{"no sources key", "contact: https://example.org\n",
			"bad.yaml:1: sources: ", "missing"},
		{"sources empty list", "sources: []\n",
			"bad.yaml:1: sources: ", "at least one source"},
		{"sources not a list", "sources: a\n",
			"bad.yaml:1: sources: ", "must be a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("bad.yaml", []byte(tt.in), kinds)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, nil; want an error %q...", tt.in, cfg, tt.prefix)
			}
			if cfg != nil {
				t.Errorf("Parse(%q) returned a config with its error", tt.in)
			}
			var found bool
			for _, e := range flatten(err) {
				var ce *Error
				if !errors.As(e, &ce) {
					t.Errorf("Parse(%q) error %q (%T) is not a *config.Error", tt.in, e, e)
					continue
				}
				if ce.File != "bad.yaml" {
					t.Errorf("Parse(%q) error %q names file %q; want bad.yaml", tt.in, e, ce.File)
				}
				if strings.HasPrefix(e.Error(), tt.prefix) && strings.Contains(e.Error(), tt.contains) {
					found = true
				}
			}
			if !found {
				t.Errorf("Parse(%q) = %q; want an error starting %q containing %q", tt.in, err, tt.prefix, tt.contains)
			}
		})
	}
}

func TestErrorFields(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Error
		wrap string // the message of the wrapped error
		text string // the start of the Error() text, all of it when stable
	}{
		{"unknown source key", base + "    schedul: x\n",
			Error{File: "f.yaml", Line: 5, Field: "sources[0].schedul"}, "",
			"f.yaml:5: sources[0].schedul: unknown field (known: id, kind, name, url, schedule, "},
		{"wrong type", "crawl:\n  parallel_per_host: two\n" + base,
			Error{File: "f.yaml", Line: 2, Field: "crawl.parallel_per_host"}, `must be a whole number, not "two"`,
			`f.yaml:2: crawl.parallel_per_host: must be a whole number, not "two"`},
		{"yaml syntax", "a: 1\nb: c: d\n",
			Error{File: "f.yaml", Line: 2}, "mapping values are not allowed in this context",
			"f.yaml:2: mapping values are not allowed in this context"},
		{"empty", "",
			Error{File: "f.yaml"}, "empty configuration",
			"f.yaml: empty configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.in), kinds)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse(%q) = %v (%T); want a *config.Error", tt.in, err, err)
			}
			if ce.File != tt.want.File || ce.Line != tt.want.Line || ce.Field != tt.want.Field {
				t.Errorf("Parse(%q) = Error{%q, %d, %q}; want Error{%q, %d, %q}",
					tt.in, ce.File, ce.Line, ce.Field, tt.want.File, tt.want.Line, tt.want.Field)
			}
			if tt.wrap != "" && (ce.Err == nil || ce.Err.Error() != tt.wrap || errors.Unwrap(ce) != ce.Err) {
				t.Errorf("Parse(%q).Err = %v; want %q, returned by Unwrap", tt.in, ce.Err, tt.wrap)
			}
			if got := ce.Error(); !strings.HasPrefix(got, tt.text) {
				t.Errorf("Parse(%q).Error() = %q; want %q...", tt.in, got, tt.text)
			}
		})
	}
}

func TestSeveralErrorsReported(t *testing.T) {
	in := `colour: red
crawl:
  parallel_per_host: two
  allow_private: maybe
  delay_per_host: fast
  max_retries: -1
sources:
  - id: Bad ID
    kind: un-events
    url: ftp://www.un.org/a
    schedule: "61 * * * *"
    keywords: "x"
`
	_, err := Parse("many.yaml", []byte(in), kinds)
	want := []string{
		"many.yaml:1: colour: ",
		"many.yaml:3: crawl.parallel_per_host: ",
		"many.yaml:4: crawl.allow_private: ",
		"many.yaml:5: crawl.delay_per_host: ",
		"many.yaml:6: crawl.max_retries: ",
		"many.yaml:8: sources[0].id: ",
		"many.yaml:9: sources[0].kind: ",
		"many.yaml:10: sources[0].url: ",
		"many.yaml:11: sources[0].schedule: ",
		"many.yaml:12: sources[0].keywords: ",
	}
	errs := flatten(err)
	var got []string
	for _, e := range errs {
		got = append(got, e.Error())
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, w) }) {
			t.Errorf("Parse(many.yaml) lacks an error starting %q; got:\n%s", w, strings.Join(got, "\n"))
		}
	}
	if len(errs) != len(want) {
		t.Errorf("Parse(many.yaml) = %d errors; want %d:\n%s", len(errs), len(want), strings.Join(got, "\n"))
	}
}

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		spec string
		ok   bool
	}{
		{"15 4 * * 1", true},
		{"@every 90m", true},
		{"@daily", true},
		{"CRON_TZ=UTC 0 4 * * *", true},
		{"0 0 29 2 *", true}, // leap days come
		{"61 * * * *", false},
		{"* * * * * *", false}, // no seconds field
		{"", false},
		{"TZ=UTC", false},
		{"CRON_TZ=UTC", false},
		{"@every 0s", false},
		{"@every -1h", false},
		{"@every 500ms", false},
		{"0 0 30 2 *", false},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			s, err := ParseSchedule(tt.spec)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseSchedule(%q) = %v; want ok %v", tt.spec, err, tt.ok)
			}
			if tt.ok && s == nil {
				t.Errorf("ParseSchedule(%q) = nil schedule", tt.spec)
			}
		})
	}
}

// FuzzParse checks that no input makes Parse panic and that every error it
// returns is a *config.Error naming the file. `go test` runs the seeds only;
// `go test -fuzz FuzzParse ./config` explores.
func FuzzParse(f *testing.F) {
	f.Add(Default())
	f.Add([]byte(base))
	f.Add([]byte(""))
	f.Add([]byte("---\n"))
	f.Add([]byte("a: 1\nb: c: d\n"))
	f.Add([]byte("crawl:\n  parallel_per_host: two\n  connect_to: [x]\n" + base))
	f.Add([]byte(base + "    schedule: \"TZ=UTC\"\n"))
	f.Add([]byte(base + "    events: [nope]\n    keywords: *x\n"))
	f.Add([]byte("sources: &s [*s]\n"))
	f.Add([]byte("? [a]\n: b\nsources:\n  - !!binary aGk=\n"))
	// Every kind the default uses, so that its seed explores success.
	fuzzKinds := []string{"un-event", "unwebtv-schedule", "feed", "html", "ospo-directory"}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.yaml"
		cfg, err := Parse(name, data, fuzzKinds)
		if err == nil {
			if cfg == nil || len(cfg.Sources) == 0 {
				t.Fatalf("Parse(%q) = %v, nil; want sources or an error", data, cfg)
			}
			for _, s := range cfg.Sources {
				if _, err := ParseSchedule(s.Schedule); err != nil {
					t.Errorf("Parse(%q) accepted schedule %q: %v", data, s.Schedule, err)
				}
			}
			return
		}
		for _, e := range flatten(err) {
			var ce *Error
			if !errors.As(e, &ce) {
				t.Fatalf("Parse(%q) error %q (%T) is not a *config.Error", data, e, e)
			}
			if ce.File != name || !strings.HasPrefix(e.Error(), name) {
				t.Fatalf("Parse(%q) error %q does not name %s", data, e, name)
			}
		}
	})
}

func ExampleParse() {
	_, err := Parse("ospofeed.yaml", []byte("crawl:\n  parallel_per_host: two\n"+base+"    schedule: \"61 * * * *\"\n"), kinds)
	fmt.Println(err)
	// Output:
	// ospofeed.yaml:2: crawl.parallel_per_host: must be a whole number, not "two"
	// ospofeed.yaml:7: sources[0].schedule: "61 * * * *" is not a cron schedule: end of range (61) above maximum (59): 61
}

func TestExpectPartialOverride(t *testing.T) {
	y := "sources:\n  - id: a\n    kind: un-event\n    url: https://www.un.org/a\n    expect: {required: [date]}\n" +
		"  - id: b\n    kind: un-event\n    url: https://www.un.org/b\n    expect: {min_items: 0, volatile: true}\n"
	cfg, err := Parse("t.yaml", []byte(y), []string{"un-event"})
	if err != nil {
		t.Fatal(err)
	}
	a, b := cfg.Sources[0].Expect, cfg.Sources[1].Expect
	if a.MinItems != -1 || len(a.Required) != 1 || a.Volatile {
		t.Errorf("expect {required: [date]} = %+v; want MinItems -1 (the kind's), Required [date]", *a)
	}
	if b.MinItems != 0 || b.Required != nil || !b.Volatile {
		t.Errorf("expect {min_items: 0, volatile: true} = %+v; want MinItems 0, Required nil (the kind's), Volatile", *b)
	}
}
