package ospofeed

import (
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

// StripXMLIllegal drops invalid UTF-8 and every character that XML 1.0 does
// not allow (most C0 controls, surrogates, U+FFFE and U+FFFF), keeping the
// rest, line breaks included, as it is.
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
		if !(r == utf8.RuneError && size == 1) && isXMLChar(r) {
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// isXMLChar is the Char production of XML 1.0 (fifth edition).
func isXMLChar(r rune) bool {
	switch {
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
