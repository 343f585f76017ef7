package dashboard

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
	pgpkeys "github.com/canarykit/canarykit/internal/keys"
	signing "github.com/canarykit/canarykit/internal/signer"
	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// nasty holds what must never reach a page as it is: a terminal escape,
// a right-to-left override, a zero-width space and a byte that is not
// UTF-8.
const nasty = "\x1b[2J\u202E\u200B\xff"

// rawBytes are the bytes of nasty as they must not be written.
var rawBytes = []string{"\x1b", "\u202E", "\u200B", "\xff", "\u2066", "\x07"}

// hostileHistory is a target whose canary (free text, clearsigned), its
// signer's user ID, its summary, its events and a canarykit canary's
// issuer and statement all carry nasty.
func hostileHistory(t *testing.T) (*store.DB, store.Target, [][]byte) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	secret, _, fpr, err := pgpkeys.GenerateKey("Mallory <mallory@example.org>", nil, 0, t0.Add(-day))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "k.sec.asc"), secret, 0o600)
	signer, err := signing.ReadSigner(filepath.Join(dir, "k.sec.asc"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, filepath.Join(dir, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ids, err := db.SyncTargets(ctx, []store.TargetSpec{{Name: "hostile", Location: "https://hostile.example/canary.txt"}, {Name: "kit", Location: "https://kit.example/canary.txt"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	uid := "Mallory " + nasty + "\u2066 <mallory@example.org>"
	text := "We have received no warrants." + nasty + "\nsecond\x07line \u202Esgnirraw on\n"
	body, err := signing.Sign([]byte(text), []*signing.Signer{signer}, t0)
	if err != nil {
		t.Fatal(err)
	}
	c := &store.Canary{Body: body, Digest: canary.Digest(body), Kind: "free-text", Issued: t0, Status: verdict.Warning, Good: true,
		Source: "https://hostile.example/canary.txt", Signers: []string{uid}}
	msg := "statement \"x\" was REMOVED; it said: \"" + nasty + "\""
	rec := &store.Record{TargetID: ids[0].ID, At: t0, Status: verdict.Critical, HardStatus: verdict.Critical, Summary: "signed by " + uid + ": " + nasty,
		Changed: true, Canary: c, NewBaseline: true, Events: []store.Event{
			{Type: "statement-removed", Status: verdict.Critical, Message: msg},
			{Type: "new-canary", Status: verdict.Warning, Message: "first canary seen, signed by " + uid},
		}}
	if err := db.Save(ctx, []*store.Record{rec}); err != nil {
		t.Fatal(err)
	}
	bodies := [][]byte{body}

	// A canarykit canary: its issuer and statements are shown as parsed.
	// Such a canary must be UTF-8 and free of control characters to
	// parse, so it carries the rest.
	const kitNasty = "\u202E\u200B"
	kc := &canary.Canary{Format: canary.FormatV1, Issuer: canary.Issuer{Name: "Example " + kitNasty + " Org", URL: "https://kit.example"},
		Serial: 1, Issued: t0, Expires: t0.Add(90 * day), Threshold: 1, Signers: []string{fpr},
		Statements: []canary.Statement{{ID: "no-warrants", Text: "No warrants." + kitNasty}}}
	kbody, err := signing.Sign(kc.Render(), []*signing.Signer{signer}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := canary.Open(kbody); err != nil {
		t.Fatal(err)
	} else if _, err := canary.Parse(s.Text); err != nil {
		t.Fatal(err)
	}
	kcs := &store.Canary{Body: kbody, Digest: canary.Digest(kbody), Kind: "canarykit", Serial: 1, Issued: t0, Expires: t0.Add(90 * day),
		Status: verdict.Warning, Good: true, Source: "https://kit.example/canary.txt", Signers: []string{uid}}
	if err := db.Save(ctx, []*store.Record{{TargetID: ids[1].ID, At: t0, Status: verdict.Warning, HardStatus: verdict.Warning,
		Summary: nasty, Changed: true, Canary: kcs, NewBaseline: true}}); err != nil {
		t.Fatal(err)
	}
	return db, ids[0], append(bodies, kbody)
}

// TestHostileTextEscaped: text from a canary, a key or a fetched page is
// written through verdict.Display, as the command line writes it, not
// only HTML-escaped: no control, invisible or direction-changing
// character and no byte that is not UTF-8 reaches a page as it is.
func TestHostileTextEscaped(t *testing.T) {
	db, target, bodies := hostileHistory(t)
	dir := t.TempDir()
	if err := Write(context.Background(), db, dir, at); err != nil {
		t.Fatal(err)
	}
	pages := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if strings.HasPrefix(rel, "archive"+string(filepath.Separator)) {
			// The archive is the canary as published, byte for byte, so
			// that gpg can check it: it is not a page.
			for _, body := range bodies {
				if bytes.Equal(b, body) {
					return nil
				}
			}
			t.Errorf("%s is not a canary as published", rel)
			return nil
		}
		pages++
		for _, raw := range rawBytes {
			if i := bytes.Index(b, []byte(raw)); i >= 0 {
				t.Errorf("%s holds %q as it is: …%q…", rel, raw, b[max(i-60, 0):min(i+20, len(b))])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages != 3 {
		t.Errorf("%d pages written, want 3", pages)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "targets", target.ID+".html"))
	esc := `\x1b[2J\u202E\u200B\xff`
	for _, want := range []string{
		// The signed text, its lines kept, each escaped.
		"We have received no warrants." + esc + "\nsecond\\x07line \\u202Esgnirraw on",
		// The signer, the summary, an event in the table and in the picture.
		`Mallory ` + esc + `\u2066 &lt;mallory@example.org&gt;`,
		`<td class="msg">statement &#34;x&#34; was REMOVED; it said: &#34;` + esc + `&#34;</td>`,
		`statement-removed: statement &#34;x&#34; was REMOVED; it said: &#34;` + esc + `&#34;</title>`,
		// And as the reason it is CRITICAL.
		`</time>): statement &#34;x&#34; was REMOVED; it said: &#34;` + esc + `&#34;</li>`,
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the page lacks %q", want)
		}
	}
	idx, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	if !bytes.Contains(idx, []byte(esc)) {
		t.Errorf("index.html lacks the summary escaped, %q", esc)
	}
	list, _ := db.Overviews(context.Background(), "")
	for _, o := range list {
		if o.Name != "kit" {
			continue
		}
		kit, _ := os.ReadFile(filepath.Join(dir, "targets", o.ID+".html"))
		for _, want := range []string{`Example \u202E\u200B Org states:`, `<li>No warrants.\u202E\u200B <span class="id">`} {
			if !bytes.Contains(kit, []byte(want)) {
				t.Errorf("the page of kit lacks %q", want)
			}
		}
	}

	// The server renders the same pages.
	for _, p := range []string{"/", "/targets/" + target.ID + ".html"} {
		b, _, err := serve(context.Background(), db, p, at)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range rawBytes {
			if bytes.Contains(b, []byte(raw)) {
				t.Errorf("GET %s holds %q as it is", p, raw)
			}
		}
	}
}

// TestDisplayLines: the signed text keeps its line breaks, and every line
// is escaped as the command line escapes it.
func TestDisplayLines(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "",
		"a\nb\n":                 "a\nb\n",
		"a\x1b[2J\nb\xff":        "a\\x1b[2J\nb\\xff",
		"\u202Eevil\r\n\u200b\n": "\\u202Eevil\\x0d\n\\u200B\n",
	} {
		if got := verdict.DisplayLines(in); got != want {
			t.Errorf("verdict.DisplayLines(%q) = %q, want %q", in, got, want)
		}
		for _, line := range strings.Split(in, "\n") {
			if d := verdict.Display(line); !strings.Contains(verdict.DisplayLines(in), d) {
				t.Errorf("verdict.DisplayLines(%q) does not hold verdict.Display(%q) = %q", in, line, d)
			}
		}
	}
}

// TestClipKeepsBytes: a message is clipped by characters without turning
// a byte that is not UTF-8 into U+FFFD, so that it is escaped as \xff.
func TestClipKeepsBytes(t *testing.T) {
	if got := clip("ab\xffcd", 3); got != "ab\xff…" {
		t.Errorf("clip = %q", got)
	}
	if got := clip("äöü", 3); got != "äöü" {
		t.Errorf("clip = %q", got)
	}
	if got := clip("äöüx", 3); got != "äöü…" {
		t.Errorf("clip = %q", got)
	}
}

// TestWriteRemovesStaleTemporaries: a write killed half-way leaves its
// temporary files; the next write removes them, and only them: the
// temporaries of a live writer and every other file stay.
func TestWriteRemovesStaleTemporaries(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dir := t.TempDir()
	if err := Write(ctx, f.db, dir, at); err != nil {
		t.Fatal(err)
	}
	if left := temporaries(t, dir); len(left) > 0 {
		t.Errorf("temporary files left after a write: %q", left)
	}
	sub := filepath.Join(dir, "archive", "example-org-"+f.org.ID[:8])
	old := time.Now().Add(-48 * time.Hour)
	stale := map[string]bool{
		// Ours, by this process id (a restarted container has the same
		// one), by a process that is gone, and an old one.
		filepath.Join(dir, tempPrefix+fmt.Sprint(os.Getpid())+"-123"):                   false,
		filepath.Join(dir, "targets", tempPrefix+fmt.Sprint(deadPID(t))+"-456"):         false,
		filepath.Join(sub, tempPrefix+"1-789"):                                          false, // pid 1 lives, but the file is old
		filepath.Join(dir, "targets", "."+f.org.ID+".html.tmp2871334"):                  false, // an older canarykit's
		filepath.Join(dir, ".index.html.tmp99"):                                         false,
		filepath.Join(dir, "notes.txt"):                                                 true,
		filepath.Join(dir, ".htaccess"):                                                 true,
		filepath.Join(dir, "targets", "mine.html.tmp"):                                  true,
		filepath.Join(dir, "targets", tempPrefix+"x"):                                   true,  // not our pattern
		filepath.Join(dir, tempPrefix+"1-42"):                                           true,  // a live writer's, new
		filepath.Join(sub, ".000002.txt.sig.tmp55"):                                     false, // an older canarykit's, old
		filepath.Join(sub, ".000001.txt.tmp1234"):                                       true,  // canary archive export's, maybe running
		filepath.Join(dir, "archive", "other", tempPrefix+fmt.Sprint(os.Getpid())+"-1"): true,  // not a directory we write
	}
	for p := range stale {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("half a pa"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{filepath.Join(sub, tempPrefix+"1-789"), filepath.Join(dir, "targets", "."+f.org.ID+".html.tmp2871334"), filepath.Join(dir, ".index.html.tmp99"), filepath.Join(sub, ".000002.txt.sig.tmp55")} {
		os.Chtimes(p, old, old)
	}
	if err := Write(ctx, f.db, dir, at); err != nil {
		t.Fatal(err)
	}
	for p, keep := range stale {
		_, err := os.Lstat(p)
		if kept := err == nil; kept != keep {
			t.Errorf("%s: kept %v, want %v", p, kept, keep)
		}
	}
	for _, p := range temporaries(t, dir) {
		if !stale[p] {
			t.Errorf("temporary file left after a write: %s", p)
		}
	}
}

// temporaries lists the files under dir whose name says they are ours.
func temporaries(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// deadPID returns the id of a process that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p, err := os.StartProcess(exe, []string{exe, "-test.run=^$"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	p.Wait()
	return p.Pid
}
