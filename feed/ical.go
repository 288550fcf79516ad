package feed

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ospofeed/ospofeed"
)

// prodID names the software that made the calendar, as RFC 5545 requires.
const prodID = "-//ospofeed//ospofeed feed//EN"

// ICalendar renders events, and recordings with a scheduled Start, as an
// iCalendar (RFC 5545) calendar of VEVENTs, in the given order. Items
// without a Start, and articles, are skipped. All-day events become
// VALUE=DATE spans with an exclusive DTEND; timed items are written in UTC,
// so no VTIMEZONE is needed. DTSTAMP, LAST-MODIFIED and SEQUENCE follow
// what each VEVENT shows (see revision) rather than the clock, which keeps
// the output deterministic.
//
// The calendar has no METHOD: METHOD:PUBLISH makes it an iTIP message
// (RFC 5546), which needs an ORGANIZER, a calendar address, in every
// VEVENT; libical's iTIP check refuses one without. ospofeed knows an
// event's organiser by name at best, never by address, and an invented
// mailto: would make calendar clients treat the events as invitations.
// Without METHOD the calendar is a plain RFC 5545 object, which is what a
// subscription (webcal) is.
func ICalendar(m Meta, items []ospofeed.Item, look Lookup) ([]byte, error) {
	m, err := m.norm()
	if err != nil {
		return nil, fmt.Errorf("feed: icalendar: %w", err)
	}
	var w icalWriter
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:" + prodID)
	w.line("CALSCALE:GREGORIAN")
	// NAME and DESCRIPTION are RFC 7986; the X-WR- twins are what Apple,
	// Google and Outlook actually read.
	w.text("NAME", m.Title)
	w.text("X-WR-CALNAME", m.Title)
	if m.Subtitle != "" {
		w.text("DESCRIPTION", m.Subtitle)
		w.text("X-WR-CALDESC", m.Subtitle)
	}
	if m.SelfURL != "" {
		w.line("SOURCE;VALUE=URI:" + m.SelfURL)
	}
	if h := m.home(); h != "" {
		w.line("URL;VALUE=URI:" + h)
	}
	for _, it := range usable(items) {
		if it.Start.IsZero() || (it.Kind != ospofeed.KindEvent && it.Kind != ospofeed.KindRecording) {
			continue
		}
		w.event(m, it, look)
	}
	w.line("END:VCALENDAR")
	return w.b.Bytes(), nil
}

// UID is the iCalendar UID of an item: stable for as long as its id is, so
// that calendar clients update the event instead of duplicating it.
func UID(it ospofeed.Item) string {
	id := ospofeed.CleanText(it.ID)
	return ospofeed.Slug(id) + "-" + ospofeed.ShortHash(id) + "@ospofeed"
}

func (w *icalWriter) event(m Meta, it ospofeed.Item, look Lookup) {
	v := newView(m.BaseURL, it, look)
	stamp, seq := revision(it, look, m.Updated)
	w.line("BEGIN:VEVENT")
	w.line("UID:" + UID(it))
	w.line("DTSTAMP:" + utcStamp(stamp))
	w.line("SEQUENCE:" + strconv.Itoa(seq))
	if it.AllDay {
		w.line("DTSTART;VALUE=DATE:" + it.Start.Format("20060102"))
		// DTEND of a DATE span is exclusive: the day after the last day.
		y, mo, d := it.LastDay().Date()
		w.line("DTEND;VALUE=DATE:" + time.Date(y, mo, d+1, 0, 0, 0, 0, time.UTC).Format("20060102"))
	} else {
		w.line("DTSTART:" + utcStamp(it.Start))
		switch {
		case !it.End.IsZero() && it.End.After(it.Start):
			w.line("DTEND:" + utcStamp(it.End))
		case it.Duration > 0:
			w.line("DTEND:" + utcStamp(it.Start.Add(it.Duration.Round(time.Second))))
		}
	}
	w.text("SUMMARY", v.Title)
	if venue := ospofeed.CleanText(it.Venue); venue != "" {
		w.text("LOCATION", venue)
	}
	if u := itemURL(it); u != "" {
		w.line("URL;VALUE=URI:" + u)
	}
	w.text("DESCRIPTION", v.text())
	if !it.FirstSeen.IsZero() {
		w.line("CREATED:" + utcStamp(it.FirstSeen))
	}
	w.line("LAST-MODIFIED:" + utcStamp(stamp))
	// A withdrawn recording is cancelled rather than dropped, so that
	// subscribers see it go instead of it silently vanishing.
	if it.Withdrawn {
		w.line("STATUS:CANCELLED")
	} else {
		w.line("STATUS:CONFIRMED")
	}
	// Transparent: following a conference should not mark a subscriber busy.
	w.line("TRANSP:TRANSPARENT")
	w.line("END:VEVENT")
}

// seqEpoch is where SEQUENCE counts seconds from.
var seqEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// revision is when anything a VEVENT of it shows last changed (its
// DTSTAMP and LAST-MODIFIED), and its SEQUENCE.
//
// A VEVENT shows the item and the titles, durations and URLs of related
// items (newView): an event's first recordings, a recording's events, the
// mentions either way. The store moves an item's Updated (and Version)
// exactly when its content changes, so the latest Updated of the item and
// of what it shows moves whenever the VEVENT may have changed; a change
// elsewhere leaves it alone. SEQUENCE counts the seconds from 2020 to that
// moment: it rises with every change and never falls, even when a
// recording or a mention leaves the VEVENT (a sum of Versions would fall
// then), and it is never below the item's own Version, which earlier
// releases published as SEQUENCE. It fits RFC 5545's 31-bit INTEGER until
// 2088. One change escapes it: an item that stops mentioning this one
// leaves the VEVENT's "Mentioned in" without moving anything the VEVENT
// still shows (no state is kept to notice); the next change carries it.
func revision(it ospofeed.Item, look Lookup, fallback time.Time) (time.Time, int) {
	stamp := updated(it, fallback)
	if stamp.IsZero() {
		stamp = it.Start.UTC() // DTSTAMP is required; any fixed instant beats the clock
	}
	for _, r := range shown(it, look) {
		if u := r.Updated.UTC(); u.After(stamp) {
			stamp = u
		}
	}
	seq := max(it.Version, 0)
	if s := stamp.Sub(seqEpoch) / time.Second; s > time.Duration(seq) {
		seq = int(min(s, 1<<31-1))
	}
	return stamp, seq
}

// shown are the items whose titles a VEVENT of it shows, as newView picks
// them: its events (a recording's), its first recordings (an event's), the
// items it mentions and the first that mention it; never-published
// recordings are not shown.
func shown(it ospofeed.Item, look Lookup) []ospofeed.Item {
	ids := slices.Concat(it.Mentions, it.MentionedIn[:min(len(it.MentionedIn), maxListed)])
	switch it.Kind {
	case ospofeed.KindRecording:
		ids = append(ids, it.Events...)
	case ospofeed.KindEvent:
		ids = append(ids, it.Recordings[:min(len(it.Recordings), maxListed)]...)
	}
	var out []ospofeed.Item
	for _, id := range ids {
		if r, ok := look.find(ospofeed.CleanText(id)); ok && !r.Unpublished {
			out = append(out, r)
		}
	}
	return out
}

func utcStamp(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// icalWriter accumulates content lines, folded and CRLF-terminated.
type icalWriter struct{ b bytes.Buffer }

// text writes a property of type TEXT, escaped.
func (w *icalWriter) text(name, value string) { w.line(name + ":" + icalEscape(value)) }

// line writes one content line, folded at 75 octets as RFC 5545 §3.1
// requires: a fold is CRLF followed by a space, which counts toward the next
// line's 75. Folds fall between UTF-8 sequences, never inside one.
func (w *icalWriter) line(s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.b.WriteString(s[:cut])
		w.b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74
	}
	w.b.WriteString(s)
	w.b.WriteString("\r\n")
}

// icalEscaper escapes TEXT values (RFC 5545 §3.3.11).
var icalEscaper = strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`, "\n", `\n`)

// icalEscape drops the control characters TEXT does not allow (strip's set
// covers them), turns every line break into \n and escapes the rest.
func icalEscape(s string) string {
	s = ospofeed.StripXMLIllegal(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return icalEscaper.Replace(s)
}
