package config

import (
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Backup configures the snapshots `serve` keeps of its database (the
// `backup:` section).
type Backup struct {
	// Dir holds the snapshots; empty means "backups" beside the database
	// (see DirFor). A relative path is relative to the working directory,
	// as --db is.
	Dir string
	// Every is the time between two snapshots; 0 turns them off.
	Every time.Duration
	// Keep is how many snapshots are kept; older ones are removed.
	Keep int
}

// Defaults of the backup: section: a snapshot a day, a week of them.
const (
	DefaultBackupEvery = 24 * time.Hour
	DefaultBackupKeep  = 7
)

// The ranges of the backup settings: a snapshot more often than every
// second would be the machine's whole work, and a year between two is no
// longer a schedule; more than 1,000 kept is a slip of the finger.
const (
	minBackupEvery, maxBackupEvery = time.Second, 366 * 24 * time.Hour
	minBackupKeep, maxBackupKeep   = 1, 1000
)

// DirFor is where the snapshots of the database at dbPath go.
func (b Backup) DirFor(dbPath string) string {
	if b.Dir != "" {
		return b.Dir
	}
	return filepath.Join(filepath.Dir(dbPath), "backups")
}

// backup reads the backup: section into b, which holds the defaults.
func (p *parser) backup(n *yaml.Node, b *Backup) {
	f := p.fields(n, "backup", "dir", "every", "keep")
	p.str(f, "dir", "backup", &b.Dir)
	if kv, ok := f["dir"]; ok && kv[1].Kind == yaml.ScalarNode {
		switch {
		case b.Dir == "":
			p.fail(kv[1], "backup.dir", "must not be empty (leave it out for \"backups\" beside the database)")
		case strings.ContainsRune(b.Dir, 0):
			p.fail(kv[1], "backup.dir", "must not contain a NUL character")
		}
	}
	// 0s is written out to mean "off"; anything else is a real schedule.
	if kv, ok := f["every"]; ok {
		v := kv[1]
		d, err := time.ParseDuration(v.Value)
		switch {
		case v.Kind != yaml.ScalarNode || err != nil:
			p.fail(v, "backup.every", "must be a duration such as 6h or 24h (0s: no snapshots), not %s", kindName(v))
		case d != 0 && (d < minBackupEvery || d > maxBackupEvery):
			p.fail(v, "backup.every", "must be 0s (no snapshots) or %s, not %s", durationRange(minBackupEvery, maxBackupEvery), v.Value)
		default:
			b.Every = d
		}
	}
	p.integer(f, "keep", "backup", minBackupKeep, maxBackupKeep, &b.Keep)
}
