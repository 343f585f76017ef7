package trust

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/canarykit/canarykit/internal/verdict"
)

// A Signer is one good signer of a canary: its primary key fingerprint and
// the name to show for it.
type Signer struct {
	Fingerprint string
	Name        string
}

// Describe lists signers as messages show them: "Name (FINGERPRINT)", or
// the fingerprint alone for a signer with no name.
func Describe(signers []Signer) string {
	out := make([]string, len(signers))
	for i, s := range signers {
		if s.Name != "" {
			out[i] = s.Name + " (" + s.Fingerprint + ")"
		} else {
			out[i] = s.Fingerprint
		}
	}
	return strings.Join(out, ", ")
}

// A PinCheck is what a reader asks of the trust store about one canary
// just verified.
type PinCheck struct {
	// Source is the SOURCE as the reader gave it; "-" is standard input,
	// which has no name to pin to.
	Source string
	// Signers are the canary's distinct good signers, in order.
	Signers []Signer
	// Verified is whether the canary verified (OK or WARNING): pins follow
	// only canaries that did, so that a broken one neither establishes
	// trust nor counts as seen.
	Verified bool
	// Pin is --pin: pin the signers on first use, and record the sighting
	// of a pinned source.
	Pin bool
	// Path finds the store (DefaultPath, with the reader's environment).
	Path func() (string, error)
	Now  time.Time
}

// A PinRow is the "pin" check a PinCheck adds to the verdict; with Skip,
// there is nothing to say.
type PinRow struct {
	Skip    bool
	Status  verdict.Status
	Message string
}

// CheckPin compares a canary's good signers with the trust store. With Pin
// the first signers seen for a source are pinned. Without it a source
// pinned before is still checked: a reader who pinned once stays protected
// even when a script forgets the flag. A key change is CRITICAL; what the
// store could not do is UNKNOWN (with Pin) or a WARNING (a pin not saved).
func CheckPin(c PinCheck) PinRow {
	if c.Pin && c.Source == "-" {
		return PinRow{Status: verdict.Unknown, Message: "--pin needs a file or URL to remember the signers of; standard input has no name"}
	}
	if len(c.Signers) == 0 || c.Source == "-" {
		return PinRow{Skip: true} // no good signature: the verdict already says so, and nothing is pinned
	}
	path, err := c.Path()
	if err != nil {
		if c.Pin {
			return PinRow{Status: verdict.Unknown, Message: err.Error()}
		}
		return PinRow{Skip: true}
	}
	if !c.Pin {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return PinRow{Skip: true}
		}
	}
	st, err := Open(path)
	if err != nil {
		return PinRow{Status: verdict.Unknown, Message: err.Error()}
	}
	fps := make([]string, len(c.Signers))
	for i, s := range c.Signers {
		fps[i] = s.Fingerprint
	}
	// record notes the sighting and saves it; another run that pinned
	// other signers meanwhile wins, and this canary is then a key change.
	record := func() (conflict *PinRow, err error) {
		err = st.Record(c.Source, fps, c.Now)
		if err == nil {
			err = st.Save()
		}
		if ce, ok := errors.AsType[*ConflictError](err); ok {
			row := keyChanged(c, ce.Verdict)
			return &row, nil
		}
		return nil, err
	}
	v := st.Check(c.Source, fps)
	switch v.Decision {
	case FirstUse:
		if !c.Pin {
			return PinRow{Skip: true}
		}
		if !c.Verified {
			return PinRow{Status: verdict.Unknown, Message: "nothing pinned: the canary did not verify"}
		}
		conflict, err := record()
		if conflict != nil {
			return *conflict
		}
		if err != nil {
			return PinRow{Status: verdict.Warning, Message: fmt.Sprintf("could not pin the signers: %v", err)}
		}
		return PinRow{Status: verdict.OK, Message: fmt.Sprintf("first use: pinned signer(s) %s for %s", Describe(c.Signers), c.Source)}
	case Pinned:
		msg := fmt.Sprintf("signed by pinned key(s) %s, pinned %s", Describe(c.Signers), v.Entry.Pinned.Format("2006-01-02"))
		if len(v.Absent) > 0 {
			msg += fmt.Sprintf("; pinned key(s) %s did not sign this one", strings.Join(v.Absent, ", "))
		}
		if c.Pin && c.Verified {
			conflict, err := record() // `canary trust` may have replaced the pin meanwhile
			if conflict != nil {
				return *conflict
			}
			if err != nil {
				return PinRow{Status: verdict.Warning, Message: msg + fmt.Sprintf("; could not update the trust store: %v", err)}
			}
		}
		return PinRow{Status: verdict.OK, Message: msg}
	}
	return keyChanged(c, v)
}

// keyChanged is the CRITICAL row for signers that the pin in v does not
// hold.
func keyChanged(c PinCheck, v Verdict) PinRow {
	now := Describe(c.Signers)
	if len(v.Unpinned) < len(c.Signers) {
		now += "; not pinned: " + strings.Join(v.Unpinned, ", ")
	}
	return PinRow{Status: verdict.Critical, Message: fmt.Sprintf("key changed: %s was signed by %s before, now by %s; if this is expected, run `canary trust %s` with the keys you trust",
		c.Source, strings.Join(v.Entry.Fingerprints, ", "), now, c.Source)}
}
