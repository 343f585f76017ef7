package main

import (
	"bytes"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestFetchScripts runs testdata/fetch/*.txtar, scripts that verify
// canaries over HTTP from a server the script starts with "serve".
func TestFetchScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "fetch"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("CANARY_TEST_NOW", "2026-11-22T12:00:00Z")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"serve":  serveCmd,
			"mkpage": mkpageCmd,
			"exits":  exitsCmd,
		},
	})
}

// serveCmd, "serve DIR", serves DIR over HTTP on 127.0.0.1 for the rest of
// the script and sets $URL. Besides the files, it has hostile paths:
// /redirect/P (301 to /P), /huge (2 MiB of text), /drip (a byte every
// 100ms, forever), /status/N.
func serveCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: serve DIR")
	}
	files := http.FileServer(http.Dir(ts.MkAbs(args[0])))
	var closing = make(chan struct{})
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, "/redirect/"):
			http.Redirect(w, r, strings.TrimPrefix(p, "/redirect"), http.StatusMovedPermanently)
		case p == "/huge":
			w.Header().Set("Content-Type", "text/plain")
			w.Write(bytes.Repeat([]byte("canary\n"), 2<<20/7))
		case p == "/drip":
			w.Header().Set("Content-Type", "text/plain")
			for {
				if _, err := w.Write([]byte("-")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-time.After(100 * time.Millisecond):
				case <-r.Context().Done():
					return
				case <-closing:
					return
				}
			}
		case strings.HasPrefix(p, "/status/"):
			code, _ := strconv.Atoi(strings.TrimPrefix(p, "/status/"))
			http.Error(w, "as asked", code)
		default:
			files.ServeHTTP(w, r)
		}
	}))
	ts.Defer(func() {
		close(closing)
		s.Close()
	})
	ts.Setenv("URL", s.URL)
}

// mkpageCmd, "mkpage OUT FILE...", writes a web page that shows each FILE
// in a <pre>, HTML-escaped, amid unsigned text that claims a warrant.
func mkpageCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: mkpage OUT [FILE...]")
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><title>Warrant canary</title></head><body>\n<h1>Our warrant canary</h1>\n")
	b.WriteString("<p>[no-warrants] UNSIGNED: we have received a warrant.</p>\n")
	for _, f := range args[1:] {
		b.WriteString("<pre>" + html.EscapeString(ts.ReadFile(f)) + "</pre>\n<p>UNSIGNED footnote.</p>\n")
	}
	b.WriteString("</body></html>\n")
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(b.String()), 0o644))
}
