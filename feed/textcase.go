package feed

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The formatted citations (APA, Chicago, MLA) must read exactly as
// citeproc-js renders our CSL-JSON with the official CSL styles, which is
// what citation managers show. citeproc changes the text of a title in two
// ways a style asks for, reproduced here for plain text (markup that
// citeproc reads inside a field, such as <i> or <span class="nocase">, is
// not: scraped titles are plain text):
//
//   - text-case="title" (Chicago, MLA): headline capitalisation of English
//     titles, leaving words that already hold a capital and stop words;
//   - quotes: straight quotes become typographic ones, nested quotes flip
//     between double and single, apostrophes become ’.
//
// TestCiteJS checks both against citation-js.

// Decoration marks inside a rendered string, turned into text or HTML at
// the end: private-use characters that never survive CleanText.
const (
	italicOn   = '\uE000'
	italicOff  = '\uE001'
	dquoteOn   = '\uE002' // “
	dquoteOff  = '\uE003' // ”
	squoteOn   = '\uE004' // ‘
	squoteOff  = '\uE005' // ’
	marksChars = "\uE000\uE001\uE002\uE003\uE004\uE005"
)

// stopWords are citeproc's skip words for English title case (CSL 1.0.2's
// list and more: prepositions, articles, conjunctions).
var stopWords = []string{"about", "above", "across", "afore", "after", "against", "al", "along", "alongside", "amid", "amidst", "among", "amongst", "anenst", "apropos", "apud", "around", "as", "aside", "astride", "at", "athwart", "atop", "barring", "before", "behind", "below", "beneath", "beside", "besides", "between", "beyond", "but", "by", "circa", "despite", "down", "during", "et", "except", "for", "forenenst", "from", "given", "in", "inside", "into", "lest", "like", "modulo", "near", "next", "notwithstanding", "of", "off", "on", "onto", "out", "over", "per", "plus", "pro", "qua", "sans", "since", "than", "through", " thru", "throughout", "thruout", "till", "to", "toward", "towards", "under", "underneath", "until", "unto", "up", "upon", "versus", "vs.", "v.", "vs", "v", "via", "vis-à-vis", "with", "within", "without", "according to", "ahead of", "apart from", "as for", "as of", "as per", "as regards", "aside from", "back to", "because of", "close to", "due to", "except for", "far from", "inside of", "instead of", "near to", "next to", "on to", "out from", "out of", "outside of", "prior to", "pursuant to", "rather than", "regardless of", "such as", "that of", "up to", "where as", "or", "yet", "so", "for", "and", "nor", "a", "an", "the", "de", "d'", "von", "van", "c", "ca"}

// stopWordRe is citeproc's skip-words-regexp: a stop word with a space,
// hyphen or the text's edge on either side. citeproc tests it with
// String.match, so a match anywhere in the word counts.
var stopWordRe = func() *regexp.Regexp {
	// The words go in unescaped, as citeproc builds it ("v." matches "vi").
	// JavaScript's (?=…) lookahead becomes a consumed group: only whether it
	// matches is asked.
	return regexp.MustCompile(`(?:(?:[?!:]*\s+|-|^)(?:` + strings.Join(stopWords, "|") + `)(?:[!?:]*\s+|-|$))`)
}()

// caseTagRe is the tokenizer of citeproc's text-case engine: quotes,
// punctuation that separates words, brackets and markup.
var caseTagRe = regexp.MustCompile(`(?:\x{2018}|\x{2019}|\x{201C}|\x{201D}| "| '|"|'|[-\x{2013}\x{2014}/.,;?!:]|\[|\]|\(|\)|<span style="font-variant: small-caps;">|<span class="no(?:case|decor)">|</span>|</?(?:i|sc|b|sub|sup)>)`)

// wordSepRe separates words inside a token.
var wordSepRe = regexp.MustCompile(`[\x{00A0}\x{0020}\x{2000}-\x{200B}\x{205F}\x{3000}]+`)

// doppel is a string split into text and the tags between them:
// strings[0] tags[0] strings[1] … tags[n-1] strings[n].
type doppel struct {
	tags, strings, orig []string
}

func splitTags(s string, re *regexp.Regexp) doppel {
	idx := re.FindAllStringIndex(s, -1)
	d := doppel{}
	last := 0
	for _, m := range idx {
		d.strings = append(d.strings, s[last:m[0]])
		d.tags = append(d.tags, s[m[0]:m[1]])
		last = m[1]
	}
	d.strings = append(d.strings, s[last:])
	// A lone straight apostrophe followed by text is no tag (citeproc's
	// Doppeler).
	for i := len(d.tags) - 1; i >= 0; i-- {
		if d.tags[i] == "'" && len(d.strings[i+1]) > 0 {
			d.strings[i+1] = "'" + d.strings[i+1]
			d.tags[i] = ""
		}
	}
	d.orig = append([]string(nil), d.strings...)
	return d
}

func (d doppel) join() string {
	var b strings.Builder
	for i, s := range d.strings {
		b.WriteString(s)
		if i < len(d.tags) {
			b.WriteString(d.tags[i])
		}
	}
	return b.String()
}

// capitalise upper-cases the first character after leading space, but
// not a lone Greek letter.
func capitalise(w string) string {
	lead := len(w) - len(strings.TrimLeftFunc(w, unicode.IsSpace))
	rest := w[lead:]
	r, size := utf8.DecodeRuneInString(rest)
	if r == utf8.RuneError {
		return w
	}
	if r >= 0x370 && r <= 0x3FF && size == len(rest) {
		return w
	}
	return w[:lead] + upperRune(r) + rest[size:]
}

// upperRune is JavaScript's toUpperCase of one character, which may grow
// ("ß" becomes "SS").
func upperRune(r rune) string {
	if r == 'ß' {
		return "SS"
	}
	return string(unicode.ToUpper(r))
}

func jsLower(s string) string { return strings.ToLower(s) }

// jsLen is a string's length in JavaScript: UTF-16 code units.
func jsLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// titleCase is citeproc-js's text-case="title" for English.
func titleCase(s string) string {
	if s == "" {
		return ""
	}
	d := splitTags(s, caseTagRe)
	type wordPos struct{ str, word int }
	var (
		isFirst    = true
		afterPunct = false
		lastWord   *wordPos
		quotes     []struct{ opener, closer string }
		quotePos   []int
	)
	capWords := func(str string, i int, followingTag string) string {
		if strings.TrimSpace(str) == "" {
			return str
		}
		words, seps := splitWords(str)
		for j, w := range words {
			if w == "" {
				continue
			}
			lc := jsLower(w)
			capitalize := false
			switch {
			case jsLen(w) > 1 && !stopWordRe.MatchString(lc):
				capitalize = true
			case j == len(words)-1 && followingTag == "-":
				capitalize = true
			case isFirst:
				capitalize = true
			case afterPunct:
				capitalize = true
			}
			if capitalize && w == lc {
				words[j] = capitalise(w)
			}
			afterPunct = false
			isFirst = false
			lastWord = &wordPos{i, j}
		}
		return joinWords(words, seps)
	}
	tagAt := func(i int) string {
		if i < len(d.tags) {
			return d.tags[i]
		}
		return ""
	}
	if len(d.strings) > 0 && strings.TrimSpace(d.strings[0]) != "" {
		d.strings[0] = capWords(d.strings[0], 0, tagAt(0))
	}
	quoteParams := map[string][2]string{
		` "`: {` '`, `"`},
		` '`: {` "`, `'`},
		"‘":  {"‘", "’"},
		"“":  {"“", "”"},
	}
	for i, tag := range d.tags {
		str := d.strings[i+1]
		if strings.HasSuffix(tag, "!") || strings.HasSuffix(tag, "?") || strings.HasSuffix(tag, ":") {
			afterPunct = true
		}
		// citeproc passes the following tag for the first string only.
		d.strings[i+1] = capWords(str, i+1, "")
		// Quote state: a quote that opens where another was expected, or
		// closes what was not opened, gives back the capital it caused.
		fix := -1
		if q := quoteTagRe.FindString(tag); q != "" {
			if p, ok := quoteParams[q]; ok && (q == "“" || q == "‘" || q == ` "` || q == ` '`) {
				if len(quotes) == 0 || q == quotes[len(quotes)-1].opener {
					quotes = append(quotes, struct{ opener, closer string }{p[0], p[1]})
					quotePos = append(quotePos, i)
				} else {
					fix = quotePos[len(quotePos)-1]
					quotes[len(quotes)-1] = struct{ opener, closer string }{p[0], p[1]}
					quotePos[len(quotePos)-1] = -1 // citeproc loses the position here
				}
			} else if len(quotes) > 0 && q == quotes[len(quotes)-1].closer {
				quotes = quotes[:len(quotes)-1]
				quotePos = quotePos[:len(quotePos)-1]
			} else {
				fix = i
			}
		}
		if fix >= 0 {
			orig, _ := utf8.DecodeRuneInString(d.orig[fix+1])
			cur := d.strings[fix+1]
			if cur != "" {
				_, size := utf8.DecodeRuneInString(cur)
				d.strings[fix+1] = string(orig) + cur[size:]
			}
			lastWord = nil
		}
		if isFirst && strings.TrimSpace(str) != "" {
			isFirst = false
		}
		if afterPunct && strings.TrimSpace(str) != "" {
			afterPunct = false
		}
	}
	for _, p := range quotePos {
		if p >= 0 {
			orig, _ := utf8.DecodeRuneInString(d.orig[p+1])
			cur := d.strings[p+1]
			if cur != "" {
				_, size := utf8.DecodeRuneInString(cur)
				d.strings[p+1] = string(orig) + cur[size:]
			}
		}
	}
	// The last word is capitalised even when it is a stop word.
	if lastWord != nil {
		words, seps := splitWords(d.strings[lastWord.str])
		if lastWord.word < len(words) {
			w := words[lastWord.word]
			if jsLen(w) > 1 && stopWordRe.MatchString(jsLower(w)) {
				words[lastWord.word] = capitalise(w)
				d.strings[lastWord.str] = joinWords(words, seps)
			}
		}
	}
	return d.join()
}

// quoteTagRe finds the quote a text-case tag begins or ends with.
var quoteTagRe = regexp.MustCompile(`^(?:\x{2018}|\x{2019}|\x{201C}|\x{201D}|"|')|(?: "| ')$`)

func splitWords(s string) (words, seps []string) {
	idx := wordSepRe.FindAllStringIndex(s, -1)
	last := 0
	for _, m := range idx {
		words = append(words, s[last:m[0]])
		seps = append(seps, s[m[0]:m[1]])
		last = m[1]
	}
	return append(words, s[last:]), seps
}

func joinWords(words, seps []string) string {
	var b strings.Builder
	for i, w := range words {
		b.WriteString(w)
		if i < len(seps) {
			b.WriteString(seps[i])
		}
	}
	return b.String()
}

// flipTagRe is the tokenizer of citeproc's quote handling (its
// FlipFlopper), for plain text: openers, then closers.
var flipTagRe = regexp.MustCompile(`(?: "| '|\("|\('|“|‘|"|'|”|’)`)

// romanesque is citeproc's ROMANESQUE_REGEXP: letters of the scripts it
// treats as words.
const romanesque = `-0-9a-zA-Z\x{0e01}-\x{0e5b}\x{00c0}-\x{017f}\x{0370}-\x{03ff}\x{0400}-\x{052f}\x{0590}-\x{05d4}\x{05d6}-\x{05ff}\x{1f00}-\x{1fff}\x{0600}-\x{06ff}\x{200c}\x{200d}\x{200e}\x{0218}\x{0219}\x{021a}\x{021b}\x{202a}-\x{202e}`

var (
	leadingQuoteRe = regexp.MustCompile(`^\s+['"]`)
	romanesqueRe   = regexp.MustCompile(`[` + romanesque + `]`)
	apostropheRe   = regexp.MustCompile(`([` + romanesque + `])’([` + romanesque + `])`)
	apostropheNxt  = regexp.MustCompile(`^[^,.?:; ]`)
)

// quoteState is one open quote while flipping.
type quoteState struct {
	tag    string
	double bool // the tag is a double quote
	pos    int
}

// smartQuotes is citeproc-js's quote handling of a field's text: straight
// quotes become decoration marks, the outermost kind in the text ("double"
// unless a single quote comes first) double and the other single, both
// flipped inside an enclosing quote (inQuotes), apostrophes ’. Quotes that
// do not pair stay as they are.
func smartQuotes(s string, inQuotes bool) string {
	leadingSpace := strings.HasPrefix(s, " ") && !leadingQuoteRe.MatchString(s)
	s = " " + apostropheRe.ReplaceAllString(s, "$1'$2")
	idx := flipTagRe.FindAllStringIndex(s, -1)
	if len(idx) == 0 {
		return strings.TrimPrefix(s, " ")
	}
	var d doppel
	last := 0
	for _, m := range idx {
		d.strings = append(d.strings, s[last:m[0]])
		d.tags = append(d.tags, s[m[0]:m[1]])
		last = m[1]
	}
	d.strings = append(d.strings, s[last:])
	isOpener := func(t string) bool {
		switch t {
		case ` "`, ` '`, `("`, `('`, "“", "‘":
			return true
		}
		return false
	}
	closerOf := func(t string) string {
		switch t {
		case ` "`, `("`:
			return `"`
		case ` '`, `('`:
			return `'`
		case "“":
			return "”"
		}
		return "’"
	}
	// forcedSpaces: an opener right before a straight quote makes it an
	// opener too.
	forced := make([]bool, len(d.tags))
	for i := 0; i+1 < len(d.tags); i++ {
		if isOpener(d.tags[i]) && d.strings[i+1] == "" && (d.tags[i+1] == `"` || d.tags[i+1] == `'`) {
			d.tags[i+1] = " " + d.tags[i+1]
			forced[i] = true
		}
	}
	var stack []quoteState
	for i := 0; i < len(d.tags); i++ {
		tag := d.tags[i]
		str := d.strings[i+1]
		if tag == "'" && str != "" && apostropheNxt.MatchString(str) {
			d.strings[i+1] = "’" + str
			d.tags[i] = ""
			continue
		}
		if tag == ` '` && strings.HasPrefix(str, " ") {
			d.strings[i+1] = " ’" + str
			d.tags[i] = ""
			continue
		}
		fixed := false
		for {
			if isOpener(tag) {
				stack = append(stack, quoteState{tag: tag, pos: i})
				break
			}
			if len(stack) > 0 && closerOf(stack[len(stack)-1].tag) == tag {
				stack = stack[:len(stack)-1]
				break
			}
			fixPos := i
			if len(stack) > 0 {
				fixPos = stack[len(stack)-1].pos
			}
			if tag == "'" {
				d.strings[i+1] = "’" + d.strings[i+1]
				d.tags[i] = ""
			} else {
				failed := d.tags[fixPos]
				if fixPos > 0 && forced[fixPos-1] {
					failed = failed[1:]
				}
				d.strings[fixPos+1] = failed + d.strings[fixPos+1]
				d.tags[fixPos] = ""
			}
			fixed = true
			if len(stack) > 0 && tag != "'" {
				stack = stack[:len(stack)-1]
				fixed = false
				continue
			}
			break
		}
		if fixed {
			d.strings[i+1] = d.tags[i] + d.strings[i+1]
			d.tags[i] = ""
		}
	}
	for k := len(stack) - 1; k >= 0; k-- {
		p := stack[k].pos
		if t := d.tags[p]; t == ` '` || t == "'" {
			d.strings[p+1] = " ’" + d.strings[p+1]
		} else {
			d.strings[p+1] = d.tags[p] + d.strings[p+1]
		}
		d.tags[p] = ""
	}
	// Drop neutralised tags.
	for i := len(d.tags) - 1; i >= 0; i-- {
		if d.tags[i] == "" {
			d.strings[i] += d.strings[i+1]
			d.tags = append(d.tags[:i], d.tags[i+1:]...)
			d.strings = append(d.strings[:i+1], d.strings[i+2:]...)
			if i < len(forced) {
				forced = append(forced[:i], forced[i+1:]...)
			}
		}
	}
	// The first straight quote decides which kind is outer.
	doubleOuter := true
	for _, t := range d.tags {
		if t == ` '` || t == `('` {
			doubleOuter = false
			break
		}
		if t == ` "` || t == `("` {
			break
		}
	}
	for i, t := range d.tags {
		if t == ` "` || t == ` '` || t == `("` || t == `('` {
			forcedSpace := i > 0 && i-1 < len(forced) && forced[i-1]
			if !forcedSpace {
				d.strings[i] += t[:1]
			}
		}
	}
	// Decorate: outer or inner quotes, flipping with each level.
	var b strings.Builder
	var levels []bool // true: this level prints double quotes
	first := d.strings[0]
	if leadingSpace {
		first = " " + first
	}
	first = strings.TrimPrefix(strings.TrimPrefix(first, " "), " ")
	b.WriteString(first)
	for i, t := range d.tags {
		if isOpener(t) {
			var dbl bool
			switch {
			case len(levels) > 0:
				dbl = !levels[len(levels)-1]
			case inQuotes:
				dbl = false
			case t == "“":
				dbl = true
			case t == "‘":
				dbl = false
			case t == ` "` || t == `("`:
				dbl = doubleOuter
			default:
				dbl = !doubleOuter
			}
			levels = append(levels, dbl)
			if dbl {
				b.WriteRune(dquoteOn)
			} else {
				b.WriteRune(squoteOn)
			}
		} else if len(levels) > 0 {
			if levels[len(levels)-1] {
				b.WriteRune(dquoteOff)
			} else {
				b.WriteRune(squoteOff)
			}
			levels = levels[:len(levels)-1]
		}
		b.WriteString(d.strings[i+1])
	}
	return b.String()
}
