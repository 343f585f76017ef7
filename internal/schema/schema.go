// Package schema holds the JSON Schemas of canarykit's two documents, a
// publisher's definition and a parsed signed canary, and checks documents
// against them with messages that say where the problem is and how to fix it.
//
// Editors can use the schemas directly (see JSON), so the titles,
// descriptions and patterns in the .json files are the single source of
// truth; this package adds the YAML hardening and the plain-English messages
// that a generic validator cannot give.
package schema

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"
)

// Kind selects one of the two schemas.
type Kind int

const (
	// Definition is a publisher's YAML file: issuer, cadence, statements, signers.
	Definition Kind = iota
	// Canary is a signed canary's content as printed by `canary verify --format json`.
	Canary
	// Watch is a watchdog's watch list: targets, defaults, alerts (docs/WATCH.md).
	Watch
	// WatchTargets is a file a watch list includes: targets, defaults,
	// include and targets_file, no alerts (docs/WATCH.md).
	WatchTargets
)

var (
	//go:embed definition.schema.json
	definitionJSON []byte
	//go:embed canary.schema.json
	canaryJSON []byte
	//go:embed watch.schema.json
	watchJSON []byte
	//go:embed watch-targets.schema.json
	watchTargetsJSON []byte
)

// compiled is one schema, compiled on first use so that commands which never
// validate do not pay for it (validator.go).
type compiled struct {
	kind Kind
	once sync.Once
	root *node
	err  error
}

var compiledSchemas [4]compiled

func (k Kind) valid() bool { return k >= Definition && k <= WatchTargets }

func (k Kind) raw() []byte {
	if k == Canary {
		return canaryJSON
	}
	if k == Watch {
		return watchJSON
	}
	if k == WatchTargets {
		return watchTargetsJSON
	}
	return definitionJSON
}

func (k Kind) noun() string {
	if k == Canary {
		return "canary"
	}
	if k == Watch {
		return "watch list"
	}
	if k == WatchTargets {
		return "included watch list"
	}
	return "definition"
}

// JSON returns the raw schema text (for `canary schema definition|canary`).
// It returns nil for an unknown kind.
func JSON(k Kind) []byte {
	if !k.valid() {
		return nil
	}
	// A copy, so a caller cannot corrupt the schema every later validation uses.
	return bytes.Clone(k.raw())
}

func (k Kind) compile() (*compiled, error) {
	if !k.valid() {
		return nil, fmt.Errorf("schema: unknown kind %d; use schema.Definition or schema.Canary", int(k))
	}
	c := &compiledSchemas[k]
	c.once.Do(func() {
		root, err := compileSchema(k.raw())
		if err != nil {
			c.err = fmt.Errorf("schema: embedded %s schema does not compile (a build problem, please report it): %w", k.noun(), err)
			return
		}
		c.kind, c.root = k, root
	})
	if c.err != nil {
		return nil, c.err
	}
	return c, nil
}

// ValidateYAML checks a YAML document against the schema of kind k. filename
// is used only in messages.
//
// It returns nil or an error whose message lists every problem, one per line,
// each as "FILE:LINE:COL: PATH: what is wrong, and what to do", e.g.
//
//	canary.yaml:7:5: statements[0]: unknown key "txt" (allowed: id, text)
//	canary.yaml:3:10: cadence: "90 days" is not a duration; use e.g. 90d, 12w or 2160h
//	canary.yaml:1:1: missing required key "signers"
//
// The YAML is read strictly: duplicate keys, anchors, aliases, merge keys,
// tags, several documents and non-string keys are errors, and input larger
// than 1 MiB or nested deeper than 64 levels is refused before parsing.
func ValidateYAML(k Kind, filename string, data []byte) error {
	c, err := k.compile()
	if err != nil {
		return err
	}
	if filename == "" {
		filename = "<input>"
	}
	r := &report{file: filename}
	v, sp, ok := decodeYAML(k, data, r)
	if ok {
		c.check(v, sp, r)
	}
	return r.err()
}

// DecodeYAML is ValidateYAML that also returns the document it checked,
// as the JSON values the validator saw (map[string]any, []any, string,
// json.Number, bool, nil), so that a caller can read it without parsing
// the YAML again. The value is nil when there is an error.
func DecodeYAML(k Kind, filename string, data []byte) (any, error) {
	c, err := k.compile()
	if err != nil {
		return nil, err
	}
	if filename == "" {
		filename = "<input>"
	}
	r := &report{file: filename}
	v, sp, ok := decodeYAML(k, data, r)
	if ok {
		c.check(v, sp, r)
	}
	if err := r.err(); err != nil {
		return nil, err
	}
	return v, nil
}

// ValidateJSON checks an already-decoded JSON value (from encoding/json into
// any) against kind k. Its messages have the form "PATH: what is wrong".
func ValidateJSON(k Kind, v any) error {
	c, err := k.compile()
	if err != nil {
		return err
	}
	r := &report{}
	if checkNumbers(v, nil, "", r) {
		c.check(v, nil, r)
	}
	return r.err()
}
