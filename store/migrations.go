package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// migrations bring a database from version i to i+1; the schema version is
// len(migrations). Append only: a migration, once released, never changes.
var migrations = []func(tx *bolt.Tx, now time.Time) error{
	// 0 -> 1: the buckets of the first schema (see doc.go).
	func(tx *bolt.Tx, now time.Time) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if meta.Get(keyCreated) == nil {
			return meta.Put(keyCreated, []byte(now.Format(time.RFC3339Nano)))
		}
		return nil
	},
	// 1 -> 2: a log of every change of a source's status, for the
	// maintainers' status feed.
	func(tx *bolt.Tx, now time.Time) error {
		_, err := tx.CreateBucketIfNotExists(bucketStatus)
		return err
	},
	// 2 -> 3: feed logs (bounded feeds with archive pages) and page slugs
	// claimed once, built from the items already stored.
	func(tx *bolt.Tx, now time.Time) error {
		for _, name := range [][]byte{bucketFeedLog, bucketFeedLast, bucketFeedSeq, bucketSlugs,
			bucketLinkExact, bucketLinkSite, bucketLinkFrom, bucketLinkOut, bucketEventNames} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return backfillFeeds(tx)
	},
	// 3 -> 4: the rendered site, kept where a restart finds it, and what
	// it has not caught up with yet.
	func(tx *bolt.Tx, now time.Time) error {
		for _, name := range [][]byte{bucketSite, bucketSiteETags, bucketSiteChanges, bucketPending} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	},
	// 4 -> 5: what each item belongs with (its events and recordings), so
	// that an item's MentionedIn is read without decoding every item that
	// links to it.
	func(tx *bolt.Tx, now time.Time) error {
		if _, err := tx.CreateBucketIfNotExists(bucketBelongs); err != nil {
			return err
		}
		return tx.Bucket(bucketItems).ForEach(func(k, v []byte) error {
			iv, err := decodeItem(v)
			if err != nil {
				return fmt.Errorf("decode item %q: %w", k, err)
			}
			return putBelongs(tx, iv.item())
		})
	},
}

// SchemaVersion is the schema this binary writes.
func SchemaVersion() int { return len(migrations) }

func readVersion(tx *bolt.Tx) uint64 {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0
	}
	v := meta.Get(keySchemaVersion)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// migrate runs the pending migrations in one transaction: all or none.
func (db *DB) migrate() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		have := readVersion(tx)
		if have > uint64(len(migrations)) {
			return fmt.Errorf("%w: schema version %d, this binary knows up to %d", ErrTooNew, have, len(migrations))
		}
		for v := have; v < uint64(len(migrations)); v++ {
			if err := migrations[v](tx, db.now()); err != nil {
				return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
			}
		}
		if have == uint64(len(migrations)) {
			return nil
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(uint64(len(migrations))))
	})
}

func (db *DB) checkVersion() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		have := readVersion(tx)
		if have > uint64(len(migrations)) {
			return fmt.Errorf("%w: schema version %d, this binary knows up to %d", ErrTooNew, have, len(migrations))
		}
		if have < uint64(len(migrations)) {
			return fmt.Errorf("schema version %d needs migrating: open it once read-write", have)
		}
		return nil
	})
}
