package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/ospofeed/ospofeed"
)

// What the rendered site has not caught up with yet (schema 4):
//
//	pending/
//	    <item id> -> seq: its pages and feeds must be rendered again
//	    0x00 "health" -> seq: a source's state as the site shows it changed
//	meta/pending_seq -> the newest seq: one per saved crawl that marked anything
//
// SaveCrawl adds to it in the transaction that saves the crawl, and a
// rendering removes what it rendered, so that a process killed between a
// crawl and its rendering loses nothing: the next rendering does it.

var (
	bucketPending = []byte("pending")
	pendingHealth = []byte("\x00health")
	keyPendingSeq = []byte("pending_seq") // in meta/
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
	health := shownHealth(tx, log.Source) != healthBefore
	if len(log.Touched) == 0 && !health {
		return nil
	}
	// Each saved crawl's marks carry its sequence number, so that a
	// rendering clears only what was pending when it read (see Pending).
	meta := tx.Bucket(bucketMeta)
	var seq uint64
	if v := meta.Get(keyPendingSeq); len(v) == 8 {
		seq = binary.BigEndian.Uint64(v)
	}
	seq++
	if err := meta.Put(keyPendingSeq, u64(seq)); err != nil {
		return err
	}
	b := tx.Bucket(bucketPending)
	for _, id := range log.Touched {
		if err := b.Put([]byte(id), u64(seq)); err != nil {
			return err
		}
	}
	if health {
		return b.Put(pendingHealth, u64(seq))
	}
	return nil
}

// Pending is what the rendered site has not caught up with.
type Pending struct {
	IDs    []string // items to render again (at most the limit asked)
	Health bool     // a source's shown health changed
	More   bool     // there were more ids than the limit
	Seq    uint64   // the newest crawl these marks came from
}

// Pending reads what the rendered site has not caught up with, at most
// limit ids.
func (db *DB) Pending(limit int) (Pending, error) {
	var p Pending
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyPendingSeq); len(v) == 8 {
			p.Seq = binary.BigEndian.Uint64(v)
		}
		b := tx.Bucket(bucketPending)
		p.Health = b.Get(pendingHealth) != nil
		return b.ForEach(func(k, _ []byte) error {
			switch {
			case k[0] == 0:
			case len(p.IDs) >= limit:
				p.More = true
			default:
				p.IDs = append(p.IDs, string(k))
			}
			return nil
		})
	})
	return p, err
}

// ClearPending removes what a rendering caught up with: the marks it read
// (every mark, when it rendered everything because there were More), but
// none a crawl saved after it read them, which the next rendering does.
func (db *DB) ClearPending(p Pending) error {
	if len(p.IDs) == 0 && !p.Health && !p.More {
		return nil // an unchanged crawl read nothing: no write, no fsync
	}
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPending)
		stale := func(v []byte) bool { return len(v) != 8 || binary.BigEndian.Uint64(v) <= p.Seq }
		var keys [][]byte
		if p.More {
			// Collect, then delete: never delete inside a cursor loop.
			b.ForEach(func(k, v []byte) error {
				if k[0] != 0 && stale(v) {
					keys = append(keys, bytes.Clone(k))
				}
				return nil
			})
		} else {
			for _, id := range p.IDs {
				if v := b.Get([]byte(id)); v != nil && stale(v) {
					keys = append(keys, []byte(id))
				}
			}
		}
		if v := b.Get(pendingHealth); p.Health && v != nil && stale(v) {
			keys = append(keys, pendingHealth)
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}
