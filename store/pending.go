package store

import (
	"encoding/json"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/ospofeed/ospofeed"
)

// What the rendered site has not caught up with yet (schema 4):
//
//	pending/
//	    <item id> -> empty: its pages and feeds must be rendered again
//	    0x00 "health" -> empty: a source's state as the site shows it changed
//
// SaveCrawl adds to it in the transaction that saves the crawl, and a
// rendering removes what it rendered, so that a process killed between a
// crawl and its rendering loses nothing: the next rendering does it.

var (
	bucketPending = []byte("pending")
	pendingHealth = []byte("\x00health")
)

// shownHealth is what the site shows of a source's state.
func shownHealth(tx *bolt.Tx, source string) string {
	v := tx.Bucket(bucketSources).Get([]byte(source))
	if v == nil {
		return ""
	}
	var s sourceV1
	if json.Unmarshal(v, &s) != nil {
		return string(v)
	}
	return s.Status + "\x00" + s.StatusSince.String() + "\x00" + strconv.Itoa(s.Items) + "\x00" + s.LastError + "\x00" + s.Reason
}

// markPending records a saved crawl's change for the next rendering.
func markPending(tx *bolt.Tx, log *ospofeed.CrawlLog, healthBefore string) error {
	b := tx.Bucket(bucketPending)
	for _, id := range log.Touched {
		if err := b.Put([]byte(id), nil); err != nil {
			return err
		}
	}
	if shownHealth(tx, log.Source) != healthBefore {
		log.HealthChanged = true
		return b.Put(pendingHealth, nil)
	}
	return nil
}

// Pending is what the rendered site has not caught up with: the items to
// render again (at most limit of them; more says there were more) and
// whether a source's shown health changed.
func (db *DB) Pending(limit int) (ids []string, health, more bool, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPending)
		health = b.Get(pendingHealth) != nil
		return b.ForEach(func(k, _ []byte) error {
			if k[0] == 0 {
				return nil
			}
			if len(ids) >= limit {
				more = true
				return nil
			}
			ids = append(ids, string(k))
			return nil
		})
	})
	return ids, health, more, err
}

// ClearPending removes what a rendering caught up with (the ids and the
// health flag it read from Pending); what crawls added since stays.
func (db *DB) ClearPending(ids []string, health bool) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPending)
		for _, id := range ids {
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
		}
		if health {
			return b.Delete(pendingHealth)
		}
		return nil
	})
}
