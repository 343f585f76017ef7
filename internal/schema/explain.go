package schema

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// check validates v and adds one problem per failed rule, positioned with sp
// (nil for JSON input).
func (c *compiled) check(v any, sp spots, r *report) {
	for _, e := range c.root.validate(v, nil) {
		c.explain(e, v, sp, r)
	}
	duplicateIDs(v, sp, r)
}

// explain turns one failed rule into a problem a person can act on.
func (c *compiled) explain(e vErr, root any, sp spots, r *report) {
	inYAML := r.file != ""
	loc := e.loc
	path := displayPath(root, loc)
	val := valueAt(root, loc)
	add := func(msg string) { r.add(sp.find(loc, atValue), loc, path, msg) }

	switch e.kind {
	case errRequired:
		// Point at the mapping the key belongs in; the key itself does not exist.
		for _, name := range e.names {
			add(fmt.Sprintf("missing required key %s", quote(name)))
		}
	case errAdditional:
		for _, name := range e.names {
			kl := child(loc, name)
			r.add(sp.find(kl, atKey), kl, path, unknownKey(name, e.sch.keys))
		}
	case errType:
		add(c.typeMessage(e.sch.types, e.goT, val, loc, e.sch.keys, inYAML))
	case errPattern:
		s, _ := e.got.(string)
		add(patternMessage(field(loc), s, inYAML))
	case errFormat:
		s, _ := e.got.(string)
		add(timestampMessage(s))
	case errMinLength:
		if e.m <= 1 {
			add("must not be empty")
		} else {
			add(fmt.Sprintf("is %d characters long; it must have at least %d", e.n, e.m))
		}
	case errMaxLength:
		add(fmt.Sprintf("is %d characters long; the limit is %d, so shorten it", e.n, e.m))
	case errMinItems:
		if e.m <= 1 {
			add("must have at least one entry")
		} else {
			add(fmt.Sprintf("has %d entries; it needs at least %d", e.n, e.m))
		}
	case errMaxItems:
		add(fmt.Sprintf("has %d entries; the limit is %d", e.n, e.m))
	case errMinProps:
		add(fmt.Sprintf("has %d keys; it needs at least %d", e.n, e.m))
	case errMaxProps:
		add(fmt.Sprintf("has %d keys; the limit is %d", e.n, e.m))
	case errMinimum:
		add(fmt.Sprintf("must be at least %s, not %s", ratString(e.wantN), ratString(e.gotN)))
	case errMaximum:
		add(fmt.Sprintf("must be at most %s, not %s", ratString(e.wantN), ratString(e.gotN)))
	case errExclusiveMin:
		add(fmt.Sprintf("must be more than %s, not %s", ratString(e.wantN), ratString(e.gotN)))
	case errExclusiveMax:
		add(fmt.Sprintf("must be less than %s, not %s", ratString(e.wantN), ratString(e.gotN)))
	case errConst:
		add(fmt.Sprintf("must be %s, not %s", show(e.want[0]), show(e.got)))
	case errEnum, errOneOfNone:
		add(fmt.Sprintf("must be one of %s, not %s", showList(e.want), show(e.got)))
	case errOneOfMany:
		add(fmt.Sprintf("matches more than one of the allowed forms (%d and %d); see `canary schema` for what is allowed", e.n+1, e.m+1))
	case errUnique:
		il := child(loc, strconv.Itoa(e.m))
		r.add(sp.find(il, atValue), il, path, fmt.Sprintf("entries [%d] and [%d] are the same; remove one", e.n, e.m))
	case errInvalid:
		add(fmt.Sprintf("holds a Go %T, which is not a JSON value; decode with encoding/json into any", e.got))
	default:
		add("breaks a rule of the schema; see `canary schema` for what is allowed")
	}
}

func showList(l []any) string {
	out := make([]string, len(l))
	for i, v := range l {
		out[i] = show(v)
	}
	return strings.Join(out, ", ")
}

func unknownKey(name string, allowed []string) string {
	msg := fmt.Sprintf("unknown key %s", quote(name))
	if len(allowed) > 0 {
		msg += " (allowed: " + strings.Join(allowed, ", ") + ")"
	}
	if s := suggest(name, allowed); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", quote(s))
	}
	return msg
}

// suggest returns the allowed key closest to a misspelled one, if it is close
// enough to be a likely typo.
func suggest(name string, allowed []string) string {
	best, bestD := "", 0
	for _, a := range allowed {
		d := distance(strings.ToLower(name), a)
		if d <= max(1, len(a)/3) && (best == "" || d < bestD) {
			best, bestD = a, d
		}
	}
	return best
}

// distance is the Levenshtein edit distance, bounded to short keys so a
// hostile 1 MiB key costs nothing.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return max(len(ra), len(rb))
	}
	row := make([]int, len(rb)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		diag := row[0]
		row[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			diag, row[j] = row[j], min(row[j]+1, row[j-1]+1, diag+cost)
		}
	}
	return row[len(rb)]
}

var typeNouns = map[string]string{
	"string":  "a string",
	"integer": "a number",
	"number":  "a number",
	"array":   "a list",
	"object":  "a mapping",
	"boolean": "true or false",
	"null":    "empty",
}

func (c *compiled) typeMessage(wantTypes []string, got string, val any, loc []string, keys []string, inYAML bool) string {
	want := strings.Join(wantTypes, " or ")
	wantNoun := typeNouns[want]
	if wantNoun == "" {
		wantNoun = want
	}
	gotNoun := typeNouns[got]
	if gotNoun == "" {
		gotNoun = got
	}
	if len(loc) == 0 {
		msg := fmt.Sprintf("a %s must be a mapping with the keys %s, not %s", c.kind.noun(), strings.Join(keys, ", "), gotNoun)
		if inYAML && c.kind == Definition {
			msg += "; run `canary init` to write a starter file"
		}
		return msg
	}
	if val == nil {
		return fmt.Sprintf("must be %s, but it is empty", wantNoun)
	}
	msg := fmt.Sprintf("must be %s, not %s", wantNoun, gotNoun)
	switch s, isString := val.(string); {
	case want == "integer" && got == "number":
		return fmt.Sprintf("must be a whole number, not %v", val)
	case (want == "integer" || want == "number") && isString:
		if _, ok := plainNumber(strings.TrimSpace(s)); ok {
			return msg + fmt.Sprintf("; write %s without quotes", strings.TrimSpace(s))
		}
	case want == "string" && got == "number" && (field(loc) == "cadence" || field(loc) == "grace"):
		return fmt.Sprintf("%v has no unit; use e.g. 90d, 12w or 2160h", val)
	case want == "string" && (got == "number" || got == "boolean"):
		return msg + "; put the value in quotes"
	case want == "array" && inYAML:
		return msg + "; write each entry on its own line, starting with \"- \""
	case want == "object" && len(keys) > 0:
		return msg + "; give it the keys " + strings.Join(keys, ", ")
	}
	return msg
}

// field names the property a value belongs to; list items take their list's name.
func field(loc []string) string {
	for i := len(loc) - 1; i >= 0; i-- {
		if _, err := strconv.Atoi(loc[i]); err != nil {
			return loc[i]
		}
	}
	return ""
}

func patternMessage(field, s string, inYAML bool) string {
	q := quote(s)
	switch field {
	case "cadence", "grace":
		return q + " is not a duration; use e.g. 90d, 12w or 2160h"
	case "id":
		return q + ` is not a valid id; use 1 to 64 lowercase letters, digits and dashes, starting with a letter or digit, e.g. "no-warrants"`
	case "url":
		return q + " is not a web address; it must start with https:// (or http://) and contain no spaces"
	case "name", "text":
		if msg := lineTrouble(s, inYAML); msg != "" {
			return msg
		}
	case "issued", "expires":
		return timestampMessage(s)
	case "previous":
		return q + ` is not a digest; use "sha256:" followed by 64 lowercase hex digits`
	case "signers":
		return q + " is not an OpenPGP fingerprint; use 40 or 64 uppercase hex digits without spaces"
	}
	return q + " is not in the expected form; see `canary schema` for the pattern"
}

func timestampMessage(s string) string {
	return quote(s) + " is not a UTC time; use the form 2025-01-31T00:00:00Z"
}

// lineTrouble says why s is not acceptable as one line of text, or "" if it
// is. It mirrors the pattern in the schemas, which cannot say which rule failed.
func lineTrouble(s string, inYAML bool) string {
	if s == "" {
		return "must not be empty"
	}
	if strings.TrimRight(s, "\n") != s && !strings.ContainsAny(strings.TrimRight(s, "\n"), "\n\r\u2028\u2029") && inYAML {
		return `ends with a line break; write it on one line, quoted or after >- (not | or >, which keep the final line break)`
	}
	n := 0
	for _, r := range s {
		n++
		switch {
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			if inYAML {
				return "spans several lines but must be one line; write it quoted, or after >- to fold the lines into one (a | block keeps the line breaks)"
			}
			return "spans several lines but must be one line"
		case r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069':
			return fmt.Sprintf("contains the invisible bidirectional control %U at character %d, which can make the text display differently from what is signed; remove it", r, n)
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			return fmt.Sprintf("contains the control character %U at character %d; remove it", r, n)
		}
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if isSpace(first) || isSpace(last) {
		return "has leading or trailing whitespace; remove it"
	}
	return ""
}

// isSpace matches the whitespace excluded at the ends of a line in the schemas.
func isSpace(r rune) bool {
	return r == ' ' || r == '\u00a0' || r == '\u1680' || r >= '\u2000' && r <= '\u200a' ||
		r == '\u202f' || r == '\u205f' || r == '\u3000' || r == '\ufeff' || unicode.IsSpace(r)
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	return r.FloatString(3)
}

func show(v any) string {
	if s, ok := v.(string); ok {
		return quote(s)
	}
	if v == nil {
		return "empty"
	}
	return fmt.Sprint(v)
}

func valueAt(root any, loc []string) any {
	v := root
	for _, tok := range loc {
		switch x := v.(type) {
		case map[string]any:
			v = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// duplicateIDs catches what JSON Schema cannot express: statement ids must be
// unique, or a reader could not tell which statement disappeared.
func duplicateIDs(root any, sp spots, r *report) {
	m, _ := root.(map[string]any)
	list, _ := m["statements"].([]any)
	seen := make(map[string]int, len(list))
	for i, e := range list {
		st, _ := e.(map[string]any)
		id, ok := st["id"].(string)
		if !ok || id == "" {
			continue
		}
		if j, dup := seen[id]; dup {
			loc := []string{"statements", strconv.Itoa(i), "id"}
			r.add(sp.find(loc, atValue), loc, displayPath(root, loc),
				fmt.Sprintf("duplicate id %s (also used by statements[%d]); give each statement its own id", quote(id), j))
			continue
		}
		seen[id] = i
	}
}
