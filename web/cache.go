package web

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"io"
	"sync"
)

// fileCache keeps the most recently served files, and their gzip, in a
// bounded amount of memory; everything else stays in the site store.
type fileCache struct {
	d     Deps
	max   int
	mu    sync.Mutex
	lru   *list.List // of *cachedFile, most recent first
	byP   map[string]*list.Element
	bytes int
}

// cachedFile is a stored file with its gzip, computed on first use.
type cachedFile struct {
	*File
	gen  uint64
	once sync.Once
	gz   []byte
}

func newFileCache(d Deps) *fileCache {
	max := d.CacheBytes
	if max <= 0 {
		max = 32 << 20
	}
	return &fileCache{d: d, max: max, lru: list.New(), byP: map[string]*list.Element{}}
}

func (c *fileCache) generation() uint64 {
	if c.d.Generation == nil {
		return 0
	}
	return c.d.Generation()
}

// get is the public file at p (nil when there is none).
func (c *fileCache) get(p string) (*cachedFile, error) {
	if !public(p) || c.d.Site == nil {
		return nil, nil
	}
	gen := c.generation()
	c.mu.Lock()
	e, cached := c.byP[p]
	var cf *cachedFile
	if cached {
		cf = e.Value.(*cachedFile)
		if cf.gen == gen {
			c.lru.MoveToFront(e)
			c.mu.Unlock()
			return cf, nil
		}
	}
	c.mu.Unlock()
	if cached {
		// A newer generation: most files did not change in it, and their
		// ETag, without the body, says so.
		etag, ok, err := c.d.Site.SiteETag(p)
		if err != nil {
			return nil, err
		}
		if ok && etag == cf.ETag {
			c.mu.Lock()
			defer c.mu.Unlock()
			if e, still := c.byP[p]; still && e.Value.(*cachedFile) == cf {
				cf.gen = gen
				c.lru.MoveToFront(e)
			}
			return cf, nil
		}
	}
	f, ok, err := c.d.Site.SiteFile(p)
	if err != nil || !ok {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byP[p]; ok {
		old := e.Value.(*cachedFile)
		if old.ETag == f.ETag {
			old.gen = gen // unchanged in a newer generation: keep its gzip
			c.lru.MoveToFront(e)
			return old, nil
		}
		c.remove(e)
	}
	nf := &cachedFile{File: f, gen: gen}
	size := 2 * len(f.Body)
	if size > c.max/4 {
		return nf, nil // too large to keep: served, not cached
	}
	c.byP[p] = c.lru.PushFront(nf)
	c.bytes += size
	for c.bytes > c.max {
		c.remove(c.lru.Back())
	}
	return nf, nil
}

func (c *fileCache) remove(e *list.Element) {
	cf := e.Value.(*cachedFile)
	c.lru.Remove(e)
	delete(c.byP, cf.Path)
	c.bytes -= 2 * len(cf.Body)
}

// gzipped is the file's body gzipped, or nil for what does not gain from
// it. Each file is compressed once per stay in the cache, on a request's
// time, and sent many times, so bytes count more than CPU, up to a point:
// measured with `go test -run - -bench GzipLevels ./web` on the standard
// site (2 cores), level 6 (gzip.DefaultCompression) takes about 80 % of
// BestCompression's time (86 µs against 104 µs for the 14 kB everything
// feed) for 0.5 % more bytes (13.2 % of the body against 13.1 %), while
// BestSpeed halves the time but sends 22 % more bytes (16.1 %). Level 6.
func (f *cachedFile) gzipped() []byte {
	if len(f.Body) <= 512 || !compressible(f.ContentType) {
		return nil
	}
	f.once.Do(func() {
		var b bytes.Buffer
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&b)
		zw.Write(f.Body)
		zw.Close()
		gzipWriters.Put(zw)
		f.gz = b.Bytes()
	})
	return f.gz
}

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return zw
}}
