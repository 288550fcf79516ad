package ospofeed

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strings"
)

// Slug is the path segment under which an item's pages live on the rendered
// site: the last segment of its id, lower-cased and reduced to [a-z0-9-],
// or a hash of the id when that leaves nothing. It depends on the id alone,
// so it is as stable as the id.
func Slug(id string) string {
	seg := id
	if u, err := url.Parse(id); err == nil {
		p := strings.Trim(u.Path, "/")
		seg = p[strings.LastIndex(p, "/")+1:]
		// Where the query names the thing (YouTube's watch?v=...), its
		// values belong in the slug: "watch-abcdefghijk".
		if q := u.Query(); len(q) > 0 {
			keys := make([]string, 0, len(q))
			for k := range q {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				seg += "-" + strings.Join(q[k], "-")
			}
		}
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(seg) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if len(s) > 80 {
		s = strings.TrimRight(s[:80], "-")
	}
	if s == "" {
		return "h" + ShortHash(id)
	}
	return s
}

// ShortHash is a short, stable hex digest of s.
func ShortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:10]
}

// PageSlug is the path segment of the item's pages on the rendered site:
// Page when the renderer set it (to tell apart two items whose slugs
// collide), else Slug(ID).
func (it Item) PageSlug() string {
	if it.Page != "" {
		return it.Page
	}
	return Slug(it.ID)
}
