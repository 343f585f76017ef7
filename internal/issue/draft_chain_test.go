package issue

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
)

// listTree names every file under dir with its contents, to show that a
// refused command wrote nothing.
func listTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			files[p] = string(b)
		}
		return nil
	})
	return files
}

func sameTree(t *testing.T, before, after map[string]string) {
	t.Helper()
	var diff []string
	for p, b := range before {
		if a, ok := after[p]; !ok || a != b {
			diff = append(diff, "changed or removed: "+p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			diff = append(diff, "written: "+p)
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Fatalf("a refused command touched the directory:\n%s", strings.Join(diff, "\n"))
	}
}

// Issue 13 item 5: canary.txt gone (or older than the archive) must not
// restart or fork the chain, whether issuing, drafting or publishing a
// cosigned draft.
func TestIssueRefusesBrokenChain(t *testing.T) {
	def, dir := publisher(t, "")
	out := filepath.Join(dir, "public")
	t1 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	var issued []*Issued
	for i := range 3 {
		r, err := Issue(def, out, t1.Add(time.Duration(i)*day), IssueOptions{})
		if err != nil {
			t.Fatal(err)
		}
		issued = append(issued, r)
	}
	cur := filepath.Join(out, CurrentFile)
	if err := os.Remove(cur); err != nil {
		t.Fatal(err)
	}
	before := listTree(t, dir)
	restore := "restore it with cp " + filepath.Join(out, ArchiveDir, "000003.txt") + " " + cur + ", then run canary issue again"
	for _, draft := range []bool{false, true} {
		_, err := Issue(def, out, t1.Add(5*day), IssueOptions{Draft: draft})
		want := cur + " is missing but " + filepath.Join(out, ArchiveDir) + "/ holds canaries up to serial 3: " + restore
		if err == nil || err.Error() != want {
			t.Fatalf("draft %v: got %v\nwant %s", draft, err, want)
		}
		sameTree(t, before, listTree(t, dir))
	}
	if _, err := PublishSigned(out, issued[0].Signed); err == nil || !strings.Contains(err.Error(), restore) {
		t.Fatalf("PublishSigned with canary.txt missing: %v", err)
	}
	sameTree(t, before, listTree(t, dir))

	if err := os.WriteFile(cur, issued[1].Signed, 0o644); err != nil {
		t.Fatal(err)
	}
	before = listTree(t, dir)
	_, err := Issue(def, out, t1.Add(5*day), IssueOptions{})
	if err == nil || !strings.Contains(err.Error(), cur+" is serial 2 but ") || !strings.Contains(err.Error(), restore) {
		t.Fatalf("older canary.txt: %v", err)
	}
	sameTree(t, before, listTree(t, dir))

	// Restored as told, the chain goes on from serial 3.
	if err := os.WriteFile(cur, issued[2].Signed, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Issue(def, out, t1.Add(5*day), IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Canary.Serial != 4 || r.Canary.Previous != canary.Digest(issued[2].Text) {
		t.Fatalf("after the restore: %+v", r.Canary)
	}
}

func TestNewestArchivedIgnoresOtherNames(t *testing.T) {
	dir := t.TempDir()
	adir := filepath.Join(dir, ArchiveDir)
	os.MkdirAll(filepath.Join(adir, "000009.txt"), 0o755) // a directory
	for _, n := range []string{"000002.txt", "000007.txt.tsr", "7.txt", "notes.txt", "0000012.txt", "000000.txt"} {
		os.WriteFile(filepath.Join(adir, n), nil, 0o644)
	}
	if n, err := NewestArchived(dir); err != nil || n != 2 {
		t.Fatalf("NewestArchived = %d, %v; want 2", n, err)
	}
	if n, err := NewestArchived(filepath.Join(dir, "none")); err != nil || n != 0 {
		t.Fatalf("no archive: %d, %v", n, err)
	}
}

// Issue 13 item 1: a draft changed on its way between signers differs
// from what the definition gives, and each difference is named.
func TestDraftDifferences(t *testing.T) {
	def, dir := publisher(t, "")
	out := filepath.Join(dir, "public")
	t1 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	if _, err := Issue(def, out, t1, IssueOptions{}); err != nil {
		t.Fatal(err)
	}
	d, err := Issue(def, out, t1.Add(10*day), IssueOptions{Draft: true})
	if err != nil {
		t.Fatal(err)
	}
	parse := func(text []byte) *canary.Canary {
		c, err := canary.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if diffs, err := DraftDifferences(def, out, parse(d.Text)); err != nil || len(diffs) != 0 {
		t.Fatalf("an untouched draft: %q, %v", diffs, err)
	}
	if len(def.Statements) < 2 {
		t.Fatalf("the starter definition has %d statements; the test needs two", len(def.Statements))
	}
	bad := parse(d.Text)
	dropped := bad.Statements[0]
	bad.Statements = bad.Statements[1:]
	bad.Expires = bad.Expires.AddDate(10, 0, 0)
	bad.Issuer.Name = "Example Org."
	bad.Previous = canary.Digest([]byte("something else"))
	bad.Statements[0].Text += " Mostly."
	bad.Statements = append(bad.Statements, canary.Statement{ID: "new-one", Text: "A new claim."})
	diffs, err := DraftDifferences(def, out, parse(bad.Render()))
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(diffs, "\n")
	for _, want := range []string{
		`the definition's statement "` + dropped.ID + `"`,
		"is missing from the draft",
		"the draft expires " + bad.Expires.Format(canary.TimeLayout) + ", the definition gives " + d.Canary.Expires.Format(canary.TimeLayout),
		`the draft's issuer is "Example Org.", the definition gives "Example Org"`,
		"the draft's previous digest is " + bad.Previous,
		`the draft's statement "` + bad.Statements[0].ID + `" reads`,
		`the draft has a statement "new-one"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("differences lack %q:\n%s", want, all)
		}
	}
	for _, line := range diffs {
		if strings.Contains(line, "\n") {
			t.Errorf("a difference spans lines: %q", line)
		}
	}

	// A reordered signer list or statements, or a different signer set.
	swapped := parse(d.Text)
	swapped.Statements[0], swapped.Statements[1] = swapped.Statements[1], swapped.Statements[0]
	if diffs, _ := DraftDifferences(def, out, parse(swapped.Render())); len(diffs) != 1 || !strings.Contains(diffs[0], "different order") {
		t.Errorf("reordered statements: %q", diffs)
	}
	other := parse(d.Text)
	other.Signers = []string{strings.Repeat("A", 40)}
	if diffs, _ := DraftDifferences(def, out, parse(other.Render())); len(diffs) != 2 {
		t.Errorf("another signer: %q", diffs)
	}
}

func TestCosignRefusesWhatIsNotACanary(t *testing.T) {
	def, dir := publisher(t, "")
	s, err := def.OpenSigner(def.Signers[0], false)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Unlock(nil); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("Please sign this contract.\n"), 0o644)
	if _, err := CosignFile(notes, s, now); err == nil || !strings.Contains(err.Error(), "not a canarykit canary") {
		t.Fatalf("cosigning free text: %v", err)
	}
	if b, _ := os.ReadFile(notes); string(b) != "Please sign this contract.\n" {
		t.Fatalf("the refused file changed: %q", b)
	}
	signed, err := CosignFileWith(notes, s, now, CosignOptions{FreeText: true})
	if err != nil {
		t.Fatalf("with FreeText: %v", err)
	}
	if _, err := Cosign(signed, s, now); err == nil || !strings.Contains(err.Error(), "not a canarykit canary") {
		t.Fatalf("a clearsigned free text: %v", err)
	}
}

// PublishedBefore finds what a cosigner's canary follows, and Changes says
// what is different.
func TestPublishedBeforeAndChanges(t *testing.T) {
	def, dir := publisher(t, "")
	out := filepath.Join(dir, "public")
	t1 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	first, err := Issue(def, out, t1, IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Issue(def, out, t1.Add(day), IssueOptions{Draft: true})
	if err != nil {
		t.Fatal(err)
	}
	prev, text, where, err := PublishedBefore(filepath.Join(out, DraftFile), d.Canary)
	if err != nil || prev == nil || where != filepath.Join(out, CurrentFile) || string(text) != string(first.Text) {
		t.Fatalf("PublishedBefore(draft) = %v, %q, %v", prev, where, err)
	}
	if ch := Changes(prev, text, d.Canary); len(ch) != 0 {
		t.Fatalf("no changes expected: %q", ch)
	}
	changed := *d.Canary
	changed.Statements = changed.Statements[1:]
	changed.Expires = changed.Expires.AddDate(10, 0, 0)
	ch := strings.Join(Changes(prev, text, &changed), "\n")
	if !strings.Contains(ch, "statement ["+d.Canary.Statements[0].ID+"] was REMOVED") || !strings.Contains(ch, "valid for") {
		t.Fatalf("changes: %s", ch)
	}
	second, err := Issue(def, out, t1.Add(2*day), IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	prev, _, where, err = PublishedBefore(filepath.Join(out, CurrentFile), second.Canary)
	if err != nil || prev == nil || prev.Serial != 1 || where != filepath.Join(out, ArchiveDir, ArchiveName(1)) {
		t.Fatalf("PublishedBefore(canary.txt) = %v, %q, %v", prev, where, err)
	}
	if prev, _, _, err := PublishedBefore(filepath.Join(dir, "elsewhere", DraftFile), d.Canary); prev != nil || err != nil {
		t.Fatalf("nothing beside: %v, %v", prev, err)
	}
}
