package canary

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every bounded read (key files, canaries, watch lists, the trust store)
// goes through ReadLimited or ReadAtMost: the limit holds for a regular
// file, whose buffer is sized from its length, and for a stream alike, and
// what is too large is told apart by type, not by message.
func TestReadLimited(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bytes.Repeat([]byte("a"), n), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, n := range []int{0, 1, 511, 512, 513, 4096} {
		got, err := ReadLimited(write("f", n), 4096)
		if err != nil || len(got) != n {
			t.Errorf("%d bytes: got %d, %v", n, len(got), err)
		}
	}
	_, err := ReadLimited(write("big", 4097), 4096)
	var tooLarge *TooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Max != 4096 || !strings.Contains(err.Error(), "big is larger than 4096 bytes") {
		t.Errorf("4097 bytes: %v", err)
	}
	if _, err := ReadAtMost(strings.NewReader(strings.Repeat("a", 5000)), "standard input", 4096); !errors.As(err, &tooLarge) || tooLarge.Name != "standard input" {
		t.Errorf("a stream of 5000 bytes: %v", err)
	}
	if got, err := ReadAtMost(strings.NewReader("abc"), "x", 3); err != nil || string(got) != "abc" {
		t.Errorf("ReadAtMost: %q, %v", got, err)
	}
}
