package fetch

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
)

// TestDirectIgnoresEnvironmentProxy: Direct (a watch list's "via:
// direct") never goes through HTTP_PROXY. net/http reads the environment
// once per process, so the check runs in a child process that sets it
// first; the child also fetches without Direct, to show the environment's
// proxy is in force there.
func TestDirectIgnoresEnvironmentProxy(t *testing.T) {
	if os.Getenv("CANARY_FETCH_DIRECT_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDirectIgnoresEnvironmentProxy$", "-test.v")
		cmd.Env = append(os.Environ(), "CANARY_FETCH_DIRECT_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	var asked atomic.Int32
	proxy := serve(t, func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		text(w, canaryText)
	})
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	// A name no resolver knows: only the proxy can answer for it.
	const u = "http://canary.invalid/canary.txt"
	direct, err := New(quick(Options{Direct: true}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := direct.Get(context.Background(), u, nil); err == nil || asked.Load() != 0 {
		t.Fatalf("direct: error %v, proxy asked %d times; want a failure and no request to the proxy", err, asked.Load())
	}
	env, err := New(quick(Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Get(context.Background(), u, nil); err != nil || asked.Load() != 1 {
		t.Fatalf("environment: error %v, proxy asked %d times; want the request through HTTP_PROXY", err, asked.Load())
	}
	if _, err := New(Options{Direct: true, Proxy: "socks5://127.0.0.1:9050"}); err == nil {
		t.Fatal("Direct with a Proxy accepted")
	}
	if _, err := direct.Get(context.Background(), "http://exampleonion.onion/c.txt", nil); err == nil {
		t.Fatal("direct: an .onion URL accepted")
	}
}
