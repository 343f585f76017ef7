package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/canarykit/canarykit/internal/gpgtest"
	"github.com/canarykit/canarykit/internal/kmstest"
)

// pluginName is the sigstore KMS plugin the test binary also is: a
// reference plugtest://KEY makes canary-kms's kms.Get run it from PATH.
const pluginName = "sigstore-kms-plugtest"

func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == pluginName {
		os.Exit(kmstest.PluginMain())
	}
	code := m.Run()
	if buildRoot != "" {
		os.RemoveAll(buildRoot)
	}
	os.Exit(code)
}

// The programs under test, built once: canary beside the stand-in
// canary-kms (internal/kmstest/cmd/canary-kms), and the real canary-kms
// alone in its own folder.
var (
	buildOnce           sync.Once
	buildErr            error
	standinDir, realKMS string
	buildRoot           string
)

func build(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build canary with")
	}
	buildOnce.Do(func() {
		buildRoot, buildErr = os.MkdirTemp("", "canary-kms-e2e")
		if buildErr != nil {
			return
		}
		standinDir = filepath.Join(buildRoot, "standin")
		realKMS = filepath.Join(buildRoot, "real", "canary-kms")
		for _, args := range [][]string{
			{"-o", standinDir + "/", "github.com/canarykit/canarykit/cmd/canary", "github.com/canarykit/canarykit/internal/kmstest/cmd/canary-kms"},
			{"-o", realKMS, "github.com/canarykit/canarykit/cmd/canary-kms"},
		} {
			out, err := exec.Command("go", append([]string{"build"}, args...)...).CombinedOutput()
			if err != nil {
				buildErr = &buildError{args, err, out}
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

type buildError struct {
	args []string
	err  error
	out  []byte
}

func (e *buildError) Error() string {
	return "go build " + strings.Join(e.args, " ") + ": " + e.err.Error() + "\n" + string(e.out)
}

// run runs prog in dir with env (and no CANARY_KMS unless env sets it),
// returning stdout, stderr and the exit code.
func run(t *testing.T, dir string, env []string, prog string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Dir = dir
	cmd.Env = append(filterEnv(os.Environ(), "CANARY_KMS", "PATH"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", prog, err)
	}
	return out.String(), errb.String(), code
}

func filterEnv(env []string, drop ...string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, d := range drop {
			keep = keep && k != d
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// systemPath is a PATH with the system's tools (gpg) and no canary-kms.
const systemPath = "PATH=/usr/local/bin:/usr/bin:/bin"

const definition = `issuer: {name: Example Org, url: https://example.org}
cadence: 90d
statements:
  - {id: no-warrants, text: "No warrants."}
signers: [{key: "KEY", public: keys/kms.pub.asc}]
`

var keyLine = regexp.MustCompile(`(?m)^Key ([0-9A-F]{40}) for `)

// issueWith exports the KMS key ref, issues a canary signed by it and
// verifies it with canary verify; it returns the folder, the public key
// and its fingerprint.
func issueWith(t *testing.T, canary string, env []string, ref string) (string, []byte, string) {
	t.Helper()
	dir := t.TempDir()
	out, errs, code := run(t, dir, env, canary, "key", "export-kms", "--key", ref, "--uid", "Example Org canary <canary@example.org>", "--out", "keys/kms")
	m := keyLine.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("export-kms: exit %d\n%s%s", code, out, errs)
	}
	os.WriteFile(filepath.Join(dir, "canary.yaml"), []byte(strings.Replace(definition, "KEY", ref, 1)), 0o644)
	if out, errs, code := run(t, dir, env, canary, "issue", "--config", "canary.yaml", "--out", "public"); code != 0 || !strings.Contains(out, "Issued canary 1 of Example Org") {
		t.Fatalf("issue: exit %d\n%s%s", code, out, errs)
	}
	out, errs, code = run(t, dir, env, canary, "verify", "public/canary.txt", "--key", "keys/kms.pub.asc")
	if code != 0 || !strings.Contains(out, "OK: authentic canary from Example Org (serial 1), signed by Example Org canary <canary@example.org>") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errs)
	}
	pub, err := os.ReadFile(filepath.Join(dir, "keys", "kms.pub.asc"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, pub, m[1]
}

// A canary built from cmd/canary finds the canary-kms beside it, signs
// through it with the stand-in KMS, and the canary verifies with canary
// verify and gpg.
func TestEndToEndBesideCanary(t *testing.T) {
	build(t)
	canary := filepath.Join(standinDir, "canary")
	for _, key := range []string{"ecdsa-p256", "rsa-2048"} {
		t.Run(key, func(t *testing.T) {
			dir, pub, fpr := issueWith(t, canary, []string{systemPath}, "kms://testkms://"+key)
			signed, err := os.ReadFile(filepath.Join(dir, "public", "canary.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(signed, []byte("\nHash: SHA256\n")) {
				t.Errorf("the block does not name SHA256:\n%s", signed)
			}
			gpgtest.Need(t, "gpg")
			h := gpgtest.NewHome(t)
			h.Import(pub, "")
			st, err := h.Verify(signed)
			if err != nil || len(gpgtest.Status(st, "GOODSIG")) != 1 || !bytes.Contains(st, []byte("VALIDSIG ")) || !bytes.Contains(st, []byte(fpr)) {
				t.Errorf("gpg --verify: %v\n%s", err, st)
			}
		})
	}
}

// The real canary-kms, named by CANARY_KMS, has the cloud providers built
// in, and reaches a KMS it has no provider for through sigstore's plugin
// program sigstore-kms-NAME on PATH.
func TestEndToEndPlugin(t *testing.T) {
	build(t)
	out, errs, code := run(t, t.TempDir(), []string{systemPath}, realKMS, "--version")
	if code != 0 {
		t.Fatalf("canary-kms --version: exit %d: %s", code, errs)
	}
	for _, p := range builtInProviders {
		if !strings.Contains(out, p) {
			t.Errorf("canary-kms --version does not list %s: %s", p, out)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	plugins := t.TempDir()
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(plugins, pluginName), b, 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"CANARY_KMS=" + realKMS, "PATH=" + plugins + ":/usr/local/bin:/usr/bin:/bin"}
	issueWith(t, filepath.Join(standinDir, "canary"), env, "kms://plugtest://ecdsa-p256")

	// Without the plugin, the error names it.
	dir, _, _ := issueWith(t, filepath.Join(standinDir, "canary"), []string{systemPath}, "kms://testkms://ecdsa-p256")
	os.WriteFile(filepath.Join(dir, "other.yaml"), []byte(strings.Replace(definition, "KEY", "kms://nosuch://key", 1)), 0o644)
	_, errs, code = run(t, dir, []string{"CANARY_KMS=" + realKMS, systemPath}, filepath.Join(standinDir, "canary"), "issue", "--config", "other.yaml", "--out", "public")
	if code != 3 || !strings.Contains(errs, `canary-kms: no KMS provider for "nosuch://key"`) || !strings.Contains(errs, "sigstore-kms-nosuch on PATH") {
		t.Errorf("no provider: exit %d: %s", code, errs)
	}
}

// A canary alone, without canary-kms beside it or on PATH, says what to
// install; a draft, which needs no KMS, still works.
func TestEndToEndMissing(t *testing.T) {
	build(t)
	dir, _, _ := issueWith(t, filepath.Join(standinDir, "canary"), []string{systemPath}, "kms://testkms://ecdsa-p256")
	alone := filepath.Join(t.TempDir(), "canary")
	b, err := os.ReadFile(filepath.Join(standinDir, "canary"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(alone, b, 0o755)
	_, errs, code := run(t, dir, []string{systemPath}, alone, "issue", "--config", "canary.yaml", "--out", "public")
	if code != 3 || !strings.Contains(errs, "the program canary-kms, which is not installed") || !strings.Contains(errs, "go install github.com/canarykit/canarykit/cmd/canary-kms@latest") {
		t.Errorf("exit %d: %s", code, errs)
	}
	if out, errs, code := run(t, dir, []string{systemPath}, alone, "issue", "--config", "canary.yaml", "--out", "public", "--unsigned"); code != 0 {
		t.Errorf("a draft without canary-kms: exit %d\n%s%s", code, out, errs)
	}
}
