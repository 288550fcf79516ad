package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// cmdHealthcheck asks a running `ospofeed serve` for /healthz and exits 0
// when it answers 200: the container image's HEALTHCHECK, which has no
// curl to do it.
func cmdHealthcheck(ctx context.Context, e env, args []string) error {
	flags := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	addr := flags.String("addr", or(e.getenv("OSPOFEED_ADDR"), ":8080"), "`address` serve listens on (env OSPOFEED_ADDR)")
	timeout := flags.Duration("timeout", 5*time.Second, "give up after this long")
	if err := parse(flags, e, args); err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return usageError{fmt.Errorf("healthcheck: --addr %q: %w", *addr, err)}
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	u := "http://" + net.JoinHostPort(host, port) + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s: %s", u, resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintf(e.stdout, "ok: %s\n", u)
	return nil
}
