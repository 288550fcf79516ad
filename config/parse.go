package config

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"go.yaml.in/yaml/v3"

	"github.com/ospofeed/ospofeed"
)

// parser walks the YAML node tree by hand so that every error can name the
// line and the dotted field it came from, and every unknown key is an error.
type parser struct {
	file  string
	kinds []string
	errs  []error
	// allowPrivate is crawl.allow_private, read before the URLs it governs.
	allowPrivate bool
}

func (p *parser) fail(n *yaml.Node, field string, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, &Error{File: p.file, Line: line, Field: field, Err: fmt.Errorf(format, args...)})
}

// fields checks that n is a mapping with only the known keys and returns
// key -> (key node, value node).
func (p *parser) fields(n *yaml.Node, path string, known ...string) map[string][2]*yaml.Node {
	out := map[string][2]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		p.fail(n, path, "must be a mapping, not %s", kindName(n))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := join(path, k.Value)
		if !contains(known, k.Value) {
			p.fail(k, name, "unknown field (known: %s)", strings.Join(known, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.fail(k, name, "field given twice")
		}
		out[k.Value] = [2]*yaml.Node{k, v}
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "empty"
}

func (p *parser) str(f map[string][2]*yaml.Node, key, path string, dst *string) {
	kv, ok := f[key]
	if !ok {
		return
	}
	v := kv[1]
	if v.Kind != yaml.ScalarNode {
		p.fail(v, join(path, key), "must be text, not %s", kindName(v))
		return
	}
	*dst = strings.TrimSpace(v.Value)
}

// integer reads a whole number from min to max: every number has a range,
// so that a slip of the finger (max_body_bytes: 10485760000) is refused
// rather than obeyed.
func (p *parser) integer(f map[string][2]*yaml.Node, key, path string, min, max int64, dst any) {
	kv, ok := f[key]
	if !ok {
		return
	}
	v := kv[1]
	n, err := strconv.ParseInt(strings.ReplaceAll(v.Value, "_", ""), 10, 64)
	if v.Kind != yaml.ScalarNode || err != nil {
		p.fail(v, join(path, key), "must be a whole number, not %s", kindName(v))
		return
	}
	if n < min || n > max {
		p.fail(v, join(path, key), "must be between %d and %d, not %d", min, max, n)
		return
	}
	switch d := dst.(type) {
	case *int:
		*d = int(n)
	case *int64:
		*d = n
	}
}

func (p *parser) boolean(f map[string][2]*yaml.Node, key, path string, dst *bool) {
	kv, ok := f[key]
	if !ok {
		return
	}
	v := kv[1]
	b, err := strconv.ParseBool(v.Value)
	if v.Kind != yaml.ScalarNode || err != nil {
		p.fail(v, join(path, key), "must be true or false, not %s", kindName(v))
		return
	}
	*dst = b
}

// duration reads a duration from min to max. A min of 0 allows 0s (no
// delay); a min of 1ns means "more than 0s", for the timeouts and bounds
// that 0s would turn into "immediately" or "never".
func (p *parser) duration(f map[string][2]*yaml.Node, key, path string, min, max time.Duration, dst *time.Duration) {
	kv, ok := f[key]
	if !ok {
		return
	}
	v := kv[1]
	d, err := time.ParseDuration(v.Value)
	if v.Kind != yaml.ScalarNode || err != nil {
		p.fail(v, join(path, key), "must be a duration such as 250ms, 30s or 6h, not %s", kindName(v))
		return
	}
	if d < min || d > max {
		p.fail(v, join(path, key), "must be %s, not %s", durationRange(min, max), v.Value)
		return
	}
	*dst = d
}

func durationRange(min, max time.Duration) string {
	if min == time.Nanosecond {
		return "more than 0s and at most " + shortDuration(max)
	}
	return "between " + shortDuration(min) + " and " + shortDuration(max)
}

// shortDuration is d without the zero units: 1h, not 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func (p *parser) list(f map[string][2]*yaml.Node, key, path string, dst *[]string) {
	kv, ok := f[key]
	if !ok {
		return
	}
	v := kv[1]
	if v.Kind != yaml.SequenceNode {
		p.fail(v, join(path, key), "must be a list, not %s", kindName(v))
		return
	}
	for i, e := range v.Content {
		if e.Kind != yaml.ScalarNode || strings.TrimSpace(e.Value) == "" {
			p.fail(e, fmt.Sprintf("%s[%d]", join(path, key), i), "must be non-empty text, not %s", kindName(e))
			continue
		}
		*dst = append(*dst, strings.TrimSpace(e.Value))
	}
}

// connectTo reads crawl.connect_to: host name -> host:port. A key with a
// port or a scheme would never match a request's host, and a target that
// is not an address would fail every request: both are refused here.
func (p *parser) connectTo(f map[string][2]*yaml.Node, key, path string) map[string]string {
	kv, ok := f[key]
	if !ok {
		return nil
	}
	v := kv[1]
	if v.Kind != yaml.MappingNode {
		p.fail(v, join(path, key), "must be a mapping, not %s", kindName(v))
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		field := join(join(path, key), k.Value)
		if k.Kind != yaml.ScalarNode {
			p.fail(k, join(path, key), "keys must be host names, not %s", kindName(k))
			continue
		}
		if err := checkHost(k.Value); err != nil {
			p.fail(k, field, "%v: a key is the host name of the URLs to send elsewhere", err)
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.fail(k, field, "host given twice")
			continue
		}
		if val.Kind != yaml.ScalarNode {
			p.fail(val, field, "must be text, not %s", kindName(val))
			continue
		}
		target := strings.TrimSpace(val.Value)
		if err := checkHostPort(target, 1, true); err != nil {
			p.fail(val, field, "%q: %v", target, err)
			continue
		}
		out[k.Value] = target
	}
	return out
}

func (p *parser) config(root *yaml.Node) *Config {
	cfg := &Config{
		Contact: "https://github.com/ospofeed/ospofeed",
		Site: Site{
			Title:   "ospofeed",
			BaseURL: "http://localhost:8080",
			Author:  "ospofeed",
		},
		Crawl: Crawl{
			ParallelPerHost: 2,
			DelayPerHost:    250 * time.Millisecond,
			RequestTimeout:  30 * time.Second,
			RunTimeout:      10 * time.Minute,
			MaxBodyBytes:    10 << 20,
			MaxRetries:      3,
			RetryBudget:     10,
			MaxRedirects:    5,
			MaxBackoff:      time.Minute,
		},
		Kaltura: Kaltura{Enabled: true, Endpoint: "https://cdnapisec.kaltura.com", PartnerID: 2503451},
		Limits:  ospofeed.DefaultLimits(),
		Backup:  Backup{Every: DefaultBackupEvery, Keep: DefaultBackupKeep},
	}
	f := p.fields(root, "", "contact", "site", "crawl", "kaltura", "limits", "backup", "sources")
	p.str(f, "contact", "", &cfg.Contact)
	if kv, ok := f["contact"]; ok {
		if err := validURL(cfg.Contact, "https", "http", "mailto"); err != nil {
			p.fail(kv[1], "contact", "%v", err)
		}
	}
	if kv, ok := f["site"]; ok {
		sf := p.fields(kv[1], "site", "title", "description", "base_url", "author", "feed_entries")
		p.integer(sf, "feed_entries", "site", 10, 1000, &cfg.Site.FeedEntries)
		p.str(sf, "title", "site", &cfg.Site.Title)
		p.str(sf, "description", "site", &cfg.Site.Description)
		p.str(sf, "author", "site", &cfg.Site.Author)
		p.str(sf, "base_url", "site", &cfg.Site.BaseURL)
		cfg.Site.BaseURL = strings.TrimRight(cfg.Site.BaseURL, "/")
		if b, ok := sf["base_url"]; ok {
			if err := CheckBaseURL(cfg.Site.BaseURL); err != nil {
				p.fail(b[1], "site.base_url", "%v", err)
			}
		}
	}
	if kv, ok := f["crawl"]; ok {
		c := &cfg.Crawl
		cf := p.fields(kv[1], "crawl", "parallel_per_host", "delay_per_host", "request_timeout", "run_timeout",
			"max_body_bytes", "max_retries", "retry_budget", "max_redirects", "max_backoff", "allow_private", "connect_to")
		p.integer(cf, "parallel_per_host", "crawl", 1, 64, &c.ParallelPerHost)
		p.duration(cf, "delay_per_host", "crawl", 0, time.Hour, &c.DelayPerHost)
		p.duration(cf, "request_timeout", "crawl", time.Nanosecond, time.Hour, &c.RequestTimeout)
		p.duration(cf, "run_timeout", "crawl", time.Nanosecond, 24*time.Hour, &c.RunTimeout)
		p.integer(cf, "max_body_bytes", "crawl", 1<<10, 1<<30, &c.MaxBodyBytes)
		p.integer(cf, "max_retries", "crawl", 0, 20, &c.MaxRetries)
		p.integer(cf, "retry_budget", "crawl", 0, 1000, &c.RetryBudget)
		p.integer(cf, "max_redirects", "crawl", 0, 20, &c.MaxRedirects)
		p.duration(cf, "max_backoff", "crawl", time.Nanosecond, time.Hour, &c.MaxBackoff)
		p.boolean(cf, "allow_private", "crawl", &c.AllowPrivate)
		c.ConnectTo = p.connectTo(cf, "connect_to", "crawl")
	}
	p.allowPrivate = cfg.Crawl.AllowPrivate
	if kv, ok := f["kaltura"]; ok {
		kf := p.fields(kv[1], "kaltura", "enabled", "endpoint", "partner_id")
		p.boolean(kf, "enabled", "kaltura", &cfg.Kaltura.Enabled)
		p.str(kf, "endpoint", "kaltura", &cfg.Kaltura.Endpoint)
		p.integer(kf, "partner_id", "kaltura", 1, math.MaxInt32, &cfg.Kaltura.PartnerID)
		cfg.Kaltura.Endpoint = strings.TrimRight(cfg.Kaltura.Endpoint, "/")
		if e, ok := kf["endpoint"]; ok {
			if err := fetchURL(cfg.Kaltura.Endpoint, p.allowPrivate); err != nil {
				p.fail(e[1], "kaltura.endpoint", "%v", err)
			}
		}
	}
	if kv, ok := f["limits"]; ok {
		p.limits(kv[1], &cfg.Limits)
	}
	if kv, ok := f["backup"]; ok {
		p.backup(kv[1], &cfg.Backup)
	}
	kv, ok := f["sources"]
	if !ok {
		p.fail(root, "sources", "missing: a configuration needs at least one source")
		return cfg
	}
	if kv[1].Kind != yaml.SequenceNode {
		p.fail(kv[1], "sources", "must be a list, not %s", kindName(kv[1]))
		return cfg
	}
	seen := map[string]int{}
	// paths[i] and nodes[i] locate cfg.Sources[i] in the file: a skipped
	// source makes the list index differ from the YAML index.
	var paths []string
	var nodes []*yaml.Node
	for i, n := range kv[1].Content {
		path := fmt.Sprintf("sources[%d]", i)
		src, ok := p.source(n, path)
		if !ok {
			continue
		}
		if line, dup := seen[src.ID]; dup {
			p.fail(n, path+".id", "%q is already the id of the source on line %d", src.ID, line)
			continue
		}
		seen[src.ID] = n.Line
		cfg.Sources = append(cfg.Sources, src)
		paths, nodes = append(paths, path), append(nodes, n)
	}
	if len(cfg.Sources) == 0 && len(p.errs) == 0 {
		p.fail(kv[1], "sources", "a configuration needs at least one source")
	}
	for i, src := range cfg.Sources {
		for _, ev := range src.Events {
			if _, ok := seen[ev]; !ok {
				p.fail(valueNode(nodes[i], "events"), paths[i]+".events", "no source has the id %q", ev)
			}
		}
	}
	return cfg
}

// valueNode is the value of key in mapping n, or n when it has none.
func valueNode(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return n
}

func (p *parser) source(n *yaml.Node, path string) (ospofeed.Source, bool) {
	var s ospofeed.Source
	nerr := len(p.errs)
	f := p.fields(n, path, "id", "kind", "name", "url", "schedule", "interval", "allowed_hosts", "keywords", "events", "expect",
		"item_kind", "types", "selectors")
	p.str(f, "id", path, &s.ID)
	p.str(f, "kind", path, &s.Kind)
	p.str(f, "name", path, &s.Name)
	p.str(f, "url", path, &s.URL)
	p.str(f, "schedule", path, &s.Schedule)
	// 0s is what an omitted interval means (the schedule's period):
	// written out, it would silently not mean "always stale".
	p.duration(f, "interval", path, time.Nanosecond, 366*24*time.Hour, &s.Interval)
	p.list(f, "allowed_hosts", path, &s.AllowedHosts)
	if kv, ok := f["allowed_hosts"]; ok && kv[1].Kind == yaml.SequenceNode {
		// A URL or host:port here would never match a redirect's host.
		for i, e := range kv[1].Content {
			h := strings.TrimSpace(e.Value)
			if e.Kind != yaml.ScalarNode || h == "" {
				continue // reported by list
			}
			if err := checkHost(h); err != nil {
				p.fail(e, fmt.Sprintf("%s.allowed_hosts[%d]", path, i), "%v", err)
			}
		}
	}
	p.list(f, "keywords", path, &s.Keywords)
	p.list(f, "events", path, &s.Events)
	var itemKind string
	p.str(f, "item_kind", path, &itemKind)
	switch k := ospofeed.Kind(itemKind); k {
	case "", ospofeed.KindArticle, ospofeed.KindRecording, ospofeed.KindEvent:
		s.ItemKind = k
	default:
		p.fail(f["item_kind"][1], path+".item_kind", "%q: one of article, recording, event", itemKind)
	}
	p.list(f, "types", path, &s.Types)
	if kv, ok := f["selectors"]; ok {
		sf := p.fields(kv[1], path+".selectors", selectorNames...)
		s.Selectors = map[string]string{}
		for _, name := range selectorNames {
			var sel string
			p.str(sf, name, path+".selectors", &sel)
			if sel == "" {
				continue
			}
			if _, err := cascadia.Compile(sel); err != nil {
				p.fail(sf[name][1], path+".selectors."+name, "%q is not a CSS selector: %v", sel, err)
				continue
			}
			s.Selectors[name] = sel
		}
		for _, need := range []string{"item", "title"} {
			if _, ok := sf[need]; !ok {
				p.fail(kv[1], path+".selectors."+need, "missing: a declarative source needs the %s selector", need)
			}
		}
	}
	if kv, ok := f["expect"]; ok {
		ef := p.fields(kv[1], path+".expect", "min_items", "required", "volatile")
		// Unset fields keep the kind's defaults: MinItems -1, Required nil.
		e := &ospofeed.Expect{MinItems: -1}
		p.integer(ef, "min_items", path+".expect", 0, 100_000, &e.MinItems)
		if _, ok := ef["required"]; ok {
			e.Required = []string{}
		}
		p.list(ef, "required", path+".expect", &e.Required)
		p.boolean(ef, "volatile", path+".expect", &e.Volatile)
		if r, ok := ef["required"]; ok {
			for i, field := range e.Required {
				if !contains(ospofeed.RequiredFields, field) {
					p.fail(r[1], fmt.Sprintf("%s.expect.required[%d]", path, i), "unknown field %q (one of: %s)", field, strings.Join(ospofeed.RequiredFields, ", "))
				}
			}
		}
		s.Expect = e
	}
	at := func(key string) *yaml.Node {
		if kv, ok := f[key]; ok {
			return kv[1]
		}
		return n
	}
	if s.ID == "" {
		p.fail(at("id"), path+".id", "missing: every source needs an id")
	} else if !idPattern.MatchString(s.ID) {
		p.fail(at("id"), path+".id", "%q must be lower-case letters, digits and dashes", s.ID)
	}
	switch {
	case s.Kind == "":
		p.fail(at("kind"), path+".kind", "missing (one of: %s)", p.kindList())
	case !contains(p.kinds, s.Kind):
		p.fail(at("kind"), path+".kind", "unknown kind %q (one of: %s)", s.Kind, p.kindList())
	}
	if s.URL == "" {
		p.fail(at("url"), path+".url", "missing")
	} else if err := fetchURL(s.URL, p.allowPrivate); err != nil {
		p.fail(at("url"), path+".url", "%v", err)
	}
	if s.Schedule == "" {
		s.Schedule = "@every 6h"
	}
	if _, err := ParseSchedule(s.Schedule); err != nil {
		p.fail(at("schedule"), path+".schedule", "%q is not a cron schedule: %v", s.Schedule, err)
	}
	if s.Name == "" {
		s.Name = s.ID
	}
	return s, len(p.errs) == nerr
}

// selectorNames are the selectors a declarative HTML source may give.
var selectorNames = []string{"item", "title", "link", "date", "summary", "image"}

func (p *parser) kindList() string {
	ks := slices.Clone(p.kinds)
	slices.Sort(ks)
	return strings.Join(ks, ", ")
}
