package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
)

// cmdCompact rewrites the database without its free pages. bbolt never
// gives space back by itself; run this now and then, while no serve or
// crawl uses the database (it fails fast, saying so, if one does).
func cmdCompact(ctx context.Context, e env, args []string) error {
	flags := flag.NewFlagSet("compact", flag.ContinueOnError)
	var c common
	c.register(flags, e, "warn")
	if err := parse(flags, e, args); err != nil {
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
	before, after, err := a.db.Compact()
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "compacted %s: %d -> %d bytes\n", a.db.Path(), before, after)
	return nil
}
