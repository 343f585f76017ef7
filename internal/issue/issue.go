package issue

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/atomicfile"
	"github.com/canarykit/canarykit/internal/signer"
)

// Names inside a publication directory.
const (
	CurrentFile = "canary.txt"
	ArchiveDir  = "archive"
)

// ArchiveName is the file name of serial n in the archive; zero-padded so
// that a directory listing sorts by serial.
func ArchiveName(n uint64) string { return fmt.Sprintf("%06d.txt", n) }

// ClockSlack is how far before the previous canary's issue time the clock
// may read and still count as the same moment: a corrected canary issued
// right after a mistake, or a script, runs within the second the previous
// one was issued (issue times are whole seconds). Such a canary is dated
// one second after the previous one. A clock further back than this has
// really gone backwards, and nothing is issued.
const ClockSlack = 2 * time.Second

// Next builds the canary that follows prev (nil for the first one).
// prevText is prev's signed text, which the new canary's Previous names.
// A canary issued within ClockSlack of prev is dated one second after it.
func Next(d *Definition, signers []string, prev *canary.Canary, prevText []byte, now time.Time) (*canary.Canary, error) {
	issued := now.UTC().Truncate(time.Second)
	if prev != nil && !issued.After(prev.Issued) {
		if prev.Issued.Sub(issued) > ClockSlack {
			return nil, fmt.Errorf("the previous canary (serial %d) was issued at %s, %s after now (%s); is the clock right?",
				prev.Serial, prev.Issued.Format(time.RFC3339), prev.Issued.Sub(issued), issued.Format(time.RFC3339))
		}
		issued = prev.Issued.Add(time.Second)
	}
	c := &canary.Canary{
		Format:     canary.FormatV1,
		Issuer:     d.Issuer,
		Serial:     1,
		Issued:     issued,
		Expires:    issued.Add(time.Duration(d.Cadence) + time.Duration(d.Grace)),
		Threshold:  d.Threshold,
		Signers:    signers,
		Statements: d.Statements,
	}
	if prev != nil {
		c.Serial = prev.Serial + 1
		c.Previous = canary.Digest(prevText)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// A StatementChange is how one statement differs between two canaries.
// Readers compare statements by id, so a statement whose id changed is a
// removal (RenamedTo names the new id carrying its text) and an addition.
type StatementChange struct {
	Kind      string `json:"kind"` // removed, reworded or added
	ID        string `json:"id"`
	Old       string `json:"old,omitempty"`
	New       string `json:"new,omitempty"`
	RenamedTo string `json:"renamed_to,omitempty"`
}

// StatementChanges compares the statements of two canaries, as readers
// do: removed and reworded ones in the old order, then added ones.
func StatementChanges(old, cur []canary.Statement) []StatementChange {
	now := map[string]string{}
	for _, s := range cur {
		now[s.ID] = s.Text
	}
	before := map[string]bool{}
	for _, s := range old {
		before[s.ID] = true
	}
	var out []StatementChange
	for _, s := range old {
		switch t, ok := now[s.ID]; {
		case !ok:
			ch := StatementChange{Kind: "removed", ID: s.ID, Old: s.Text}
			for _, n := range cur {
				if !before[n.ID] && n.Text == s.Text {
					ch.RenamedTo = n.ID
					break
				}
			}
			out = append(out, ch)
		case t != s.Text:
			out = append(out, StatementChange{Kind: "reworded", ID: s.ID, Old: s.Text, New: t})
		}
	}
	for _, s := range cur {
		if !before[s.ID] {
			out = append(out, StatementChange{Kind: "added", ID: s.ID, New: s.Text})
		}
	}
	return out
}

// Alarms says, one sentence each, what in c would alarm readers who
// compare it with prev, the canary it follows: a statement removed,
// reworded or given another id (CRITICAL for them: it trips the canary),
// the signer set changed, or the threshold lowered. None means readers see
// an ordinary renewal.
func Alarms(prev, c *canary.Canary) []string {
	var out []string
	for _, ch := range StatementChanges(prev.Statements, c.Statements) {
		switch {
		case ch.Kind == "removed" && ch.RenamedTo != "":
			out = append(out, fmt.Sprintf("statement %q is REMOVED: its text is now under the id %q, but readers compare statements by id, so they will see CRITICAL — this trips your canary; keep the id %q", ch.ID, ch.RenamedTo, ch.ID))
		case ch.Kind == "removed":
			out = append(out, fmt.Sprintf("statement %q is REMOVED: readers comparing canaries will see CRITICAL — this trips your canary", ch.ID))
		case ch.Kind == "reworded":
			out = append(out, fmt.Sprintf("statement %q is REWORDED: readers comparing canaries will see CRITICAL — this trips your canary", ch.ID))
		}
	}
	var gone, added []string
	for _, fp := range prev.Signers {
		if !slices.Contains(c.Signers, fp) {
			gone = append(gone, fp)
		}
	}
	for _, fp := range c.Signers {
		if !slices.Contains(prev.Signers, fp) {
			added = append(added, fp)
		}
	}
	switch {
	case len(gone) > 0 && len(added) > 0:
		out = append(out, "the signers change: "+strings.Join(gone, ", ")+" no longer listed, "+strings.Join(added, ", ")+" new; readers comparing canaries will see a WARNING, and readers who pinned only the old keys cannot check the new ones: issue one transition canary listed and signed by both the old and the new keys first, then drop the old ones")
	case len(gone) > 0:
		out = append(out, "the signers change: "+strings.Join(gone, ", ")+" no longer listed; readers comparing canaries will see a WARNING; if a new key replaces it, issue one transition canary listed and signed by both the old and the new keys first, then drop the old ones")
	case len(added) > 0:
		out = append(out, "the signers change: "+strings.Join(added, ", ")+" new; readers who pinned only the old keys cannot check the new ones: this canary should be the transition canary, signed by both the old and the new keys, and readers should pin the new keys before the old ones are dropped")
	}
	if c.Threshold < prev.Threshold {
		out = append(out, fmt.Sprintf("the threshold is lowered from %d to %d: readers comparing canaries will see a WARNING", prev.Threshold, c.Threshold))
	}
	return out
}

// An Issued canary, as written by Issue.
type Issued struct {
	Canary *canary.Canary
	Text   []byte // the unsigned canarykit/1 text
	Signed []byte // the clearsigned document; nil for a draft
	Path   string // where it was written; empty for a draft
	// Tokens are the RFC 3161 replies written beside the canary
	// (canary.TokenName); Notes say which optional freshness sources failed.
	Tokens [][]byte
	Notes  []string
}

// IssueOptions change what Issue does.
type IssueOptions struct {
	Passphrase signer.PassphraseFunc
	// Draft builds the next canary without signing or writing anything.
	Draft bool
	// Review, if set, sees the next canary and the one it follows (nil
	// for the first) before any key is unlocked or anything is written;
	// an error stops the issue.
	Review func(prev, next *canary.Canary) error
}

// Issue makes the next canary of d in the publication directory dir: it
// reads dir/canary.txt as the previous one, signs the new one with every
// signer, and writes it to dir/canary.txt and dir/archive/. A failure
// leaves dir as it was.
func Issue(d *Definition, dir string, now time.Time, opts IssueOptions) (*Issued, error) {
	prev, prevSigned, err := ReadCurrent(dir)
	if err != nil {
		return nil, err
	}
	if err := CheckChain(dir, prev); err != nil {
		return nil, err
	}
	signers := make([]*signer.Signer, 0, len(d.Signers))
	fps := make([]string, 0, len(d.Signers))
	for _, ref := range d.Signers {
		// A draft only names its signers; they sign it elsewhere.
		s, err := openSigner(d, ref, opts.Draft)
		if err != nil {
			return nil, err
		}
		if slices.Contains(fps, s.Fingerprint()) {
			return nil, fmt.Errorf("key %s is configured as a signer twice; each signer needs its own key", s.Fingerprint())
		}
		signers = append(signers, s)
		fps = append(fps, s.Fingerprint())
	}
	var prevText []byte
	if prevSigned != nil {
		prevText = prevSigned.Text
	}
	c, err := Next(d, fps, prev, prevText, now)
	if err != nil {
		return nil, err
	}
	if err := archiveFree(dir, c.Serial); err != nil {
		return nil, err
	}
	if opts.Review != nil {
		if err := opts.Review(prev, c); err != nil {
			return nil, err
		}
	}
	out := &Issued{Canary: c, Text: c.Render()}
	if opts.Draft {
		return out, nil
	}
	for _, s := range signers {
		if err := s.Unlock(opts.Passphrase); err != nil {
			return nil, err
		}
	}
	if err := addFreshness(d, out); err != nil { // after the prompts, so the proofs are fresh
		return nil, err
	}
	// A canary dated one second after the previous one (Next) is signed
	// when it really is, so that readers whose clock reads now accept
	// the signature.
	signedAt := c.Issued
	if t := now.UTC().Truncate(time.Second); t.Before(signedAt) {
		signedAt = t
	}
	if out.Signed, err = signer.Sign(out.Text, signers, signedAt); err != nil {
		return nil, err
	}
	if err := stampFreshness(d, out); err != nil {
		return nil, err
	}
	// The previous canary must be in the archive before it is replaced; a
	// run that died between the two writes last time is repaired here.
	if prev != nil {
		if err := archive(dir, prev.Serial, mustRead(filepath.Join(dir, CurrentFile))); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	out.Path = filepath.Join(dir, CurrentFile)
	if err := writeTokens(dir, c.Serial, out.Tokens); err != nil {
		return nil, err
	}
	if err := atomicfile.Write(out.Path, out.Signed, 0o644); err != nil {
		return nil, err
	}
	if err := archive(dir, c.Serial, out.Signed); err != nil {
		return nil, err
	}
	return out, nil
}

// ReadCurrent reads the canary now published in dir; both results are nil
// when there is none yet.
func ReadCurrent(dir string) (*canary.Canary, *canary.Signed, error) {
	p := filepath.Join(dir, CurrentFile)
	data, err := canary.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	s, err := canary.Open(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v; move it away to start a new chain", p, err)
	}
	c, err := canary.Parse(s.Text)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not a canarykit canary: %v; move it away to start a new chain", p, err)
	}
	return c, s, nil
}

// CheckChain refuses to go on from dir when its archive holds a newer
// canary than the current one, prev (nil when dir/canary.txt is missing):
// issuing then would restart the chain or fork it. The error says how to
// put the newest archived canary back.
func CheckChain(dir string, prev *canary.Canary) error {
	newest, err := NewestArchived(dir)
	if err != nil || newest == 0 || prev != nil && prev.Serial >= newest {
		return err
	}
	cur := filepath.Join(dir, CurrentFile)
	restore := fmt.Sprintf("restore it with cp %s %s, then run canary issue again",
		filepath.Join(dir, ArchiveDir, ArchiveName(newest)), cur)
	if prev == nil {
		return fmt.Errorf("%s is missing but %s holds canaries up to serial %d: %s",
			cur, filepath.Join(dir, ArchiveDir)+string(filepath.Separator), newest, restore)
	}
	return fmt.Errorf("%s is serial %d but %s holds canaries up to serial %d: %s",
		cur, prev.Serial, filepath.Join(dir, ArchiveDir)+string(filepath.Separator), newest, restore)
}

// NewestArchived is the highest serial in dir/archive/ (archive file
// names, NNNNNN.txt); 0 when there is none.
func NewestArchived(dir string) (uint64, error) {
	entries, err := os.ReadDir(filepath.Join(dir, ArchiveDir))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var newest uint64
	for _, e := range entries {
		n, ok := archiveSerial(e.Name())
		if ok && !e.IsDir() && n > newest {
			newest = n
		}
	}
	return newest, nil
}

// archiveSerial reads the serial out of an archive file name.
func archiveSerial(name string) (uint64, bool) {
	digits, ok := strings.CutSuffix(name, ".txt")
	if !ok || len(digits) < 6 { // ParseUint and the round trip below refuse anything but digits
		return 0, false
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n == 0 || ArchiveName(n) != name {
		return 0, false
	}
	return n, true
}

// archiveFree refuses a serial whose archive slot is already taken, before
// anything is written.
func archiveFree(dir string, serial uint64) error {
	p := filepath.Join(dir, ArchiveDir, ArchiveName(serial))
	if _, err := os.Lstat(p); err == nil {
		return fmt.Errorf("%s already exists, so serial %d was issued before; the archive and %s disagree, sort them out by hand", p, serial, CurrentFile)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func archive(dir string, serial uint64, data []byte) error {
	adir := filepath.Join(dir, ArchiveDir)
	if err := os.MkdirAll(adir, 0o755); err != nil {
		return err
	}
	p := filepath.Join(adir, ArchiveName(serial))
	old, err := os.ReadFile(p)
	switch {
	case err == nil && bytes.Equal(old, data):
		return nil
	case err == nil:
		return fmt.Errorf("%s already holds a different canary with serial %d; the archive and %s disagree, sort them out by hand", p, serial, CurrentFile)
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return atomicfile.Write(p, data, 0o644)
}

func mustRead(p string) []byte {
	b, _ := os.ReadFile(p)
	return b
}

// openSigner is d.OpenSigner with errors that say what to do: a missing key
// file names the command that makes it, and a public key where a secret
// one is needed points to drafts signed elsewhere.
func openSigner(d *Definition, ref SignerRef, publicOnly bool) (*signer.Signer, error) {
	if strings.HasPrefix(ref.Key, signer.GPGPrefix) || strings.HasPrefix(ref.Key, signer.KMSPrefix) {
		return d.OpenSigner(ref, publicOnly)
	}
	p := d.KeyPath(ref)
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(p, ".asc"), ".sec"), ".pub")
		return nil, fmt.Errorf("%s does not exist: make it with canary key generate --uid 'NAME <EMAIL>' --out %s (or fix signers: in the definition)", p, base)
	}
	if publicOnly {
		return d.OpenSigner(ref, true)
	}
	s, err := d.OpenSigner(ref, false)
	if err != nil {
		if pub, perr := signer.ReadKey(p); perr == nil && pub.Entity.PrivateKey == nil {
			return nil, fmt.Errorf("%s holds only the public key %s, which cannot sign: give signers: its secret key file, or, when the signers sign elsewhere (m of n), make a draft with canary issue --unsigned for them to cosign", p, pub.Fingerprint())
		}
	}
	return s, err
}
