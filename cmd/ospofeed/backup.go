package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ospofeed/ospofeed/store"
)

// startBackups takes a snapshot of the database every backup.every into
// backup.dir until stop is called. The schedule follows the snapshots on
// disk, so that a restart neither resets it nor takes one more: the next
// is due backup.every after the newest, and never in the first minute after
// start (a fresh start has crawls and a rendering to do first).
func startBackups(a *app, dbPath string) (stop func()) {
	b := a.cfg.Backup
	if b.Every <= 0 {
		a.log.Info("snapshots off (backup.every: 0s)")
		return func() {}
	}
	dir := b.DirFor(dbPath)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		next := firstSnapshot(dir, b.Every, time.Now())
		a.log.Info("snapshots", "dir", dir, "every", b.Every, "keep", b.Keep, "next", next.UTC().Format(time.RFC3339))
		for {
			t := time.NewTimer(time.Until(next))
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			start := time.Now()
			res, err := a.db.Snapshot(ctx, dir, b.Keep, a.now())
			switch {
			case ctx.Err() != nil:
				a.log.Info("snapshot cancelled by the shutdown; nothing is left of it")
				return
			case err != nil:
				// A full disk is often mended within the hour: try again
				// sooner than a day later.
				retry := min(b.Every, 10*time.Minute)
				a.log.Error("snapshot failed", "dir", dir, "retry_in", retry, "error", err)
				next = time.Now().Add(retry)
				continue
			}
			a.log.Info("snapshot taken", "path", res.Path, "bytes", res.Bytes, "pruned", len(res.Pruned),
				"duration", time.Since(start).Round(time.Millisecond))
			next = start.Add(b.Every)
		}
	}()
	return func() { cancel(); <-done }
}

// firstSnapshot is when the first snapshot of this process is due: every
// after the newest in dir, but not before a minute (or every, if shorter)
// has passed since now.
func firstSnapshot(dir string, every time.Duration, now time.Time) time.Time {
	earliest := now.Add(min(every, time.Minute))
	snaps, _ := store.Snapshots(dir)
	if len(snaps) == 0 {
		return earliest
	}
	if due := snaps[len(snaps)-1].Time.Add(every); due.After(earliest) {
		return due
	}
	return earliest
}

// cmdBackup writes a consistent copy of the database: read directly when
// no other process holds it, else asked of the running serve's admin API.
func cmdBackup(ctx context.Context, e env, args []string) error {
	flags := flag.NewFlagSet("backup", flag.ContinueOnError)
	var c common
	c.register(flags, e, "warn")
	to := flags.String("to", "", "write the backup to `FILE` (\"-\": standard output; a directory: a snapshot named by the time in it); default: a snapshot in backup.dir")
	adminAddr := adminFlag(flags, e, false)
	if err := parse(flags, e, args); err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	token := e.getenv("OSPOFEED_ADMIN_TOKEN")
	// Before anything is opened: the copy must never replace the database.
	if *to != "" && *to != "-" {
		if same(*to, c.db) {
			return usageError{fmt.Errorf("backup: --to %s is the database itself", *to)}
		}
	}
	a, err := openApp(&c, e, true, nil)
	if errors.Is(err, store.ErrInUse) {
		return backupViaAdmin(ctx, e, &c, *to, *adminAddr, token, err)
	}
	if err != nil {
		return err
	}
	defer a.db.Close()
	dest, snapshotDir := backupDest(a, c.db, *to)
	if dest == "-" {
		_, err := a.db.Backup(e.stdout)
		return err
	}
	if err := notInUse(dest); err != nil {
		return err
	}
	var n int64
	if snapshotDir != "" {
		res, err := a.db.Snapshot(ctx, snapshotDir, a.cfg.Backup.Keep, a.now())
		if err != nil {
			return err
		}
		dest, n = res.Path, res.Bytes
	} else if n, err = a.db.BackupFile(ctx, dest); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s (%d bytes)\n", c.db, dest, n)
	return nil
}

// backupDest is where a backup goes: dest a file or "-", or snapshotDir a
// directory in which a snapshot is named by the time (and old ones pruned,
// for backup.dir).
func backupDest(a *app, dbPath, to string) (dest, snapshotDir string) {
	switch {
	case to == "":
		return "", a.cfg.Backup.DirFor(dbPath)
	case to == "-":
		return "-", ""
	}
	if st, err := os.Stat(to); err == nil && st.IsDir() {
		return filepath.Join(to, store.SnapshotName(a.now())), ""
	}
	return to, ""
}

// backupViaAdmin asks the serve that holds the database for a copy.
// openErr says why the database could not be opened.
func backupViaAdmin(ctx context.Context, e env, c *common, to, addr, token string, openErr error) error {
	if adminOff(addr) {
		return inUse(openErr, addr, nil)
	}
	a, err := openConfigOnly(c, e)
	if err != nil {
		return err
	}
	client, err := newAdminClient(addr, token, c.db)
	if err != nil {
		return err
	}
	resp, err := client.do(ctx, "POST", "/admin/backup")
	if err != nil {
		return inUse(openErr, addr, err)
	}
	defer resp.Body.Close()
	dest, snapshotDir := backupDest(a, c.db, to)
	if dest == "-" {
		n, err := io.Copy(e.stdout, resp.Body)
		if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return fmt.Errorf("backup: from the admin API at %s: %w", addr, err)
		}
		return nil
	}
	if snapshotDir != "" {
		if err := os.MkdirAll(snapshotDir, 0o755); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		dest = filepath.Join(snapshotDir, store.SnapshotName(a.now()))
	}
	if err := notInUse(dest); err != nil {
		return err
	}
	// Verified before it takes its name: a copy cut short never does.
	n, err := store.SaveBackup(ctx, dest, resp.Body)
	if err != nil {
		return err
	}
	if snapshotDir != "" {
		if _, err := store.PruneSnapshots(snapshotDir, a.cfg.Backup.Keep); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "backed up %s to %s (%d bytes, from the running serve)\n", c.db, dest, n)
	return nil
}

// notInUse refuses to replace a database another process has open: a
// restore (backup --db SNAPSHOT --to DATABASE) while serve runs would be
// lost, serve going on with the file it has open.
func notInUse(dest string) error {
	st, err := os.Stat(dest)
	if err != nil || !st.Mode().IsRegular() {
		return nil
	}
	d, err := store.Open(dest, store.Options{ReadOnly: true, Timeout: 500 * time.Millisecond})
	if errors.Is(err, store.ErrInUse) {
		return fmt.Errorf("backup: --to %s: %w: stop the ospofeed that uses it before replacing it", dest, store.ErrInUse)
	}
	if err == nil {
		d.Close()
	}
	return nil
}

// same reports whether paths a and b name the same file, or would.
func same(a, b string) bool {
	if fa, fb := fileID(a), fileID(b); fa != "" && fa == fb {
		return true
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}
