package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBadConfigurationRefusedBeforeTheDatabase is issue 6: every bad
// setting, in the file, a flag or the environment, exits 2 naming
// file:line: field (or the flag or variable) before the database, or even
// its directory, exists.
//
// The context is cancelled from the start, so that a check that is missing
// makes the test fail on the database it created, never reach a network:
// crawl skips every source, serve runs with --no-crawl and stops at once.
func TestBadConfigurationRefusedBeforeTheDatabase(t *testing.T) {
	const src = "sources:\n  - id: a\n    kind: un-event\n    url: https://www.un.org/a\n"
	serve := []string{"serve", "--addr", "127.0.0.1:0", "--no-crawl"}
	serveWith := func(extra ...string) []string { return append(slices.Clone(serve), extra...) }
	tests := []struct {
		name   string
		config string // written to a file passed with --config; "" for none
		file   string // or an existing file passed with --config
		args   []string
		env    map[string]string
		want   []string // fragments of the error; {config} is the file's path
	}{
		// 5: durations
		{name: "request_timeout 0s", config: "crawl:\n  request_timeout: 0s\n" + src, args: []string{"crawl"},
			want: []string{"{config}:2: crawl.request_timeout: ", "more than 0s"}},
		{name: "max_backoff negative", config: "crawl:\n  max_backoff: -1m\n" + src, args: serve,
			want: []string{"{config}:2: crawl.max_backoff: ", "more than 0s"}},
		{name: "interval 0s", config: src + "    interval: 0s\n", args: []string{"crawl"},
			want: []string{"{config}:5: sources[0].interval: "}},
		{name: "shutdown-timeout negative", args: serveWith("--shutdown-timeout", "-5s"),
			want: []string{"--shutdown-timeout -5s: must be more than 0s"}},
		{name: "shutdown-timeout 0s", args: serveWith("--shutdown-timeout", "0s"),
			want: []string{"--shutdown-timeout 0s: must be more than 0s"}},

		// 6: source URLs
		{name: "metadata address", config: strings.Replace(src, "https://www.un.org/a", "http://169.254.169.254/latest/meta-data/", 1),
			args: []string{"crawl"}, want: []string{"{config}:4: sources[0].url: ", "non-public", "allow_private"}},
		{name: "localhost", config: strings.Replace(src, "https://www.un.org/a", "http://localhost:2375/", 1),
			args: serve, want: []string{"{config}:4: sources[0].url: ", "localhost"}},
		{name: "credentials", config: strings.Replace(src, "https://www.un.org/a", "https://ops:hunter2@www.un.org/a", 1),
			args: []string{"crawl"}, want: []string{"{config}:4: sources[0].url: ", "credentials", "xxxxx"}},
		{name: "kaltura endpoint", config: "kaltura:\n  endpoint: http://[::1]:9000\n" + src, args: []string{"crawl"},
			want: []string{"{config}:2: kaltura.endpoint: ", "non-public"}},

		// 7: connect_to
		{name: "connect_to not an address", config: "crawl:\n  connect_to:\n    www.un.org: 'not an address'\n" + src,
			args: []string{"crawl"}, want: []string{"{config}:3: crawl.connect_to.www.un.org: ", `"not an address"`}},

		// 8: options did nothing
		{name: "options", config: src + "    options: {colour: red}\n", args: []string{"crawl"},
			want: []string{"{config}:5: sources[0].options: ", "unknown field"}},

		// 9: numbers
		{name: "max_body_bytes 10 GB", config: "crawl:\n  max_body_bytes: 10_000_000_000\n" + src, args: []string{"crawl"},
			want: []string{"{config}:2: crawl.max_body_bytes: ", "must be between 1024 and 1073741824"}},
		{name: "parallel_per_host 1000", config: "crawl:\n  parallel_per_host: 1000\n" + src, args: serve,
			want: []string{"{config}:2: crawl.parallel_per_host: ", "must be between 1 and 64"}},

		// 10: bytes
		{name: "invalid UTF-8", config: src + "    name: Caf\xe9\n", args: []string{"crawl"},
			want: []string{"{config}:5: ", "invalid UTF-8"}},
		{name: "NUL", config: src + "    name: \x00\n", args: []string{"crawl"},
			want: []string{"{config}:5: ", "NUL byte"}},
		{name: "endless file", file: "/dev/zero", args: []string{"crawl"},
			want: []string{"{config}: ", "a configuration is at most 1048576 bytes"}},
		{name: "too deep", config: "sources: " + strings.Repeat("[", 10001) + "\n", args: []string{"crawl"},
			want: []string{"{config}:1: ", "exceeded max depth"}},

		// 11: listen address
		{name: "OSPOFEED_ADDR garbage", args: []string{"serve", "--no-crawl"}, env: map[string]string{"OSPOFEED_ADDR": "garbage"},
			want: []string{`OSPOFEED_ADDR "garbage"`, "missing port"}},
		{name: "--addr garbage", args: []string{"serve", "--no-crawl", "--addr", "garbage"}, env: map[string]string{"OSPOFEED_ADDR": ":8080"},
			want: []string{`--addr "garbage"`}},
		{name: "--addr port out of range", args: []string{"serve", "--no-crawl", "--addr", ":99999"},
			want: []string{`--addr ":99999"`, "from 0 to 65535"}},

		// 12: base URL
		{name: "--base-url javascript", args: []string{"crawl", "--base-url", "javascript:alert(document.domain)//"},
			want: []string{"--base-url: ", "scheme must be https or http"}},
		{name: "OSPOFEED_BASE_URL javascript", args: serve, env: map[string]string{"OSPOFEED_BASE_URL": "javascript:alert(document.domain)//"},
			want: []string{"OSPOFEED_BASE_URL: ", "scheme must be https or http"}},
		{name: "--base-url with a query", args: serveWith("--base-url", "https://feeds.example.org/?utm=x"),
			want: []string{"--base-url: ", "no query"}},
		{name: "site.base_url javascript", config: "site:\n  base_url: javascript:alert(document.domain)//\n" + src, args: []string{"crawl"},
			want: []string{"{config}:2: site.base_url: ", "scheme must be https or http"}},

		// and what was already refused stays refused
		{name: "--log-level from the environment", args: []string{"crawl"}, env: map[string]string{"OSPOFEED_LOG_LEVEL": "loud"},
			want: []string{`OSPOFEED_LOG_LEVEL "loud"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "data", "ospofeed.db")
			args := append([]string{"ospofeed"}, tt.args...)
			args = append(args, "--db", db)
			cfgPath := filepath.Join(dir, "ospofeed.yaml")
			switch {
			case tt.config != "":
				if err := os.WriteFile(cfgPath, []byte(tt.config), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--config", cfgPath)
			case tt.file != "":
				if _, err := os.Stat(tt.file); err != nil {
					t.Skip(err)
				}
				cfgPath = tt.file
				args = append(args, "--config", cfgPath)
			}
			getenv := func(k string) string { return tt.env[k] }
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var stdout, stderr bytes.Buffer
			err := run(ctx, args, getenv, &stdout, &stderr)
			if code := exitCode(err); code != exitUsage {
				t.Errorf("run(%q) = %v (exit %d); want exit %d", args[1:], err, code, exitUsage)
			}
			for _, w := range tt.want {
				w = strings.ReplaceAll(w, "{config}", cfgPath)
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("run(%q) error = %v; want it to contain %q", args[1:], err, w)
				}
			}
			if _, err := os.Stat(filepath.Dir(db)); !os.IsNotExist(err) {
				t.Errorf("run(%q) created %s (stat: %v); a refused configuration must not touch the database", args[1:], filepath.Dir(db), err)
			}
		})
	}
}
