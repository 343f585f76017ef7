package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorsEscaped: a command's error is printed through the one escaping
// rule (verdict), so that a hostile file name, URL, key user ID or server
// message quoted in it never reaches the terminal raw; a message of
// several lines keeps its lines.
func TestErrorsEscaped(t *testing.T) {
	hostile := "\x1b[2J\x1b]8;;http://evil/\x1b\\\u202Ex\u0085.yaml"
	for _, args := range [][]string{
		{"watch", "--config", "/nonexistent/" + hostile},
		{"history", "--db", "/nonexistent/" + hostile},
	} {
		ios := testStreams()
		var out, errs strings.Builder
		ios.Out, ios.Err = &out, &errs
		if code := run(args, ios); code != 3 {
			t.Errorf("canary %q: exit %d, want 3", args, code)
		}
		got := out.String() + errs.String()
		if strings.ContainsAny(got, "\x1b\u202E\u0085") {
			t.Errorf("canary %q printed hostile text raw: %q", args, got)
		}
		if !strings.Contains(errs.String(), `\x1b[2J\x1b]8;;http://evil/\x1b\\u202Ex\u0085.yaml`) {
			t.Errorf("canary %q: stderr %q does not show the name escaped", args, errs.String())
		}
	}
	// A watch list named so, with two mistakes: two lines, each naming it.
	list := filepath.Join(t.TempDir(), strings.ReplaceAll(hostile, "/", "_"))
	if err := os.WriteFile(list, []byte("targets:\n  - {name: \"a b\", url: ftp://x}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ios := testStreams()
	var errs strings.Builder
	ios.Err = &errs
	if code := run([]string{"watch", "--config", list}, ios); code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	lines := strings.Split(strings.TrimSuffix(errs.String(), "\n"), "\n")
	if len(lines) != 2 || strings.ContainsAny(errs.String(), "\x1b\u202E\u0085") || !strings.Contains(lines[1], `\u202Ex\u0085.yaml:2:`) {
		t.Errorf("a message of two lines about a hostile file: %q", errs.String())
	}
}

// TestWatchErrorsEscaped: canary watch prints the errors that stop it
// (exit 4) by the same rule as every other command's.
func TestWatchErrorsEscaped(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "watch.yaml")
	if err := os.WriteFile(list, []byte("targets:\n  - {name: a, url: https://127.0.0.1:1/canary.txt, keys: [0123456789ABCDEF0123456789ABCDEF01234567]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ios := testStreams()
	var out, errs strings.Builder
	ios.Out, ios.Err = &out, &errs
	code := run([]string{"watch", "--config", list, "--db", filepath.Join(dir, "w.db"), "--every", "1h", "--listen", "\x1b[2J\u202E:x"}, ios)
	if code != 4 || strings.ContainsAny(errs.String(), "\x1b\u202E") || !strings.Contains(errs.String(), `\x1b[2J\u202E`) {
		t.Errorf("exit %d, stderr %q", code, errs.String())
	}
}
