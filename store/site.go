package store

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
	"unsafe"

	bolt "go.etcd.io/bbolt"

	"github.com/ospofeed/ospofeed"
)

// The rendered site (schema 4):
//
//	site/
//	    <path>      -> fileV1 header JSON, "\n", body
//	siteetags/
//	    <path>      -> ETag [0x00 "i"]: the same files' ETags, small
//	meta/
//	    site_key, site_day -> SiteState.Key, .Day
//	    site_gen           -> uint64

var (
	// sitechanges/ <generation> 0x00 <path> -> empty: which paths each
	// generation changed, for the last keepGenerations of them, so that an
	// output directory catches up by what changed, not by the whole site.
	bucketSiteChanges = []byte("sitechanges")
	keySiteLogFrom    = []byte("site_log_from") // changes after this generation are all logged
	bucketSite        = []byte("site")
	// siteetags/ <path> -> ETag, 0x00, "i" when immutable: what PutSite
	// compares and SitePaths lists, without touching the bodies.
	bucketSiteETags = []byte("siteetags")
	keySiteKey      = []byte("site_key")
	keySiteDay      = []byte("site_day")
	keySiteGen      = []byte("site_gen")
)

type fileV1 struct {
	ContentType string    `json:"t"`
	ETag        string    `json:"e"`
	Modified    time.Time `json:"m,omitzero"`
	Immutable   bool      `json:"i,omitempty"`
	// Gzip: the body is stored gzipped (bodies of more than gzipMin
	// bytes). Text compresses five- to sevenfold, and the site is most of
	// the database: a smaller file, and fewer of its pages in memory when
	// bbolt rewrites a leaf.
	Gzip bool `json:"z,omitempty"`
}

// gzipMin is the smallest body stored gzipped.
const gzipMin = 1 << 10

var storeGzip = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return zw
}}

func encodeFile(f *ospofeed.Rendered) []byte {
	h := fileV1{ContentType: f.ContentType, ETag: f.ETag, Modified: f.Modified, Immutable: f.Immutable}
	body := f.Body
	if len(body) > gzipMin {
		var b bytes.Buffer
		zw := storeGzip.Get().(*gzip.Writer)
		zw.Reset(&b)
		zw.Write(body)
		zw.Close()
		storeGzip.Put(zw)
		if b.Len() < len(body) {
			body, h.Gzip = b.Bytes(), true
		}
	}
	hj, _ := json.Marshal(h)
	out := make([]byte, 0, len(hj)+1+len(body))
	out = append(append(out, hj...), '\n')
	return append(out, body...)
}

// decodeFile copies: bytes from bolt die with the transaction. read fills
// the body (see SiteFile).
func decodeFile(p string, v []byte, read func(dst, src []byte)) (*ospofeed.Rendered, error) {
	i := bytes.IndexByte(v, '\n')
	if i < 0 {
		return nil, fmt.Errorf("stored file %s: no header", p)
	}
	var h fileV1
	if err := json.Unmarshal(v[:i], &h); err != nil {
		return nil, fmt.Errorf("stored file %s: %w", p, err)
	}
	body := make([]byte, len(v)-i-1)
	read(body, v[i+1:])
	if h.Gzip {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("stored file %s: %w", p, err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("stored file %s: %w", p, err)
		}
	}
	return &ospofeed.Rendered{Path: p, ContentType: h.ContentType, ETag: h.ETag, Modified: h.Modified,
		Immutable: h.Immutable, Body: body}, nil
}

// SiteFile returns the stored rendering of a path.
//
// A large body is read from the database file with pread rather than
// through bbolt's memory map: a value is contiguous in the file at the
// offset it has in the map, and the read transaction keeps its pages from
// being reused. The bytes go through the page cache without becoming the
// process's resident memory, so writing or serving a site of a gigabyte
// does not grow the process by a gigabyte. Its first and last bytes are
// checked against the map; any doubt falls back to copying from the map.
func (db *DB) SiteFile(p string) (*ospofeed.Rendered, bool, error) {
	var f *ospofeed.Rendered
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSite).Get([]byte(p))
		if v == nil {
			return nil
		}
		var err error
		f, err = decodeFile(p, v, db.readValue)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("store: site file %s: %w", p, err)
	}
	if f != nil {
		db.readThrough(len(p) + 64 + min(len(f.Body), preadMin))
	}
	return f, f != nil, nil
}

// SiteETag returns the ETag of the stored rendering of a path, without
// reading its body (siteetags/).
func (db *DB) SiteETag(p string) (string, bool, error) {
	var etag string
	var ok bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketSiteETags).Get([]byte(p)); v != nil {
			e, _, _ := bytes.Cut(v, []byte{0})
			etag, ok = string(e), true
		}
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("store: site etag %s: %w", p, err)
	}
	return etag, ok, nil
}

// preadMin is the smallest body read with pread: smaller ones share their
// pages with others anyway.
const preadMin = 2 << 10

// readValue copies src, a slice of bbolt's map, into dst; see SiteFile.
// It must run inside the transaction src came from.
func (db *DB) readValue(dst, src []byte) {
	if len(src) < preadMin {
		copy(dst, src)
		return
	}
	off := int64(uintptr(unsafe.Pointer(unsafe.SliceData(src))) - db.bolt.Info().Data)
	if db.file != nil {
		n, err := db.file.ReadAt(dst, off)
		if err == nil && n == len(dst) && bytes.Equal(dst[:16], src[:16]) && bytes.Equal(dst[len(dst)-16:], src[len(src)-16:]) {
			db.preads.Add(1)
			return
		}
	}
	copy(dst, src)
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
	st := ospofeed.SiteState{Key: string(meta.Get(keySiteKey)), Day: string(meta.Get(keySiteDay)),
		Store: string(meta.Get(keyCreated))}
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
		b, tags := tx.Bucket(bucketSite), tx.Bucket(bucketSiteETags)
		for i, f := range files {
			if i%256 == 255 {
				// The leaves read so far (with their neighbours) leave
				// the process's memory during the transaction too:
				// ReleaseMemory's read transaction opens and closes
				// here, before the commit, the only step that may remap.
				db.ReleaseMemory()
			}
			tag := []byte(f.ETag)
			if f.Immutable {
				tag = append(tag, 0, 'i')
			}
			if bytes.Equal(tags.Get([]byte(f.Path)), tag) {
				continue
			}
			if err := b.Put([]byte(f.Path), encodeFile(f)); err != nil {
				return err
			}
			if err := tags.Put([]byte(f.Path), tag); err != nil {
				return err
			}
			changed = append(changed, f.Path)
		}
		for _, p := range remove {
			if tags.Get([]byte(p)) == nil {
				continue
			}
			if err := b.Delete([]byte(p)); err != nil {
				return err
			}
			if err := tags.Delete([]byte(p)); err != nil {
				return err
			}
			changed = append(changed, p)
		}
		meta := tx.Bucket(bucketMeta)
		gen := siteStateTx(tx).Generation
		if len(changed) > 0 {
			gen++
			if err := logSiteChanges(tx, gen, changed); err != nil {
				return err
			}
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
	// The leaves rewritten were read through the mapping, with their
	// neighbours: tens of megabytes for a batch of a full rendering.
	db.ReleaseMemory()
	return changed, nil
}

// SitePaths calls fn with every stored path and its ETag, in path order,
// without reading the bodies.
func (db *DB) SitePaths(fn func(p, etag string) error) error {
	defer db.ReleaseMemory()
	return db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSiteETags).ForEach(func(k, v []byte) error {
			etag, _, _ := bytes.Cut(v, []byte{0})
			return fn(string(k), string(etag))
		})
	})
}

// keepGenerations is how many generations of changes sitechanges/ keeps.
const keepGenerations = 256

func logSiteChanges(tx *bolt.Tx, gen uint64, changed []string) error {
	b := tx.Bucket(bucketSiteChanges)
	for _, p := range changed {
		if err := b.Put(key(u64(gen), []byte(p)), nil); err != nil {
			return err
		}
	}
	if gen <= keepGenerations {
		return nil
	}
	// Forget the oldest generation.
	from := gen - keepGenerations
	if err := prune(b, prefix(u64(from)), 0); err != nil {
		return err
	}
	return tx.Bucket(bucketMeta).Put(keySiteLogFrom, u64(from))
}

// SiteChanges lists the paths changed after generation since, up to the
// current one; ok is false when that far back is no longer logged.
func (db *DB) SiteChanges(since uint64) (paths []string, ok bool, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		var from uint64
		if v := tx.Bucket(bucketMeta).Get(keySiteLogFrom); len(v) == 8 {
			from = binary.BigEndian.Uint64(v)
		}
		if since < from {
			return nil
		}
		ok = true
		seen := map[string]bool{}
		c := tx.Bucket(bucketSiteChanges).Cursor()
		for k, _ := c.Seek(u64(since + 1)); k != nil; k, _ = c.Next() {
			if p := string(k[9:]); !seen[p] {
				seen[p] = true
				paths = append(paths, p)
			}
		}
		return nil
	})
	return paths, ok, err
}
