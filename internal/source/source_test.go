package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/fetch"
	"github.com/canarykit/canarykit/internal/freshness/freshnesstest"
)

// block is a clearsigned block as far as reading goes: Read never checks
// a signature, it finds them.
func block(text string) string {
	return "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n" + text +
		"\n-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCgAdFiEE\n-----END PGP SIGNATURE-----\n"
}

// want is what one read of a case yields.
type want struct {
	kind    Kind // 0: no error
	tooMany bool // the error is a *TooManyError
	status  int  // Error.Status
	// what was read
	data        string // "" for the case's source file as it is
	sigs        int
	tokens      int
	page        bool
	blocks      int
	notModified bool
	notes       []string // each in some note
	noNotes     []string // each in none
}

// TestRead runs every case twice: as a file, and as a URL on a loopback
// server that serves the same files (with an ETag, as real servers do).
// Where the two differ on purpose, the case says what a URL gives.
func TestRead(t *testing.T) {
	at := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tsa := freshnesstest.NewTSA(at, freshnesstest.CertOptions{})
	defer tsa.Close()
	token := string(tsa.Reply([]byte("signature packets")))
	sig := "\x88\x01binary signature packet"
	plain := "We have received no warrant.\n"
	signed := block("We have received no warrant. (serial 2)")
	page := "<!DOCTYPE html><html><body><h1>Canary</h1>\n<pre>" + block("serial 2") + "</pre>\n<p>Archive:</p>\n<pre>" + block("serial 1") + "</pre>\n</body></html>\n"
	many := map[string]string{"canary.txt": plain}
	for i := range MaxNeighbourSignatures + 36 {
		many[fmt.Sprintf("canary.txt.sig.%d", i)] = sig
	}
	many["canary.txt.asc"] = sig
	huge := strings.Repeat("x", canary.MaxCanaryBytes+1)
	const fetched, plainHTTP = "fetched http://127.0.0.1:", "fetched over plain HTTP"

	cases := []struct {
		name  string
		files map[string]string
		src   string                 // the source's file name; canary.txt if empty
		opts  func(*Options, string) // base: the site's directory or URL
		tls   bool                   // served over HTTPS
		file  want
		url   *want // nil: as file, with the fetch's notes
	}{
		{name: "clearsigned canary",
			// Signatures are looked for only beside a canary that is
			// not clearsigned: this .asc is never read.
			files: map[string]string{"canary.txt": signed, "canary.txt.asc": sig},
		},
		{name: "plain-HTTP note",
			files: map[string]string{"canary.txt": signed},
			file:  want{noNotes: []string{"HTTP"}},
			url:   &want{notes: []string{fetched, plainHTTP + ": the signatures are checked just the same"}},
		},
		{name: "no plain-HTTP note over HTTPS",
			files: map[string]string{"canary.txt": signed},
			tls:   true,
			file:  want{noNotes: []string{"HTTP"}},
			url:   &want{notes: []string{"fetched https://127.0.0.1:"}, noNotes: []string{plainHTTP}},
		},
		{name: "page with several blocks",
			files: map[string]string{"canary.html": page},
			src:   "canary.html",
			// A file is read as it is, never as a page.
			file: want{},
			url:  &want{page: true, blocks: 2, notes: []string{fetched}},
		},
		{name: "detached signatures beside it",
			files: map[string]string{"canary.txt": plain, "canary.txt.asc": sig, "canary.txt.sig": sig,
				"canary.txt.sig.alice": sig, "canary.txt.asc.bob": sig, "canary.txt.sig.junk": "not a signature"},
			file: want{sigs: 4},
			// A URL lists nothing: only URL.asc and URL.sig are asked for.
			url: &want{sigs: 2, notes: []string{fetched}},
		},
		{name: "signatures given",
			files: map[string]string{"canary.txt": plain, "canary.txt.asc": sig, "given.sig": sig},
			opts: func(o *Options, base string) {
				o.Sigs = []string{base + "/given.sig", base + "/given.sig"}
			},
			file: want{sigs: 2}, // and none looked for
		},
		{name: "timestamp tokens beside it",
			files: map[string]string{"canary.txt": signed, "canary.txt.tsr": token, "canary.txt.2.tsr": token, "canary.txt.4.tsr": token},
			// Up to the first one missing: .3.tsr.
			file: want{tokens: 2},
		},
		{name: "a page served as a token",
			files: map[string]string{"canary.txt": signed, "canary.txt.tsr": token, "canary.txt.2.tsr": "<!DOCTYPE html><title>Home</title>"},
			// A file is taken as it is named; from a URL, what is not a
			// token is named in a note and ends the search.
			file: want{tokens: 2},
			url:  &want{tokens: 1, notes: []string{"/canary.txt.2.tsr is not a timestamp token"}},
		},
		{name: "too many signature files beside it",
			files: many,
			file:  want{kind: BadInput, tooMany: true},
			url:   &want{sigs: 1, notes: []string{fetched}},
		},
		{name: "oversize canary",
			files: map[string]string{"canary.txt": huge},
			file:  want{kind: BadInput},
			url:   &want{kind: Unreachable},
		},
		{name: "missing canary",
			files: map[string]string{"other.txt": signed},
			file:  want{kind: Gone},
			url:   &want{kind: Gone, status: 404},
		},
		{name: "conditional GET",
			files: map[string]string{"canary.txt": signed, "canary.txt.tsr": token},
			opts: func(o *Options, _ string) {
				o.Validators = &fetch.Validators{ETag: etag([]byte(signed))}
			},
			// Validators are for URLs; a 304 reads nothing more.
			file: want{tokens: 1},
			url:  &want{notModified: true, data: "-"},
		},
	}
	for _, c := range cases {
		src := c.src
		if src == "" {
			src = "canary.txt"
		}
		dir := t.TempDir()
		for name, data := range c.files {
			// An hour old: Last-Modified, and an ETag beside it, are
			// strong validators only for a file not modified this second.
			p, old := filepath.Join(dir, name), time.Now().Add(-time.Hour)
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil || os.Chtimes(p, old, old) != nil {
				t.Fatal(err)
			}
		}
		srv := httptest.NewUnstartedServer(site(dir))
		if c.tls {
			srv.StartTLS()
		} else {
			srv.Start()
		}
		roots := x509.NewCertPool()
		if c.tls {
			roots.AddCert(srv.Certificate())
		}
		for _, mode := range []string{"file", "url"} {
			t.Run(c.name+"/"+mode, func(t *testing.T) {
				w, base := c.file, dir
				if mode == "url" {
					base = srv.URL
					if c.url != nil {
						w = *c.url
					} else {
						w.notes = append(w.notes, fetched)
					}
				}
				f, err := fetch.New(fetch.Options{RootCAs: roots, PerHostInterval: time.Millisecond, PerHostBurst: 100, Retries: -1})
				if err != nil {
					t.Fatal(err)
				}
				o := Options{Fetcher: func() (*fetch.Fetcher, error) { return f, nil }, Now: at, Timeout: 10 * time.Second}
				if c.opts != nil {
					c.opts(&o, base)
				}
				loc := base + "/" + src
				if mode == "file" {
					loc = filepath.Join(base, src)
				}
				in, err := Read(context.Background(), loc, o)
				check(t, w, c.files[src], in, err)
				if err == nil && (in.Source.Location != loc || in.Source.FetchedAt != at) {
					t.Errorf("source: %+v", in.Source)
				}
				if err == nil && mode == "url" && !in.NotModified && (in.Source.FinalURL != loc || in.Source.Status != 200 || in.ETag != etag(in.Data)) {
					t.Errorf("source: %+v, ETag %q", in.Source, in.ETag)
				}
			})
		}
		srv.Close()
	}
}

func check(t *testing.T, w want, data string, in *Input, err error) {
	t.Helper()
	if w.kind != 0 {
		var se *Error
		if !errors.As(err, &se) || se.Kind != w.kind || se.Status != w.status {
			t.Fatalf("error %#v (%v), want kind %v, status %d", err, err, w.kind, w.status)
		}
		var many *TooManyError
		if errors.As(err, &many) != w.tooMany {
			t.Errorf("%v: a *TooManyError is %v", err, !w.tooMany)
		}
		if w.tooMany && (many.N != MaxNeighbourSignatures+37 || !strings.Contains(err.Error(), fmt.Sprintf("more than the %d read beside a canary", MaxNeighbourSignatures))) {
			t.Errorf("%v: N %d", err, many.N)
		}
		if in != nil {
			t.Errorf("an error and an input")
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	switch w.data {
	case "":
		if string(in.Data) != data {
			t.Errorf("data: %d bytes, want %d", len(in.Data), len(data))
		}
	case "-":
		if len(in.Data) != 0 {
			t.Errorf("data: %d bytes, want none", len(in.Data))
		}
	}
	if len(in.Sigs) != w.sigs || len(in.Tokens) != w.tokens || in.Page != w.page || len(in.Blocks) != w.blocks || in.NotModified != w.notModified {
		t.Errorf("%d sigs, %d tokens, page %v, %d blocks, not modified %v; want %+v", len(in.Sigs), len(in.Tokens), in.Page, len(in.Blocks), in.NotModified, w)
	}
	for _, b := range in.Blocks {
		if !bytes.HasPrefix(b, []byte("-----BEGIN PGP SIGNED MESSAGE-----\n")) || !bytes.HasSuffix(b, []byte("-----END PGP SIGNATURE-----\n")) {
			t.Errorf("block %q", b)
		}
	}
	notes := ""
	for _, n := range in.Notes {
		if !n.Info {
			t.Errorf("a note that is not INFO: %+v", n)
		}
		notes += n.Message + "\n"
	}
	for _, s := range w.notes {
		if !strings.Contains(notes, s) {
			t.Errorf("no note says %q:\n%s", s, notes)
		}
	}
	for _, s := range w.noNotes {
		if strings.Contains(notes, s) {
			t.Errorf("a note says %q:\n%s", s, notes)
		}
	}
}

// site serves dir with an ETag from each file's content, so that a
// conditional GET can be answered 304.
func site(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(path.Clean("/"+r.URL.Path)))); err == nil {
			w.Header().Set("ETag", etag(b))
		}
		files.ServeHTTP(w, r)
	})
}

func etag(b []byte) string { return fmt.Sprintf(`"%x"`, sha256.Sum256(b)) }
