package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// smtpServerCmd, "smtpsrv [-refuse ADDR]... [-queue ID] NAME", is a small
// SMTP server on 127.0.0.1 (no TLS, no AUTH: a relay on this machine)
// that refuses RCPT TO for each -refuse ADDR and answers DATA with
// "queued as ID". $NAME is its host:port; each message accepted is
// appended to $WORK/NAME.log as "to=A,B" and its text.
func smtpServerCmd(ts *testscript.TestScript, neg bool, args []string) {
	refuse := map[string]bool{}
	queue := ""
	for len(args) > 1 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-refuse":
			refuse[args[1]] = true
		case "-queue":
			queue = args[1]
		default:
			ts.Fatalf("smtpsrv: unknown flag %s", args[0])
		}
		args = args[2:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: smtpsrv [-refuse ADDR]... [-queue ID] NAME")
	}
	log := ts.MkAbs(args[0] + ".log")
	var mu sync.Mutex
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Defer(func() { ln.Close() })
	serve := func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		say := func(l string) { io.WriteString(c, l+"\r\n") }
		var to []string
		say("220 test ESMTP")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			switch strings.ToUpper(strings.Fields(line + " x")[0]) {
			case "EHLO", "HELO":
				say("250 test")
			case "MAIL":
				to = nil
				say("250 2.1.0 Ok")
			case "RCPT":
				a := strings.Trim(strings.TrimPrefix(line, "RCPT TO:"), "<>")
				if refuse[a] {
					say("550 5.1.1 <" + a + ">: Recipient address rejected: User unknown in local recipient table")
					continue
				}
				to = append(to, a)
				say("250 2.1.5 Ok")
			case "DATA":
				if len(to) == 0 {
					say("554 5.5.1 Error: no valid recipients")
					continue
				}
				say("354 End data with <CR><LF>.<CR><LF>")
				var b strings.Builder
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if l == ".\r\n" {
						break
					}
					b.WriteString(l)
				}
				mu.Lock()
				f, _ := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
				fmt.Fprintf(f, "to=%s\n%s\n", strings.Join(to, ","), b.String())
				f.Close()
				mu.Unlock()
				if queue != "" {
					say("250 2.0.0 Ok: queued as " + queue)
				} else {
					say("250 2.0.0 Ok")
				}
			case "QUIT":
				say("221 2.0.0 Bye")
				return
			default:
				say("250 Ok")
			}
		}
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	ts.Setenv(args[0], ln.Addr().String())
}
