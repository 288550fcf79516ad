package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/ospofeed/ospofeed"
)

func cmdSources(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("sources", flag.ContinueOnError)
	var c common
	c.register(fs, e, "warn")
	if err := parse(fs, e, args); err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	a, err := openApp(&c, e, false, nil)
	if err != nil {
		return err
	}
	defer a.db.Close()
	states, err := a.db.SourceStates()
	if err != nil {
		return err
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
