package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func backupSection(lines string) string { return "backup:\n" + lines + base }

func TestBackupDefaultWhenOmitted(t *testing.T) {
	got := mustParse(t, base).Backup
	if want := (Backup{Every: 24 * time.Hour, Keep: 7}); got != want {
		t.Errorf("Parse(no backup:).Backup = %+v; want %+v", got, want)
	}
	if got, want := got.DirFor(filepath.Join("data", "ospofeed.db")), filepath.Join("data", "backups"); got != want {
		t.Errorf("DirFor(data/ospofeed.db) = %q; want %q", got, want)
	}
	// A section that sets one field keeps the defaults of the others.
	got = mustParse(t, backupSection("  keep: 3\n")).Backup
	if want := (Backup{Every: 24 * time.Hour, Keep: 3}); got != want {
		t.Errorf("Parse(keep: 3).Backup = %+v; want %+v", got, want)
	}
}

func TestBackupExplicit(t *testing.T) {
	got := mustParse(t, backupSection("  dir: /srv/snapshots\n  every: 6h\n  keep: 28\n")).Backup
	if want := (Backup{Dir: "/srv/snapshots", Every: 6 * time.Hour, Keep: 28}); got != want {
		t.Errorf("Parse(backup).Backup = %+v; want %+v", got, want)
	}
	if got := got.DirFor("/data/ospofeed.db"); got != "/srv/snapshots" {
		t.Errorf("DirFor with backup.dir set = %q; want /srv/snapshots", got)
	}
	if got := mustParse(t, backupSection("  every: 0s\n")).Backup.Every; got != 0 {
		t.Errorf("Parse(every: 0s).Backup.Every = %s; want 0 (off)", got)
	}
}

func TestBackupRefused(t *testing.T) {
	testRefusals(t, []refusal{
		{"every below a second", backupSection("  every: 500ms\n"),
			"bad.yaml:2: backup.every: ", "must be 0s (no snapshots) or between 1s and 8784h, not 500ms"},
		{"every negative", backupSection("  every: -1h\n"),
			"bad.yaml:2: backup.every: ", "must be 0s (no snapshots) or between 1s and 8784h, not -1h"},
		{"every past a year", backupSection("  every: 9000h\n"),
			"bad.yaml:2: backup.every: ", "must be 0s (no snapshots) or between 1s and 8784h, not 9000h"},
		{"every not a duration", backupSection("  every: daily\n"),
			"bad.yaml:2: backup.every: ", `must be a duration such as 6h or 24h (0s: no snapshots), not "daily"`},
		{"keep 0", backupSection("  keep: 0\n"),
			"bad.yaml:2: backup.keep: ", "must be between 1 and 1000, not 0"},
		{"keep past 1000", backupSection("  keep: 1001\n"),
			"bad.yaml:2: backup.keep: ", "must be between 1 and 1000, not 1001"},
		{"empty dir", backupSection("  dir: \"\"\n"),
			"bad.yaml:2: backup.dir: ", "must not be empty"},
		{"dir a list", backupSection("  dir: [a]\n"),
			"bad.yaml:2: backup.dir: ", "must be text, not a list"},
		{"unknown key", backupSection("  interval: 6h\n"),
			"bad.yaml:2: backup.interval: ", "unknown field (known: dir, every, keep)"},
		{"not a mapping", "backup: daily\n" + base,
			"bad.yaml:1: backup: ", `must be a mapping, not "daily"`},
	})
	testAccepted(t, map[string]string{
		"lower bounds": backupSection("  every: 1s\n  keep: 1\n"),
		"upper bounds": backupSection("  every: 8784h\n  keep: 1000\n"),
		"off":          backupSection("  every: 0\n"),
	})
}

// The embedded default spells out the backup defaults.
func TestDefaultYAMLBackup(t *testing.T) {
	all := []string{"un-event", "unwebtv-schedule", "feed", "html", "ospo-directory"}
	cfg, err := Parse(DefaultName, defaultYAML, all)
	if err != nil {
		t.Fatalf("Parse(default.yaml) = %v", err)
	}
	if want := (Backup{Every: DefaultBackupEvery, Keep: DefaultBackupKeep}); cfg.Backup != want {
		t.Errorf("Parse(default.yaml).Backup = %+v; want %+v", cfg.Backup, want)
	}
	for _, line := range []string{"\nbackup:\n", "\n  every: 24h ", "\n  keep: 7 "} {
		if !strings.Contains(string(defaultYAML), line) {
			t.Errorf("default.yaml lacks %q", strings.TrimSpace(line))
		}
	}
}
