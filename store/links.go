package store

import (
	"bytes"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/ospofeed/ospofeed"
)

// The link index keeps ospofeed.Relate's relation between stored items, so
// that an item's mentions are read, and the pages a change affects are
// found, without reading every item:
//
//	linkexact/ <key> 0x00 <item id>  the items whose id or URL has the key
//	linksite/  <key> 0x00 <item id>  the organisations whose site it is
//	linkfrom/  <key> 0x00 <item id>  the items that link to the key
//	linkout/   <item id> 0x00 <key>  the same, by item

// txIndex is the ospofeed.LinkIndex of one transaction.
type txIndex struct{ tx *bolt.Tx }

func firstID(b *bolt.Bucket, k string) (string, bool) {
	p := prefix([]byte(k))
	c := b.Cursor()
	if key, _ := c.Seek(p); key != nil && bytes.HasPrefix(key, p) {
		return after(key, p), true
	}
	return "", false
}

func (x txIndex) Exact(k string) (string, bool) { return firstID(x.tx.Bucket(bucketLinkExact), k) }
func (x txIndex) Site(k string) (string, bool)  { return firstID(x.tx.Bucket(bucketLinkSite), k) }

// linkers are the items that link to key k.
func linkers(tx *bolt.Tx, k string) []string {
	var out []string
	scan(tx.Bucket(bucketLinkFrom), prefix([]byte(k)), func(id string, _ []byte) error {
		out = append(out, id)
		return nil
	})
	return out
}

// siteKeys are the linked keys an organisation's site key k could resolve:
// k itself and those below it at a "/" or "?".
func siteKeys(tx *bolt.Tx, k string) []string {
	var out []string
	c := tx.Bucket(bucketLinkFrom).Cursor()
	last := ""
	for key, _ := c.Seek([]byte(k)); key != nil && bytes.HasPrefix(key, []byte(k)); key, _ = c.Next() {
		i := bytes.IndexByte(key, 0)
		if i < 0 {
			continue
		}
		lk := string(key[:i])
		if lk == last {
			continue
		}
		last = lk
		if lk == k || lk[len(k)] == '/' || lk[len(k)] == '?' {
			out = append(out, lk)
		}
	}
	return out
}

// keysOf are the keys whose resolution an item's own keys take part in.
func keysOf(tx *bolt.Tx, it ospofeed.Item) []string {
	keys := it.OwnKeys()
	if k := it.SiteKey(); k != "" {
		keys = append(keys, siteKeys(tx, k)...)
	}
	return keys
}

// indexLinks brings the link index from old (nil: a new item) to it, and
// returns the items whose mentions this may change: the targets of its
// links before and after, and, for every key whose resolution its own keys
// take part in, what the key resolved to before and after and who links
// to it.
func indexLinks(tx *bolt.Tx, old *ospofeed.Item, it ospofeed.Item) ([]string, error) {
	ix := txIndex{tx}
	var affected []string
	resolveAll := func(keys []string) {
		for _, k := range keys {
			if id, ok := ospofeed.Resolve(ix, k); ok {
				affected = append(affected, id)
			}
		}
	}
	var oldOwn, oldOut []string
	oldSite := ""
	if old != nil {
		oldOwn, oldOut, oldSite = old.OwnKeys(), old.OutKeys(), old.SiteKey()
	}
	newOwn, newOut, newSite := it.OwnKeys(), it.OutKeys(), it.SiteKey()
	ownChanged := !slices.Equal(oldOwn, newOwn) || oldSite != newSite
	outChanged := !slices.Equal(oldOut, newOut)
	if !ownChanged && !outChanged {
		return nil, nil
	}
	var watched []string
	if ownChanged {
		if old != nil {
			watched = keysOf(tx, *old)
		}
		watched = append(watched, keysOf(tx, it)...)
		resolveAll(watched)
		for _, k := range watched {
			affected = append(affected, linkers(tx, k)...)
		}
	}
	resolveAll(oldOut)

	exact, site := tx.Bucket(bucketLinkExact), tx.Bucket(bucketLinkSite)
	from, out := tx.Bucket(bucketLinkFrom), tx.Bucket(bucketLinkOut)
	id := []byte(it.ID)
	if ownChanged {
		for _, k := range oldOwn {
			if err := exact.Delete(key([]byte(k), id)); err != nil {
				return nil, err
			}
		}
		if oldSite != "" {
			if err := site.Delete(key([]byte(oldSite), id)); err != nil {
				return nil, err
			}
		}
		for _, k := range newOwn {
			if err := exact.Put(key([]byte(k), id), nil); err != nil {
				return nil, err
			}
		}
		if newSite != "" {
			if err := site.Put(key([]byte(newSite), id), nil); err != nil {
				return nil, err
			}
		}
	}
	if outChanged {
		for _, k := range oldOut {
			if err := from.Delete(key([]byte(k), id)); err != nil {
				return nil, err
			}
			if err := out.Delete(key(id, []byte(k))); err != nil {
				return nil, err
			}
		}
		for _, k := range newOut {
			if err := from.Put(key([]byte(k), id), nil); err != nil {
				return nil, err
			}
			if err := out.Put(key(id, []byte(k)), nil); err != nil {
				return nil, err
			}
		}
	}
	if ownChanged {
		watched = append(watched, keysOf(tx, it)...)
		resolveAll(watched)
	}
	resolveAll(newOut)
	return affected, nil
}

// relations fills it.Mentions and it.MentionedIn from the index, as
// ospofeed.Relate would over every stored item.
func relations(tx *bolt.Tx, it *ospofeed.Item) error {
	ix := txIndex{tx}
	var mentions, in []string
	if err := scan(tx.Bucket(bucketLinkOut), prefix([]byte(it.ID)), func(k string, _ []byte) error {
		if id, ok := ospofeed.Resolve(ix, k); ok && it.Mentionable(id) {
			mentions = append(mentions, id)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keysOf(tx, *it) {
		if id, ok := ospofeed.Resolve(ix, k); !ok || id != it.ID {
			continue
		}
		for _, from := range linkers(tx, k) {
			// ospofeed.Item.Mentionable of the linker, from what it
			// belongs with: an event's recordings link to it, and are
			// not mentions. Decoding each linker instead made reading
			// every event cost as much as reading every recording.
			// (A linker is a stored item: items are never deleted, and
			// an item's links are indexed when it is stored.)
			if from != it.ID && !belongsWith(tx, from, it.ID) {
				in = append(in, from)
			}
		}
	}
	slices.Sort(mentions)
	slices.Sort(in)
	it.Mentions, it.MentionedIn = slices.Compact(mentions), slices.Compact(in)
	return nil
}

// putBelongs records what it belongs with (its Events and Recordings), or
// nothing when that is nothing.
func putBelongs(tx *bolt.Tx, it ospofeed.Item) error {
	b := tx.Bucket(bucketBelongs)
	ids := slices.Concat(it.Events, it.Recordings)
	if len(ids) == 0 {
		if b.Get([]byte(it.ID)) == nil {
			return nil
		}
		return b.Delete([]byte(it.ID))
	}
	slices.Sort(ids)
	v := []byte(strings.Join(slices.Compact(ids), "\x00"))
	if bytes.Equal(b.Get([]byte(it.ID)), v) {
		return nil
	}
	return b.Put([]byte(it.ID), v)
}

// belongsWith reports whether target is one of the events or recordings of
// the item id (see putBelongs).
func belongsWith(tx *bolt.Tx, id, target string) bool {
	v := tx.Bucket(bucketBelongs).Get([]byte(id))
	for len(v) > 0 {
		part, rest, _ := bytes.Cut(v, []byte{0})
		if string(part) == target {
			return true
		}
		v = rest
	}
	return false
}
