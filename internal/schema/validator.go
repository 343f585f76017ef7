package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file is a small JSON Schema (draft 2020-12) validator for the subset
// of keywords canarykit's embedded schemas use. It replaces a general
// validator whose package init compiled every metaschema (about 6 ms in
// every process, verify included); the embedded .json files remain the
// single source of truth, and the general validator is still used by the
// tests (differential_test.go) to check that both accept and reject the
// same documents.
//
// A keyword it does not implement is a compile error, never silently
// ignored: a schema that asks for more than this validator checks must
// fail its tests, not pass documents it should reject.

// node is one compiled schema object.
type node struct {
	loc string // JSON pointer of this schema in its document, e.g. /$defs/issuer

	types    []string // allowed JSON types; nil allows any
	constVal *any
	enum     []any
	format   string // "" or date-time

	ref     string // a local $ref, resolved to refNode on compile
	refNode *node

	properties map[string]*node
	keys       []string // sorted property names, for messages
	required   []string
	// additional is nil (anything allowed), noAdditional (none allowed),
	// or a schema for the additional properties.
	additional   *node
	noAdditional bool
	minProps     *int
	maxProps     *int

	items       *node
	minItems    *int
	maxItems    *int
	uniqueItems bool

	minLength *int
	maxLength *int
	pattern   *regexp.Regexp

	minimum, maximum           *big.Rat
	exclusiveMin, exclusiveMax *big.Rat

	allOf, anyOf, oneOf []*node
	not                 *node
}

// annotations are keywords that do not change what validates.
var annotations = map[string]bool{
	"$schema": true, "$id": true, "$comment": true, "title": true, "description": true,
	"examples": true, "default": true, "deprecated": true, "readOnly": true, "writeOnly": true,
	"patternErrorMessage": true, // for editors (the YAML language server)
	"markdownDescription": true,
}

// compileSchema compiles the schema document raw.
func compileSchema(raw []byte) (*node, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	c := &schemaCompiler{doc: doc, byLoc: map[string]*node{}}
	root, err := c.compile(doc, "")
	if err != nil {
		return nil, err
	}
	for len(c.pending) > 0 {
		n := c.pending[0]
		c.pending = c.pending[1:]
		target, ok := c.byLoc[strings.TrimPrefix(n.ref, "#")]
		if !ok {
			v, err := c.lookup(n.ref)
			if err != nil {
				return nil, err
			}
			if target, err = c.compile(v, strings.TrimPrefix(n.ref, "#")); err != nil {
				return nil, err
			}
		}
		n.refNode = target
	}
	return root, nil
}

type schemaCompiler struct {
	doc     any
	byLoc   map[string]*node
	pending []*node // nodes whose $ref is not resolved yet
}

var pointerTokenUnescape = strings.NewReplacer("~1", "/", "~0", "~")

// lookup resolves a local reference "#/a/b".
func (c *schemaCompiler) lookup(ref string) (any, error) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("$ref %q: only references inside the schema (#/...) are supported", ref)
	}
	v := c.doc
	if frag == "" {
		return v, nil
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, fmt.Errorf("$ref %q: not a JSON pointer", ref)
	}
	for _, tok := range strings.Split(frag[1:], "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: not found", ref)
		}
		if v, ok = m[pointerTokenUnescape.Replace(tok)]; !ok {
			return nil, fmt.Errorf("$ref %q: not found", ref)
		}
	}
	return v, nil
}

func (c *schemaCompiler) compile(v any, loc string) (*node, error) {
	if n, ok := c.byLoc[loc]; ok {
		return n, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: a schema must be an object", where(loc))
	}
	n := &node{loc: loc}
	c.byLoc[loc] = n
	sub := func(key string, v any) (*node, error) { return c.compile(v, loc+"/"+escapeToken(key)) }
	count := func(key string) (*int, error) {
		num, ok := m[key].(json.Number)
		i, err := strconv.Atoi(string(num))
		if !ok || err != nil || i < 0 {
			return nil, fmt.Errorf("%s/%s: want a non-negative integer", where(loc), key)
		}
		return &i, nil
	}
	rat := func(key string) (*big.Rat, error) {
		num, ok := m[key].(json.Number)
		r, ok2 := new(big.Rat).SetString(string(num))
		if !ok || !ok2 {
			return nil, fmt.Errorf("%s/%s: want a number", where(loc), key)
		}
		return r, nil
	}
	list := func(key string) ([]*node, error) {
		l, ok := m[key].([]any)
		if !ok || len(l) == 0 {
			return nil, fmt.Errorf("%s/%s: want a non-empty list of schemas", where(loc), key)
		}
		var out []*node
		for i, e := range l {
			s, err := c.compile(e, loc+"/"+key+"/"+strconv.Itoa(i))
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var err error
	for _, k := range keys {
		val := m[k]
		switch {
		case annotations[k]:
		case k == "$defs":
			defs, ok := val.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s/$defs: want an object", where(loc))
			}
			for name, d := range defs {
				if _, err := c.compile(d, loc+"/$defs/"+escapeToken(name)); err != nil {
					return nil, err
				}
			}
		case k == "type":
			switch t := val.(type) {
			case string:
				n.types = []string{t}
			case []any:
				for _, e := range t {
					s, ok := e.(string)
					if !ok {
						return nil, fmt.Errorf("%s/type: want strings", where(loc))
					}
					n.types = append(n.types, s)
				}
			default:
				return nil, fmt.Errorf("%s/type: want a string or a list", where(loc))
			}
			for _, t := range n.types {
				if !slices.Contains([]string{"string", "integer", "number", "object", "array", "boolean", "null"}, t) {
					return nil, fmt.Errorf("%s/type: unknown type %q", where(loc), t)
				}
			}
		case k == "const":
			cv := val
			n.constVal = &cv
		case k == "enum":
			l, ok := val.([]any)
			if !ok {
				return nil, fmt.Errorf("%s/enum: want a list", where(loc))
			}
			n.enum = l
		case k == "format":
			if val != "date-time" {
				return nil, fmt.Errorf("%s/format: %v is not a format this validator checks (date-time)", where(loc), val)
			}
			n.format = "date-time"
		case k == "$ref":
			ref, ok := val.(string)
			if !ok || !strings.HasPrefix(ref, "#") {
				return nil, fmt.Errorf("%s/$ref: only references inside the schema (#/...) are supported", where(loc))
			}
			n.ref = ref
			c.pending = append(c.pending, n)
		case k == "properties":
			props, ok := val.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s/properties: want an object", where(loc))
			}
			n.properties = map[string]*node{}
			for name, p := range props {
				if n.properties[name], err = c.compile(p, loc+"/properties/"+escapeToken(name)); err != nil {
					return nil, err
				}
				n.keys = append(n.keys, name)
			}
			sort.Strings(n.keys)
		case k == "required":
			l, ok := val.([]any)
			if !ok {
				return nil, fmt.Errorf("%s/required: want a list", where(loc))
			}
			for _, e := range l {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("%s/required: want strings", where(loc))
				}
				n.required = append(n.required, s)
			}
		case k == "additionalProperties":
			switch a := val.(type) {
			case bool:
				n.noAdditional = !a
			default:
				if n.additional, err = sub(k, a); err != nil {
					return nil, err
				}
			}
		case k == "minProperties":
			n.minProps, err = count(k)
		case k == "maxProperties":
			n.maxProps, err = count(k)
		case k == "items":
			n.items, err = sub(k, val)
		case k == "minItems":
			n.minItems, err = count(k)
		case k == "maxItems":
			n.maxItems, err = count(k)
		case k == "uniqueItems":
			b, ok := val.(bool)
			if !ok {
				return nil, fmt.Errorf("%s/uniqueItems: want true or false", where(loc))
			}
			n.uniqueItems = b
		case k == "minLength":
			n.minLength, err = count(k)
		case k == "maxLength":
			n.maxLength, err = count(k)
		case k == "pattern":
			s, ok := val.(string)
			if !ok {
				return nil, fmt.Errorf("%s/pattern: want a string", where(loc))
			}
			if n.pattern, err = regexp.Compile(s); err != nil {
				return nil, fmt.Errorf("%s/pattern: %v", where(loc), err)
			}
		case k == "minimum":
			n.minimum, err = rat(k)
		case k == "maximum":
			n.maximum, err = rat(k)
		case k == "exclusiveMinimum":
			n.exclusiveMin, err = rat(k)
		case k == "exclusiveMaximum":
			n.exclusiveMax, err = rat(k)
		case k == "allOf":
			n.allOf, err = list(k)
		case k == "anyOf":
			n.anyOf, err = list(k)
		case k == "oneOf":
			n.oneOf, err = list(k)
		case k == "not":
			n.not, err = sub(k, val)
		default:
			return nil, fmt.Errorf("%s: keyword %q is not supported by canarykit's schema validator (schema/validator.go); use the keywords it implements or extend it", where(loc), k)
		}
		if err != nil {
			return nil, err
		}
	}
	return n, nil
}

func where(loc string) string { return "#" + loc }

var pointerTokenEscape = strings.NewReplacer("~", "~0", "/", "~1")

func escapeToken(s string) string { return pointerTokenEscape.Replace(s) }

// Error kinds of a failed keyword.
const (
	errInvalid    = iota // a Go value that is not JSON
	errType              // want: types, got: the value's type
	errConst             // want: the constant
	errEnum              // want: the allowed values
	errFormat            // the string is not a date-time
	errRequired          // names: the missing keys
	errAdditional        // names: the keys not allowed
	errMinProps
	errMaxProps
	errMinItems
	errMaxItems
	errUnique // dup: the two indexes
	errMinLength
	errMaxLength
	errPattern
	errMinimum
	errMaximum
	errExclusiveMin
	errExclusiveMax
	errNot
	errOneOfMany // dup: two matching subschemas
	errOneOfNone // a discriminator matched no branch: want lists the constants
)

// vErr is one failed keyword, at a place in the document.
type vErr struct {
	loc   []string // instance location
	sch   *node    // the schema whose keyword failed
	kind  int
	names []string
	want  []any
	got   any
	wantN *big.Rat
	gotN  *big.Rat
	n, m  int
	goT   string // the value's JSON type, for type errors
}

// validate checks v against n and returns every failure, flattened: a
// failed $ref or allOf reports what failed inside it.
func (n *node) validate(v any, loc []string) []vErr {
	var errs []vErr
	add := func(e vErr) {
		e.loc, e.sch = loc, n
		errs = append(errs, e)
	}
	t := jsonType(v)
	if t == "" {
		add(vErr{kind: errInvalid, got: v})
		return errs
	}
	if n.types != nil {
		ok := slices.Contains(n.types, t) || t == "integer" && slices.Contains(n.types, "number")
		if !ok {
			if t == "integer" {
				t = "number" // as messages call it
			}
			add(vErr{kind: errType, goT: t})
			return errs
		}
	}
	if n.constVal != nil {
		eq, bad := equal(v, *n.constVal)
		if bad != nil {
			add(vErr{kind: errInvalid, got: bad})
			return errs
		}
		if !eq {
			add(vErr{kind: errConst, want: []any{*n.constVal}, got: v})
			return errs
		}
	}
	if n.enum != nil {
		found := false
		for _, e := range n.enum {
			eq, bad := equal(v, e)
			if bad != nil {
				add(vErr{kind: errInvalid, got: bad})
				return errs
			}
			if eq {
				found = true
				break
			}
		}
		if !found {
			add(vErr{kind: errEnum, want: n.enum, got: v})
			return errs
		}
	}
	if n.format == "date-time" {
		if s, ok := v.(string); ok && !isDateTime(s) {
			add(vErr{kind: errFormat, got: s})
			return errs
		}
	}
	if n.refNode != nil {
		errs = append(errs, n.refNode.validate(v, loc)...)
	}
	switch x := v.(type) {
	case map[string]any:
		if n.minProps != nil && len(x) < *n.minProps {
			add(vErr{kind: errMinProps, n: len(x), m: *n.minProps})
		}
		if n.maxProps != nil && len(x) > *n.maxProps {
			add(vErr{kind: errMaxProps, n: len(x), m: *n.maxProps})
		}
		var missing []string
		for _, r := range n.required {
			if _, ok := x[r]; !ok {
				missing = append(missing, r)
			}
		}
		if missing != nil {
			add(vErr{kind: errRequired, names: missing})
		}
		var extra []string
		for _, k := range sortedKeys(x) {
			if p, ok := n.properties[k]; ok {
				errs = append(errs, p.validate(x[k], child(loc, k))...)
				continue
			}
			switch {
			case n.noAdditional:
				extra = append(extra, k)
			case n.additional != nil:
				errs = append(errs, n.additional.validate(x[k], child(loc, k))...)
			}
		}
		if extra != nil {
			add(vErr{kind: errAdditional, names: extra})
		}
	case []any:
		if n.minItems != nil && len(x) < *n.minItems {
			add(vErr{kind: errMinItems, n: len(x), m: *n.minItems})
		}
		if n.maxItems != nil && len(x) > *n.maxItems {
			add(vErr{kind: errMaxItems, n: len(x), m: *n.maxItems})
		}
		if n.uniqueItems && len(x) > 1 {
			i, j, bad := duplicates(x)
			switch {
			case bad != nil:
				add(vErr{kind: errInvalid, got: bad})
			case i >= 0:
				add(vErr{kind: errUnique, n: i, m: j})
			}
		}
		if n.items != nil {
			for i, e := range x {
				errs = append(errs, n.items.validate(e, child(loc, strconv.Itoa(i)))...)
			}
		}
	case string:
		if n.minLength != nil || n.maxLength != nil {
			l := utf8.RuneCountInString(x)
			if n.minLength != nil && l < *n.minLength {
				add(vErr{kind: errMinLength, n: l, m: *n.minLength})
			}
			if n.maxLength != nil && l > *n.maxLength {
				add(vErr{kind: errMaxLength, n: l, m: *n.maxLength})
			}
		}
		if n.pattern != nil && !n.pattern.MatchString(x) {
			add(vErr{kind: errPattern, got: x})
		}
	case bool, nil:
	default: // a number
		if n.minimum != nil || n.maximum != nil || n.exclusiveMin != nil || n.exclusiveMax != nil {
			num, ok := toRat(x)
			if ok {
				if n.minimum != nil && num.Cmp(n.minimum) < 0 {
					add(vErr{kind: errMinimum, gotN: num, wantN: n.minimum})
				}
				if n.maximum != nil && num.Cmp(n.maximum) > 0 {
					add(vErr{kind: errMaximum, gotN: num, wantN: n.maximum})
				}
				if n.exclusiveMin != nil && num.Cmp(n.exclusiveMin) <= 0 {
					add(vErr{kind: errExclusiveMin, gotN: num, wantN: n.exclusiveMin})
				}
				if n.exclusiveMax != nil && num.Cmp(n.exclusiveMax) >= 0 {
					add(vErr{kind: errExclusiveMax, gotN: num, wantN: n.exclusiveMax})
				}
			}
		}
	}
	if n.not != nil && len(n.not.validate(v, loc)) == 0 {
		add(vErr{kind: errNot})
	}
	for _, s := range n.allOf {
		errs = append(errs, s.validate(v, loc)...)
	}
	if n.anyOf != nil {
		var best []vErr
		matched := false
		for _, s := range n.anyOf {
			e := s.validate(v, loc)
			if len(e) == 0 {
				matched = true
				break
			}
			if best == nil || len(e) < len(best) {
				best = e
			}
		}
		if !matched {
			errs = append(errs, best...)
		}
	}
	if n.oneOf != nil {
		errs = append(errs, n.validateOneOf(v, loc)...)
	}
	return errs
}

// validateOneOf reports, when no branch matches, the failures of the
// branch the value was most likely meant to be: for a list of variants told
// apart by a constant (kind: drand, bitcoin, news), the one whose constant
// it carries, or a list of the constants if it carries none of them.
func (n *node) validateOneOf(v any, loc []string) []vErr {
	matched := -1
	var per [][]vErr
	for i, s := range n.oneOf {
		e := s.validate(v, loc)
		if len(e) == 0 {
			if matched >= 0 {
				return []vErr{{loc: loc, sch: n, kind: errOneOfMany, n: matched, m: i}}
			}
			matched = i
		}
		per = append(per, e)
	}
	if matched >= 0 {
		return nil
	}
	// Branches that fail only at a constant one level down (the
	// discriminator) were not meant; the others were.
	var meant [][]vErr
	var consts []any
	var discLoc []string
	for _, e := range per {
		if c, ok := discriminator(e, len(loc)); ok {
			consts = append(consts, c.want[0])
			discLoc = c.loc
			continue
		}
		meant = append(meant, e)
	}
	if len(meant) == 0 && len(consts) == len(per) {
		var got any
		if m, ok := v.(map[string]any); ok && len(discLoc) > 0 {
			got = m[discLoc[len(discLoc)-1]]
		}
		return []vErr{{loc: discLoc, sch: n, kind: errOneOfNone, want: consts, got: got}}
	}
	if len(meant) == 0 {
		meant = per
	}
	best := meant[0]
	for _, e := range meant[1:] {
		if len(e) < len(best) {
			best = e
		}
	}
	return best
}

// discriminator finds a const failure one level below depth.
func discriminator(errs []vErr, depth int) (vErr, bool) {
	for _, e := range errs {
		if e.kind == errConst && len(e.loc) == depth+1 {
			return e, true
		}
	}
	return vErr{}, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// jsonType names v's JSON type ("integer" for a whole number), or "" when v
// is not a JSON value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case json.Number, float32, float64, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		if r, ok := toRat(v); ok && r.IsInt() {
			return "integer"
		}
		return "number"
	}
	return ""
}

// toRat is the exact value of a number, as JSON Schema compares numbers:
// 1, 1.0 and 10e-1 are the same.
func toRat(v any) (*big.Rat, bool) {
	s := fmt.Sprint(v)
	if len(s) > 400 {
		return nil, false // bounded: no hostile 1e999999999 exponent expansion
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if exp, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+")); err != nil || exp > 400 || exp < -400 {
			return nil, false
		}
	}
	return new(big.Rat).SetString(s)
}

// equal compares two JSON values as JSON Schema does; bad is a Go value
// that is not JSON, if one was met.
func equal(a, b any) (eq bool, bad any) {
	ta, tb := jsonType(a), jsonType(b)
	if ta == "" {
		return false, a
	}
	if tb == "" {
		return false, b
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false, nil
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok {
				return false, nil
			}
			if eq, bad := equal(xv, yv); !eq || bad != nil {
				return eq, bad
			}
		}
		return true, nil
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false, nil
		}
		for i := range x {
			if eq, bad := equal(x[i], y[i]); !eq || bad != nil {
				return eq, bad
			}
		}
		return true, nil
	case nil, bool, string:
		return a == b, nil
	}
	if tb != "integer" && tb != "number" {
		return false, nil
	}
	ra, ok1 := toRat(a)
	rb, ok2 := toRat(b)
	return ok1 && ok2 && ra.Cmp(rb) == 0, nil
}

// duplicates finds two equal entries. Lists are short (at most 1000
// statements, 20 signers) but hostile, so entries are bucketed by a
// canonical key rather than compared pairwise.
func duplicates(list []any) (int, int, any) {
	seen := make(map[string]int, len(list))
	for i, e := range list {
		var b strings.Builder
		if bad := canonicalKey(&b, e); bad != nil {
			return -1, -1, bad
		}
		k := b.String()
		if j, ok := seen[k]; ok {
			return j, i, nil
		}
		seen[k] = i
	}
	return -1, -1, nil
}

// canonicalKey writes a string that is equal for equal JSON values.
func canonicalKey(b *strings.Builder, v any) any {
	switch x := v.(type) {
	case nil:
		b.WriteString("n")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case string:
		b.WriteString(strconv.Quote(x))
	case map[string]any:
		b.WriteByte('{')
		for _, k := range sortedKeys(x) {
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			if bad := canonicalKey(b, x[k]); bad != nil {
				return bad
			}
			b.WriteByte(',')
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for _, e := range x {
			if bad := canonicalKey(b, e); bad != nil {
				return bad
			}
			b.WriteByte(',')
		}
		b.WriteByte(']')
	default:
		if jsonType(v) == "" {
			return v
		}
		r, ok := toRat(v)
		if !ok {
			b.WriteString("?" + fmt.Sprint(v))
		} else {
			b.WriteString("#" + r.RatString())
		}
	}
	return nil
}

// isDateTime checks an RFC 3339 date-time, as format "date-time" asks:
// a valid calendar date, hours, minutes and seconds in range (a leap
// second only at 23:59 UTC), optional fractions, and Z or an offset.
func isDateTime(s string) bool {
	if len(s) < 20 || (s[10] != 'T' && s[10] != 't') {
		return false
	}
	if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
		return false
	}
	str := s[11:]
	if len(str) < 9 || str[2] != ':' || str[5] != ':' {
		return false
	}
	var hms [3]int
	for i, tok := range strings.SplitN(str[:8], ":", 3) {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 {
			return false
		}
		hms[i] = n
	}
	h, m, sec := hms[0], hms[1], hms[2]
	if h > 23 || m > 59 || sec > 60 {
		return false
	}
	str = str[8:]
	if rem, ok := strings.CutPrefix(str, "."); ok {
		digits := 0
		for digits < len(rem) && rem[digits] >= '0' && rem[digits] <= '9' {
			digits++
		}
		if digits == 0 {
			return false
		}
		str = rem[digits:]
	}
	if str != "z" && str != "Z" {
		if len(str) != 6 || str[3] != ':' {
			return false
		}
		sign := 0
		switch str[0] {
		case '+':
			sign = -1
		case '-':
			sign = +1
		default:
			return false
		}
		zh, err1 := strconv.Atoi(str[1:3])
		zm, err2 := strconv.Atoi(str[4:6])
		if err1 != nil || err2 != nil || zh < 0 || zm < 0 || zh > 23 || zm > 59 {
			return false
		}
		hm := (h*60 + m) + sign*(zh*60+zm)
		if hm < 0 {
			hm += 24 * 60
		}
		h, m = hm/60, hm%60
	}
	return sec < 60 || h == 23 && m == 59
}
