package verify

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/freshness/freshnesstest"
)

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
	ios := &cmdutil.Factory{Now: func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) }}

	in, err := readInput(ios, s.URL+"/plain.txt", &Options{})
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

	in, err = readInput(ios, s.URL+"/signed.txt", &Options{Sigs: []string{s.URL + "/given.sig"}})
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
