package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/canarykit/canarykit/internal/verdict"
	"github.com/canarykit/canarykit/internal/watch/store"
)

// TestWatchScripts runs testdata/watch/*.txtar: canary watch over sites
// that each script serves on loopback addresses of their own.
func TestWatchScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "watch"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("CANARY_TEST_NOW", "2026-11-22T12:00:00Z")
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_STATE_HOME", filepath.Join(env.WorkDir, ".state"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"wserve":    wserveCmd,
			"wdown":     func(ts *testscript.TestScript, neg bool, args []string) { wsite(ts, args).down.Store(true) },
			"wup":       func(ts *testscript.TestScript, neg bool, args []string) { wsite(ts, args).down.Store(false) },
			"expandenv": freshnessCmds["expandenv"],
			"exits":     exitsCmd,
			"hooksrv":   hookServerCmd,
			"smtpsrv":   smtpServerCmd, // notify_test.go
			"freeport":  freePortCmd,
			"httpget":   httpGetCmd,
			"mkpage":    mkpageCmd,
			"nohostile": noHostileCmd,
		},
		Condition: func(cond string) (bool, error) {
			if cond == "gpg" {
				_, err := exec.LookPath("gpg")
				if err != nil && os.Getenv("CI") != "" {
					return false, errors.New("gpg is required under CI")
				}
				return err == nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
	})
}

// noHostileCmd, "nohostile FILE...", fails when a FILE (stdout and stderr
// name what the last command printed) holds what can drive or reorder a
// terminal: ESC, another C0 control but newline and tab, a C1 control
// (U+0080-U+009F, or such a byte on its own), a bidirectional override or
// isolate (U+202A-U+202E, U+2066-U+2069), or a byte that is not UTF-8.
func noHostileCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: nohostile FILE...")
	}
	for _, name := range args {
		s := ts.ReadFile(name)
		if i, what := verdict.Raw(s); what != "" {
			line := strings.Count(s[:i], "\n") + 1
			ts.Fatalf("%s holds %s on line %d: %q", name, what, line, strings.Split(s, "\n")[line-1])
		}
	}
}

// A site is a directory served on a loopback address of its own, so that
// each target is a host of its own and fetch's per-host spacing does not
// serialise a script's targets.
type site struct {
	down atomic.Bool // drop every connection: the site is unreachable
	url  string
}

var (
	sitesMu  sync.Mutex
	sites    = map[*testscript.TestScript]map[string]*site{}
	nextHost atomic.Int32
)

func wsite(ts *testscript.TestScript, args []string) *site {
	if len(args) != 1 {
		ts.Fatalf("usage: wdown|wup NAME")
	}
	sitesMu.Lock()
	defer sitesMu.Unlock()
	s := sites[ts][args[0]]
	if s == nil {
		ts.Fatalf("no site %s; start it with wserve", args[0])
	}
	return s
}

// wserveCmd, "wserve [-fallback FILE] NAME DIR", serves DIR on
// 127.0.0.N:PORT and sets $NAME to its URL. /slow/P answers after 2
// seconds; wdown NAME makes the site drop every connection until wup NAME.
// With -fallback, a path with no file answers 200 with FILE, as
// single-page sites and CMS fallbacks do (FILE ending .html is served as
// a page, anything else as bytes).
func wserveCmd(ts *testscript.TestScript, neg bool, args []string) {
	var fallback string
	if len(args) > 2 && args[0] == "-fallback" {
		fallback, args = ts.MkAbs(args[1]), args[2:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: wserve [-fallback FILE] NAME DIR")
	}
	n := nextHost.Add(1)
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.%d.%d:0", 10+n/200, 10+n%200))
	ts.Check(err)
	s := &site{url: "http://" + ln.Addr().String()}
	root := ts.MkAbs(args[1])
	files := http.FileServer(http.Dir(root))
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() {
			if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
				c.Close()
			}
			return
		}
		if p, ok := strings.CutPrefix(r.URL.Path, "/slow"); ok {
			time.Sleep(2 * time.Second)
			r.URL.Path = p
		}
		// An ETag from the content, as real servers derive one from the
		// size: Last-Modified alone has one-second steps, and a script
		// changes a file within the second.
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(path.Clean("/"+r.URL.Path))))
		if err == nil {
			w.Header().Set("ETag", fmt.Sprintf(`"%x"`, sha256.Sum256(b)))
		} else if fallback != "" {
			body, err := os.ReadFile(fallback)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			if strings.HasSuffix(fallback, ".html") {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
			} else {
				w.Header().Set("Content-Type", "application/octet-stream")
			}
			w.Write(body)
			return
		}
		files.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	ts.Defer(func() { srv.Close() })
	sitesMu.Lock()
	if sites[ts] == nil {
		sites[ts] = map[string]*site{}
	}
	sites[ts][args[0]] = s
	sitesMu.Unlock()
	ts.Setenv(args[0], s.url)
}

// hookServerCmd, "hooksrv NAME", receives webhooks on 127.0.0.1 and appends
// each body, one per line, to $WORK/NAME.log; $NAME is its URL. /fail
// answers 500; /flaky answers 500 to its first request, then 202 with
// the JSON {"id":"msg-N"}, N counting the requests.
func hookServerCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hooksrv NAME")
	}
	var mu sync.Mutex
	var flaky int
	log := ts.MkAbs(args[0] + ".log")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			http.Error(w, "the receiver is broken", 500)
			return
		}
		var v map[string]any
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		b, _ := json.Marshal(v)
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/flaky" {
			if flaky++; flaky == 1 {
				http.Error(w, "the receiver is starting", 500)
				return
			}
		}
		f, _ := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		fmt.Fprintf(f, "%s %s\n", r.Header.Get("X-Canarykit-Signature"), b)
		f.Close()
		if r.URL.Path == "/flaky" {
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprintf(w, `{"id":"msg-%d"}`, flaky)
		}
	})}
	go srv.Serve(ln)
	ts.Defer(func() { srv.Close() })
	ts.Setenv(args[0], "http://"+ln.Addr().String())
}

// freePortCmd, "freeport NAME", sets $NAME to a free 127.0.0.1:PORT.
func freePortCmd(ts *testscript.TestScript, neg bool, args []string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Setenv(args[0], ln.Addr().String())
	ln.Close()
}

// httpGetCmd, "httpget URL", GETs URL until it answers 200 (for up to 20
// seconds) and puts the body on stdout; with !, until it answers anything
// but 200.
func httpGetCmd(ts *testscript.TestScript, neg bool, args []string) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(args[0])
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if (res.StatusCode == 200) != neg {
				ts.Stdout().Write(b)
				return
			}
		}
		if time.Now().After(deadline) {
			ts.Fatalf("GET %s: %v", args[0], err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestWatchKillNine kills a canary watch with SIGKILL while it is writing
// history, then checks that the database is sound, that nothing recorded
// before is lost, and that the next run works.
func TestWatchKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a watch of 300 targets")
	}
	bin, err := exec.LookPath("canary")
	if err != nil {
		t.Skip("the canary command is not on PATH (run through go test)")
	}
	dir := t.TempDir()
	key, canaryFile := makeCanary(t, bin, dir)

	// 300 targets over 150 hosts, each answer slowed down, so that the
	// run takes a few seconds of steady writing.
	var hosts []string
	var servers []*http.Server
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(30 * time.Millisecond)
		if strings.HasSuffix(r.URL.Path, ".tsr") || strings.HasSuffix(r.URL.Path, ".asc") || strings.HasSuffix(r.URL.Path, ".sig") {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, canaryFile)
	})
	for i := range 150 {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.%d.%d:0", 100+i/200, 10+i%200))
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: handler}
		go srv.Serve(ln)
		servers = append(servers, srv)
		hosts = append(hosts, ln.Addr().String())
	}
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	var list strings.Builder
	fmt.Fprintf(&list, "defaults: {keys: [%s]}\ntargets:\n", key)
	for i := range 300 {
		fmt.Fprintf(&list, "  - {name: t%03d, url: \"http://%s/c%d/canary.txt\"}\n", i, hosts[i%len(hosts)], i)
	}
	cfg := filepath.Join(dir, "watch.yaml")
	if err := os.WriteFile(cfg, []byte(list.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "watch.db")
	watchCmd := func(at string) *exec.Cmd {
		c := exec.Command(bin, "watch", "--config", cfg, "--db", db, "--at", at, "--parallel", "16")
		c.Env = append(os.Environ(), "CANARY_TEST_NOW=2026-11-22T12:00:00Z")
		return c
	}
	if out, err := watchCmd("2026-11-22T12:00:00Z").CombinedOutput(); err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	counts := func() store.Counts {
		d, err := store.OpenExisting(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		c, err := d.Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	before := counts()
	if before.Checks != 300 || before.Events != 300 || before.Canaries != 300 {
		t.Fatalf("after the first run: %+v, want 300 checks, events and canaries", before)
	}

	c := watchCmd("2026-11-23T12:00:00Z")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	var mid store.Counts
	for {
		time.Sleep(50 * time.Millisecond)
		mid = counts()
		if mid.Checks > before.Checks+20 {
			break
		}
		if time.Now().After(deadline) {
			c.Process.Kill()
			t.Fatalf("the second run wrote nothing in 30s: %+v", mid)
		}
	}
	c.Process.Signal(syscall.SIGKILL)
	c.Wait()
	if mid.Checks >= before.Checks+300 {
		t.Fatalf("the run had finished before it was killed (%+v); the test proves nothing", mid)
	}

	out, err := exec.Command(bin, "db", "check", "--db", db).CombinedOutput()
	if err != nil {
		t.Fatalf("db check after kill -9: %v\n%s", err, out)
	}
	after := counts()
	if after.Checks < mid.Checks || after.Events < before.Events || after.Canaries < before.Canaries {
		t.Fatalf("history lost: before the kill %+v, seen during the run %+v, after %+v", before, mid, after)
	}
	// The lock went with the process, and the next run completes.
	if out, err := watchCmd("2026-11-24T12:00:00Z").CombinedOutput(); err != nil {
		t.Fatalf("run after the kill: %v\n%s", err, out)
	}
	final := counts()
	if final.Checks != after.Checks+300 || final.Events < before.Events {
		t.Fatalf("after the third run: %+v (after the kill: %+v)", final, after)
	}
	out, err = exec.Command(bin, "history", "t007", "--db", db).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "2026-11-22 12:00  OK       new-canary: first canary seen") {
		t.Fatalf("history of t007 lost its first event: %v\n%s", err, out)
	}
}

// makeCanary makes a key and a canary in dir with the real CLI, and
// returns the public key file and the canary file.
func makeCanary(t testing.TB, bin, dir string) (string, string) {
	t.Helper()
	def := `issuer: {name: Example Org, url: https://example.org}
cadence: 30d
statements:
  - {id: no-warrants, text: "No warrants."}
signers: [{key: keys/alice.sec.asc}]
`
	if err := os.WriteFile(filepath.Join(dir, "canary.yaml"), []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"key", "generate", "--uid", "Alice <alice@example.org>", "--out", "keys/alice"},
		{"issue", "--config", "canary.yaml", "--out", "site"},
	} {
		c := exec.Command(bin, args...)
		c.Dir = dir
		c.Env = append(os.Environ(), "CANARY_TEST_NOW=2026-11-22T12:00:00Z")
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("canary %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return filepath.Join(dir, "keys", "alice.pub.asc"), filepath.Join(dir, "site", "canary.txt")
}
