package issue

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
	ft "github.com/canarykit/canarykit/internal/freshness/freshnesstest"
	"github.com/canarykit/canarykit/internal/gpgtest"
)

// A reader can check a canary's timestamp without canarykit, as
// docs/FRESHNESS.md shows: gpg --dearmor turns the signature block into the
// bytes that were time-stamped, and openssl ts -verify checks the token.
func TestTimestampCheckableByHand(t *testing.T) {
	gpgtest.Need(t, "gpg")
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not on PATH")
	}
	x := ft.NewTSA(ft.Round12040883Time.Add(9*time.Second), ft.CertOptions{})
	defer x.Close()
	def, dir := freshPublisher(t, "\nfreshness:\n  tsa: [{url: \""+x.URL+"\", roots: roots.pem}]\n")
	roots := filepath.Join(dir, "roots.pem")
	os.WriteFile(roots, x.RootPEM, 0o644)
	out := filepath.Join(dir, "public")
	res, err := Issue(def, out, ft.Round12040883Time.Add(5*time.Second), IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	signed := string(res.Signed)
	block := signed[strings.Index(signed, "-----BEGIN PGP SIGNATURE-----"):]
	h := gpgtest.NewHome(t)
	sigs := h.Must([]byte(block), "", "--dearmor")
	s, _ := canary.Open(res.Signed)
	if !bytes.Equal(sigs, s.Signatures) {
		t.Fatal("gpg --dearmor of the signature block is not the bytes canarykit time-stamps")
	}
	bin := filepath.Join(dir, "sigs.bin")
	os.WriteFile(bin, sigs, 0o644)
	cmd := exec.Command("openssl", "ts", "-verify", "-in", filepath.Join(out, "canary.txt.tsr"), "-data", bin, "-CAfile", roots)
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, b)
	}
	// The same token does not verify over the clearsigned file itself.
	cmd = exec.Command("openssl", "ts", "-verify", "-in", filepath.Join(out, "canary.txt.tsr"), "-data", filepath.Join(out, "canary.txt"), "-CAfile", roots)
	if b, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("openssl verified the token over the wrong data:\n%s", b)
	}
}
