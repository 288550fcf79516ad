package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ospofeed/ospofeed/store"
)

// freeAdminAddr is a loopback address nothing listens on now.
func freeAdminAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// envOf is a getenv over a map.
func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// runEnv runs the program in-process with an environment.
func runEnv(ctx context.Context, env map[string]string, args ...string) (stdout, stderr string, err error) {
	var o, e syncBuffer
	err = run(ctx, append([]string{"ospofeed"}, args...), envOf(env), &o, &e)
	return o.String(), e.String(), err
}

// While serve holds the database, sources and backup ask its admin API and
// work as they do without serve.
func TestAdminWhileServing(t *testing.T) {
	_, cfg, db := crawlFixture(t)
	before, _, err := runCmd(context.Background(), "sources", "--config", cfg, "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	admin := freeAdminAddr(t)
	startServe(t, "--config", cfg, "--db", db, "--no-crawl", "--admin-addr", admin)
	ctx := context.Background()

	got, stderr, err := runCmd(ctx, "sources", "--config", cfg, "--db", db, "--admin-addr", admin)
	if err != nil {
		t.Fatalf("sources while serving = %v\n%s", err, stderr)
	}
	if got != before {
		t.Errorf("sources while serving prints\n%s\nwithout serve it printed\n%s", got, before)
	}

	// backup --to FILE: a whole database holding the items.
	dir := t.TempDir()
	to := filepath.Join(dir, "copy.db")
	out, stderr, err := runCmd(ctx, "backup", "--config", cfg, "--db", db, "--admin-addr", admin, "--to", to)
	if err != nil || !strings.Contains(out, "from the running serve") {
		t.Fatalf("backup while serving = %q, %v\n%s", out, err, stderr)
	}
	if err := store.Verify(to); err != nil {
		t.Fatalf("Verify(backup) = %v", err)
	}
	b, err := store.Open(to, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := b.Item(event2024); !ok || err != nil {
		t.Errorf("the backup lacks %s: %v", event2024, err)
	}
	b.Close()

	// --to -: the same bytes on standard output.
	out, _, err = runCmd(ctx, "backup", "--config", cfg, "--db", db, "--admin-addr", admin, "--to", "-")
	if err != nil || len(out) < 4096 {
		t.Fatalf("backup --to - = %d bytes, %v", len(out), err)
	}
	// No --to: a snapshot in backup.dir (backups beside the database).
	if _, _, err := runCmd(ctx, "backup", "--config", cfg, "--db", db, "--admin-addr", admin); err != nil {
		t.Fatal(err)
	}
	if snaps, err := store.Snapshots(filepath.Join(filepath.Dir(db), "backups")); err != nil || len(snaps) != 1 {
		t.Errorf("backup without --to: snapshots %v, %v; want one in backups/ beside the database", snaps, err)
	}

	// A restore over the database serve has open is refused.
	if _, _, err := runCmd(ctx, "backup", "--config", cfg, "--db", to, "--to", db, "--admin-addr", "off"); !errors.Is(err, store.ErrInUse) || !strings.Contains(err.Error(), "stop the ospofeed") {
		t.Errorf("backup --to the database serve has open = %v; want ErrInUse", err)
	}

	// The admin API refuses what it is not for.
	base := "http://" + admin
	if resp, err := http.Get(base + "/admin/backup"); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /admin/backup = %v, %v; want 405", resp, err)
	}
	req, _ := http.NewRequest("GET", base+"/admin/sources", nil)
	req.Host = "rebound.example.com"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("a request for another host name (DNS rebinding) = %v, %v; want 403", resp, err)
	}

	// Another database: the admin API's serve is not the one holding it.
	_, _, other := crawlFixture(t)
	d, err := store.Open(other, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, _, err = runCmd(ctx, "sources", "--config", cfg, "--db", other, "--admin-addr", admin)
	if err == nil || !errors.Is(err, store.ErrInUse) || !strings.Contains(err.Error(), "another database") {
		t.Errorf("sources for a database held by another process = %v; want ErrInUse and that serve's database is another", err)
	}
	// No serve answering: the lock error says so.
	_, _, err = runCmd(ctx, "backup", "--config", cfg, "--db", other, "--admin-addr", freeAdminAddr(t), "--to", filepath.Join(dir, "x.db"))
	if !errors.Is(err, store.ErrInUse) || exitCode(err) != exitFailed {
		t.Errorf("backup with nothing answering = %v (exit %d); want ErrInUse, exit 1", err, exitCode(err))
	}
	if _, err := os.Stat(filepath.Join(dir, "x.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed backup left its file: %v", err)
	}
}

// With a token, the admin API may listen beyond loopback, and every request
// needs the token.
func TestAdminToken(t *testing.T) {
	_, cfg, db := crawlFixture(t)
	admin := freeAdminAddr(t)
	const token = "0123456789abcdef0123456789abcdef"
	startServeEnv(t, map[string]string{"OSPOFEED_ADMIN_TOKEN": token}, "--config", cfg, "--db", db, "--no-crawl", "--admin-addr", admin)
	ctx := context.Background()
	if _, _, err := runCmd(ctx, "sources", "--config", cfg, "--db", db, "--admin-addr", admin); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("sources without the token = %v; want 401", err)
	}
	if _, _, err := runEnv(ctx, map[string]string{"OSPOFEED_ADMIN_TOKEN": token + "x"}, "sources", "--config", cfg, "--db", db, "--admin-addr", admin); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("sources with a wrong token = %v; want 401", err)
	}
	out, _, err := runEnv(ctx, map[string]string{"OSPOFEED_ADMIN_TOKEN": token, "OSPOFEED_ADMIN_ADDR": admin}, "sources", "--config", cfg, "--db", db)
	if err != nil || !strings.Contains(out, "ospos-for-good-2024") {
		t.Errorf("sources with the token (from the environment) = %v\n%s", err, out)
	}
	// With a token, the Host header is not what guards the API.
	req, _ := http.NewRequest("GET", "http://"+admin+"/admin/sources", nil)
	req.Host = "ospofeed.internal"
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("a request with the token under another host name = %v, %v; want 200", resp, err)
	}
}

func TestAdminAddrRefused(t *testing.T) {
	_, cfg, db := crawlFixture(t)
	for _, tt := range []struct {
		name  string
		env   map[string]string
		args  []string
		wants string
	}{
		{"all interfaces without a token", nil, []string{"--admin-addr", ":8081"}, `--admin-addr ":8081": not a loopback address`},
		{"a public address without a token, from the environment", map[string]string{"OSPOFEED_ADMIN_ADDR": "192.0.2.1:8081"}, nil, `OSPOFEED_ADMIN_ADDR "192.0.2.1:8081": not a loopback address`},
		{"a short token", map[string]string{"OSPOFEED_ADMIN_TOKEN": "secret"}, []string{"--admin-addr", ":8081"}, "use at least 16"},
		{"not an address", nil, []string{"--admin-addr", "localhost"}, `--admin-addr "localhost"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"serve", "--config", cfg, "--db", db}, tt.args...)
			_, _, err := runEnv(context.Background(), tt.env, args...)
			if exitCode(err) != exitUsage || !strings.Contains(err.Error(), tt.wants) {
				t.Errorf("serve %v = %v (exit %d); want exit 2 and %q", tt.args, err, exitCode(err), tt.wants)
			}
		})
	}
	// An address that was asked for and is taken: serve fails. The default
	// taken: serve runs without the admin API.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, _, err = runCmd(context.Background(), "serve", "--config", cfg, "--db", db, "--no-crawl", "--addr", "127.0.0.1:0", "--admin-addr", ln.Addr().String())
	if err == nil || exitCode(err) != exitFailed || !strings.Contains(err.Error(), "admin API") {
		t.Errorf("serve on a taken admin address = %v (exit %d); want exit 1 naming the admin API", err, exitCode(err))
	}
}

// Snapshots follow the ones on disk: every after the newest, never in the
// first minute after start.
func TestFirstSnapshot(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	if got, want := firstSnapshot(dir, 24*time.Hour, now), now.Add(time.Minute); !got.Equal(want) {
		t.Errorf("firstSnapshot(no snapshots) = %v; want %v", got, want)
	}
	if got, want := firstSnapshot(dir, 10*time.Second, now), now.Add(10*time.Second); !got.Equal(want) {
		t.Errorf("firstSnapshot(every 10s) = %v; want %v", got, want)
	}
	if err := os.WriteFile(filepath.Join(dir, store.SnapshotName(now.Add(-time.Hour))), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := firstSnapshot(dir, 24*time.Hour, now), now.Add(23*time.Hour); !got.Equal(want) {
		t.Errorf("firstSnapshot(newest an hour old) = %v; want %v", got, want)
	}
	if got, want := firstSnapshot(dir, 30*time.Minute, now), now.Add(time.Minute); !got.Equal(want) {
		t.Errorf("firstSnapshot(newest overdue) = %v; want %v", got, want)
	}
}

// A backup never replaces the database it copies.
func TestBackupRefusesTheDatabase(t *testing.T) {
	_, cfg, db := crawlFixture(t)
	_, _, err := runCmd(context.Background(), "backup", "--config", cfg, "--db", db, "--to", db)
	if exitCode(err) != exitUsage {
		t.Errorf("backup --to the database = %v (exit %d); want exit 2", err, exitCode(err))
	}
	to := filepath.Join(t.TempDir(), "copy.db")
	out, _, err := runCmd(context.Background(), "backup", "--config", cfg, "--db", db, "--to", to)
	if err != nil || !strings.Contains(out, "backed up") {
		t.Fatalf("backup without serve = %q, %v", out, err)
	}
	if err := store.Verify(to); err != nil {
		t.Error(err)
	}
	// The restore the README gives: a snapshot copied over the database,
	// with no serve running.
	if out, _, err := runCmd(context.Background(), "backup", "--config", cfg, "--db", to, "--to", db); err != nil {
		t.Fatalf("restore = %q, %v", out, err)
	}
	if err := store.Verify(db); err != nil {
		t.Error(err)
	}
}
