package main

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes the test binary also act as the canary command, so that
// scripts run the real CLI in a subprocess.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"canary": func() { os.Exit(run(os.Args[1:], testStreams())) },
	})
}

// testStreams is systemStreams with a clock scripts can set through
// CANARY_TEST_NOW, so that keys, canaries and verdicts are reproducible.
func testStreams() *streams {
	s := systemStreams()
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
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// exits N CMD ARGS... runs a command and asserts its exit code,
			// since the code is the verdict a monitor acts on.
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
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
			},
		},
	})
}
