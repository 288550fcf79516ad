package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ospofeed/ospofeed"
)

// Items returns every current item, sorted by id.
func (db *DB) Items() ([]ospofeed.Item, error) {
	var out []ospofeed.Item
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		out, err = itemsTx(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list items: %w", err)
	}
	return out, nil
}

func itemsTx(tx *bolt.Tx) ([]ospofeed.Item, error) {
	var out []ospofeed.Item
	err := tx.Bucket(bucketItems).ForEach(func(k, v []byte) error {
		it, err := decodeItem(v)
		if err != nil {
			return fmt.Errorf("decode item %q: %w", k, err)
		}
		item := it.item()
		item.Page = pageOf(tx, item)
		out = append(out, item)
		return nil
	})
	return out, err
}

// Item returns the current version of one item.
func (db *DB) Item(id string) (ospofeed.Item, bool, error) {
	var it ospofeed.Item
	var ok bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketItems).Get([]byte(id))
		if raw == nil {
			return nil
		}
		v, err := decodeItem(raw)
		it, ok = v.item(), err == nil
		it.Page = pageOf(tx, it)
		return err
	})
	if err != nil {
		return it, false, fmt.Errorf("store: item %s: %w", id, err)
	}
	return it, ok, nil
}

// ItemsByID returns the current version of each id that is stored, in the
// order given, from one consistent view, with its Page, Mentions and
// MentionedIn set.
func (db *DB) ItemsByID(ids []string) ([]ospofeed.Item, error) {
	out := make([]ospofeed.Item, 0, len(ids))
	read := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketItems)
		for _, id := range ids {
			raw := b.Get([]byte(id))
			if raw == nil {
				continue
			}
			read += len(raw)
			v, err := decodeItem(raw)
			if err != nil {
				return fmt.Errorf("decode item %q: %w", id, err)
			}
			it := v.item()
			it.Page = pageOf(tx, it)
			if err := relations(tx, &it); err != nil {
				return fmt.Errorf("relations of %q: %w", id, err)
			}
			out = append(out, it)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: items: %w", err)
	}
	db.readThrough(read)
	return out, nil
}

// Events returns every current event, sorted by id.
func (db *DB) Events() ([]ospofeed.Item, error) {
	items, err := db.Items()
	return slices.DeleteFunc(items, func(it ospofeed.Item) bool { return it.Kind != ospofeed.KindEvent }), err
}

// History returns the earlier versions of an item, oldest first.
func (db *DB) History(id string) ([]ospofeed.Item, error) {
	var out []ospofeed.Item
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return scan(tx.Bucket(bucketHistory), prefix([]byte(id)), func(_ string, v []byte) error {
			it, err := decodeItem(v)
			out = append(out, it.item())
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: history of %s: %w", id, err)
	}
	return out, nil
}

// Observation returns what a source last saw of an item.
func (db *DB) Observation(source, id string) (ospofeed.Item, bool, error) {
	var it ospofeed.Item
	var ok bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketObs).Get(key([]byte(id), []byte(source)))
		if raw == nil {
			return nil
		}
		v, err := decodeItem(raw)
		it, ok = v.item(), err == nil
		return err
	})
	if err != nil {
		return it, false, fmt.Errorf("store: observation of %s by %s: %w", id, source, err)
	}
	return it, ok, nil
}

// Page returns what a source remembers of a URL: validators and items.
func (db *DB) Page(source, url string) (ospofeed.Page, bool, error) {
	p := ospofeed.Page{URL: url}
	var ok bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketPages).Get(key([]byte(source), []byte(url)))
		if raw == nil {
			return nil
		}
		var v pageV1
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		p.ETag, p.LastModified, p.Items, p.Lines, ok = v.ETag, v.LastModified, v.Items, v.Lines, true
		return nil
	})
	if err != nil {
		return p, false, fmt.Errorf("store: page %s of %s: %w", url, source, err)
	}
	return p, ok, nil
}

// SourceStates returns the health of every source that has been crawled,
// by source id.
func (db *DB) SourceStates() (map[string]ospofeed.SourceState, error) {
	var out map[string]ospofeed.SourceState
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		out, err = statesTx(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: source states: %w", err)
	}
	return out, nil
}

func statesTx(tx *bolt.Tx) (map[string]ospofeed.SourceState, error) {
	out := map[string]ospofeed.SourceState{}
	err := tx.Bucket(bucketSources).ForEach(func(k, v []byte) error {
		var s sourceV1
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("decode state of source %s: %w", k, err)
		}
		out[string(k)] = ospofeed.SourceState{
			ID: string(k), Status: ospofeed.Status(s.Status), StatusSince: s.StatusSince,
			LastCrawl: s.LastCrawl, LastSuccess: s.LastSuccess, LastError: s.LastError,
			Failures: s.Failures, Items: s.Items, LastFound: s.LastFound, Reason: s.Reason,
		}
		return nil
	})
	return out, err
}

// CrawlLogs returns up to limit crawl logs of a source, newest first.
func (db *DB) CrawlLogs(source string, limit int) ([]ospofeed.CrawlLog, error) {
	var out []ospofeed.CrawlLog
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return scan(tx.Bucket(bucketCrawls), prefix([]byte(source)), func(_ string, v []byte) error {
			var c crawlV1
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			out = append(out, ospofeed.CrawlLog{Source: source, Start: c.Start, End: c.End, Pages: c.Pages,
				NotModified: c.NotModified, New: c.New, Changed: c.Changed, Unchanged: c.Unchanged,
				Warnings: c.Warnings, Error: c.Error, Status: ospofeed.Status(c.Status), Reason: c.Reason})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: crawl logs of %s: %w", source, err)
	}
	slices.Reverse(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// StatusChanges returns up to limit changes of sources' statuses, newest
// first.
func (db *DB) StatusChanges(limit int) ([]ospofeed.StatusChange, error) {
	var out []ospofeed.StatusChange
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		out, err = changesTx(tx, limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: status changes: %w", err)
	}
	return out, nil
}

func changesTx(tx *bolt.Tx, limit int) ([]ospofeed.StatusChange, error) {
	var out []ospofeed.StatusChange
	c := tx.Bucket(bucketStatus).Cursor()
	for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
		if len(k) < 9 {
			continue
		}
		var s statusV1
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, err
		}
		out = append(out, ospofeed.StatusChange{Source: string(k[9:]),
			Time: time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).UTC(),
			From: ospofeed.Status(s.From), To: ospofeed.Status(s.To), Reason: s.Reason})
	}
	return out, nil
}
