package schema

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// maxProblems keeps the message readable and bounded on hostile input;
// whoever has more problems than this fixes the first ones and runs again.
const maxProblems = 100

// pos is a 1-based line and column in the YAML source; zero means unknown.
type pos struct{ line, col int }

// problem is one line of the final error.
type problem struct {
	at   pos
	loc  []string // instance location, to order JSON messages by document order
	path string   // loc as the user reads it, e.g. statements[0].id
	msg  string
}

// report collects problems. file is empty when the input was not a file
// (ValidateJSON), and then lines carry no FILE:LINE:COL prefix.
type report struct {
	file    string
	probs   []problem
	dropped int // problems not kept, so hostile input cannot make us sort millions
}

func (r *report) add(at pos, loc []string, path, msg string) {
	if len(r.probs) >= 10*maxProblems {
		r.dropped++
		return
	}
	r.probs = append(r.probs, problem{at: at, loc: loc, path: path, msg: msg})
}

// fileProblem is for problems about the whole file, which have no position.
func (r *report) fileProblem(msg string) {
	r.add(pos{}, nil, "", msg)
}

func (r *report) err() error {
	if len(r.probs) == 0 {
		return nil
	}
	slices.SortStableFunc(r.probs, func(a, b problem) int {
		if c := cmp.Compare(a.at.line, b.at.line); c != 0 {
			return c
		}
		if c := cmp.Compare(a.at.col, b.at.col); c != 0 {
			return c
		}
		if c := compareLoc(a.loc, b.loc); c != 0 {
			return c
		}
		return strings.Compare(a.msg, b.msg)
	})
	lines := make([]string, 0, len(r.probs))
	seen := make(map[string]bool, len(r.probs))
	for _, p := range r.probs {
		l := r.format(p)
		if !seen[l] {
			seen[l] = true
			lines = append(lines, l)
		}
	}
	if n := len(lines) + r.dropped - maxProblems; n > 0 {
		lines = append(lines[:min(len(lines), maxProblems)], fmt.Sprintf("%s%d more problems not shown; fix the ones above and run again", r.prefix(pos{}), n))
	}
	return errors.New(strings.Join(lines, "\n"))
}

func (r *report) prefix(at pos) string {
	switch {
	case r.file == "":
		return ""
	case at.line > 0:
		return fmt.Sprintf("%s:%d:%d: ", r.file, at.line, at.col)
	default:
		return r.file + ": "
	}
}

func (r *report) format(p problem) string {
	var b strings.Builder
	b.WriteString(r.prefix(p.at))
	if p.path != "" {
		b.WriteString(p.path)
		b.WriteString(": ")
	}
	b.WriteString(p.msg)
	return b.String()
}

// compareLoc orders locations as they appear in a document: array indexes
// numerically, so statements[10] comes after statements[9].
func compareLoc(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			continue
		}
		ai, aerr := strconv.Atoi(a[i])
		bi, berr := strconv.Atoi(b[i])
		if aerr == nil && berr == nil {
			return cmp.Compare(ai, bi)
		}
		return strings.Compare(a[i], b[i])
	}
	return cmp.Compare(len(a), len(b))
}

// displayPath renders an instance location as the user would write it,
// deciding between [i] and .key by looking at the value itself.
func displayPath(root any, loc []string) string {
	path, v := "", root
	for _, tok := range loc {
		if list, ok := v.([]any); ok {
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(list) {
				path, v = keyPath(path, tok), nil
				continue
			}
			path, v = indexPath(path, i), list[i]
			continue
		}
		m, _ := v.(map[string]any)
		path, v = keyPath(path, tok), m[tok]
	}
	return path
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && (r == '-' || r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// quote shows a user's string in a message: Go-quoted so that control and
// bidi characters cannot reach the terminal, and cut short so a 2000-character
// statement does not swamp the message.
func quote(s string) string {
	const max = 60
	if r := []rune(s); len(r) > max {
		return strconv.Quote(string(r[:max-1]) + "…")
	}
	return strconv.Quote(s)
}

// sanitize escapes characters that should not reach a terminal in text we do
// not control, such as a YAML parser's message quoting the input.
func sanitize(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsPrint(r) {
			b.WriteRune(r)
		} else {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}
