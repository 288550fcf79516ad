package feed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gorilla/feeds"
	"github.com/ospofeed/ospofeed"
)

// jsonFeed wraps gorilla's JSONFeed so that "items" is always present (the
// spec requires it; gorilla omits an empty list) and carries our extension.
type jsonFeed struct {
	*feeds.JSONFeed
	Items []*jsonItem `json:"items"`
}

// jsonItem adds the _ospofeed extension object to gorilla's JSONItem.
type jsonItem struct {
	*feeds.JSONItem
	Ext *jsonExt `json:"_ospofeed,omitempty"`
}

// jsonExt holds the fields JSON Feed has no place for. Field names are
// snake_case like the rest of JSON Feed; readers ignore "_"-prefixed keys.
type jsonExt struct {
	Kind            string   `json:"kind"`
	Start           string   `json:"start,omitempty"` // YYYY-MM-DD for all-day events, RFC 3339 otherwise
	End             string   `json:"end,omitempty"`   // last day, inclusive, for all-day events
	AllDay          bool     `json:"all_day,omitempty"`
	Venue           string   `json:"venue,omitempty"`
	DurationSeconds int64    `json:"duration_seconds,omitempty"`
	Languages       []string `json:"languages,omitempty"`
	Entities        []string `json:"entities,omitempty"`
	Events          []string `json:"events,omitempty"`
	Recordings      []string `json:"recordings,omitempty"`
	Live            bool     `json:"live,omitempty"`
	Withdrawn       bool     `json:"withdrawn,omitempty"`
}

// maxListedIDs bounds the recording ids an event's JSON Feed item lists.
const maxListedIDs = 200

// JSON renders items as a JSON Feed 1.1 document, in the given order. url is
// the item's own page (e.g. on UN Web TV), external_url our page about it.
func JSON(m Meta, items []ospofeed.Item, look Lookup) ([]byte, error) {
	m, err := m.norm()
	if err != nil {
		return nil, fmt.Errorf("feed: json: %w", err)
	}
	items = usable(items)
	f := &jsonFeed{
		JSONFeed: &feeds.JSONFeed{
			Version:     "https://jsonfeed.org/version/1.1",
			Title:       m.Title,
			HomePageUrl: m.home(),
			FeedUrl:     m.SelfURL,
			Description: m.Subtitle,
			Authors:     []*feeds.JSONAuthor{{Name: m.Author, Url: m.AuthorURL}},
			// JSON Feed pages by next_url: the older entries.
			NextUrl: m.Archive.Prev,
		},
		Items: []*jsonItem{},
	}
	for _, it := range items {
		f.Items = append(f.Items, jsonItemOf(m, it, look))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	// Escaping <, > and & as \u003c… is only needed when JSON is pasted into
	// HTML; a feed is served on its own, and the golden files stay readable.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("feed: json: encode: %w", err)
	}
	return b.Bytes(), nil
}

func jsonItemOf(m Meta, it ospofeed.Item, look Lookup) *jsonItem {
	v, body := m.entry(it, look)
	// JSON Feed dates are RFC 3339 like Atom's; whole seconds keep the two
	// formats in agreement.
	up := updated(it, m.Updated).Truncate(time.Second)
	ji := &feeds.JSONItem{
		Id:           it.ID,
		Url:          itemURL(it),
		Title:        v.Title,
		ContentHTML:  body,
		Image:        v.Thumbnail,
		ModifiedDate: &up,
		Tags:         tags(it),
	}
	if v.Page != "" && v.Page != ji.Url {
		ji.ExternalUrl = v.Page
	}
	if len(v.Summary) > 0 {
		ji.Summary = joinParagraphs(v.Summary)
		ji.ContentText = ji.Summary
	}
	if p := published(it).Truncate(time.Second); !p.IsZero() {
		ji.PublishedDate = &p
	}
	if a := author(it); a != "" {
		ji.Authors = []*feeds.JSONAuthor{{Name: a}}
	}
	return &jsonItem{JSONItem: ji, Ext: extOf(it)}
}

func extOf(it ospofeed.Item) *jsonExt {
	x := &jsonExt{
		Kind:       string(it.Kind),
		AllDay:     it.AllDay,
		Venue:      ospofeed.CleanText(it.Venue),
		Languages:  cleanList(it.Languages),
		Entities:   cleanList(it.Entities),
		Events:     cleanList(it.Events),
		Recordings: cleanList(it.Recordings[:min(len(it.Recordings), maxListedIDs)]),
		Live:       it.Live,
		Withdrawn:  it.Withdrawn,
	}
	if it.Duration > 0 {
		x.DurationSeconds = int64(it.Duration.Round(time.Second) / time.Second)
	}
	if !it.Start.IsZero() {
		if it.AllDay {
			x.Start = it.Start.Format(time.DateOnly)
			x.End = it.LastDay().Format(time.DateOnly)
		} else {
			x.Start = rfc3339(it.Start)
			if !it.End.IsZero() {
				x.End = rfc3339(it.End)
			}
		}
	}
	return x
}
