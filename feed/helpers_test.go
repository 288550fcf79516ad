package feed

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

func TestPageURL(t *testing.T) {
	tests := []struct {
		name string
		base string
		it   ospofeed.Item
		want string
	}{
		{"recording", site, ospofeed.Item{ID: rec1ID, Kind: ospofeed.KindRecording}, site + "/recordings/k1ma4k9rff/"},
		{"event", site, ospofeed.Item{ID: eventID, Kind: ospofeed.KindEvent}, site + "/events/ospos-good-2024/"},
		{"article", site, ospofeed.Item{ID: articleI, Kind: ospofeed.KindArticle}, ""},
		{"trailing slash", site + "/", ospofeed.Item{ID: rec1ID, Kind: ospofeed.KindRecording}, site + "/recordings/k1ma4k9rff/"},
		{"no base", "", ospofeed.Item{ID: rec1ID, Kind: ospofeed.KindRecording}, ""},
		{"no id", site, ospofeed.Item{Kind: ospofeed.KindRecording}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PageURL(tt.base, tt.it); got != tt.want {
				t.Errorf("PageURL(%q, %s) = %q; want %q", tt.base, tt.it.ID, got, tt.want)
			}
		})
	}
}

func TestClock(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "00:00:00"},
		{hms(2, 58, 41), "02:58:41"},
		{hms(0, 9, 30) + 600*time.Millisecond, "00:09:31"},
		{hms(100, 0, 1), "100:00:01"},
		{-time.Second, "00:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.in.String(), func(t *testing.T) {
			if got := clock(tt.in); got != tt.want {
				t.Errorf("clock(%v) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDateRanges(t *testing.T) {
	tests := []struct {
		name       string
		start, end time.Time
		want, us   string
	}{
		{"one day", day0(2024, 7, 9), time.Time{}, "9 July 2024", "July 9, 2024"},
		{"same month", day0(2024, 7, 9), day0(2024, 7, 10), "9–10 July 2024", "July 9–10, 2024"},
		{"across months", day0(2024, 6, 30), day0(2024, 7, 2), "30 June – 2 July 2024", "June 30–July 2, 2024"},
		{"across years", day0(2024, 12, 30), day0(2025, 1, 2), "30 December 2024 – 2 January 2025", "December 30, 2024–January 2, 2025"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dateRange(tt.start, tt.end); got != tt.want {
				t.Errorf("dateRange(%v, %v) = %q; want %q", tt.start, tt.end, got, tt.want)
			}
			if got := usDate(tt.start, tt.end); got != tt.us {
				t.Errorf("usDate(%v, %v) = %q; want %q", tt.start, tt.end, got, tt.us)
			}
		})
	}
}

func TestWhen(t *testing.T) {
	tests := []struct {
		name string
		it   ospofeed.Item
		want string
	}{
		{"all-day event", find(fixtures(), eventID), "9–10 July 2024"},
		{"timed event", find(fixtures(), longID), "30 June 2024, 13:00–15:30 UTC"},
		{"recording at fake noon", find(fixtures(), rec1ID), "9 July 2024"},
		{"article with a time", find(fixtures(), articleI), "11 July 2024, 14:05 UTC"},
		{"nothing", ospofeed.Item{Kind: ospofeed.KindArticle}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := when(tt.it); got != tt.want {
				t.Errorf("when(%s) = %q; want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestWebURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://webtv.un.org/en/asset/k1m/k1ma4k9rff", "https://webtv.un.org/en/asset/k1m/k1ma4k9rff"},
		{"  http://example.org/a?b=c&d  ", "http://example.org/a?b=c&d"},
		{"//cfvod.kaltura.com/p/1", ""},
		{"/en/asset/k1m/k1ma4k9rff", ""},
		{"javascript:alert(1)", ""},
		{"https://exa mple.org/", ""},
		{"mailto:a@b.org", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := ospofeed.WebURL(tt.in); got != tt.want {
				t.Errorf("ospofeed.WebURL(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  a \t b\n", "a b"},
		{"x\x00\x7f\u0080\u009fy", "xy"},
		{"next\u0085line", "next line"},
		{"rtl مكتب 🎥", "rtl مكتب 🎥"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := ospofeed.CleanText(tt.in); got != tt.want {
				t.Errorf("ospofeed.CleanText(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestOPMLReadBack(t *testing.T) {
	b, err := OPML("ospofeed subscriptions", time.Date(2024, 7, 12, 8, 0, 0, 0, time.UTC), subscriptions())
	if err != nil {
		t.Fatal(err)
	}
	type outline struct {
		Text     string    `xml:"text,attr"`
		Title    string    `xml:"title,attr"`
		Type     string    `xml:"type,attr"`
		XMLURL   string    `xml:"xmlUrl,attr"`
		HTMLURL  string    `xml:"htmlUrl,attr"`
		Outlines []outline `xml:"outline"`
	}
	var doc struct {
		Version  string    `xml:"version,attr"`
		Title    string    `xml:"head>title"`
		Created  string    `xml:"head>dateCreated"`
		Outlines []outline `xml:"body>outline"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("xml.Unmarshal(OPML) error: %v", err)
	}
	if doc.Version != "2.0" || doc.Title != "ospofeed subscriptions" {
		t.Errorf("version, title = %q, %q", doc.Version, doc.Title)
	}
	if _, err := time.Parse(time.RFC1123Z, doc.Created); err != nil {
		t.Errorf("dateCreated %q is not RFC 822: %v", doc.Created, err)
	}
	if len(doc.Outlines) != 4 {
		t.Fatalf("outlines = %d; want 4", len(doc.Outlines))
	}
	first := doc.Outlines[0]
	if first.Type != "rss" || first.Text != "All items" || first.XMLURL != site+"/feeds/all.atom" || first.HTMLURL != site+"/" {
		t.Errorf("first outline = %+v", first)
	}
	if g := doc.Outlines[1]; len(g.Outlines) != 2 || g.Type != "" || g.XMLURL != "" {
		t.Errorf("group outline = %+v; want two children, no type or URL", g)
	}
	if u := doc.Outlines[2]; u.Text != site+"/feeds/untitled.json" {
		t.Errorf("untitled outline text = %q; want its URL", u.Text)
	}
	if strings.Contains(string(b), "javascript:") {
		t.Error("OPML kept a javascript: URL")
	}
	empty, err := OPML("", time.Time{}, nil)
	if err != nil || !strings.Contains(string(empty), "<body></body>") {
		t.Errorf("OPML(empty) = %s, %v; want an empty body", empty, err)
	}
}
