// Package browsertest opens pages in a real browser (Debian's chromium,
// headless) for the tests of the pages canarykit writes: the publisher's
// site and the watchdog's dashboard.
package browsertest

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Need skips the test when a tool is missing, except under CI, which must
// run it (.ci/run installs the tools).
func Need(t testing.TB, what string, found bool) {
	t.Helper()
	if found {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing; CI must run this test: apt-get install chromium python3-feedparser", what)
	}
	t.Skipf("%s is missing; install it to run this test", what)
}

// Chromium returns the browser's path, skipping the test without one.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Need(t, "chromium", false)
	return ""
}

// Browse runs headless chromium on a file with one action (--dump-dom,
// --screenshot=...) and returns what it printed and its console messages.
// Chromium logs every console message, errors and Content-Security-Policy
// violations included, as an "INFO:CONSOLE" line on stderr with
// --enable-logging=stderr, so a page with none of those lines raised none.
// The flags keep it off the network, which this machine does not have.
func Browse(t testing.TB, bin, file string, action ...string) (out []byte, console []string) {
	t.Helper()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0", "--window-size=1000,2200",
	}, action...)
	cmd := exec.Command(bin, append(args, "file://"+file)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("chromium %v: %v\n%s", action, err, stderr.String())
		}
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("chromium %v did not finish in 90s", action)
	}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, ":CONSOLE") {
			console = append(console, l)
		}
	}
	return stdout.Bytes(), console
}
