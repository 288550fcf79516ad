package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/search"
	"github.com/ospofeed/ospofeed/store"
	"github.com/ospofeed/ospofeed/web"
)

// The full-text index behind serve's /search lives beside the database
// (<db>.search/ unless --search-index says otherwise). It is derived data:
// the renderings that bring the site up to date bring it up to date too
// (app.render calls indexSearch with the ids it rendered), and it is
// rebuilt from the store, streaming, whenever it cannot be trusted: new,
// unreadable, after a full rendering, after an update that failed, or when
// the store moved on without it (a crawl run while serve was not).

// The search index answers the server's /search.
var _ web.Searcher = (*searchIndex)(nil)

// searchIndex keeps the search index in step with the store.
type searchIndex struct {
	a   *app
	idx *search.Index
	// synced: the index holds every item as the last rendering left it.
	// Read and written under a.renderMu.
	synced bool
}

// searchBatch is how many items a rebuild reads and indexes at a time.
const searchBatch = 500

// searchFlag registers --search-index on serve.
func searchFlag(fs *flag.FlagSet, e env) *string {
	return fs.String("search-index", e.getenv("OSPOFEED_SEARCH_INDEX"),
		"`directory` of the full-text index behind /search, rebuilt from the database when missing or unreadable (default: the database file's path + \".search\"; off: no /search; env OSPOFEED_SEARCH_INDEX)")
}

// searchDir is where the index lives ("" for none).
func searchDir(flagValue, db string) string {
	switch flagValue {
	case "off":
		return ""
	case "":
		return db + ".search"
	}
	return flagValue
}

// openSearch opens serve's search index and attaches it to the app (nil:
// serve runs without /search). A directory that is not a search index is
// refused; an index that cannot be opened for another reason leaves serve
// running without search: the site matters more.
func openSearch(a *app, flagValue, db string) (*searchIndex, error) {
	dir := searchDir(flagValue, db)
	if dir == "" {
		return nil, nil
	}
	idx, err := search.Open(dir)
	if errors.Is(err, search.ErrNotIndex) {
		return nil, usageError{fmt.Errorf("serve: --search-index: %w", err)}
	}
	if err != nil {
		a.log.Error("serving without /search: the search index cannot be opened", "dir", dir, "error", err)
		return nil, nil
	}
	if why := idx.Recreated(); why != nil {
		a.log.Warn("search index unreadable: rebuilding it from the database", "dir", dir, "error", why)
	}
	token, err := a.searchToken()
	s := &searchIndex{a: a, idx: idx, synced: err == nil && idx.State() == token}
	a.search = s
	return s, nil
}

// searcher is s for web.Deps: nil, not a nil *searchIndex, when off.
func (s *searchIndex) searcher() web.Searcher {
	if s == nil {
		return nil
	}
	return s
}

// close detaches the index from the app, after the rendering under way,
// and closes it.
func (s *searchIndex) close() {
	if s == nil {
		return
	}
	s.a.renderMu.Lock()
	defer s.a.renderMu.Unlock()
	s.a.search = nil
	if err := s.idx.Close(); err != nil {
		s.a.log.Error("closing the search index", "error", err)
	}
}

// Query answers /search.
func (s *searchIndex) Query(q string, f search.Filters, page int) (*search.Result, error) {
	return s.idx.Query(q, f, page)
}

// Info is the site the results link into.
func (s *searchIndex) Info() web.Info { return s.a.siteInfo() }

// searchToken names the store's state as far as the index is concerned:
// the database (its creation time) and its site's generation, which moves
// with every rendering that changed a page, that is with every change to
// an item.
func (a *app) searchToken() (string, error) {
	created, err := a.db.Created()
	if err != nil {
		return "", err
	}
	st, err := a.db.SiteState()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d/%d", created.UnixNano(), st.Generation), nil
}

// indexSearch brings the search index up to date after a rendering: the
// items it rendered (ids), or every item when the rendering was full or the
// index cannot be trusted. It is called with a.renderMu held. A failure is
// logged, and the next rendering rebuilds the index: the site it rendered
// stands.
func (a *app) indexSearch(ids []string, full bool) {
	s := a.search
	if s == nil {
		return
	}
	start := time.Now()
	rebuild := full || !s.synced
	var n int
	var err error
	if rebuild {
		n, err = s.rebuild()
	} else if len(ids) > 0 {
		n, err = s.update(ids)
	}
	var token string
	if err == nil {
		token, err = a.searchToken()
	}
	if err == nil && token != s.idx.State() {
		err = s.idx.SetState(token)
	}
	if err != nil {
		s.synced = false
		s.idx.SetState("") // a restart rebuilds it too
		if errors.Is(err, errStopping) {
			a.log.Info("search index rebuild left for the next start: shutting down", "items", n)
			return
		}
		a.log.Error("search index update failed; the next rendering rebuilds it", "error", err)
		return
	}
	s.synced = true
	switch {
	case rebuild:
		docs, _ := s.idx.DocCount()
		a.log.Info("search index rebuilt", "items", n, "documents", docs, "dir", s.idx.Dir(), "duration", time.Since(start).Round(time.Millisecond))
	case n > 0:
		a.log.Info("search index updated", "items", n, "duration", time.Since(start).Round(time.Millisecond))
	}
}

// update indexes the items of ids again, a batch at a time; ids no longer
// stored leave the index.
func (s *searchIndex) update(ids []string) (int, error) {
	n := 0
	for from := 0; from < len(ids); from += searchBatch {
		batch := ids[from:min(from+searchBatch, len(ids))]
		items, err := s.a.db.ItemsByID(batch)
		if err != nil {
			return n, err
		}
		found := make(map[string]bool, len(items))
		for _, it := range items {
			found[it.ID] = true
		}
		var gone []string
		for _, id := range batch {
			if !found[id] {
				gone = append(gone, id)
			}
		}
		if len(gone) > 0 {
			if err := s.idx.Delete(gone); err != nil {
				return n, err
			}
		}
		look, err := eventLookup(s.a.db, items)
		if err != nil {
			return n, err
		}
		if err := s.idx.Index(items, look); err != nil {
			return n, err
		}
		n += len(items)
	}
	return n, nil
}

// rebuild indexes every stored item, streaming over the store.
func (s *searchIndex) rebuild() (int, error) {
	n := 0
	err := s.idx.Rebuild(func(add func([]ospofeed.Item, search.Lookup) error) error {
		return s.a.db.EachItems(searchBatch, func(items []ospofeed.Item) error {
			// A shutdown does not wait for the rebuild (minutes at a
			// large store): the index is left stale, and the next start
			// rebuilds it.
			if s.a.stopping.Load() {
				return errStopping
			}
			look, err := eventLookup(s.a.db, items)
			if err != nil {
				return err
			}
			n += len(items)
			return add(items, look)
		})
	})
	return n, err
}

// eventLookup resolves the events of items (a recording's, by id), from
// items themselves or the store: one read for the batch.
func eventLookup(db *store.DB, items []ospofeed.Item) (search.Lookup, error) {
	known := make(map[string]ospofeed.Item, len(items))
	for _, it := range items {
		known[it.ID] = it
	}
	var want []string
	seen := map[string]bool{}
	for _, it := range items {
		for _, id := range it.Events {
			if _, ok := known[id]; !ok && !seen[id] {
				seen[id] = true
				want = append(want, id)
			}
		}
	}
	if len(want) > 0 {
		evs, err := db.ItemsByID(want)
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			known[ev.ID] = ev
		}
	}
	return func(id string) (ospofeed.Item, bool) {
		it, ok := known[id]
		return it, ok
	}, nil
}
