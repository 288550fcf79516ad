package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ospofeed/ospofeed"
)

// Feed logs (see ospofeed.FeedKeys and doc.go) and page slugs: both are
// kept as items are saved, so that a rendering reads the newest entries of
// a feed, or one archive page, without reading every item.

// publish appends it to the logs of its feeds: to every one when it is new
// or its content changed, and otherwise to those it was not in yet (a
// source that reported it for the first time, an event it joined). It
// returns the feeds it was appended to.
func publish(tx *bolt.Tx, it ospofeed.Item, changed bool) ([]string, error) {
	logs, last, seqs := tx.Bucket(bucketFeedLog), tx.Bucket(bucketFeedLast), tx.Bucket(bucketFeedSeq)
	var out []string
	for _, f := range it.FeedKeys() {
		lk := key([]byte(f), []byte(it.ID))
		if !changed && last.Get(lk) != nil {
			continue
		}
		n := uint64(1)
		if v := seqs.Get([]byte(f)); len(v) == 8 {
			n = binary.BigEndian.Uint64(v) + 1
		}
		if err := logs.Put(key([]byte(f), u64(n)), []byte(it.ID)); err != nil {
			return nil, err
		}
		if err := last.Put(lk, u64(n)); err != nil {
			return nil, err
		}
		if err := seqs.Put([]byte(f), u64(n)); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// claimSlug gives an event or a recording the plain slug of its id when no
// other item of its kind has it: the first seen keeps it for ever, the
// others get the slug plus a hash of their id (see pageOf).
func claimSlug(tx *bolt.Tx, it ospofeed.Item) error {
	if it.Kind != ospofeed.KindEvent && it.Kind != ospofeed.KindRecording {
		return nil
	}
	b := tx.Bucket(bucketSlugs)
	k := key([]byte(it.Kind), []byte(ospofeed.Slug(it.ID)))
	if b.Get(k) != nil {
		return nil
	}
	return b.Put(k, []byte(it.ID))
}

// pageOf is the item's page segment when it differs from its plain slug.
func pageOf(tx *bolt.Tx, it ospofeed.Item) string {
	if it.Kind != ospofeed.KindEvent && it.Kind != ospofeed.KindRecording {
		return ""
	}
	slug := ospofeed.Slug(it.ID)
	owner := tx.Bucket(bucketSlugs).Get(key([]byte(it.Kind), []byte(slug)))
	if owner == nil || string(owner) == it.ID {
		return ""
	}
	return slug + "-" + ospofeed.ShortHash(it.ID)[:6]
}

// backfillFeeds builds the feed logs and slugs of a database saved before
// they existed: items in the order they were first seen, then by date.
func backfillFeeds(tx *bolt.Tx) error {
	items, err := itemsTx(tx)
	if err != nil {
		return err
	}
	slices.SortFunc(items, ospofeed.LogOrder)
	for _, it := range items {
		if err := countItem(tx, it.Kind); err != nil {
			return err
		}
		if err := claimSlug(tx, it); err != nil {
			return err
		}
		if _, err := publish(tx, it, true); err != nil {
			return err
		}
		if _, err := indexLinks(tx, nil, it); err != nil {
			return err
		}
		if err := indexEventName(tx, nil, it); err != nil {
			return err
		}
	}
	return nil
}

// FeedLen is the sequence number of a feed's newest entry (0: empty).
func (db *DB) FeedLen(feed string) (uint64, error) {
	var n uint64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketFeedSeq).Get([]byte(feed)); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return n, err
}

// FeedEntries returns the entries of a feed with from <= seq <= to, oldest
// first.
func (db *DB) FeedEntries(feed string, from, to uint64) ([]ospofeed.FeedEntry, error) {
	var out []ospofeed.FeedEntry
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketFeedLog).Cursor()
		p := prefix([]byte(feed))
		for k, v := c.Seek(append(slices.Clone(p), u64(from)...)); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			seq := binary.BigEndian.Uint64(k[len(p):])
			if seq > to {
				break
			}
			out = append(out, ospofeed.FeedEntry{Seq: seq, ID: string(v)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: feed %s entries %d-%d: %w", feed, from, to, err)
	}
	return out, nil
}

// LatestEntry is the sequence number of the newest entry of id in a feed
// (0: never in it).
func (db *DB) LatestEntry(feed, id string) (uint64, error) {
	var n uint64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketFeedLast).Get(key([]byte(feed), []byte(id))); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return n, err
}

// Feeds lists every feed key that has entries.
func (db *DB) Feeds() ([]string, error) {
	var out []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketFeedSeq).ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}

// countItem counts one more stored item of a kind (meta/count/<kind>).
func countItem(tx *bolt.Tx, k ospofeed.Kind) error {
	meta := tx.Bucket(bucketMeta)
	key := []byte("count/" + string(k))
	var n uint64
	if v := meta.Get(key); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	return meta.Put(key, u64(n+1))
}

// uncountItem counts one item of a kind less.
func uncountItem(tx *bolt.Tx, k ospofeed.Kind) error {
	meta := tx.Bucket(bucketMeta)
	key := []byte("count/" + string(k))
	if v := meta.Get(key); len(v) == 8 && binary.BigEndian.Uint64(v) > 0 {
		return meta.Put(key, u64(binary.BigEndian.Uint64(v)-1))
	}
	return nil
}

// ItemCounts is how many items of each kind are stored, without reading
// them.
func (db *DB) ItemCounts() (map[ospofeed.Kind]int, error) {
	out := map[ospofeed.Kind]int{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMeta).Cursor()
		p := []byte("count/")
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			if len(v) == 8 {
				out[ospofeed.Kind(k[len(p):])] = int(binary.BigEndian.Uint64(v))
			}
		}
		return nil
	})
	return out, err
}

// Created is when the database was made.
func (db *DB) Created() (time.Time, error) {
	var t time.Time
	err := db.bolt.View(func(tx *bolt.Tx) error {
		t = createdTx(tx)
		return nil
	})
	return t, err
}
