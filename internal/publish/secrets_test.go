package publish

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/canarykit/canarykit/internal/keys"
)

func dearmor(t *testing.T, b []byte) []byte {
	t.Helper()
	blk, err := armor.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(blk.Body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLooksSecret(t *testing.T) {
	sec, pub, _, err := keys.GenerateKey("Alice <alice@example.org>", nil, 0, t0)
	if err != nil {
		t.Fatal(err)
	}
	protected, _, _, err := keys.GenerateKey("Bob <bob@example.org>", []byte("pass"), 0, t0)
	if err != nil {
		t.Fatal(err)
	}
	bin := dearmor(t, sec)
	if bin[0] != 0xc5 || bin[1] >= 192 {
		t.Fatalf("binary key starts % x", bin[:2])
	}
	for _, tc := range []struct {
		name string
		data []byte
		want bool
	}{
		{"armored secret key", sec, true},
		{"passphrase-protected secret key", protected, true},
		{"armored key inside a page", append([]byte("<pre>\n"), sec...), true},
		{"binary secret key", bin, true},
		{"binary, old packet format", append([]byte{0x94, bin[1]}, bin[2:]...), true},
		{"armored public key", pub, false},
		{"binary public key", dearmor(t, pub), false},
		{"canary text", []byte("Format: canarykit/1\n"), false},
		{"empty", nil, false},
		{"png", []byte("\x89PNG\r\n\x1a\n"), false},
		{"secret-key tag, not a key", []byte{0xc5, 0x01, 0x09}, false},
	} {
		if got := LooksSecret(tc.data); got != tc.want {
			t.Errorf("%s: LooksSecret = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The README's layout: keys/alice.sec.asc beside canary.yaml. Publishing
// into that folder, under any of its names, is refused before anything is
// written (issue 13 item 2).
func TestBuildRefusesSecretsInSite(t *testing.T) {
	def, dir, keys := chain(t, 1)
	root := filepath.Dir(dir)
	keyPath := def.KeyPath(def.Signers[0])
	private := []Private{
		{Path: keyPath, What: "the secret key of signer 1"},
		{Path: filepath.Join(root, "canary.yaml"), What: "the canary definition"},
		{Path: def.Dir, What: "the folder of the canary definition"},
	}
	alias := filepath.Join(t.TempDir(), "alias")
	if err := os.Symlink(root, alias); err != nil {
		t.Skip(err)
	}
	for _, tc := range []struct {
		name, site, want string
	}{
		{"in place", root, keyPath + ", the secret key of signer 1, is in it"},
		{"another name", alias, ", the secret key of signer 1, is in it"},
		{"dot-dot", filepath.Join(dir, ".."), ", the secret key of signer 1, is in it"},
		{"ancestor", filepath.Dir(root), ", the secret key of signer 1, is in it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := listTree(t, root)
			_, err := Build(Options{Dir: dir, Site: tc.site, Keys: keys, Now: t0.Add(time.Hour), Private: private})
			if err == nil || !strings.Contains(err.Error(), "refusing to publish into "+tc.site+": ") || !strings.Contains(err.Error(), tc.want) ||
				!strings.HasSuffix(err.Error(), "nothing was written") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if after := listTree(t, root); after != before {
				t.Errorf("files were written:\n%s\nwas\n%s", after, before)
			}
		})
	}
	// The publication folder of its own is fine.
	if _, err := Build(Options{Dir: dir, Keys: keys, Now: t0.Add(time.Hour), Private: private}); err != nil {
		t.Fatal(err)
	}
}

func TestCheckSite(t *testing.T) {
	root := t.TempDir()
	sec, _, _, err := keys.GenerateKey("Alice <alice@example.org>", nil, 0, t0)
	if err != nil {
		t.Fatal(err)
	}
	secrets := filepath.Join(root, "secrets")
	os.MkdirAll(secrets, 0o700)
	keyPath := filepath.Join(secrets, "alice.sec.asc")
	os.WriteFile(keyPath, sec, 0o600)
	defPath := filepath.Join(secrets, "canary.yaml")
	os.WriteFile(defPath, []byte("issuer: {}\n"), 0o644)
	private := []Private{{Path: keyPath, What: "the key"}, {Path: defPath, What: "the definition"}}
	site := filepath.Join(root, "site")
	os.MkdirAll(filepath.Join(site, "archive"), 0o755)
	os.WriteFile(filepath.Join(site, "canary.txt"), []byte("Format: canarykit/1\n"), 0o644)

	check := func(want string) {
		t.Helper()
		err := CheckSite(site, private)
		switch {
		case want == "" && err != nil:
			t.Fatalf("clean site refused: %v", err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Fatalf("err = %v, want %q", err, want)
		}
	}
	check("")
	if err := CheckSite(filepath.Join(root, "not-yet"), private); err != nil {
		t.Errorf("a site not made yet: %v", err)
	}
	if err := CheckSite(filepath.Join(secrets, "not-yet"), private); err != nil {
		t.Errorf("a site not made yet, beside the secrets: %v", err)
	}

	// A secret key under any name, at any depth.
	p := filepath.Join(site, "archive", "000001.tsr")
	os.WriteFile(p, sec, 0o644)
	check(p + ", an OpenPGP secret key, is in it")
	os.Remove(p)
	p = filepath.Join(site, "k.gpg")
	os.WriteFile(p, dearmor(t, sec), 0o644)
	check(p + ", an OpenPGP secret key, is in it")
	os.Remove(p)

	// Links: to the key file, to the definition, to their folder.
	p = filepath.Join(site, "link")
	os.Symlink(defPath, p)
	check(p + ", the definition, is in it")
	os.Remove(p)
	os.Symlink(secrets, p)
	check(", the key, is in it")
	os.Remove(p)
	// A loop of links ends; a dangling link serves nothing.
	os.Symlink(site, filepath.Join(site, "archive", "loop"))
	os.Symlink(filepath.Join(root, "gone"), filepath.Join(site, "dangling"))
	check("")

	// The site is the secrets' folder, or inside it.
	if err := CheckSite(secrets, private); err == nil || !strings.Contains(err.Error(), keyPath+", the key, is in it") {
		t.Errorf("site of the secrets: %v", err)
	}

	// Too many files to check is never an all-clear.
	defer func(n int) { maxCheckFiles = n }(maxCheckFiles)
	maxCheckFiles = 3
	for i := 0; i < 4; i++ {
		os.WriteFile(filepath.Join(site, fmt.Sprintf("f%d", i)), nil, 0o644)
	}
	check("too many to check")
}

// listTree lists the files under dir with their sizes and times.
func listTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			fmt.Fprintf(&b, "%s %d %v\n", p, fi.Size(), fi.ModTime().UnixNano())
		}
		return nil
	})
	return b.String()
}
