package scraper

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/internal/fixture"
)

const directoryURL = "https://code.gouv.fr/data/fr-public-sector-ospo.yml"

func TestParseDirectory(t *testing.T) {
	t.Parallel()
	items, warnings, err := ParseDirectory(directoryURL, readFixture(t, fixture.HostCodeGouv, "data/fr-public-sector-ospo.yml"))
	if err != nil || len(warnings) > 0 {
		t.Fatalf("ParseDirectory(%s) = %v, warnings %q; want no error, no warning", directoryURL, err, warnings)
	}
	wantIDs := []string{"https://www.numerique.gouv.fr", "https://ospo.example.fr", "https://www.zendis.de", "https://www.besancon.fr",
		"https://www.un.org/digital-emerging-technologies", "https://joinup.ec.europa.eu/collection/ec-ospo", // the portal's main name
		"https://opensource.overheid.nl", "https://ospo.univ-exemple.fr", "https://ospo.region-exemple.fr"}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
		checkItem(t, "ParseDirectory", it)
		if it.Kind != ospofeed.KindOrganisation || it.Authority != ospofeed.AuthorityFeed || it.Title == "" {
			t.Errorf("ParseDirectory %s: Kind, Authority, Title = %q, %d, %q; want organisation, %d, a title", it.ID, it.Kind, it.Authority, it.Title, ospofeed.AuthorityFeed)
		}
	}
	if !slices.Equal(ids, wantIDs) {
		t.Fatalf("ParseDirectory ids =\n%q\nwant (file order)\n%q", ids, wantIDs)
	}
	got := byID(items)
	tests := []struct {
		id, url, title, country, email, policy, guid string
		created                                      time.Time
		descriptions                                 map[string]string
		forges                                       []string
	}{
		{id: "https://www.numerique.gouv.fr", url: "https://www.numerique.gouv.fr/", title: "Mission logiciels libres (DINUM)", country: "FR",
			policy: "https://code.gouv.fr/fr/politique-de-contribution/", created: ymd(2021, 11, 10),
			descriptions: map[string]string{
				"fr": "La Mission logiciels libres de la direction interministérielle du numérique anime l'usage et la publication de logiciels libres dans l'administration.",
				"en": "The free software unit of France's interministerial digital directorate supports the use and release of free software across government.",
			},
			forges: []string{"https://github.com/codegouvfr", "https://git.sr.ht/~codegouvfr"}},
		{id: "https://ospo.example.fr", url: "https://ospo.example.fr/", title: "Réseau des OSPO publics", country: "FR",
			email: "contact@ospo.example.fr", policy: "https://ospo.example.fr/charte/", guid: "130025265", created: ymd(2023, 3, 15),
			descriptions: map[string]string{"fr": "Réseau d'entraide des OSPO d'administrations et de collectivités françaises.",
				"en": "A mutual-help network of French public-sector OSPOs."},
			forges: []string{"https://forge.ospo.example.fr/", "https://github.com/ospo-example-fr"}},
		{id: "https://www.zendis.de", url: "https://www.zendis.de/", title: "Zentrum für Digitale Souveränität", country: "DE",
			descriptions: map[string]string{"de": "Zentrum für Digitale Souveränität der Öffentlichen Verwaltung.",
				"en": "Centre for the digital sovereignty of public administration."},
			forges: []string{"https://gitlab.opencode.de/"}},
		{id: "https://www.besancon.fr", url: "https://www.besancon.fr/", title: "Ville de Besançon", country: "FR", created: ymd(2025, 1, 6),
			descriptions: map[string]string{"fr": "OSPO municipal rattaché à la direction du numérique."}},
		{id: "https://www.un.org/digital-emerging-technologies", url: "https://www.un.org/digital-emerging-technologies/", // a quoted key
			title: "UN Office for Digital and Emerging Technologies (ODET)", country: "INT",
			descriptions: map[string]string{"en": "Organiser of OSPOs for Good and of the UN Open Source Week.",
				"fr": "Organisateur d'OSPOs for Good et de la Semaine de l'open source de l'ONU."}},
		{id: "https://joinup.ec.europa.eu/collection/ec-ospo", url: "https://interoperable-europe.ec.europa.eu/collection/ec-ospo",
			title: "European Commission Open Source Programme Office", country: "EU"},
		{id: "https://opensource.overheid.nl", url: "https://opensource.overheid.nl/", title: "Programma Open Source Overheid"}, // name only
		{id: "https://ospo.univ-exemple.fr", url: "https://ospo.univ-exemple.fr/", title: "OSPO de l'Université Exemple", country: "FR",
			email: "ospo@univ-exemple.fr", policy: "https://ospo.univ-exemple.fr/politique/", guid: "197534712", created: ymd(2022, 9, 1),
			descriptions: map[string]string{"fr": "Accompagne les laboratoires qui publient leurs logiciels de recherche.",
				"en": "Helps research labs release their software."},
			forges: []string{"https://gitlab.univ-exemple.fr/", "https://codeberg.org/univ-exemple", "https://github.com/univ-exemple"}},
		{id: "https://ospo.region-exemple.fr", url: "https://ospo.region-exemple.fr/", title: "ospo.region-exemple.fr"}, // {}: the host as title
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			it := got[tt.id]
			if it.URL != tt.url || it.Title != tt.title || it.Country != tt.country || it.Email != tt.email || it.Policy != tt.policy || it.GUID != tt.guid {
				t.Errorf("%s = URL %q, Title %q, Country %q, Email %q, Policy %q, GUID %q;\nwant %q, %q, %q, %q, %q, %q",
					tt.id, it.URL, it.Title, it.Country, it.Email, it.Policy, it.GUID, tt.url, tt.title, tt.country, tt.email, tt.policy, tt.guid)
			}
			if !it.Date.Equal(tt.created) || it.DateOnly != !tt.created.IsZero() {
				t.Errorf("%s: Date, DateOnly = %v, %v; want %v, %v", tt.id, it.Date, it.DateOnly, tt.created, !tt.created.IsZero())
			}
			if !maps.Equal(it.Descriptions, tt.descriptions) || (it.Descriptions == nil) != (tt.descriptions == nil) {
				t.Errorf("%s: Descriptions = %q; want %q", tt.id, it.Descriptions, tt.descriptions)
			}
			if !slices.Equal(it.Forges, tt.forges) {
				t.Errorf("%s: Forges = %q; want %q", tt.id, it.Forges, tt.forges)
			}
		})
	}
}

// TestParseDirectoryWarnings: a bad field is a warning naming the file and
// the field's line; the entry keeps its other fields.
func TestParseDirectoryWarnings(t *testing.T) {
	t.Parallel()
	const name = "ospo.yml"
	tests := []struct {
		name, yaml string
		ids        []string // the entries kept
		warnings   []string // each warning starts with one of these, in order
		check      func(t *testing.T, items []ospofeed.Item)
	}{
		{"bad email", "https://a.example/:\n  name: A\n  email: pas une adresse\n  country: fr\n",
			[]string{"https://a.example"}, []string{name + `:3: https://a.example/: email "pas une adresse" is not an address`},
			func(t *testing.T, items []ospofeed.Item) {
				if it := items[0]; it.Title != "A" || it.Email != "" || it.Country != "FR" {
					t.Errorf("Title, Email, Country = %q, %q, %q; want A, none, FR", it.Title, it.Email, it.Country)
				}
			}},
		{"email with a display name", "https://a.example/:\n  email: OSPO <ospo@a.example>\n",
			[]string{"https://a.example"}, nil,
			func(t *testing.T, items []ospofeed.Item) {
				if items[0].Email != "ospo@a.example" {
					t.Errorf("Email = %q; want the address", items[0].Email)
				}
			}},
		{"bad created", "# head\nhttps://a.example/:\n  name: A\n  created: 2024-13-45\n",
			[]string{"https://a.example"}, []string{name + `:4: https://a.example/: created "2024-13-45" is not a date (YYYY-MM-DD)`}, nil},
		{"created with a time", "https://a.example/:\n  created: 2024-02-29T10:00:00Z\n", []string{"https://a.example"}, nil,
			func(t *testing.T, items []ospofeed.Item) {
				if !items[0].Date.Equal(ymd(2024, 2, 29)) || !items[0].DateOnly {
					t.Errorf("Date, DateOnly = %v, %v; want 2024-02-29, true", items[0].Date, items[0].DateOnly)
				}
			}},
		{"bad policy and forge", "https://a.example/:\n  floss_policy: charte.html\n  code:\n    - https://git.a.example/\n    - ftp://old.a.example/\n",
			[]string{"https://a.example"}, []string{name + `:2: https://a.example/: floss_policy "charte.html" is not a URL`, name + `:5: https://a.example/: code "ftp://old.a.example/" is not a URL`},
			func(t *testing.T, items []ospofeed.Item) {
				if !slices.Equal(items[0].Forges, []string{"https://git.a.example/"}) {
					t.Errorf("Forges = %q; want the good one, as given", items[0].Forges)
				}
			}},
		{"one forge as text", "https://a.example/:\n  code: https://git.a.example/\n", []string{"https://a.example"}, nil,
			func(t *testing.T, items []ospofeed.Item) {
				if !slices.Equal(items[0].Forges, []string{"https://git.a.example/"}) {
					t.Errorf("Forges = %q; want the one, as given", items[0].Forges)
				}
			}},
		{"name that is not text", "https://a.example/:\n  name:\n    fr: A\n", []string{"https://a.example"},
			[]string{name + `:3: https://a.example/: name must be text`},
			func(t *testing.T, items []ospofeed.Item) {
				if items[0].Title != "a.example" {
					t.Errorf("Title = %q; want the host", items[0].Title)
				}
			}},
		{"description as text", "https://a.example/:\n  description: Un OSPO.\n", []string{"https://a.example"}, nil,
			func(t *testing.T, items []ospofeed.Item) {
				if !maps.Equal(items[0].Descriptions, map[string]string{"und": "Un OSPO."}) {
					t.Errorf("Descriptions = %q; want und: Un OSPO.", items[0].Descriptions)
				}
			}},
		{"key that is not a URL", "ospo.a.example:\n  name: A\nhttps://b.example/:\n  name: B\n", []string{"https://b.example"},
			[]string{name + `:1: key "ospo.a.example" is not an http(s) URL: entry skipped`}, nil},
		{"key listed twice", "https://a.example/:\n  name: A\nhttps://A.example:\n  name: A again\n", []string{"https://a.example"},
			[]string{name + `:3: https://A.example is listed again (first on line 1): entry skipped`}, nil},
		{"entry that is a list", "https://a.example/:\n  - name: A\n", []string{"https://a.example"},
			[]string{name + `:1: entry https://a.example/ is not a map: only its URL is kept`}, nil},
		{"entry that is text", "https://a.example/: A\n", []string{"https://a.example"},
			[]string{name + `:1: entry https://a.example/ is not a map: only its URL is kept`}, nil},
		{"entry that is null", "https://a.example/:\nhttps://b.example/: ~\n", []string{"https://a.example", "https://b.example"}, nil, nil},
		{"control characters", "https://a.example/:\n  name: \"A\\u0000\\x1b B\"\n", []string{"https://a.example"}, nil,
			func(t *testing.T, items []ospofeed.Item) {
				if items[0].Title != "A B" {
					t.Errorf("Title = %q; want %q", items[0].Title, "A B")
				}
			}},
		{"empty document", "", nil, nil, nil},
		{"only comments", "# rien\n", nil, nil, nil},
		{"empty map", "{}\n", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, warnings, err := ParseDirectory(name, []byte(tt.yaml))
			if err != nil {
				t.Fatalf("ParseDirectory(%s) error: %v", tt.name, err)
			}
			var ids []string
			for _, it := range items {
				checkItem(t, "ParseDirectory("+tt.name+")", it)
				ids = append(ids, it.ID)
			}
			if !slices.Equal(ids, tt.ids) {
				t.Fatalf("ParseDirectory(%s) ids = %q; want %q", tt.name, ids, tt.ids)
			}
			if len(warnings) != len(tt.warnings) {
				t.Fatalf("ParseDirectory(%s) warnings = %q; want %q", tt.name, warnings, tt.warnings)
			}
			for i, w := range tt.warnings {
				if warnings[i] != w {
					t.Errorf("ParseDirectory(%s) warning %d =\n%q; want\n%q", tt.name, i, warnings[i], w)
				}
			}
			if tt.check != nil {
				tt.check(t, items)
			}
		})
	}
}

// TestParseDirectoryErrors: a document that is not a YAML map is an error
// naming the file and the line.
func TestParseDirectoryErrors(t *testing.T) {
	t.Parallel()
	const name = "ospo.yml"
	tests := []struct{ name, yaml, want string }{
		{"a list", "# The JSON-like list form\n- url: https://a.example/\n  name: A\n", name + ":2: the directory must be a map"},
		{"text", "\n\nhello\n", name + ":3: the directory must be a map"},
		{"syntax error", "https://a.example/:\n  name: A\n   bad: indentation\n", "parse " + name + ": yaml: line 3"},
		{"tab indentation", "https://a.example/:\n\tname: A\n", "parse " + name + ": yaml: line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, _, err := ParseDirectory(name, []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) || len(items) != 0 {
				t.Errorf("ParseDirectory(%s) = %d items, %v; want an error containing %q", tt.name, len(items), err, tt.want)
			}
		})
	}
}

// TestRunDirectoryBroken: through Run, a directory that is not a map fails
// the crawl naming the line; a bad field is a warning and the crawl
// succeeds.
func TestRunDirectoryBroken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		items      int
		errPart    string
		warnPart   string
	}{
		{"a list", "- https://a.example/\n- https://b.example/\n", 0, "source ospo-directory: parse " + directoryURL + ":1: the directory must be a map", ""},
		{"a bad field", "https://a.example/:\n  created: demain\n", 1, "", directoryURL + `:2: https://a.example/: created "demain" is not a date`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			site := newSite(t)
			site.Set(fixture.HostCodeGouv, "/data/fr-public-sector-ospo.yml", fixture.ContentTypeYAML, tt.body)
			src := ospofeed.Source{ID: "ospo-directory", Kind: "ospo-directory", URL: directoryURL}
			res := run(t, site, nil, src, newMemory())
			if len(res.Items) != tt.items {
				t.Errorf("Run(%s) gave %d items; want %d", tt.name, len(res.Items), tt.items)
			}
			if (tt.errPart == "") != (res.Err == nil) || (res.Err != nil && !strings.Contains(res.Err.Error(), tt.errPart)) {
				t.Errorf("Run(%s).Err = %v; want %q", tt.name, res.Err, tt.errPart)
			}
			if tt.warnPart != "" && !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, tt.warnPart) }) {
				t.Errorf("Run(%s) warnings = %q; want one containing %q", tt.name, res.Warnings, tt.warnPart)
			}
		})
	}
}
