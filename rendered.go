package ospofeed

import "time"

// Rendered is one rendered file of the site, as the store keeps it so that
// a restart serves it at once and a rendering rewrites only what changed.
type Rendered struct {
	Path        string // URL path ("/", "/events/x/", "/feeds/all.atom"); records start with "@"
	ContentType string
	Body        []byte
	ETag        string // strong, quoted, of Body
	Modified    time.Time
	// Immutable: an archive page, which never changes once rendered.
	Immutable bool
}

// SiteState describes the stored rendering.
type SiteState struct {
	Key        string // what every page was rendered with (program, templates, site settings)
	Day        string // the day the date-dependent pages were rendered on
	Generation uint64 // moves on with every change of the stored files
	// Store names the database the files are kept in (its creation
	// time), so that an output directory written from another database
	// is never taken as up to date.
	Store string
}
