package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/canarykit/canarykit/internal/corpustest"
)

// The schema package validates with its own small validator
// (validator.go), so that the verify path does not link a general JSON
// Schema library whose init costs milliseconds. The general library is
// kept here, in the tests, as the reference: both must accept and reject
// exactly the same documents.

var kinds = []Kind{Definition, Canary, Watch}

var reference = struct {
	once sync.Once
	sch  map[Kind]*jsonschema.Schema
	err  error
}{}

// referenceSchema compiles the embedded schema of k with the general
// validator, asserting formats as the schema package does.
func referenceSchema(t testing.TB, k Kind) *jsonschema.Schema {
	t.Helper()
	reference.once.Do(func() {
		reference.sch = map[Kind]*jsonschema.Schema{}
		for _, k := range kinds {
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(k.raw()))
			if err != nil {
				reference.err = err
				return
			}
			id, _ := doc.(map[string]any)["$id"].(string)
			c := jsonschema.NewCompiler()
			c.AssertFormat()
			if err := c.AddResource(id, doc); err != nil {
				reference.err = err
				return
			}
			if reference.sch[k], err = c.Compile(id); err != nil {
				reference.err = fmt.Errorf("%s: %v", k.noun(), err)
				return
			}
		}
	})
	if reference.err != nil {
		t.Fatalf("reference validator: %v", reference.err)
	}
	return reference.sch[k]
}

// agree checks that both validators judge v alike, and returns whether
// the value was accepted.
func agree(t testing.TB, k Kind, v any, what string) bool {
	t.Helper()
	c, err := k.compile()
	if err != nil {
		t.Fatal(err)
	}
	r := &report{}
	if !checkNumbers(v, nil, "", r) {
		return false // ValidateJSON refuses these before validating
	}
	ours := c.root.validate(v, nil)
	theirs := referenceSchema(t, k).Validate(v)
	if (len(ours) == 0) != (theirs == nil) {
		var msgs []string
		for _, e := range ours {
			msgs = append(msgs, fmt.Sprintf("%v kind %d", e.loc, e.kind))
		}
		j, _ := json.Marshal(v)
		if len(j) > 600 {
			j = append(j[:600], "..."...)
		}
		t.Fatalf("%s %s: the validators disagree:\nours:   %v\ntheirs: %v\nvalue: %s", k.noun(), what, msgs, theirs, j)
	}
	return len(ours) == 0
}

func TestEmbeddedSchemasCompile(t *testing.T) {
	for _, k := range kinds {
		if _, err := k.compile(); err != nil {
			t.Errorf("%s: %v", k.noun(), err)
		}
	}
}

func TestCompileRefusesUnknownKeywords(t *testing.T) {
	for _, bad := range []string{
		`{"type": "object", "patternProperties": {"^x": {}}}`,
		`{"format": "email"}`,
		`{"$ref": "https://example.org/other.json"}`,
		`{"$ref": "#/$defs/missing"}`,
		`{"type": "strin"}`,
		`{"pattern": "("}`,
		`{"if": {}, "then": {}}`,
	} {
		if _, err := compileSchema([]byte(bad)); err == nil {
			t.Errorf("%s compiled; a keyword the validator does not check must be an error", bad)
		}
	}
}

// baseDocuments are valid documents of each kind, as JSON values.
func baseDocuments(t testing.TB) map[Kind][]any {
	t.Helper()
	dec := func(s string) any {
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("test bug: %v", err)
		}
		return v
	}
	def := func(doc string) any {
		r := &report{file: "f.yaml"}
		v, _, ok := decodeYAML(Definition, []byte(doc), r)
		if !ok {
			t.Fatalf("test bug: %v", r.err())
		}
		return v
	}
	withProofs := strings.TrimSuffix(strings.TrimSpace(validCanary), "}") + `,
  "freshness": [
    {"kind": "drand", "time": "2024-10-14T17:13:33Z", "chain": "quicknet", "round": 12040883, "signature": "929906c959032ab363c9f26570d215d66f5c06cb0c44fe508c12bb5839f04ec895bb6868e5b9ff13ab289bdb5266b394"},
    {"kind": "bitcoin", "time": "2025-01-30T00:01:45Z", "height": 881423, "header": "0060592ee3c96a8a70ca15fe215e99f84ab64c43e1b5d2c43b540100000000000000000076f63a35f1b8b5016d3eb0cce2eebbdf58bf8fbea4e870c8f770346bdfcf622d69c19a678a9a021702fb05ff"},
    {"kind": "news", "time": "2024-10-14T16:58:00Z", "feed": "https://news.example/rss.xml", "title": "Markets rally"}
  ]
}`
	return map[Kind][]any{
		Definition: {def(validDefinition), def(strings.Replace(validDefinition, "threshold: 2\n", "threshold: 2\n"+freshnessSection, 1))},
		Canary:     {dec(validCanary), dec(withProofs)},
		Watch: {dec(`{"targets": [{"name": "example", "url": "https://example.org/canary.txt", "keys": ["keys/example.asc"], "threshold": 1, "max_age": "90d", "max_bytes": "1MiB"},
			{"name": "split", "url": "https://example.net/canary.txt", "keys": ["k.asc"], "via": ["direct", "socks5://127.0.0.1:9050"]}],
			"defaults": {"keys": ["wkd:canary@example.org"], "timeout": "30s", "proxy": "socks5://127.0.0.1:9050"}}`)},
	}
}

// replacements are the values every place in a document is replaced with:
// each JSON type, the edges of the ranges the schemas use, and strings
// that trip the patterns and formats.
var replacements = []any{
	nil, true, false,
	json.Number("0"), json.Number("1"), json.Number("-1"), json.Number("2.5"), json.Number("2.0"), json.Number("20"),
	json.Number("21"), json.Number("6"), json.Number("1e3"), json.Number("1000000000000000000"), json.Number("1000000000000000001"),
	json.Number("9007199254740991"), json.Number("9007199254740992"),
	json.Number("1e-400"), float64(3), 7,
	"", "a", "A", "-x", "no-warrants", "90d", "90 days", "1w3d", "https://a.example", "http://a b", "ftp://x",
	"2025-01-31T00:00:00Z", "2025-01-31T00:00:00+01:00", "2025-13-45T00:00:00Z", "2025-01-31T23:59:60Z", "2016-12-31T23:59:60Z",
	"0123456789ABCDEF0123456789ABCDEF01234567", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	"a\tb", "a\nb", " a", "a\u202eb", "a\u200bb", strings.Repeat("x", 2001), "drand", "bitcoin", "news", "quicknet",
	[]any{}, []any{"a"}, []any{"a", "a"}, []any{map[string]any{}}, map[string]any{}, map[string]any{"x": json.Number("1")},
}

// mutations calls f with every single-place mutation of v: each value
// replaced, each key removed, an unknown key added to each mapping, each
// list emptied and doubled.
func mutations(v any, f func(what string, m any)) {
	var walk func(path string, cur any, set func(any))
	walk = func(path string, cur any, set func(any)) {
		for i, r := range replacements {
			set(r)
			f(fmt.Sprintf("%s := replacement %d", path, i), nil)
		}
		set(cur)
		switch x := cur.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				old := x[k]
				delete(x, k)
				f(path+"/"+k+" removed", nil)
				x[k] = old
				walk(path+"/"+k, old, func(nv any) { x[k] = nv })
				x[k] = old
			}
			x["unknown"] = "x"
			f(path+" + unknown key", nil)
			delete(x, "unknown")
		case []any:
			set([]any{})
			f(path+" emptied", nil)
			set(append(append([]any{}, x...), x...))
			f(path+" doubled", nil)
			set(x)
			for i := range x {
				old := x[i]
				walk(path+"/"+strconv.Itoa(i), old, func(nv any) { x[i] = nv })
				x[i] = old
			}
		}
	}
	root := v
	walk("", v, func(nv any) { root = nv })
	_ = root
}

func TestDifferentialMutations(t *testing.T) {
	for k, docs := range baseDocuments(t) {
		for i, doc := range docs {
			if k != Watch && !agree(t, k, doc, "base") {
				t.Fatalf("%s base document %d is not valid", k.noun(), i)
			}
			n := 0
			mutations(doc, func(what string, _ any) {
				n++
				agree(t, k, doc, what)
			})
			// Replacing the whole document is done through the
			// root setter, which mutations cannot write back; check
			// the replacements at the root directly.
			for j, r := range replacements {
				agree(t, k, r, fmt.Sprintf("root := replacement %d", j))
			}
			t.Logf("%s document %d: %d mutations agree", k.noun(), i, n)
		}
	}
}

// FuzzSchemaDifferential feeds both validators the same values: JSON or
// YAML documents, decoded as ValidateJSON and ValidateYAML decode them.
func FuzzSchemaDifferential(f *testing.F) {
	for k, docs := range baseDocuments(f) {
		for _, d := range docs {
			j, _ := json.Marshal(d)
			f.Add(byte(k), j)
		}
	}
	f.Add(byte(Definition), []byte(validDefinition))
	f.Add(byte(Definition), []byte(strings.Replace(validDefinition, "threshold: 2\n", "threshold: 2\n"+freshnessSection, 1)))
	f.Add(byte(Canary), []byte(validCanary))
	for _, seed := range corpustest.Files(f, 1<<16) {
		f.Add(byte(0), seed.Data)
	}
	f.Fuzz(func(t *testing.T, kb byte, data []byte) {
		k := kinds[int(kb)%len(kinds)]
		var v any
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			r := &report{file: "f"}
			var ok bool
			if v, _, ok = decodeYAML(k, data, r); !ok {
				return
			}
		}
		agree(t, k, v, "fuzz input")
	})
}
