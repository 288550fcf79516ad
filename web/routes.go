package web

import (
	"net/http"
	"time"
)

// Handler is every endpoint of the server:
//
//	GET /healthz   live JSON health: 200 while the store is readable, else 503
//	GET /metrics   Prometheus text exposition
//	GET /search    full-text search with facets (search.go; 404 without a Searcher)
//	GET /...       every rendered path of the site (see README): pages,
//	               feeds, calendars, OPML, citations; ?t=HH:MM:SS on a
//	               citation file cites a moment of the recording
func Handler(d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", healthz(d))
	mux.Handle("GET /metrics", metrics(d))
	mux.Handle("GET /search", searchPage(d))
	mux.Handle("/", serveSite(d))
	return mux
}
