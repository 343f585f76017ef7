package issue

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/signer"
)

var day = 24 * time.Hour

// publisher writes a definition and a key into a temporary directory.
func publisher(t *testing.T, pass string) (def *Definition, dir string) {
	t.Helper()
	dir = t.TempDir()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sec, _, _, err := keys.GenerateKey("Alice <alice@example.org>", []byte(pass), 0, t0)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "keys"), 0o700)
	if err := os.WriteFile(filepath.Join(dir, "keys", "alice.sec.asc"), sec, 0o600); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "canary.yaml")
	if err := os.WriteFile(p, StarterDefinition(p, "Example Org", "https://example.org"), 0o644); err != nil {
		t.Fatal(err)
	}
	def, err = LoadDefinition(p)
	if err != nil {
		t.Fatal(err)
	}
	return def, dir
}

func TestIssueChainsAndArchives(t *testing.T) {
	def, dir := publisher(t, "")
	out := filepath.Join(dir, "public")
	t1 := time.Date(2026, 11, 22, 12, 0, 0, 500, time.UTC)
	first, err := Issue(def, out, t1, IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := first.Canary
	if c.Serial != 1 || c.Previous != "" || !c.Issued.Equal(t1.Truncate(time.Second)) || !c.Expires.Equal(c.Issued.Add(97*day)) {
		t.Fatalf("first canary %+v", c)
	}
	second, err := Issue(def, out, t1.Add(90*day), IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if second.Canary.Serial != 2 || second.Canary.Previous != canary.Digest(first.Text) {
		t.Fatalf("second canary does not chain: %+v", second.Canary)
	}
	for serial, want := range map[uint64][]byte{1: first.Signed, 2: second.Signed} {
		got, err := os.ReadFile(filepath.Join(out, ArchiveDir, ArchiveName(serial)))
		if err != nil || string(got) != string(want) {
			t.Fatalf("archive %d: %v", serial, err)
		}
	}
	cur, _ := os.ReadFile(filepath.Join(out, CurrentFile))
	if string(cur) != string(second.Signed) {
		t.Fatal("canary.txt is not the second canary")
	}
}

func TestIssueFailureLeavesDirectoryAsItWas(t *testing.T) {
	def, dir := publisher(t, "secret")
	out := filepath.Join(dir, "public")
	pass := func(pw string) signer.PassphraseFunc {
		return func(string, string) ([]byte, error) { return []byte(pw), nil }
	}
	t1 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	if _, err := Issue(def, out, t1, IssueOptions{Passphrase: pass("secret")}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(out, CurrentFile))
	_, err := Issue(def, out, t1.Add(day), IssueOptions{Passphrase: pass("wrong")})
	if err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Fatalf("wrong passphrase: %v", err)
	}
	_, err = Issue(def, out, t1.Add(day), IssueOptions{})
	if err == nil || !strings.Contains(err.Error(), "CANARY_PASSPHRASE") {
		t.Fatalf("no passphrase: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(out, CurrentFile))
	ents, _ := os.ReadDir(filepath.Join(out, ArchiveDir))
	if string(before) != string(after) || len(ents) != 1 {
		t.Fatalf("a failed issue changed the directory (%d archive entries)", len(ents))
	}
	// A draft needs no passphrase and writes nothing.
	d, err := Issue(def, out, t1.Add(day), IssueOptions{Draft: true})
	if err != nil || d.Signed != nil || d.Canary.Serial != 2 {
		t.Fatalf("draft: %+v, %v", d, err)
	}
	if ents, _ := os.ReadDir(filepath.Join(out, ArchiveDir)); len(ents) != 1 {
		t.Fatal("a draft wrote to the archive")
	}
}

func TestIssueRepairsArchiveAndRefusesConflicts(t *testing.T) {
	def, dir := publisher(t, "")
	out := filepath.Join(dir, "public")
	t1 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	if _, err := Issue(def, out, t1, IssueOptions{}); err != nil {
		t.Fatal(err)
	}
	// A crash between writing canary.txt and its archive copy.
	os.Remove(filepath.Join(out, ArchiveDir, ArchiveName(1)))
	if _, err := Issue(def, out, t1.Add(day), IssueOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, ArchiveDir, ArchiveName(1))); err != nil {
		t.Fatal("serial 1 was not put back into the archive")
	}
	// An archive that disagrees with canary.txt is not overwritten.
	os.WriteFile(filepath.Join(out, ArchiveDir, ArchiveName(2)), []byte("other"), 0o644)
	if _, err := Issue(def, out, t1.Add(2*day), IssueOptions{}); err == nil || !strings.Contains(err.Error(), "different canary with serial 2") {
		t.Fatalf("conflict: %v", err)
	}
	// A canary.txt that is not ours is not overwritten either.
	os.WriteFile(filepath.Join(out, CurrentFile), []byte("hello\n"), 0o644)
	if _, err := Issue(def, out, t1.Add(3*day), IssueOptions{}); err == nil || !strings.Contains(err.Error(), "move it away") {
		t.Fatalf("foreign canary.txt: %v", err)
	}
}

func TestIssueRefusesKeyProblems(t *testing.T) {
	def, dir := publisher(t, "")
	def.Signers = append(def.Signers, def.Signers[0])
	if _, err := Issue(def, filepath.Join(dir, "public"), time.Now(), IssueOptions{}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("same key twice: %v", err)
	}
	def.Signers = def.Signers[:1]
	// Signing before the key existed is refused with a clear reason.
	if _, err := Issue(def, filepath.Join(dir, "public"), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), IssueOptions{}); err == nil || !strings.Contains(err.Error(), "was only made on") {
		t.Fatalf("early signing: %v", err)
	}
}

func TestStarterDefinitionLoads(t *testing.T) {
	for _, name := range []string{"Example Org", `Quote "Me" \ Org: yes`} {
		d, err := ParseDefinition("canary.yaml", StarterDefinition("canary.yaml", name, "https://example.org"))
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		if d.Issuer.Name != name || len(d.Statements) != 3 || time.Duration(d.Cadence) != 90*day || time.Duration(d.Grace) != 7*day || d.Threshold != 1 {
			t.Fatalf("%+v", d)
		}
	}
}

// The canary after serial 2^53-1 cannot be made.
func TestNextStopsAtMaxSerial(t *testing.T) {
	def := &Definition{
		Issuer:     canary.Issuer{Name: "Example Org", URL: "https://example.org"},
		Cadence:    duration.Duration(90 * 24 * time.Hour),
		Grace:      duration.Duration(7 * 24 * time.Hour),
		Threshold:  1,
		Statements: []canary.Statement{{ID: "no-warrants", Text: "Example Org has not received any warrant."}},
	}
	issued := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	prev := &canary.Canary{
		Format: canary.FormatV1, Issuer: def.Issuer, Serial: canary.MaxSerial - 1,
		Issued: issued, Expires: issued.Add(97 * 24 * time.Hour), Threshold: 1,
		Signers:    []string{"F70D56C58248D1DD19D39559C9A3B83994E18046"},
		Statements: def.Statements,
	}
	now := prev.Issued.Add(90 * 24 * time.Hour)
	c, err := Next(def, prev.Signers, prev, prev.Render(), now)
	if err != nil || c.Serial != canary.MaxSerial {
		t.Fatalf("Next after %d: %v", prev.Serial, err)
	}
	prev.Serial = canary.MaxSerial
	if c, err := Next(def, prev.Signers, prev, prev.Render(), now); err == nil || !strings.Contains(err.Error(), "serial 9007199254740992 is larger than 2^53-1") {
		t.Fatalf("Next after 2^53-1: %v, %+v", err, c)
	}
}
