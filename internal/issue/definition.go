// Package issue is the publisher's workflow: the definition a publisher
// keeps (Definition), the next canary it calls for (Next), issuing and
// archiving it in the publication directory (Issue), cosigning a draft
// (Cosign*), publishing what the signers signed (PublishSigned), and when
// the next one is due (Check). It builds on canary (the document), keys and
// signer; nothing a reader runs imports it.
package issue

import (
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/canarykit/canarykit/canary"
	"github.com/canarykit/canarykit/internal/duration"
	"github.com/canarykit/canarykit/internal/freshness"
	"github.com/canarykit/canarykit/internal/schema"
)

// A Definition is what a publisher writes once: who issues the canary,
// what it states, how often it is renewed and who signs it.
type Definition struct {
	Issuer     canary.Issuer      `yaml:"issuer"`
	Cadence    duration.Duration  `yaml:"cadence"`
	Grace      duration.Duration  `yaml:"grace"`
	Statements []canary.Statement `yaml:"statements"`
	Signers    []SignerRef        `yaml:"signers"`
	Threshold  int                `yaml:"threshold"`
	// Freshness says where to get proofs of when each canary was signed.
	Freshness *freshness.Config `yaml:"freshness"`

	// Dir is the definition file's directory: key paths are relative to it,
	// so a definition works from whatever directory cron starts in.
	Dir string `yaml:"-"`
}

// SignerRef names where a signer's secret key is: a key file,
// gpg:FINGERPRINT or kms://REF (signer.CheckRef).
type SignerRef struct {
	Key string `yaml:"key"`
	// Public is the OpenPGP public key file of a kms:// key.
	Public string `yaml:"public"`
}

// KeyPath resolves a signer's key path against the definition's directory.
func (d *Definition) KeyPath(r SignerRef) string {
	if filepath.IsAbs(r.Key) {
		return r.Key
	}
	return filepath.Join(d.Dir, r.Key)
}

// LoadDefinition reads and checks a definition file.
func LoadDefinition(path string) (*Definition, error) {
	data, err := canary.ReadLimited(path, 1<<20)
	if err != nil {
		return nil, err
	}
	d, err := ParseDefinition(path, data)
	if err != nil {
		return nil, err
	}
	d.Dir = filepath.Dir(path)
	return d, nil
}

// ParseDefinition checks data against the definition schema, then decodes
// it. Every problem is reported with its line, so that a typo in a key
// never silently drops a statement.
func ParseDefinition(filename string, data []byte) (*Definition, error) {
	if err := schema.ValidateYAML(schema.Definition, filename, data); err != nil {
		return nil, err
	}
	var d Definition
	if err := yaml.UnmarshalWithOptions(data, &d, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("%s: %s", filename, yaml.FormatError(err, false, true))
	}
	if d.Threshold == 0 {
		d.Threshold = 1
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	return &d, nil
}

// Validate checks what the schema cannot express.
func (d *Definition) Validate() error {
	if d.Cadence <= 0 {
		return fmt.Errorf("cadence must be longer than zero")
	}
	if d.Cadence < duration.Duration(time.Hour) {
		return fmt.Errorf("cadence %s is shorter than an hour; readers could not keep up", d.Cadence)
	}
	if d.Grace < 0 {
		return fmt.Errorf("grace must not be negative")
	}
	if d.Threshold > len(d.Signers) {
		return fmt.Errorf("threshold %d is more than the %d signers configured", d.Threshold, len(d.Signers))
	}
	for i, r := range d.Signers {
		if err := r.check(); err != nil { // signers.go
			return fmt.Errorf("signers[%d]: %v", i, err)
		}
	}
	if err := d.Issuer.Validate(); err != nil {
		return err
	}
	if err := d.Freshness.Validate(); err != nil {
		return err
	}
	return canary.CheckStatements(d.Statements)
}

// starterDefinition is what `canary init` writes: every key explained, so
// a publisher can fill it in without reading the docs first.
const starterDefinition = `# yaml-language-server: $schema=https://canarykit.github.io/schema/definition.schema.json
# canarykit definition: what your warrant canary says, how often it is
# renewed and who signs it. Run "canary issue --config %[1]s --out public"
# to issue the next canary. Full reference: docs/FORMAT.md.

# Who makes the statements. Readers see this name and URL in every canary.
issuer:
  name: %[2]s
  url: %[3]s

# The next canary is due this long after each one is issued.
# Units: w (weeks), d (days), h, m, s. Example: 90d, 13w.
cadence: 90d

# Extra time readers allow before they treat a missing renewal as a lapse.
# Each canary expires at issue time + cadence + grace.
grace: 7d

# The statements. Keep each id forever: readers compare statements by id,
# so a removed id or a changed text is reported to them. Never reuse an id
# for a different statement. One line of plain text each.
statements:
  - id: no-warrants
    text: %[4]s
  - id: no-gag-orders
    text: %[5]s
  - id: no-backdoors
    text: %[6]s

# Who signs. Each key is an armored OpenPGP secret key file, relative to
# this file: "canary key generate --uid 'Name <mail>' --out keys/alice"
# makes one, or use "gpg --export-secret-keys --armor FINGERPRINT".
# A passphrase comes from CANARY_PASSPHRASE or a prompt.
signers:
  - key: keys/alice.sec.asc

# How many of the signers readers should require (m of n).
threshold: 1
`

// StarterDefinition returns the commented definition `canary init` writes.
func StarterDefinition(filename, name, url string) []byte {
	q := strconv.Quote
	return []byte(fmt.Sprintf(starterDefinition, filepath.Base(filename), q(name), q(url),
		q(name+" has not received any warrant, subpoena or court order for user data."),
		q(name+" has not been placed under any gag order or National Security Letter."),
		q(name+" has not been compelled to modify its systems to allow access to user data.")))
}
