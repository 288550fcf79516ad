package web

import (
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/ospofeed/ospofeed"
)

// TestLayout: every page has the site's header, with the navigation and
// the current section marked, a favicon, the style sheet, and exactly one
// description of its own.
func TestLayout(t *testing.T) {
	s, err := BuildWith(checkSnapshot(), checkOptions)
	if err != nil {
		t.Fatal(err)
	}
	descs := map[string]string{}
	for _, p := range pagePaths(s) {
		t.Run(p, func(t *testing.T) {
			body := page(t, s, p)
			doc, err := html.Parse(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			var desc []string
			var icon, nav, main bool
			current := map[string]string{}
			for n := range doc.Descendants() {
				if n.Type != html.ElementNode {
					continue
				}
				switch {
				case n.DataAtom == atom.Meta && attr(n, "name") == "description":
					desc = append(desc, attr(n, "content"))
				case n.DataAtom == atom.Link && attr(n, "rel") == "icon":
					icon = attr(n, "href") == testBase+"/favicon.svg" && attr(n, "type") == "image/svg+xml"
				case n.DataAtom == atom.Nav && attr(n, "aria-label") == "Sections":
					nav = true
				case n.DataAtom == atom.Main && attr(n, "id") == "main":
					main = true
				case n.DataAtom == atom.A && attr(n, "aria-current") != "":
					current[attr(n, "href")] = attr(n, "aria-current")
				}
			}
			if len(desc) != 1 || strings.TrimSpace(desc[0]) == "" {
				t.Errorf("%s has descriptions %q; want exactly one, not empty", p, desc)
			} else {
				descs[p] = desc[0]
			}
			if !icon || !nav || !main {
				t.Errorf("%s: favicon %v, navigation %v, main %v; want all", p, icon, nav, main)
			}
			want := map[string]string{}
			switch {
			case p == "/":
				want[testBase+"/"] = "page"
			case p == "/recordings/" || p == "/events/" || p == "/news/" || p == "/ospos/" || p == "/search/":
				want[testBase+p] = "page"
			case strings.HasPrefix(p, "/years/") || strings.HasPrefix(p, "/languages/"):
				want[testBase+"/search/"] = "true"
			default:
				section := "/" + strings.Split(strings.Trim(p, "/"), "/")[0] + "/"
				want[testBase+section] = "true"
			}
			for k, v := range want {
				if current[k] != v {
					t.Errorf("%s marks %v as current; want %s aria-current=%s", p, current, k, v)
				}
			}
			if len(current) != len(want) {
				t.Errorf("%s marks %v as current; want %v", p, current, want)
			}
		})
	}
	// A recording's and an event's description are their own.
	rec, ev := descs["/recordings/"+recs2024[0].slug+"/"], descs["/events/ospos-good-2024/"]
	if rec == descs["/"] || ev == descs["/"] || rec == "" || ev == "" {
		t.Errorf("descriptions: index %q, recording %q, event %q; want each its own", descs["/"], rec, ev)
	}
	if want := "The first UN conference of Open Source Programme Offices."; ev != want {
		t.Errorf("event description = %q; want its summary %q", ev, want)
	}
}

func TestTopicCase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"OPEN SOURCE", "Open source"},
		{"DIGITAL PUBLIC GOODS", "Digital public goods"},
		{"UN", "UN"},
		{"SDG", "SDG"},
		{"SDG 9", "SDG 9"},
		{"OPEN SOURCE AND THE UN", "Open source and the UN"},
		{"ICT FOR DEVELOPMENT", "ICT for development"},
		{"SOUTH-SOUTH COOPERATION", "South-south cooperation"},
		{"ARTIFICIAL INTELLIGENCE (AI)", "Artificial intelligence (AI)"},
		{"Open Source", "Open Source"}, // the source's own spelling
		{"open source", "open source"}, // likewise
		{"UNESCO", "Unesco"},           // a long acronym is not told from a word
		{"2030 AGENDA", "2030 Agenda"}, // the first word is the first with letters
		{"ÉDUCATION OUVERTE", "Éducation ouverte"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := topicCase(tt.in); got != tt.want {
			t.Errorf("topicCase(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestVisitorStatus(t *testing.T) {
	for s, want := range map[ospofeed.Status]string{
		ospofeed.StatusOK: "working", ospofeed.StatusEmpty: "working, lists nothing", ospofeed.StatusDegraded: "partly unavailable",
		ospofeed.StatusFailed: "unavailable", ospofeed.StatusBlocked: "blocked by robots.txt", ospofeed.StatusNew: "not read yet",
	} {
		if got := visitorStatus(s); got != want {
			t.Errorf("visitorStatus(%s) = %q; want %q", s, got, want)
		}
	}
}

// TestPlayer: the player a recording page offers, by platform; the page
// itself names no third-party script or frame.
func TestPlayer(t *testing.T) {
	tests := []struct {
		name  string
		it    ospofeed.Item
		kind  string
		embed string
	}{
		{"UN Web TV", ospofeed.Item{ID: "https://webtv.un.org/en/asset/k1m/k1ma4k9rff", URL: "https://webtv.un.org/en/asset/k1m/k1ma4k9rff"}, "kaltura",
			"https://cdnapisec.kaltura.com/p/2503451/sp/250345100/embedIframeJs/uiconf_id/50132433/partner_id/2503451?iframeembed=true&entry_id=1_ma4k9rff"},
		{"stored entry", ospofeed.Item{ID: "https://webtv.un.org/en/asset/k1m/k1ma4k9rff", URL: "https://webtv.un.org/en/asset/k1m/k1ma4k9rff", KalturaID: "1_canon123"}, "kaltura",
			"https://cdnapisec.kaltura.com/p/2503451/sp/250345100/embedIframeJs/uiconf_id/50132433/partner_id/2503451?iframeembed=true&entry_id=1_canon123"},
		{"YouTube", ospofeed.Item{ID: "yt:video:dQw4w9WgXcQ", URL: "https://www.youtube.com/watch?v=dQw4w9WgXcQ"}, "youtube",
			"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"},
		{"withdrawn", ospofeed.Item{ID: "https://webtv.un.org/en/asset/k1w/k1wd0n3x7a", URL: "https://webtv.un.org/en/asset/k1w/k1wd0n3x7a", Withdrawn: true}, "", ""},
		{"elsewhere", ospofeed.Item{ID: "https://tube.example/w/abc", URL: "https://tube.example/w/abc"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := recordingView{Item: tt.it}.Player()
			switch {
			case tt.kind == "" && p != nil:
				t.Errorf("Player() = %+v; want none", p)
			case tt.kind != "" && (p == nil || p.Kind != tt.kind || p.Embed != tt.embed):
				t.Errorf("Player() = %+v; want %s %s", p, tt.kind, tt.embed)
			}
		})
	}

	// The page loads nothing from the player's host; the script is ours.
	s := standardSite(t)
	body := page(t, s, "/recordings/k1ma4k9rff/")
	for _, re := range []string{`<iframe`, `src="https://cdnapisec`, `src="https://www.youtube`} {
		if regexp.MustCompile(re).MatchString(body) {
			t.Errorf("recording page has %s before any click", re)
		}
	}
	for _, want := range []string{
		`<script src="` + testBase + `/cite.js" defer></script>`,
		`<a class="player-start" href="https://webtv.un.org/en/asset/k1m/k1ma4k9rff">`,
		`data-embed="https://cdnapisec.kaltura.com/p/2503451/sp/250345100/embedIframeJs/uiconf_id/50132433/partner_id/2503451?iframeembed=true&amp;entry_id=1_ma4k9rff"`,
		`<form class="moment" action="./" method="get" data-duration="10691">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("recording page lacks %s", want)
		}
	}
	if strings.Contains(body, "When ospofeed serves this page") {
		t.Errorf("recording page still speaks to developers")
	}
}
