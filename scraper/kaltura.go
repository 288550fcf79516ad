package scraper

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ospofeed/ospofeed"
)

// kalturaEntry is the part of a Kaltura baseEntry ospofeed reads.
type kalturaEntry struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Duration     int64  `json:"duration"` // seconds
	ThumbnailURL string `json:"thumbnailUrl"`
	Status       int    `json:"status"` // 2 ready, 3 deleted
	ObjectType   string `json:"objectType"`
	// RedirectEntryID is set on an alias entry: it is not the recording,
	// the entry it names is.
	RedirectEntryID string `json:"redirectEntryId"`
}

// alias reports whether e redirects to another entry.
func (e kalturaEntry) alias() bool { return e.RedirectEntryID != "" && e.RedirectEntryID != e.ID }

// kalturaList is one baseEntry.list answer, or an inline exception.
type kalturaList struct {
	Objects    []kalturaEntry `json:"objects"`
	TotalCount int            `json:"totalCount"`
	ObjectType string         `json:"objectType"`
	Message    string         `json:"message"`
}

// kalturaFields is the response profile: Kaltura answers these fields only.
const kalturaFields = "id,name,description,duration,createdAt,updatedAt,thumbnailUrl,status,objectType,tags,redirectEntryId"

// maxAliasLookups bounds the redirectFromEntryId lists of one
// multirequest.
const maxAliasLookups = 50

// kalturaQuery asks Kaltura's anonymous player API for entries, in one
// multirequest: a widget session, then one baseEntry.list per filter. It
// answers the lists in the order of the filters; a list Kaltura refused is
// an error in its place of errs. err is for the whole request.
func kalturaQuery(ctx context.Context, env *Env, filters ...map[string]string) (lists [][]kalturaEntry, errs []error, err error) {
	k := env.Config.Kaltura
	req := map[string]any{
		"apiVersion": "3.3.0", "format": 1, "ks": "", "partnerId": k.PartnerID,
		"1": map[string]any{"service": "session", "action": "startWidgetSession", "widgetId": fmt.Sprintf("_%d", k.PartnerID)},
	}
	for i, f := range filters {
		req[strconv.Itoa(i+2)] = map[string]any{"service": "baseEntry", "action": "list", "ks": "{1:result:ks}",
			"filter":          f,
			"pager":           map[string]int{"pageSize": 500},
			"responseProfile": map[string]any{"type": 1, "fields": kalturaFields}}
	}
	body, _ := json.Marshal(req)
	endpoint := k.Endpoint + "/api_v3/service/multirequest"
	resp, err := env.Fetcher.PostJSON(ctx, endpoint, body)
	if err != nil {
		return nil, nil, err
	}
	var answers []json.RawMessage
	if err := json.Unmarshal(resp.Body, &answers); err != nil {
		return nil, nil, fmt.Errorf("kaltura %s: answer is not a JSON array: %w", endpoint, err)
	}
	if len(answers) != len(filters)+1 {
		return nil, nil, fmt.Errorf("kaltura %s: %d answers, want %d", endpoint, len(answers), len(filters)+1)
	}
	lists, errs = make([][]kalturaEntry, len(filters)), make([]error, len(filters))
	for i, raw := range answers[1:] {
		var list kalturaList
		switch err := json.Unmarshal(raw, &list); {
		case err != nil:
			errs[i] = fmt.Errorf("kaltura %s: list answer: %w", endpoint, err)
		case list.ObjectType == "KalturaAPIException":
			errs[i] = fmt.Errorf("kaltura %s: %s", endpoint, ospofeed.CleanText(list.Message))
		default:
			lists[i] = list.Objects
		}
	}
	return lists, errs, nil
}

// enrich fills what the pages lack from Kaltura: the canonical entry id
// (the derived one can be an alias), the duration, the thumbnail, and
// whether the entry is a live stream. Kaltura failing is a warning, never
// a failed crawl: the items keep what their pages gave, but the entry id
// this source stored before, if any (keepKnownEntry).
//
// One multirequest lists the pages' entry ids (idIn). An entry it answers
// with a redirectEntryId is an alias (duration 0, its own thumbnail): a
// second multirequest, the last, lists the canonical entries those name,
// and resolves through redirectFromEntryId the ids Kaltura did not list at
// all. A canonical entry that redirects again is not followed.
func enrich(ctx context.Context, env *Env, items []*ospofeed.Item) {
	if !env.Config.Kaltura.Enabled || len(items) == 0 {
		return
	}
	byID := map[string][]*ospofeed.Item{}
	var ids []string
	for _, it := range items {
		if it.KalturaID == "" || it.Withdrawn {
			continue
		}
		if _, ok := byID[it.KalturaID]; !ok {
			ids = append(ids, it.KalturaID)
		}
		byID[it.KalturaID] = append(byID[it.KalturaID], it)
	}
	if len(ids) == 0 {
		return
	}
	lists, errs, err := kalturaQuery(ctx, env, map[string]string{"idIn": strings.Join(ids, ",")})
	if err == nil {
		err = errs[0]
	}
	if err != nil {
		env.Warn("kaltura enrichment skipped: %v", err)
		for _, id := range ids {
			keepKnownEntry(env, byID[id])
		}
		return
	}
	listed := map[string]kalturaEntry{}
	for _, e := range lists[0] {
		listed[e.ID] = e
	}
	resolved := map[string]kalturaEntry{} // page's entry id -> the recording's entry
	var follow, lookup []string           // alias ids; ids Kaltura did not list
	for _, id := range ids {
		switch e, ok := listed[id]; {
		case !ok:
			lookup = append(lookup, id)
		case e.alias():
			follow = append(follow, id)
		default:
			resolved[id] = e
		}
	}
	if len(lookup) > maxAliasLookups {
		for _, id := range lookup[maxAliasLookups:] {
			env.Warn("kaltura: entry %s not listed, and more than %d to resolve: left for the next crawl", id, maxAliasLookups)
			keepKnownEntry(env, byID[id])
		}
		lookup = lookup[:maxAliasLookups]
	}
	if len(follow)+len(lookup) > 0 {
		resolveAliases(ctx, env, byID, listed, follow, lookup, resolved)
	}
	for _, id := range ids {
		if e, ok := resolved[id]; ok {
			for _, it := range byID[id] {
				applyEntry(env, it, e, id)
			}
		}
	}
}

// resolveAliases makes the second and last multirequest of enrich: the
// canonical entries the aliases in follow name (idIn), and the entries the
// ids in lookup redirect to (redirectFromEntryId, one list each). What it
// finds goes to resolved; an item it cannot resolve keeps the entry id
// known before (keepKnownEntry).
func resolveAliases(ctx context.Context, env *Env, byID map[string][]*ospofeed.Item, listed map[string]kalturaEntry,
	follow, lookup []string, resolved map[string]kalturaEntry) {
	var filters []map[string]string
	var canon []string
	seen := map[string]bool{}
	for _, id := range follow {
		if c := listed[id].RedirectEntryID; !seen[c] {
			seen[c] = true
			canon = append(canon, c)
		}
	}
	if len(canon) > 0 {
		filters = append(filters, map[string]string{"idIn": strings.Join(canon, ",")})
	}
	for _, id := range lookup {
		filters = append(filters, map[string]string{"redirectFromEntryId": id})
	}
	lists, errs, err := kalturaQuery(ctx, env, filters...)
	if err != nil {
		env.Warn("kaltura: resolving aliases: %v", err)
		for _, id := range append(follow, lookup...) {
			keepKnownEntry(env, byID[id])
		}
		return
	}
	if len(canon) > 0 {
		found := map[string]kalturaEntry{}
		if errs[0] == nil {
			for _, e := range lists[0] {
				found[e.ID] = e
			}
		}
		for _, id := range follow {
			c := listed[id].RedirectEntryID
			e, ok := found[c]
			switch {
			case errs[0] != nil:
				env.Warn("kaltura: entry %s redirects to %s: %v", id, c, errs[0])
			case !ok:
				env.Warn("kaltura: entry %s redirects to %s, which Kaltura does not list", id, c)
			case e.alias():
				env.Warn("kaltura: entry %s redirects to %s, which redirects again to %s: not followed", id, c, e.RedirectEntryID)
			default:
				resolved[id] = e
				continue
			}
			keepKnownEntry(env, byID[id])
		}
		lists, errs = lists[1:], errs[1:]
	}
	for i, id := range lookup {
		switch {
		case errs[i] != nil:
			env.Warn("kaltura: resolving entry %s: %v", id, errs[i])
			keepKnownEntry(env, byID[id])
		case len(lists[i]) == 0:
			env.Warn("kaltura: no entry %s", id)
		case lists[i][0].alias():
			env.Warn("kaltura: entry %s resolves to %s, which redirects again: not followed", id, lists[i][0].ID)
			keepKnownEntry(env, byID[id])
		default:
			resolved[id] = lists[i][0]
		}
	}
}

// keepKnownEntry gives items Kaltura did not answer for the entry id this
// source observed before: resolved by Kaltura then, it is canonical, where
// the page's may be an alias. Without one, the page's id stays.
func keepKnownEntry(env *Env, items []*ospofeed.Item) {
	for _, it := range items {
		prev, ok, err := env.Memory.Observation(env.Source.ID, it.ID)
		if err != nil {
			env.Warn("kaltura: memory of %s unreadable, keeping the page's entry id: %v", it.ID, err)
			continue
		}
		if ok && prev.KalturaID != "" {
			it.KalturaID = prev.KalturaID
		}
	}
}

// applyEntry takes from e, the entry of the recording it (found by the
// page's entry id pageID), its canonical id, and what the page lacks. A
// thumbnail that names the page's entry id, an alias of e, becomes e's.
func applyEntry(env *Env, it *ospofeed.Item, e kalturaEntry, pageID string) {
	if e.ID != "" {
		it.KalturaID = e.ID // canonical
	}
	if it.Duration == 0 && e.Duration > 0 {
		it.Duration = time.Duration(e.Duration) * time.Second
	}
	thumb := strings.HasPrefix(e.ThumbnailURL, "https://")
	if thumb && (it.Thumbnail == "" || e.ID != pageID && namesEntry(it.Thumbnail, pageID)) {
		it.Thumbnail = ospofeed.StripXMLIllegal(e.ThumbnailURL)
	}
	if e.ObjectType == "KalturaLiveStreamEntry" {
		it.Live = true
	}
	if e.Status == 3 {
		env.Warn("kaltura: entry %s of %s is deleted", e.ID, it.ID)
	}
}

// namesEntry reports whether a Kaltura thumbnail URL is of entry id.
func namesEntry(thumb, id string) bool {
	_, rest, ok := strings.Cut(thumb, "/entry_id/"+id)
	return ok && (rest == "" || rest[0] == '/' || rest[0] == '?')
}
