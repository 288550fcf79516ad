package store

import (
	"bytes"
	"encoding/binary"
)

var (
	bucketMeta      = []byte("meta")
	bucketItems     = []byte("items")
	bucketObs       = []byte("obs")
	bucketBySource  = []byte("bysource")
	bucketMembers   = []byte("members")
	bucketHistory   = []byte("history")
	bucketPages     = []byte("pages")
	bucketSources   = []byte("sources")
	bucketCrawls    = []byte("crawls")
	bucketStatus    = []byte("statuslog")
	bucketFeedLog   = []byte("feedlog")
	bucketFeedLast  = []byte("feedlast")
	bucketFeedSeq   = []byte("feedseq")
	bucketSlugs     = []byte("slugs")
	bucketLinkExact = []byte("linkexact")
	bucketLinkSite  = []byte("linksite")
	bucketLinkFrom  = []byte("linkfrom")
	bucketLinkOut   = []byte("linkout")
	bucketBelongs   = []byte("belongs")

	allBuckets = [][]byte{bucketMeta, bucketItems, bucketObs, bucketBySource, bucketMembers,
		bucketHistory, bucketPages, bucketSources, bucketCrawls}

	keySchemaVersion = []byte("schema_version")
	keyCreated       = []byte("created")
)

// key joins parts with 0x00. Ids and URLs never contain NUL: scraped URLs
// are parsed and re-serialized, which escapes it.
func key(parts ...[]byte) []byte {
	return bytes.Join(parts, []byte{0})
}

// prefix is key(parts...) followed by the separator, for prefix scans.
func prefix(parts ...[]byte) []byte {
	return append(key(parts...), 0)
}

func u64(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}

// split returns the part of k after prefix p.
func after(k, p []byte) string { return string(k[len(p):]) }
