// Package config reads ospofeed's YAML configuration: the site, the crawl's
// politeness settings and the sources. The embedded default (default.yaml)
// is what `ospofeed serve` runs on without a file; `ospofeed config default`
// prints it. Every error names the file, the line and the field.
package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/ospofeed/ospofeed"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultName names the embedded configuration in error messages.
const DefaultName = "<embedded default.yaml>"

// Default returns the text of the embedded default configuration.
func Default() []byte { return slices.Clone(defaultYAML) }

// Config is the whole configuration.
type Config struct {
	// Contact is the URL (or mailto:) put in the User-Agent so that site
	// owners can reach the operator.
	Contact string
	Site    Site
	Crawl   Crawl
	Kaltura Kaltura
	// Limits bound what one crawl of one source can put in the store
	// (the `limits:` section); every field is set, defaults included.
	Limits ospofeed.Limits
	// Backup is when and where `serve` snapshots its database.
	Backup  Backup
	Sources []ospofeed.Source
}

// Site configures the rendered site.
type Site struct {
	Title       string
	Description string
	// BaseURL is the public address of the site, used for absolute links
	// in feeds (self links, entry pages). No trailing slash.
	BaseURL string
	// Author names who publishes the feeds.
	Author string
	// FeedEntries is how many entries a subscription feed (and each of its
	// archive pages) holds; 0 means the renderer's default, 50.
	FeedEntries int
}

// Crawl holds the politeness and safety settings shared by every source.
type Crawl struct {
	ParallelPerHost int
	DelayPerHost    time.Duration
	RequestTimeout  time.Duration
	RunTimeout      time.Duration
	MaxBodyBytes    int64
	MaxRetries      int // per request
	RetryBudget     int // per run of one source
	MaxRedirects    int
	MaxBackoff      time.Duration
	// AllowPrivate lets direct connections reach loopback, private and
	// link-local addresses. Off in production; tests turn it on for their
	// fixture sites.
	AllowPrivate bool
	// ConnectTo sends requests for a host to another address (host:port)
	// over plain HTTP, keeping the URL and Host header: curl's --connect-to,
	// for tests and mirrors.
	ConnectTo map[string]string
}

// Kaltura configures the enrichment of UN Web TV recordings.
type Kaltura struct {
	Enabled   bool
	Endpoint  string
	PartnerID int
}

// Error is a configuration error located in a file.
type Error struct {
	File  string
	Line  int
	Field string
	Err   error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	cronParser  = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	durationRef = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// ParseSchedule parses a source's schedule as the scheduler will, and
// refuses the specs cron v3.0.1 accepts but mishandles.
func ParseSchedule(spec string) (cron.Schedule, error) {
	// cron slices up to the first space after a TZ= prefix and panics when
	// there is none.
	if (strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=")) && !strings.Contains(spec, " ") {
		return nil, errors.New("a TZ= prefix needs a space and a schedule after it")
	}
	// cron turns "@every" below one second (zero, negative) into every
	// second.
	if _, d, ok := strings.Cut(spec, "@every "); ok {
		if every, err := time.ParseDuration(d); err == nil && every < time.Second {
			return nil, fmt.Errorf("@every needs at least 1s, not %s", d)
		}
	}
	s, err := cronParser.Parse(spec)
	if err != nil {
		return nil, err
	}
	// A date that never comes (30 February) parses but never fires.
	if s.Next(durationRef).IsZero() {
		return nil, errors.New("never fires")
	}
	return s, nil
}

// Parse reads a configuration from data; name is the file name used in
// errors and kinds the source kinds the scrapers provide.
func Parse(name string, data []byte, kinds []string) (*Config, error) {
	if err := checkText(name, data); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(name, data, err)
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: name, Err: errors.New("empty configuration")}
	}
	// A second document (after ---) would be ignored: refused instead,
	// unless it is empty (a trailing ---).
	for {
		var next yaml.Node
		err := dec.Decode(&next)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, yamlError(name, data, err)
		}
		if c := next.Content; len(c) > 0 && !(c[0].Kind == yaml.ScalarNode && c[0].Tag == "!!null" && c[0].Value == "") {
			return nil, &Error{File: name, Line: c[0].Line,
				Err: errors.New("a second YAML document (after ---): a configuration is one document")}
		}
	}
	p := &parser{file: name, kinds: kinds}
	cfg := p.config(doc.Content[0])
	if len(p.errs) > maxErrors {
		more := &Error{File: name, Err: fmt.Errorf("and %d more errors", len(p.errs)-maxErrors)}
		p.errs = append(p.errs[:maxErrors], more)
	}
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return cfg, nil
}

// maxErrors is how many errors Parse reports: a file that is wrong from
// top to bottom does not need a megabyte of them.
const maxErrors = 50

// LoadDefault parses the embedded default.
func LoadDefault(kinds []string) (*Config, error) { return Parse(DefaultName, defaultYAML, kinds) }

// Interval is how long a source's data stays fresh: its configured
// interval, else the gap between two activations of its schedule.
func Interval(src ospofeed.Source) time.Duration {
	if src.Interval > 0 {
		return src.Interval
	}
	s, err := ParseSchedule(src.Schedule)
	if err != nil {
		return 24 * time.Hour
	}
	a := s.Next(durationRef)
	return s.Next(a).Sub(a)
}

// Source returns the source with the given id.
func (c *Config) Source(id string) (ospofeed.Source, bool) {
	for _, s := range c.Sources {
		if s.ID == id {
			return s, true
		}
	}
	return ospofeed.Source{}, false
}

// UserAgent is the honest User-Agent of a crawler of this version.
func (c *Config) UserAgent(version string) string {
	return fmt.Sprintf("ospofeed/%s (+%s)", version, c.Contact)
}

func validURL(s string, schemes ...string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if !slices.Contains(schemes, u.Scheme) {
		return fmt.Errorf("%q: scheme must be %s", s, strings.Join(schemes, " or "))
	}
	if u.Scheme != "mailto" && u.Host == "" {
		return fmt.Errorf("%q has no host", s)
	}
	if u.User != nil {
		return fmt.Errorf("%q: credentials (user:password@) are not allowed in a URL", u.Redacted())
	}
	return nil
}
