package verify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"

	"github.com/canarykit/canarykit/canary"
)

// comparePreviousText diffs a free-text canary against the last one the
// reader trusted (prev: a clearsigned block, or the signed text itself, as
// for a canary with detached signatures).
//
// The two are first put in order (orderPrevious): by the times of their
// signatures by the same keys, else by the dates their texts state. A
// canary older than the one the reader trusted is an old canary served
// again (replay), CRITICAL. The sentences are then compared from the
// older canary to the newer one: a sentence about warrants or gag orders
// of the older that is not in the newer, word for word, is the canary
// tripping, whether it went away or was changed (qualified, extended,
// truncated); anything else that changed is worth a look.
//
// Sentences are compared whole, with their whitespace normalised, so that
// a reflowed paragraph is the same text but "No warrants, other than
// secret ones" is not "No warrants"; list markers are set aside, and so
// are the dates a canary renews at every issue (sentenceKey). Whether a
// sentence is about warrants is decided on the older sentence
// (aboutWarrants), since its loss is what the reader must hear of.
func (r *Result) comparePreviousText(prev []byte) {
	old := string(prev)
	var prevSigs []sigTime
	if s, err := canary.Open(prev); err == nil {
		old = string(s.Text)
		prevSigs = signatureTimes(s.Signatures)
	}
	cur := r.FreeText.Text
	if old == cur {
		r.add("statements", OK, "the text is unchanged since the canary you trusted")
		return
	}
	r.FreeText.Diff = lineDiff(old, cur)
	signed := r.signedAt()
	curDay := statedIssue(cur, signed, time.Time{})
	prevDay := statedIssue(old, r.prevSignedAt(prevSigs), signed)
	replay := r.orderPrevious(curDay, prevDay, prevSigs)

	// From the older text to the newer one.
	olderText, newerText, olderDay, newerDay := old, cur, prevDay, curDay
	if replay {
		olderText, newerText, olderDay, newerDay = cur, old, curDay, prevDay
	}
	budget := dateBudget
	oldSentences := textSentences(olderText, olderDay.readings(), &budget)
	budget = dateBudget
	curSentences := textSentences(newerText, newerDay.readings(), &budget)
	now := make(map[string]bool, len(curSentences))
	for _, s := range curSentences {
		now[s.key] = true
	}
	before := make(map[string]bool, len(oldSentences))
	for _, s := range oldSentences {
		before[s.key] = true
	}
	var added []sentence
	for _, s := range curSentences {
		if !before[s.key] {
			before[s.key] = true // each new sentence once
			added = append(added, s)
		}
	}
	var gone []string
	looked := map[string]bool{}
	for _, s := range oldSentences {
		if looked[s.key] || now[s.key] {
			continue
		}
		looked[s.key] = true
		if s.alarm {
			gone = append(gone, s.text)
		}
	}
	addedText := make([]string, len(added))
	for i, s := range added {
		addedText[i] = s.text
	}
	if len(gone) > 0 {
		became := pairChanged(gone, addedText)
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
		if replay {
			r.add("statements", Critical, "from this older canary to the newer one you trusted, these sentences about warrants or gag orders were REMOVED or CHANGED: %s", strings.Join(q, "; "))
		} else {
			r.add("statements", Critical, "since the previous canary, these sentences about warrants or gag orders were REMOVED or CHANGED: %s", strings.Join(q, "; "))
		}
		return
	}
	if onlyDatesChanged(r.FreeText.Diff) {
		r.add("statements", OK, "the text is unchanged since the canary you trusted, but for its dates (%d line(s))", len(r.FreeText.Diff)/2)
		return
	}
	msg := fmt.Sprintf("%d line(s) changed since the previous canary, but no sentence about warrants or gag orders was removed or changed", len(r.FreeText.Diff))
	if replay {
		msg = fmt.Sprintf("%d line(s) differ from the newer canary you trusted, but it removed or changed no sentence about warrants or gag orders of this older one", len(r.FreeText.Diff))
	}
	var mention []string
	for _, s := range added {
		if s.alarm {
			mention = append(mention, strconv.Quote(s.text))
		}
	}
	which := "a new sentence mentions"
	if replay {
		which = "a sentence the newer canary added mentions"
	}
	switch {
	case len(mention) == 1:
		msg += "; " + which + " them: " + mention[0]
	case len(mention) > 1:
		if replay {
			msg += fmt.Sprintf("; %d sentences the newer canary added mention them, the first: %s", len(mention), mention[0])
		} else {
			msg += fmt.Sprintf("; %d new sentences mention them, the first: %s", len(mention), mention[0])
		}
	}
	r.add("statements", Warning, "%s; read the changes", msg)
}

// onlyDatesChanged reports whether the lines removed and the lines added
// are the same lines but for their dates: a renewal that changed nothing
// else.
func onlyDatesChanged(diff []string) bool {
	var minus, plus []string
	for _, l := range diff {
		if strings.HasPrefix(l, "- ") {
			minus = append(minus, l[2:])
		} else {
			plus = append(plus, l[2:])
		}
	}
	if len(minus) != len(plus) || len(minus) == 0 || len(minus) > 1000 {
		return false
	}
	for i := range minus {
		if dateless(minus[i]) != dateless(plus[i]) {
			return false
		}
	}
	return true
}

// dateless is a line with every date in it replaced by "<date>".
func dateless(l string) string {
	l = normalise(l)
	if len(l) > maxDateLine {
		return l
	}
	for _, d := range findDates(l) {
		l = strings.ReplaceAll(l, d.text, "<date>")
	}
	return monthOrDayAlone().ReplaceAllString(l, "<date>")
}

// A sigTime is when a signature of the previous canary says it was made,
// and by which key (its issuer key ID, as Signature.KeyID spells it).
type sigTime struct {
	keyID   string
	created time.Time
}

// signatureTimes reads the creation times of the previous canary's
// signatures. They are not verified again: the reader trusted that canary
// already, and its signatures are compared only with good ones of this
// canary. Unreadable packets end the list.
func signatureTimes(sigs []byte) []sigTime {
	var out []sigTime
	rd := packet.NewReader(bytes.NewReader(sigs))
	for len(out) < MaxSignatures {
		p, err := rd.Next()
		if err == io.EOF {
			break
		}
		var unsupported pgperrors.UnsupportedError
		if errors.As(err, &unsupported) {
			continue
		}
		if err != nil {
			break
		}
		sig, ok := p.(*packet.Signature)
		if !ok {
			break
		}
		out = append(out, sigTime{fmt.Sprintf("%016X", issuerKeyID(sig)), sig.CreationTime.UTC()})
	}
	return out
}

// goodSignatures lists this canary's good signatures (by the keys given).
func (r *Result) goodSignatures() []Signature {
	var out []Signature
	for _, s := range r.Signatures {
		if s.Status == SigGood {
			out = append(out, s)
		}
	}
	return out
}

// signedAt is the time checkFreeText dates this canary by: its earliest
// good signature (zero when there is none).
func (r *Result) signedAt() time.Time {
	var t time.Time
	for _, s := range r.goodSignatures() {
		if t.IsZero() || s.Created.Before(t) {
			t = s.Created
		}
	}
	return t
}

// prevSignedAt is the time the previous canary is dated by: its earliest
// signature by a key that made a good signature of this canary, else its
// earliest signature; zero when it carries none (detached signatures).
func (r *Result) prevSignedAt(prevSigs []sigTime) time.Time {
	ids := map[string]bool{}
	for _, s := range r.goodSignatures() {
		ids[s.KeyID] = true
	}
	var any, same time.Time
	for _, p := range prevSigs {
		if any.IsZero() || p.created.Before(any) {
			any = p.created
		}
		if ids[p.keyID] && (same.IsZero() || p.created.Before(same)) {
			same = p.created
		}
	}
	if !same.IsZero() {
		return same
	}
	return any
}

// statedDay is the issue date a text states, as every reading of it
// (a date like 08/06/2026 reads two ways), and as written.
type statedDay struct {
	days    []time.Time
	written string
}

// statedIssue reads the issue date of text dated by signed (zero: not
// signed, and then only a date the text states as its issue date counts,
// looked up near the other canary's date, near).
func statedIssue(text string, signed, near time.Time) *statedDay {
	at := signed
	if at.IsZero() {
		at = near
	}
	if at.IsZero() {
		return nil
	}
	d, stated := issueDate(text, at)
	if d == nil || signed.IsZero() && !stated {
		return nil
	}
	out := &statedDay{written: d.text}
	if !signed.IsZero() {
		// Read as checkFreeText reads it: the reading nearest the signature.
		out.days = []time.Time{d.t}
		return out
	}
	for _, f := range findDates(d.line) {
		if f.text == d.text {
			out.days = append(out.days, f.t)
		}
	}
	if len(out.days) == 0 {
		out.days = []time.Time{d.t}
	}
	return out
}

// before reports whether every reading of a is before every reading of b.
func (a *statedDay) before(b *statedDay) bool {
	for _, x := range a.days {
		for _, y := range b.days {
			if !x.Before(y) {
				return false
			}
		}
	}
	return true
}

// orderPrevious decides which of this canary and the one the reader
// trusted is the older, and says so ("previous"): by the creation times
// of their signatures by the same keys (else by any of their signatures),
// and failing those by the issue dates their texts state (curDay,
// prevDay; nil when none is read). It reports
// whether this canary is the older one: an old canary served again,
// CRITICAL.
func (r *Result) orderPrevious(curDay, prevDay *statedDay, prevSigs []sigTime) (replay bool) {
	good := r.goodSignatures()
	var older, newer, equal int
	var trustedAt, curAt time.Time // the signatures compared
	for _, c := range good {
		for _, p := range prevSigs {
			if p.keyID != c.KeyID {
				continue
			}
			switch {
			case c.Created.Before(p.created):
				older++
			case c.Created.After(p.created):
				newer++
			default:
				equal++
			}
			if p.created.After(trustedAt) {
				trustedAt = p.created
			}
			if c.Created.After(curAt) {
				curAt = c.Created
			}
		}
	}
	if older+newer+equal == 0 && len(good) > 0 && len(prevSigs) > 0 {
		// No key in common (a new key): all of one against all of the other.
		var curMin, curMax, prevMin, prevMax time.Time
		for _, c := range good {
			if curMin.IsZero() || c.Created.Before(curMin) {
				curMin = c.Created
			}
			if c.Created.After(curMax) {
				curMax = c.Created
			}
		}
		for _, p := range prevSigs {
			if prevMin.IsZero() || p.created.Before(prevMin) {
				prevMin = p.created
			}
			if p.created.After(prevMax) {
				prevMax = p.created
			}
		}
		switch {
		case curMax.Before(prevMin):
			older, trustedAt, curAt = 1, prevMin, curMax
		case curMin.After(prevMax):
			newer, trustedAt, curAt = 1, prevMax, curMin
		}
	}
	datesOlder := curDay != nil && prevDay != nil && curDay.before(prevDay)
	datesNewer := curDay != nil && prevDay != nil && prevDay.before(curDay)

	trusted := "the canary you trusted"
	switch {
	case !trustedAt.IsZero():
		trusted += " (signed " + stamp(trustedAt) + ")"
	case prevDay != nil:
		trusted += " (dated " + prevDay.written + ")"
	}
	switch {
	case older > 0 && newer == 0:
		r.add("previous", Critical, "this canary is OLDER than %s: it was signed %s; an old canary may be being served again (replay). The changes below are read from this one to the newer one",
			trusted, stamp(curAt))
		return true
	case newer > 0 && older == 0 && datesOlder:
		r.add("previous", Warning, "compared with %s: this canary was signed later (%s), but its text states an earlier issue date (%s, the one you trusted %s)",
			trusted, stamp(curAt), curDay.written, prevDay.written)
	case newer > 0 && older == 0:
		r.add("previous", OK, "compared with %s: this canary was signed later (%s), so the changes below are since that one", trusted, stamp(curAt))
	case datesOlder:
		r.add("previous", Critical, "this canary is OLDER than %s: its text states it was issued %s, the one you trusted %s; an old canary may be being served again (replay). The changes below are read from this one to the newer one",
			trusted, curDay.written, prevDay.written)
		return true
	case datesNewer:
		r.add("previous", OK, "compared with %s: this canary states a later issue date (%s), so the changes below are since that one", trusted, curDay.written)
	default:
		r.add("previous", Warning, "compared with %s: neither their signatures nor their stated dates tell which is newer, so an old canary served again could not be told from a renewal; the changes below are read from that one to this one", trusted)
	}
	return false
}

// readings are the days the issue date may be (none for nil).
func (d *statedDay) readings() []time.Time {
	if d == nil {
		return nil
	}
	return d.days
}

// A sentence of a free-text canary: as shown, as compared, and whether it
// speaks of warrants or gag orders.
type sentence struct {
	text  string // whitespace normalised, list marker set aside
	key   string // text with the dates the canary renews set aside
	alarm bool
}

// dateBudget bounds the bytes of one text searched for dates (about a
// microsecond a byte): a canary has a few kilobytes of sentences, and a
// hostile text of megabytes is compared with its dates as written.
const dateBudget = 64 << 10

// textSentences splits text (sentenceSpans) and keys each sentence for
// comparison (sentenceKey), issue being the days the text's own issue
// date may be; budget bounds the date search.
func textSentences(text string, issue []time.Time, budget *int) []sentence {
	masked := maskForAlarm(text)
	var out []sentence
	ended := false // whether the sentence before ended at an end mark
	for _, sp := range sentenceSpans(text) {
		t := normalise(text[sp[0]:sp[1]])
		s := sentence{text: t, alarm: aboutWarrants(masked[sp[0]:sp[1]])}
		join := len(out) > 0 && qualifier().MatchString(t) && (!ended || t[0] >= 'a' && t[0] <= 'z')
		ended = sp[2] == 1
		if join {
			// "except secret ones" on a line or item of its own is part
			// of the statement it qualifies. ("Other than this incident,
			// ..." after a full stop is a sentence of its own.)
			p := &out[len(out)-1]
			p.text += " " + t
			p.alarm = p.alarm || s.alarm
			continue
		}
		out = append(out, s)
	}
	for i := range out {
		out[i].key = sentenceKey(out[i].text, issue, budget)
	}
	return out
}

// qualifier matches a sentence that starts by qualifying the one before.
var qualifier = lazyRegexp(`(?i)^(except|excepting|excluding|other than|unless|save for|save that|apart from|aside from|but not|with the exception)\b`)

// sentenceSpans splits text into sentences: byte ranges of text, any
// list marker left out, and 1 when the sentence ended at an end mark. A
// sentence ends at ".", "!" or "?" before a space or the end, or at a
// blank line; but not at the dot of an abbreviation ("e.g.", "U.S.",
// "etc.", an initial) or before a word in lower case, so that a
// qualifier after "e.g." stays part of its sentence. The end mark itself
// is not kept. Wrapped lines are joined, so that a statement reflowed
// over different lines still matches; but in lists the line ends end
// statements too: before a line that starts with a list marker ("-",
// "*", "•", "1.", "1)", "a)", "(a)"), after a line that ends with a
// colon, and at every line of a block of two or more statement lines at
// the same indent (listLine: short, starting with a capital, with no end
// mark and not ending on a word that a sentence goes on after; the last
// may end with its end mark), as a list written one statement a line is.
// A list item wrapped over indented lines stays one statement.
func sentenceSpans(text string) [][3]int {
	type line struct {
		start, end int // without the line end
		body       int // after the list marker, if any
		marker     bool
		blank      bool
		list       bool // a statement line (listLine)
		qual       bool // a line that qualifies the one before ("except ...")
		last       bool // a statement line with its end mark
		lead       int  // the blanks it is indented by
	}
	var lines []line
	for i := 0; i <= len(text); {
		j := strings.IndexByte(text[i:], '\n')
		if j < 0 {
			j = len(text)
		} else {
			j += i
		}
		l := line{start: i, end: j, body: i}
		content := strings.TrimRight(text[i:j], " \t\r\v\f")
		trimmed := strings.TrimLeft(content, " \t\v\f")
		l.blank = trimmed == ""
		if !l.blank && len(content) <= maxListLine {
			lead := len(content) - len(trimmed)
			if n := listMarker(trimmed); n > 0 {
				l.marker, l.body = true, i+lead+n
			}
			l.lead = lead
			body := text[l.body : i+len(content)]
			l.list = listLine(body)
			l.qual = qualifier().MatchString(body)
			if n := len(body); !l.list && n > 1 && strings.ContainsRune(".!?", rune(body[n-1])) {
				l.last = listLine(body[:n-1])
			}
		}
		lines = append(lines, l)
		if j == len(text) {
			break
		}
		i = j + 1
	}
	// breakBefore[k]: a statement ends at the start of line k: at a list
	// marker, after a line that ends with a colon ("... state the
	// following:"), and at every line of a block of statement lines.
	breakBefore := make([]bool, len(lines)+1)
	for k, l := range lines {
		if l.marker || l.blank {
			breakBefore[k] = true
		}
		if k > 0 && strings.HasSuffix(strings.TrimRight(text[lines[k-1].start:lines[k-1].end], " \t\r\v\f"), ":") {
			breakBefore[k] = true
		}
	}
	for k := 0; k < len(lines); {
		if lines[k].blank {
			k++
			continue
		}
		m := k + 1
		for m < len(lines) && !breakBefore[m] {
			m++
		}
		if m-k >= 2 {
			// Not a list item wrapped over indented lines.
			list := !lines[k].marker
			for x := k; x < m && list; x++ {
				list = lines[x].lead == lines[k].lead && (lines[x].list || lines[x].qual && x > k || x == m-1 && lines[x].last)
			}
			for x := k; list && x < m; x++ {
				breakBefore[x] = true
			}
		}
		k = m
	}
	var out [][3]int
	add := func(s, e int, mark bool) {
		if len(strings.Join(strings.Fields(text[s:e]), " ")) > 3 {
			m := 0
			if mark {
				m = 1
			}
			out = append(out, [3]int{s, e, m})
		}
	}
	// Segments: lines between blank lines and list breaks, each split at
	// its sentence ends.
	for k := 0; k < len(lines); {
		if lines[k].blank {
			k++
			continue
		}
		m := k + 1
		for m < len(lines) && !lines[m].blank && !breakBefore[m] {
			m++
		}
		splitSentences(text, lines[k].body, lines[m-1].end, add)
		k = m
	}
	return out
}

// maxListLine is the longest line read as an item of a list.
const maxListLine = 120

// splitSentences calls add for each sentence of text[start:end], a
// stretch of text with no blank line.
func splitSentences(text string, start, end int, add func(s, e int, mark bool)) {
	for i := start; i < end; i++ {
		switch c := text[i]; c {
		case '.', '!', '?':
			j := i + 1
			if j < end && !isBlank(text[j]) {
				continue
			}
			if c == '.' {
				k := j
				for k < end && isBlank(text[k]) {
					k++
				}
				if abbreviation(text[start:i]) || k < end && text[k] >= 'a' && text[k] <= 'z' {
					continue
				}
			}
			add(start, i, true)
			start = j
			for start < end && isBlank(text[start]) {
				start++
			}
			if n := listMarker(text[start:min(end, start+8)] + " "); n > 0 && inlineNumber(text[start:end]) {
				start = min(start+n, end)
			}
			i = start - 1
		}
	}
	add(start, end, false)
}

// inlineNumber reports whether s starts with a statement number ("2. No
// warrants"), which is set aside like a list marker.
func inlineNumber(s string) bool {
	return len(s) > 0 && s[0] >= '0' && s[0] <= '9'
}

// listMarker returns the length of the list marker s starts with and the
// blanks after it, or 0: "-", "*", "+", "•", "1.", "1)", "a)", "(a)",
// "(iv)".
func listMarker(s string) int {
	n := 0
	switch {
	case strings.HasPrefix(s, "•"):
		n = len("•")
	case len(s) > 0 && (s[0] == '-' || s[0] == '*' || s[0] == '+'):
		n = 1
	case len(s) > 0 && s[0] == '(':
		k := 1
		for k < len(s) && k <= 5 && isAlnum(s[k]) {
			k++
		}
		if k == 1 || k >= len(s) || s[k] != ')' {
			return 0
		}
		n = k + 1
	default:
		k := 0
		for k < len(s) && k < 3 && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k == 0 && len(s) > 0 && (s[0]|0x20) >= 'a' && (s[0]|0x20) <= 'z' {
			// "a)" only: "a." is as often an initial.
			if len(s) < 2 || s[1] != ')' {
				return 0
			}
			k = 1
		} else if k == 0 {
			return 0
		}
		if k >= len(s) || s[k] != '.' && s[k] != ')' {
			return 0
		}
		n = k + 1
	}
	if n >= len(s) || s[n] != ' ' && s[n] != '\t' {
		return 0
	}
	for n < len(s) && (s[n] == ' ' || s[n] == '\t') {
		n++
	}
	return n
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || (c|0x20) >= 'a' && (c|0x20) <= 'z'
}

// listLine reports whether a line reads as one statement of a list
// written one a line: it starts with a capital letter (not a word that
// qualifies what came before, "Unless ..."), has no end mark, and does
// not end on a comma or a word a sentence goes on after ("any", "the",
// "and"), as a wrapped line of prose does.
func listLine(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 4 || s[0] < 'A' || s[0] > 'Z' || qualifier().MatchString(s) {
		return false
	}
	switch s[len(s)-1] {
	case '.', '!', '?', ',', ';', ':', '-', '(', '&', '/':
		return false
	}
	last := strings.ToLower(s[strings.LastIndexAny(s, " \t")+1:])
	return !continuing[last]
}

// continuing are words a wrapped line of prose ends on, and a statement
// does not.
var continuing = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the and or nor but of to in on at by for from with without into onto about as
		that which who whom whose this these those our your their its my we you they it he she i us them
		is are was were be been being has have had do does did not no any all each every some such than then
		there here if unless except other including under upon within between against over through via per
		never ever yet so also only even both either neither may might can could will would shall should must`) {
		continuing[w] = true
	}
}

// sentenceKey is a sentence as compared: the dates that change at every
// renewal replaced by "<date>". Those are the issue date (any of the days
// in issue, in whatever form it is written) wherever it appears, and every
// date in a sentence that carries it or that says as of when it speaks
// ("As of 2024-07-20, ...", "no warrants as of July 10 2019"), month and
// year forms included ("December 2026"). Other dates are compared as
// written: a bulletin's date is part of what the canary says.
func sentenceKey(s string, issue []time.Time, budget *int) string {
	if len(s) > maxDateLine {
		return s
	}
	if *budget -= len(s); *budget < 0 {
		return s
	}
	if strings.Contains(s, "#") || strings.Contains(strings.ToLower(s), "canary") {
		s = canaryNumber().ReplaceAllString(s, "${1}<n>")
	}
	if !hasYear(s) {
		return s
	}
	dates := findDates(s)
	carries := datedSentence().MatchString(s)
	var mine []string
	for _, d := range dates {
		for _, t := range issue {
			if d.t.Equal(t) {
				carries = true
				mine = append(mine, d.text)
			}
		}
	}
	if !carries {
		for _, w := range mine {
			s = strings.ReplaceAll(s, w, "<date>")
		}
		return s
	}
	for _, d := range dates {
		s = strings.ReplaceAll(s, d.text, "<date>")
	}
	return monthOrDayAlone().ReplaceAllString(s, "<date>")
}

// canaryNumber matches the number of a canary in its series, which
// changes at every renewal: "Warrant Canary n.4", "canary #33", "Canary
// 028".
var canaryNumber = lazyRegexp(`(?i)(\bcanary\s*(?:n\.|no\.|nr\.|number\s*|#)?\s*|#)\d{1,4}\b`)

// datedSentence matches a sentence that says as of when it speaks.
var datedSentence = lazyRegexp(`(?i)\b(as of|as at|as on|date of issue|issue date|issued|dated|today is|up to and including|until|through)\b`)

// monthOrDayAlone matches a month written with its year alone: "December 2026",
// "Dec. 2026", "12/2026", "2026-12"; and a day and month without the year
// ("August 16", "16th of August").
var monthOrDayAlone = lazyRegexp(`(?i)\b(?:(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?,?\s+(?:\d{4}|\d{1,2}(?:st|nd|rd|th)?)|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)|\d{1,2}/\d{4}|\d{4}-\d{2})\b`)

// hasYear reports whether s holds four digits in a row, as every date
// findDates reads does.
func hasYear(s string) bool {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			if n++; n == 4 {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}

// maskForAlarm returns text, of the same length, with its shell commands
// (lines starting with "$" or a command such as gpg, curl or wget) and
// code blocks blanked out for alarmWords; aboutWarrants sets aside URLs
// and the like in each sentence. A URL path "/WarrantCanary/" does not
// make verification instructions a sentence about warrants.
func maskForAlarm(text string) string {
	b := []byte(text)
	blank := func(s, e int) {
		for i := s; i < e; i++ {
			if b[i] != '\n' {
				b[i] = '_'
			}
		}
	}
	fence := false
	for i := 0; i < len(text); {
		j := strings.IndexByte(text[i:], '\n')
		if j < 0 {
			j = len(text)
		} else {
			j += i
		}
		l := strings.TrimSpace(text[i:j])
		switch {
		case strings.HasPrefix(l, "```") || strings.HasPrefix(l, "~~~"):
			fence = !fence
			blank(i, j)
		case fence, shellLine(l):
			blank(i, j)
		}
		i = j + 1
	}
	return string(b)
}

// aboutWarrants reports whether a sentence, its shell commands and code
// already blanked out (maskForAlarm), speaks of warrants or gag orders
// once its URLs, e-mail addresses, file names and fingerprints are set
// aside too. Those are looked for only in a sentence that could hold one,
// so that a hostile text of many sentences costs little more than reading
// it.
func aboutWarrants(s string) bool {
	if !alarmWords().MatchString(s) {
		return false
	}
	if !mayHoldNonProse(s) {
		return true
	}
	return alarmWords().MatchString(notProse().ReplaceAllStringFunc(s, func(m string) string { return strings.Repeat("_", len(m)) }))
}

// mayHoldNonProse reports whether s holds a character a URL, an e-mail
// address or a file name needs (":", "/", "@", a dot inside a word), or
// what a fingerprint is written with: 16 hex digits in a row, or groups
// of 4 ("2D17 71FE").
func mayHoldNonProse(s string) bool {
	run, groups := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':' || c == '/' || c == '@':
			return true
		case c == '.' && i+1 < len(s) && !isBlank(s[i+1]):
			return true
		case c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f':
			if run++; run >= 16 {
				return true
			}
			continue
		case isBlank(c) && run == 4:
			if groups++; groups >= 3 {
				return true
			}
		default:
			groups = 0
		}
		run = 0
	}
	return false
}

// notProse matches URLs, e-mail addresses, domain names with a path, file
// names and long hex runs (fingerprints, key IDs, digests).
var notProse = lazyRegexp(`(?i)\b[a-z][a-z0-9+.-]*://\S*|\bwww\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b(?:[\w-]+\.)+[a-z]{2,}/\S*|\b[\w.-]+\.(?:txt|asc|sig|sign|md|html?|gpg|pub|key|pgp)\b|\b[0-9a-f]{16,}\b|\b(?:0x)?(?:[0-9a-f]{4}[ \t]+){3,}[0-9a-f]{4}\b`)

// shellLine reports whether a line is a shell command.
func shellLine(l string) bool {
	if strings.HasPrefix(l, "$ ") || strings.HasPrefix(l, "% ") || l == "$" {
		return true
	}
	w := l
	if i := strings.IndexAny(l, " \t"); i >= 0 {
		w = l[:i]
	} else {
		return false
	}
	return commands[w]
}

var commands = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`gpg gpg2 gpgv curl wget git sha256sum sha512sum sha1sum md5sum b2sum signify signify-openbsd
		sq sqv minisign openssl torsocks torify echo cat cd sudo apt apt-get date python python3 keybase ssh scp rsync`) {
		commands[w] = true
	}
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
