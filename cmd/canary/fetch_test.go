package main

import (
	"bytes"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/canarykit/canarykit/freshness/freshnesstest"
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

// TestNeighbours checks what readURL finds beside a canary: SOURCE.asc and
// SOURCE.sig when it is not clearsigned, SOURCE.tsr always; absence is
// silent, and any other failure is a note, never a verdict.
func TestNeighbours(t *testing.T) {
	sig := []byte("\x88\x01binary signature packet")
	token := freshnesstest.NewTSA(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC), freshnesstest.CertOptions{}).Reply([]byte("signature packets"))
	var mu sync.Mutex
	asked := map[string]int{}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/plain.txt", "/signed.txt":
			w.Header().Set("Content-Type", "text/plain")
			if r.URL.Path == "/signed.txt" {
				fmt.Fprint(w, "-----BEGIN PGP SIGNED MESSAGE-----\n")
			}
			fmt.Fprint(w, "We have received no warrant.\n")
		case "/plain.txt.asc":
			w.Header().Set("Content-Type", "application/pgp-signature")
			w.Write(sig)
		case "/plain.txt.sig":
			http.Error(w, "broken", http.StatusBadRequest)
		case "/plain.txt.tsr", "/signed.txt.tsr", "/signed.txt.2.tsr":
			w.Header().Set("Content-Type", "application/timestamp-reply")
			w.Write(token)
		case "/signed.txt.3.tsr":
			// What a site that answers every path with its start page
			// serves: not a token, so neither it nor any later is used.
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<!DOCTYPE html><title>Home</title>")
		case "/given.sig":
			w.Write(sig)
		default:
			http.NotFound(w, r)
		}
	}))
	defer s.Close()
	ios := &streams{Now: func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }}

	in, err := readInput(ios, s.URL+"/plain.txt", &verifyFlags{})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Sigs) != 1 || !bytes.Equal(in.Sigs[0], sig) || len(in.Tokens) != 1 || !bytes.Equal(in.Tokens[0], token) {
		t.Errorf("plain.txt: %d signatures, tokens %q", len(in.Sigs), in.Tokens)
	}
	if notes := fmt.Sprint(in.Notes); !strings.Contains(notes, "could not fetch "+s.URL+"/plain.txt.sig") || strings.Contains(notes, ".asc") {
		t.Errorf("notes: %s", notes)
	}
	if in.Source.FinalURL != s.URL+"/plain.txt" || in.Source.Status != 200 || !strings.HasPrefix(in.Source.Digest, "sha256:") {
		t.Errorf("source: %+v", in.Source)
	}

	in, err = readInput(ios, s.URL+"/signed.txt", &verifyFlags{sigs: []string{s.URL + "/given.sig"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Sigs) != 1 || len(in.Tokens) != 2 || asked["/signed.txt.asc"]+asked["/signed.txt.sig"] != 0 || asked["/signed.txt.3.tsr"] != 1 || asked["/signed.txt.4.tsr"] != 0 {
		t.Errorf("signed.txt with --sig URL: %d signatures, %d tokens, asked %v", len(in.Sigs), len(in.Tokens), asked)
	}
	for _, n := range in.Notes {
		if strings.Contains(n.Message, "could not fetch") {
			t.Errorf("a missing neighbour was reported: %s", n.Message)
		}
	}
	if notes := fmt.Sprint(in.Notes); !strings.Contains(notes, s.URL+"/signed.txt.3.tsr is not a timestamp token") {
		t.Errorf("the page served as a token was not named: %s", notes)
	}
}
