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
	"github.com/ospofeed/ospofeed/store"
)

func cmdSources(ctx context.Context, e env, args []string) error {
	flags := flag.NewFlagSet("sources", flag.ContinueOnError)
	var c common
	c.register(flags, e, "warn")
	adminAddr := adminFlag(flags, e, false)
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
	case errors.Is(err, store.ErrInUse):
		// serve holds the database: ask it instead. What it sends is its
		// own configuration's sources, the ones that are being crawled.
		if adminOff(*adminAddr) {
			return inUse(err, *adminAddr, nil)
		}
		client, cerr := newAdminClient(*adminAddr, e.getenv("OSPOFEED_ADMIN_TOKEN"), c.db)
		if cerr != nil {
			return cerr
		}
		got, aerr := client.sources(ctx)
		if aerr != nil {
			return inUse(err, *adminAddr, aerr)
		}
		return printSources(e, got.Sources)
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
	return printSources(e, sourceRows(a.cfg.Sources, states))
}

func printSources(e env, rows []sourceRow) error {
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tSCHEDULE\tSTATUS\tLAST CRAWL\tLAST SUCCESS\tITEMS\tLAST ERROR / REASON")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.Kind, r.Schedule, r.Status,
			stamp(r.LastCrawl), stamp(r.LastSuccess), r.Items, or(r.LastError, r.Reason))
	}
	return tw.Flush()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}
