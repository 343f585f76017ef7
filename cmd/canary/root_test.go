package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/publish"
)

// TestCommandTable: every command is built under its own name, so that the
// shortcut in newRootCmd never hides one or builds the wrong one, and the
// full tree (help) lists them all.
func TestCommandTable(t *testing.T) {
	ios := testStreams()
	full := newRootCmd(ios, nil)
	if got, want := len(full.Commands()), len(commands); got != want {
		t.Fatalf("full tree has %d commands, table %d", got, want)
	}
	for _, c := range commands {
		root := newRootCmd(ios, []string{c.name, "--help"})
		subs := root.Commands()
		if len(subs) != 1 || subs[0].Name() != c.name {
			t.Errorf("canary %s builds %v", c.name, subs)
		}
		if name := strings.Fields(c.new(ios).Use)[0]; name != c.name {
			t.Errorf("table entry %q builds the command %q", c.name, name)
		}
	}
	// A mistyped name gets cobra's suggestion, which needs the full tree.
	var out strings.Builder
	ios.Err = &out
	if code := run([]string{"verfy"}, ios); code != 3 || !strings.Contains(out.String(), "verify") {
		t.Errorf("canary verfy: exit %d, %q", code, out.String())
	}
}

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
	if code != exitWatchdog || strings.ContainsAny(errs.String(), "\x1b\u202E") || !strings.Contains(errs.String(), `\x1b[2J\u202E`) {
		t.Errorf("exit %d, stderr %q", code, errs.String())
	}
}

// TestPublishReportEscaped: what canary publish prints of the canary (its
// issuer) and of verify's warnings goes through the one escaping rule.
func TestPublishReportEscaped(t *testing.T) {
	res := &publish.Result{Site: "site", Files: []string{"index.html"}, Canary: &canary.Canary{Serial: 1},
		Notes: []string{"signature: Mallory \x1b[2J\u202Egpj.exe"}}
	res.Canary.Issuer.Name = "Example \u202EgrO"
	for _, format := range []string{"text", "json"} {
		ios := testStreams()
		var out, errs strings.Builder
		ios.Out, ios.Err = &out, &errs
		if err := reportSite(ios, res, format); err != nil {
			t.Fatal(err)
		}
		if s := out.String() + errs.String(); strings.ContainsAny(s, "\x1b\u202E") || !strings.Contains(errs.String(), `Mallory \x1b[2J\u202Egpj.exe`) {
			t.Errorf("--format %s: stdout %q, stderr %q", format, out.String(), errs.String())
		}
	}
}
