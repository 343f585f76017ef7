package trust

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canarykit/canarykit/internal/verdict"
)

// pinCheck is a PinCheck of src signed by fps, with the store at path.
func pinCheck(path string, pin, verified bool, fps ...string) PinCheck {
	c := PinCheck{Source: src, Verified: verified, Pin: pin, Now: t0,
		Path: func() (string, error) { return path, nil }}
	for _, fp := range fps {
		c.Signers = append(c.Signers, Signer{Fingerprint: fp, Name: "Signer " + fp[:4]})
	}
	return c
}

func TestCheckPinLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trust.json")
	// Without --pin and without a store, nothing is said or written.
	if row := CheckPin(pinCheck(path, false, true, fpA)); !row.Skip {
		t.Errorf("no store, no --pin: %+v", row)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("a check without --pin created the store")
	}
	// A canary that did not verify pins nothing.
	if row := CheckPin(pinCheck(path, true, false, fpA)); row.Status != verdict.Unknown || !strings.Contains(row.Message, "nothing pinned") {
		t.Errorf("unverified first use: %+v", row)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("an unverified canary created the store")
	}
	row := CheckPin(pinCheck(path, true, true, fpA))
	if row.Status != verdict.OK || !strings.Contains(row.Message, "first use: pinned signer(s) Signer F70D ("+fpA+")") {
		t.Fatalf("first use: %+v", row)
	}
	// Pinned, and checked again without --pin: the pin still protects.
	if row := CheckPin(pinCheck(path, false, true, fpA)); row.Status != verdict.OK || !strings.Contains(row.Message, "signed by pinned key(s)") {
		t.Errorf("same signer: %+v", row)
	}
	for _, pin := range []bool{false, true} {
		row := CheckPin(pinCheck(path, pin, true, fpB))
		if row.Status != verdict.Critical || !strings.Contains(row.Message, "key changed: "+src+" was signed by "+fpA+" before") {
			t.Errorf("--pin=%v, another signer: %+v", pin, row)
		}
	}
	// The change was not recorded: A is still the pin.
	if e, _ := open(t, path).Lookup(src); len(e.Fingerprints) != 1 || e.Fingerprints[0] != fpA {
		t.Errorf("pin after a key change: %+v", e)
	}
	row = CheckPin(pinCheck(path, true, true, fpA, fpB))
	if row.Status != verdict.Critical || !strings.Contains(row.Message, "not pinned: "+fpB) {
		t.Errorf("a pinned and an unpinned signer: %+v", row)
	}
}

func TestCheckPinStdinAndStore(t *testing.T) {
	c := pinCheck(filepath.Join(t.TempDir(), "trust.json"), true, true, fpA)
	c.Source = "-"
	if row := CheckPin(c); row.Status != verdict.Unknown || !strings.Contains(row.Message, "standard input has no name") {
		t.Errorf("--pin of -: %+v", row)
	}
	c.Pin = false
	if row := CheckPin(c); !row.Skip {
		t.Errorf("- without --pin: %+v", row)
	}
	noStore := pinCheck("", true, true, fpA)
	noStore.Path = func() (string, error) { return "", errors.New("no home directory") }
	if row := CheckPin(noStore); row.Status != verdict.Unknown || row.Message != "no home directory" {
		t.Errorf("--pin with no store path: %+v", row)
	}
	noStore.Pin = false
	if row := CheckPin(noStore); !row.Skip {
		t.Errorf("no store path, no --pin: %+v", row)
	}
	if row := CheckPin(pinCheck("", true, true)); !row.Skip {
		t.Errorf("no good signer: %+v", row)
	}
}

// TestCheckPinOtherRunFirst: a first use by another run just before this
// one's check wins; this canary is then a key change. (A run landing
// between this one's Open and Save is pin_concurrent.txtar's.)
func TestCheckPinOtherRunFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trust.json")
	c := pinCheck(path, true, true, fpA)
	c.Path = func() (string, error) {
		other := open(t, path)
		if err := other.Record(src, []string{fpB}, t0); err != nil {
			t.Fatal(err)
		}
		if err := other.Save(); err != nil {
			t.Fatal(err)
		}
		return path, nil
	}
	if row := CheckPin(c); row.Status != verdict.Critical || !strings.Contains(row.Message, "was signed by "+fpB+" before") {
		t.Errorf("lost race: %+v", row)
	}
}

func TestDescribe(t *testing.T) {
	got := Describe([]Signer{{Fingerprint: fpA, Name: "Alice <a@example.org>"}, {Fingerprint: fpB}})
	if want := "Alice <a@example.org> (" + fpA + "), " + fpB; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
