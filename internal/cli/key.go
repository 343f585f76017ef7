package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/canarykit/canarykit/internal/atomicfile"
	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/keys"
)

func newKeyCmd(io *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Manage signing keys",
	}
	cmd.AddCommand(newKeyGenerateCmd(io), newKeyExportKMSCmd(io)) // signing.go
	return cmd
}

func newKeyGenerateCmd(io *streams) *cobra.Command {
	var uid, out, expires string
	var noPass bool
	cmd := &cobra.Command{
		Use:   "generate --uid \"Name <mail>\" --out PATH",
		Short: "Make an OpenPGP signing key for a canary signer",
		Long: `Make a v4 Ed25519 OpenPGP signing key and write PATH.sec.asc (the secret
key, mode 0600) and PATH.pub.asc (the public key to publish). GnuPG 2.2 and
later, Sequoia and every other OpenPGP tool read it.

The secret key is protected by a passphrase when CANARY_PASSPHRASE is set,
or when you type one at the prompt (twice). --no-passphrase skips the prompt.
Existing files are never overwritten.`,
		Example: `  canary key generate --uid "Alice <alice@example.org>" --out keys/alice
  CANARY_PASSPHRASE=... canary key generate --uid "Bob <bob@example.org>" --out keys/bob --expires 2y`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var lifetime time.Duration
			if expires != "" {
				var err error
				if lifetime, err = duration.ParseLong(expires); err != nil {
					return fmt.Errorf("--expires: %v", err)
				}
			}
			sec, pub := out+".sec.asc", out+".pub.asc"
			for _, p := range []string{sec, pub} {
				if _, err := os.Lstat(p); err == nil {
					return fmt.Errorf("%s already exists; choose another --out or move it away", p)
				}
			}
			pw, err := newPassphrase(io, noPass)
			if err != nil {
				return err
			}
			secret, public, fp, err := keys.GenerateKey(uid, pw, lifetime, io.Now())
			if err != nil {
				return err
			}
			if dir := filepath.Dir(out); dir != "." {
				if err := os.MkdirAll(dir, 0o700); err != nil {
					return err
				}
			}
			if err := atomicfile.Create(sec, secret, 0o600); err != nil {
				return err
			}
			if err := atomicfile.Create(pub, public, 0o644); err != nil {
				return err
			}
			protected := "not protected by a passphrase"
			if len(pw) > 0 {
				protected = "protected by a passphrase"
			}
			fmt.Fprintf(io.Out, "Key %s for %s\n  secret: %s (%s; keep it offline and backed up)\n  public: %s (publish it where readers find it)\n", fp, uid, sec, protected, pub)
			return nil
		},
	}
	cmd.Flags().StringVar(&uid, "uid", "", "user ID, \"Name <mail@example.org>\" (required)")
	cmd.Flags().StringVar(&out, "out", "", "path prefix of the key files (required)")
	cmd.Flags().StringVar(&expires, "expires", "", "key lifetime, e.g. 2y, 730d (default: never expires)")
	cmd.Flags().BoolVar(&noPass, "no-passphrase", false, "do not ask for a passphrase")
	cmd.MarkFlagRequired("uid")
	cmd.MarkFlagRequired("out")
	return cmd
}

func newPassphrase(io *streams, skip bool) ([]byte, error) {
	if pw := io.Getenv("CANARY_PASSPHRASE"); pw != "" {
		return []byte(pw), nil
	}
	if skip || !io.IsTerminal {
		return nil, nil
	}
	fd := int(os.Stdin.Fd())
	fmt.Fprint(io.Err, "Passphrase for the new key (empty for none): ")
	pw, err := term.ReadPassword(fd)
	fmt.Fprintln(io.Err)
	if err != nil || len(pw) == 0 {
		return nil, err
	}
	fmt.Fprint(io.Err, "Same passphrase again: ")
	again, err := term.ReadPassword(fd)
	fmt.Fprintln(io.Err)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(pw, again) {
		return nil, errors.New("the two passphrases differ; nothing was written")
	}
	return pw, nil
}
