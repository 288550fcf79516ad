// Package search is a full-text index of ospofeed's items on disk, built on
// bleve (its scorch index: pure Go, one directory of segment files).
//
// The index is derived data: the store is the truth, and an index that is
// missing, unreadable or built by another version of the mapping is thrown
// away and rebuilt from the store. Its directory holds
//
//	<dir>/ospofeed-search.json   {"format": N}: ours, and which mapping
//	<dir>/index/                 the bleve index
//
// Every item is one document: its title, its text (summary, description,
// the text of its HTML content), the people and bodies it names (UN
// entities, topics, author), the titles of its events, and keyword fields
// for the facets (kind, event, year, language). Recordings never
// published have no page to link to and are not indexed.
package search

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/query"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/ospofeed/ospofeed"
)

// format is the version of the mapping and of the documents: an index of
// another format is rebuilt. Raise it whenever either changes.
const format = 1

const (
	markerName = "ospofeed-search.json"
	indexName  = "index"
	// Internal keys, stored in the index beside the documents.
	keyState = "ospofeed/state"
	keyEpoch = "ospofeed/epoch"
)

// Index is a search index on disk. It is safe for concurrent use; Index,
// Delete, Rebuild and SetState are meant to be called by one writer at a
// time (the renderer's), Query by anyone.
type Index struct {
	dir       string
	bleve     bleve.Index
	recreated error

	mu     sync.Mutex
	state  string
	epoch  string
	closed bool
	// Answers to the queries asked since the index last changed: a
	// listing (no words) reads every hit for its facets, and visitors
	// ask the same ones.
	cache map[cacheKey]*Result
	gen   uint64 // moves on with every change
}

type cacheKey struct {
	q    string
	f    Filters
	page int
}

// cacheSize bounds the cached answers; the cache is emptied when full.
const cacheSize = 256

// changed forgets the cached answers: the index changed.
func (x *Index) changed() {
	x.mu.Lock()
	x.gen++
	x.cache = nil
	x.mu.Unlock()
}

func (x *Index) cached(k cacheKey) (*Result, uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.cache[k], x.gen
}

// remember caches an answer computed at generation gen, unless the index
// changed since.
func (x *Index) remember(k cacheKey, gen uint64, r *Result) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if gen != x.gen {
		return
	}
	if x.cache == nil || len(x.cache) >= cacheSize {
		x.cache = make(map[cacheKey]*Result)
	}
	x.cache[k] = r
}

// Lookup resolves an id to its stored item: the index reads a recording's
// event titles through it.
type Lookup func(id string) (ospofeed.Item, bool)

// ErrNotIndex: the directory holds something that is not an ospofeed search
// index; it is left alone.
var ErrNotIndex = errors.New("not an ospofeed search index")

// ErrInUse: another process has the index open.
var ErrInUse = errors.New("in use by another process")

// none is the format of a directory without an index.
const none = -1

type marker struct {
	Format int `json:"format"`
}

// Open opens the index in dir, creating it when it does not exist. An index
// that cannot be read, or that another version of ospofeed built with
// another mapping, is removed and created anew, empty (Recreated says why):
// it must then be rebuilt, and Stale says so. A directory that holds
// anything but an ospofeed search index is refused with ErrNotIndex.
func Open(dir string) (*Index, error) {
	x := &Index{dir: dir}
	var m marker
	b, err := os.ReadFile(filepath.Join(dir, markerName))
	switch {
	case errors.Is(err, os.ErrNotExist):
		if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
			return nil, fmt.Errorf("search: open %s: %w (it holds files, and no %s)", dir, ErrNotIndex, markerName)
		}
		m.Format = none
	case err != nil:
		return nil, fmt.Errorf("search: open %s: %w", dir, err)
	default:
		if err := json.Unmarshal(b, &m); err != nil {
			m.Format = none
			x.recreated = fmt.Errorf("%s: %w", markerName, err)
		}
	}
	path := filepath.Join(dir, indexName)
	if m.Format == format {
		if err = x.open(path); err == nil {
			return x, nil
		}
		if errors.Is(err, bolterrors.ErrTimeout) {
			// Not broken: another process has it open.
			return nil, fmt.Errorf("search: open %s: %w", dir, ErrInUse)
		}
		if !errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
			x.recreated = err
		}
	} else if m.Format != none && x.recreated == nil {
		x.recreated = fmt.Errorf("index format %d, this version reads %d", m.Format, format)
	}
	if err := x.create(); err != nil {
		return nil, err
	}
	return x, nil
}

// open opens the bleve index at path and reads what the index keeps
// beside the documents, checking on the way that it can be read.
func (x *Index) open(path string) error {
	idx, err := bleve.OpenUsing(path, runtimeConfig())
	if err != nil {
		return err
	}
	x.bleve = idx
	if _, err = idx.DocCount(); err == nil {
		err = x.loadInternal()
	}
	if err != nil {
		idx.Close()
		x.bleve = nil
	}
	return err
}

func runtimeConfig() map[string]any {
	// The index's own bbolt file, opened with a timeout: a second process
	// on the same directory fails fast instead of hanging.
	//
	// Merges take four segments at a time, not scorch's ten: a rebuild of
	// 100,000 items then peaks at 131 MB of resident memory instead of 168
	// (both halves: the merge's heap, and the segment files it maps), in
	// the same time; queries stay as fast (BenchmarkQuery), the merger
	// keeping the segment count low either way.
	return map[string]any{
		"bolt_timeout":           "1s",
		"scorchMergePlanOptions": map[string]any{"SegmentsPerMergeTask": 4},
	}
}

// create makes an empty index of this format. The marker is written
// first, so that a crash half way leaves a directory known to be ours.
func (x *Index) create() error {
	if err := os.MkdirAll(x.dir, 0o755); err != nil {
		return fmt.Errorf("search: create %s: %w", x.dir, err)
	}
	path := filepath.Join(x.dir, indexName)
	if err := os.RemoveAll(path); err != nil {
		return fmt.Errorf("search: remove the old index %s: %w", path, err)
	}
	b, _ := json.Marshal(marker{Format: format})
	if err := writeFile(filepath.Join(x.dir, markerName), b); err != nil {
		return fmt.Errorf("search: create %s: %w", x.dir, err)
	}
	idx, err := bleve.NewUsing(path, indexMapping(), scorch.Name, scorch.Name, runtimeConfig())
	if err != nil {
		return fmt.Errorf("search: create %s: %w", path, err)
	}
	x.bleve, x.state, x.epoch = idx, "", ""
	return nil
}

// writeFile writes a small file under a temporary name, syncs and renames
// it: a crash leaves the old file or the new, never half of one.
func writeFile(p string, b []byte) error {
	tmp := p + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

func (x *Index) loadInternal() error {
	st, err := x.bleve.GetInternal([]byte(keyState))
	if err != nil {
		return err
	}
	ep, err := x.bleve.GetInternal([]byte(keyEpoch))
	if err != nil {
		return err
	}
	x.state, x.epoch = string(st), string(ep)
	return nil
}

// Recreated is why Open threw the index in its directory away (nil: it
// did not, or there was none).
func (x *Index) Recreated() error { return x.recreated }

// Dir is the index's directory.
func (x *Index) Dir() string { return x.dir }

// Close closes the index; what was indexed is on disk. Closing twice is
// harmless.
func (x *Index) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil
	}
	x.closed = true
	if err := x.bleve.Close(); err != nil {
		return fmt.Errorf("search: close %s: %w", x.dir, err)
	}
	return nil
}

// State is what SetState last recorded (empty: nothing, the index must be
// rebuilt whole).
func (x *Index) State() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.state
}

// Stale reports whether the index must be rebuilt whole before it answers
// for every item: it is new or was recreated, or a rebuild or an update did
// not finish.
func (x *Index) Stale() bool { return x.State() == "" }

// SetState records, in the index, what the caller brought it in step with
// (the store's identity and generation, for ospofeed): Open reads it back,
// so that a later process can tell whether the store moved on without the
// index. Set "" to have the index rebuilt.
func (x *Index) SetState(s string) error {
	if err := x.bleve.SetInternal([]byte(keyState), []byte(s)); err != nil {
		return fmt.Errorf("search: record state: %w", err)
	}
	x.mu.Lock()
	x.state = s
	x.mu.Unlock()
	x.changed() // Result.Incomplete follows it
	return nil
}

// batchDocs bounds one bleve batch: what a rebuild holds in memory.
const batchDocs = 500

// Index adds items to the index or replaces their documents (by id); an
// item that has no page to link to (a recording never published) is
// removed instead.
func (x *Index) Index(items []ospofeed.Item, look Lookup) error {
	x.mu.Lock()
	epoch := x.epoch
	x.mu.Unlock()
	b := x.bleve.NewBatch()
	for _, it := range items {
		if doc, ok := document(it, look, epoch); ok {
			if err := b.Index(it.ID, doc); err != nil {
				return fmt.Errorf("search: index %s: %w", it.ID, err)
			}
		} else {
			b.Delete(it.ID)
		}
		if b.Size() >= batchDocs {
			if err := x.batch(b); err != nil {
				return fmt.Errorf("search: index: %w", err)
			}
			b.Reset()
		}
	}
	if b.Size() > 0 {
		if err := x.batch(b); err != nil {
			return fmt.Errorf("search: index: %w", err)
		}
	}
	return nil
}

// batch applies b; once it is, queries see it.
func (x *Index) batch(b *bleve.Batch) error {
	defer x.changed()
	return x.bleve.Batch(b)
}

// Delete removes the documents of ids; unknown ids are ignored.
func (x *Index) Delete(ids []string) error {
	b := x.bleve.NewBatch()
	for _, id := range ids {
		b.Delete(id)
	}
	if err := x.batch(b); err != nil {
		return fmt.Errorf("search: delete: %w", err)
	}
	return nil
}

// Rebuild indexes every item that walk hands to add, then removes every
// document it did not hand over. Until it returns, and until SetState is
// called after it, the index is Stale; it answers queries all along, with
// what it holds. walk streams the store: the index never needs every item
// at once.
func (x *Index) Rebuild(walk func(add func(items []ospofeed.Item, look Lookup) error) error) error {
	if err := x.SetState(""); err != nil {
		return err
	}
	epoch := strconv.FormatInt(time.Now().UnixNano(), 36)
	x.mu.Lock()
	x.epoch = epoch
	x.mu.Unlock()
	if err := walk(x.Index); err != nil {
		return err
	}
	// What this rebuild did not write is gone from the store: delete it,
	// a page at a time (each Batch is visible to the next search).
	for range 100000 {
		q := bleve.NewBooleanQuery()
		q.AddMust(bleve.NewMatchAllQuery())
		q.AddMustNot(termQuery(fEpoch, epoch))
		req := bleve.NewSearchRequestOptions(q, 1000, 0, false)
		res, err := x.bleve.Search(req)
		if err != nil {
			return fmt.Errorf("search: rebuild: find old documents: %w", err)
		}
		if len(res.Hits) == 0 {
			break
		}
		ids := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			ids[i] = h.ID
		}
		if err := x.Delete(ids); err != nil {
			return err
		}
	}
	if err := x.bleve.SetInternal([]byte(keyEpoch), []byte(epoch)); err != nil {
		return fmt.Errorf("search: rebuild: %w", err)
	}
	return nil
}

// DocCount is how many documents the index holds.
func (x *Index) DocCount() (uint64, error) { return x.bleve.DocCount() }

func termQuery(field, term string) query.Query {
	q := bleve.NewTermQuery(term)
	q.SetField(field)
	return q
}
