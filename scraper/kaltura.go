package scraper

import (
	"context"
	"encoding/json"
	"fmt"
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
}

// kalturaList is one baseEntry.list answer, or an inline exception.
type kalturaList struct {
	Objects    []kalturaEntry `json:"objects"`
	TotalCount int            `json:"totalCount"`
	ObjectType string         `json:"objectType"`
	Message    string         `json:"message"`
}

// kalturaList asks Kaltura's anonymous player API for entries, in one
// multirequest: a widget session, then baseEntry.list with filter.
func kalturaQuery(ctx context.Context, env *Env, filter map[string]string) ([]kalturaEntry, error) {
	k := env.Config.Kaltura
	req := map[string]any{
		"apiVersion": "3.3.0", "format": 1, "ks": "", "partnerId": k.PartnerID,
		"1": map[string]any{"service": "session", "action": "startWidgetSession", "widgetId": fmt.Sprintf("_%d", k.PartnerID)},
		"2": map[string]any{"service": "baseEntry", "action": "list", "ks": "{1:result:ks}",
			"filter":          filter,
			"pager":           map[string]int{"pageSize": 500},
			"responseProfile": map[string]any{"type": 1, "fields": "id,name,description,duration,createdAt,updatedAt,thumbnailUrl,status,objectType,tags"}},
	}
	body, _ := json.Marshal(req)
	endpoint := k.Endpoint + "/api_v3/service/multirequest"
	resp, err := env.Fetcher.PostJSON(ctx, endpoint, body)
	if err != nil {
		return nil, err
	}
	var answers []json.RawMessage
	if err := json.Unmarshal(resp.Body, &answers); err != nil {
		return nil, fmt.Errorf("kaltura %s: answer is not a JSON array: %w", endpoint, err)
	}
	if len(answers) < 2 {
		return nil, fmt.Errorf("kaltura %s: %d answers, want 2", endpoint, len(answers))
	}
	var list kalturaList
	if err := json.Unmarshal(answers[1], &list); err != nil {
		return nil, fmt.Errorf("kaltura %s: list answer: %w", endpoint, err)
	}
	if list.ObjectType == "KalturaAPIException" {
		return nil, fmt.Errorf("kaltura %s: %s", endpoint, ospofeed.CleanText(list.Message))
	}
	return list.Objects, nil
}

// enrich fills what the pages lack from Kaltura: the canonical entry id
// (the derived one can be an alias), the duration, the thumbnail, and
// whether the entry is a live stream. Kaltura failing is a warning, never
// a failed crawl: the items keep what their pages gave, but the entry id
// this source stored before, if any (keepKnownEntry).
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
	entries, err := kalturaQuery(ctx, env, map[string]string{"idIn": strings.Join(ids, ",")})
	if err != nil {
		env.Warn("kaltura enrichment skipped: %v", err)
		for _, id := range ids {
			keepKnownEntry(env, byID[id])
		}
		return
	}
	found := map[string]bool{}
	for _, e := range entries {
		found[e.ID] = true
		for _, it := range byID[e.ID] {
			applyEntry(env, it, e)
		}
	}
	// Ids Kaltura did not list by id may be aliases: resolve one by one.
	for _, id := range ids {
		if found[id] {
			continue
		}
		entries, err := kalturaQuery(ctx, env, map[string]string{"redirectFromEntryId": id})
		if err != nil {
			env.Warn("kaltura: resolving entry %s: %v", id, err)
			keepKnownEntry(env, byID[id])
			continue
		}
		if len(entries) == 0 {
			env.Warn("kaltura: no entry %s", id)
			continue
		}
		for _, it := range byID[id] {
			applyEntry(env, it, entries[0])
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

func applyEntry(env *Env, it *ospofeed.Item, e kalturaEntry) {
	if e.ID != "" {
		it.KalturaID = e.ID // canonical
	}
	if it.Duration == 0 && e.Duration > 0 {
		it.Duration = time.Duration(e.Duration) * time.Second
	}
	if it.Thumbnail == "" && strings.HasPrefix(e.ThumbnailURL, "https://") {
		it.Thumbnail = ospofeed.StripXMLIllegal(e.ThumbnailURL)
	}
	if e.ObjectType == "KalturaLiveStreamEntry" {
		it.Live = true
	}
	if e.Status == 3 {
		env.Warn("kaltura: entry %s of %s is deleted", e.ID, it.ID)
	}
}
