//go:build unix

package dashboard

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The same over TCP: two connections with tiny buffers send a request and
// never read; a third gets its page.
func TestSlowConnectionsDoNotBlockOthers(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewUnstartedServer(Handler(f.db, func() time.Time { return at }))
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	// The largest page: the one with the timeline and four canaries.
	page := "/targets/" + f.org.ID + ".html"
	for range 2 {
		// The receive buffer is set before connecting, so that the
		// window the client offers is small from the start.
		d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 1024) })
		}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// Many requests, pipelined: their pages together fill any socket
		// buffer.
		fmt.Fprint(c, strings.Repeat("GET "+page+" HTTP/1.1\r\nHost: x\r\n\r\n", 200))
	}
	time.Sleep(200 * time.Millisecond)               // let both reach the server
	client := &http.Client{Timeout: 5 * time.Second} // a hang detector only
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/", nil)
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("a third client waits for two that do not read: %v", err)
	}
	defer res.Body.Close()
	b, err := bufio.NewReader(res.Body).Peek(100)
	if res.StatusCode != 200 || err != nil {
		t.Fatalf("third client: %d %v %q", res.StatusCode, err, b)
	}
}

// smallBuffers gives the server's connections a tiny send buffer, so that
// a client that does not read blocks the server's writes at once.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(1024)
	}
	return c, err
}
