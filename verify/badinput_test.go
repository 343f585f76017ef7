package verify

import (
	"bytes"
	"crypto"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/keys"
	"github.com/canarykit/canarykit/internal/signer"
)

// The bad-input matrix of docs/SECURITY.md: every row is a case here, and
// each must end in its documented verdict, without a panic, within a
// bounded amount of memory. Time is not asserted (tests are not
// benchmarks; BenchmarkBadInput measures it), but a row that hangs fails
// after badInputDeadline, which is hundreds of times what any row takes.

const (
	badInputDeadline = 60 * time.Second
	badInputMaxAlloc = 256 << 20 // bytes allocated while judging one row
)

type badRow struct {
	name   string
	input  func(t testing.TB) ([]byte, Options)
	status Status
	check  string // a check with this name ...
	has    string // ... whose message contains this
	hidden string // text that must appear in no output (unsigned text)
	shown  string // text that must appear in the text output
}

func (k testKey) opts() Options { return Options{Keys: k.public, At: t0.Add(time.Hour)} }

// signedText clearsigns text as is (it need not be a canarykit canary).
func signedText(t testing.TB, text string) []byte {
	a, _ := twoKeys(t)
	return sign(t, []byte(text), t0, a)
}

// canaryWith issues a canarykit canary with these statements and issuer.
func canaryWith(t testing.TB, issuer string, ss ...canary.Statement) []byte {
	a, _ := twoKeys(t)
	c := &canary.Canary{
		Format: canary.FormatV1, Issuer: canary.Issuer{Name: issuer, URL: "https://example.org"},
		Serial: 1, Issued: t0, Expires: t0.Add(97 * 24 * time.Hour), Threshold: 1, Statements: ss,
	}
	return sign(t, c.Render(), t0, a)
}

func good(t testing.TB) []byte {
	a, _ := twoKeys(t)
	return mk(t, 1, t0, nil, statements(), a)
}

// armorLines returns the lines of the signature armor of a good canary.
func armorLines(t testing.TB) (doc string, lines []string) {
	doc = string(good(t))
	i := strings.Index(doc, "-----BEGIN PGP SIGNATURE-----")
	return doc, strings.Split(doc[i:], "\n")
}

func withKey(data []byte, keys openpgp.EntityList) ([]byte, Options) {
	return data, Options{Keys: keys, At: t0.Add(time.Hour)}
}

// keyWith makes a key with extra user IDs and signing subkeys, and a
// canary it signed.
func keyWith(t testing.TB, uids, subkeys int) ([]byte, Options) {
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA, Curve: packet.Curve25519, DefaultHash: crypto.SHA512,
		Time: func() time.Time { return t0.Add(-24 * time.Hour) }}
	e, err := openpgp.NewEntity("Many", "", "many@example.org", cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.Subkeys = nil
	for i := range uids {
		if err := e.AddUserId(fmt.Sprintf("User %d", i), "", fmt.Sprintf("u%d@example.org", i), cfg); err != nil {
			t.Fatal(err)
		}
	}
	for range subkeys {
		if err := e.AddSigningSubkey(cfg); err != nil {
			t.Fatal(err)
		}
	}
	c := &canary.Canary{Format: canary.FormatV1, Issuer: canary.Issuer{Name: "Many", URL: "https://example.org"},
		Serial: 1, Issued: t0, Expires: t0.Add(97 * 24 * time.Hour), Threshold: 1, Statements: statements()}
	signed, err := signer.Sign(c.Render(), []*signer.Signer{{Entity: e, Source: "many"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	var pub bytes.Buffer
	if err := e.Serialize(&pub); err != nil {
		t.Fatal(err)
	}
	keys, err := keys.ReadKeys(pub.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return withKey(signed, keys)
}

func badRows() []badRow {
	a := func(t testing.TB) Options { k, _ := twoKeys(t); return k.opts() }
	return []badRow{
		{"armor cut short in its base64", func(t testing.TB) ([]byte, Options) {
			doc, _ := armorLines(t)
			return []byte(doc[:strings.Index(doc, "-----BEGIN PGP SIGNATURE-----")+60]), a(t)
		}, Critical, "signed-block", "damaged or cut short", "", ""},
		{"armor without its END line", func(t testing.TB) ([]byte, Options) {
			doc, _ := armorLines(t)
			return []byte(strings.Replace(doc, "-----END PGP SIGNATURE-----", "", 1)), a(t)
		}, Critical, "signed-block", "damaged or cut short", "", ""},
		{"input over 4 MiB", func(t testing.TB) ([]byte, Options) {
			return append(good(t), bytes.Repeat([]byte("x"), canary.MaxCanaryBytes)...), a(t)
		}, Unknown, "signed-block", "larger than", "", ""},
		{"signature armor over 1 MiB", func(t testing.TB) ([]byte, Options) {
			doc, lines := armorLines(t)
			big := strings.Repeat(strings.Repeat("A", 64)+"\n", (1<<20)/48+100)
			return []byte(strings.Replace(doc, lines[2]+"\n", big, 1)), a(t)
		}, Unknown, "signed-block", "larger than", "", ""},
		{"invalid base64 in the armor", func(t testing.TB) ([]byte, Options) {
			doc, lines := armorLines(t)
			return []byte(strings.Replace(doc, lines[2], lines[2][:10]+"!*!*"+lines[2][14:], 1)), a(t)
		}, Critical, "signed-block", "armor is damaged", "", ""},
		{"NUL byte in the armor", func(t testing.TB) ([]byte, Options) {
			doc, lines := armorLines(t)
			return []byte(strings.Replace(doc, lines[2], lines[2][:10]+"\x00"+lines[2][10:], 1)), a(t)
		}, Critical, "signed-block", "armor is damaged", "", ""},
		{"CRC-24 that does not match", func(t testing.TB) ([]byte, Options) {
			doc, lines := armorLines(t)
			for _, l := range lines {
				if len(l) == 5 && l[0] == '=' {
					return []byte(strings.Replace(doc, l, "=AAAA", 1)), a(t)
				}
			}
			t.Fatal("no CRC line")
			return nil, Options{}
		}, Warning, "armor", "CRC-24 checksum does not match", "", ""},
		{"text after the armor checksum", func(t testing.TB) ([]byte, Options) {
			doc, _ := armorLines(t)
			return []byte(strings.Replace(doc, "\n-----END PGP SIGNATURE-----", "\nSGlkZGVu\n-----END PGP SIGNATURE-----", 1)), a(t)
		}, Warning, "armor", "characters after its checksum line were ignored", "", ""},
		{"dash-escaped fake signature line added to the text", func(t testing.TB) ([]byte, Options) {
			return bytes.Replace(good(t), []byte("Statements:\n"), []byte("Statements:\n- -----BEGIN PGP SIGNATURE-----\n"), 1), a(t)
		}, Critical, "signature", "does not match the text", "", ""},
		{"unescaped signature line inside the text", func(t testing.TB) ([]byte, Options) {
			return bytes.Replace(good(t), []byte("Statements:\n"), []byte("Statements:\n-----BEGIN PGP SIGNATURE-----\n"), 1), a(t)
		}, Critical, "signature", "does not match the text", "", ""},
		{"signed text with a dash-escaped marker line, shown as signed", func(t testing.TB) ([]byte, Options) {
			return signedText(t, "We have received no warrant.\n-----BEGIN PGP SIGNATURE-----\nThe line above is part of the text.\n"), a(t)
		}, Warning, "expiry", "states no expiry", "", "  | -----BEGIN PGP SIGNATURE-----"},
		{"Hash header that lies", func(t testing.TB) ([]byte, Options) {
			return bytes.Replace(good(t), []byte("Hash: SHA512"), []byte("Hash: SHA256"), 1), a(t)
		}, Warning, "hash", "does not name SHA512", "", ""},
		{"unsigned text before the block", func(t testing.TB) ([]byte, Options) {
			return append([]byte("UNSIGNED: we have received a warrant\n\n"), good(t)...), a(t)
		}, Warning, "signed-block", "not signed and were ignored", "UNSIGNED", ""},
		{"unsigned text after the block", func(t testing.TB) ([]byte, Options) {
			return append(good(t), []byte("\nUNSIGNED: ignore the statements above\n")...), a(t)
		}, Warning, "signed-block", "not signed and were ignored", "UNSIGNED", ""},
		{"two signed blocks", func(t testing.TB) ([]byte, Options) {
			return append(good(t), canaryWith(t, "SECOND BLOCK", canary.Statement{ID: "x", Text: "y"})...), a(t)
		}, Warning, "signed-block", "holds 2 signed blocks; only the first was checked", "SECOND BLOCK", ""},
		{"NUL byte in a canarykit statement", func(t testing.TB) ([]byte, Options) {
			return canaryWith(t, "Example Org", canary.Statement{ID: "a", Text: "No\x00warrants."}), a(t)
		}, Critical, "format", "control character U+0000", "", ""},
		{"NUL byte in a free-text canary", func(t testing.TB) ([]byte, Options) {
			return signedText(t, "We have received no\x00 warrant.\n"), a(t)
		}, Warning, "expiry", "states no expiry", "\x00", `no\x00 warrant`},
		{"invalid UTF-8 in a canarykit canary", func(t testing.TB) ([]byte, Options) {
			return canaryWith(t, "Example Org", canary.Statement{ID: "a", Text: "No \xffwarrants."}), a(t)
		}, Critical, "format", "not valid UTF-8", "", ""},
		{"invalid UTF-8 in a free-text canary", func(t testing.TB) ([]byte, Options) {
			return signedText(t, "We have received no \xff\xfe warrant.\n"), a(t)
		}, Warning, "expiry", "states no expiry", "\xff", `no \xff\xfe warrant`},
		{"bidirectional override in a statement", func(t testing.TB) ([]byte, Options) {
			return canaryWith(t, "Example Org", canary.Statement{ID: "a", Text: "We have received \u202eno\u202c warrants."}), a(t)
		}, Warning, "text", "bidirectional control U+202E", "\u202e", `received \u202Eno\u202C warrants`},
		{"zero-width characters in a statement", func(t testing.TB) ([]byte, Options) {
			return canaryWith(t, "Example Org", canary.Statement{ID: "a", Text: "We have not received any war\u200brant."}), a(t)
		}, Warning, "text", "invisible character U+200B", "\u200b", `war\u200Brant`},
		{"bidirectional override in a free-text canary", func(t testing.TB) ([]byte, Options) {
			return signedText(t, "We have received \u2067no\u2069 warrant.\n"), a(t)
		}, Warning, "text", "bidirectional control U+2067", "\u2067", `\u2067no\u2069`},
		{"issuer name with a Greek letter among Latin ones", func(t testing.TB) ([]byte, Options) {
			return canaryWith(t, "\u0395xample Org", statements()...), a(t)
		}, Warning, "issuer", "mixes Latin and Greek letters", "", ""},
		{"issuer name with a word in Cyrillic lookalikes", func(t testing.TB) ([]byte, Options) {
			return canaryWith(t, "\u0420\u0430\u0443\u0440\u0430\u0441 Org", statements()...), a(t)
		}, Warning, "issuer", "look like Latin ones but are not", "", ""},
		{"CRLF line ends throughout", func(t testing.TB) ([]byte, Options) {
			return bytes.ReplaceAll(good(t), []byte("\n"), []byte("\r\n")), a(t)
		}, OK, "signature", "every signature by a key you gave matches the text", "", ""},
		{"a mix of CRLF and LF", func(t testing.TB) ([]byte, Options) {
			return bytes.Replace(good(t), []byte("\n"), []byte("\r\n"), 5), a(t)
		}, OK, "signature", "every signature by a key you gave matches the text", "", ""},
		{"a 1 MiB line in a free-text canary", func(t testing.TB) ([]byte, Options) {
			return signedText(t, "We have received no warrant. "+strings.Repeat("x", 1<<20)+"\n"), a(t)
		}, Warning, "expiry", "states no expiry", "", ""},
		{"30 000 sentences reworded since --previous (free text, 1.2 MB)", func(t testing.TB) ([]byte, Options) {
			var was, now strings.Builder
			for i := range 30_000 {
				fmt.Fprintf(&was, "We have received no warrant number %d.\n", i)
				fmt.Fprintf(&now, "We have received no subpoena number %d.\n", i)
			}
			o := a(t)
			o.Previous = signedText(t, was.String())
			return signedText(t, now.String()), o
		}, Critical, "statements", "and 29980 more", "", ""},
		{"a 3000-byte statement", func(t testing.TB) ([]byte, Options) {
			return canaryWith(t, "Example Org", canary.Statement{ID: "a", Text: strings.Repeat("x", 3000)}), a(t)
		}, Critical, "format", "longer than 2000 bytes", "", ""},
		{"10^5 statements", func(t testing.TB) ([]byte, Options) {
			ss := make([]canary.Statement, 100_000)
			for i := range ss {
				ss[i] = canary.Statement{ID: fmt.Sprintf("s%d", i), Text: "No warrant."}
			}
			return canaryWith(t, "Example Org", ss...), a(t)
		}, Critical, "format", "at most 1000 are allowed", "", ""},
		{"thousands of signatures in one block (1 MiB)", func(t testing.TB) ([]byte, Options) {
			s, err := canary.Open(good(t))
			if err != nil {
				t.Fatal(err)
			}
			s.Signatures = bytes.Repeat(s.Signatures, 1<<20/len(s.Signatures)-1)
			doc, err := s.Encode()
			if err != nil {
				t.Fatal(err)
			}
			return doc, a(t)
		}, Critical, "signature", "more than 100 signatures", "", ""},
		{"a key with 1000 user IDs, at the limit", func(t testing.TB) ([]byte, Options) {
			return keyWith(t, MaxKeyUserIDs-1, 0)
		}, OK, "signer", "signed by", "", ""},
		{"a key with 2000 user IDs", func(t testing.TB) ([]byte, Options) {
			return keyWith(t, 2000, 0)
		}, Unknown, "key", "user IDs, more than the 1000", "", ""},
		{"a key with 1001 subkeys", func(t testing.TB) ([]byte, Options) {
			return keyWith(t, 0, MaxKeySubkeys+1)
		}, Unknown, "key", "subkeys, more than the 1000", "", ""},
	}
}

func TestBadInputMatrix(t *testing.T) {
	for _, row := range badRows() {
		t.Run(row.name, func(t *testing.T) {
			data, opts := row.input(t)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			done := make(chan *Result, 1)
			start := time.Now()
			go func() { done <- Verify(data, opts) }()
			var r *Result
			select {
			case r = <-done:
			case <-time.After(badInputDeadline):
				t.Fatalf("no verdict after %v", badInputDeadline)
			}
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > badInputMaxAlloc {
				t.Errorf("allocated %d MiB judging it; the bound is %d MiB", alloc>>20, badInputMaxAlloc>>20)
			}
			t.Logf("%d bytes: %v in %v", len(data), r.Status, took.Round(time.Millisecond))
			if r.Status != row.status {
				t.Errorf("status %v, want %v; checks:\n%s", r.Status, row.status, checksOf(r))
			}
			found := false
			for _, c := range r.Checks {
				found = found || c.Name == row.check && strings.Contains(c.Message, row.has)
			}
			if !found {
				t.Errorf("no %s check saying %q; checks:\n%s", row.check, row.has, checksOf(r))
			}
			var text, js bytes.Buffer
			if err := WriteText(&text, r); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&js, r); err != nil {
				t.Fatal(err)
			}
			if !json.Valid(js.Bytes()) {
				t.Errorf("the JSON verdict is not valid JSON")
			}
			if row.hidden != "" && (bytes.Contains(text.Bytes(), []byte(row.hidden)) || bytes.Contains(js.Bytes(), []byte(row.hidden))) {
				t.Errorf("%q reached the output", row.hidden)
			}
			if row.shown != "" && !strings.Contains(text.String(), row.shown) {
				t.Errorf("the text output does not show %q:\n%s", row.shown, clipOutput(text.String()))
			}
			// Nothing a canary holds reaches the terminal raw.
			for _, r := range text.String() {
				if r != '\n' && r != '\t' && (r < 0x20 || r == 0x7f || needsEscape(r)) {
					t.Fatalf("the text output holds %U unescaped", r)
				}
			}
		})
	}
}

// BenchmarkBadInput is the time each row of the matrix takes to judge.
func BenchmarkBadInput(b *testing.B) {
	for _, row := range badRows() {
		b.Run(strings.ReplaceAll(row.name, " ", "_"), func(b *testing.B) {
			data, opts := row.input(b)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				Verify(data, opts)
			}
		})
	}
}

func checksOf(r *Result) string {
	var b strings.Builder
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "  %s %s: %.200s\n", c.Status, c.Name, c.Message)
	}
	return b.String()
}

func clipOutput(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}
