//go:build linux

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/mmcdole/gofeed"
)

// snapshot records every regular file of the site under dir: inode,
// mtime, size and a hash of its bytes. ospofeed's own bookkeeping
// (.ospofeed/: the manifest and its journal) is not the site.
func snapshot(dir string) (map[string]fileState, error) {
	files := map[string]fileState{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == ".ospofeed" {
			return filepath.SkipDir
		}
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		st := fileState{mtime: info.ModTime(), size: info.Size()}
		if sys, ok := info.Sys().(*syscall.Stat_t); ok {
			st.ino = sys.Ino
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return err
		}
		copy(st.hash[:], h.Sum(nil))
		rel, _ := filepath.Rel(dir, p)
		files[rel] = st
		return nil
	})
	return files, err
}

// feedStats describes the feeds under OUT/feeds.
type feedStats struct {
	count          int // feed files (.atom, .rss, .xml, .json)
	largestPath    string
	largestBytes   int64
	largestEntries int
	mostEntries    int
	mostPath       string
	check          string // a disagreement between the count and gofeed, if any
}

// gofeedLimit is the largest feed also parsed with gofeed, as a check of the
// entry count (a larger one is only counted, to keep the benchmark's own
// memory reasonable).
const gofeedLimit = 64 << 20

func feedsOf(dir string) (feedStats, error) {
	var s feedStats
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		switch filepath.Ext(p) {
		case ".atom", ".rss", ".xml", ".json":
		default:
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n, err := countEntries(p)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		rel, _ := filepath.Rel(filepath.Dir(dir), p)
		s.count++
		if info.Size() > s.largestBytes {
			s.largestPath, s.largestBytes, s.largestEntries = rel, info.Size(), n
		}
		if n > s.mostEntries {
			s.mostEntries, s.mostPath = n, rel
		}
		return nil
	})
	if err != nil || s.largestPath == "" || s.largestBytes > gofeedLimit {
		return s, err
	}
	f, err := os.Open(filepath.Join(filepath.Dir(dir), s.largestPath))
	if err != nil {
		return s, err
	}
	defer f.Close()
	parsed, err := gofeed.NewParser().Parse(f)
	switch {
	case err != nil:
		s.check = fmt.Sprintf("gofeed cannot parse %s: %v", s.largestPath, err)
	case len(parsed.Items) != s.largestEntries:
		s.check = fmt.Sprintf("%s: gofeed reads %d entries, the count %d", s.largestPath, len(parsed.Items), s.largestEntries)
	}
	return s, nil
}

// countEntries counts a feed's entries: a JSON Feed's items, an Atom feed's
// <entry> or an RSS feed's <item> elements (text and HTML inside a feed
// are escaped, so the tags occur only as elements).
func countEntries(p string) (int, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if filepath.Ext(p) == ".json" {
		var doc struct {
			Items []struct{} `json:"items"`
		}
		if err := json.NewDecoder(f).Decode(&doc); err != nil {
			return 0, err
		}
		return len(doc.Items), nil
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return 0, err
	}
	n := bytes.Count(b, []byte("<entry>")) + bytes.Count(b, []byte("<entry "))
	if n == 0 {
		n = bytes.Count(b, []byte("<item>")) + bytes.Count(b, []byte("<item "))
	}
	return n, nil
}
