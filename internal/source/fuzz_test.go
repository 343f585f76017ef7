package source

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/corpustest"
	"github.com/canarykit/canarykit/internal/fetch"
	"github.com/canarykit/canarykit/internal/freshness/freshnesstest"
	"github.com/canarykit/canarykit/verify"
)

// FuzzRead reads what a hostile publisher serves: the canary (any bytes,
// any Content-Type), and the files beside it at URL.asc and URL.tsr, from
// a loopback server and as files (seeds: every canary and page of the
// corpus, with a signature published beside it). Whatever they hold, Read gives a
// *Error or an Input that keeps its promises: the bytes as served, a page
// only when no signature was found, only neighbours that are what their
// names claim, at most MaxTokens tokens, and notes that are INFO.
func FuzzRead(f *testing.F) {
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tsa := freshnesstest.NewTSA(at, freshnesstest.CertOptions{})
	defer tsa.Close()
	token := tsa.Reply([]byte("signature packets"))
	sig := []byte("\x88\x01binary signature packet")
	signed := []byte(block("We have received no warrant."))
	page := []byte("<html><body><pre>" + block("serial 2") + "</pre><p>and</p><pre>" + block("serial 1") + "</pre></body></html>")
	f.Add([]byte("We have received no warrant.\n"), "text/plain", sig, token)
	f.Add(signed, "text/plain; charset=utf-8", []byte{}, token)
	f.Add(page, "text/html", []byte("<!DOCTYPE html>"), []byte("<!DOCTYPE html>"))
	f.Add(page, "", sig, []byte{})
	f.Add(signed, "text/html", token, sig)
	// Every canary and page of the corpus, with a signature published
	// beside it, if it has one, served as URL.asc.
	files := corpustest.Files(f, 64<<10)
	for _, c := range files {
		if strings.Contains(c.Path, ".sig") || strings.Contains(c.Path, ".asc") {
			continue
		}
		ct := "text/plain"
		if strings.HasSuffix(c.Path, ".html") || strings.HasSuffix(c.Path, ".htm") {
			ct = "text/html"
		}
		var beside []byte
		for _, s := range files {
			if rest, ok := strings.CutPrefix(s.Path, c.Path); ok && (strings.HasPrefix(rest, ".sig") || strings.HasPrefix(rest, ".asc")) {
				beside = s.Data
				break
			}
		}
		f.Add(c.Data, ct, beside, []byte{})
	}

	var mu sync.Mutex
	var body, asc, tsr []byte
	var ctype string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		var b []byte
		switch r.URL.Path {
		case "/canary.txt":
			b = body
			if ctype != "" {
				w.Header().Set("Content-Type", ctype)
			}
		case "/canary.txt.asc":
			b = asc
		case "/canary.txt.tsr", "/canary.txt.2.tsr":
			b = tsr
		}
		mu.Unlock()
		if len(b) == 0 {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	fetcher, err := fetch.New(fetch.Options{Timeout: 5 * time.Second, PerHostInterval: time.Nanosecond, PerHostBurst: 1 << 20, Retries: -1})
	if err != nil {
		f.Fatal(err)
	}
	o := Options{Fetcher: func() (*fetch.Fetcher, error) { return fetcher, nil }, Now: at, Timeout: 10 * time.Second}
	dir := f.TempDir()

	f.Fuzz(func(t *testing.T, b []byte, ct string, a, tk []byte) {
		mu.Lock()
		body, ctype, asc, tsr = b, ct, a, tk
		mu.Unlock()
		file := filepath.Join(dir, "canary.txt")
		for name, data := range map[string][]byte{file: b, file + ".asc": a, file + ".tsr": tk} {
			os.Remove(name)
			if len(data) > 0 {
				if err := os.WriteFile(name, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, loc := range []string{srv.URL + "/canary.txt", file} {
			in, err := Read(context.Background(), loc, o)
			if err != nil {
				var se *Error
				if !errors.As(err, &se) || se.Kind < Gone || se.Kind > BadInput || in != nil {
					t.Fatalf("%s: error %#v (%v), input %v", loc, err, err, in)
				}
				continue
			}
			if !bytes.Equal(in.Data, b) || in.Source.Digest != canary.Digest(b) || in.NotModified {
				t.Fatalf("%s: read %q (%s), served %q", loc, in.Data, in.Source.Digest, b)
			}
			if in.Page && len(in.Sigs) > 0 || !in.Page && in.Blocks != nil || loc == file && in.Page {
				t.Fatalf("%s: page %v with %d signatures and %d blocks", loc, in.Page, len(in.Sigs), len(in.Blocks))
			}
			if len(in.Tokens) > MaxTokens {
				t.Fatalf("%s: %d tokens", loc, len(in.Tokens))
			}
			if loc != file {
				for _, s := range in.Sigs {
					if err := verify.NeighbourSignature(s); err != nil {
						t.Fatalf("%s: a signature that is not one: %v", loc, err)
					}
				}
				for _, tok := range in.Tokens {
					if err := verify.NeighbourToken(tok); err != nil {
						t.Fatalf("%s: a token that is not one: %v", loc, err)
					}
				}
			}
			for _, n := range in.Notes {
				if !n.Info {
					t.Fatalf("%s: a note that is not INFO: %+v", loc, n)
				}
			}
		}
	})
}
