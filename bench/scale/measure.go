//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ospofeed/ospofeed/internal/fixture"
)

// result is everything measured for one (shape, N).
type result struct {
	shape   string
	n       int
	sources int
	items   int // new items in the cold crawl, from its summary lines; -1 unknown

	cold, unchanged, changed crawlRun
	serve                    serveRun
	feeds                    feedStats
	outFiles                 int
	outBytes                 int64
	total                    time.Duration
	errs                     []string
}

func (r *result) fail(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// crawlRun is one `ospofeed crawl --out` run.
type crawlRun struct {
	ran      bool
	exit     int // -1: did not finish (killed at the timeout, or not started)
	wall     time.Duration
	cpu      time.Duration // user + system
	sys      time.Duration // system
	maxRSS   int64         // bytes
	maxAnon  int64         // bytes: the peak of RssAnon (heap and stacks, not the database's mapped file pages)
	load     string        // the 1-minute load average at the start
	sum      crawlSummary
	diff     treeDiff // OUT before and after this run (not for the cold run)
	requests int64    // requests the fixture answered during the run
	notMod   int64    // of which 304
}

// crawlSummary adds up the one-line-per-source summaries crawl prints.
type crawlSummary struct {
	lines, pages, notModified, new, changed, unchanged, warnings int
	unhealthy                                                    []string // "id STATUS"
}

var summaryRE = regexp.MustCompile(`(?m)^(\S+)\s+(\S+)\s+pages=(\d+) not_modified=(\d+) new=(\d+) changed=(\d+) unchanged=(\d+) warnings=(\d+)`)

func parseSummary(log string) crawlSummary {
	var s crawlSummary
	for _, m := range summaryRE.FindAllStringSubmatch(log, -1) {
		n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
		s.lines++
		s.pages += n(3)
		s.notModified += n(4)
		s.new += n(5)
		s.changed += n(6)
		s.unchanged += n(7)
		s.warnings += n(8)
		if m[2] != "ok" {
			s.unhealthy = append(s.unhealthy, m[1]+" "+m[2])
		}
	}
	return s
}

// measure runs the five steps for one (shape, N) in dir.
func measure(ctx context.Context, o options, bin, shape string, n int, dir string, stderr io.Writer) result {
	r := result{shape: shape, n: n, items: -1}
	opt := fixture.GenOptions{PerFeed: o.perFeed, PerEvent: o.perEvent}
	if shape == "articles" {
		opt.Articles = n
	} else {
		opt.Recordings = n
	}
	t0 := time.Now()
	g := fixture.NewGenerated(opt)
	r.sources = len(g.Sources())
	fmt.Fprintf(stderr, "   generated %d sources in %s\n", r.sources, time.Since(t0).Round(time.Millisecond))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		r.fail("fixture listen: %v", err)
		return r
	}
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	cfg := filepath.Join(dir, "ospofeed.yaml")
	if err := os.WriteFile(cfg, []byte(config(g, ln.Addr().String(), o)), 0o644); err != nil {
		r.fail("write config: %v", err)
		return r
	}
	db, out := filepath.Join(dir, "ospofeed.db"), filepath.Join(dir, "site")
	crawlArgs := []string{"crawl", "--config", cfg, "--db", db, "--out", out, "--log-level", "info"}

	step := func(name string, log string) crawlRun {
		fmt.Fprintf(stderr, "   %s crawl ...", name)
		req0, nm0 := g.Stats()
		c := runCrawl(ctx, o, bin, crawlArgs, filepath.Join(dir, log))
		req1, nm1 := g.Stats()
		c.requests, c.notMod = req1-req0, nm1-nm0
		fmt.Fprintf(stderr, " %s (cpu %s of which sys %s, load %s), exit %d, peak RSS %s, %d requests (%d 304)\n",
			dur(c.wall), dur(c.cpu), dur(c.sys), c.load, c.exit, mb(c.maxRSS), c.requests, c.notMod)
		if c.exit != 0 {
			r.fail("%s crawl exited %d (see %s)", name, c.exit, log)
		}
		return c
	}

	// 1. Cold.
	r.cold = step("cold", "crawl-1-cold.log")
	if r.cold.sum.lines > 0 {
		r.items = r.cold.sum.new
	}
	before, err := snapshot(out)
	if err != nil {
		r.fail("snapshot after the cold crawl: %v", err)
		return r
	}

	// 2. Nothing changed.
	r.unchanged = step("unchanged", "crawl-2-unchanged.log")
	after, err := snapshot(out)
	if err != nil {
		r.fail("snapshot after the unchanged crawl: %v", err)
		return r
	}
	r.unchanged.diff = diffTrees(before, after)

	// 3. One item retitled at its source.
	idx := o.changeIdx
	if idx < 0 || idx >= n {
		idx = n / 2
	}
	title := fmt.Sprintf("Retitled item %d for the scale benchmark", idx)
	if shape == "articles" {
		err = g.RetitleArticle(idx, title)
	} else {
		err = g.RetitleRecording(idx, title)
	}
	if err != nil {
		r.fail("retitle: %v", err)
		return r
	}
	r.changed = step("one-changed", "crawl-3-one-changed.log")
	final, err := snapshot(out)
	if err != nil {
		r.fail("snapshot after the one-changed crawl: %v", err)
		return r
	}
	r.changed.diff = diffTrees(after, final)
	for _, f := range final {
		r.outFiles++
		r.outBytes += f.size
	}

	// 4. serve --no-crawl.
	fmt.Fprintf(stderr, "   serve --no-crawl ...")
	r.serve = probeServe(ctx, o, bin, cfg, db, filepath.Join(dir, "serve.log"))
	fmt.Fprintf(stderr, " /healthz %s, / %s (cpu %s, load %s), RSS %s then %s; search index built after %s, peak RSS %s, RSS %s\n", dur(r.serve.healthz), dur(r.serve.index),
		dur(r.serve.cpu), r.serve.load, mb(r.serve.rssAt), mb(r.serve.rss1s), dur(r.serve.indexed), mb(r.serve.indexHWM), mb(r.serve.rssIndexed))
	if r.serve.err != "" {
		r.fail("serve: %s", r.serve.err)
	}

	// 5. Feeds.
	r.feeds, err = feedsOf(filepath.Join(out, "feeds"))
	if err != nil {
		r.fail("feeds: %v", err)
	}
	if r.feeds.check != "" {
		r.fail("%s", r.feeds.check)
	}
	return r
}

// config is the configuration of a run: every generated host sent to the
// fixture on 127.0.0.1, no delay between requests, Kaltura off.
func config(g *fixture.Generated, addr string, o options) string {
	var b strings.Builder
	b.WriteString("contact: https://example.org/ospofeed-scale-benchmark\n")
	b.WriteString("site:\n  title: ospofeed scale benchmark\n  base_url: https://feeds.example.org\n  author: ospofeed scale benchmark\n")
	fmt.Fprintf(&b, "crawl:\n  parallel_per_host: %d\n  delay_per_host: 0s\n  request_timeout: 60s\n  run_timeout: %s\n  allow_private: true\n  connect_to:\n",
		o.parallel, o.timeout)
	for _, h := range g.Hosts() {
		fmt.Fprintf(&b, "    %s: %q\n", h, addr)
	}
	b.WriteString("kaltura:\n  enabled: false\nsources:\n")
	for _, s := range g.Sources() {
		fmt.Fprintf(&b, "  - id: %s\n    kind: %s\n    name: %q\n    url: %q\n    schedule: \"@every 6h\"\n", s.ID, s.Kind, s.Name, s.URL)
	}
	return b.String()
}

// childEnv is the environment without OSPOFEED_* variables, which would
// override the flags' defaults.
func childEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "OSPOFEED_") })
}

func runCrawl(ctx context.Context, o options, bin string, args []string, logPath string) crawlRun {
	c := crawlRun{ran: true, exit: -1}
	log, err := os.Create(logPath)
	if err != nil {
		return c
	}
	defer log.Close()
	cctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	cmd := exec.CommandContext(cctx, bin, args...)
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = log, log
	cmd.WaitDelay = 5 * time.Second
	c.load = loadavg()
	start := time.Now()
	if err = cmd.Start(); err == nil {
		done, sampled := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(sampled)
			// Peak RSS counts the pages of the database file that bbolt
			// maps and the process has read (page cache the kernel can
			// drop); RssAnon is the process's own memory.
			// The timeline (<log>.rss) shows which phase of the run
			// holds the memory: the crawl, the rendering or the output.
			tl, _ := os.Create(logPath + ".rss")
			if tl != nil {
				defer tl.Close()
				fmt.Fprintln(tl, "# ms since start\tRssAnon MB\tRssFile MB")
			}
			// Every 2 ms for the first 200 ms (a run that short would
			// otherwise be sampled once, before it grew), then every 20.
			t := time.NewTicker(2 * time.Millisecond)
			defer t.Stop()
			var last, lastFile int64 = -1, -1
			for n := 0; ; n++ {
				if n == 100 {
					t.Reset(20 * time.Millisecond)
				}
				anon, file, hwm := rss(cmd.Process.Pid)
				if anon > c.maxAnon {
					c.maxAnon = anon
				}
				if hwm > c.maxRSS {
					c.maxRSS = hwm
				}
				if tl != nil && (abs(anon-last) > 4<<20 || abs(file-lastFile) > 4<<20) {
					fmt.Fprintf(tl, "%d\t%d\t%d\n", time.Since(start).Milliseconds(), anon>>20, file>>20)
					last, lastFile = anon, file
				}
				select {
				case <-done:
					return
				case <-t.C:
				}
			}
		}()
		err = cmd.Wait()
		close(done)
		<-sampled // the sampler's last write to c happens before c is read
	}
	c.wall = time.Since(start)
	if cmd.ProcessState != nil {
		// Peak RSS is the child's own VmHWM, read while it runs, not
		// the rusage of wait4: os/exec starts the child with vfork, and
		// Linux counts in the child's ru_maxrss the resident memory of
		// the mm it replaced at exec, the benchmark's own (with its
		// generated fixtures, hundreds of megabytes at large N).
		c.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		c.sys = cmd.ProcessState.SystemTime()
		c.exit = cmd.ProcessState.ExitCode()
	}
	if cctx.Err() != nil && ctx.Err() == nil {
		fmt.Fprintf(log, "\nscale: killed after the -timeout of %s\n", o.timeout)
		c.exit = -1
	}
	_ = err // the exit status says it
	if b, err := os.ReadFile(logPath); err == nil {
		c.sum = parseSummary(string(b))
	}
	return c
}

// fileState is what a snapshot keeps of one file.
type fileState struct {
	ino   uint64
	mtime time.Time
	size  int64
	hash  [32]byte
}

// treeDiff compares two snapshots of OUT.
type treeDiff struct {
	added, removed, rewritten, content, untouched int
}

// touched is every file written or removed.
func (d treeDiff) touched() int { return d.added + d.removed + d.rewritten }

func diffTrees(before, after map[string]fileState) treeDiff {
	var d treeDiff
	for p, a := range after {
		b, ok := before[p]
		switch {
		case !ok:
			d.added++
		case a.ino != b.ino || !a.mtime.Equal(b.mtime) || a.size != b.size:
			d.rewritten++
			if a.hash != b.hash {
				d.content++
			}
		default:
			d.untouched++
			if a.hash != b.hash { // written in place within the same mtime tick
				d.rewritten++
				d.content++
				d.untouched--
			}
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			d.removed++
		}
	}
	return d
}

// probeServe starts serve --no-crawl on a free loopback port and polls
// /healthz and / every 10 ms until each answers 200.
func probeServe(ctx context.Context, o options, bin, cfg, db, logPath string) (s serveRun) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.err = err.Error()
		return s
	}
	addr := ln.Addr().String()
	ln.Close()
	log, err := os.Create(logPath)
	if err != nil {
		s.err = err.Error()
		return s
	}
	defer log.Close()
	cmd := exec.Command(bin, "serve", "--no-crawl", "--addr", addr, "--config", cfg, "--db", db)
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = log, log
	s.load = loadavg()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		s.err = err.Error()
		return s
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	hwmDone := make(chan int64, 1)
	go func() {
		var peak int64
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			_, _, hwm := rss(cmd.Process.Pid)
			peak = max(peak, hwm)
			select {
			case <-exited:
				hwmDone <- peak
				return
			case <-t.C:
			}
		}
	}()
	defer func() {
		// The serve process is ended here whatever happened: SIGTERM, then
		// SIGKILL after 10 s.
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		// Peak RSS: the VmHWM read last before the end (see runCrawl
		// for why not rusage).
		s.maxRSS = max(<-hwmDone, s.hwm)
	}()

	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		Timeout:   min(o.timeout, time.Minute),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	pctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	type answer struct {
		path string
		took time.Duration
		err  error
	}
	answers := make(chan answer, 2)
	poll := func(path string) {
		for {
			req, _ := http.NewRequestWithContext(pctx, http.MethodGet, "http://"+addr+path, nil)
			resp, err := client.Do(req)
			if err == nil {
				took := time.Since(start)
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					answers <- answer{path, took, nil}
					return
				}
			}
			select {
			case <-exited:
				answers <- answer{path, 0, errors.New("serve exited before answering " + path)}
				return
			case <-pctx.Done():
				answers <- answer{path, 0, fmt.Errorf("no 200 on %s within %s", path, o.timeout)}
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	go poll("/healthz")
	go poll("/")
	var errs []string
	for range 2 {
		a := <-answers
		switch {
		case a.err != nil:
			errs = append(errs, a.err.Error())
		case a.path == "/healthz":
			s.healthz = a.took
		default:
			s.index = a.took
		}
	}
	if len(errs) > 0 {
		s.err = strings.Join(errs, "; ")
		return s
	}
	pid := cmd.Process.Pid
	s.rssAt = procStatus(pid, "VmRSS")[0]
	s.cpu = procCPU(pid)
	select {
	case <-time.After(time.Second):
	case <-exited:
	}
	v := procStatus(pid, "VmRSS", "VmHWM")
	s.rss1s, s.hwm = v[0], v[1]
	// The search index is built in the background after the first start
	// on a database that crawls filled (the crawls above): a one-time cost
	// of its own, measured to its end.
	for {
		if b, err := os.ReadFile(logPath); err == nil && strings.Contains(string(b), "search index rebuilt") {
			s.indexed = time.Since(start)
			v := procStatus(pid, "VmHWM", "VmRSS")
			s.indexHWM, s.rssIndexed = v[0], v[1]
			break
		}
		select {
		case <-exited:
			return s
		case <-pctx.Done():
			return s
		case <-time.After(50 * time.Millisecond):
		}
	}
	return s
}

// serveRun is one `ospofeed serve --no-crawl` start.
type serveRun struct {
	healthz, index time.Duration // process start to the first 200
	rssAt, rss1s   int64         // VmRSS when both answered, and 1 s later
	hwm, maxRSS    int64         // VmHWM 1 s after; peak RSS at exit
	indexed        time.Duration // start to the search index built (0: not seen)
	indexHWM       int64         // VmHWM then
	rssIndexed     int64         // VmRSS then
	cpu            time.Duration // user + system when both answered
	load           string
	err            string
}

// procStatus reads "kB" fields of /proc/PID/status, in bytes, in the order
// asked; 0 for each when the process is gone.
func procStatus(pid int, fields ...string) []int64 {
	out := make([]int64, len(fields))
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return out
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if i := slices.Index(fields, name); ok && i >= 0 {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			out[i] = kb * 1024
		}
	}
	return out
}

// procCPU is a process's user + system time so far, from /proc/PID/stat.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from the last ')'. utime and stime are fields 14 and 15, in clock
	// ticks (USER_HZ, 100 on Linux).
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

// loadavg is the machine's load average over the last minute: other work
// on the machine skews wall times (much more than CPU times).
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	load, _, _ := strings.Cut(string(b), " ")
	return load
}

// rss reads RssAnon, RssFile and VmHWM of a process, in bytes (0 when
// gone).
func rss(pid int) (anon, file, hwm int64) {
	v := procStatus(pid, "RssAnon", "RssFile", "VmHWM")
	return v[0], v[1], v[2]
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
