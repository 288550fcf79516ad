package main

// The admin API lets `ospofeed sources` and `ospofeed backup` work while
// `serve` holds the database (bbolt's lock keeps every other process out,
// read-only ones included): they ask serve over HTTP instead. It listens on
// its own address, never the public one:
//
//	GET  /admin/sources   the sources and their health, as JSON
//	POST /admin/backup    a consistent copy of the database, streamed
//
// By default it listens on 127.0.0.1:8081 only. A non-loopback address
// needs a token (OSPOFEED_ADMIN_TOKEN), sent as "Authorization: Bearer
// <token>"; with a token set, every request needs it, loopback or not.
// Without a token, requests must name a loopback host, so that a web page
// cannot reach the API through DNS rebinding.

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ospofeed/ospofeed"
	"github.com/ospofeed/ospofeed/config"
	"github.com/ospofeed/ospofeed/store"
	"github.com/ospofeed/ospofeed/web"
)

const (
	defaultAdminAddr = "127.0.0.1:8081"
	// minAdminToken is the shortest token accepted: a token guards a copy
	// of the whole database.
	minAdminToken = 16
	// headerDatabase carries the identity of the database file serve has
	// open (device and inode), so that a command asking the admin API can
	// tell it reached the serve that holds its own --db, not another one.
	headerDatabase = "Ospofeed-Database"
)

// adminFlag registers --admin-addr on a command: for serve, where the
// admin API listens; for the others, where they ask it.
func adminFlag(fs *flag.FlagSet, e env, serving bool) *string {
	usage := "admin API `address` of the serve that holds the database, asked when it is in use (\"\" or off: never; env OSPOFEED_ADMIN_ADDR; token: env OSPOFEED_ADMIN_TOKEN)"
	if serving {
		usage = "admin API listen `address`, loopback unless env OSPOFEED_ADMIN_TOKEN is set (\"\" or off: none; env OSPOFEED_ADMIN_ADDR)"
	}
	return fs.String("admin-addr", or(e.getenv("OSPOFEED_ADMIN_ADDR"), defaultAdminAddr), usage)
}

func adminOff(addr string) bool { return addr == "" || addr == "off" }

// checkAdminAddr refuses an admin address that cannot be listened on, or
// that reaches beyond this machine without a token.
func checkAdminAddr(addr, token string) error {
	if adminOff(addr) {
		return nil
	}
	if err := config.CheckListenAddr(addr); err != nil {
		return err
	}
	if token != "" && len(token) < minAdminToken {
		return fmt.Errorf("OSPOFEED_ADMIN_TOKEN is %d characters; use at least %d (e.g. openssl rand -hex 32)", len(token), minAdminToken)
	}
	host, _, _ := net.SplitHostPort(addr)
	if !loopbackHost(host) && token == "" {
		return errors.New("not a loopback address: the admin API hands out the whole database, so set OSPOFEED_ADMIN_TOKEN to listen beyond this machine")
	}
	return nil
}

// loopbackHost reports whether host is localhost or a loopback IP address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// adminServer is the admin API of a running serve.
type adminServer struct {
	a     *app
	sched *scheduler
	token string
	dbID  string
	srv   *http.Server
	// stop ends the requests in progress (a backup being streamed) when
	// serve shuts down: the database cannot close under a reader.
	stop context.CancelFunc
	once sync.Once
}

// startAdmin listens on addr and serves the admin API until shutdown.
func startAdmin(a *app, sched *scheduler, addr, token, dbPath string) (*adminServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve: admin API: listen on %s: %w", addr, err)
	}
	s := &adminServer{a: a, sched: sched, token: token, dbID: fileID(dbPath)}
	// A backup of a large database to a slow disk takes a while: the write
	// timeout is generous; the other timeouts are the public server's.
	srv, limit := web.NewServer(s.handler(), web.ServerOptions{Log: a.log, MaxConns: 16, WriteTimeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	srv.BaseContext = func(net.Listener) context.Context { return ctx }
	s.srv, s.stop = srv, cancel
	go func() {
		if err := srv.Serve(limit(ln)); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("admin API stopped", "error", err)
		}
	}()
	a.log.Info("admin API listening", "addr", ln.Addr().String(), "token", token != "")
	return s, nil
}

// shutdown stops the admin API: requests in progress are cancelled.
func (s *adminServer) shutdown(ctx context.Context) {
	if s == nil {
		return
	}
	s.once.Do(func() {
		s.stop()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.srv.Close()
		}
	})
}

func (s *adminServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /admin/sources", s.sources())
	mux.Handle("POST /admin/backup", s.backup())
	return s.guard(mux)
}

// guard lets through only the requests the API is for: with a token, those
// that carry it; without, those addressed to a loopback host.
func (s *adminServer) guard(next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(s.token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if s.token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			// Hashes of equal length: the comparison's time tells nothing,
			// the token's length included.
			sum := sha256.Sum256([]byte(got))
			if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="ospofeed admin"`)
				http.Error(w, "a valid admin token is needed (Authorization: Bearer $OSPOFEED_ADMIN_TOKEN)", http.StatusUnauthorized)
				return
			}
		} else {
			host := r.Host
			if h, _, err := net.SplitHostPort(r.Host); err == nil {
				host = h
			}
			if !loopbackHost(strings.Trim(host, "[]")) {
				http.Error(w, "the admin API answers requests to a loopback address only", http.StatusForbidden)
				return
			}
		}
		if s.dbID != "" {
			w.Header().Set(headerDatabase, s.dbID)
		}
		next.ServeHTTP(w, r)
	})
}

// sourceRow is one source as `ospofeed sources` shows it, and as
// GET /admin/sources sends it.
type sourceRow struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Schedule    string    `json:"schedule"`
	Status      string    `json:"status"`
	StatusSince time.Time `json:"status_since,omitzero"`
	LastCrawl   time.Time `json:"last_crawl,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	Items       int       `json:"items"`
	Failures    int       `json:"consecutive_failures,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	NextCrawl   time.Time `json:"next_crawl,omitzero"`
}

// adminSources is the body of GET /admin/sources.
type adminSources struct {
	Version string      `json:"version"`
	DB      string      `json:"db"`
	Sources []sourceRow `json:"sources"`
}

// sourceRows joins the configured sources with their stored states.
func sourceRows(srcs []ospofeed.Source, states map[string]ospofeed.SourceState) []sourceRow {
	rows := make([]sourceRow, 0, len(srcs))
	for _, src := range srcs {
		st, ok := states[src.ID]
		if !ok || st.Status == "" {
			st.Status = ospofeed.StatusNew
		}
		rows = append(rows, sourceRow{ID: src.ID, Kind: src.Kind, Schedule: src.Schedule, Status: string(st.Status),
			StatusSince: st.StatusSince, LastCrawl: st.LastCrawl, LastSuccess: st.LastSuccess, Items: st.Items,
			Failures: st.Failures, LastError: st.LastError, Reason: st.Reason})
	}
	return rows
}

func (s *adminServer) sources() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		states, err := s.a.db.SourceStates()
		if err != nil {
			s.a.log.Error("admin API: reading source states", "error", err)
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		rows := sourceRows(s.a.cfg.Sources, states)
		for i := range rows {
			rows[i].NextCrawl = s.sched.nextOf(rows[i].ID)
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(adminSources{Version: buildVersion(), DB: s.a.db.Path(), Sources: rows})
	})
}

func (s *adminServer) backup() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		name := store.SnapshotName(s.a.now())
		sent := false
		// The length is the transaction's: a client that gets fewer bytes
		// knows its copy was cut short.
		n, err := s.a.db.BackupSized(store.ContextWriter(r.Context(), w), func(size int64) error {
			h := w.Header()
			h.Set("Content-Type", "application/octet-stream")
			h.Set("Content-Length", strconv.FormatInt(size, 10))
			h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
			w.WriteHeader(http.StatusOK)
			sent = true
			return nil
		})
		if err != nil && !sent {
			s.a.log.Error("admin API: backup failed", "error", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if err != nil {
			// The status is sent: cutting the response short is all that
			// is left, and the client sees it as one.
			s.a.log.Error("admin API: backup failed", "bytes", n, "error", err)
			panic(http.ErrAbortHandler)
		}
		s.a.log.Info("admin API: backup sent", "bytes", n, "remote", r.RemoteAddr, "duration", time.Since(start).Round(time.Millisecond))
	})
}

// adminClient asks a running serve's admin API.
type adminClient struct {
	base  string // http://host:port
	token string
	dbID  string // the identity of the database the command was given
	http  *http.Client
}

func newAdminClient(addr, token, dbPath string) (*adminClient, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usageError{fmt.Errorf("--admin-addr %q: %w", addr, err)}
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	// No proxy: the admin API is reached directly, and the token never
	// goes through a proxy configured for the crawler.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	return &adminClient{base: "http://" + net.JoinHostPort(host, port), token: token, dbID: fileID(dbPath),
		http: &http.Client{Transport: tr}}, nil
}

// do sends a request and checks that it reached the serve that holds the
// command's database.
func (c *adminClient) do(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin API at %s: %w", c.base, err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		return nil, fmt.Errorf("admin API at %s: %s %s: %s: %s", c.base, method, path, resp.Status, strings.TrimSpace(string(body)))
	}
	if got := resp.Header.Get(headerDatabase); c.dbID != "" && got != "" && got != c.dbID {
		resp.Body.Close()
		return nil, fmt.Errorf("admin API at %s: that serve uses another database file than --db; is --admin-addr (or --db) right?", c.base)
	}
	return resp, nil
}

// sources fetches GET /admin/sources.
func (c *adminClient) sources(ctx context.Context) (adminSources, error) {
	var out adminSources
	resp, err := c.do(ctx, http.MethodGet, "/admin/sources")
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&out); err != nil {
		return out, fmt.Errorf("admin API at %s: sources: %w", c.base, err)
	}
	return out, nil
}

// inUse explains, after asking the admin API failed, why the command could
// not do its work: the database is locked and serve could not be asked.
func inUse(openErr error, addr string, askErr error) error {
	if adminOff(addr) {
		return fmt.Errorf("%w (the admin API is off: set --admin-addr to the address serve's admin API listens on)", openErr)
	}
	return fmt.Errorf("%w; asking the serve that holds it failed too: %w", openErr, askErr)
}
