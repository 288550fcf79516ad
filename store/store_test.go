package store

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ospofeed/ospofeed"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openTest(t *testing.T) (*DB, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)}
	db, err := Open(filepath.Join(t.TempDir(), "test.db"), Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, c
}

const (
	ev   = "https://www.un.org/techenvoy/content/ospos-good-2024"
	rec1 = "https://webtv.un.org/en/asset/k1m/k1ma4k9rff"
	rec2 = "https://webtv.un.org/en/asset/k1u/k1uvv0xd6d"
)

func event() ospofeed.Item {
	return ospofeed.Item{ID: ev, Kind: ospofeed.KindEvent, URL: ev, Title: "OSPOs for Good 2024",
		Start: time.Date(2024, 7, 9, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 7, 10, 0, 0, 0, 0, time.UTC),
		AllDay: true, Recordings: []string{rec1}, Authority: ospofeed.AuthorityPage}
}

func recording(id, title string) ospofeed.Item {
	return ospofeed.Item{ID: id, Kind: ospofeed.KindRecording, URL: id, Title: title,
		Date: time.Date(2024, 7, 9, 0, 0, 0, 0, time.UTC), DateOnly: true, Duration: 2 * time.Hour,
		Events: []string{ev}, Authority: ospofeed.AuthorityPage}
}

func crawl(src string, c *clock, items ...ospofeed.Item) ospofeed.CrawlResult {
	return ospofeed.CrawlResult{Source: src, Start: c.now(), End: c.now().Add(time.Second), Items: items}
}

func mustSave(t *testing.T, db *DB, res ospofeed.CrawlResult) ospofeed.CrawlLog {
	t.Helper()
	log, err := db.SaveCrawl(res)
	if err != nil {
		t.Fatal(err)
	}
	return log
}

func mustItem(t *testing.T, db *DB, id string) ospofeed.Item {
	t.Helper()
	it, ok, err := db.Item(id)
	if err != nil || !ok {
		t.Fatalf("Item(%s) = %v, %v", id, ok, err)
	}
	return it
}

func TestSaveNewChangedUnchanged(t *testing.T) {
	db, c := openTest(t)
	log := mustSave(t, db, crawl("src", c, event(), recording(rec1, "Day 1")))
	if log.New != 2 || log.Changed != 0 || log.Unchanged != 0 {
		t.Fatalf("first crawl: new=%d changed=%d unchanged=%d; want 2 0 0", log.New, log.Changed, log.Unchanged)
	}
	first := mustItem(t, db, rec1)
	if first.Version != 1 || !first.FirstSeen.Equal(c.now()) || !first.Updated.Equal(c.now()) {
		t.Fatalf("new item bookkeeping = v%d %s %s", first.Version, first.FirstSeen, first.Updated)
	}
	c.add(time.Hour)
	log = mustSave(t, db, crawl("src", c, event(), recording(rec1, "Day 1")))
	if log.Unchanged != 2 || log.New+log.Changed != 0 {
		t.Fatalf("same crawl again: %+v", log)
	}
	if got := mustItem(t, db, rec1); !got.Updated.Equal(first.Updated) || got.Version != 1 {
		t.Fatalf("unchanged item moved: updated %s v%d", got.Updated, got.Version)
	}
	c.add(time.Hour)
	log = mustSave(t, db, crawl("src", c, event(), recording(rec1, "(Day 1, Part 1) OSPOs for Good 2024")))
	if log.Changed != 1 || log.Unchanged != 1 {
		t.Fatalf("title change: %+v", log)
	}
	got := mustItem(t, db, rec1)
	if got.Version != 2 || !got.Updated.Equal(c.now()) || !got.FirstSeen.Equal(first.FirstSeen) || got.ID != rec1 {
		t.Fatalf("changed item = v%d updated %s first %s", got.Version, got.Updated, got.FirstSeen)
	}
	hist, err := db.History(rec1)
	if err != nil || len(hist) != 1 || hist[0].Title != "Day 1" || hist[0].Version != 1 {
		t.Fatalf("History = %+v, %v; want the previous version", hist, err)
	}
	if evNow := mustItem(t, db, ev); evNow.Version != 1 {
		t.Fatalf("event untouched by a recording's change has version %d", evNow.Version)
	}
}

func TestPartialCrawlNeverBlanksOrDowngrades(t *testing.T) {
	db, c := openTest(t)
	full := recording(rec1, "(Day 1, Part 1) OSPOs for Good 2024")
	full.Summary, full.Languages, full.Thumbnail = "Opening", []string{"English", "French"}, "https://cfvod.kaltura.com/t.jpg"
	mustSave(t, db, crawl("src", c, event(), full))
	c.add(time.Hour)
	// The asset page failed this time: only the event page's link remains,
	// with a poor title and no details.
	link := ospofeed.Item{ID: rec1, Kind: ospofeed.KindRecording, URL: rec1, Title: "Watch the recording now",
		Events: []string{ev}, Authority: ospofeed.AuthorityLink}
	res := crawl("src", c, event(), link)
	res.Err = errors.New("asset page: HTTP 503")
	log := mustSave(t, db, res)
	if log.OK() {
		t.Fatal("failed crawl logged as ok")
	}
	got := mustItem(t, db, rec1)
	if got.Title != full.Title || got.Summary != "Opening" || got.Duration != full.Duration || len(got.Languages) != 2 || got.Thumbnail == "" {
		t.Fatalf("partial crawl downgraded the item: %+v", got)
	}
	if got.Version != 1 {
		t.Fatalf("version moved to %d on a partial crawl", got.Version)
	}
	// An empty observation from the page itself fills nothing in blank.
	sparse := ospofeed.Item{ID: rec1, Kind: ospofeed.KindRecording, URL: rec1, Title: full.Title, Authority: ospofeed.AuthorityPage}
	mustSave(t, db, crawl("src", c, event(), sparse))
	if got := mustItem(t, db, rec1); got.Summary != "Opening" || got.Duration == 0 {
		t.Fatalf("sparse page observation blanked fields: %+v", got)
	}
	st, _ := db.SourceStates()
	if st["src"].Status != ospofeed.StatusOK || st["src"].Failures != 0 {
		t.Fatalf("state after recovery = %+v", st["src"])
	}
}

func TestWithdrawnIsFlaggedNotDeleted(t *testing.T) {
	db, c := openTest(t)
	mustSave(t, db, crawl("src", c, recording(rec1, "Day 1")))
	c.add(time.Hour)
	gone := ospofeed.Item{ID: rec1, Kind: ospofeed.KindRecording, URL: rec1, Withdrawn: true, Authority: ospofeed.AuthorityPage}
	mustSave(t, db, crawl("src", c, gone))
	got := mustItem(t, db, rec1)
	if !got.Withdrawn || got.Title != "Day 1" || got.Duration == 0 {
		t.Fatalf("withdrawn item = %+v; want flagged with its data kept", got)
	}
	c.add(time.Hour)
	mustSave(t, db, crawl("src", c, recording(rec1, "Day 1")))
	if got := mustItem(t, db, rec1); got.Withdrawn {
		t.Fatal("republished recording still flagged withdrawn")
	}
}

func TestMembershipBothWaysAndAcrossSources(t *testing.T) {
	db, c := openTest(t)
	mustSave(t, db, crawl("event", c, event(), recording(rec1, "Day 1")))
	// The schedule finds a second recording the event page does not link.
	card := recording(rec2, "Day 1, Part 2")
	card.Authority = ospofeed.AuthoritySchedule
	card.Start = time.Date(2024, 7, 9, 15, 0, 0, 0, time.UTC)
	mustSave(t, db, crawl("schedule", c, card))
	e := mustItem(t, db, ev)
	if strings.Join(e.Recordings, ",") != rec1+","+rec2 {
		t.Fatalf("event recordings = %v; want both, page order first", e.Recordings)
	}
	if r := mustItem(t, db, rec2); len(r.Events) != 1 || r.Events[0] != ev {
		t.Fatalf("recording events = %v", r.Events)
	}
	// The asset page, read later by the event source, outranks the card
	// but keeps the card's start time, which the page lacks.
	page := recording(rec2, "(Day 1, Part 2) OSPOs for Good 2024")
	mustSave(t, db, crawl("event", c, page))
	r := mustItem(t, db, rec2)
	if r.Title != page.Title || !r.Start.Equal(card.Start) {
		t.Fatalf("merged = %q start %s; want the page's title and the card's start", r.Title, r.Start)
	}
	if strings.Join(r.Sources, ",") != "event,schedule" {
		t.Fatalf("sources = %v", r.Sources)
	}
	// Re-saving the card must not flip the title back: authority, not order.
	c.add(time.Hour)
	mustSave(t, db, crawl("schedule", c, card))
	if got := mustItem(t, db, rec2); got.Title != page.Title || got.Version != r.Version {
		t.Fatalf("a card re-crawl changed the item: %q v%d", got.Title, got.Version)
	}
}

func TestInvalidObservationIsAWarning(t *testing.T) {
	db, c := openTest(t)
	log := mustSave(t, db, crawl("src", c, ospofeed.Item{ID: "not a url", Kind: ospofeed.KindEvent}, event()))
	if log.New != 1 || len(log.Warnings) != 1 || !strings.Contains(log.Warnings[0], "not a url") {
		t.Fatalf("log = %+v", log)
	}
}

func TestPagesAndCrawlLogs(t *testing.T) {
	db, c := openTest(t)
	res := crawl("src", c, event())
	res.Pages = []ospofeed.Page{{URL: ev, ETag: `"abc"`, LastModified: "Tue, 09 Jul 2024 10:00:00 GMT", Items: []string{ev}}}
	res.Fetched = 1
	mustSave(t, db, res)
	p, ok, err := db.Page("src", ev)
	if err != nil || !ok || p.ETag != `"abc"` || len(p.Items) != 1 {
		t.Fatalf("Page = %+v %v %v", p, ok, err)
	}
	if _, ok, _ := db.Page("other", ev); ok {
		t.Fatal("pages are per source")
	}
	for i := 0; i < keepCrawls+5; i++ {
		c.add(time.Minute)
		mustSave(t, db, crawl("src", c))
	}
	logs, err := db.CrawlLogs("src", 0)
	if err != nil || len(logs) != keepCrawls {
		t.Fatalf("CrawlLogs kept %d, %v; want %d", len(logs), err, keepCrawls)
	}
	if !logs[0].Start.After(logs[1].Start) {
		t.Fatal("crawl logs not newest first")
	}
}

func TestSecondOpenerFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	_, err = Open(path, Options{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open = %v; want ErrInUse", err)
	}
	if !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q does not name the file", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatal("second Open hung")
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(uint64(SchemaVersion()+1)))
	})
	db.Close()
	if _, err := Open(path, Options{}); !errors.Is(err, ErrTooNew) {
		t.Fatalf("Open of a newer database = %v; want ErrTooNew", err)
	}
}

func TestMigrationFromEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	b, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
	if created, err := db.Created(); err != nil || created.IsZero() {
		t.Fatal("no creation time after migration")
	}
	var v uint64
	db.bolt.View(func(tx *bolt.Tx) error { v = readVersion(tx); return nil })
	if v != uint64(SchemaVersion()) {
		t.Fatalf("schema version %d; want %d", v, SchemaVersion())
	}
}

func TestDataSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keep.db")
	c := &clock{t: time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)}
	db, err := Open(path, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	mustSave(t, db, crawl("src", c, event(), recording(rec1, "Day 1")))
	db.Close()
	db, err = Open(path, Options{Now: c.now, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	items, err := db.Items()
	if err != nil || len(items) != 2 {
		t.Fatalf("Items after reopen = %d, %v", len(items), err)
	}
}

func TestHealthAcrossCrawls(t *testing.T) {
	db, c := openTest(t)
	four := []ospofeed.Item{event(), recording(rec1, "A"), recording(rec2, "B"),
		recording("https://webtv.un.org/en/asset/k1q/k1qmxhno3c", "C")}
	steps := []struct {
		name  string
		res   ospofeed.CrawlResult
		want  ospofeed.Status
		fails int
	}{
		{"healthy", crawl("src", c, four...), ospofeed.StatusOK, 0},
		{"redesign: nothing found", crawl("src", c), ospofeed.StatusDegraded, 0},
		{"still broken: still degraded, not empty", crawl("src", c), ospofeed.StatusDegraded, 0},
		{"half the items lost", crawl("src", c, four[0]), ospofeed.StatusDegraded, 0},
		{"interrupted by a shutdown: no change", func() ospofeed.CrawlResult {
			r := crawl("src", c)
			r.Err, r.Interrupted = errors.New("context canceled"), true
			return r
		}(), ospofeed.StatusDegraded, 0},
		{"mended", crawl("src", c, four...), ospofeed.StatusOK, 0},
		{"fails", func() ospofeed.CrawlResult { r := crawl("src", c); r.Err = errors.New("HTTP 503"); return r }(), ospofeed.StatusFailed, 1},
	}
	for _, s := range steps {
		c.add(time.Hour)
		s.res.Start, s.res.End = c.now(), c.now()
		s.res.Expect = ospofeed.Expect{MinItems: 1}
		log := mustSave(t, db, s.res)
		st, _ := db.SourceStates()
		if got := st["src"]; got.Status != s.want || got.Failures != s.fails {
			t.Fatalf("%s: state = %s (%d failures), log %s %q; want %s", s.name, got.Status, got.Failures, log.Status, log.Reason, s.want)
		}
	}
	changes, err := db.StatusChanges(0)
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for i := len(changes) - 1; i >= 0; i-- {
		seq = append(seq, string(changes[i].To))
	}
	if got := strings.Join(seq, ","); got != "ok,degraded,ok,failed" {
		t.Errorf("status changes = %s; want ok,degraded,ok,failed", got)
	}
	if items, _ := db.Items(); len(items) != 4 {
		t.Errorf("items after degraded crawls = %d; want the 4 found first", len(items))
	}
}

func TestCompactShrinksAndKeepsEverything(t *testing.T) {
	db, c := openTest(t)
	// Many crawls of changing content: history and crawl logs are pruned,
	// leaving free pages behind.
	for i := 0; i < 300; i++ {
		c.add(time.Minute)
		r := recording(rec1, fmt.Sprintf("Day 1, take %d %s", i, strings.Repeat("x", 20000)))
		mustSave(t, db, crawl("src", c, event(), r))
	}
	// A spike of data that is then deleted (as retention does) leaves the
	// file large: bbolt reuses free pages but never gives them back.
	if err := db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("spike"))
		if err != nil {
			return err
		}
		for i := 0; i < 400; i++ {
			if err := b.Put(u64(uint64(i)), bytes.Repeat([]byte("y"), 20000)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.bolt.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("spike")) }); err != nil {
		t.Fatal(err)
	}
	itemsBefore, _ := db.Items()
	hist, _ := db.History(rec1)
	before, after, err := db.Compact()
	if err != nil {
		t.Fatal(err)
	}
	if after >= before {
		t.Errorf("Compact: %d -> %d bytes; want smaller", before, after)
	}
	itemsAfter, err := db.Items()
	if err != nil || len(itemsAfter) != len(itemsBefore) {
		t.Fatalf("items after compact = %d, %v; want %d", len(itemsAfter), err, len(itemsBefore))
	}
	if h, _ := db.History(rec1); len(h) != len(hist) {
		t.Errorf("history after compact = %d versions; want %d", len(h), len(hist))
	}
	// Still writable, still the same schema.
	mustSave(t, db, crawl("src", c, event()))
	if err := db.Check(); err != nil {
		t.Fatal(err)
	}
}

// TestCompactWhileAnotherWaits: a process waiting for the lock while the
// file is compacted must end up on the new file, not write to the old,
// detached one.
func TestCompactWhileAnotherWaits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	c := &clock{t: time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)}
	db, err := Open(path, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	mustSave(t, db, crawl("src", c, event()))
	type opened struct {
		db  *DB
		err error
	}
	waiter := make(chan opened, 1)
	go func() {
		d, err := Open(path, Options{Timeout: 10 * time.Second, Now: c.now})
		waiter <- opened{d, err}
	}()
	time.Sleep(200 * time.Millisecond) // the waiter is blocked on the lock
	if _, _, err := db.Compact(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	w := <-waiter
	if w.err != nil {
		t.Fatal(w.err)
	}
	mustSave(t, w.db, crawl("src", c, recording(rec1, "written by the waiter")))
	w.db.Close()
	again, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if _, ok, _ := again.Item(rec1); !ok {
		t.Fatal("the waiter's write is not in the database file")
	}
}

func TestHealthYardstick(t *testing.T) {
	db, c := openTest(t)
	untitled := recording(rec2, "")
	three := []ospofeed.Item{event(), recording(rec1, "A"), recording("https://webtv.un.org/en/asset/k1q/k1qmxhno3c", "C")}
	steps := []struct {
		name  string
		items []ospofeed.Item
		want  ospofeed.Status
	}{
		{"first crawl: one item lacks its title", []ospofeed.Item{event(), recording(rec1, "A"), untitled}, ospofeed.StatusDegraded},
		// The count was fine, so it is the yardstick: breaking completely
		// is degraded, never "empty".
		{"the page breaks", nil, ospofeed.StatusDegraded},
		{"mended", three, ospofeed.StatusOK},
		{"a recording dropped for good, 1", three[:2], ospofeed.StatusDegraded},
		{"a recording dropped for good, 2", three[:2], ospofeed.StatusDegraded},
		{"a recording dropped for good, 3: the new normal", three[:2], ospofeed.StatusDegraded},
		{"the next crawl with two is ok", three[:2], ospofeed.StatusOK},
	}
	for _, s := range steps {
		c.add(time.Hour)
		res := crawl("src", c, s.items...)
		res.Expect = ospofeed.Expect{Required: []string{"title"}}
		log := mustSave(t, db, res)
		if log.Status != s.want {
			t.Fatalf("%s: status %s (%s); want %s", s.name, log.Status, log.Reason, s.want)
		}
	}
}

func TestInterruptedCrawlKeepsHealthCountsItems(t *testing.T) {
	db, c := openTest(t)
	mustSave(t, db, crawl("src", c, event()))
	c.add(time.Hour)
	res := crawl("src", c, event(), recording(rec1, "found before the shutdown"))
	res.Err, res.Interrupted = errors.New("context canceled"), true
	log := mustSave(t, db, res)
	st, _ := db.SourceStates()
	if got := st["src"]; log.Status != ospofeed.StatusInterrupted || got.Status != ospofeed.StatusOK || got.Failures != 0 || got.Items != 2 {
		t.Errorf("after an interrupted crawl: log %s, state %+v; want interrupted, ok with 2 items", log.Status, got)
	}
	if _, ok, _ := db.Item(rec1); !ok {
		t.Error("the interrupted crawl's item was not saved")
	}
}

// background runs each fn in a goroutine of its own, with i = 0, 1, 2, …,
// until fn returns false or the returned stop is called (at the latest
// when the test ends); stop waits for them.
func background(t *testing.T, fns ...func(i int) bool) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				if !fn(i) {
					return
				}
			}
		}()
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
	t.Cleanup(stop) // also when the test fails before it stops them
	return stop
}
