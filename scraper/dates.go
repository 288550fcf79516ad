package scraper

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DateRange is a span of whole days; End is the last day, inclusive.
type DateRange struct {
	Start, End time.Time
}

var months = map[string]time.Month{
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
	"august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
	"oct": 10, "nov": 11, "dec": 12,
	"janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
	"juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
}

const (
	monthAlt = `(january|february|march|april|may|june|july|august|september|october|november|december|` +
		`janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|` +
		`jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?`
	dash = `\s*(?:-|–|—|to|au|à)\s*`
	day  = `(\d{1,2})(?:st|nd|rd|th|er)?`
)

// The date phrases events use, most specific first.
var datePatterns = []struct {
	re    *regexp.Regexp
	build func(m []string) (DateRange, bool)
}{
	// 30 June - 2 July 2025
	{regexp.MustCompile(`(?i)\b` + day + `\s+` + monthAlt + dash + day + `\s+` + monthAlt + `\s+(\d{4})\b`),
		func(m []string) (DateRange, bool) { return span(m[5], m[2], m[1], m[5], m[4], m[3]) }},
	// 9-10 July 2024, 16–20 June 2025
	{regexp.MustCompile(`(?i)\b` + day + dash + day + `\s+` + monthAlt + `\s+(\d{4})\b`),
		func(m []string) (DateRange, bool) { return span(m[4], m[3], m[1], m[4], m[3], m[2]) }},
	// July 9-10, 2024
	{regexp.MustCompile(`(?i)\b` + monthAlt + `\s+` + day + dash + day + `,?\s+(\d{4})\b`),
		func(m []string) (DateRange, bool) { return span(m[4], m[1], m[2], m[4], m[1], m[3]) }},
	// 21 June 2023, 1er juillet 2024
	{regexp.MustCompile(`(?i)\b` + day + `\s+` + monthAlt + `\s+(\d{4})\b`),
		func(m []string) (DateRange, bool) { return span(m[3], m[2], m[1], m[3], m[2], m[1]) }},
	// June 21, 2023
	{regexp.MustCompile(`(?i)\b` + monthAlt + `\s+` + day + `,?\s+(\d{4})\b`),
		func(m []string) (DateRange, bool) { return span(m[3], m[1], m[2], m[3], m[1], m[2]) }},
	// 27/09/2024, day first as in French and most of Europe; only when
	// unambiguous (06/07/2024 is June to an American reader): the day is
	// over 12, or day and month are the same number.
	{regexp.MustCompile(`\b(\d{1,2})/(\d{1,2})/(\d{4})\b`),
		func(m []string) (DateRange, bool) {
			d, _ := strconv.Atoi(m[1])
			mo, _ := strconv.Atoi(m[2])
			if d <= 12 && d != mo {
				return DateRange{}, false
			}
			return spanNum(m[3], m[2], m[1])
		}},
	// 2024-07-09, and the day of an ISO date-time 2024-09-27T10:00:00+02:00
	{regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})(?:\b|T)`),
		func(m []string) (DateRange, bool) { return spanNum(m[1], m[2], m[3]) }},
}

func span(y1, mo1, d1, y2, mo2, d2 string) (DateRange, bool) {
	a, ok1 := mkDate(y1, mo1, d1)
	b, ok2 := mkDate(y2, mo2, d2)
	if !ok1 || !ok2 || b.Before(a) || b.Sub(a) > 62*24*time.Hour {
		return DateRange{}, false
	}
	return DateRange{a, b}, true
}

func spanNum(y, mo, d string) (DateRange, bool) {
	mi, _ := strconv.Atoi(mo)
	if mi < 1 || mi > 12 {
		return DateRange{}, false
	}
	t, ok := spanOK(y, mi, d) // the same year bounds as the written-out dates
	if !ok {
		return DateRange{}, false
	}
	return DateRange{t, t}, true
}

func mkDate(y, mo, d string) (time.Time, bool) {
	month, ok := months[strings.TrimSuffix(strings.ToLower(mo), ".")]
	if !ok {
		return time.Time{}, false
	}
	return spanOK(y, int(month), d)
}

func spanOK(y string, month int, d string) (time.Time, bool) {
	yi, err1 := strconv.Atoi(y)
	di, err2 := strconv.Atoi(d)
	if err1 != nil || err2 != nil || yi < 1990 || yi > 2100 {
		return time.Time{}, false
	}
	t := time.Date(yi, time.Month(month), di, 0, 0, 0, 0, time.UTC)
	if t.Day() != di {
		return time.Time{}, false
	}
	return t, true
}

// FindDateRange returns the first date or date range in s, in English or
// French ("9-10 July 2024", "21 June 2023", "July 9-10, 2024",
// "27 septembre 2024", "2024-07-09").
func FindDateRange(s string) (DateRange, bool) {
	best, bestAt := DateRange{}, -1
	for _, p := range datePatterns {
		for _, idx := range p.re.FindAllStringSubmatchIndex(s, -1) {
			if bestAt >= 0 && idx[0] >= bestAt {
				break
			}
			m := make([]string, len(idx)/2)
			for i := range m {
				if idx[2*i] >= 0 {
					m[i] = s[idx[2*i]:idx[2*i+1]]
				}
			}
			if r, ok := p.build(m); ok {
				best, bestAt = r, idx[0]
				break
			}
		}
	}
	return best, bestAt >= 0
}
