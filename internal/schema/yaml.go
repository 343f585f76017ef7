package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Limits on YAML input. The parser recurses once per nesting level and once
// per key of a block mapping, and copies its token list for every implicit
// null, so without these a megabyte of hostile YAML takes gigabytes of memory.
// A real definition is a few kilobytes, nested three levels, with at most six
// keys in any mapping and about ten tokens per statement.
const (
	maxBytes  = 1 << 20
	maxDepth  = 64
	maxKeys   = 100
	maxTokens = 16000
)

// spot is where a value sits in the YAML source.
type spot struct {
	key   pos  // its key, when the value is in a mapping
	val   pos  // the value itself; for a mapping, its first key
	empty bool // the value is null, which has no text of its own to point at
}

// spots maps a JSON pointer (see pointer) to where that value is.
type spots map[string]*spot

const (
	atValue = iota
	atKey
)

// find returns the position to report for the value at loc, falling back to
// the nearest ancestor that has one.
func (s spots) find(loc []string, what int) pos {
	if s == nil {
		return pos{}
	}
	for n := len(loc); n >= 0; n-- {
		sp := s[pointer(loc[:n])]
		if sp == nil {
			continue
		}
		if sp.key.line > 0 && (what == atKey || sp.empty || sp.val.line == 0) {
			return sp.key
		}
		if sp.val.line > 0 {
			return sp.val
		}
	}
	return pos{}
}

var pointerEscape = strings.NewReplacer("~", "~0", "/", "~1")

// pointer renders loc as a JSON pointer, an unambiguous map key for spots.
func pointer(loc []string) string {
	var b strings.Builder
	for _, t := range loc {
		b.WriteByte('/')
		b.WriteString(pointerEscape.Replace(t))
	}
	return b.String()
}

func empty(k Kind) string {
	if k == Canary {
		return "empty canary; run `canary verify --format json` to get one"
	}
	return "empty definition; run `canary init` to write a starter file"
}

// decodeYAML turns data into the value the JSON Schema validator expects,
// recording where each value came from. It reports every problem with the
// YAML itself and returns ok only if there were none.
func decodeYAML(k Kind, data []byte, r *report) (v any, sp spots, ok bool) {
	if len(data) > maxBytes {
		r.fileProblem(fmt.Sprintf("%d bytes is more than the 1 MiB limit; a %s is a short text file, so check that this is the right file", len(data), k.noun()))
		return nil, nil, false
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		r.add(invalidUTF8(data), nil, "", "the file is not valid UTF-8; save it as UTF-8")
		return nil, nil, false
	}
	if len(bytes.TrimSpace(data)) == 0 {
		r.fileProblem(empty(k))
		return nil, nil, false
	}

	tokens := lexer.Tokenize(string(data))
	if tk := tokens.InvalidToken(); tk != nil {
		r.add(tokenPos(tk), nil, "", syntaxMessage(tk.Error))
		return nil, nil, false
	}
	if !prescan(k, tokens, r) {
		return nil, nil, false
	}
	file, err := parse(tokens)
	if err != nil {
		var yerr yaml.Error
		if errors.As(err, &yerr) {
			r.add(tokenPos(yerr.GetToken()), nil, "", syntaxMessage(yerr.GetMessage()))
		} else {
			r.fileProblem(syntaxMessage(err.Error()))
		}
		return nil, nil, false
	}

	var body ast.Node
	for _, doc := range file.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if _, directive := doc.Body.(*ast.DirectiveNode); !directive {
			if body != nil {
				// prescan rejects this first; kept so a parser change cannot let a second document through.
				r.add(nodePos(doc.Body), nil, "", multiDoc(k))
				return nil, nil, false
			}
			body = doc.Body
		}
	}
	if body == nil {
		r.fileProblem(empty(k))
		return nil, nil, false
	}

	c := &converter{k: k, r: r, sp: spots{}}
	v = c.value(body, nil, "", 0)
	return v, c.sp, !c.failed
}

// parse runs the YAML parser, turning a panic into an error: the parser is
// third-party code and a validator must not crash on what it is asked to check.
func parse(tokens token.Tokens) (f *ast.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("the YAML parser failed on this input (%v); simplify the YAML and report this to canarykit", p)
		}
	}()
	// Duplicate keys are reported by the converter, with both positions and
	// all of them at once, rather than one at a time by the parser.
	return parser.Parse(tokens, 0, parser.AllowDuplicateMapKey())
}

func syntaxMessage(msg string) string {
	msg, _, _ = strings.Cut(msg, "\n")
	msg = "YAML syntax error: " + sanitize(strings.TrimSpace(msg))
	switch {
	case strings.Contains(msg, "mapping value is not allowed"):
		return msg + "; if the value contains \": \", put it in quotes"
	case strings.Contains(msg, `'\t'`):
		return msg + "; indent with spaces, YAML does not allow tabs here"
	case strings.Contains(msg, "could not find end character"):
		return msg + "; close the quote"
	}
	return msg + "; check the indentation and quoting here"
}

func multiDoc(k Kind) string {
	return fmt.Sprintf("a second YAML document; a %s must be a single document, so remove this \"---\" and what follows", k.noun())
}

func tokenPos(tk *token.Token) pos {
	if tk == nil || tk.Position == nil {
		return pos{}
	}
	return pos{tk.Position.Line, max(tk.Position.Column, 1)}
}

func nodePos(n ast.Node) pos {
	if n == nil {
		return pos{}
	}
	return tokenPos(n.GetToken())
}

func invalidUTF8(data []byte) pos {
	p := pos{1, 1}
	for len(data) > 0 {
		r, n := utf8.DecodeRune(data)
		if r == utf8.RuneError && n <= 1 {
			return p
		}
		if r == '\n' {
			p.line, p.col = p.line+1, 1
		} else {
			p.col++
		}
		data = data[n:]
	}
	return p
}

// prescan looks at the tokens before the parser builds a tree from them. It
// rejects what a definition never needs (anchors, aliases, tags, merge keys,
// more documents) and what would make the parser blow up (deep nesting,
// huge mappings, too many tokens). It returns false if it reported anything.
//
// Nesting is tracked the way YAML indentation works: a stack of the columns
// at which open block collections started, plus a count of open brackets.
func prescan(k Kind, tokens token.Tokens, r *report) bool {
	type level struct {
		col  int
		seq  bool
		keys int
	}
	var (
		n       int // tokens the parser will see
		stack   []level
		flow    int
		content bool // the current or an earlier document had content
		ended   bool // a "..." was seen
		prev    *token.Token
		bad     bool
	)
	fail := func(tk *token.Token, msg string) {
		r.add(tokenPos(tk), nil, "", msg)
		bad = true
	}
	tooDeep := func(tk *token.Token) {
		fail(tk, fmt.Sprintf("nested more than %d levels deep; a %s needs only 3, so check the indentation and brackets", maxDepth, k.noun()))
	}
	// open records a block collection entry starting at tk's column; it
	// returns false when a limit is hit.
	open := func(tk *token.Token, seq bool) bool {
		col := tk.Position.Column
		for len(stack) > 0 && stack[len(stack)-1].col > col {
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].col == col && stack[len(stack)-1].seq && !seq {
			// A sequence at the same indentation as its parent's keys has
			// ended: this key belongs to the parent.
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].col == col && stack[len(stack)-1].seq == seq {
			top := &stack[len(stack)-1]
			top.keys++
			if !seq && top.keys > maxKeys {
				fail(tk, fmt.Sprintf("more than %d keys in one mapping; a %s needs far fewer, so check the indentation", maxKeys, k.noun()))
				return false
			}
			return true
		}
		stack = append(stack, level{col: col, seq: seq, keys: 1})
		if len(stack)+flow > maxDepth {
			tooDeep(tk)
			return false
		}
		return true
	}

	directive := 0 // line of the last %-directive, whose words are tokens too
	for _, tk := range tokens {
		switch {
		case tk.Type == token.CommentType:
			continue
		case tk.Type == token.DirectiveType:
			n++
			directive = tk.Position.Line
			continue
		case directive > 0 && tk.Position.Line == directive:
			n++
			continue
		}
		switch tk.Type {
		case token.DocumentHeaderType:
			if content {
				fail(tk, multiDoc(k))
				return false
			}
			n++
			stack, flow, prev = stack[:0], 0, nil
			continue
		case token.DocumentEndType:
			n++
			ended = true
			stack, flow, prev = stack[:0], 0, nil
			continue
		}
		if ended && content {
			fail(tk, fmt.Sprintf("content after the end of the document (\"...\"); a %s must be a single document, so remove it", k.noun()))
			return false
		}
		content = true
		n++

		switch tk.Type {
		case token.AnchorType:
			fail(tk, fmt.Sprintf("YAML anchors (&%s) are not allowed in a %s; write the value out in full", nameAfter(tk), k.noun()))
		case token.AliasType:
			fail(tk, fmt.Sprintf("YAML aliases (*%s) are not allowed in a %s; write the value out in full", nameAfter(tk), k.noun()))
		case token.TagType:
			fail(tk, fmt.Sprintf("YAML tags (%s) are not allowed in a %s; remove the tag, and quote the value if it must be a string", shortName(tk.Value), k.noun()))
		case token.MergeKeyType:
			fail(tk, fmt.Sprintf("YAML merge keys (<<) are not allowed in a %s; write the keys out in full", k.noun()))
		case token.SequenceStartType, token.MappingStartType:
			flow++
			if len(stack)+flow > maxDepth {
				tooDeep(tk)
				return false
			}
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		case token.SequenceEntryType:
			if flow == 0 && !open(tk, true) {
				return false
			}
		case token.MappingKeyType:
			if flow == 0 && !open(tk, false) {
				return false
			}
		case token.MappingValueType:
			// The mapping starts at its key, the token before the colon; a
			// colon at the start of a line belongs to an explicit "? key".
			if flow == 0 && prev != nil && prev.Position.Line == tk.Position.Line && !open(prev, false) {
				return false
			}
		}
		prev = tk
	}
	if !bad && n > maxTokens {
		r.fileProblem(fmt.Sprintf("too complex: more than %d YAML tokens; a %s has at most 1000 statements and 20 signers, so check that this is the right file", maxTokens, k.noun()))
		return false
	}
	return !bad
}

// nameAfter returns the anchor or alias name that follows tk, short and
// printable, for naming it in a message.
func nameAfter(tk *token.Token) string {
	if tk.Next == nil || tk.Next.Type != token.StringType {
		return "…"
	}
	return shortName(tk.Next.Value)
}

func shortName(s string) string {
	if q := quote(s); q != strconv.Quote(s) || len(s) > 40 || strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return "…"
	}
	return s
}

// converter builds the plain value (map[string]any, []any, string,
// json.Number, bool, nil) that the validator checks, and notes the position
// of every value.
type converter struct {
	k      Kind
	r      *report
	sp     spots
	failed bool
}

func (c *converter) fail(at pos, loc []string, path, msg string) {
	c.r.add(at, loc, path, msg)
	c.failed = true
}

func (c *converter) spot(loc []string) *spot {
	p := pointer(loc)
	s := c.sp[p]
	if s == nil {
		s = &spot{}
		c.sp[p] = s
	}
	return s
}

func (c *converter) value(n ast.Node, loc []string, path string, depth int) any {
	s := c.spot(loc)
	at := nodePos(n)
	s.val = at
	switch n := n.(type) {
	case nil:
		s.empty = true
		return nil
	case *ast.MappingNode:
		if len(n.Values) > 0 && !n.IsFlowStyle {
			// A block mapping's own token is its first colon; point at the first key instead.
			s.val = nodePos(n.Values[0].Key)
		}
		return c.mapping(n.Values, loc, path, depth)
	case *ast.MappingValueNode:
		s.val = nodePos(n.Key)
		return c.mapping([]*ast.MappingValueNode{n}, loc, path, depth)
	case *ast.SequenceNode:
		if depth >= maxDepth {
			c.fail(at, loc, path, fmt.Sprintf("nested more than %d levels deep; check the indentation", maxDepth))
			return nil
		}
		list := make([]any, 0, len(n.Values))
		for i, e := range n.Values {
			list = append(list, c.value(e, child(loc, strconv.Itoa(i)), indexPath(path, i), depth+1))
		}
		return list
	case *ast.StringNode:
		if n.Token != nil && n.Token.Type != token.SingleQuoteType && n.Token.Type != token.DoubleQuoteType {
			// The parser leaves numbers it cannot hold in an int64 or in its
			// own syntax as strings; unquoted, they are numbers to a reader.
			if num, ok := plainNumber(n.Value); ok {
				return num
			}
		}
		return n.Value
	case *ast.LiteralNode:
		if n.Value == nil {
			return ""
		}
		return n.Value.Value
	case *ast.IntegerNode:
		switch x := n.Value.(type) {
		case int64:
			return json.Number(strconv.FormatInt(x, 10))
		case uint64:
			return json.Number(strconv.FormatUint(x, 10))
		}
		c.fail(at, loc, path, fmt.Sprintf("cannot read the number %s; write it as a plain decimal number", quote(tokenValue(n))))
		return nil
	case *ast.FloatNode:
		if math.IsInf(n.Value, 0) || math.IsNaN(n.Value) {
			c.fail(at, loc, path, fmt.Sprintf("the number %s is out of range", quote(tokenValue(n))))
			return nil
		}
		return json.Number(strconv.FormatFloat(n.Value, 'g', -1, 64))
	case *ast.BoolNode:
		return n.Value
	case *ast.NullNode:
		s.empty = true
		return nil
	case *ast.InfinityNode, *ast.NanNode:
		c.fail(at, loc, path, fmt.Sprintf("%s is not a usable number; put it in quotes if you meant text", quote(tokenValue(n))))
		return nil
	case *ast.AnchorNode, *ast.AliasNode, *ast.TagNode, *ast.MergeKeyNode:
		c.fail(at, loc, path, fmt.Sprintf("YAML anchors, aliases, tags and merge keys are not allowed in a %s; write the value out in full", c.k.noun()))
		return nil
	default:
		c.fail(at, loc, path, fmt.Sprintf("unsupported YAML (%s); write plain keys, values and lists", n.Type()))
		return nil
	}
}

func (c *converter) mapping(entries []*ast.MappingValueNode, loc []string, path string, depth int) any {
	if depth >= maxDepth {
		c.fail(c.sp[pointer(loc)].val, loc, path, fmt.Sprintf("nested more than %d levels deep; check the indentation", maxDepth))
		return nil
	}
	m := make(map[string]any, len(entries))
	first := make(map[string]pos, len(entries))
	for _, e := range entries {
		if e == nil {
			continue
		}
		at := nodePos(e.Key)
		key, ok := c.key(e.Key, at, loc, path)
		if !ok {
			continue
		}
		if prev, dup := first[key]; dup {
			c.fail(at, loc, path, fmt.Sprintf("duplicate key %s (first set on line %d); remove one of them", quote(key), prev.line))
			continue
		}
		first[key] = at
		cl := child(loc, key)
		c.spot(cl).key = at
		m[key] = c.value(e.Value, cl, keyPath(path, key), depth+1)
	}
	return m
}

func (c *converter) key(k ast.MapKeyNode, at pos, loc []string, path string) (string, bool) {
	if mk, ok := k.(*ast.MappingKeyNode); ok {
		k, _ = mk.Value.(ast.MapKeyNode)
	}
	switch k := k.(type) {
	case *ast.StringNode:
		return k.Value, true
	case *ast.MergeKeyNode:
		c.fail(at, loc, path, fmt.Sprintf("YAML merge keys (<<) are not allowed in a %s; write the keys out in full", c.k.noun()))
	case nil:
		c.fail(at, loc, path, "a key is missing; write it as key: value")
	default:
		text := tokenValue(k)
		c.fail(at, loc, path, fmt.Sprintf("key %s is not a string; quote it or remove it", quote(text)))
	}
	return "", false
}

func tokenValue(n ast.Node) string {
	if n == nil || n.GetToken() == nil {
		return ""
	}
	return n.GetToken().Value
}

func child(loc []string, tok string) []string {
	return append(loc[:len(loc):len(loc)], tok)
}

func keyPath(path, key string) string {
	if !isIdent(key) {
		return path + "[" + quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// jsonNumber is compiled on first use, not at start-up: most processes
// that link this package never read a YAML number.
var jsonNumber = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
})

// plainNumber accepts what JSON would read as a number, within the range the
// validator can handle without doing big-number arithmetic on hostile input:
// the exponent is bounded too, since 1e-99999999 is a float (zero) but an
// exact comparison would first compute 10^99999999.
func plainNumber(s string) (json.Number, bool) {
	if len(s) > 100 || !jsonNumber().MatchString(s) {
		return "", false
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return "", false
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if exp, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+")); err != nil || exp > 400 || exp < -400 {
			return "", false
		}
	}
	return json.Number(s), true
}

// checkNumbers rejects numbers the validator would choke on: it does exact
// arithmetic on json.Number and cannot represent NaN or infinities.
func checkNumbers(v any, loc []string, path string, r *report) bool {
	ok := true
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			ok = checkNumbers(e, child(loc, k), keyPath(path, k), r) && ok
		}
	case []any:
		for i, e := range x {
			ok = checkNumbers(e, child(loc, strconv.Itoa(i)), indexPath(path, i), r) && ok
		}
	case json.Number:
		if _, good := plainNumber(string(x)); !good {
			r.add(pos{}, loc, path, fmt.Sprintf("%s is not a number in the usable range", quote(string(x))))
			ok = false
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			r.add(pos{}, loc, path, fmt.Sprintf("%v is not a JSON number", x))
			ok = false
		}
	}
	return ok
}
