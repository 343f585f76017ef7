package signer_test

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/gpgtest"
	"github.com/canarykit/canarykit/internal/issue"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/signer"
)

// A canary signed by Alice, then cosigned by Bob an hour later and
// elsewhere, verifies with both signatures in gpg and sq, and Alice's
// signature bytes are untouched.
func TestInteropCosignedCanary(t *testing.T) {
	gpgtest.Need(t, "gpg")
	gpgtest.Need(t, "sq")
	h := gpgtest.NewHome(t)
	dir := t.TempDir()
	now := time.Now().UTC().Truncate(time.Second)
	var fprs, pubs []string
	var signers []*signer.Signer
	for _, uid := range []string{"Alice <alice@example.org>", "Bob <bob@example.org>"} {
		sec, pub, fpr, err := keys.GenerateKey(uid, nil, 0, now.Add(-4*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		s, err := signer.LoadSigner(writeFile(t, dir, fpr+".sec.asc", sec), nil)
		if err != nil {
			t.Fatal(err)
		}
		h.Import(pub, "")
		fprs, pubs, signers = append(fprs, fpr), append(pubs, writeFile(t, dir, fpr+".pub.asc", pub)), append(signers, s)
	}
	text := interopText(t, now.Add(-3*time.Hour), fprs...)
	draft := writeFile(t, dir, issue.DraftFile, text)
	first, err := issue.CosignFile(draft, signers[0], now.Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	both, err := issue.CosignFile(draft, signers[1], now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := canary.Open(first)
	s2, _ := canary.Open(both)
	if !bytes.Equal(s1.Text, text) || !bytes.Equal(s2.Text, text) || !bytes.HasPrefix(s2.Signatures, s1.Signatures) {
		t.Fatal("cosigning changed the text or the first signature")
	}
	st, err := h.Verify(both)
	wantGoodSigs(t, "gpg --verify", st, err, fprs...)
	cmd := exec.Command("sq", "verify", "--signatures", "2", "--signer-cert", pubs[0], "--signer-cert", pubs[1], draft)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sq verify: %v\n%s", err, out)
	}
	if _, err := issue.Cosign(both, signers[0], now); err == nil || !strings.Contains(err.Error(), "already signed") {
		t.Fatalf("second signature by Alice: %v", err)
	}
}
