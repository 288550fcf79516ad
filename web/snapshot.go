package web

import (
	"slices"
	"strings"
	"time"

	"github.com/ospofeed/ospofeed"
)

// Snapshot is a set of items rendered at once, without a store: for tests,
// benchmarks and previews. Its feed logs are built as the store's schema
// migration builds them from items saved before logs existed: in the order
// the items were first seen, then by date.
type Snapshot struct {
	Info    Info
	Items   []ospofeed.Item
	Sources []SourceView
	Created time.Time
	Today   time.Time
	Changes []ospofeed.StatusChange
}

// Build renders a snapshot into an in-memory site.
func Build(snap Snapshot) (*Site, error) {
	return BuildWith(snap, Options{})
}

// BuildWith is Build with rendering options.
func BuildWith(snap Snapshot, opt Options) (*Site, error) {
	s := NewSite()
	return s, RenderInto(s, snap, opt)
}

// RenderInto renders a snapshot into an in-memory site, as a new crawl's
// rendering replaces what a site held, and lets the site cite its
// recordings at a moment.
func RenderInto(s *Site, snap Snapshot, opt Options) error {
	r := &Renderer{R: newMemReader(snap.Items), S: s, Opt: opt}
	// A snapshot has no history: anything in it may have changed.
	_, err := r.Render(snap.Context(), Change{All: true})
	c := snap.Context()
	s.mu.Lock()
	s.cite = func(slug, name string, off time.Duration) (*File, error) { return r.CiteAt(c, slug, name, off) }
	s.mu.Unlock()
	return err
}

// Context is the snapshot's rendering context.
func (snap Snapshot) Context() Context {
	return Context{Info: snap.Info, Sources: snap.Sources, Changes: snap.Changes, Created: snap.Created, Today: snap.Today}
}

// memReader is a Reader over items in memory.
type memReader struct {
	byID map[string]ospofeed.Item
	logs map[string][]ospofeed.FeedEntry
	last map[[2]string]uint64
}

func newMemReader(items []ospofeed.Item) *memReader {
	items = slices.Clone(items)
	ospofeed.Relate(items)
	assignPages(items)
	r := &memReader{byID: map[string]ospofeed.Item{}, logs: map[string][]ospofeed.FeedEntry{}, last: map[[2]string]uint64{}}
	slices.SortFunc(items, ospofeed.LogOrder)
	for _, it := range items {
		r.byID[it.ID] = it
		for _, k := range it.FeedKeys() {
			seq := uint64(len(r.logs[k]) + 1)
			r.logs[k] = append(r.logs[k], ospofeed.FeedEntry{Seq: seq, ID: it.ID})
			r.last[[2]string{k, it.ID}] = seq
		}
	}
	return r
}

func (r *memReader) ItemsByID(ids []string) ([]ospofeed.Item, error) {
	var out []ospofeed.Item
	for _, id := range ids {
		if it, ok := r.byID[id]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}

func (r *memReader) FeedLen(k string) (uint64, error) { return uint64(len(r.logs[k])), nil }

func (r *memReader) FeedEntries(k string, from, to uint64) ([]ospofeed.FeedEntry, error) {
	log := r.logs[k]
	to = min(to, uint64(len(log)))
	if from < 1 || from > to {
		return nil, nil
	}
	return slices.Clone(log[from-1 : to]), nil
}

func (r *memReader) LatestEntry(k, id string) (uint64, error) { return r.last[[2]string{k, id}], nil }

func (r *memReader) Feeds() ([]string, error) {
	var out []string
	for k := range r.logs {
		out = append(out, k)
	}
	slices.Sort(out)
	return out, nil
}

// assignPages gives every event and recording a page path of its own. Two
// items whose slugs collide keep the plain slug for the one seen first, and
// the slug plus a hash of the id for the others (the store claims slugs the
// same way, once, when an item is first saved).
func assignPages(items []ospofeed.Item) {
	groups := map[string][]int{}
	for i, it := range items {
		if it.Kind == ospofeed.KindEvent || it.Kind == ospofeed.KindRecording {
			k := string(it.Kind) + "/" + ospofeed.Slug(it.ID)
			groups[k] = append(groups[k], i)
		}
	}
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		slices.SortFunc(g, func(a, b int) int {
			if c := items[a].FirstSeen.Compare(items[b].FirstSeen); c != 0 {
				return c
			}
			return strings.Compare(items[a].ID, items[b].ID)
		})
		for _, i := range g[1:] {
			items[i].Page = ospofeed.Slug(items[i].ID) + "-" + ospofeed.ShortHash(items[i].ID)[:6]
		}
	}
}
