//go:build linux

// Command scale is ospofeed's scale benchmark (issue 7): it generates N
// stored items of two shapes on a loopback fixture site, runs the ospofeed
// binary on them as a subprocess, and prints one markdown table row per
// (shape, N):
//
//	articles    N feed articles in Atom feeds of 2,000 entries (one feed
//	            source each) on news.example.org
//	recordings  N UN Web TV recordings, each with its asset page on
//	            webtv.un.org, behind UN event pages on www.un.org listing 100
//	            each (so N/100 event sources and N + N/100 items)
//
// The site is internal/fixture's Generated, reached like the tests reach
// theirs: crawl.connect_to sends every host to 127.0.0.1:PORT. Kaltura is
// off, delay_per_host is 0, parallel_per_host is high. For each (shape, N),
// in a fresh directory:
//
//  1. cold `ospofeed crawl --config C --db D --out OUT`: wall time, peak RSS
//  2. the same again, nothing changed: wall time, files of OUT rewritten
//  3. one item retitled at its source, crawl again: wall time, files rewritten
//  4. `ospofeed serve --no-crawl --addr 127.0.0.1:PORT`: time from process
//     start to the first 200 on /healthz and on /, polled every 10 ms;
//     VmRSS when both have answered and 1 s later
//  5. the largest feed under OUT/feeds: bytes and entries; the most entries
//     any feed holds
//
// A file counts as rewritten when it was added, removed, or its inode,
// mtime or size changed; "content" counts those whose bytes differ. A
// details table adds CPU time (user+sys, and sys) of each step and the
// load average before it: other work on the machine moves wall times much
// more than CPU times.
//
// Usage (from the repository root):
//
//	go run ./bench/scale -n 1000,10000 [-shape articles,recordings] [-keep DIR]
//	    [-bin PATH] [-timeout 30m] [-parallel 16] [-per-feed 2000] [-per-event 100]
//	    [-change I] [-label TEXT]
//
// Without -bin it builds ./cmd/ospofeed once into a temporary directory.
// Everything listens and dials on 127.0.0.1 only. Progress goes to stderr,
// the tables to stdout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

type options struct {
	ns        []int
	shapes    []string
	keep      string
	bin       string
	timeout   time.Duration
	parallel  int
	perFeed   int
	perEvent  int
	label     string
	changeIdx int // -1: the middle item
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("scale", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	ns := fs.String("n", "1000,10000", "comma-separated numbers of stored items")
	shapes := fs.String("shape", "articles,recordings", "comma-separated shapes: articles, recordings")
	fs.StringVar(&o.keep, "keep", "", "keep each run's config, database, output and logs under `DIR`/<shape>-<n>")
	fs.StringVar(&o.bin, "bin", "", "use this ospofeed binary instead of building ./cmd/ospofeed")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "limit for each step (a crawl, the serve probe)")
	fs.IntVar(&o.parallel, "parallel", 16, "crawl.parallel_per_host")
	fs.IntVar(&o.perFeed, "per-feed", 2000, "entries per generated feed")
	fs.IntVar(&o.perEvent, "per-event", 100, "recordings per generated event page")
	fs.StringVar(&o.label, "label", "", "free text for the header, e.g. what the binary was built from")
	fs.IntVar(&o.changeIdx, "change", -1, "index of the item retitled in step 3 (default: the middle one, N/2)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for f := range strings.SplitSeq(*ns, ",") {
		n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(f), "_", ""))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-n: %q is not a positive number", f)
		}
		o.ns = append(o.ns, n)
	}
	for s := range strings.SplitSeq(*shapes, ",") {
		s = strings.TrimSpace(s)
		if s != "articles" && s != "recordings" {
			return o, fmt.Errorf("-shape: %q is neither articles nor recordings", s)
		}
		o.shapes = append(o.shapes, s)
	}
	if o.parallel < 1 || o.perFeed < 1 || o.perEvent < 1 || o.timeout <= 0 {
		return o, errors.New("-parallel, -per-feed, -per-event and -timeout must be positive")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "ospofeed-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	bin := o.bin
	binNote := "given with -bin"
	if bin == "" {
		bin = filepath.Join(tmp, "ospofeed")
		fmt.Fprintln(stderr, "building ./cmd/ospofeed ...")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/ospofeed")
		build.Stdout, build.Stderr = stderr, stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/ospofeed: %w", err)
		}
		binNote = "built from the working tree"
	} else if bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	if o.keep != "" {
		if o.keep, err = filepath.Abs(o.keep); err != nil {
			return err
		}
	}

	var results []result
	for _, shape := range o.shapes {
		for _, n := range o.ns {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			dir := filepath.Join(tmp, fmt.Sprintf("%s-%d", shape, n))
			if o.keep != "" {
				dir = filepath.Join(o.keep, fmt.Sprintf("%s-%d", shape, n))
				os.RemoveAll(dir)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			start := time.Now()
			fmt.Fprintf(stderr, "== %s, N=%d (in %s)\n", shape, n, dir)
			r := measure(ctx, o, bin, shape, n, dir, stderr)
			r.total = time.Since(start)
			fmt.Fprintf(stderr, "== %s, N=%d done in %s\n", shape, n, r.total.Round(time.Second))
			results = append(results, r)
			if o.keep == "" {
				os.RemoveAll(dir)
			}
		}
	}
	printHeader(stdout, o, bin, binNote)
	printTables(stdout, results)
	return nil
}

func printHeader(w io.Writer, o options, bin, binNote string) {
	fmt.Fprintf(w, "## ospofeed scale benchmark, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	machine := strings.TrimSpace(output("uname", "-m"))
	fmt.Fprintf(w, "- machine: `uname -m` %s, nproc %d, %s\n", machine, runtime.NumCPU(), memTotal())
	fmt.Fprintf(w, "- go: %s (benchmark built with %s)\n", strings.TrimPrefix(strings.TrimSpace(output("go", "version")), "go version "), runtime.Version())
	commit := strings.TrimSpace(output("git", "rev-parse", "--short=12", "HEAD"))
	if strings.TrimSpace(output("git", "status", "--porcelain", "--untracked-files=no")) != "" {
		commit += " (working tree has uncommitted changes)"
	}
	fmt.Fprintf(w, "- git commit of the working tree: %s\n", commit)
	fmt.Fprintf(w, "- binary: %s (%s)%s\n", bin, binNote, buildInfo(bin))
	if o.label != "" {
		fmt.Fprintf(w, "- %s\n", o.label)
	}
	fmt.Fprintf(w, "- settings: delay_per_host 0, parallel_per_host %d, Kaltura off, %d entries per feed, %d recordings per event page, retitled item: %s\n\n",
		o.parallel, o.perFeed, o.perEvent, changeNote(o.changeIdx))
}

func changeNote(i int) string {
	if i < 0 {
		return "the middle one (N/2)"
	}
	return strconv.Itoa(i)
}

// output runs a command and returns its output, or "?" when it fails.
func output(name string, args ...string) string {
	b, err := exec.Command(name, args...).Output()
	if err != nil {
		return "?"
	}
	return string(b)
}

func buildInfo(bin string) string {
	b, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		return ""
	}
	var goVer, rev string
	for i, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case i == 0 && len(f) >= 2:
			goVer = f[len(f)-1]
		case len(f) >= 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision="):
			rev = strings.TrimPrefix(f[1], "vcs.revision=")
		}
	}
	s := ", " + goVer
	if rev != "" {
		s += ", vcs.revision " + rev[:min(12, len(rev))]
	}
	return s
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return fmt.Sprintf("%.1f GB RAM", float64(kb)/(1<<20))
		}
	}
	return ""
}
