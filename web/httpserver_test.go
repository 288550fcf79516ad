package web

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startServer serves h on loopback with the options, and returns its
// address.
func startServer(t *testing.T, h http.Handler, o ServerOptions) (string, *connGuard) {
	t.Helper()
	srv, limit := NewServer(h, o)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lim := limit(ln)
	go srv.Serve(lim)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), lim.(*guardedListener).g
}

// idleClient sends one keep-alive request, reads the answer and goes
// quiet, holding its connection.
func idleClient(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("idle client's request: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return c
}

func (g *connGuard) open() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

// Idle keep-alive clients can neither hold connections forever nor keep
// /healthz from answering: at the cap the longest idle is closed, and the
// idle timeout closes the rest.
func TestIdleClientsCannotExhaustTheServer(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	addr, g := startServer(t, ok, ServerOptions{MaxConns: 20, IdleTimeout: 700 * time.Millisecond})
	var idle []net.Conn
	for range 100 {
		idle = append(idle, idleClient(t, addr))
	}
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	if n := g.open(); n > 20 {
		t.Errorf("%d connections open with MaxConns 20", n)
	}
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz with 100 idle clients: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /healthz with 100 idle clients = %d", resp.StatusCode)
	}
	// The idle timeout closes the connections still open.
	deadline := time.Now().Add(5 * time.Second)
	for g.open() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := g.open(); n != 0 {
		t.Errorf("%d idle connections still open after the idle timeout", n)
	}
	last := idle[len(idle)-1]
	last.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := last.Read(make([]byte, 1)); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Errorf("an idle client's connection is still open after the idle timeout: %v", err)
	}
}

// A client that opens a connection and sends nothing is closed after the
// header timeout, and one that sends its head slowly too.
func TestSilentAndSlowClientsAreClosed(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	addr, _ := startServer(t, ok, ServerOptions{MaxConns: 10, ReadHeaderTimeout: 300 * time.Millisecond})
	for _, head := range []string{"", "GET / HTTP/1.1\r\nHost: x\r\n"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, head)
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, err = io.ReadAll(c)
		c.Close()
		if err != nil {
			t.Errorf("client sending %q: the server kept the connection: %v", head, err)
		}
	}
}

// When every connection is busy serving, a new one is refused with 503 at
// once instead of queueing.
func TestBusyServerRefusesNewConnections(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-release
	})
	addr, _ := startServer(t, slow, ServerOptions{MaxConns: 3})
	defer close(release)
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		<-started
	}
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("GET with every connection busy: %v; want a 503", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("GET with every connection busy = %d (Retry-After %q); want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}
