package store

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/ospofeed/ospofeed"
)

// EachItems calls fn with every current item, in id order, n items at a
// time (n < 1: 500), with Page set (not Mentions or MentionedIn). Each batch
// is read in a read transaction of its own that has ended when fn runs, so
// that fn may take its time, or write to the store, without holding the
// database: a walk over 100,000 items holds at most n of them in memory.
// Items saved during the walk are seen or not depending on where the walk
// is; every item stored before it began and not changed since is seen once.
// An error from fn stops the walk and is returned as it is.
func (db *DB) EachItems(n int, fn func([]ospofeed.Item) error) error {
	if n < 1 {
		n = 500
	}
	var after []byte // the last key read, copied: keys die with their transaction
	for {
		batch := make([]ospofeed.Item, 0, n)
		read := 0
		err := db.bolt.View(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketItems).Cursor()
			k, v := c.First()
			if after != nil {
				k, v = c.Seek(after)
				if k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for ; k != nil && len(batch) < n; k, v = c.Next() {
				iv, err := decodeItem(v)
				if err != nil {
					return fmt.Errorf("decode item %q: %w", k, err)
				}
				it := iv.item()
				it.Page = pageOf(tx, it)
				batch = append(batch, it)
				read += len(k) + len(v)
				after = bytes.Clone(k)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: walk items: %w", err)
		}
		db.readThrough(read)
		if len(batch) == 0 {
			return nil
		}
		if err := fn(batch); err != nil {
			return err
		}
		if len(batch) < n {
			return nil
		}
	}
}
