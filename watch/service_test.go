package watch

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/watch/store"
)

// The service's server bounds what a slow or idle client can hold.
func TestServerTimeouts(t *testing.T) {
	s := newServer(http.NotFoundHandler())
	if s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= 0 || s.IdleTimeout <= 0 {
		t.Errorf("timeouts: read header %s, read %s, write %s, idle %s", s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout)
	}
}

// In service mode, two clients that send requests and never read the
// answers do not keep a third from the dashboard.
func TestServeSlowClients(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	s := &Service{Watcher: &Watcher{DB: db, Config: &Config{}, Parallel: 1}, Now: func() time.Time { return now }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, time.Hour, addr) }()
	defer func() {
		cancel()
		<-done
	}()
	get := func() (int, error) {
		c := &http.Client{Timeout: 5 * time.Second} // a hang detector only
		res, err := c.Get("http://" + addr + "/")
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		io.Copy(io.Discard, res.Body)
		return res.StatusCode, nil
	}
	// Wait for the server.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := get(); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.(*net.TCPConn).SetReadBuffer(1024)
		fmt.Fprint(c, strings.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 500))
	}
	time.Sleep(200 * time.Millisecond)
	code, err := get()
	if err != nil || code != 200 {
		t.Fatalf("a third client: %d %v", code, err)
	}
}

// The service's log (stderr under systemd, read in a terminal with
// journalctl) shows an alert channel's hostile error escaped.
func TestServiceLogEscaped(t *testing.T) {
	var b strings.Builder
	s := &Service{Log: &b}
	s.logRound(&Round{Report: &Report{}, Deliveries: []Delivery{{Target: "t", Channel: "log", Error: "\x1b[2J\u202E broken\u009b"}}})
	if strings.ContainsAny(b.String(), "\x1b\u202E\u009b") || !strings.Contains(b.String(), `\x1b[2J\u202E broken\u009B`) {
		t.Errorf("log: %q", b.String())
	}
}
