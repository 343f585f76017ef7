package issue

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/keys"
)

// Issue 15: the publisher's safety net.

func TestReissueInTheSameSecond(t *testing.T) {
	def, dir := publisher(t, "")
	out := filepath.Join(dir, "public")
	t1 := time.Date(2026, 11, 22, 12, 0, 0, 300, time.UTC)
	first, err := Issue(def, out, t1, IssueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A corrected canary right after, in the same second: dated one
	// second after the previous one.
	second, err := Issue(def, out, t1.Add(400*time.Millisecond), IssueOptions{})
	if err != nil {
		t.Fatalf("re-issue in the same second: %v", err)
	}
	if want := first.Canary.Issued.Add(time.Second); !second.Canary.Issued.Equal(want) || !second.Canary.Expires.Equal(want.Add(97*day)) {
		t.Errorf("second canary issued %s, expires %s; want issued %s", second.Canary.Issued, second.Canary.Expires, want)
	}
	// And again, with the clock a second behind the last one.
	third, err := Issue(def, out, t1, IssueOptions{})
	if err != nil {
		t.Fatalf("re-issue a second behind: %v", err)
	}
	if want := second.Canary.Issued.Add(time.Second); !third.Canary.Issued.Equal(want) {
		t.Errorf("third canary issued %s, want %s", third.Canary.Issued, want)
	}
	// A clock that really went backwards is still refused.
	_, err = Issue(def, out, t1.Add(-time.Minute), IssueOptions{})
	if err == nil || !strings.Contains(err.Error(), "is the clock right?") {
		t.Errorf("clock a minute back: %v", err)
	}
}

func TestStatementChangesAndAlarms(t *testing.T) {
	prev := &canary.Canary{Threshold: 2, Signers: []string{"AAAA", "BBBB"}, Statements: []canary.Statement{
		{ID: "a", Text: "A."}, {ID: "b", Text: "B."}, {ID: "c", Text: "C."},
	}}
	next := &canary.Canary{Threshold: 1, Signers: []string{"AAAA", "CCCC"}, Statements: []canary.Statement{
		{ID: "a", Text: "A, mostly."}, {ID: "c2", Text: "C."}, {ID: "d", Text: "D."},
	}}
	got := StatementChanges(prev.Statements, next.Statements)
	want := []StatementChange{
		{Kind: "reworded", ID: "a", Old: "A.", New: "A, mostly."},
		{Kind: "removed", ID: "b", Old: "B."},
		{Kind: "removed", ID: "c", Old: "C.", RenamedTo: "c2"},
		{Kind: "added", ID: "c2", New: "C."},
		{Kind: "added", ID: "d", New: "D."},
	}
	if len(got) != len(want) {
		t.Fatalf("changes %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	alarms := strings.Join(Alarms(prev, next), "\n")
	for _, w := range []string{
		`statement "a" is REWORDED: readers comparing canaries will see CRITICAL — this trips your canary`,
		`statement "b" is REMOVED: readers comparing canaries will see CRITICAL — this trips your canary`,
		`statement "c" is REMOVED: its text is now under the id "c2"`,
		"the signers change: BBBB no longer listed, CCCC new;",
		"transition canary",
		"the threshold is lowered from 2 to 1",
	} {
		if !strings.Contains(alarms, w) {
			t.Errorf("alarms lack %q:\n%s", w, alarms)
		}
	}
	if a := Alarms(prev, prev); len(a) != 0 {
		t.Errorf("a renewal alarms: %q", a)
	}
}

func TestIssueReviewStopsBeforeSigning(t *testing.T) {
	def, dir := publisher(t, "secret")
	out := filepath.Join(dir, "public")
	t1 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	if _, err := Issue(def, out, t1, IssueOptions{Passphrase: func(string, string) ([]byte, error) { return []byte("secret"), nil }}); err != nil {
		t.Fatal(err)
	}
	asked := false
	_, err := Issue(def, out, t1.Add(day), IssueOptions{
		Passphrase: func(string, string) ([]byte, error) { asked = true; return []byte("secret"), nil },
		Review:     func(prev, next *canary.Canary) error { return os.ErrPermission },
	})
	if err != os.ErrPermission || asked {
		t.Errorf("review error %v, passphrase asked %v", err, asked)
	}
	if _, err := os.Stat(filepath.Join(out, ArchiveDir, ArchiveName(2))); err == nil {
		t.Error("canary 2 was written")
	}
}

func TestIssueKeyFileErrorsSayWhatToDo(t *testing.T) {
	def, dir := publisher(t, "")
	out := filepath.Join(dir, "public")
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	def.Signers = []SignerRef{{Key: "keys/bob.sec.asc"}}
	_, err := Issue(def, out, now, IssueOptions{})
	want := filepath.Join(dir, "keys", "bob.sec.asc") + " does not exist: make it with canary key generate --uid 'NAME <EMAIL>' --out " + filepath.Join(dir, "keys", "bob")
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("missing key: %v\nwant %s", err, want)
	}
	_, pub, _, err := keys.GenerateKey("Bob <bob@example.org>", nil, 0, now.Add(-day))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "keys", "bob.pub.asc"), pub, 0o644)
	def.Signers = []SignerRef{{Key: "keys/bob.pub.asc"}}
	_, err = Issue(def, out, now, IssueOptions{})
	if err == nil || !strings.Contains(err.Error(), "holds only the public key") || !strings.Contains(err.Error(), "canary issue --unsigned") {
		t.Errorf("public key only: %v", err)
	}
	if _, err := Issue(def, out, now, IssueOptions{Draft: true}); err != nil {
		t.Errorf("a draft with a public key: %v", err)
	}
}
