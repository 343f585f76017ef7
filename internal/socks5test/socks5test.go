// Package socks5test is a SOCKS5 proxy for tests (RFC 1928: CONNECT, no
// authentication) that routes targets as the test says and records what
// it was asked for, as the one proxy of every test that checks which
// requests went through --proxy (fetch's tests and cmd/canary's).
//
// It routes names through the test's table, as Tor routes .onion names: a
// name that only the proxy knows proves that the name was resolved there,
// not by the client. It notes the local address of every connection it
// makes on a client's behalf, so that a test server can tell those from
// direct connections (Proxy.Made).
package socks5test

import (
	"encoding/binary"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// A Proxy is a running SOCKS5 proxy, closed when its test ends.
type Proxy struct {
	ln   net.Listener
	mute bool

	mu       sync.Mutex
	fixed    map[string]string
	route    func(target string) string
	asked    []string // the targets asked for, as the client sent them
	atyp     []byte   // their address types: 3 a name, 1 and 4 addresses
	upstream []string // local addresses of the connections made for clients
}

// Start starts a proxy that connects a target ("host:port", a name as the
// client sent it) to route(target); "" refuses it as unreachable. route
// may be nil: then only the targets given to Route are reachable.
func Start(t testing.TB, route func(target string) string) *Proxy {
	t.Helper()
	return start(t, route, false)
}

// StartMute starts a proxy that accepts connections and never answers,
// like a stuck proxy.
func StartMute(t testing.TB) *Proxy {
	t.Helper()
	return start(t, nil, true)
}

// Table routes the targets in routes ("host:port" → real address) and
// refuses the rest.
func Table(routes map[string]string) func(string) string {
	return func(target string) string { return routes[target] }
}

func start(t testing.TB, route func(string) string, mute bool) *Proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, mute: mute, route: route, fixed: map[string]string{}}
	var wg sync.WaitGroup
	var connsMu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		connsMu.Lock()
		for _, c := range conns {
			c.Close()
		}
		connsMu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			connsMu.Lock()
			conns = append(conns, c)
			connsMu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.serve(c)
			}()
		}
	}()
	return p
}

// URL is the proxy as --proxy takes it.
func (p *Proxy) URL() string { return "socks5://" + p.ln.Addr().String() }

// Route connects target to addr from now on, before the route given to
// Start is asked.
func (p *Proxy) Route(target, addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fixed[target] = addr
}

// Asked lists the targets the proxy was asked for, in order.
func (p *Proxy) Asked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.asked)
}

// AddrTypes lists the address types of Asked's targets: 3 for a name the
// proxy resolved, 1 or 4 for an address the client resolved.
func (p *Proxy) AddrTypes() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.atyp)
}

// Made says whether the proxy made the connection whose remote address a
// server saw as peer.
func (p *Proxy) Made(peer string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.upstream, peer)
}

func (p *Proxy) lookup(target string, atyp byte) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, target)
	p.atyp = append(p.atyp, atyp)
	if addr, ok := p.fixed[target]; ok {
		return addr
	}
	if p.route == nil {
		return ""
	}
	return p.route(target)
}

func (p *Proxy) serve(c net.Conn) {
	defer c.Close()
	if p.mute {
		io.Copy(io.Discard, c)
		return
	}
	// Greeting: VER NMETHODS METHODS...; the answer is "no authentication".
	var hdr [2]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil || hdr[0] != 5 {
		return
	}
	if _, err := io.ReadFull(c, make([]byte, hdr[1])); err != nil {
		return
	}
	c.Write([]byte{5, 0})
	// Request: VER CMD RSV ATYP DST.ADDR DST.PORT; only CONNECT.
	var req [4]byte
	if _, err := io.ReadFull(c, req[:]); err != nil || req[1] != 1 {
		return
	}
	var host string
	switch req[3] {
	case 1, 4:
		ip := make([]byte, map[byte]int{1: 4, 4: 16}[req[3]])
		if _, err := io.ReadFull(c, ip); err != nil {
			return
		}
		host = net.IP(ip).String()
	case 3:
		var n [1]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return
		}
		name := make([]byte, n[0])
		if _, err := io.ReadFull(c, name); err != nil {
			return
		}
		host = string(name)
	default:
		return
	}
	var port [2]byte
	if _, err := io.ReadFull(c, port[:]); err != nil {
		return
	}
	target := net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(port[:]))))
	addr := p.lookup(target, req[3])
	if addr == "" {
		c.Write([]byte{5, 4, 0, 1, 0, 0, 0, 0, 0, 0}) // host unreachable
		return
	}
	up, err := net.Dial("tcp", addr)
	if err != nil {
		c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0}) // connection refused
		return
	}
	defer up.Close()
	p.mu.Lock()
	p.upstream = append(p.upstream, up.LocalAddr().String())
	p.mu.Unlock()
	c.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0})
	done := make(chan struct{})
	go func() {
		io.Copy(up, c)
		up.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	io.Copy(c, up)
	c.Close()
	<-done
}
