package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed"
)

func siteFile(p string, size int, fill byte) *ospofeed.Rendered {
	// Random bytes: stored as they are (gzip would not shrink them), so
	// the large ones take the pread path.
	body := make([]byte, size)
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(size))
	seed[8] = fill
	rand.NewChaCha8(seed).Read(body)
	return &ospofeed.Rendered{Path: p, ContentType: "text/html", Body: body, ETag: fmt.Sprintf(`"%s-%d-%d"`, p, size, fill), Modified: time.Unix(1, 0).UTC()}
}

// Bodies large enough to be read with pread come back byte for byte, while
// other transactions rewrite the site around them.
func TestSiteFilesLargeAndSmall(t *testing.T) {
	db, _ := openTest(t)
	sizes := []int{10, 4 << 10, 16 << 10, 100 << 10, 3 << 20}
	var files []*ospofeed.Rendered
	for i, n := range sizes {
		files = append(files, siteFile(fmt.Sprintf("/f%d", i), n, byte('a'+i)))
	}
	if _, err := db.PutSite(ospofeed.SiteState{Key: "k"}, files, nil); err != nil {
		t.Fatal(err)
	}
	stop := background(t, func(i int) bool { // a writer that keeps growing and rewriting the site
		db.PutSite(ospofeed.SiteState{Key: "k"}, []*ospofeed.Rendered{siteFile(fmt.Sprintf("/other%d", i%20), 200<<10, byte(i))}, nil)
		return true
	})
	for round := 0; round < 20; round++ {
		for _, want := range files {
			got, ok, err := db.SiteFile(want.Path)
			if err != nil || !ok || !bytes.Equal(got.Body, want.Body) || got.ETag != want.ETag {
				t.Fatalf("SiteFile(%s) = %v, %v (%d bytes); want the %d bytes stored", want.Path, ok, err, len(got.Body), len(want.Body))
			}
		}
	}
	stop()
	if db.preads.Load() == 0 {
		t.Errorf("no body was read with pread")
	}
}
