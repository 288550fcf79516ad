package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// A backup taken while crawls commit is one transaction's view: it opens,
// passes bbolt's check and holds every item saved before it began.
func TestBackupWhileWriting(t *testing.T) {
	db, c := openTest(t)
	mustSave(t, db, crawl("src", c, event(), recording(rec1, "Day 1")))
	stop := background(t, func(i int) bool {
		c.add(time.Minute)
		if _, err := db.SaveCrawl(crawl("other", c, recording(rec2, "Day 2 "+string(rune('a'+i%26))))); err != nil {
			t.Error(err)
			return false
		}
		return true
	})
	dir := t.TempDir()
	for i := range 5 {
		path := filepath.Join(dir, SnapshotName(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)))
		n, err := db.BackupFile(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(path); err != nil || st.Size() != n {
			t.Fatalf("BackupFile wrote %d bytes; the file has %v, %v", n, st, err)
		}
		if err := Verify(path); err != nil {
			t.Fatalf("Verify(backup %d) = %v", i, err)
		}
		b, err := Open(path, Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := b.Item(rec1); !ok || err != nil {
			t.Errorf("backup %d lacks %s: %v", i, rec1, err)
		}
		b.Close()
	}
	stop()
}

func TestBackupSizedTellsTheSize(t *testing.T) {
	db, c := openTest(t)
	mustSave(t, db, crawl("src", c, event()))
	var buf bytes.Buffer
	var told int64
	n, err := db.BackupSized(&buf, func(size int64) error { told = size; return nil })
	if err != nil || n != told || int64(buf.Len()) != n {
		t.Fatalf("BackupSized = %d, %v; size told %d, written %d", n, err, told, buf.Len())
	}
	refuse := errors.New("no room")
	if _, err := db.BackupSized(&buf, func(int64) error { return refuse }); !errors.Is(err, refuse) {
		t.Errorf("BackupSized with a failing size func = %v; want %v", err, refuse)
	}
}

// Snapshot keeps the newest `keep`, removes temporary files only when they
// are old, and never touches a file not named as a snapshot.
func TestSnapshotPrunesOnlyItsOwnFiles(t *testing.T) {
	db, c := openTest(t)
	mustSave(t, db, crawl("src", c, event()))
	dir := t.TempDir()
	mine := filepath.Join(dir, "ospofeed-keep-me.db")
	freshTemp := filepath.Join(dir, "."+SnapshotName(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))+".tmp-0123456789abcdef")
	staleTemp := filepath.Join(dir, "."+SnapshotName(time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC))+".tmp-fedcba9876543210")
	for _, p := range []string{mine, freshTemp, staleTemp} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(staleTemp, old, old); err != nil {
		t.Fatal(err)
	}
	var last SnapshotResult
	for i := range 5 {
		res, err := db.Snapshot(context.Background(), dir, 3, start.Add(time.Duration(i)*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		last = res
	}
	snaps, err := Snapshots(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range snaps {
		names = append(names, filepath.Base(s.Path))
	}
	want := []string{"ospofeed-20260301T140000Z.db", "ospofeed-20260301T150000Z.db", "ospofeed-20260301T160000Z.db"}
	if !slices.Equal(names, want) {
		t.Errorf("Snapshots after 5 with keep 3 = %v; want %v", names, want)
	}
	if last.Path != filepath.Join(dir, want[2]) || len(last.Pruned) != 1 || last.Bytes == 0 {
		t.Errorf("last Snapshot = %+v", last)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("a file not named as a snapshot was removed: %v", err)
	}
	if _, err := os.Stat(freshTemp); err != nil {
		t.Errorf("a young temporary file (a copy in progress) was removed: %v", err)
	}
	if _, err := os.Stat(staleTemp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a stale temporary file was kept: %v", err)
	}
}

// A copy stopped by its context leaves nothing behind, neither the final
// name nor the temporary file.
func TestBackupFileCancelledLeavesNothing(t *testing.T) {
	db, c := openTest(t)
	mustSave(t, db, crawl("src", c, event()))
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.BackupFile(ctx, filepath.Join(dir, "b.db")); !errors.Is(err, context.Canceled) {
		t.Fatalf("BackupFile(cancelled) = %v; want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a cancelled backup left %v", entries)
	}
}

func TestSnapshotNames(t *testing.T) {
	at := time.Date(2026, 7, 9, 13, 4, 5, 0, time.FixedZone("CEST", 2*3600))
	if got, want := SnapshotName(at), "ospofeed-20260709T110405Z.db"; got != want {
		t.Errorf("SnapshotName(%v) = %q; want %q", at, got, want)
	}
	for name, want := range map[string]bool{
		"ospofeed-20260709T110405Z.db":     true,
		"ospofeed-20260709T110405Z.db.tmp": false,
		"ospofeed.db":                      false,
		"ospofeed-2026.db":                 false,
		".ospofeed-20260709T110405Z.db":    false,
	} {
		if got := IsSnapshotName(name); got != want {
			t.Errorf("IsSnapshotName(%q) = %v; want %v", name, got, want)
		}
	}
	for name, want := range map[string]bool{
		".ospofeed-20260709T110405Z.db.tmp-0123456789abcdef": true,
		".ospofeed-20260709T110405Z.db.tmp-0123456789ABCDEF": false,
		".ospofeed-20260709T110405Z.db.tmp-0123":             false,
		".ospofeed.db.tmp-0123456789abcdef":                  false,
		"ospofeed-20260709T110405Z.db.tmp-0123456789abcdef":  false,
	} {
		if got := isBackupTemp(name); got != want {
			t.Errorf("isBackupTemp(%q) = %v; want %v", name, got, want)
		}
	}
}

func TestVerifyRefusesDamage(t *testing.T) {
	db, c := openTest(t)
	mustSave(t, db, crawl("src", c, event()))
	path := filepath.Join(t.TempDir(), "b.db")
	if _, err := db.BackupFile(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.db")
	if err := os.WriteFile(cut, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Verify(cut); !errors.Is(err, ErrDamaged) {
		t.Errorf("Verify(half a backup) = %v; want ErrDamaged", err)
	}
}

// SaveBackup renames into place only what Verify passes: a download cut
// short leaves the final name untouched and no temporary file.
func TestSaveBackupVerifiesBeforeRenaming(t *testing.T) {
	db, c := openTest(t)
	mustSave(t, db, crawl("src", c, event()))
	var buf bytes.Buffer
	if _, err := db.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	if n, err := SaveBackup(context.Background(), good, bytes.NewReader(buf.Bytes())); err != nil || n != int64(buf.Len()) {
		t.Fatalf("SaveBackup(whole) = %d, %v; want %d bytes", n, err, buf.Len())
	}
	bad := filepath.Join(dir, "bad.db")
	if _, err := SaveBackup(context.Background(), bad, bytes.NewReader(buf.Bytes()[:buf.Len()/2])); !errors.Is(err, ErrDamaged) {
		t.Errorf("SaveBackup(half) = %v; want ErrDamaged", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "good.db" {
		t.Errorf("after a good and a cut-short SaveBackup the directory holds %v; want only good.db", entries)
	}
}
