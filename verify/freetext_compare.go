package verify

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/canarykit/canarykit/canary"
)

// comparePreviousText diffs a free-text canary against the last one the
// reader trusted (prev: a clearsigned block, or the signed text itself, as
// for a canary with detached signatures): a sentence about warrants or gag
// orders that is not in the new text, word for word, is the canary
// tripping, whether it went away or was changed (qualified, extended,
// truncated); anything else that changed is worth a look.
//
// Sentences are compared whole, with their whitespace normalised, so that
// a reflowed paragraph is the same text but "No warrants, other than
// secret ones" is not "No warrants". Whether a sentence is about warrants
// is decided on the old sentence (alarmWords), since its loss is what the
// reader must hear of.
func (r *Result) comparePreviousText(prev []byte) {
	old := string(prev)
	if s, err := canary.Open(prev); err == nil {
		old = string(s.Text)
	}
	cur := r.FreeText.Text
	if old == cur {
		r.add("statements", Warning, "the text is the same as the previous canary's: it has not been re-issued")
		return
	}
	r.FreeText.Diff = lineDiff(old, cur)
	oldSentences, curSentences := sentences(old), sentences(cur)
	now := make(map[string]bool, len(curSentences))
	for _, s := range curSentences {
		now[s] = true
	}
	before := make(map[string]bool, len(oldSentences))
	for _, s := range oldSentences {
		before[s] = true
	}
	var added []string
	for _, s := range curSentences {
		if !before[s] {
			before[s] = true // each new sentence once
			added = append(added, s)
		}
	}
	var gone []string
	looked := map[string]bool{}
	for _, s := range oldSentences {
		if looked[s] || now[s] {
			continue
		}
		looked[s] = true
		if alarmWords().MatchString(s) {
			gone = append(gone, s)
		}
	}
	if len(gone) > 0 {
		became := pairChanged(gone, added)
		const shown = 20
		q := make([]string, 0, min(len(gone), shown+1))
		for i, s := range gone {
			ch := Change{Kind: "removed", Old: s}
			if became[i] != "" {
				ch = Change{Kind: "reworded", Old: s, New: became[i]}
			}
			r.Changes = append(r.Changes, ch)
			if i >= shown {
				continue
			}
			if ch.Kind == "reworded" {
				q = append(q, fmt.Sprintf("%s now reads %s", strconv.Quote(s), strconv.Quote(ch.New)))
			} else {
				q = append(q, fmt.Sprintf("%s is gone", strconv.Quote(s)))
			}
		}
		if len(gone) > shown {
			q = append(q, fmt.Sprintf("and %d more (see changes)", len(gone)-shown))
		}
		r.add("statements", Critical, "since the previous canary, these sentences about warrants or gag orders were REMOVED or CHANGED: %s", strings.Join(q, "; "))
		return
	}
	msg := fmt.Sprintf("%d line(s) changed since the previous canary, but no sentence about warrants or gag orders was removed or changed", len(r.FreeText.Diff))
	var mention []string
	for _, s := range added {
		if alarmWords().MatchString(s) {
			mention = append(mention, strconv.Quote(s))
		}
	}
	switch {
	case len(mention) == 1:
		msg += "; a new sentence mentions them: " + mention[0]
	case len(mention) > 1:
		msg += fmt.Sprintf("; %d new sentences mention them, the first: %s", len(mention), mention[0])
	}
	r.add("statements", Warning, "%s; read the changes", msg)
}

// pairChanged finds, for each sentence gone, the new sentence it became,
// if one is plainly the same sentence changed: together, the start and
// the end they share cover at least half of the shorter one ("No warrants
// were served" and "No warrants were served, other than secret ones").
// Each new sentence is paired once. The work is bounded, so that hostile
// texts of many sentences cost no more than reading them; past the bound
// a sentence is reported as removed, which it is, as far as the reader
// can tell.
func pairChanged(gone, added []string) []string {
	became := make([]string, len(gone))
	used := make([]bool, len(added))
	budget := 8 << 20 // bytes compared
	for i, g := range gone {
		best, bestScore := -1, 0
		for j, a := range added {
			if used[j] {
				continue
			}
			n := min(len(g), len(a))
			if budget -= n; budget < 0 {
				return became
			}
			p := commonPrefix(g, a)
			q := commonSuffix(g[p:], a[p:])
			if score := p + q; 2*score >= n && score > bestScore {
				best, bestScore = j, score
			}
		}
		if best >= 0 {
			used[best] = true
			became[i] = added[best]
		}
	}
	return became
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func commonSuffix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}

func normalise(s string) string { return strings.Join(strings.Fields(s), " ") }

// sentences splits text into sentences with their whitespace normalised,
// joining wrapped lines, so that a statement reflowed over different lines
// still matches. A sentence ends at ".", "!" or "?" before a space or the
// end, or at a blank line; but not at the dot of an abbreviation ("e.g.",
// "U.S.", "etc.", an initial) or before a word in lower case, so that a
// qualifier after "e.g." stays part of its sentence. The end mark itself
// is not kept.
func sentences(text string) []string {
	var out []string
	start := 0
	add := func(end int) {
		if s := normalise(text[start:end]); len(s) > 3 {
			out = append(out, s)
		}
	}
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '\n':
			j := i + 1
			for j < len(text) && isBlank(text[j]) && text[j] != '\n' {
				j++
			}
			if j < len(text) && text[j] == '\n' {
				add(i)
				start, i = j+1, j
			}
		case '.', '!', '?':
			j := i + 1
			if j < len(text) && !isBlank(text[j]) {
				continue
			}
			if c == '.' {
				k, lines := j, 0
				for k < len(text) && isBlank(text[k]) {
					if text[k] == '\n' {
						lines++
					}
					k++
				}
				// A blank line after it ends the sentence anyway, below.
				if lines < 2 && (abbreviation(text[start:i]) || k < len(text) && text[k] >= 'a' && text[k] <= 'z') {
					continue
				}
			}
			add(i)
			start = j
		}
	}
	add(len(text))
	return out
}

func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// abbreviations end in a dot that does not end the sentence.
var abbreviations = map[string]bool{
	"etc": true, "vs": true, "cf": true, "viz": true, "approx": true, "incl": true,
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true, "jr": true, "sr": true,
	"inc": true, "ltd": true, "co": true, "corp": true, "dept": true, "gov": true, "govt": true,
	"art": true, "sec": true, "para": true, "fig": true, "ref": true,
}

// abbreviation reports whether the last word of s is an abbreviation:
// one of the list, a single letter (an initial), or a word with a dot
// inside ("e.g", "U.S").
func abbreviation(s string) bool {
	w := s[strings.LastIndexAny(s, " \t\n\r\v\f(\"'")+1:]
	switch {
	case len(w) == 1:
		c := w[0] | 0x20
		return c >= 'a' && c <= 'z'
	case len(w) == 0 || len(w) > 8:
		return false
	case strings.Contains(w, "."):
		return true
	}
	return abbreviations[strings.ToLower(w)]
}

// lineDiff is a longest-common-subsequence diff of two texts by line. Canary
// texts are short (a few hundred lines), so the quadratic table is fine;
// larger inputs fall back to listing both sides.
func lineDiff(a, b string) []string {
	x, y := strings.Split(strings.TrimRight(a, "\n"), "\n"), strings.Split(strings.TrimRight(b, "\n"), "\n")
	if len(x)*len(y) > 4_000_000 {
		var out []string
		for _, l := range x {
			out = append(out, "- "+l)
		}
		for _, l := range y {
			out = append(out, "+ "+l)
		}
		return out
	}
	n, m := len(x), len(y)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case x[i] == y[j]:
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, "- "+x[i])
			i++
		default:
			out = append(out, "+ "+y[j])
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, "- "+x[i])
	}
	for ; j < m; j++ {
		out = append(out, "+ "+y[j])
	}
	return out
}
