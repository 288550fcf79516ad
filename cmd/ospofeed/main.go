// Command ospofeed watches the public web for OSPO events and their UN Web
// TV recordings and turns them into feeds, calendars and citable pages.
//
//	ospofeed serve                 HTTP server plus the in-process schedule
//	ospofeed crawl [--out DIR]     crawl once (for cron jobs and containers)
//	ospofeed sources               list sources and their health
//	ospofeed config default        print the embedded configuration
//	ospofeed version
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ospofeed:", err)
		os.Exit(exitCode(err))
	}
}
