package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backups are bbolt's own copy of the database as one read transaction
// sees it (Tx.WriteTo): consistent whatever crawls commit meanwhile, and
// taken while serve holds the lock that keeps every other process out. A
// backup is a whole database file: restoring one is copying it over the
// database while no ospofeed runs.
//
// A backup file appears under its final name only whole: it is written
// under a temporary name beside it (".<name>.tmp-<16 hex digits>"),
// synced, and renamed. A killed process leaves a temporary file, never a
// partial backup; the next Snapshot in that directory removes it.

// Backup writes a consistent copy of the database to w and returns the
// number of bytes written. A long copy holds a read transaction: writers go
// on, but the file cannot be remapped to grow until it ends.
func (db *DB) Backup(w io.Writer) (int64, error) {
	return db.BackupSized(w, nil)
}

// BackupSized is Backup that first tells size how many bytes the copy will
// be (an HTTP handler's Content-Length, so that a cut-short download is
// seen as one); an error from size stops the copy.
func (db *DB) BackupSized(w io.Writer, size func(int64) error) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if size != nil {
			if err := size(tx.Size()); err != nil {
				return err
			}
		}
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("store: back up %s: %w", db.path, err)
	}
	return n, nil
}

// backupTempInfix names the temporary files of backups.
const backupTempInfix = ".tmp-"

// backupTemp names a new temporary file for writing path:
// ".<base>.tmp-<16 hex digits>" beside it.
func backupTemp(path string) string {
	var r [8]byte
	_, _ = rand.Read(r[:])
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+backupTempInfix+hex.EncodeToString(r[:]))
}

// isBackupTemp reports whether name (a base name) is a temporary file
// backupTemp made for a snapshot, and nothing else.
func isBackupTemp(name string) bool {
	rest, ok := strings.CutPrefix(name, ".")
	if !ok {
		return false
	}
	final, rnd, ok := strings.Cut(rest, backupTempInfix)
	if !ok || !IsSnapshotName(final) || len(rnd) != 16 {
		return false
	}
	_, err := hex.DecodeString(rnd)
	return err == nil && strings.ToLower(rnd) == rnd
}

// BackupFile writes a consistent copy of the database to path: under a
// temporary name beside it, synced, then renamed into place (replacing
// what was there), so that path only ever holds a whole copy. ctx stops a
// copy in progress; nothing is left behind then.
func (db *DB) BackupFile(ctx context.Context, path string) (int64, error) {
	n, err := writeAtomic(ctx, path, db.Backup, nil)
	if err != nil {
		return n, fmt.Errorf("store: back up to %s: %w", path, err)
	}
	return n, nil
}

// SaveBackup writes a backup read from r (another process's, sent over
// the network) to path as BackupFile does, and renames it into place only
// once Verify passes on it: a download cut short or damaged never takes
// the name.
func SaveBackup(ctx context.Context, path string, r io.Reader) (int64, error) {
	n, err := writeAtomic(ctx, path, func(w io.Writer) (int64, error) { return io.Copy(w, r) }, Verify)
	if err != nil {
		return n, fmt.Errorf("store: save backup to %s: %w", path, err)
	}
	return n, nil
}

// writeAtomic writes path through write under a temporary name, syncs it,
// runs check on it (nil: none) and renames it into place; on any error the
// temporary file is removed.
func writeAtomic(ctx context.Context, path string, write func(io.Writer) (int64, error), check func(string) error) (int64, error) {
	tmp := backupTemp(path)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, err
	}
	n, err := write(ctxWriter{ctx, f})
	if err != nil && ctx.Err() != nil {
		err = ctx.Err() // bbolt formats its writer's error away
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && check != nil {
		err = check(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return n, err
	}
	syncDir(filepath.Dir(path))
	return n, nil
}

// ContextWriter is w failing once ctx is done: a copy stops at the next
// write (a backup to a file, or to a client that went away).
func ContextWriter(ctx context.Context, w io.Writer) io.Writer { return ctxWriter{ctx, w} }

type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// snapshotLayout is the time in a snapshot's name: UTC, to the second,
// sorting as the times do.
const (
	snapshotPrefix = "ospofeed-"
	snapshotLayout = "20060102T150405Z"
	snapshotSuffix = ".db"
)

// SnapshotName is the file name of the snapshot taken at t:
// ospofeed-YYYYMMDDTHHMMSSZ.db.
func SnapshotName(t time.Time) string {
	return snapshotPrefix + t.UTC().Format(snapshotLayout) + snapshotSuffix
}

// IsSnapshotName reports whether name is a snapshot's file name, and so
// whether Snapshot may prune it: nothing else in the directory is touched.
func IsSnapshotName(name string) bool {
	_, ok := snapshotTime(name)
	return ok
}

func snapshotTime(name string) (time.Time, bool) {
	stamp, ok := strings.CutPrefix(name, snapshotPrefix)
	if !ok {
		return time.Time{}, false
	}
	if stamp, ok = strings.CutSuffix(stamp, snapshotSuffix); !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(snapshotLayout, stamp)
	return t, err == nil
}

// SnapshotFile is a snapshot in a backup directory.
type SnapshotFile struct {
	Path string
	Time time.Time // from its name
}

// Snapshots lists the snapshots in dir, oldest first; a directory that
// does not exist has none.
func Snapshots(dir string) ([]SnapshotFile, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: list snapshots in %s: %w", dir, err)
	}
	var out []SnapshotFile
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if t, ok := snapshotTime(e.Name()); ok {
			out = append(out, SnapshotFile{Path: filepath.Join(dir, e.Name()), Time: t})
		}
	}
	slices.SortFunc(out, func(a, b SnapshotFile) int { return a.Time.Compare(b.Time) })
	return out, nil
}

// staleBackupTempAge is how old a temporary backup file must be before
// Snapshot takes it for the leftover of a killed copy: a copy in progress
// writes to its file all along.
const staleBackupTempAge = 10 * time.Minute

// SnapshotResult says what Snapshot did.
type SnapshotResult struct {
	Path   string
	Bytes  int64
	Pruned []string // older snapshots removed beyond keep
}

// Snapshot writes a snapshot of the database into dir (created if needed)
// named after now (SnapshotName), then removes the oldest snapshots beyond
// keep and the temporary files killed copies left. now names the snapshot
// (the caller's clock). Only files named as
// snapshots or their temporary files are ever removed.
func (db *DB) Snapshot(ctx context.Context, dir string, keep int, now time.Time) (SnapshotResult, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return SnapshotResult{}, fmt.Errorf("store: snapshot: %w", err)
	}
	removeStaleBackupTemps(dir, time.Now()) // file times are the wall clock's
	res := SnapshotResult{Path: filepath.Join(dir, SnapshotName(now))}
	n, err := db.BackupFile(ctx, res.Path)
	if err != nil {
		return SnapshotResult{}, err
	}
	res.Bytes = n
	res.Pruned, err = PruneSnapshots(dir, keep)
	return res, err
}

// PruneSnapshots removes the oldest snapshots in dir beyond the newest
// keep (at least one is kept) and returns their paths.
func PruneSnapshots(dir string, keep int) ([]string, error) {
	snaps, err := Snapshots(dir)
	if err != nil {
		return nil, err
	}
	var pruned []string
	for len(snaps) > max(keep, 1) {
		if err := os.Remove(snaps[0].Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return pruned, fmt.Errorf("store: prune snapshots: %w", err)
		}
		pruned = append(pruned, snaps[0].Path)
		snaps = snaps[1:]
	}
	return pruned, nil
}

func removeStaleBackupTemps(dir string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !isBackupTemp(e.Name()) {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > staleBackupTempAge {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Verify checks the database file at path without changing it: that it is
// a whole bbolt file of an ospofeed database this binary can read, and
// that bbolt's consistency check (every page reachable once, no page both
// used and free) passes: what `bbolt check` does. Run it on a backup
// before restoring it.
func Verify(path string) error {
	db, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	err = db.bolt.View(func(tx *bolt.Tx) error {
		// The check runs in a goroutine reading the transaction's pages:
		// the channel is drained to its end before the transaction ends.
		var errs []error
		for e := range tx.Check() {
			if len(errs) < 10 {
				errs = append(errs, e)
			}
		}
		return errors.Join(errs...)
	})
	if err != nil {
		return fmt.Errorf("store: verify %s: %w", path, err)
	}
	return nil
}
