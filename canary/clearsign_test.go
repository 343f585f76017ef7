package canary_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/signer"
)

func TestOpenIndentedBlock(t *testing.T) {
	sec, _, _, err := keys.GenerateKey("A <a@example.org>", nil, 0, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	el, _ := keys.ReadKeys(sec)
	text := []byte("We have\n\nno warrants.\n")
	signed, err := signer.Sign(text, []*signer.Signer{{Entity: el[0], Source: "a"}}, time.Unix(100, 0))
	if err != nil {
		t.Fatal(err)
	}
	indented := "# Our canary\n\n" + strings.ReplaceAll(string(signed), "\n", "\n    ")
	indented = "    " + strings.TrimSuffix(indented[len("# Our canary\n\n"):], "    ")
	page := []byte("# Our canary\n\n" + strings.ReplaceAll(indented, "\n    \n", "\n\n") + "\nMore prose.\n")
	s, err := canary.Open(page)
	if err != nil {
		t.Fatalf("Open of an indented block: %v\n%s", err, page)
	}
	if !bytes.Equal(s.Text, text) || s.Outside == 0 {
		t.Fatalf("text %q, outside %d", s.Text, s.Outside)
	}
	// A block whose indentation stops halfway is not recovered.
	broken := bytes.Replace(page, []byte("    no warrants."), []byte("no warrants."), 1)
	if _, err := canary.Open(broken); err == nil {
		t.Fatal("a block with broken indentation was opened")
	}
}
