package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ospofeed/ospofeed"
)

// Retention: how much history a database keeps.
const (
	keepVersions = 50  // earlier versions per item
	keepCrawls   = 200 // crawl logs per source
	// status changes of all sources together
	keepStatusChanges = 1000
	// crawls in a row finding the same smaller count before it is accepted
	acceptAfter = 3
)

const (
	memberOfEvent     = 'e' // members/ e 0x00 <event> 0x00 <recording>
	memberOfRecording = 'r' // members/ r 0x00 <recording> 0x00 <event>
)

type outcome int

const (
	outcomeNone outcome = iota
	outcomeNew
	outcomeChanged
	outcomeUnchanged
)

// SaveCrawl commits what one crawl of one source found, in one transaction:
// its observations (merged into the items), the validators of its pages, its
// crawl log and the source's health. It never deletes an item and never
// blanks a field: a failed crawl records the failure and leaves the items as
// they were. Invalid observations are skipped with a warning in the log.
//
// What enters the store is first cut to res.Limits (see applyLimits): the
// first ItemsPerCrawl observations, titles, summaries, contents and links
// cut to their limits, one warning per kind of cut. A crawl cut at
// ItemsPerCrawl is degraded, with the cut in its reason.
func (db *DB) SaveCrawl(res ospofeed.CrawlResult) (ospofeed.CrawlLog, error) {
	cut := applyLimits(res)
	res = cut.res
	log := ospofeed.CrawlLog{
		Source: res.Source, Start: res.Start.UTC(), End: res.End.UTC(),
		Pages: res.Fetched, NotModified: res.NotModified,
		Warnings: append(slices.Clone(res.Warnings), cut.warnings...),
	}
	if res.Err != nil {
		log.Error = res.Err.Error()
	}
	if res.Source == "" {
		return log, fmt.Errorf("store: save crawl: no source id")
	}
	now := db.now()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		touched := map[string]bool{}
		var reported []string
		for _, obs := range res.Items {
			if err := obs.Validate(); err != nil {
				log.Warnings = append(log.Warnings, "skipped invalid observation: "+err.Error())
				continue
			}
			if err := putEventObservation(tx, res.Source, obs, touched); err != nil {
				return fmt.Errorf("observation %s: %w", obs.ID, err)
			}
			reported = append(reported, obs.ID)
		}
		// Items a 304 said are as remembered (ids of this source's stored
		// observations, which are never deleted): reported again,
		// unchanged, without reading or re-saving them.
		reported = append(reported, res.Replayed...)
		outcomes := map[string]outcome{}
		ids := make([]string, 0, len(touched))
		for id := range touched {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		var stored []ospofeed.Item
		var affected []string
		for _, id := range ids {
			o, it, prev, err := recompute(tx, id, now)
			if err != nil {
				return fmt.Errorf("merge item %s: %w", id, err)
			}
			outcomes[id] = o
			if o == outcomeNone {
				continue
			}
			stored = append(stored, it)
			if o == outcomeNew {
				if err := countItem(tx, it.Kind); err != nil {
					return err
				}
			}
			if prev != nil && prev.Kind != it.Kind {
				// An event found to be another's alias is an article now.
				if err := uncountItem(tx, prev.Kind); err != nil {
					return err
				}
				if err := countItem(tx, it.Kind); err != nil {
					return err
				}
			}
			if err := indexEventName(tx, prev, it); err != nil {
				return err
			}
			if o == outcomeNew || o == outcomeChanged {
				a, err := indexLinks(tx, prev, it)
				if err != nil {
					return fmt.Errorf("index links of %s: %w", id, err)
				}
				// What shows the item: its events or recordings (and those
				// it had: one it left no longer lists it, and counts its
				// links as mentions now), and what links to it or it
				// links to.
				affected = append(append(append(affected, a...), it.Events...), it.Recordings...)
				if prev != nil {
					affected = append(append(affected, prev.Events...), prev.Recordings...)
				}
			}
		}
		// Into the feed logs, oldest first, so that of the items one crawl
		// finds, the newest are the newest entries.
		slices.SortFunc(stored, func(a, b ospofeed.Item) int {
			if c := a.When().Compare(b.When()); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		for _, it := range stored {
			if err := claimSlug(tx, it); err != nil {
				return err
			}
			o := outcomes[it.ID]
			feeds, err := publish(tx, it, o == outcomeNew || o == outcomeChanged)
			if err != nil {
				return fmt.Errorf("publish item %s: %w", it.ID, err)
			}
			if o == outcomeNew || o == outcomeChanged || len(feeds) > 0 {
				affected = append(affected, it.ID)
			}
		}
		log.Touched = ospofeed.Union(affected, nil)
		slices.Sort(log.Touched)
		for _, id := range ospofeed.Union(reported, nil) {
			o, ok := outcomes[id]
			if !ok {
				o = outcomeUnchanged // its observation was unchanged: not even merged
			}
			switch o {
			case outcomeNew:
				log.New++
			case outcomeChanged:
				log.Changed++
			case outcomeUnchanged:
				log.Unchanged++
			}
		}
		pages := tx.Bucket(bucketPages)
		for _, p := range res.Pages {
			v, _ := json.Marshal(pageV1{ETag: p.ETag, LastModified: p.LastModified, Items: p.Items, Lines: p.Lines, Fetched: log.End})
			if err := pages.Put(key([]byte(res.Source), []byte(p.URL)), v); err != nil {
				return err
			}
		}
		healthBefore := shownHealth(tx, res.Source)
		if err := putSourceState(tx, &log, res, cut.itemsCut); err != nil {
			return err
		}
		if err := markPending(tx, &log, healthBefore); err != nil {
			return err
		}
		return putCrawlLog(tx, log)
	})
	// What the save read of the file (the items, observations and pages
	// it merged into) leaves the process's memory: a crawl of many
	// sources otherwise holds every page it ever merged into.
	db.ReleaseMemory()
	if err != nil {
		return log, fmt.Errorf("store: save crawl of %s: %w", res.Source, err)
	}
	return log, nil
}

// putObservation merges obs into the source's stored observation of the
// item and records the memberships it states.
func putObservation(tx *bolt.Tx, source string, obs ospofeed.Item, touched map[string]bool) error {
	obs.Sources = []string{source}
	obs.FirstSeen, obs.Updated, obs.Version = time.Time{}, time.Time{}, 0
	b := tx.Bucket(bucketObs)
	k := key([]byte(obs.ID), []byte(source))
	raw := b.Get(k)
	if raw != nil {
		// Fast path of a re-crawl: the same observation as stored.
		if v, err := json.Marshal(toV1(obs)); err == nil && bytes.Equal(raw, v) {
			return nil
		}
	}
	if raw != nil {
		oldV, err := decodeItem(raw)
		if err != nil {
			return fmt.Errorf("decode stored observation: %w", err)
		}
		old := oldV.item()
		if obs.Authority < old.Authority {
			// A weaker sighting (a link where the page itself was read
			// before) adds memberships but changes nothing else.
			old.Events = ospofeed.Union(old.Events, obs.Events)
			old.Recordings = ospofeed.Union(old.Recordings, obs.Recordings)
			obs = old
		} else {
			obs.FillFrom(old)
		}
	}
	v, err := json.Marshal(toV1(obs))
	if err != nil {
		return err
	}
	if raw != nil && bytes.Equal(raw, v) {
		// Seen exactly so before: the item and its memberships already
		// reflect it (the common case of a re-crawl).
		return nil
	}
	if err := b.Put(k, v); err != nil {
		return err
	}
	if err := tx.Bucket(bucketBySource).Put(key([]byte(source), []byte(obs.ID)), nil); err != nil {
		return err
	}
	touched[obs.ID] = true
	for _, ev := range obs.Events {
		if err := putMember(tx, ev, obs.ID); err != nil {
			return err
		}
		touched[ev] = true
	}
	for _, rec := range obs.Recordings {
		if err := putMember(tx, obs.ID, rec); err != nil {
			return err
		}
		touched[rec] = true
	}
	return nil
}

func putMember(tx *bolt.Tx, event, recording string) error {
	m := tx.Bucket(bucketMembers)
	if err := m.Put(key([]byte{memberOfEvent}, []byte(event), []byte(recording)), nil); err != nil {
		return err
	}
	return m.Put(key([]byte{memberOfRecording}, []byte(recording), []byte(event)), nil)
}

// scan calls fn with the rest of every key under prefix p, in key order.
func scan(b *bolt.Bucket, p []byte, fn func(rest string, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if err := fn(after(k, p), v); err != nil {
			return err
		}
	}
	return nil
}

// merged builds an item's current version from all its observations: each
// field from the most authoritative observation that has it (ties go to the
// source id that sorts first, so the result does not depend on crawl order).
func merged(tx *bolt.Tx, id string) (ospofeed.Item, bool, error) {
	var obs []ospofeed.Item
	err := scan(tx.Bucket(bucketObs), prefix([]byte(id)), func(_ string, v []byte) error {
		o, err := decodeItem(v)
		if err != nil {
			return err
		}
		obs = append(obs, o.item())
		return nil
	})
	if err != nil || len(obs) == 0 {
		return ospofeed.Item{}, false, err
	}
	slices.SortStableFunc(obs, func(a, b ospofeed.Item) int {
		if a.Authority != b.Authority {
			return b.Authority - a.Authority
		}
		return compareStrings(a.Sources, b.Sources)
	})
	it := obs[0]
	for _, o := range obs[1:] {
		it.FillFrom(o)
	}
	// A recording is published on positive evidence only: its own page or
	// its publisher's feed showed it, not withdrawn. A schedule card or a
	// link alone says it was scheduled, not that a recording exists.
	if it.Kind == ospofeed.KindRecording {
		it.Unpublished = true
		for _, o := range obs {
			if o.Authority >= ospofeed.AuthorityFeed && !o.Withdrawn {
				it.Unpublished = false
			}
		}
	}
	slices.Sort(it.Sources)
	members := tx.Bucket(bucketMembers)
	var extra []string
	var side byte = memberOfEvent
	if it.Kind == ospofeed.KindRecording {
		side = memberOfRecording
	}
	if err := scan(members, prefix([]byte{side}, []byte(id)), func(rest string, _ []byte) error {
		extra = append(extra, rest)
		return nil
	}); err != nil {
		return it, false, err
	}
	if side == memberOfEvent {
		it.Recordings = ospofeed.Union(it.Recordings, extra)
	} else {
		it.Events = ospofeed.Union(it.Events, extra)
	}
	return it, true, nil
}

func compareStrings(a, b []string) int {
	return slices.Compare(a, b)
}

// recompute rebuilds the current version of an item and stores it; the
// version moves, and the previous one goes to history, only when the
// content hash changes.
func recompute(tx *bolt.Tx, id string, now time.Time) (outcome, ospofeed.Item, *ospofeed.Item, error) {
	it, ok, err := merged(tx, id)
	if err != nil || !ok {
		return outcomeNone, it, nil, err
	}
	items := tx.Bucket(bucketItems)
	hash := contentHash(it)
	out := outcomeNew
	var prev *ospofeed.Item
	it.FirstSeen, it.Updated, it.Version = now, now, 1
	if raw := items.Get([]byte(id)); raw != nil {
		old, err := decodeItem(raw)
		if err != nil {
			return outcomeNone, it, nil, fmt.Errorf("decode stored item: %w", err)
		}
		it.FirstSeen = old.FirstSeen
		// Once published, never unpublished again: a recording whose page
		// later answers 404 is withdrawn, and stays in its feeds.
		it.Unpublished = it.Unpublished && old.Unpub
		p := old.item()
		prev = &p
		if old.Hash == hash {
			if slices.Equal(old.Sources, it.Sources) && old.Authority == it.Authority && slices.Equal(old.Keywords, it.Keywords) && old.Unpub == it.Unpublished {
				return outcomeUnchanged, old.item(), nil, nil
			}
			it.Updated, it.Version = old.Updated, old.Version
			out = outcomeUnchanged
		} else {
			it.Version = old.Version + 1
			out = outcomeChanged
			if err := putHistory(tx, old, raw); err != nil {
				return outcomeNone, it, nil, err
			}
		}
	}
	v := toV1(it)
	v.Hash = hash
	b, err := json.Marshal(v)
	if err != nil {
		return outcomeNone, it, nil, err
	}
	if err := putBelongs(tx, it); err != nil {
		return outcomeNone, it, nil, err
	}
	return out, it, prev, items.Put([]byte(id), b)
}

func putHistory(tx *bolt.Tx, old itemV1, raw []byte) error {
	h := tx.Bucket(bucketHistory)
	p := prefix([]byte(old.ID))
	if err := h.Put(append(slices.Clone(p), u64(uint64(old.Version))...), raw); err != nil {
		return err
	}
	return prune(h, p, keepVersions)
}

// prune deletes the oldest entries under p beyond keep. Keys are collected
// first: deleting inside a forward cursor loop skips entries.
func prune(b *bolt.Bucket, p []byte, keep int) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		keys = append(keys, slices.Clone(k))
	}
	for len(keys) > keep {
		if err := b.Delete(keys[0]); err != nil {
			return err
		}
		keys = keys[1:]
	}
	return nil
}

func putCrawlLog(tx *bolt.Tx, log ospofeed.CrawlLog) error {
	b := tx.Bucket(bucketCrawls)
	v, err := json.Marshal(crawlV1{Start: log.Start, End: log.End, Pages: log.Pages, NotModified: log.NotModified,
		New: log.New, Changed: log.Changed, Unchanged: log.Unchanged, Warnings: log.Warnings, Error: log.Error,
		Status: string(log.Status), Reason: log.Reason})
	if err != nil {
		return err
	}
	p := prefix([]byte(log.Source))
	if err := b.Put(append(slices.Clone(p), u64(uint64(log.Start.UnixNano()))...), v); err != nil {
		return err
	}
	return prune(b, p, keepCrawls)
}

// putSourceState records the source's health after a crawl, and every
// change of status in the status log. itemsCut, when not "", says the crawl
// was cut at its items limit: items the source lists are missing from the
// store, which is what degraded means ("extraction lost items"), so an ok
// crawl becomes degraded and any other status carries the cut in its
// reason. Degraded, not ok with a reason: the change of status is what
// reaches the maintainers (status log and feed), once, not on every crawl.
func putSourceState(tx *bolt.Tx, log *ospofeed.CrawlLog, res ospofeed.CrawlResult, itemsCut string) error {
	b := tx.Bucket(bucketSources)
	st := sourceV1{Status: string(ospofeed.StatusNew)}
	if raw := b.Get([]byte(log.Source)); raw != nil {
		if err := json.Unmarshal(raw, &st); err != nil {
			return fmt.Errorf("decode state of source %s: %w", log.Source, err)
		}
	}
	status, reason := ospofeed.Evaluate(res, res.Expect, st.LastFound)
	if itemsCut != "" {
		switch {
		case status == ospofeed.StatusOK || status == ospofeed.StatusEmpty:
			status, reason = ospofeed.StatusDegraded, itemsCut
		case reason == "":
			reason = itemsCut
		default:
			reason += "; " + itemsCut
		}
	}
	log.Status, log.Reason = status, reason
	if status == ospofeed.StatusInterrupted {
		// Not the source's doing: its health stays as it was; only the
		// count of its items follows what was saved.
		st.Items = countItems(tx, log.Source)
		v, err := json.Marshal(st)
		if err != nil {
			return err
		}
		if raw := b.Get([]byte(log.Source)); raw == nil {
			return nil // never crawled before: no state to keep
		}
		return b.Put([]byte(log.Source), v)
	}
	st.LastCrawl = log.End
	found := res.Found()
	switch {
	case status == ospofeed.StatusFailed:
		st.LastError = log.Error
		st.Failures++
	case status == ospofeed.StatusBlocked:
		// robots.txt was read and forbids the source: not a success, and
		// not a failure either (no backoff: the next crawl asks robots.txt
		// again, at most, and goes on as soon as it allows). The streak of
		// failures ends here.
		st.LastError, st.Failures = log.Error, 0
	case ospofeed.CountOK(res, res.Expect, st.LastFound):
		// As many items as expected (some may lack a field): the count is
		// the yardstick for the next crawls.
		st.LastFound, st.Streak, st.StreakFound = found, 0, 0
	case found > 0:
		// Fewer items than before. If the same smaller count holds for
		// acceptAfter crawls in a row, it is the source's new normal (an
		// event page that dropped a recording for good), not a breakage.
		// Finding nothing never becomes normal: that is a redesign.
		if found == st.StreakFound {
			st.Streak++
		} else {
			st.Streak, st.StreakFound = 1, found
		}
		if st.Streak >= acceptAfter {
			st.LastFound, st.Streak, st.StreakFound = found, 0, 0
			log.Reason += fmt.Sprintf(" (%d crawls in a row found %d: that is the yardstick from now on)", acceptAfter, found)
			reason = log.Reason
		}
	}
	if status != ospofeed.StatusFailed && status != ospofeed.StatusBlocked {
		// Degraded and empty crawls answered: successes for backoff.
		st.LastSuccess, st.LastError, st.Failures = log.End, "", 0
	}
	if string(status) != st.Status {
		change, _ := json.Marshal(statusV1{From: st.Status, To: string(status), Reason: reason})
		k := key(u64(uint64(log.End.UnixNano())), []byte(log.Source))
		if err := tx.Bucket(bucketStatus).Put(k, change); err != nil {
			return err
		}
		if err := prune(tx.Bucket(bucketStatus), nil, keepStatusChanges); err != nil {
			return err
		}
		st.Status, st.StatusSince = string(status), log.End
	}
	st.Reason = reason
	st.Items = countItems(tx, log.Source)
	v, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return b.Put([]byte(log.Source), v)
}

// countItems is how many items a source has reported.
func countItems(tx *bolt.Tx, source string) int {
	n := 0
	_ = scan(tx.Bucket(bucketBySource), prefix([]byte(source)), func(string, []byte) error { n++; return nil })
	return n
}
