package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"text/tabwriter"
	"time"

	"github.com/ospofeed/ospofeed"
)

func cmdSources(ctx context.Context, e env, args []string) error {
	flags := flag.NewFlagSet("sources", flag.ContinueOnError)
	var c common
	c.register(flags, e, "warn")
	if err := parse(flags, e, args); err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	// Read only: listing the sources never creates or migrates a database.
	a, err := openApp(&c, e, true, nil)
	states := map[string]ospofeed.SourceState{}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(e.stderr, "no database at %s yet: no source has been crawled\n", c.db)
		if a, err = openConfigOnly(&c, e); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		defer a.db.Close()
		if states, err = a.db.SourceStates(); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSCHEDULE\tSTATUS\tLAST CRAWL\tLAST SUCCESS\tITEMS\tLAST ERROR / REASON")
	for _, src := range a.cfg.Sources {
		st, ok := states[src.ID]
		if !ok {
			st = ospofeed.SourceState{Status: ospofeed.StatusNew}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", src.ID, src.Kind, src.Schedule, st.Status,
			stamp(st.LastCrawl), stamp(st.LastSuccess), st.Items, or(st.LastError, st.Reason))
	}
	return tw.Flush()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}
