package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/ospofeed/ospofeed"
)

// itemV1 is how an item is stored. It is separate from ospofeed.Item so
// that the domain type can change without changing the file format.
type itemV1 struct {
	ID         string               `json:"id"`
	Kind       string               `json:"kind"`
	URL        string               `json:"url,omitempty"`
	Title      string               `json:"title,omitempty"`
	Summary    string               `json:"summary,omitempty"`
	Content    string               `json:"content,omitempty"`
	Date       time.Time            `json:"date,omitzero"`
	DateOnly   bool                 `json:"date_only,omitempty"`
	Start      time.Time            `json:"start,omitzero"`
	End        time.Time            `json:"end,omitzero"`
	AllDay     bool                 `json:"all_day,omitempty"`
	Venue      string               `json:"venue,omitempty"`
	DurationMS int64                `json:"duration_ms,omitempty"`
	Live       bool                 `json:"live,omitempty"`
	Withdrawn  bool                 `json:"withdrawn,omitempty"`
	Unpub      bool                 `json:"unpublished,omitempty"`
	Languages  []string             `json:"languages,omitempty"`
	Categories []string             `json:"categories,omitempty"`
	Entities   []string             `json:"entities,omitempty"`
	Topics     []string             `json:"topics,omitempty"`
	Thumbnail  string               `json:"thumbnail,omitempty"`
	KalturaID  string               `json:"kaltura_id,omitempty"`
	Alternates []ospofeed.Alternate `json:"alternates,omitempty"`
	Links      []ospofeed.Link      `json:"links,omitempty"`
	Author     string               `json:"author,omitempty"`
	Type       string               `json:"type,omitempty"`
	GUID       string               `json:"guid,omitempty"`
	Country    string               `json:"country,omitempty"`
	Descs      map[string]string    `json:"descriptions,omitempty"`
	Email      string               `json:"email,omitempty"`
	Policy     string               `json:"policy,omitempty"`
	Forges     []string             `json:"forges,omitempty"`
	Events     []string             `json:"events,omitempty"`
	Recordings []string             `json:"recordings,omitempty"`
	Keywords   []string             `json:"keywords,omitempty"`
	Sources    []string             `json:"sources,omitempty"`
	Authority  int                  `json:"authority,omitempty"`
	FirstSeen  time.Time            `json:"first_seen,omitzero"`
	Updated    time.Time            `json:"updated,omitzero"`
	Version    int                  `json:"version,omitempty"`
	Hash       string               `json:"hash,omitempty"`
}

func toV1(it ospofeed.Item) itemV1 {
	return itemV1{
		ID: it.ID, Kind: string(it.Kind), URL: it.URL, Title: it.Title, Summary: it.Summary,
		Content: it.Content, Date: it.Date, DateOnly: it.DateOnly, Start: it.Start, End: it.End,
		AllDay: it.AllDay, Venue: it.Venue, DurationMS: it.Duration.Milliseconds(), Live: it.Live,
		Withdrawn: it.Withdrawn, Unpub: it.Unpublished, Languages: it.Languages, Categories: it.Categories,
		Entities: it.Entities, Topics: it.Topics, Thumbnail: it.Thumbnail, KalturaID: it.KalturaID,
		Alternates: it.Alternates, Links: it.Links, Author: it.Author, Type: it.Type, GUID: it.GUID,
		Country: it.Country, Descs: it.Descriptions, Email: it.Email, Policy: it.Policy, Forges: it.Forges,
		Events:     it.Events,
		Recordings: it.Recordings, Keywords: it.Keywords, Sources: it.Sources,
		Authority: it.Authority, FirstSeen: it.FirstSeen, Updated: it.Updated, Version: it.Version,
	}
}

func (v itemV1) item() ospofeed.Item {
	return ospofeed.Item{
		ID: v.ID, Kind: ospofeed.Kind(v.Kind), URL: v.URL, Title: v.Title, Summary: v.Summary,
		Content: v.Content, Date: v.Date, DateOnly: v.DateOnly, Start: v.Start, End: v.End,
		AllDay: v.AllDay, Venue: v.Venue, Duration: time.Duration(v.DurationMS) * time.Millisecond,
		Live: v.Live, Withdrawn: v.Withdrawn, Unpublished: v.Unpub, Languages: v.Languages, Categories: v.Categories,
		Entities: v.Entities, Topics: v.Topics, Thumbnail: v.Thumbnail, KalturaID: v.KalturaID,
		Alternates: v.Alternates, Links: v.Links, Author: v.Author, Type: v.Type, GUID: v.GUID,
		Country: v.Country, Descriptions: v.Descs, Email: v.Email, Policy: v.Policy, Forges: v.Forges,
		Events:     v.Events,
		Recordings: v.Recordings, Keywords: v.Keywords, Sources: v.Sources,
		Authority: v.Authority, FirstSeen: v.FirstSeen, Updated: v.Updated, Version: v.Version,
	}
}

// contentHash digests what a reader of the item sees: everything but the
// bookkeeping and the list of sources, so that a second source reporting the
// same item does not make it "updated".
func contentHash(it ospofeed.Item) string {
	v := toV1(it)
	v.Sources, v.Authority, v.FirstSeen, v.Updated, v.Version, v.Keywords, v.Unpub = nil, 0, time.Time{}, time.Time{}, 0, nil, false
	b, _ := json.Marshal(v) // a struct of plain fields cannot fail to marshal
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func decodeItem(b []byte) (itemV1, error) {
	var v itemV1
	err := json.Unmarshal(b, &v)
	return v, err
}

type pageV1 struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Items        []string  `json:"items,omitempty"`
	Lines        []string  `json:"lines,omitempty"`
	Fetched      time.Time `json:"fetched"`
}

type statusV1 struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Reason string `json:"reason,omitempty"`
}

type sourceV1 struct {
	Status    string `json:"status"`
	Reason    string `json:"reason,omitempty"`
	LastFound int    `json:"last_found"`
	// Crawls in a row that found the same smaller count (StreakFound):
	// after acceptAfter of them it becomes the new normal.
	Streak      int       `json:"streak,omitempty"`
	StreakFound int       `json:"streak_found,omitempty"`
	StatusSince time.Time `json:"status_since,omitzero"`
	LastCrawl   time.Time `json:"last_crawl,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Failures    int       `json:"failures,omitempty"`
	Items       int       `json:"items"`
}

type crawlV1 struct {
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Pages       int       `json:"pages"`
	NotModified int       `json:"not_modified"`
	New         int       `json:"new"`
	Changed     int       `json:"changed"`
	Unchanged   int       `json:"unchanged"`
	Warnings    []string  `json:"warnings,omitempty"`
	Error       string    `json:"error,omitempty"`
	Status      string    `json:"status,omitempty"`
	Reason      string    `json:"reason,omitempty"`
}
