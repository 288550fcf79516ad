package store

import (
	"slices"
	"strings"
	"time"
	"unicode"

	bolt "go.etcd.io/bbolt"

	"github.com/ospofeed/ospofeed"
)

// Event aliases. An event announced on a news site (OSOR's "Event: OSPOs
// for Good 2024") is a mention of the event known from its own page, not a
// second event. An event observation from a secondary source (below
// AuthorityPage) is an alias of an authoritative event (one seen on its own
// page) when it links to that event's page, or when its title is the same
// after normalisation and its dates, where both have them, overlap. An
// alias is stored as what it is, an article that links to the event (so
// the event's page says it is mentioned there), and its dates and venue
// feed the event as a low-authority observation of it: they fill what the
// event's own page does not say, never more. The event's id, slug, UID and
// feeds never change because an alias appeared or vanished. Events known
// only from secondary sources stay events.
//
//	eventnames/ <normalised title> 0x00 <event id> -> "1" authoritative, "0" not

var bucketEventNames = []byte("eventnames")

// normTitle is a title for comparison: lower case, letters and digits,
// single spaces.
func normTitle(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			space = false
		} else {
			space = true
		}
	}
	return b.String()
}

func authoritative(it ospofeed.Item) bool { return it.Authority >= ospofeed.AuthorityPage }

// overlap reports whether two events' days can be the same: they overlap,
// or one of them has no dates.
func overlap(a, b ospofeed.Item) bool {
	if a.Start.IsZero() || b.Start.IsZero() {
		return true
	}
	return !a.LastDay().Before(b.Start.Truncate(24*time.Hour)) && !b.LastDay().Before(a.Start.Truncate(24*time.Hour))
}

// indexEventName keeps eventnames/ in step with a stored event.
func indexEventName(tx *bolt.Tx, old *ospofeed.Item, it ospofeed.Item) error {
	b := tx.Bucket(bucketEventNames)
	if old != nil && old.Kind == ospofeed.KindEvent {
		if err := b.Delete(key([]byte(normTitle(old.Title)), []byte(old.ID))); err != nil {
			return err
		}
	}
	if it.Kind != ospofeed.KindEvent || normTitle(it.Title) == "" {
		return nil
	}
	v := []byte("0")
	if authoritative(it) {
		v = []byte("1")
	}
	return b.Put(key([]byte(normTitle(it.Title)), []byte(it.ID)), v)
}

func storedItem(tx *bolt.Tx, id string) (ospofeed.Item, bool) {
	raw := tx.Bucket(bucketItems).Get([]byte(id))
	if raw == nil {
		return ospofeed.Item{}, false
	}
	v, err := decodeItem(raw)
	if err != nil {
		return ospofeed.Item{}, false
	}
	return v.item(), true
}

// aliasTarget is the authoritative event a secondary event observation
// names, if any.
func aliasTarget(tx *bolt.Tx, obs ospofeed.Item) (ospofeed.Item, bool) {
	if obs.Kind != ospofeed.KindEvent || authoritative(obs) {
		return ospofeed.Item{}, false
	}
	ix := txIndex{tx}
	for _, k := range obs.OutKeys() {
		if id, ok := ix.Exact(k); ok && id != obs.ID {
			if ev, ok := storedItem(tx, id); ok && ev.Kind == ospofeed.KindEvent && authoritative(ev) {
				return ev, true
			}
		}
	}
	var found ospofeed.Item
	ok := false
	scan(tx.Bucket(bucketEventNames), prefix([]byte(normTitle(obs.Title))), func(id string, v []byte) error {
		if ok || string(v) != "1" || id == obs.ID {
			return nil
		}
		if ev, stored := storedItem(tx, id); stored && overlap(ev, obs) {
			found, ok = ev, true
		}
		return nil
	})
	return found, ok
}

// asAlias turns a secondary event observation into what it is, an article
// linking to the event, and an observation of the event that lends it its
// dates and venue.
func asAlias(obs, ev ospofeed.Item) (article, ofEvent ospofeed.Item) {
	article = obs
	article.Kind = ospofeed.KindArticle
	article.Links = slices.Clone(obs.Links)
	if !slices.ContainsFunc(article.Links, func(l ospofeed.Link) bool { return ospofeed.MatchKey(l.URL) == ospofeed.MatchKey(ev.URL) }) {
		article.Links = append(article.Links, ospofeed.Link{Title: ev.Title, URL: ev.URL})
	}
	article.Start, article.End, article.AllDay, article.Venue = obs.Start, obs.End, obs.AllDay, ""
	ofEvent = ospofeed.Item{ID: ev.ID, Kind: ospofeed.KindEvent, Start: obs.Start, End: obs.End, AllDay: obs.AllDay,
		Venue: obs.Venue, Authority: obs.Authority}
	return article, ofEvent
}

// putEventObservation stores an observation, as an alias when it is one,
// and, for an authoritative event, turns the secondary events already
// stored that name it into aliases.
func putEventObservation(tx *bolt.Tx, source string, obs ospofeed.Item, touched map[string]bool) error {
	if ev, ok := aliasTarget(tx, obs); ok {
		a, e := asAlias(obs, ev)
		if err := putObservation(tx, source, a, touched); err != nil {
			return err
		}
		return putObservation(tx, source, e, touched)
	}
	if err := putObservation(tx, source, obs, touched); err != nil {
		return err
	}
	if obs.Kind != ospofeed.KindEvent || !authoritative(obs) {
		return nil
	}
	// Secondary events stored before the event's own page was read.
	var candidates []string
	scan(tx.Bucket(bucketEventNames), prefix([]byte(normTitle(obs.Title))), func(id string, v []byte) error {
		if string(v) == "0" && id != obs.ID {
			candidates = append(candidates, id)
		}
		return nil
	})
	// Of the items that link to the event, only those ever published as
	// events can be one (an entry in the events feed, one Get): its
	// recordings and the articles that link to it are not read.
	last := tx.Bucket(bucketFeedLast)
	for _, k := range obs.OwnKeys() {
		for _, id := range linkers(tx, k) {
			if last.Get(key([]byte(ospofeed.FeedEvents), []byte(id))) != nil {
				candidates = append(candidates, id)
			}
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	ev := obs
	if stored, ok := storedItem(tx, obs.ID); ok {
		ev.FillFrom(stored)
	}
	for _, id := range ospofeed.Union(candidates, nil) {
		sec, ok := storedItem(tx, id)
		if !ok || sec.Kind != ospofeed.KindEvent || authoritative(sec) || id == obs.ID {
			continue
		}
		if !linksTo(sec, ev) && (normTitle(sec.Title) != normTitle(ev.Title) || !overlap(sec, ev)) {
			continue
		}
		// Each source's observation of it becomes an alias.
		type srcObs struct {
			source string
			it     ospofeed.Item
		}
		var all []srcObs
		if err := scan(tx.Bucket(bucketObs), prefix([]byte(id)), func(src string, v []byte) error {
			o, err := decodeItem(v)
			if err == nil {
				all = append(all, srcObs{src, o.item()})
			}
			return err
		}); err != nil {
			return err
		}
		for _, so := range all {
			if so.it.Kind != ospofeed.KindEvent {
				continue
			}
			a, e := asAlias(so.it, ev)
			if err := putObservation(tx, so.source, a, touched); err != nil {
				return err
			}
			if err := putObservation(tx, so.source, e, touched); err != nil {
				return err
			}
		}
	}
	return nil
}

func linksTo(it, ev ospofeed.Item) bool {
	own := ev.OwnKeys()
	for _, k := range it.OutKeys() {
		if slices.Contains(own, k) {
			return true
		}
	}
	return false
}
