package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	canarycli "github.com/canarykit/canarykit/internal/cli"
	"github.com/canarykit/canarykit/internal/cli/cmdutil"
	"github.com/canarykit/canarykit/internal/kmstest"
)

// TestMain makes the test binary also act as the canary command, so that
// scripts run the real CLI in a subprocess, and as a canary-kms beside it
// (which canary finds next to its own executable) with the stand-in KMS,
// testkms://... (internal/kmstest).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"canary":     func() { os.Exit(run(os.Args[1:], testStreams())) },
		"canary-kms": func() { os.Exit(kmstest.Main()) },
	})
}

// streams is the Factory the tests build commands from.
type streams = cmdutil.Factory

// run runs canary in-process, as main does.
func run(args []string, f *cmdutil.Factory) int { return canarycli.Run(args, f) }

// testStreams is cmdutil.System with a clock scripts can set through
// CANARY_TEST_NOW, so that keys, canaries and verdicts are reproducible.
func testStreams() *streams {
	s := cmdutil.System()
	if v := os.Getenv("CANARY_TEST_NOW"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			panic(err)
		}
		s.Now = func() time.Time { return t }
	}
	return s
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(env *testscript.Env) error {
			env.Setenv("CANARY_TEST_NOW", "2026-11-22T12:00:00Z")
			env.Setenv("CORPUS", corpusDir())
			return freshnessSetup(env) // freshness_test.go
		},
		// [corpus] holds when ../shared/corpus is there; CI must have it.
		Condition: func(cond string) (bool, error) {
			if cond != "corpus" {
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			_, err := os.Stat(filepath.Join(corpusDir(), "MANIFEST.md"))
			if err != nil && os.Getenv("CI") != "" {
				return false, fmt.Errorf("CI needs the corpus at %s: %v", corpusDir(), err)
			}
			return err == nil, nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":     exitsCmd,
			"tsa":       freshnessCmds["tsa"],
			"expandenv": freshnessCmds["expandenv"],
		},
	})
}

// corpusDir is the shared corpus of real canaries, for scripts that check
// them; scripts skip when it is absent, except under CI.
func corpusDir() string {
	if d := os.Getenv("CANARY_CORPUS"); d != "" {
		return d
	}
	d, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "corpus"))
	return d
}

// exitsCmd is TestScripts' "exits N CMD ARGS...": it asserts the exit code,
// the verdict a monitor acts on.
func exitsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("%v", err)
	}
	if got != want {
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}
