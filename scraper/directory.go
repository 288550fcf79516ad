package scraper

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ospofeed/ospofeed"
)

// crawlDirectory reads a directory of public-sector OSPOs: a YAML map keyed
// by each OSPO's URL, every other field optional (code.gouv.fr's
// fr-public-sector-ospo.yml).
func crawlDirectory(ctx context.Context, env *Env) error {
	return crawlDocument(ctx, env, ParseDirectory)
}

// ParseDirectory reads the OSPO directory. A document that is not a YAML
// map is an error naming the file and line; an entry with a bad field is a
// warning naming its line, and keeps its other fields.
func ParseDirectory(name string, body []byte) ([]ospofeed.Item, []string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, nil, fmt.Errorf("parse %s: %v", name, err)
	}
	if len(doc.Content) == 0 {
		return nil, nil, nil // an empty document lists no OSPO
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("parse %s:%d: the directory must be a map keyed by the OSPOs' URLs", name, root.Line)
	}
	var items []ospofeed.Item
	var warnings []string
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		at := fmt.Sprintf("%s:%d", name, k.Line)
		warn := func(format string, args ...any) {
			warnings = append(warnings, at+": "+fmt.Sprintf(format, args...))
		}
		// warnAt names the line of the bad field itself.
		warnAt := func(n *yaml.Node, format string, args ...any) {
			warnings = append(warnings, fmt.Sprintf("%s:%d: ", name, n.Line)+fmt.Sprintf(format, args...))
		}
		key := strings.TrimSpace(k.Value)
		id, ok := ospofeed.CanonicalURL(key)
		if !ok {
			warn("key %q is not an http(s) URL: entry skipped", key)
			continue
		}
		if line, dup := seen[id]; dup {
			warn("%s is listed again (first on line %d): entry skipped", key, line)
			continue
		}
		seen[id] = k.Line
		it := ospofeed.Item{ID: id, Kind: ospofeed.KindOrganisation, URL: key, Authority: ospofeed.AuthorityFeed}
		var f map[string]*yaml.Node
		switch {
		case v.Kind == yaml.MappingNode:
			f = map[string]*yaml.Node{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				f[v.Content[j].Value] = v.Content[j+1]
			}
		case v.Kind == yaml.ScalarNode && (v.Tag == "!!null" || v.Value == ""):
		default:
			warn("entry %s is not a map: only its URL is kept", key)
		}
		scalar := func(field string) string {
			n := f[field]
			if n == nil {
				return ""
			}
			if n.Kind != yaml.ScalarNode {
				warnAt(n, "%s: %s must be text", key, field)
				return ""
			}
			return ospofeed.CleanText(n.Value)
		}
		it.Title = scalar("name")
		if it.Title == "" {
			it.Title = hostOf(key)
		}
		it.Country = strings.ToUpper(scalar("country"))
		if email := scalar("email"); email != "" {
			if a, err := mail.ParseAddress(email); err == nil {
				it.Email = a.Address
			} else {
				warnAt(f["email"], "%s: email %q is not an address", key, email)
			}
		}
		if c := scalar("created"); c != "" {
			if d, err := time.Parse(time.DateOnly, c[:min(10, len(c))]); err == nil {
				it.Date, it.DateOnly = d, true
			} else {
				warnAt(f["created"], "%s: created %q is not a date (YYYY-MM-DD)", key, c)
			}
		}
		it.GUID = scalar("pso_id")
		if p := scalar("floss_policy"); p != "" {
			if u := ospofeed.WebURL(p); u != "" {
				it.Policy = u
			} else {
				warnAt(f["floss_policy"], "%s: floss_policy %q is not a URL", key, p)
			}
		}
		if n := f["description"]; n != nil {
			it.Descriptions = map[string]string{}
			switch n.Kind {
			case yaml.MappingNode:
				for j := 0; j+1 < len(n.Content); j += 2 {
					if t := ospofeed.CleanText(n.Content[j+1].Value); t != "" {
						it.Descriptions[strings.ToLower(n.Content[j].Value)] = t
					}
				}
			case yaml.ScalarNode:
				if t := ospofeed.CleanText(n.Value); t != "" {
					it.Descriptions["und"] = t
				}
			}
			if len(it.Descriptions) == 0 {
				it.Descriptions = nil
			}
		}
		if n := f["code"]; n != nil {
			nodes := n.Content
			if n.Kind == yaml.ScalarNode {
				nodes = []*yaml.Node{n}
			}
			for _, c := range nodes {
				if u := ospofeed.WebURL(c.Value); u != "" {
					it.Forges = append(it.Forges, u)
				} else {
					warnAt(c, "%s: code %q is not a URL", key, c.Value)
				}
			}
		}
		items = append(items, it)
	}
	return items, warnings, nil
}
