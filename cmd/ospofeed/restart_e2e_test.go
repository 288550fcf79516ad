package main

import (
	"strings"
	"testing"
)

// The rendered site lives in the database: a restarted serve answers with
// the same bytes, ETag and Last-Modified, without rendering anything.
func TestRestartServesTheSameBytes(t *testing.T) {
	_, cfg, db := crawlFixture(t)
	paths := []string{"/", "/feeds/all.atom", "/recordings/k1ma4k9rff/", "/calendar.ics"}
	type seen struct{ etag, modified, body string }
	read := func() map[string]seen {
		s := startServe(t, "--config", cfg, "--db", db, "--no-crawl", "--admin-addr", "off")
		out := map[string]seen{}
		for _, p := range paths {
			resp, body := get(t, s.base+p)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s = %d", p, resp.StatusCode)
			}
			out[p] = seen{resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"), string(body)}
		}
		s.stop(t)
		if strings.Contains(s.stderr.String(), "msg=rendered") {
			t.Errorf("serve rendered on a start with nothing to catch up:\n%s", s.stderr.String())
		}
		return out
	}
	first, second := read(), read()
	for _, p := range paths {
		if first[p] != second[p] {
			t.Errorf("GET %s after a restart: ETag %s -> %s, Last-Modified %s -> %s, bytes equal %v",
				p, first[p].etag, second[p].etag, first[p].modified, second[p].modified, first[p].body == second[p].body)
		}
	}
}
