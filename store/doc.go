// Package store keeps ospofeed's items, their history and the health of
// every source in one bbolt file.
//
// Scrapers hand over observations: what one source saw of an item on one
// crawl. The store keeps the latest observation of each (item, source) pair
// and merges all observations of an item into its current version, field by
// field from the most authoritative observation that has the field. An
// observation never blanks or downgrades what was known: a failed or partial
// crawl leaves every stored item as it was.
//
// Schema (bucket tree; keys are bytes, 0x00 separates the parts of a
// composite key, numbers are big-endian uint64 so that keys sort):
//
//	meta/
//	    schema_version   -> uint64
//	    created          -> RFC 3339 time the database was made
//	items/
//	    <item id>        -> itemV1 JSON: the merged, current item
//	obs/
//	    <item id> 0x00 <source id> -> itemV1 JSON: that source's latest observation
//	bysource/
//	    <source id> 0x00 <item id> -> empty: which items a source reported
//	members/
//	    e 0x00 <event id> 0x00 <recording id> -> empty: an event's recordings, from either side
//	    r 0x00 <recording id> 0x00 <event id> -> empty: the same, indexed by recording
//	history/
//	    <item id> 0x00 <version>   -> itemV1 JSON: every earlier version (the newest 50 kept)
//	pages/
//	    <source id> 0x00 <url>     -> pageV1 JSON: validators and the items the page gave
//	sources/
//	    <source id>      -> sourceV1 JSON: health
//	crawls/
//	    <source id> 0x00 <start, unix ns> -> crawlV1 JSON (the newest 200 kept per source)
//	statuslog/                                  (schema 2)
//	    <time, unix ns> 0x00 <source id> -> statusV1 JSON: a change of a source's status
//	feedlog/                                    (schema 3; see feedlog.go)
//	    <feed> 0x00 <seq>            -> item id: the feed's log, oldest first
//	feedlast/
//	    <feed> 0x00 <item id>        -> seq: the item's newest entry in the feed
//	feedseq/
//	    <feed>                       -> seq: the feed's newest entry
//	slugs/
//	    <kind> 0x00 <slug>           -> item id: who holds the plain page slug
//	linkexact/, linksite/, linkfrom/, linkout/  (see links.go)
//	                                 the link index behind Mentions and MentionedIn
//	site/                                       (schema 4; see site.go)
//	    <path>                       -> the rendered file: header JSON, "\n", body (gzipped over 1 KiB)
//	siteetags/
//	    <path>                       -> ETag: the same files' ETags, small (see site.go)
//	sitechanges/
//	    <generation> 0x00 <path>     -> empty: what each of the last 256 generations changed
//	pending/                                    (see pending.go)
//	    <item id> | 0x00 "health"    -> seq: what the site has not caught up with yet
//	eventnames/
//	    <normalised title> 0x00 <event id> -> "1"/"0": events by title, for aliases (see alias.go)
//	belongs/                                    (schema 5; see links.go)
//	    <item id>                    -> its events and recordings, sorted, 0x00-separated
//
// An item's version changes, and its Updated time moves, only when its
// content hash changes; the previous version goes to history.
package store
