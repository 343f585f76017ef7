package trust

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Issue 13 item 4: thirty `canary verify --pin` runs at once, each on its
// own source, kept only a few of the thirty pins between them. A lost pin
// silently re-opens the first-use window, so every one must be kept.

const runs = 30

// The helper process: when the test binary is started with these set, it
// pins one source and exits instead of running the tests.
const (
	helperStore  = "CANARY_TRUST_TEST_STORE"
	helperSource = "CANARY_TRUST_TEST_SOURCE"
	helperFpr    = "CANARY_TRUST_TEST_FPR"
	helperStart  = "CANARY_TRUST_TEST_START" // Unix nanoseconds: start together
)

// TestHelperPinProcess is not a test: it is what each process of
// TestConcurrentProcessesKeepEveryPin runs.
func TestHelperPinProcess(t *testing.T) {
	path := os.Getenv(helperStore)
	if path == "" {
		t.Skip("only a helper for TestConcurrentProcessesKeepEveryPin")
	}
	if ns, err := strconv.ParseInt(os.Getenv(helperStart), 10, 64); err == nil {
		time.Sleep(time.Until(time.Unix(0, ns)))
	}
	err := pinOnce(path, os.Getenv(helperSource), os.Getenv(helperFpr))
	var ce *ConflictError
	switch {
	case errors.As(err, &ce):
		fmt.Printf("conflict %s\n", strings.Join(ce.Verdict.Entry.Fingerprints, ","))
	case err != nil:
		fmt.Printf("error %v\n", err)
	default:
		fmt.Printf("pinned\n")
	}
}

// pinOnce is what `canary verify --pin` does to the store: open it, check
// the signers, pin them on first use, save.
func pinOnce(path, source, fpr string) error {
	s, err := Open(path)
	if err != nil {
		return err
	}
	switch v := s.Check(source, []string{fpr}); v.Decision {
	case FirstUse, Pinned:
		if err := s.Record(source, []string{fpr}, t0); err != nil {
			return err
		}
		return s.Save()
	default:
		return &ConflictError{Verdict: v}
	}
}

func sourceN(i int) string { return fmt.Sprintf("https://example%d.org/canary.txt", i) }

func checkAllPinned(t *testing.T, path string) {
	t.Helper()
	s := open(t, path)
	var missing []string
	for i := range runs {
		e, ok := s.Lookup(sourceN(i))
		if !ok {
			missing = append(missing, strconv.Itoa(i))
			continue
		}
		if !slices.Equal(e.Fingerprints, []string{fpA}) {
			t.Errorf("%s pinned to %v, want %s", e.Source, e.Fingerprints, fpA)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d runs on different sources kept %d pins; lost: %s", runs, len(s.Entries()), strings.Join(missing, " "))
	}
}

// startProcesses re-runs the test binary as runs helper processes that
// each pin source(i) with fpr(i), all at the same moment, and returns what
// each printed.
func startProcesses(t *testing.T, path string, source, fpr func(int) string) []string {
	t.Helper()
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" || runtime.GOOS == "ios" || runtime.GOOS == "android" {
		t.Skipf("cannot start processes on %s", runtime.GOOS)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	// Late enough for every process to be started and waiting.
	start := time.Now().Add(time.Second + runs*20*time.Millisecond)
	cmds := make([]*exec.Cmd, runs)
	outs := make([]strings.Builder, runs)
	for i := range runs {
		cmd := exec.Command(exe, "-test.run=^TestHelperPinProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(),
			helperStore+"="+path, helperSource+"="+source(i), helperFpr+"="+fpr(i),
			helperStart+"="+strconv.FormatInt(start.UnixNano(), 10))
		cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	res := make([]string, runs)
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v\n%s", i, err, outs[i].String())
		}
		res[i] = outs[i].String()
	}
	return res
}

func TestConcurrentProcessesKeepEveryPin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "trust.json")
	outs := startProcesses(t, path, sourceN, func(int) string { return fpA })
	for i, out := range outs {
		if !strings.HasPrefix(out, "pinned\n") {
			t.Errorf("process %d: %q, want pinned", i, out)
		}
	}
	checkAllPinned(t, path)
}

func TestConcurrentGoroutinesKeepEveryPin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "trust.json")
	var wg sync.WaitGroup
	startLine := make(chan struct{})
	errs := make([]error, runs)
	for i := range runs {
		wg.Go(func() {
			<-startLine
			errs[i] = pinOnce(path, sourceN(i), fpA)
		})
	}
	close(startLine)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
	checkAllPinned(t, path)
}

// Two first uses of the SAME source with different keys: the first to save
// wins and every other key is a key change, never a silent overwrite.
func TestConcurrentFirstUsesOfOneSource(t *testing.T) {
	fprN := func(i int) string {
		if i%2 == 0 {
			return fpA
		}
		return fpB
	}
	check := func(t *testing.T, path string, results []string) {
		t.Helper()
		e, ok := open(t, path).Lookup(src)
		if !ok || len(e.Fingerprints) != 1 {
			t.Fatalf("pin %+v, %v; want one key pinned", e, ok)
		}
		winner := e.Fingerprints[0]
		for i, res := range results {
			want := "pinned\n"
			if fprN(i) != winner {
				want = "conflict " + winner + "\n"
			}
			if !strings.HasPrefix(res, want) {
				t.Errorf("run %d with %s: %q, want %q (pinned: %s)", i, fprN(i), res, want, winner)
			}
		}
	}
	t.Run("goroutines", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "trust.json")
		var wg sync.WaitGroup
		startLine := make(chan struct{})
		results := make([]string, runs)
		for i := range runs {
			wg.Go(func() {
				<-startLine
				err := pinOnce(path, src, fprN(i))
				var ce *ConflictError
				switch {
				case errors.As(err, &ce):
					if ce.Verdict.Decision != Changed || !slices.Equal(ce.Verdict.Unpinned, []string{fprN(i)}) {
						results[i] = fmt.Sprintf("bad conflict %+v", ce.Verdict)
						return
					}
					results[i] = "conflict " + strings.Join(ce.Verdict.Entry.Fingerprints, ",") + "\n"
				case err != nil:
					results[i] = "error " + err.Error()
				default:
					results[i] = "pinned\n"
				}
			})
		}
		close(startLine)
		wg.Wait()
		check(t, path, results)
	})
	t.Run("processes", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "trust.json")
		check(t, path, startProcesses(t, path, func(int) string { return src }, fprN))
	})
}

// The conflict seen in one store: another run pinned the source between
// this run's Open and Save.
func TestSaveRefusesToOverwriteAnotherRunsPin(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trust.json")
	late, early := open(t, path), open(t, path)
	if err := late.Record(src, []string{fpB}, t0); err != nil {
		t.Fatal(err)
	}
	if err := late.Record("https://example.net/other", []string{fpB}, t0); err != nil {
		t.Fatal(err)
	}
	if err := early.Record(src, []string{fpA}, t0); err != nil {
		t.Fatal(err)
	}
	if err := early.Save(); err != nil {
		t.Fatal(err)
	}
	err := late.Save()
	var ce *ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("Save over another run's pin: %v, want a ConflictError", err)
	}
	if v := ce.Verdict; v.Decision != Changed || v.Entry.Source != src || !slices.Equal(v.Entry.Fingerprints, []string{fpA}) || !slices.Equal(v.Unpinned, []string{fpB}) {
		t.Errorf("verdict %+v", v)
	}
	if !strings.Contains(err.Error(), src) || !strings.Contains(err.Error(), fpA) {
		t.Errorf("message %q does not say what is pinned where", err)
	}
	// The pin on disk is kept, the other change is saved, and the store
	// now knows the pin: checking again is a key change too.
	s := open(t, path)
	if e, _ := s.Lookup(src); !slices.Equal(e.Fingerprints, []string{fpA}) {
		t.Errorf("pin overwritten: %+v", e)
	}
	if _, ok := s.Lookup("https://example.net/other"); !ok {
		t.Errorf("the change that did not conflict was not saved")
	}
	if v := late.Check(src, []string{fpB}); v.Decision != Changed {
		t.Errorf("after the conflict Check says %v, want Changed", v.Decision)
	}

	// The same keys pinned by both is no conflict: the later sighting
	// only moves LastSeen on.
	a, b := open(t, path), open(t, path)
	a.Record("https://example.com/c", []string{fpC}, t0)
	b.Record("https://example.com/c", []string{fpC}, t1)
	if err := b.Save(); err != nil {
		t.Fatal(err)
	}
	if err := a.Save(); err != nil {
		t.Fatal(err)
	}
	if e, _ := open(t, path).Lookup("https://example.com/c"); !e.FirstSeen.Equal(t1) || !e.LastSeen.Equal(t1) {
		t.Errorf("pin %+v: want the first save's FirstSeen and the latest LastSeen", e)
	}

	// A pin accepted by the reader meanwhile is not undone by a run that
	// still saw the old one; the reader's removal is not undone either.
	a, b = open(t, path), open(t, path)
	if err := a.Record(src, []string{fpA}, t1); err != nil {
		t.Fatal(err)
	}
	b.Accept(src, []string{fpC}, t1)
	if err := b.Save(); err != nil {
		t.Fatal(err)
	}
	if err := a.Save(); !errors.As(err, &ce) {
		t.Errorf("Save after a concurrent canary trust: %v, want a ConflictError", err)
	}
	a, b = open(t, path), open(t, path)
	a.Record(src, []string{fpC}, t1)
	b.Remove(src)
	if err := b.Save(); err != nil {
		t.Fatal(err)
	}
	if err := a.Save(); err != nil {
		t.Fatal(err)
	}
	if e, ok := open(t, path).Lookup(src); ok {
		t.Errorf("a removed pin came back: %+v", e)
	}
}

// Save holds the lock for its whole read-modify-write: while another holds
// it, Save waits.
func TestSaveWaitsForTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trust.json")
	unlock, err := lock(path)
	if err != nil {
		t.Fatal(err)
	}
	s := open(t, path)
	s.Record(src, []string{fpA}, t0)
	done := make(chan error)
	go func() { done <- s.Save() }()
	select {
	case err := <-done:
		t.Fatalf("Save did not wait for the lock (err %v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("the store was written while another held the lock")
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, ok := open(t, path).Lookup(src); !ok {
		t.Error("pin not saved")
	}
	if runtime.GOOS == "windows" || !lockIsShared {
		return
	}
	fi, err := os.Stat(path + ".lock")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v, want 0600", fi.Mode().Perm())
	}
}
