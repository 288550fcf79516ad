package ospofeed

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
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
