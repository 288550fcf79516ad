package ospofeed

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

var (
	assetLinkRE = regexp.MustCompile(`^https?://(webtv|media)\.un\.org/(ar|zh|en|fr|ru|es)/asset/([a-z0-9]+)/([a-z0-9]+)/?(?:[?#].*)?$`)
	hrefRE      = regexp.MustCompile(`(?i)href\s*=\s*["']([^"']+)["']`)
	bareURLRE   = regexp.MustCompile(`https?://[^\s<>"'()\[\]]+[^\s<>"'()\[\].,;:!?…]`)
)

// AssetID returns the asset id of a UN Web TV asset URL, in any language
// and on either host (webtv.un.org, media.un.org), or "".
func AssetID(u string) string {
	m := assetLinkRE.FindStringSubmatch(strings.TrimSpace(u))
	if m == nil || len(m[4]) < 4 {
		return ""
	}
	return m[4]
}

// AssetURL is the canonical URL, and the identity, of a UN Web TV asset:
// the /en/ form on webtv.un.org, whatever language or host was linked. The
// path prefix is recomputed from the id (its first three characters).
func AssetURL(id string) string {
	return "https://webtv.un.org/en/asset/" + id[:3] + "/" + id
}

// trackingParams are query parameters that never change what a link
// points to.
func trackingParam(k string) bool {
	k = strings.ToLower(k)
	return strings.HasPrefix(k, "utm_") || k == "fbclid" || k == "gclid" || k == "mc_cid" || k == "mc_eid" || k == "xtor"
}

// hostAliases are hosts that serve the same pages under another name: an
// item found under either is one item.
var hostAliases = map[string]string{
	"interoperable-europe.ec.europa.eu": "joinup.ec.europa.eu",
	"youtube.com":                       "www.youtube.com",
	"m.youtube.com":                     "www.youtube.com",
	"media.un.org":                      "webtv.un.org",
}

// CanonicalURL is the identity form of a link: UN Web TV assets in their
// /en/ form, YouTube videos as www.youtube.com/watch?v=ID; otherwise the
// URL over https (an identity, not where to fetch), with a lower-case host
// under its main name, no fragment, no tracking parameters, no default port
// and no trailing slash. ok is false for anything that is not an absolute
// http(s) URL.
func CanonicalURL(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if id := AssetID(raw); id != "" {
		return AssetURL(id), true
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	if p := u.Port(); p == "443" || p == "80" {
		u.Host = u.Hostname()
	}
	u.Scheme, u.Host = "https", strings.ToLower(u.Host)
	if alias, ok := hostAliases[u.Host]; ok {
		u.Host = alias
	}
	u.Fragment, u.RawFragment, u.User = "", "", nil
	u.Path = strings.TrimRight(u.Path, "/")
	q := u.Query()
	// A YouTube video is watch?v=ID however it was linked: youtu.be/ID,
	// /live/ID, /embed/ID, /shorts/ID; t=, list=, feature= only say how.
	if id := youTubeVideo(u, q); id != "" {
		u.Host, u.Path, q = "www.youtube.com", "/watch", url.Values{"v": {id}}
	}
	for k := range q {
		if trackingParam(k) {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	u.RawPath = ""
	return u.String(), true
}

// youTubeVideo is the video id a YouTube link names, or "".
func youTubeVideo(u *url.URL, q url.Values) string {
	switch u.Host {
	case "youtu.be":
		return strings.Trim(u.Path, "/")
	case "www.youtube.com":
		if u.Path == "/watch" {
			return q.Get("v")
		}
		for _, p := range []string{"/live/", "/embed/", "/shorts/", "/v/"} {
			if id, ok := strings.CutPrefix(u.Path, p); ok && id != "" && !strings.Contains(id, "/") {
				return id
			}
		}
	}
	return ""
}

// MatchKey is a link's canonical form without its scheme and without a
// leading "www.", so that links to one page or site match however they are
// written.
func MatchKey(raw string) string {
	c, ok := CanonicalURL(raw)
	if !ok {
		return ""
	}
	_, rest, _ := strings.Cut(c, "://")
	return strings.TrimPrefix(rest, "www.")
}

// OutLinks are the web addresses an item points to: its related links,
// the links in its HTML content and the addresses written in its summary.
func (it Item) OutLinks() []string {
	var out []string
	for _, l := range it.Links {
		out = append(out, l.URL)
	}
	for _, m := range hrefRE.FindAllStringSubmatch(it.Content, -1) {
		out = append(out, strings.ReplaceAll(m[1], "&amp;", "&"))
	}
	out = append(out, bareURLRE.FindAllString(it.Summary, -1)...)
	return out
}

// LinkIndex answers what Resolve asks: which item a link key names.
type LinkIndex interface {
	// Exact is the smallest id among the items whose id or URL has key k.
	Exact(k string) (string, bool)
	// Site is the smallest id among the organisations whose URL has key k.
	Site(k string) (string, bool)
}

// Resolve finds the item a link (by its MatchKey) points to: the item whose
// id or URL it is, else the organisation whose site holds it, the most
// specific one first (its key is the longest prefix of k ending before a
// "/" or "?").
func Resolve(ix LinkIndex, k string) (string, bool) {
	if k == "" {
		return "", false
	}
	if id, ok := ix.Exact(k); ok {
		return id, true
	}
	for p := k; ; {
		if id, ok := ix.Site(p); ok {
			return id, true
		}
		i := strings.LastIndexAny(p, "/?")
		if i <= 0 {
			return "", false
		}
		p = p[:i]
	}
}

// OwnKeys are the link keys that name it: its id's and its URL's.
func (it Item) OwnKeys() []string {
	var out []string
	for _, u := range []string{it.ID, it.URL} {
		if k := MatchKey(u); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// SiteKey is the key of an organisation's site ("" for other kinds).
func (it Item) SiteKey() string {
	if it.Kind != KindOrganisation {
		return ""
	}
	return MatchKey(it.URL)
}

// OutKeys are the keys of OutLinks, sorted and without duplicates.
func (it Item) OutKeys() []string {
	var out []string
	for _, l := range it.OutLinks() {
		if k := MatchKey(l); k != "" {
			out = append(out, k)
		}
	}
	return sortedUnique(out)
}

// Mentionable reports whether a link from it to target counts as a
// mention: not to itself, nor to the events or recordings it belongs with.
func (it Item) Mentionable(target string) bool {
	return target != it.ID && !slices.Contains(it.Events, target) && !slices.Contains(it.Recordings, target)
}

// mapIndex is a LinkIndex over items in memory.
type mapIndex struct{ exact, site map[string]string }

func (m mapIndex) Exact(k string) (string, bool) { id, ok := m.exact[k]; return id, ok }
func (m mapIndex) Site(k string) (string, bool)  { id, ok := m.site[k]; return id, ok }

// Relate fills Mentions and MentionedIn of every item from the links
// between them: an item links to another when one of its OutLinks is the
// other's id or URL, or, for an organisation, any page of its site. The
// result depends only on the items, not on their order. (The store keeps
// the same relation incrementally, through the same Resolve.)
func Relate(items []Item) {
	ix := mapIndex{exact: map[string]string{}, site: map[string]string{}}
	pos := map[string]int{}
	put := func(m map[string]string, k, id string) {
		if old, dup := m[k]; !dup || id < old {
			m[k] = id
		}
	}
	for i, it := range items {
		items[i].Mentions, items[i].MentionedIn = nil, nil
		pos[it.ID] = i
		for _, k := range it.OwnKeys() {
			put(ix.exact, k, it.ID)
		}
		if k := it.SiteKey(); k != "" {
			put(ix.site, k, it.ID)
		}
	}
	for i, it := range items {
		for _, k := range it.OutKeys() {
			id, ok := Resolve(ix, k)
			if !ok || !it.Mentionable(id) {
				continue
			}
			j := pos[id]
			items[i].Mentions = append(items[i].Mentions, id)
			items[j].MentionedIn = append(items[j].MentionedIn, it.ID)
		}
	}
	for i := range items {
		items[i].Mentions = sortedUnique(items[i].Mentions)
		items[i].MentionedIn = sortedUnique(items[i].MentionedIn)
	}
}

func sortedUnique(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	slices.Sort(s)
	return slices.Compact(s)
}
