package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/canarykit/canarykit/internal/atomicfile"
	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/signer"
)

// newKeyExportKMSCmd makes the OpenPGP public key of a KMS key, the one
// step a KMS signer needs before canary issue can use it (docs/SIGNING.md).
func newKeyExportKMSCmd(io *streams) *cobra.Command {
	var key, uid, out, created, expires string
	cmd := &cobra.Command{
		Use:   "export-kms --key kms://REF --uid \"Name <mail>\" --out PATH",
		Short: "Make the OpenPGP public key of a key held in a KMS",
		Long: `Make the OpenPGP public key of a signing key held in a KMS and write it to
PATH.pub.asc: the KMS public key as an OpenPGP primary key, created at
--created (default now), with the user ID --uid self-signed by the KMS.

An OpenPGP fingerprint covers the creation time, which a KMS does not keep,
so run this once, publish PATH.pub.asc, and name it in the definition:

  signers:
    - {key: "kms://REF", public: keys/kms.pub.asc}

REF is a sigstore KMS reference. canary signs with it through the program
canary-kms (found beside canary, else on PATH; CANARY_KMS names another),
which has the awskms://, azurekms://, gcpkms://, hashivault:// and openbao://
providers built in; any other NAME://... is signed by sigstore's plugin
program sigstore-kms-NAME on PATH. Install it with
go install github.com/canarykit/canarykit/cmd/...@latest, which installs both
programs. ECDSA P-256, P-384, P-521 and RSA keys work; the KMS signs with
SHA-256 unless its provider says otherwise.`,
		Example: `  canary key export-kms --key kms://awskms:///arn:aws:kms:eu-west-1:111122223333:key/1234abcd --uid "Example Org canary <canary@example.org>" --out keys/kms
  canary key export-kms --key kms://hashivault://canary --uid "Example Org canary <canary@example.org>" --out keys/kms --expires 2y`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !strings.HasPrefix(key, signer.KMSPrefix) {
				return fmt.Errorf("--key %q: give kms:// and a sigstore KMS reference, e.g. kms://awskms:///arn:...", key)
			}
			at := io.Now()
			if created != "" {
				var err error
				if at, err = parseTime("created", created); err != nil {
					return err
				}
			}
			var lifetime time.Duration
			if expires != "" {
				var err error
				if lifetime, err = duration.ParseLong(expires); err != nil {
					return fmt.Errorf("--expires: %v", err)
				}
			}
			p := out + ".pub.asc"
			if _, err := os.Lstat(p); err == nil {
				return fmt.Errorf("%s already exists; choose another --out or move it away (an export at another time is another key)", p)
			}
			pub, fp, err := signer.ExportKMSKey(key, uid, at, lifetime)
			if err != nil {
				return err
			}
			if dir := filepath.Dir(p); dir != "." {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return err
				}
			}
			if err := atomicfile.Create(p, pub, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(io.Out, "Key %s for %s, held in %s\n  public: %s (publish it where readers find it)\nIn the definition:\n  signers:\n    - {key: %q, public: %s}\n",
				fp, uid, key, p, key, p)
			return nil
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "the KMS key, kms://REF (required)")
	cmd.Flags().StringVar(&uid, "uid", "", "user ID, \"Name <mail@example.org>\" (required)")
	cmd.Flags().StringVar(&out, "out", "", "path prefix of the public key file (required)")
	cmd.Flags().StringVar(&created, "created", "", "the key's creation time, RFC 3339 (default now; part of the fingerprint)")
	cmd.Flags().StringVar(&expires, "expires", "", "key lifetime, e.g. 2y, 730d (default: never expires)")
	for _, f := range []string{"key", "uid", "out"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}
