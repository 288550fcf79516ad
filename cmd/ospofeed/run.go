package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/ospofeed/ospofeed/config"
	"github.com/ospofeed/ospofeed/scraper"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailed  = 1 // a source failed, or the program could not do its work
	exitUsage   = 2 // bad arguments or configuration
	usageHeader = `usage: ospofeed <command> [flags]

commands:
  serve            serve the site and feeds over HTTP and crawl on each source's schedule
  crawl            crawl once and exit (0: every source ok, 1: a source failed, 2: usage or config)
  sources          list the configured sources with their health (asks a running serve's admin API)
  backup           write a consistent copy of the database (asks a running serve's admin API)
  config default   print the embedded default configuration
  compact          rewrite the database without its free pages (stop serve first)
  healthcheck      exit 0 when a running serve answers /healthz (the container's HEALTHCHECK)
  version          print the version

Run "ospofeed <command> -h" for the flags of a command.
`
)

// usageError is a mistake in the command line or the configuration.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// crawlFailed means at least one source failed; the summary said which.
var errCrawlFailed = errors.New("at least one source failed")

func exitCode(err error) int {
	var u usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &u):
		return exitUsage
	}
	return exitFailed
}

// env is the process environment, passed in so that tests can run the
// program in-process.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) < 2 {
		fmt.Fprint(stderr, usageHeader)
		return usageError{errors.New("no command given")}
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, e, rest)
	case "crawl":
		return cmdCrawl(ctx, e, rest)
	case "sources":
		return cmdSources(ctx, e, rest)
	case "backup":
		return cmdBackup(ctx, e, rest)
	case "config":
		if len(rest) != 1 || rest[0] != "default" {
			return usageError{errors.New(`usage: ospofeed config default`)}
		}
		_, err := stdout.Write(config.Default())
		return err
	case "compact":
		return cmdCompact(ctx, e, rest)
	case "healthcheck":
		return cmdHealthcheck(ctx, e, rest)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "ospofeed %s\n", buildVersion())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usageHeader)
		return nil
	}
	fmt.Fprint(stderr, usageHeader)
	return usageError{fmt.Errorf("unknown command %q", cmd)}
}

// common are the flags every command that opens the database shares.
type common struct {
	configFile string
	db         string
	baseURL    string
	logLevel   string
	logFormat  string

	fs     *flag.FlagSet
	getenv func(string) string
}

func (c *common) register(fs *flag.FlagSet, e env, defaultLevel string) {
	c.fs, c.getenv = fs, e.getenv
	fs.StringVar(&c.configFile, "config", e.getenv("OSPOFEED_CONFIG"), "YAML configuration `file` replacing the embedded default (env OSPOFEED_CONFIG)")
	fs.StringVar(&c.db, "db", or(e.getenv("OSPOFEED_DB"), "./data/ospofeed.db"), "database `file` (env OSPOFEED_DB)")
	fs.StringVar(&c.baseURL, "base-url", e.getenv("OSPOFEED_BASE_URL"), "public base `URL` of the site, overriding site.base_url (env OSPOFEED_BASE_URL)")
	fs.StringVar(&c.logLevel, "log-level", or(e.getenv("OSPOFEED_LOG_LEVEL"), defaultLevel), "debug, info, warn or error (env OSPOFEED_LOG_LEVEL)")
	fs.StringVar(&c.logFormat, "log-format", or(e.getenv("OSPOFEED_LOG_FORMAT"), "text"), "text or json (env OSPOFEED_LOG_FORMAT)")
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// parse parses a command's flags; -h prints the usage and is not an error.
func parse(fs *flag.FlagSet, e env, args []string) error {
	fs.SetOutput(e.stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

var errHelp = errors.New("help")

// origin names where a flag's value came from, for error messages: the
// flag when it was given, else its environment variable when that is set.
func origin(fs *flag.FlagSet, getenv func(string) string, name, envVar string) string {
	if fs == nil || getenv == nil {
		return "--" + name
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	if !given && getenv(envVar) != "" {
		return envVar
	}
	return "--" + name
}

// loadConfig reads the configuration file, or the embedded default.
func (c *common) loadConfig() (*config.Config, error) {
	// The flag is checked as site.base_url is, and first: it wins over it.
	if c.baseURL != "" {
		if err := config.CheckBaseURL(c.baseURL); err != nil {
			return nil, usageError{fmt.Errorf("%s: %w", origin(c.fs, c.getenv, "base-url", "OSPOFEED_BASE_URL"), err)}
		}
	}
	var cfg *config.Config
	var err error
	if c.configFile == "" {
		cfg, err = config.LoadDefault(scraper.Kinds())
	} else {
		data, rerr := readConfig(c.configFile)
		if rerr != nil {
			return nil, usageError{fmt.Errorf("config: %w", rerr)}
		}
		cfg, err = config.Parse(c.configFile, data, scraper.Kinds())
	}
	if err != nil {
		return nil, usageError{err}
	}
	if c.baseURL != "" {
		cfg.Site.BaseURL = strings.TrimRight(c.baseURL, "/")
	}
	return cfg, nil
}

// readConfig reads a configuration file, or enough of it for Parse to
// say it is too large: --config /dev/zero must not fill the memory.
func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, config.MaxBytes+1))
}

func (c *common) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, usageError{fmt.Errorf("%s %q: want debug, info, warn or error", origin(c.fs, c.getenv, "log-level", "OSPOFEED_LOG_LEVEL"), c.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError{fmt.Errorf("%s %q: want text or json", origin(c.fs, c.getenv, "log-format", "OSPOFEED_LOG_FORMAT"), c.logFormat)}
}
