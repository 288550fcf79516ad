//go:build linux

package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseSummary(t *testing.T) {
	log := `scale-feed-0000              ok       pages=1 not_modified=0 new=2000 changed=0 unchanged=0 warnings=0 1.2s
scale-event-0001             DEGRADED pages=0 not_modified=101 new=0 changed=1 unchanged=100 warnings=2 14ms
    found fewer items than before
wrote 35 files to /tmp/site
`
	got := parseSummary(log)
	if got.lines != 2 || got.pages != 1 || got.notModified != 101 || got.new != 2000 || got.changed != 1 ||
		got.unchanged != 100 || got.warnings != 2 || len(got.unhealthy) != 1 || got.unhealthy[0] != "scale-event-0001 DEGRADED" {
		t.Errorf("parseSummary = %+v", got)
	}
}

func TestDiffTrees(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("same", "a")
	write("rewritten", "b")
	write("changed", "c")
	write("removed", "d")
	before, err := snapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	os.Remove(filepath.Join(dir, "rewritten"))
	write("rewritten", "b") // same bytes, new inode
	write("changed", "C")
	os.Chtimes(filepath.Join(dir, "changed"), later, later)
	os.Remove(filepath.Join(dir, "removed"))
	write("added", "e")
	after, err := snapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := treeDiff{added: 1, removed: 1, rewritten: 2, content: 1, untouched: 1}
	if got := diffTrees(before, after); got != want {
		t.Errorf("diffTrees = %+v; want %+v", got, want)
	}
}

func TestNum(t *testing.T) {
	for in, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567"} {
		if got := num(in); got != want {
			t.Errorf("num(%d) = %q; want %q", in, got, want)
		}
	}
}
