package deploy_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ospofeed/ospofeed/internal/fixture"
	"github.com/ospofeed/ospofeed/store"
)

// TestKillDuringSnapshotRestoresLastComplete runs the real serve with a
// snapshot every second, kills it with SIGKILL while a snapshot is being
// written (or at a random moment), again and again, and then restores the
// newest snapshot: no partial snapshot ever has a final name, every one
// passes bbolt's check, and the restored database opens and serves the
// items the original held.
func TestKillDuringSnapshotRestoresLastComplete(t *testing.T) {
	site := fixture.New()
	defer site.Close()
	cfg := writeConfig(t, site, "backup:\n  every: 1s\n  keep: 3\n", "")
	dir := t.TempDir()
	db := filepath.Join(dir, "ospofeed.db")
	backups := filepath.Join(dir, "backups")
	if out, err := exec.Command(bin, "crawl", "--config", cfg, "--db", db).CombinedOutput(); err != nil {
		t.Fatalf("crawl: %v\n%s", err, out)
	}
	st, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	want := itemCount(t, db)
	t.Logf("database: %d bytes, %d items", st.Size(), want)
	if want == 0 {
		t.Fatal("the crawl stored no items")
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 10))
	deadline := time.Now().Add(60 * time.Second)
	midSnapshot := 0
	for round := 0; round < 12 && time.Now().Before(deadline); round++ {
		if round >= 6 && midSnapshot >= 2 {
			break
		}
		log := &syncBuffer{}
		cmd := exec.Command(bin, "serve", "--no-crawl", "--config", cfg, "--db", db,
			"--addr", "127.0.0.1:0", "--admin-addr", "off")
		cmd.Stdout, cmd.Stderr = io.Discard, log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Most rounds kill as soon as a snapshot is being written (a
		// temporary file appears), some after a random delay, whatever the
		// process is doing then.
		how := "at a random moment"
		before := tempFiles(t, backups)
		if round%3 != 2 {
			if waitForTemp(backups, before, 10*time.Second) {
				time.Sleep(time.Duration(rng.IntN(300)) * time.Microsecond)
				how = "while a snapshot was being written"
			}
		} else {
			// After the first snapshot is due (1s after start): some
			// complete, one may be under way.
			time.Sleep(time.Second + time.Duration(rng.IntN(2500))*time.Millisecond)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		temps := tempFiles(t, backups)
		if len(temps) > len(before) && how != "at a random moment" {
			midSnapshot++
		}
		snaps, err := store.Snapshots(backups)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: killed %s; %d snapshots, %d temporary files left (%d before)", round, how, len(snaps), len(temps), len(before))
		// Every file under a final name is whole.
		for _, s := range snaps {
			if err := checkBolt(s.Path); err != nil {
				t.Fatalf("round %d: snapshot %s is not whole: %v\nserve's log:\n%s", round, filepath.Base(s.Path), err, log.String())
			}
		}
		// Only snapshots and their temporary files are in the directory.
		entries, _ := os.ReadDir(backups)
		for _, e := range entries {
			if !store.IsSnapshotName(e.Name()) && !isTemp(e.Name()) {
				t.Errorf("round %d: unexpected file %s in the backup directory", round, e.Name())
			}
		}
	}
	if midSnapshot == 0 {
		t.Fatal("no round killed serve while it was writing a snapshot: the test did not test that")
	}
	t.Logf("%d rounds killed serve in the middle of writing a snapshot", midSnapshot)

	// Restore the newest snapshot as the README says: copy it over the
	// database (here: to a new path) while no ospofeed runs.
	snaps, err := store.Snapshots(backups)
	if err != nil || len(snaps) == 0 {
		t.Fatalf("no snapshot to restore: %v", err)
	}
	if len(snaps) > 3 {
		t.Errorf("%d snapshots kept; want at most keep: 3", len(snaps))
	}
	restored := filepath.Join(t.TempDir(), "ospofeed.db")
	data, err := os.ReadFile(snaps[len(snaps)-1].Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(restored, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := store.Verify(restored); err != nil {
		t.Fatalf("store.Verify(restored) = %v", err)
	}
	if got := itemCount(t, restored); got != want {
		t.Errorf("restored database holds %d items; the original %d", got, want)
	}
	// And serve runs on it.
	cmd := exec.Command(bin, "serve", "--no-crawl", "--config", cfg, "--db", restored, "--addr", "127.0.0.1:0", "--admin-addr", "off")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("serve on the restored database: %v\n%s", err, out.String())
		}
	}()
	addr := waitForLine(t, out, regexp.MustCompile(`serving (http://\S+)/`), 10*time.Second)
	if code, body := tryGetRetry(addr+"/feeds/all.atom", "OSPOs for Good 2024", 10*time.Second); code != 200 || !strings.Contains(body, "OSPOs for Good 2024") {
		t.Errorf("serve on the restored database: /feeds/all.atom = %d %.200s", code, body)
	}
}

// waitForTemp polls dir for a snapshot's temporary file, other than those
// a killed process left before.
func waitForTemp(dir string, before []string, d time.Duration) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if isTemp(e.Name()) && !slices.Contains(before, e.Name()) {
				if _, err := os.Stat(filepath.Join(dir, e.Name())); err == nil {
					return true
				}
			}
		}
		time.Sleep(50 * time.Microsecond)
	}
	return false
}

var tempName = regexp.MustCompile(`^\.ospofeed-\d{8}T\d{6}Z\.db\.tmp-[0-9a-f]{16}$`)

func isTemp(name string) bool { return tempName.MatchString(name) }

func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if isTemp(e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

// checkBolt is `bbolt check`: bbolt's own consistency check on the file.
func checkBolt(path string) error {
	b, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return err
	}
	defer b.Close()
	return b.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() {
			if first == nil {
				first = err
			}
		}
		return first
	})
}

// itemCount is the number of items a database holds.
func itemCount(t *testing.T, path string) int {
	t.Helper()
	d, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	counts, err := d.ItemCounts()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// syncBuffer is what a subprocess writes to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitForLine waits for a line matching re in b and returns its first group.
func waitForLine(t *testing.T, b *syncBuffer, re *regexp.Regexp, d time.Duration) string {
	t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no line matching %s within %s:\n%s", re, d, b.String())
	return ""
}

func tryGetRetry(url, want string, d time.Duration) (int, string) {
	end := time.Now().Add(d)
	for {
		code, body := tryGet(url)
		if (code == 200 && strings.Contains(body, want)) || time.Now().After(end) {
			return code, body
		}
		time.Sleep(100 * time.Millisecond)
	}
}
