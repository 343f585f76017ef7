package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/spf13/cobra"

	canarycli "github.com/canarykit/canarykit/internal/cli"
	"github.com/canarykit/canarykit/internal/mangen"
)

var updateMan = flag.Bool("update-man", false, "rewrite docs/man/ from the command tree")

// manDir holds the committed manual pages, which packages install.
var manDir = filepath.Join("..", "..", "docs", "man")

// manDate is the date in the pages' headers: fixed, so that the pages are
// reproducible; move it when a release changes them.
var manDate = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// manRoot is the full command tree as a shell or man sees it, with the
// flags and commands cobra adds only when a command runs.
func manRoot() *cobra.Command {
	root := canarycli.NewRootCmd(testStreams(), nil)
	root.InitDefaultVersionFlag()
	root.InitDefaultHelpFlag()
	root.InitDefaultCompletionCmd()
	return root
}

// TestManPages keeps docs/man/ in step with the commands: every command has
// a page, every page a command, and each page is what the tree renders now.
// go test ./cmd/canary -run '^TestManPages$' -update-man regenerates them.
func TestManPages(t *testing.T) {
	opts := mangen.Options{Date: manDate, Source: "canarykit", Manual: "canarykit manual"}
	dir := t.TempDir()
	if *updateMan {
		dir = manDir
		old, _ := filepath.Glob(filepath.Join(dir, "*.1"))
		for _, f := range old {
			os.Remove(f)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	pages, err := mangen.Write(manRoot(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, p := range pages {
		want[p.Name] = true
	}
	for _, name := range canarycli.CommandNames() {
		if !want["canary-"+name+".1"] {
			t.Errorf("canary %s has no page", name)
		}
	}
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		if !want["canary-completion-"+sh+".1"] {
			t.Errorf("canary completion %s has no page", sh)
		}
	}
	committed, _ := filepath.Glob(filepath.Join(manDir, "*.1"))
	var stale []string
	for _, f := range committed {
		if !want[filepath.Base(f)] {
			stale = append(stale, filepath.Base(f))
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("docs/man has pages of no command: %v; run go test ./cmd/canary -run '^TestManPages$' -update-man", stale)
	}
	for _, p := range pages {
		got, err := os.ReadFile(filepath.Join(manDir, p.Name))
		if err != nil {
			t.Errorf("%s: %v; run go test ./cmd/canary -run '^TestManPages$' -update-man", p.Name, err)
			continue
		}
		if !bytes.Equal(got, p.Roff) {
			t.Errorf("docs/man/%s is not what %s renders now; run go test ./cmd/canary -run '^TestManPages$' -update-man", p.Name, p.Command)
		}
	}
}
