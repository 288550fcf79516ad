package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// browser is a headless Chromium driven over the Chrome DevTools Protocol
// on a pipe (--remote-debugging-pipe: commands on its fd 3, answers on its
// fd 4, each message a JSON object ended by a NUL byte): what puppeteer
// does, with the standard library only. Tests use it to run scripts in
// pages (axe-core, layout checks), click, and take screenshots.
type browser struct {
	t   testing.TB
	cmd *exec.Cmd
	w   *os.File

	mu       sync.Mutex
	next     int
	pending  map[int]chan cdpMessage
	watchers []func(cdpMessage)
	err      error // the pipe's read error, once it broke
	done     chan struct{}
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *cdpError       `json:"error,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
}

type cdpError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// startBrowser starts Chromium with extra flags (host resolver rules, …);
// it is closed when the test ends.
func startBrowser(t testing.TB, bin string, flags ...string) *browser {
	t.Helper()
	toChrome, ourW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	ourR, fromChrome, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
		"--disable-extensions", "--mute-audio", "--hide-scrollbars",
		"--remote-debugging-pipe", "--user-data-dir=" + t.TempDir()}, flags...)
	cmd := exec.Command(bin, append(args, "about:blank")...)
	cmd.ExtraFiles = []*os.File{toChrome, fromChrome} // fds 3 and 4
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	toChrome.Close()
	fromChrome.Close()
	b := &browser{t: t, cmd: cmd, w: ourW, pending: map[int]chan cdpMessage{}, done: make(chan struct{})}
	go b.read(ourR)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		b.call(ctx, "", "Browser.close", nil, nil)
		cancel()
		ourW.Close()
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		ourR.Close()
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("chromium's stderr:\n%s", tail(stderr.String(), 3000))
		}
	})
	return b
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func (b *browser) read(r *os.File) {
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			b.err = fmt.Errorf("chromium's DevTools pipe: %w", err)
			for id, ch := range b.pending {
				close(ch)
				delete(b.pending, id)
			}
			b.mu.Unlock()
			close(b.done)
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch, ok := b.pending[m.ID]; ok {
				ch <- m
				delete(b.pending, m.ID)
			}
			b.mu.Unlock()
			continue
		}
		ws := slices.Clone(b.watchers)
		b.mu.Unlock()
		for _, w := range ws {
			w(m)
		}
	}
}

// watch calls fn with every event (a message without an id) from now on.
func (b *browser) watch(fn func(cdpMessage)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.watchers = append(b.watchers, fn)
}

// call sends a command (to the browser with session "", else to a page's
// session) and decodes its result into result (when not nil).
func (b *browser) call(ctx context.Context, session, method string, params, result any) error {
	b.mu.Lock()
	if b.err != nil {
		b.mu.Unlock()
		return b.err
	}
	b.next++
	id := b.next
	ch := make(chan cdpMessage, 1)
	b.pending[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	b.mu.Lock()
	_, err = b.w.Write(append(raw, 0))
	b.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return fmt.Errorf("%s: %w", method, b.err)
		}
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-ctx.Done():
		b.mu.Lock()
		delete(b.pending, id)
		b.mu.Unlock()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// tab is one page of the browser, with its own viewport.
type tab struct {
	b       *browser
	t       testing.TB
	session string
	target  string

	mu       sync.Mutex
	loaded   chan struct{}
	requests []cdpRequest
	errors   []string // uncaught exceptions and console errors
}

// cdpRequest is one request a page made.
type cdpRequest struct {
	URL, Type string
}

// newTab opens a page of width×height CSS pixels; mobile emulates a
// phone (the viewport meta tag applies, touch events).
func (b *browser) newTab(ctx context.Context, width, height int, mobile bool) *tab {
	b.t.Helper()
	var created struct {
		TargetID string `json:"targetId"`
	}
	if err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &created); err != nil {
		b.t.Fatal(err)
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": created.TargetID, "flatten": true}, &attached); err != nil {
		b.t.Fatal(err)
	}
	tb := &tab{b: b, t: b.t, session: attached.SessionID, target: created.TargetID}
	b.watch(func(m cdpMessage) {
		if m.SessionID != tb.session {
			return
		}
		switch m.Method {
		case "Page.loadEventFired":
			tb.mu.Lock()
			if tb.loaded != nil {
				close(tb.loaded)
				tb.loaded = nil
			}
			tb.mu.Unlock()
		case "Network.requestWillBeSent":
			var p struct {
				Request struct{ URL string } `json:"request"`
				Type    string               `json:"type"`
			}
			json.Unmarshal(m.Params, &p)
			tb.mu.Lock()
			tb.requests = append(tb.requests, cdpRequest{URL: p.Request.URL, Type: p.Type})
			tb.mu.Unlock()
		case "Runtime.exceptionThrown":
			tb.mu.Lock()
			tb.errors = append(tb.errors, "exception: "+string(m.Params))
			tb.mu.Unlock()
		case "Runtime.consoleAPICalled":
			var p struct {
				Type string            `json:"type"`
				Args []json.RawMessage `json:"args"`
			}
			json.Unmarshal(m.Params, &p)
			if p.Type == "error" {
				tb.mu.Lock()
				tb.errors = append(tb.errors, "console.error: "+string(m.Params))
				tb.mu.Unlock()
			}
		}
	})
	for _, c := range []struct {
		method string
		params any
	}{
		{"Page.enable", nil},
		{"Runtime.enable", nil},
		{"Network.enable", nil},
		{"Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}},
	} {
		if err := b.call(ctx, tb.session, c.method, c.params, nil); err != nil {
			b.t.Fatal(err)
		}
	}
	if mobile {
		if err := b.call(ctx, tb.session, "Emulation.setTouchEmulationEnabled", map[string]any{"enabled": true, "maxTouchPoints": 5}, nil); err != nil {
			b.t.Fatal(err)
		}
	}
	return tb
}

// close closes the page.
func (tb *tab) close(ctx context.Context) {
	tb.b.call(ctx, "", "Target.closeTarget", map[string]any{"targetId": tb.target}, nil)
}

// navigate loads a URL and waits for its load event.
func (tb *tab) navigate(ctx context.Context, u string) error {
	ch := make(chan struct{})
	tb.mu.Lock()
	tb.loaded = ch
	tb.requests, tb.errors = nil, nil
	tb.mu.Unlock()
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := tb.b.call(ctx, tb.session, "Page.navigate", map[string]any{"url": u}, &nav); err != nil {
		return err
	}
	if nav.ErrorText != "" {
		return fmt.Errorf("navigate %s: %s", u, nav.ErrorText)
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("navigate %s: no load event: %w", u, ctx.Err())
	}
}

// eval runs a JavaScript expression in the page (awaiting a promise) and
// decodes its value into result (when not nil).
func (tb *tab) eval(ctx context.Context, expr string, result any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := tb.b.call(ctx, tb.session, "Runtime.evaluate", map[string]any{
		"expression": expr, "awaitPromise": true, "returnByValue": true,
	}, &r); err != nil {
		return err
	}
	if e := r.ExceptionDetails; e != nil {
		return errors.New(strings.TrimSpace(e.Text + " " + e.Exception.Description))
	}
	if result != nil && len(r.Result.Value) > 0 {
		return json.Unmarshal(r.Result.Value, result)
	}
	return nil
}

// screenshot captures the whole page, not only the viewport, as PNG.
func (tb *tab) screenshot(ctx context.Context) ([]byte, error) {
	var metrics struct {
		Content struct{ Width, Height float64 } `json:"cssContentSize"`
	}
	if err := tb.b.call(ctx, tb.session, "Page.getLayoutMetrics", nil, &metrics); err != nil {
		return nil, err
	}
	var shot struct {
		Data string `json:"data"`
	}
	if err := tb.b.call(ctx, tb.session, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": metrics.Content.Width, "height": metrics.Content.Height, "scale": 1}}, &shot); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(shot.Data)
}

// seen returns the requests the page made since it was last navigated.
func (tb *tab) seen() []cdpRequest {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return slices.Clone(tb.requests)
}

// pageErrors returns the page's uncaught exceptions and console errors.
func (tb *tab) pageErrors() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return slices.Clone(tb.errors)
}
