package ospofeed

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CleanText makes scraped text safe for XML and tidy for display: invalid
// UTF-8 and characters outside the XML 1.0 Char production are dropped, runs
// of white space fold to one space, and the ends are trimmed.
func CleanText(s string) string {
	s = StripXMLIllegal(s)
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// StripXMLIllegal drops invalid UTF-8, every character that XML 1.0 does
// not allow (most C0 controls, surrogates, U+FFFE and U+FFFF), and DEL and
// the C1 controls, which XML 1.0 asks authors to avoid, XML 1.1 and
// iCalendar forbid, and which in scraped text are always debris (NEXT LINE,
// U+0085, becomes a line break). The rest, line breaks included, stays.
func StripXMLIllegal(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !isXMLChar(r) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x85:
			b.WriteByte('\n')
		case !(r == utf8.RuneError && size == 1) && isXMLChar(r):
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// WebURL is s, cleaned, when it is an absolute http(s) URL, and "" when
// not: scraped links can be relative, protocol-relative, javascript: or
// data:, and none of those belong in a feed, a page or a citation.
func WebURL(s string) string {
	s = strings.TrimSpace(StripXMLIllegal(s))
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return s
}

// isXMLChar is the Char production of XML 1.0 (fifth edition), without DEL
// and the C1 controls (see StripXMLIllegal).
func isXMLChar(r rune) bool {
	switch {
	case r >= 0x7F && r <= 0x9F:
		return false
	case r == 0x9 || r == 0xA || r == 0xD:
		return true
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// CleanLines is CleanText for text whose lines matter (a summary with
// paragraphs, a dash list, a separator line): white space is folded within
// each line, line breaks stay, runs of blank lines become one blank line
// (a paragraph break), and blank lines at either end go.
func CleanLines(s string) string {
	s = StripXMLIllegal(s)
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n\n").Replace(s)
	var out []string
	blank := false
	for _, line := range strings.Split(s, "\n") {
		line = CleanText(line)
		if line == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
