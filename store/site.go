package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ospofeed/ospofeed"
)

// The rendered site (schema 4):
//
//	site/
//	    <path>      -> fileV1 header JSON, "\n", body
//	meta/
//	    site_key, site_day -> SiteState.Key, .Day
//	    site_gen           -> uint64

var (
	bucketSite = []byte("site")
	keySiteKey = []byte("site_key")
	keySiteDay = []byte("site_day")
	keySiteGen = []byte("site_gen")
)

type fileV1 struct {
	ContentType string    `json:"t"`
	ETag        string    `json:"e"`
	Modified    time.Time `json:"m,omitzero"`
	Immutable   bool      `json:"i,omitempty"`
}

func encodeFile(f *ospofeed.Rendered) []byte {
	h, _ := json.Marshal(fileV1{ContentType: f.ContentType, ETag: f.ETag, Modified: f.Modified, Immutable: f.Immutable})
	out := make([]byte, 0, len(h)+1+len(f.Body))
	out = append(append(out, h...), '\n')
	return append(out, f.Body...)
}

// decodeFile copies: bytes from bolt die with the transaction.
func decodeFile(p string, v []byte) (*ospofeed.Rendered, error) {
	i := bytes.IndexByte(v, '\n')
	if i < 0 {
		return nil, fmt.Errorf("stored file %s: no header", p)
	}
	var h fileV1
	if err := json.Unmarshal(v[:i], &h); err != nil {
		return nil, fmt.Errorf("stored file %s: %w", p, err)
	}
	return &ospofeed.Rendered{Path: p, ContentType: h.ContentType, ETag: h.ETag, Modified: h.Modified,
		Immutable: h.Immutable, Body: bytes.Clone(v[i+1:])}, nil
}

// etagOf reads a stored file's ETag without its body.
func etagOf(v []byte) (string, bool) {
	i := bytes.IndexByte(v, '\n')
	if i < 0 {
		return "", false
	}
	var h fileV1
	if json.Unmarshal(v[:i], &h) != nil {
		return "", false
	}
	return h.ETag, h.Immutable
}

// SiteFile returns the stored rendering of a path.
func (db *DB) SiteFile(p string) (*ospofeed.Rendered, bool, error) {
	var f *ospofeed.Rendered
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSite).Get([]byte(p))
		if v == nil {
			return nil
		}
		var err error
		f, err = decodeFile(p, v)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: site file %s: %w", p, err)
	}
	return f, f != nil, nil
}

// SiteState is what the stored rendering was made with.
func (db *DB) SiteState() (ospofeed.SiteState, error) {
	var st ospofeed.SiteState
	err := db.bolt.View(func(tx *bolt.Tx) error {
		st = siteStateTx(tx)
		return nil
	})
	return st, err
}

func siteStateTx(tx *bolt.Tx) ospofeed.SiteState {
	meta := tx.Bucket(bucketMeta)
	st := ospofeed.SiteState{Key: string(meta.Get(keySiteKey)), Day: string(meta.Get(keySiteDay))}
	if v := meta.Get(keySiteGen); len(v) == 8 {
		st.Generation = binary.BigEndian.Uint64(v)
	}
	return st
}

// PutSite stores rendered files and removes paths in one transaction. A
// file whose ETag (and immutability) is the stored one is not written
// again. The generation moves on when anything changed; st's key and day
// are stored either way.
func (db *DB) PutSite(st ospofeed.SiteState, files []*ospofeed.Rendered, remove []string) ([]string, error) {
	var changed []string
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSite)
		for _, f := range files {
			if v := b.Get([]byte(f.Path)); v != nil {
				if etag, imm := etagOf(v); etag == f.ETag && imm == f.Immutable {
					continue
				}
			}
			if err := b.Put([]byte(f.Path), encodeFile(f)); err != nil {
				return err
			}
			changed = append(changed, f.Path)
		}
		for _, p := range remove {
			if b.Get([]byte(p)) == nil {
				continue
			}
			if err := b.Delete([]byte(p)); err != nil {
				return err
			}
			changed = append(changed, p)
		}
		meta := tx.Bucket(bucketMeta)
		gen := siteStateTx(tx).Generation
		if len(changed) > 0 {
			gen++
		}
		if err := meta.Put(keySiteGen, u64(gen)); err != nil {
			return err
		}
		if err := meta.Put(keySiteKey, []byte(st.Key)); err != nil {
			return err
		}
		return meta.Put(keySiteDay, []byte(st.Day))
	})
	if err != nil {
		return nil, fmt.Errorf("store: put site: %w", err)
	}
	return changed, nil
}

// SitePaths calls fn with every stored path and its ETag, in path order,
// without reading the bodies out.
func (db *DB) SitePaths(fn func(p, etag string) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSite).ForEach(func(k, v []byte) error {
			etag, _ := etagOf(v)
			return fn(string(k), etag)
		})
	})
}
