//go:build linux

package store

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/ospofeed/ospofeed"
	bolt "go.etcd.io/bbolt"
)

// rssFile is this process's RssFile (file pages it has mapped and touched).
func rssFile(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("RssFile %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Skip("no RssFile in /proc/self/status")
	return 0
}

// Reading a site through bbolt's mapping makes its pages resident in the
// process; ReleaseMemory gives them back, and what is read afterwards is
// still every byte stored.
func TestReleaseMemoryGivesBackWhatWasRead(t *testing.T) {
	db, _ := openTest(t)
	const n, size = 10000, 1000 // small bodies: read from the map, not with pread, and stored as they are
	var files []*ospofeed.Rendered
	for i := range n {
		files = append(files, siteFile(fmt.Sprintf("/p/%05d", i), size, byte(i)))
		if len(files) == 1000 {
			if _, err := db.PutSite(ospofeed.SiteState{Key: "k"}, files, nil); err != nil {
				t.Fatal(err)
			}
			files = files[:0]
		}
	}
	// A long read through the mapping: every value, in one transaction.
	readAll := func() {
		db.bolt.View(func(tx *bolt.Tx) error {
			var sum byte
			tx.Bucket(bucketSite).ForEach(func(_, v []byte) error {
				for _, c := range v {
					sum += c
				}
				return nil
			})
			return nil
		})
	}
	db.ReleaseMemory()
	before := rssFile(t)
	readAll()
	read := rssFile(t)
	if read-before < n*size/2 {
		t.Fatalf("reading %d bytes through the map made only %d bytes resident: the test measures nothing", n*size, read-before)
	}
	db.ReleaseMemory()
	after := rssFile(t)
	if after-before > (read-before)/4 {
		t.Errorf("RssFile %d MB before reading, %d MB after, %d MB after ReleaseMemory: the pages read stay resident", before>>20, read>>20, after>>20)
	}
	if db.releases.Load() == 0 {
		t.Error("no ReleaseMemory call was accepted by the kernel")
	}
	// Reading every file the way a server or an output directory does
	// releases as it goes; every body is what was stored (PutSite released
	// the mapping three times inside each of its transactions).
	for i := range n {
		want := siteFile(fmt.Sprintf("/p/%05d", i), size, byte(i))
		got, ok, err := db.SiteFile(want.Path)
		if !ok || err != nil || !bytes.Equal(got.Body, want.Body) {
			t.Fatalf("%s: %v, %v, body equal %v", want.Path, ok, err, ok && bytes.Equal(got.Body, want.Body))
		}
	}
	if grown := rssFile(t) - after; grown > (read-before)/2 {
		t.Errorf("reading every file with SiteFile left %d MB of the file resident; one long read, %d MB", grown>>20, (read-before)>>20)
	}
}

// ReleaseMemory runs while another goroutine grows the file past bbolt's
// mapping (bbolt grows the file in 16 MiB steps beyond it) and readers read:
// nothing but the mapping is advised. Advising past its end once zeroed
// memory of the Go heap; the canaries here and the bodies read back would
// show it.
func TestReleaseMemoryWhileTheFileGrows(t *testing.T) {
	db, _ := openTest(t)
	canaries := make([][]byte, 64)
	for i := range canaries {
		canaries[i] = bytes.Repeat([]byte{byte(i + 1)}, 64<<10)
	}
	stop := background(t, func(int) bool {
		db.ReleaseMemory()
		return true
	}, func(i int) bool {
		p := fmt.Sprintf("/grow/%04d", i%90)
		got, ok, err := db.SiteFile(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return false
		}
		if ok && !bytes.Equal(got.Body, siteFile(p, len(got.Body), fillOf(got.ETag)).Body) {
			t.Errorf("%s: body differs from what was stored", p)
			return false
		}
		return true
	})
	beyond := 0 // times the file was larger than its mapping
	for i := range 90 {
		p := fmt.Sprintf("/grow/%04d", i)
		// 240 kB each: 21 MB in all, past bbolt's 16 MiB growth step.
		if _, err := db.PutSite(ospofeed.SiteState{Key: "k"}, []*ospofeed.Rendered{siteFile(p, 240<<10, byte(i))}, nil); err != nil {
			t.Fatal(err)
		}
		db.bolt.View(func(tx *bolt.Tx) error {
			start, size := db.mapped(tx)
			lo, hi := fileMapping(t, db.path)
			if start < lo || start+uintptr(size) > hi {
				t.Fatalf("ReleaseMemory would advise %#x-%#x; the database is mapped at %#x-%#x", start, start+uintptr(size), lo, hi)
			}
			if fi, err := os.Stat(db.path); err == nil && fi.Size() > int64(hi-lo) {
				beyond++
			}
			return nil
		})
	}
	if beyond == 0 {
		t.Error("the file never grew past its mapping: the test did not exercise what it is for")
	}
	stop()
	for i, c := range canaries {
		if !bytes.Equal(c, bytes.Repeat([]byte{byte(i + 1)}, 64<<10)) {
			t.Fatalf("canary %d was overwritten", i)
		}
	}
}

// fillOf recovers the fill byte siteFile put in an ETag.
func fillOf(etag string) byte {
	i := strings.LastIndexByte(etag, '-')
	n, _ := strconv.Atoi(strings.TrimSuffix(etag[i+1:], `"`))
	return byte(n)
}

// fileMapping is where /proc/self/maps says path is mapped (one mapping).
func fileMapping(t *testing.T, path string) (lo, hi uintptr) {
	t.Helper()
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	n := 0
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || f[5] != path {
			continue
		}
		a, z, _ := strings.Cut(f[0], "-")
		l, err1 := strconv.ParseUint(a, 16, 64)
		h, err2 := strconv.ParseUint(z, 16, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("/proc/self/maps: %q", line)
		}
		lo, hi = uintptr(l), uintptr(h)
		n++
	}
	if n != 1 {
		t.Fatalf("%s is mapped %d times in /proc/self/maps", path, n)
	}
	return lo, hi
}
