package trust

import (
	"bytes"
	"path/filepath"
	"testing"
)

func TestLastTrusted(t *testing.T) {
	store := filepath.Join(t.TempDir(), "state", "trust.json")
	got, err := ReadLastTrusted(store, "https://Example.org/canary.txt")
	if err != nil || got != nil {
		t.Fatalf("nothing remembered: got %q, %v", got, err)
	}
	if err := WriteLastTrusted(store, "https://Example.org/canary.txt#x", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := WriteLastTrusted(store, "https://example.org/other.txt", []byte("two")); err != nil {
		t.Fatal(err)
	}
	// The source is normalised as for pins.
	got, err = ReadLastTrusted(store, "https://example.org/canary.txt")
	if err != nil || !bytes.Equal(got, []byte("one")) {
		t.Fatalf("got %q, %v; want one", got, err)
	}
	if err := WriteLastTrusted(store, "https://example.org/canary.txt", []byte("three")); err != nil {
		t.Fatal(err)
	}
	got, _ = ReadLastTrusted(store, "https://example.org/canary.txt")
	if !bytes.Equal(got, []byte("three")) {
		t.Fatalf("got %q; want three", got)
	}
	if filepath.Dir(LastTrustedPath(store, "x")) != store+".last" {
		t.Fatalf("kept at %s, not beside the store", LastTrustedPath(store, "x"))
	}
}
