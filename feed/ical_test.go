package feed

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ospofeed/ospofeed"
)

// vevent is one parsed VEVENT: property name (with parameters) to raw
// value.
type vevent map[string]string

// parseICal checks the physical layout of a calendar (CRLF only, folded
// lines of at most 75 octets, whole UTF-8 sequences) and returns the
// calendar's own properties and its events.
func parseICal(t *testing.T, b []byte) (cal vevent, events []vevent) {
	t.Helper()
	s := string(b)
	if !strings.HasSuffix(s, "\r\n") {
		t.Error("calendar does not end in CRLF")
	}
	physical := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	for i, l := range physical {
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets; want <= 75: %q", i+1, len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a UTF-8 sequence: %q", i+1, l)
		}
	}
	unfolded := strings.Split(strings.ReplaceAll(strings.TrimSuffix(s, "\r\n"), "\r\n ", ""), "\r\n")
	cal = vevent{}
	var cur vevent
	for _, l := range unfolded {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("content line without a colon: %q", l)
		}
		switch {
		case l == "BEGIN:VEVENT":
			cur = vevent{}
		case l == "END:VEVENT":
			events = append(events, cur)
			cur = nil
		case cur != nil:
			cur[name] = value
		default:
			cal[name] = value
		}
	}
	return cal, events
}

func icalUnescape(s string) string {
	return strings.NewReplacer(`\\`, `\`, `\;`, `;`, `\,`, `,`, `\n`, "\n").Replace(s)
}

func TestICalendar(t *testing.T) {
	items := fixtures()
	b, err := ICalendar(meta("all.ics"), items, lookupOf(items))
	if err != nil {
		t.Fatal(err)
	}
	cal, events := parseICal(t, b)
	for name, want := range map[string]string{
		"BEGIN": "VCALENDAR", "VERSION": "2.0", "PRODID": prodID, "CALSCALE": "GREGORIAN",
		"X-WR-CALNAME": `ospofeed: OSPO events & recordings`,
	} {
		if cal[name] != want {
			t.Errorf("calendar %s = %q; want %q", name, cal[name], want)
		}
	}
	// Events and scheduled recordings only: the live session, the event,
	// the hostile recording (it has a Start), the timed event.
	if len(events) != 4 {
		t.Fatalf("VEVENTs = %d; want 4", len(events))
	}
	byUID := map[string]vevent{}
	for _, e := range events {
		byUID[e["UID"]] = e
	}
	tests := []struct {
		id   string
		want vevent
	}{
		{eventID, vevent{
			"DTSTART;VALUE=DATE": "20240709",
			"DTEND;VALUE=DATE":   "20240711", // exclusive: the day after 10 July
			"SUMMARY":            "OSPOs for Good 2024",
			"LOCATION":           `ECOSOC Chamber\, UN Headquarters\, New York`,
			"URL;VALUE=URI":      eventID,
			"DTSTAMP":            "20240711T063000Z",
			"LAST-MODIFIED":      "20240711T063000Z",
			"SEQUENCE":           "142842600", // seconds from 2020 to 2024-07-11T06:30Z
			"STATUS":             "CONFIRMED",
		}},
		{liveID, vevent{"DTSTART": "20240712T140000Z", "DTEND": "", "SEQUENCE": "142930800"}},
		// It shows its event's title ("Part of"): the event's newer
		// Updated is its revision.
		{evilID, vevent{"DTSTART": "20240707T150000Z", "DTEND": "20240707T150930Z",
			"DTSTAMP": "20240711T063000Z", "LAST-MODIFIED": "20240711T063000Z", "SEQUENCE": "142842600"}},
		{longID, vevent{"DTSTART": "20240630T130000Z", "DTEND": "20240630T153000Z", "LOCATION": `Conference Room 4\; UN HQ\, New York`}},
	}
	for _, tt := range tests {
		t.Run(ospofeed.Slug(tt.id), func(t *testing.T) {
			e, ok := byUID[UID(find(items, tt.id))]
			if !ok {
				t.Fatalf("no VEVENT with UID %q", UID(find(items, tt.id)))
			}
			for k, want := range tt.want {
				if e[k] != want {
					t.Errorf("%s = %q; want %q", k, e[k], want)
				}
			}
			if want := ospofeed.CleanText(find(items, tt.id).Title); icalUnescape(e["SUMMARY"]) != want {
				t.Errorf("SUMMARY unescaped = %q; want %q", icalUnescape(e["SUMMARY"]), want)
			}
		})
	}
	// The event's description lists its recordings with their URLs.
	desc := icalUnescape(byUID[UID(find(items, eventID))]["DESCRIPTION"])
	for _, id := range []string{rec1ID, rec2ID, rec3ID, rec4ID} {
		if !strings.Contains(desc, id) {
			t.Errorf("event DESCRIPTION lacks recording %s:\n%s", id, desc)
		}
	}
}

func TestICalendarAllDaySpans(t *testing.T) {
	tests := []struct {
		name       string
		start, end time.Time
		wantEnd    string
	}{
		{"one day, no end", day0(2024, 7, 9), time.Time{}, "20240710"},
		{"one day, end = start", day0(2024, 7, 9), day0(2024, 7, 9), "20240710"},
		{"across months", day0(2024, 6, 30), day0(2024, 7, 2), "20240703"},
		{"across years", day0(2024, 12, 31), day0(2025, 1, 1), "20250102"},
		{"leap day", day0(2024, 2, 28), day0(2024, 2, 29), "20240301"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := ospofeed.Item{ID: "https://x.example/e", Kind: ospofeed.KindEvent, Title: "E", Start: tt.start, End: tt.end, AllDay: true}
			b, err := ICalendar(meta("x.ics"), []ospofeed.Item{it}, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, events := parseICal(t, b)
			if got := events[0]["DTEND;VALUE=DATE"]; got != tt.wantEnd {
				t.Errorf("DTEND(%s..%s) = %s; want %s", tt.start.Format(time.DateOnly), tt.end.Format(time.DateOnly), got, tt.wantEnd)
			}
		})
	}
}

func TestUIDStable(t *testing.T) {
	it := find(fixtures(), eventID)
	renamed := it
	renamed.Title, renamed.Updated, renamed.Version = "Renamed", renamed.Updated.Add(time.Hour), 4
	if UID(it) != UID(renamed) {
		t.Errorf("UID changed with the title: %q -> %q", UID(it), UID(renamed))
	}
	if got, want := UID(it), "ospos-good-2024-"+ospofeed.ShortHash(eventID)+"@ospofeed"; got != want {
		t.Errorf("UID(event) = %q; want %q", got, want)
	}
	other := find(fixtures(), rec1ID)
	if UID(it) == UID(other) {
		t.Errorf("two items share UID %q", UID(it))
	}
}

func TestFold(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"short", "SUMMARY:hello"},
		{"exactly 75", "SUMMARY:" + strings.Repeat("a", 67)},
		{"76", "SUMMARY:" + strings.Repeat("a", 68)},
		{"long ascii", "DESCRIPTION:" + strings.Repeat("abcdefghij", 30)},
		{"two-byte", "SUMMARY:" + strings.Repeat("é", 100)},
		{"three-byte", "SUMMARY:" + strings.Repeat("–", 100)},
		{"four-byte", "SUMMARY:" + strings.Repeat("🎥", 100)},
		{"mixed", "SUMMARY:" + strings.Repeat("aé–🎥", 40)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w icalWriter
			w.line(tt.in)
			out := w.b.String()
			for _, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
				if len(l) > 75 || !utf8.ValidString(l) {
					t.Errorf("fold(%q) has line %q (%d octets)", tt.in, l, len(l))
				}
			}
			if got := strings.ReplaceAll(strings.TrimSuffix(out, "\r\n"), "\r\n ", ""); got != tt.in {
				t.Errorf("unfold(fold(%q)) = %q; want the input", tt.in, got)
			}
		})
	}
}

func TestICalEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`a\b`, `a\\b`},
		{"a;b,c", `a\;b\,c`},
		{"line\nbreak", `line\nbreak`},
		{"crlf\r\nbreak\rcr", `crlf\nbreak\ncr`},
		{"ctl\x00\x01\x1b\x7f\u0085x", `ctl\nx`},
		{"tab\tok", "tab\tok"},
		{"non-char\ufffe", "non-char"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := icalEscape(tt.in); got != tt.want {
				t.Errorf("icalEscape(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestICalendarNoITIP: METHOD:PUBLISH makes a calendar an iTIP message,
// whose VEVENTs libical requires to have an ORGANIZER; ospofeed knows no
// organiser's calendar address, so its calendars carry no METHOD.
func TestICalendarNoITIP(t *testing.T) {
	items := fixtures()
	for _, tt := range []struct {
		name  string
		items []ospofeed.Item
	}{{"all", items}, {"empty", nil}, {"one event", []ospofeed.Item{find(items, eventID)}}} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ICalendar(meta("x.ics"), tt.items, lookupOf(items))
			if err != nil {
				t.Fatal(err)
			}
			cal, events := parseICal(t, b)
			if m, ok := cal["METHOD"]; ok {
				for _, e := range events {
					if !hasProp(e, "ORGANIZER") {
						t.Errorf("METHOD:%s, and VEVENT %s has no ORGANIZER (libical's iTIP check fails)", m, e["UID"])
					}
				}
				t.Errorf("calendar has METHOD:%s; want none (no organiser address is known)", m)
			}
		})
	}
}

func hasProp(e vevent, name string) bool {
	for k := range e {
		if k == name || strings.HasPrefix(k, name+";") {
			return true
		}
	}
	return false
}

// revisionProps are the VEVENT properties that say it changed.
var revisionProps = []string{"DTSTAMP", "LAST-MODIFIED", "SEQUENCE"}

// content is a VEVENT without its revision properties.
func content(e vevent) string {
	var keys []string
	for k := range e {
		if !slices.Contains(revisionProps, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + ":" + e[k] + "\n")
	}
	return b.String()
}

// TestICalendarRevision: a VEVENT's SEQUENCE, DTSTAMP and LAST-MODIFIED
// rise when anything it shows changes, its own fields or the title of a
// recording, event or mention it lists, and only then. Every item of the
// fixtures, with mentions both ways, is changed in turn as the store
// changes an item (a new title, Updated the time of the change, after
// every Updated before it, the next Version), and every VEVENT of the
// calendar is compared before and after.
func TestICalendarRevision(t *testing.T) {
	base := fixtures()
	for i := range base {
		switch base[i].ID {
		case articleI:
			base[i].Mentions = []string{eventID, rec1ID}
		case eventID, rec1ID:
			base[i].MentionedIn = []string{articleI}
		}
	}
	render := func(items []ospofeed.Item) map[string]vevent {
		b, err := ICalendar(meta("all.ics"), items, lookupOf(items))
		if err != nil {
			t.Fatal(err)
		}
		_, events := parseICal(t, b)
		out := map[string]vevent{}
		for _, e := range events {
			out[e["UID"]] = e
		}
		return out
	}
	var now time.Time // of the changes: after everything the store holds
	for _, it := range base {
		if it.Updated.After(now) {
			now = it.Updated.Add(24 * time.Hour)
		}
	}
	before := render(base)
	changed := 0
	for i, x := range base {
		items := slices.Clone(base)
		items[i].Title = x.Title + " (renamed)"
		items[i].Updated = now
		items[i].Version++
		after := render(items)
		for uid, b := range before {
			a := after[uid]
			moved := content(a) != content(b)
			if moved {
				changed++
			}
			for _, p := range revisionProps {
				switch {
				case moved && a[p] <= b[p] && p != "SEQUENCE":
					t.Errorf("%s renamed: VEVENT %s shows it, and %s stayed %s (now %s)", x.ID, uid, p, b[p], a[p])
				case moved && p == "SEQUENCE" && atoi(t, a[p]) <= atoi(t, b[p]):
					t.Errorf("%s renamed: VEVENT %s shows it, and SEQUENCE went from %s to %s", x.ID, uid, b[p], a[p])
				case !moved && a[p] != b[p]:
					t.Errorf("%s renamed: VEVENT %s does not show it, and %s moved from %s to %s", x.ID, uid, p, b[p], a[p])
				}
			}
		}
	}
	// The renamed event shows in its own VEVENT, its recordings' (the
	// hostile one) and the article's mention; the renamed recordings in
	// the event's: far more than one VEVENT moved.
	if changed < 5 {
		t.Errorf("only %d VEVENTs changed over all renames; the fixtures do not exercise what VEVENTs show", changed)
	}

	// A recording leaving its event: the event's revision is the event's
	// own change, later than any recording's, so SEQUENCE still rises.
	items := slices.Clone(base)
	for i := range items {
		if items[i].ID == eventID {
			items[i].Recordings = items[i].Recordings[1:]
			items[i].Updated = now
			items[i].Version++
		}
	}
	uid := UID(find(base, eventID))
	if a, b := render(items)[uid], before[uid]; atoi(t, a["SEQUENCE"]) <= atoi(t, b["SEQUENCE"]) {
		t.Errorf("a recording left the event: SEQUENCE %s -> %s; want it raised", b["SEQUENCE"], a["SEQUENCE"])
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("SEQUENCE %q: %v", s, err)
	}
	return n
}

// TestICalendarSequenceFloor: an item without any time keeps its Version
// as SEQUENCE, and SEQUENCE never falls below the Version earlier releases
// published.
func TestICalendarSequenceFloor(t *testing.T) {
	it := ospofeed.Item{ID: "https://x.example/e", Kind: ospofeed.KindEvent, Title: "E", Start: day0(2019, 3, 1), AllDay: true, Version: 7}
	m := meta("x.ics")
	m.Updated = time.Time{}
	b, err := ICalendar(m, []ospofeed.Item{it}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, events := parseICal(t, b)
	if got := events[0]["SEQUENCE"]; got != "7" {
		t.Errorf("SEQUENCE = %s; want 7 (the Version: the start, 2019, is before the epoch)", got)
	}
	if got := events[0]["DTSTAMP"]; got != "20190301T000000Z" {
		t.Errorf("DTSTAMP = %s; want the start, 20190301T000000Z", got)
	}
}
