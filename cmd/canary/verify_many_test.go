package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/corpustest"
	"github.com/canarykit/canarykit/internal/keys"
)

// TestVerifyManyParallelMatchesSerial checks that judging many SOURCEs at
// once (--jobs, each worker with its own copy of the keys) gives exactly
// the verdicts, in exactly the order, of judging them one by one. The
// SOURCEs are every canary of the shared corpus (good, forged-looking,
// expired, multi-signer, detached) plus canaries of our own, judged with
// every key of the corpus. Run with -race, it also checks that the
// workers share nothing they write.
func TestVerifyManyParallelMatchesSerial(t *testing.T) {
	c := &cli{t: t, dir: t.TempDir(), now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	c.newKey("own", "Own <own@example.org>")
	var sources []string
	for range 3 {
		// Each issue replaces canary.txt and keeps the earlier ones in
		// the archive, which are then SOURCEs too.
		c.issue("own")
		c.now = c.now.Add(time.Hour)
	}
	own, _ := filepath.Glob(filepath.Join(c.dir, "public", "archive", "*.txt"))
	sources = append(sources, own...)
	args := []string{"verify", "--format", "json", "--key", filepath.Join(c.dir, "keys", "own.pub.asc")}

	if dir := corpustest.Dir(t); dir != "" {
		for _, f := range corpustest.Files(t, canary.MaxCanaryBytes) {
			p := filepath.Join(dir, f.Path)
			switch {
			case strings.Contains(f.Path, "/canaries/") && (strings.HasSuffix(p, ".txt") || strings.HasSuffix(p, ".md")):
				sources = append(sources, p)
			case strings.Contains(f.Path, "/keys/") && strings.HasSuffix(p, ".asc"):
				if _, err := keys.ReadKeys(f.Data); err == nil {
					args = append(args, "--key", p)
				}
			}
		}
	}
	if len(sources) < 4 {
		t.Fatalf("only %d sources", len(sources))
	}
	args = append(args, sources...)

	_, serial, errs := c.run(append(args, "--jobs", "1")...)
	lines := strings.Split(strings.TrimSpace(serial), "\n")
	if len(lines) != len(sources) {
		t.Fatalf("%d verdicts for %d sources\n%s", len(lines), len(sources), errs)
	}
	// The comparison means something only if the verdicts differ.
	statuses := map[string]bool{}
	for _, m := range regexp.MustCompile(`^\{"status":"([A-Z]+)"`).FindAllStringSubmatch(serial, -1) {
		statuses[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`(?m)^\{"status":"([A-Z]+)"`).FindAllStringSubmatch(serial, -1) {
		statuses[m[1]] = true
	}
	if !statuses["OK"] || len(statuses) < 2 {
		t.Errorf("the sources gave only the verdicts %v; the test needs good and bad ones", statuses)
	}
	for _, jobs := range []string{"2", "4", "0"} {
		for range 2 {
			_, par, _ := c.run(append(args, "--jobs", jobs)...)
			if par != serial {
				pl := strings.Split(strings.TrimSpace(par), "\n")
				for i := range min(len(pl), len(lines)) {
					if pl[i] != lines[i] {
						t.Fatalf("--jobs %s: verdict %d (%s) differs:\nserial:   %s\nparallel: %s", jobs, i, sources[i], lines[i], pl[i])
					}
				}
				t.Fatalf("--jobs %s: %d verdicts, serial %d", jobs, len(pl), len(lines))
			}
		}
	}
}
