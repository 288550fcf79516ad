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
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// buildVersion is version, or the module version that `go install
// module@vX` records, for a binary built without -ldflags.
func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ospofeed:", err)
		os.Exit(exitCode(err))
	}
}
