package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ospofeed/ospofeed/internal/fixture"
	"github.com/ospofeed/ospofeed/store"
)

// A database file cut short by a full disk (8 KB of a bbolt file) or left
// empty crashed every later command with SIGBUS (exit 2 and a goroutine
// dump; this test binary would die) or said "bad file descriptor". Every
// command must now fail with exit 1, name the file and say what to do,
// and leave the file as it was.
func TestDamagedDatabaseExits1WithAClearMessage(t *testing.T) {
	site := fixture.New()
	t.Cleanup(site.Close)
	cfg := testConfig(t, site, "")
	good := filepath.Join(t.TempDir(), "good.db")
	db, err := store.Open(good, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"cut to 8 KB", whole[:8192], "cut short"},
		{"empty", nil, "empty (0 bytes)"},
	} {
		for _, cmd := range []string{"crawl", "sources", "compact"} {
			t.Run(tc.name+" "+cmd, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "ospofeed.db")
				if err := os.WriteFile(path, tc.data, 0o644); err != nil {
					t.Fatal(err)
				}
				_, stderr, err := runCmd(context.Background(), cmd, "--config", cfg, "--db", path)
				if exitCode(err) != exitFailed {
					t.Fatalf("%s = %v (exit %d); want exit 1\n%s", cmd, err, exitCode(err), stderr)
				}
				for _, w := range []string{path, tc.want, "remove it to start afresh, or restore a backup"} {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s error %q lacks %q", cmd, err, w)
					}
				}
				if after, _ := os.ReadFile(path); !bytes.Equal(after, tc.data) {
					t.Errorf("%s changed the damaged file: %d bytes, was %d", cmd, len(after), len(tc.data))
				}
			})
		}
	}
}
