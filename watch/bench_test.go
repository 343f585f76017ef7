package watch

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canarykit/canarykit/fetch"
	pgpkeys "github.com/canarykit/canarykit/keys"
	signing "github.com/canarykit/canarykit/signer"
	"github.com/canarykit/canarykit/watch/store"
)

const (
	benchHosts      = 5000
	benchPerHost    = 2
	benchServerEnv  = "CANARY_BENCH_SERVER"
	benchCanaryFile = "canary.txt"
)

// TestBenchServer is not a test: BenchmarkWatch10k runs the test binary
// with CANARY_BENCH_SERVER set to serve the canaries from another
// process, so that the benchmark's memory is the watchdog's alone.
func TestBenchServer(t *testing.T) {
	dir := os.Getenv(benchServerEnv)
	if dir == "" {
		t.Skip("only run by BenchmarkWatch10k")
	}
	body, err := os.ReadFile(filepath.Join(dir, benchCanaryFile))
	if err != nil {
		t.Fatal(err)
	}
	mod := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, ".txt") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", `"c1"`)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		http.ServeContent(w, r, "canary.txt", mod, strings.NewReader(string(body)))
	})
	out := bufio.NewWriter(os.Stdout)
	for i := range benchHosts {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.1.%d.%d:0", i/250, 1+i%250))
		if err != nil {
			t.Fatal(err)
		}
		// A connection per request: thousands of idle keep-alive
		// connections would be the server's memory, not the watchdog's.
		s := &http.Server{Handler: h}
		s.SetKeepAlivesEnabled(false)
		go s.Serve(ln)
		fmt.Fprintln(out, ln.Addr())
	}
	fmt.Fprintln(out, "ready")
	out.Flush()
	// Serve until the benchmark closes our standard input.
	bufio.NewReader(os.Stdin).ReadString('\n')
}

// BenchmarkWatch10k checks 10,000 targets on 5,000 loopback hosts, two
// each, twice: a first run where every canary is new, and a second where
// every server answers 304. It reports targets checked per second and the
// peak resident memory of this process. The goal: all 10,000 in under 60 s
// with under 200 MiB.
func BenchmarkWatch10k(b *testing.B) {
	dir := b.TempDir()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	secret, public, _, err := pgpkeys.GenerateKey("Bench <bench@example.org>", nil, 0, now.Add(-time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "bench.sec.asc"), secret, 0o600)
	os.WriteFile(filepath.Join(dir, "bench.pub.asc"), public, 0o644)
	signer, err := signing.ReadSigner(filepath.Join(dir, "bench.sec.asc"))
	if err != nil {
		b.Fatal(err)
	}
	text := "The bench organisation has received no warrants as of 2026-11-22.\n"
	signed, err := signing.Sign([]byte(text), []*signing.Signer{signer}, now)
	if err != nil {
		b.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, benchCanaryFile), signed, 0o644)

	srv := exec.Command(os.Args[0], "-test.run=^TestBenchServer$")
	srv.Env = append(os.Environ(), benchServerEnv+"="+dir)
	stdin, _ := srv.StdinPipe()
	stdout, _ := srv.StdoutPipe()
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { stdin.Close(); srv.Wait() }()
	var addrs []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && sc.Text() != "ready" {
		addrs = append(addrs, sc.Text())
	}
	if len(addrs) != benchHosts {
		b.Fatalf("the server process started %d hosts", len(addrs))
	}

	cfg := &Config{}
	for i := range benchHosts * benchPerHost {
		cfg.Targets = append(cfg.Targets, Target{
			Name: fmt.Sprintf("t%05d", i), URL: fmt.Sprintf("http://%s/c%d/canary.txt", addrs[i%benchHosts], i),
			Keys: []string{filepath.Join(dir, "bench.pub.asc")}, Threshold: 1, MaxAge: 90 * 24 * time.Hour,
			WarnBefore: DefaultWarnBefore, Timeout: DefaultTimeout, MaxBytes: DefaultMaxBytes,
			UnreachableAfter: DefaultUnreachableAfter, UnreachableFor: DefaultUnreachableFor,
		})
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "watch.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	w := &Watcher{DB: db, Config: cfg, Parallel: 32, FetchOptions: fetch.Options{UserAgent: "canarykit-bench"}}

	var peak atomic.Int64
	stop := make(chan struct{})
	go func() {
		for {
			peak.Store(max(peak.Load(), rss()))
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	defer close(stop)

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for run, at := range []time.Time{now.Add(time.Duration(i) * time.Hour), now.Add(time.Duration(i)*time.Hour + time.Minute)} {
			start := time.Now()
			rep, err := w.Run(context.Background(), at, nil)
			if err != nil {
				b.Fatal(err)
			}
			took := time.Since(start)
			bad := 0
			for _, v := range rep.Targets {
				if v.Status != 0 {
					bad++
					if bad == 1 {
						b.Logf("%s: %s: %s", v.Name, v.Status, v.Summary)
					}
				}
			}
			if len(rep.Targets) != len(cfg.Targets) || bad > 0 {
				b.Fatalf("run %d: %d targets checked, %d not OK", run, len(rep.Targets), bad)
			}
			name := []string{"new", "304"}[run]
			b.ReportMetric(float64(len(rep.Targets))/took.Seconds(), "targets/s-"+name)
			b.ReportMetric(took.Seconds(), "s-"+name)
		}
	}
	b.StopTimer()
	peak.Store(max(peak.Load(), rss()))
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-MiB")
	b.ReportMetric(float64(hwm())/(1<<20), "VmHWM-MiB")
}

// rss is this process's resident memory, from /proc (0 elsewhere).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// hwm is the kernel's peak resident memory for this process (VmHWM).
func hwm() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
