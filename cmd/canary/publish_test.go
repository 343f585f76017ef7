package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/canarykit/canarykit/internal/gpgtest"
)

// TestSigningScripts runs testdata/signing/*.txtar: signing backends
// (gpg-agent, KMS). Each script gets its own throwaway GNUPGHOME, short
// enough for the agent's sockets, whose agent is stopped when the script
// ends; without gpg they skip, except under CI.
func TestSigningScripts(t *testing.T) {
	for _, tool := range []string{"gpg", "gpg-agent", "gpgconf"} {
		gpgtest.Need(t, tool)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "signing"),
		Setup: func(env *testscript.Env) error {
			env.Setenv("CANARY_TEST_NOW", "2026-11-22T12:00:00Z")
			home, err := os.MkdirTemp("/tmp", "cgpg")
			if err != nil {
				return err
			}
			if err := os.Chmod(home, 0o700); err != nil {
				return err
			}
			env.Setenv("GNUPGHOME", home)
			env.Defer(func() {
				cmd := exec.Command("gpgconf", "--kill", "all")
				cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
				cmd.Run()
				os.RemoveAll(home)
			})
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":     exitsCmd,
			"expandenv": freshnessCmds["expandenv"],
			// gpgkey VAR UID EXPIRE makes an unprotected ed25519 signing
			// key in the script's GnuPG, dated 2026-01-01, and puts its
			// fingerprint in $VAR.
			"gpgkey": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 3 {
					ts.Fatalf("usage: gpgkey VAR UID EXPIRE")
				}
				ts.Check(ts.Exec("gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
					"--faked-system-time", "20260101T000000!", "--status-fd", "1",
					"--quick-gen-key", args[1], "ed25519", "sign", args[2]))
				for _, f := range gpgtest.Status([]byte(ts.ReadFile("stdout")), "KEY_CREATED") {
					if len(f) >= 3 {
						ts.Setenv(args[0], f[2])
						return
					}
				}
				ts.Fatalf("gpg made no key: %s", ts.ReadFile("stderr"))
			},
		},
	})
}
