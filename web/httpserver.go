package web

import (
	"bufio"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// ServerOptions bound what clients can hold of the server.
type ServerOptions struct {
	// MaxConns caps the open connections. At the cap, a new connection
	// closes the longest-idle one (keep-alive or not yet sent a request);
	// when every connection is busy, the new one is closed at once. Zero:
	// DefaultMaxConns().
	MaxConns int
	// IdleTimeout closes a keep-alive connection that sent nothing for
	// this long (default 60s). ReadHeaderTimeout bounds the request head
	// (default 10s); ReadTimeout the whole request (default 30s: ospofeed
	// takes no request bodies); WriteTimeout the response (default 2m,
	// the largest feed to a slow client).
	IdleTimeout, ReadHeaderTimeout, ReadTimeout, WriteTimeout time.Duration
	Log                                                       *slog.Logger
}

// DefaultMaxConns leaves room under the process's open-file limit for the
// database, the crawler and the log: half the soft limit, between 16 and
// 4096 (256 where the limit cannot be read).
func DefaultMaxConns() int {
	n, ok := openFileLimit()
	if !ok || n == 0 {
		return 256
	}
	return int(min(max(n/2, 16), 4096))
}

// NewServer is the http.Server for h with every timeout set, and the
// listener wrapper that enforces MaxConns: serve with
// srv.Serve(limit(ln)).
func NewServer(h http.Handler, o ServerOptions) (srv *http.Server, limit func(net.Listener) net.Listener) {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.IdleTimeout, 60*time.Second)
	def(&o.ReadHeaderTimeout, 10*time.Second)
	def(&o.ReadTimeout, 30*time.Second)
	def(&o.WriteTimeout, 2*time.Minute)
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	g := &connGuard{max: o.MaxConns, conns: map[net.Conn]*connInfo{}, log: o.Log}
	srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.WriteTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    32 << 10,
		ConnState:         g.state,
		ErrorLog:          slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
	}
	return srv, func(ln net.Listener) net.Listener {
		return &guardedListener{Listener: ln, g: g, refusal: make(chan struct{}, 64)}
	}
}

// connGuard tracks every open connection and its state.
type connGuard struct {
	max   int
	log   *slog.Logger
	mu    sync.Mutex
	conns map[net.Conn]*connInfo
	shed  int // connections closed to make room, for the log
}

type connInfo struct {
	state http.ConnState
	since time.Time
}

func (g *connGuard) state(c net.Conn, s http.ConnState) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch s {
	case http.StateClosed, http.StateHijacked:
		delete(g.conns, c)
	default:
		if ci, ok := g.conns[c]; ok {
			ci.state, ci.since = s, time.Now()
		}
	}
}

// admit makes room for c: it closes the longest-waiting connection that is
// not serving a request, or refuses c when all are busy.
func (g *connGuard) admit(c net.Conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.conns) >= g.max {
		var victim net.Conn
		var oldest time.Time
		for vc, ci := range g.conns {
			if ci.state == http.StateActive {
				continue
			}
			if victim == nil || ci.since.Before(oldest) {
				victim, oldest = vc, ci.since
			}
		}
		if victim == nil {
			return false
		}
		delete(g.conns, victim)
		victim.Close()
		if g.shed++; g.shed == 1 || g.shed%1000 == 0 {
			g.log.Warn("connection limit reached: closing idle connections to make room", "max_conns", g.max, "closed_so_far", g.shed)
		}
	}
	g.conns[c] = &connInfo{state: http.StateNew, since: time.Now()}
	return true
}

type guardedListener struct {
	net.Listener
	g       *connGuard
	refusal chan struct{} // bounds the connections being refused at once
}

func (l *guardedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.g.admit(c) {
			return c, nil
		}
		// Every connection is busy serving: refuse this one rather than
		// queue it. A client hears the refusal only as the answer to a
		// request, so read its request line first (for a bounded time, a
		// bounded number at once), then answer 503 and close.
		select {
		case l.refusal <- struct{}{}:
			go func() {
				defer func() { <-l.refusal }()
				c.SetDeadline(time.Now().Add(time.Second))
				bufio.NewReaderSize(c, 4096).ReadSlice('\n')
				c.Write(busyResponse)
				c.Close()
			}()
		default:
			c.Close()
		}
	}
}

var busyResponse = []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 32\r\n\r\ntoo many connections; try later\n")
