package issue

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/atomicfile"
	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/signer"
)

// DraftFile is where `canary issue --unsigned` leaves the next canary for
// its signers to pass around.
const DraftFile = "draft.txt"

// Cosign adds s's signature, dated t, to a canary file: an unsigned draft
// or a clearsigned canary. The signed text and the signatures already there
// are kept byte for byte, so earlier signatures stay valid.
func Cosign(data []byte, s *signer.Signer, t time.Time) ([]byte, error) {
	return CosignWith(data, s, t, CosignOptions{})
}

// CosignOptions change what Cosign accepts.
type CosignOptions struct {
	// FreeText allows a text that is not a canarykit canary (a free-text
	// canary its publisher wrote by hand). Without it such a file is
	// refused: the signer may have been handed something else to sign.
	FreeText bool
}

// CosignWith is Cosign with options.
func CosignWith(data []byte, s *signer.Signer, t time.Time, opts CosignOptions) ([]byte, error) {
	signed, c, err := Cosignable(data)
	if err != nil && opts.FreeText && signed != nil {
		c, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	// A free-text canary (c nil) has nothing to check but who signed it.
	if c != nil && len(c.Signers) > 0 && !slices.Contains(c.Signers, s.Fingerprint()) {
		return nil, fmt.Errorf("key %s is not one of the signers this canary lists (%d listed); readers would not count its signature", s.Fingerprint(), len(c.Signers))
	}
	if c != nil && !t.Before(c.Expires) {
		return nil, fmt.Errorf("the canary expired on %s; issue a new one instead of signing this one", c.Expires.Format(time.RFC3339))
	}
	signedBy, err := signatureIssuers(signed.Signatures)
	if err != nil {
		return nil, err
	}
	if hasKey(s.Entity, signedBy) {
		return nil, fmt.Errorf("key %s has already signed this canary", s.Fingerprint())
	}
	if err := signer.AddSignatures(signed, []*signer.Signer{s}, t); err != nil {
		return nil, err
	}
	return signed.Encode()
}

// Cosignable reads a file canary cosign may sign: an unsigned canarykit
// draft, or a clearsigned canarykit canary and nothing else. When the file
// is well formed but its text is not a canarykit canary, the error comes
// with the Signed (for CosignOptions.FreeText).
func Cosignable(data []byte) (*canary.Signed, *canary.Canary, error) {
	var signed *canary.Signed
	if canary.HasSignedBlock(data) {
		var err error
		if signed, err = canary.Open(data); err != nil {
			return nil, nil, err
		}
		if signed.Outside > 0 || signed.Blocks > 1 {
			return nil, nil, errors.New("the file holds text outside its signed block; cosign only a file written by canary")
		}
	} else {
		if len(data) == 0 || data[len(data)-1] != '\n' {
			return nil, nil, errors.New("not a canarykit canary: an unsigned draft must be text ending with a line break")
		}
		signed = &canary.Signed{Text: data}
	}
	c, err := canary.Parse(signed.Text)
	if err != nil {
		return signed, nil, fmt.Errorf("not a canarykit canary (%v); canary cosign signs only canaries and drafts that canary issue wrote (for a free-text canary you wrote yourself, add --free-text)", err)
	}
	return signed, c, nil
}

// CosignFile cosigns path in place. When path is the current canary of a
// publication directory, its archive copy is updated with it, so that the
// archive never disagrees with what is published.
func CosignFile(path string, s *signer.Signer, t time.Time) ([]byte, error) {
	return CosignFileWith(path, s, t, CosignOptions{})
}

// CosignFileWith is CosignFile with options.
func CosignFileWith(path string, s *signer.Signer, t time.Time, opts CosignOptions) ([]byte, error) {
	old, err := canary.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out, err := CosignWith(old, s, t, opts)
	if err != nil {
		return nil, err
	}
	var archived string
	if filepath.Base(path) == CurrentFile {
		if sg, err := canary.Open(old); err == nil {
			if c, err := canary.Parse(sg.Text); err == nil {
				p := filepath.Join(filepath.Dir(path), ArchiveDir, ArchiveName(c.Serial))
				if b, err := os.ReadFile(p); err == nil && bytes.Equal(b, old) {
					archived = p
				}
			}
		}
	}
	if err := atomicfile.Write(path, out, 0o644); err != nil {
		return nil, err
	}
	if archived != "" {
		if err := atomicfile.Write(archived, out, 0o644); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// signatureIssuers lists the key IDs and fingerprints of signature packets.
func signatureIssuers(sigs []byte) (ids []uint64, err error) {
	r := packet.NewReader(bytes.NewReader(sigs))
	for {
		p, err := r.Next()
		if err == io.EOF {
			return ids, nil
		}
		if err != nil {
			return nil, fmt.Errorf("the existing signatures are damaged: %v", err)
		}
		if sig, ok := p.(*packet.Signature); ok {
			var id uint64
			if sig.IssuerKeyId != nil {
				id = *sig.IssuerKeyId
			}
			ids = append(ids, id)
		}
	}
}

// CountSignatures counts the signature packets in sigs.
func CountSignatures(sigs []byte) int {
	ids, err := signatureIssuers(sigs)
	if err != nil {
		return 0
	}
	return len(ids)
}

func hasKey(e *openpgp.Entity, ids []uint64) bool {
	for _, id := range ids {
		if e.PrimaryKey.KeyId == id {
			return true
		}
		for _, sk := range e.Subkeys {
			if sk.PublicKey.KeyId == id {
				return true
			}
		}
	}
	return false
}

// Successor checks that signed (a clearsigned canary) is the next canary of
// the publication directory dir: the serial after the current one, chained
// to it by digest.
func Successor(dir string, signed []byte) (*canary.Canary, error) {
	s, err := canary.Open(signed)
	if err != nil {
		return nil, err
	}
	c, err := canary.Parse(s.Text)
	if err != nil {
		return nil, fmt.Errorf("not a canarykit canary: %v", err)
	}
	prev, prevSigned, err := ReadCurrent(dir)
	if err != nil {
		return nil, err
	}
	if err := CheckChain(dir, prev); err != nil {
		return nil, err
	}
	switch {
	case prev == nil && (c.Serial != 1 || c.Previous != ""):
		return nil, fmt.Errorf("the draft is serial %d, but %s has no canary yet", c.Serial, dir)
	case prev != nil && c.Serial != prev.Serial+1:
		return nil, fmt.Errorf("the draft is serial %d, but the current canary is serial %d; it must be %d", c.Serial, prev.Serial, prev.Serial+1)
	case prev != nil && c.Previous != canary.Digest(prevSigned.Text):
		return nil, errors.New("the draft does not chain to the current canary (its Previous digest differs); make a new draft")
	}
	return c, nil
}

// PublishSigned writes an already signed canary as the current one of dir
// and into its archive, after checking it is the successor. Checking its
// signatures is the caller's job (package verify).
func PublishSigned(dir string, signed []byte) (*canary.Canary, error) {
	c, err := Successor(dir, signed)
	if err != nil {
		return nil, err
	}
	if prev, _, _ := ReadCurrent(dir); prev != nil {
		if err := archive(dir, prev.Serial, mustRead(filepath.Join(dir, CurrentFile))); err != nil {
			return nil, err
		}
	}
	if err := writeTokens(dir, c.Serial, nil); err != nil { // the previous canary's
		return nil, err
	}
	if err := atomicfile.Write(filepath.Join(dir, CurrentFile), signed, 0o644); err != nil {
		return nil, err
	}
	return c, archive(dir, c.Serial, signed)
}

// DraftDifferences compares a draft with the canary that d gives for the
// draft's serial and issue time in the publication directory dir: issuer,
// statements, expiry (cadence plus grace), threshold, signers and the
// previous canary's digest. Each difference is one sentence; none means
// the draft's text is exactly what "canary issue" would have written.
func DraftDifferences(d *Definition, dir string, draft *canary.Canary) ([]string, error) {
	prev, prevSigned, err := ReadCurrent(dir)
	if err != nil {
		return nil, err
	}
	if err := CheckChain(dir, prev); err != nil {
		return nil, err
	}
	fps := make([]string, 0, len(d.Signers))
	for _, ref := range d.Signers {
		s, err := d.OpenSigner(ref, true)
		if err != nil {
			return nil, err
		}
		fps = append(fps, s.Fingerprint())
	}
	var prevText []byte
	if prevSigned != nil {
		prevText = prevSigned.Text
	}
	want, err := Next(d, fps, prev, prevText, draft.Issued)
	if err != nil {
		return []string{"the definition cannot make a canary issued when the draft says it was: " + err.Error()}, nil
	}
	var diffs []string
	add := func(format string, a ...any) { diffs = append(diffs, fmt.Sprintf(format, a...)) }
	if draft.Format != want.Format {
		add("the draft's format is %q, the definition gives %q", draft.Format, want.Format)
	}
	if draft.Issuer.Name != want.Issuer.Name {
		add("the draft's issuer is %q, the definition gives %q", draft.Issuer.Name, want.Issuer.Name)
	}
	if draft.Issuer.URL != want.Issuer.URL {
		add("the draft's issuer URL is %q, the definition gives %q", draft.Issuer.URL, want.Issuer.URL)
	}
	if draft.Serial != want.Serial {
		add("the draft is serial %d, the definition gives %d (after the current canary in %s)", draft.Serial, want.Serial, dir)
	}
	if !draft.Expires.Equal(want.Expires) {
		add("the draft expires %s, the definition gives %s (issued %s plus cadence %s and grace %s)",
			draft.Expires.UTC().Format(canary.TimeLayout), want.Expires.UTC().Format(canary.TimeLayout),
			draft.Issued.UTC().Format(canary.TimeLayout), d.Cadence, d.Grace)
	}
	switch {
	case draft.Previous == want.Previous:
	case want.Previous == "":
		add("the draft names a previous canary (%s), but %s has none", draft.Previous, dir)
	case draft.Previous == "":
		add("the draft names no previous canary, but it must chain to %s (%s)", filepath.Join(dir, CurrentFile), want.Previous)
	default:
		add("the draft's previous digest is %s, but %s is %s", draft.Previous, filepath.Join(dir, CurrentFile), want.Previous)
	}
	if draft.Threshold != want.Threshold {
		add("the draft's threshold is %d, the definition gives %d", draft.Threshold, want.Threshold)
	}
	for _, fp := range want.Signers {
		if !slices.Contains(draft.Signers, fp) {
			add("the definition's signer %s is missing from the draft", fp)
		}
	}
	for _, fp := range draft.Signers {
		if !slices.Contains(want.Signers, fp) {
			add("the draft lists signer %s, which the definition does not", fp)
		}
	}
	if len(diffs) == 0 && strings.Join(draft.Signers, ",") != strings.Join(want.Signers, ",") {
		add("the draft lists the definition's signers in a different order")
	}
	wantText := map[string]string{}
	for _, st := range want.Statements {
		wantText[st.ID] = st.Text
	}
	gotText := map[string]string{}
	for _, st := range draft.Statements {
		gotText[st.ID] = st.Text
	}
	for _, st := range want.Statements {
		got, ok := gotText[st.ID]
		switch {
		case !ok:
			add("the definition's statement %q (%q) is missing from the draft", st.ID, st.Text)
		case got != st.Text:
			add("the draft's statement %q reads %q, the definition gives %q", st.ID, got, st.Text)
		}
	}
	for _, st := range draft.Statements {
		if _, ok := wantText[st.ID]; !ok {
			add("the draft has a statement %q (%q) that the definition does not", st.ID, st.Text)
		}
	}
	if len(diffs) == 0 && len(draft.Statements) == len(want.Statements) {
		for i := range want.Statements {
			if draft.Statements[i].ID != want.Statements[i].ID {
				add("the draft has the definition's statements in a different order")
				break
			}
		}
	}
	if len(draft.Freshness) > 0 {
		add("the draft carries %d freshness proof(s); a draft from canary issue --unsigned has none", len(draft.Freshness))
	}
	if len(diffs) == 0 && !bytes.Equal(draft.Render(), want.Render()) {
		add("the draft's text differs from what the definition gives")
	}
	return diffs, nil
}

// PublishedBefore finds the published canary that c, read from path, would
// follow, so that a cosigner can see what changed: for DIR/canary.txt its
// predecessor in DIR/archive/, for any other file (a draft) the canary.txt
// beside it, or, for drafts/OUT.draft.txt as canary issue --unsigned names
// it, OUT/canary.txt beside the drafts folder. All results are zero when
// there is none to be found; err is set when one is there but cannot be
// read as a canary.
func PublishedBefore(path string, c *canary.Canary) (prev *canary.Canary, prevText []byte, where string, err error) {
	dir := filepath.Dir(path)
	where = filepath.Join(dir, CurrentFile)
	if out, ok := strings.CutSuffix(filepath.Base(path), ".draft.txt"); ok && filepath.Base(dir) == "drafts" && out != "" {
		if _, err := os.Stat(where); errors.Is(err, fs.ErrNotExist) {
			where = filepath.Join(filepath.Dir(dir), out, CurrentFile)
		}
	}
	if filepath.Base(path) == CurrentFile {
		if c.Serial < 2 {
			return nil, nil, "", nil
		}
		where = filepath.Join(dir, ArchiveDir, ArchiveName(c.Serial-1))
	}
	data, err := canary.ReadFile(where)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, "", nil
	}
	if err != nil {
		return nil, nil, where, err
	}
	s, err := canary.Open(data)
	if err != nil {
		return nil, nil, where, err
	}
	if prev, err = canary.Parse(s.Text); err != nil {
		return nil, nil, where, fmt.Errorf("not a canarykit canary: %v", err)
	}
	return prev, s.Text, where, nil
}

// Changes says, one sentence each, how c differs from prev, the published
// canary it should follow (prevText is prev's signed text): the chain, the
// issuer, how long it is valid, the threshold, the signers and the
// statements.
func Changes(prev *canary.Canary, prevText []byte, c *canary.Canary) []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	if c.Serial != prev.Serial+1 {
		add("it is serial %d, but the published canary is serial %d: it does not follow it", c.Serial, prev.Serial)
	}
	if c.Previous != canary.Digest(prevText) {
		add("its Previous digest does not name the published canary: it does not chain to it")
	}
	if c.Issuer != prev.Issuer {
		add("the issuer changed from %q (%s) to %q (%s)", prev.Issuer.Name, prev.Issuer.URL, c.Issuer.Name, c.Issuer.URL)
	}
	if was, now := prev.Expires.Sub(prev.Issued), c.Expires.Sub(c.Issued); was != now {
		add("it is valid for %s after it was issued; the published canary was valid for %s", duration.Format(now), duration.Format(was))
	}
	if c.Threshold != prev.Threshold {
		add("the threshold changed from %d to %d", prev.Threshold, c.Threshold)
	}
	for _, fp := range prev.Signers {
		if !slices.Contains(c.Signers, fp) {
			add("signer %s was removed", fp)
		}
	}
	for _, fp := range c.Signers {
		if !slices.Contains(prev.Signers, fp) {
			add("signer %s was added", fp)
		}
	}
	now := map[string]string{}
	for _, s := range c.Statements {
		now[s.ID] = s.Text
	}
	was := map[string]bool{}
	for _, s := range prev.Statements {
		was[s.ID] = true
		switch t, ok := now[s.ID]; {
		case !ok:
			add("statement [%s] was REMOVED: %q", s.ID, s.Text)
		case t != s.Text:
			add("statement [%s] was reworded from %q to %q", s.ID, s.Text, t)
		}
	}
	for _, s := range c.Statements {
		if !was[s.ID] {
			add("statement [%s] was added: %q", s.ID, s.Text)
		}
	}
	return out
}
