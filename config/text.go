package config

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaxBytes bounds a configuration file. The embedded default is a few
// kilobytes; a megabyte is thousands of sources, and keeps a hostile file
// from making the YAML parser work on megabytes of nesting.
const MaxBytes = 1 << 20

// checkText refuses what the YAML parser would refuse in the raw bytes, or
// report without a position: too large a file, invalid UTF-8, NUL and
// other control characters. Each error names the line, the column and the
// byte offset.
func checkText(name string, data []byte) error {
	if len(data) > MaxBytes {
		return &Error{File: name, Err: fmt.Errorf("%d bytes: a configuration is at most %d bytes (1 MiB)", len(data), MaxBytes)}
	}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		var err error
		switch {
		case r == utf8.RuneError && size == 1:
			err = fmt.Errorf("invalid UTF-8 (byte 0x%02x): a configuration must be UTF-8 text", data[i])
		case r == 0:
			err = errors.New("NUL byte: a configuration must be UTF-8 text (is the file UTF-16?)")
		case !yamlChar(r):
			err = fmt.Errorf("control character %U is not allowed in YAML", r)
		}
		if err != nil {
			line, col := position(data, i)
			return &Error{File: name, Line: line, Err: fmt.Errorf("column %d (byte offset %d): %w", col, i, err)}
		}
		i += size
	}
	return nil
}

// yamlChar is the YAML 1.1 printable set the parser accepts.
func yamlChar(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r >= 0x20 && r <= 0x7e, r == 0x85:
		return true
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= utf8.MaxRune:
		return true
	}
	return false
}

// position turns a byte offset into a 1-based line and column (in
// characters), counting \n, \r\n and a lone \r as line breaks as YAML does.
func position(data []byte, off int) (line, col int) {
	line, start := 1, 0
	for i := 0; i < off; i++ {
		switch data[i] {
		case '\n':
			line, start = line+1, i+1
		case '\r':
			if i+1 >= len(data) || data[i+1] != '\n' {
				line, start = line+1, i+1
			}
		}
	}
	return line, utf8.RuneCount(data[start:off]) + 1
}

var (
	lineRE   = regexp.MustCompile(`line (\d+)`)
	anchorRE = regexp.MustCompile(`unknown anchor '([^']*)' referenced`)
)

// yamlError turns a YAML syntax error into an *Error with a line. The
// parser leaves the line out when it is the first (it counts from 0 and
// omits 0), for an alias to an unknown anchor, and for flow nesting
// deeper than its limit; those are found here.
func yamlError(name string, data []byte, err error) *Error {
	line := yamlErrLine(err)
	msg := cleanYAMLErr(err)
	if line == 0 {
		switch {
		case anchorRE.MatchString(msg):
			line = aliasLine(data, anchorRE.FindStringSubmatch(msg)[1])
		case strings.Contains(msg, "exceeded max depth"):
			line = deepLine(data, maxYAMLDepth)
		default:
			line = 1
		}
	}
	return &Error{File: name, Line: line, Err: errors.New(msg)}
}

func yamlErrLine(err error) int {
	if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
		var n int
		fmt.Sscan(m[1], &n)
		return n
	}
	return 0
}

func cleanYAMLErr(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = lineRE.ReplaceAllString(s, "")
	return strings.TrimLeft(s, ": ")
}

// aliasLine is the line of the first *anchor alias, 0 if none is found.
func aliasLine(data []byte, anchor string) int {
	for off := 0; ; {
		i := bytes.Index(data[off:], []byte("*"+anchor))
		if i < 0 {
			return 0
		}
		end := off + i + 1 + len(anchor)
		// *a must not match the start of *ab.
		if end == len(data) || strings.ContainsRune(" \t\r\n,]}", rune(data[end])) {
			line, _ := position(data, off+i)
			return line
		}
		off = end
	}
}

// maxYAMLDepth is the nesting the YAML parser refuses beyond.
const maxYAMLDepth = 10000

// deepLine is the line where flow collections ([ and {) nest deeper than
// limit, 0 if none does. It skips comments and quoted text, roughly: it
// only has to find what the parser already refused.
func deepLine(data []byte, limit int) int {
	depth := 0
	var quote byte
	for i := 0; i < len(data); i++ {
		c := data[i]
		if quote != 0 {
			switch {
			case quote == '"' && c == '\\':
				i++
			case c == quote:
				quote = 0
			}
			continue
		}
		start := i == 0 || strings.IndexByte(" \t\r\n[{,:", data[i-1]) >= 0
		switch {
		case c == '#' && (i == 0 || strings.IndexByte(" \t\r\n", data[i-1]) >= 0):
			for i < len(data) && data[i] != '\n' {
				i++
			}
		case (c == '"' || c == '\'') && start:
			quote = c
		case c == '[' || c == '{':
			if depth++; depth > limit {
				line, _ := position(data, i)
				return line
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return 0
}
