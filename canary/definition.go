package canary

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/canarykit/canarykit/freshness"
	"github.com/canarykit/canarykit/schema"
)

// A Definition is what a publisher writes once: who issues the canary,
// what it states, how often it is renewed and who signs it.
type Definition struct {
	Issuer     Issuer      `yaml:"issuer"`
	Cadence    Duration    `yaml:"cadence"`
	Grace      Duration    `yaml:"grace"`
	Statements []Statement `yaml:"statements"`
	Signers    []SignerRef `yaml:"signers"`
	Threshold  int         `yaml:"threshold"`
	// Freshness says where to get proofs of when each canary was signed.
	Freshness *freshness.Config `yaml:"freshness"`

	// Dir is the definition file's directory: key paths are relative to it,
	// so a definition works from whatever directory cron starts in.
	Dir string `yaml:"-"`
}

// SignerRef names where a signer's secret key is: a key file,
// gpg:FINGERPRINT or kms://REF (backend.go).
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
	data, err := readLimited(path, 1<<20)
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
	if d.Cadence < Duration(time.Hour) {
		return fmt.Errorf("cadence %s is shorter than an hour; readers could not keep up", d.Cadence)
	}
	if d.Grace < 0 {
		return fmt.Errorf("grace must not be negative")
	}
	if d.Threshold > len(d.Signers) {
		return fmt.Errorf("threshold %d is more than the %d signers configured", d.Threshold, len(d.Signers))
	}
	for i, r := range d.Signers {
		if err := r.check(); err != nil { // backend.go
			return fmt.Errorf("signers[%d]: %v", i, err)
		}
	}
	if err := checkText("issuer name", d.Issuer.Name, MaxIssuerLen); err != nil {
		return err
	}
	if err := checkURL(d.Issuer.URL); err != nil {
		return err
	}
	if err := d.Freshness.Validate(); err != nil {
		return err
	}
	return checkStatements(d.Statements)
}

// A Duration is a time.Duration that also takes d (days) and w (weeks),
// since canaries are renewed on calendar scales.
type Duration time.Duration

// ParseDuration parses Go durations plus the units d and w: "90d", "1w3d",
// "36h".
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var total float64
	for s != "" {
		i := 0
		for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("duration %q: expected a number; write e.g. 90d, 12w or 36h", orig)
		}
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("duration %q: bad number %q", orig, s[:i])
		}
		s = s[i:]
		j := 0
		for j < len(s) && !(s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
			j++
		}
		unit := s[:j]
		s = s[j:]
		var mult float64
		switch unit {
		case "w":
			mult = float64(7 * 24 * time.Hour)
		case "d":
			mult = float64(24 * time.Hour)
		case "h", "m", "s", "ms", "us", "µs", "ns":
			d, _ := time.ParseDuration("1" + unit)
			mult = float64(d)
		default:
			return 0, fmt.Errorf("duration %q: unknown unit %q; use w, d, h, m or s", orig, unit)
		}
		total += n * mult
	}
	if total > math.MaxInt64 || total < 0 {
		return 0, fmt.Errorf("duration %q is too long", orig)
	}
	return time.Duration(total), nil
}

// FormatDuration writes d in the largest whole units, e.g. 90d or 36h.
func FormatDuration(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d == 0:
		return "0s"
	case d%(7*day) == 0:
		return strconv.FormatInt(int64(d/(7*day)), 10) + "w"
	case d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func (d *Duration) UnmarshalYAML(b []byte) error {
	var s string
	if err := yaml.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

func (d Duration) String() string { return FormatDuration(time.Duration(d)) }

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
