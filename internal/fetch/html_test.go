package fetch

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"golang.org/x/net/html"

	"github.com/canarykit/canarykit/internal/corpustest"
)

func readCanary(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// pages builds the pages the extractor must read, from two real canaries
// (their text holds "&", "<" and ">", so entities matter).
func pages(t testing.TB) (c1, c2 string, cases []pageCase) {
	c1, c2 = readCanary(t, "canary1.txt"), readCanary(t, "canary2.txt")
	esc := html.EscapeString
	brLines := func(s string) string {
		return strings.Join(strings.Split(esc(strings.TrimSuffix(s, "\n")), "\n"), "<br>\n")
	}
	allDashes := strings.NewReplacer("-", "&#45;", "&", "&amp;", "<", "&lt;", ">", "&gt;").Replace
	linked := strings.Replace(esc(c1), "https://example.org", `<a href="https://example.org">https://example.org</a>`, 1)
	page := func(body string) string {
		return "<!DOCTYPE html>\n<html><head><title>Warrant canary</title><style>pre{color:red}</style></head>\n<body><h1>Our canary</h1>\n" + body + "\n<footer>© Example Org</footer></body></html>\n"
	}
	cases = []pageCase{
		{"none", page("<p>We publish our canary every month.</p>"), nil},
		{"pre", page("<pre>" + esc(c1) + "</pre>"), []string{c1}},
		{"pre, first newline", page("<pre>\n" + esc(c1) + "</pre>"), []string{c1}},
		{"pre code", page("<pre><code>" + esc(c1) + "</code></pre>"), []string{c1}},
		{"code", page("<code>" + esc(c1) + "</code>"), []string{c1}},
		{"textarea", page("<textarea readonly>" + esc(c1) + "</textarea>"), []string{c1}},
		{"br lines", page("<div class=canary>" + brLines(c1) + "</div>"), []string{c1}},
		{"br lines, self-closing", page("<p>" + strings.ReplaceAll(brLines(c1), "<br>", "<br/>") + "</p>"), []string{c1}},
		{"numeric entities", page("<pre>" + allDashes(c1) + "</pre>"), []string{c1}},
		{"link inside pre", page("<pre>" + linked + "</pre>"), []string{c1}},
		{"CRLF page", strings.ReplaceAll(page("<pre>"+esc(c1)+"</pre>"), "\n", "\r\n"), []string{c1}},
		{"two blocks", page("<h2>Current</h2><pre>" + esc(c2) + "</pre><h2>Previous</h2><pre>" + esc(c1) + "</pre>"), []string{c2, c1}},
		{"one pre, two blocks", page("<pre>" + esc(c2) + "\n" + esc(c1) + "</pre>"), []string{c2, c1}},
		{"injected text", page("<pre>[no-warrants] We have received a warrant.\n" + esc(c1) + "[no-gag] Unsigned and shown.</pre><p>[extra] Not signed either.</p>"), []string{c1}},
		{"self-closing script", page("<script/>" + c2 + "</script><pre>" + esc(c1) + "</pre>"), []string{c1}},
		{"hidden", page("<script>var c = `" + c2 + "`;</script><!-- " + c2 + " --><template><pre>" + esc(c2) + "</pre></template><pre>" + esc(c1) + "</pre>"), []string{c1}},
		// A block that never ends runs to the end of the page, for the
		// verifier to call damaged.
		{"cut short", page("<pre>" + esc(c1[:len(c1)/2]) + "</pre>"), []string{c1[:len(c1)/2] + "\n© Example Org"}},
		{"cut short by the next", page("<pre>" + esc(c2[:len(c2)/2]) + "\n" + esc(c1) + "</pre>"), []string{c2[:len(c2)/2], c1}},
	}
	return c1, c2, cases
}

type pageCase struct {
	name string
	page string
	want []string
}

func TestExtractBlocks(t *testing.T) {
	_, _, cases := pages(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ExtractBlocks([]byte(tc.page))
			if len(got) != len(tc.want) {
				t.Fatalf("%d blocks, want %d:\n%q", len(got), len(tc.want), got)
			}
			for i := range got {
				want := tc.want[i]
				if !strings.HasSuffix(want, "\n") {
					want += "\n"
				}
				if string(got[i]) != want {
					t.Errorf("block %d:\n%s\nwant:\n%s", i+1, got[i], want)
				}
			}
		})
	}
}

// TestExtractedBlockDecodes checks that go-crypto reads what is extracted,
// and takes from it exactly the text and signature that were published.
func TestExtractedBlockDecodes(t *testing.T) {
	c1, _, cases := pages(t)
	want, _ := clearsign.Decode([]byte(c1))
	for _, tc := range cases {
		for _, blk := range ExtractBlocks([]byte(tc.page)) {
			if !bytes.Equal(blk, []byte(c1)) {
				continue
			}
			b, rest := clearsign.Decode(blk)
			if b == nil || !bytes.Equal(b.Plaintext, want.Plaintext) || !bytes.Equal(b.Bytes, want.Bytes) || len(bytes.TrimSpace(rest)) != 0 {
				t.Errorf("%s: the extracted block does not decode to the published text", tc.name)
			}
		}
	}
}

func TestIsHTML(t *testing.T) {
	c1 := readCanary(t, "canary1.txt")
	for _, tc := range []struct {
		ct, body string
		want     bool
	}{
		{"text/html; charset=utf-8", "<html><pre>x</pre></html>", true},
		{"application/xhtml+xml", "<html/>", true},
		{"text/plain", "<html><pre>x</pre></html>", false},
		{"", "<!DOCTYPE html><html></html>", true},
		{"", "just some text", false},
		// A canary served as HTML by a careless server stays a text, so
		// that its "&" and "<" are not decoded.
		{"text/html", c1, false},
		{"text/html", "\uFEFF\r\n" + c1, false},
		{"text/html", "<p>intro</p>\n" + c1, true},
	} {
		if got := IsHTML(tc.ct, []byte(tc.body)); got != tc.want {
			t.Errorf("IsHTML(%q, %.30q) = %v", tc.ct, tc.body, got)
		}
	}
}

func FuzzExtractBlocks(f *testing.F) {
	_, _, cases := pages(f)
	for _, tc := range cases {
		f.Add([]byte(tc.page))
	}
	f.Add([]byte("<pre>-----BEGIN PGP SIGNED MESSAGE-----<b>\n</pre><p>-----END PGP SIGNATURE-----"))
	f.Add([]byte("<div><p><pre><code><br></br><script></pre>-----BEGIN PGP SIGNED MESSAGE-----\n</script>"))
	f.Add([]byte("&#45;----BEGIN PGP SIGNED MESSAGE-----<br>&#x0;<br>-----END PGP SIGNATURE-----"))
	corpustest.Seeds(f)
	f.Fuzz(func(t *testing.T, page []byte) {
		blocks := ExtractBlocks(page)
		for _, b := range blocks {
			if !bytes.HasPrefix(b, append(beginSigned, '\n')) || !bytes.HasSuffix(b, []byte("\n")) || bytes.ContainsRune(b, '\r') {
				t.Fatalf("malformed block %q", b)
			}
			clearsign.Decode(b) // must not panic on what we hand it
		}
		// Publishing the blocks again, escaped in a <pre> each, gives
		// them back unchanged: extraction loses nothing a signature covers.
		var again strings.Builder
		for _, b := range blocks {
			again.WriteString("<pre>" + html.EscapeString(string(b)) + "</pre>")
		}
		back := ExtractBlocks([]byte(again.String()))
		if len(back) != len(blocks) {
			t.Fatalf("%d blocks re-extracted as %d", len(blocks), len(back))
		}
		for i := range back {
			if !bytes.Equal(back[i], blocks[i]) {
				t.Fatalf("block %d changed when published again:\n%q\n%q", i, blocks[i], back[i])
			}
		}
	})
}

// BenchmarkExtractBlocks reads a 100 KiB archive page: a current canary,
// then older ones, in ordinary markup.
func BenchmarkExtractBlocks(b *testing.B) {
	c1, c2 := readCanary(b, "canary1.txt"), readCanary(b, "canary2.txt")
	var p strings.Builder
	p.WriteString("<!DOCTYPE html><html><head><title>Canary</title></head><body>")
	p.WriteString("<nav><ul><li><a href=/>Home</a></li><li><a href=/about>About</a></li></ul></nav>")
	p.WriteString("<pre>" + html.EscapeString(c2) + "</pre>")
	for p.Len() < 100<<10 {
		p.WriteString("<section><h2>Archive</h2><p>An <em>older</em> canary &amp; its <a href=x>signature</a>.</p><pre><code>" + html.EscapeString(c1) + "</code></pre></section>\n")
	}
	p.WriteString("</body></html>")
	page := []byte(p.String())
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if len(ExtractBlocks(page)) < 2 {
			b.Fatal("blocks not found")
		}
	}
}
